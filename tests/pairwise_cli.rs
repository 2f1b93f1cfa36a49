//! Comparison items in and out: pairs split at import, Chatbot Arena / MT-Bench votes,
//! the `left` column of labels import, DPO export and the bundled pairwise data.

mod common;

use common::{Sandbox, repo};
use tally::store::Store;

fn store(sandbox: &Sandbox) -> Store {
    Store::open_read_only(&sandbox.path("tally.db")).unwrap()
}

#[test]
fn a_comparison_of_three_is_imported_as_its_three_pairs() {
    let sandbox = Sandbox::with_store();
    let file = sandbox.write(
        "cmp.jsonl",
        r#"{"id": "q1", "input": "Name a prime", "candidates": [{"id": "v1", "output": "2", "model": "m1"}, {"id": "v2", "output": "4", "model": "m2"}, {"id": "v3", "output": "7", "model": "m3"}]}
{"id": "q2", "input": "Name a colour", "candidates": [{"id": "v1", "output": "red"}, {"id": "v2", "output": "blue"}]}
"#,
    );
    let out = sandbox.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("4 new"), "{out}");
    let store = store(&sandbox);
    for (id, a, b) in [("q1~v1~v2", "v1", "v2"), ("q1~v1~v3", "v1", "v3"), ("q1~v2~v3", "v2", "v3")] {
        let (_, item) = store.item_by_external_id(id).unwrap().unwrap();
        let ids: Vec<_> = item.shape.candidates().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, [a, b], "{id}");
        assert_eq!(item.metadata["comparison_of"], "q1");
    }
    assert!(store.item_by_external_id("q1").unwrap().is_none());
    let (_, pair) = store.item_by_external_id("q2").unwrap().unwrap();
    assert!(!pair.metadata.contains_key("comparison_of"));
    // Importing again changes nothing.
    assert!(sandbox.ok(&["import", file.to_str().unwrap()]).contains("0 new, 4 unchanged"));
}

#[test]
fn a_judged_comparison_of_three_is_refused_with_its_line() {
    let sandbox = Sandbox::with_store();
    let file = sandbox.write(
        "cmp.jsonl",
        r#"{"id": "q1", "input": "x", "judge": {"preference": "a"}, "candidates": [{"id": "v1"}, {"id": "v2"}, {"id": "v3"}]}"#,
    );
    let err = sandbox.fails(&["import", file.to_str().unwrap()]);
    assert!(err.contains("cmp.jsonl:1: field `judge`: a comparison of 3 candidates"), "{err}");
}

/// Records written from the LMSYS dataset cards (chatbot_arena_conversations,
/// mt_bench_human_judgments): see `src/io/arena.rs`.
#[test]
fn arena_records_import_as_items_with_the_llm_judge_and_say_the_human_votes_need_a_rubric() {
    let sandbox = Sandbox::with_store();
    let out = sandbox.ok(&["import", &repo("tests/data/arena_votes.jsonl")]);
    assert!(out.contains("2 records into dataset `arena_votes`: 2 new"), "{out}");
    assert!(out.contains("4 human votes (Chatbot Arena / MT-Bench) not stored"), "{out}");
    let store = store(&sandbox);
    let (_, item) = store.item_by_external_id("81~alpaca-13b~gpt-4").unwrap().unwrap();
    assert_eq!(item.input, "Compose a haiku about rain.");
    // GPT-4 (model_a, the second candidate by name) won: `b`.
    assert_eq!(item.judge["preference"], "b");
    assert_eq!(item.metadata["question_id"], 81);
    let contenders: Vec<_> = item.shape.candidates().iter().map(|c| c.contender()).collect();
    assert_eq!(contenders, ["alpaca-13b", "gpt-4"]);
}

#[test]
fn arena_votes_import_as_labels_with_the_side_each_judge_saw() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["rubric", "add", &repo("guidelines/pairwise-preference.toml")]);
    let file = repo("tests/data/arena_votes.jsonl");
    let out = sandbox.ok(&["labels", "import", &file, "--rubric", "pairwise-preference"]);
    assert!(out.contains("4 labels from 4 raters on 2 items"), "{out}");
    assert!(out.contains("2 comparison items created") && out.contains("4 sides recorded"), "{out}");
    let store = store(&sandbox);
    let (arena_id, _) =
        store.item_by_external_id("58210e39b3fd4441a2bd4a518bb44c2d~koala-13b~vicuna-13b").unwrap().unwrap();
    let mut values: Vec<(String, String)> = store
        .labels_of_item(arena_id)
        .unwrap()
        .into_iter()
        .map(|label| (label.rater, label.value.to_string()))
        .collect();
    values.sort();
    assert_eq!(
        values,
        [("arena_user_12".to_string(), "\"both_bad\"".to_string()), ("arena_user_973".into(), "\"b\"".into())]
    );
    // Arena showed model_a on the left.
    assert_eq!(store.side(arena_id, "arena_user_973").unwrap().as_deref(), Some("vicuna-13b"));
    assert_eq!(store.side(arena_id, "arena_user_12").unwrap().as_deref(), Some("koala-13b"));
    let (mt_id, item) = store.item_by_external_id("81~alpaca-13b~gpt-4").unwrap().unwrap();
    assert_eq!(item.judge["preference"], "b");
    assert_eq!(store.side(mt_id, "expert_0").unwrap().as_deref(), Some("alpaca-13b"));
    // Again: nothing new; and `tally import` of the same file finds the items unchanged.
    let again = sandbox.ok(&["labels", "import", &file, "--rubric", "pairwise-preference"]);
    assert!(again.contains("0 recorded, 4 unchanged"), "{again}");
    assert!(sandbox.ok(&["import", &file]).contains("0 new, 2 unchanged"));
}

#[test]
fn labels_import_records_the_side_a_left_column_names() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["rubric", "add", &repo("guidelines/pairwise-preference.toml")]);
    let items = sandbox.write(
        "items.jsonl",
        r#"{"id": "p1", "input": "Name a prime", "candidates": [{"id": "v1", "output": "2"}, {"id": "v2", "output": "4"}]}
{"id": "p2", "input": "Name a colour", "candidates": [{"id": "v1", "output": "red"}, {"id": "v2", "output": "blue"}]}
{"id": "s1", "input": "Q", "output": "A"}
"#,
    );
    sandbox.ok(&["import", items.to_str().unwrap()]);
    let labels = sandbox.write(
        "labels.csv",
        "item,rater,criterion,value,left\np1,ana,preference,a,v2\np2,ana,preference,b,a\np2,ben,preference,tie,b\np1,ben,preference,a,\n",
    );
    let out = sandbox.ok(&["labels", "import", labels.to_str().unwrap(), "--rubric", "pairwise-preference"]);
    assert!(out.contains("3 sides recorded"), "{out}");
    let store = store(&sandbox);
    let side = |item: &str, rater: &str| {
        let (id, _) = store.item_by_external_id(item).unwrap().unwrap();
        store.side(id, rater).unwrap()
    };
    assert_eq!(side("p1", "ana").as_deref(), Some("v2"));
    assert_eq!(side("p2", "ana").as_deref(), Some("v1"));
    assert_eq!(side("p2", "ben").as_deref(), Some("v2"));
    assert_eq!(side("p1", "ben"), None);

    for (row, expected) in [
        (
            "p1,cleo,preference,a,v9",
            "labels2.csv:2: field `left`: `v9` is not a candidate of item `p1` (expected a, b or one of v1, v2)",
        ),
        ("s1,cleo,preference,a,a", "labels2.csv:2: field `left`: item `s1` is not a comparison"),
    ] {
        let bad = sandbox.write("labels2.csv", format!("item,rater,criterion,value,left\n{row}\n"));
        let err = sandbox.fails(&["labels", "import", bad.to_str().unwrap(), "--rubric", "pairwise-preference"]);
        assert!(err.contains(expected), "{err}");
    }
}

/// Worked by hand: p1's raters say a, a, b (majority a: the first candidate is chosen);
/// p2's b, b (the second); p3's tie, tie, a (a tie: no pair); p4's both_bad twice.
#[test]
fn dpo_export_writes_the_consensus_pairs_and_counts_ties_and_both_bad() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["rubric", "add", &repo("guidelines/pairwise-preference.toml")]);
    let items = sandbox.write(
        "items.jsonl",
        r#"{"id": "p1", "input": "Name a prime", "candidates": [{"id": "v1", "output": "2"}, {"id": "v2", "output": "4"}]}
{"id": "p2", "input": "Name a colour", "candidates": [{"id": "v1", "output": "loud"}, {"id": "v2", "output": "blue"}]}
{"id": "p3", "input": "Say hi", "candidates": [{"id": "v1", "output": "hi"}, {"id": "v2", "output": "hello"}]}
{"id": "p4", "input": "2+2?", "candidates": [{"id": "v1", "output": "5"}, {"id": "v2", "output": "3"}]}
"#,
    );
    sandbox.ok(&["import", items.to_str().unwrap()]);
    let labels = sandbox.write(
        "labels.csv",
        "item,rater,preference\np1,ana,a\np1,ben,a\np1,cleo,b\np2,ana,b\np2,ben,b\np3,ana,tie\np3,ben,tie\np3,cleo,a\n\
         p4,ana,both_bad\np4,ben,both_bad\n",
    );
    sandbox.ok(&["labels", "import", labels.to_str().unwrap(), "--rubric", "pairwise-preference"]);
    let out = sandbox.ok(&["export", "--rubric", "pairwise-preference", "--format", "dpo", "--out", "pairs.jsonl"]);
    assert!(out.contains("left out 1 items whose consensus is a tie and 1 both bad"), "{out}");
    let pairs = std::fs::read_to_string(sandbox.path("pairs.jsonl")).unwrap();
    assert_eq!(
        pairs,
        "{\"chosen\":\"2\",\"prompt\":\"Name a prime\",\"rejected\":\"4\"}\n\
         {\"chosen\":\"blue\",\"prompt\":\"Name a colour\",\"rejected\":\"loud\"}\n"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.path("pairs.manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["file_format"], "dpo");
    assert_eq!(manifest["counts"]["items"], 2);
    assert_eq!(manifest["excluded"]["tie"], 1);
    assert_eq!(manifest["excluded"]["both_bad"], 1);

    // The golden set carries the candidates and the consensus preference.
    sandbox.ok(&["export", "--rubric", "pairwise-preference", "--out", "golden.jsonl"]);
    let golden = std::fs::read_to_string(sandbox.path("golden.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(golden.lines().next().unwrap()).unwrap();
    assert_eq!(first["candidates"][0]["id"], "v1");
    assert_eq!(first["labels"]["preference"], "a");

    let err = sandbox.fails(&[
        "export",
        "--rubric",
        "pairwise-preference",
        "--format",
        "dpo",
        "--out",
        "x.jsonl",
        "--target",
        "why",
    ]);
    assert!(err.contains("--target why: --format dpo reads a preference criterion"), "{err}");
}

/// The bundled pairwise sample, as the README tour uses it: 238 comparison items, the
/// rubric, 714 preferences with the side each rater saw, and DPO pairs out.
#[test]
fn the_bundled_pairwise_sample_imports_and_exports() {
    let sandbox = Sandbox::with_store();
    let out = sandbox.ok(&["import", &repo("sample_data/pairwise_items.jsonl")]);
    assert!(out.contains("238 records into dataset `pairwise_items`: 238 new"), "{out}");
    sandbox.ok(&["rubric", "add", &repo("guidelines/pairwise-preference.toml")]);
    let out =
        sandbox.ok(&["labels", "import", &repo("sample_data/pairwise_labels.csv"), "--rubric", "pairwise-preference"]);
    assert!(out.contains("from 3 raters on 238 items"), "{out}");
    assert!(out.contains("714 sides recorded"), "{out}");
    let store = store(&sandbox);
    let sides = store.sides().unwrap();
    assert_eq!(sides.len(), 714);
    let out = sandbox.ok(&["export", "--rubric", "pairwise-preference", "--format", "dpo", "--out", "pairs.jsonl"]);
    assert!(out.contains("both bad"), "{out}");
    let pairs = std::fs::read_to_string(sandbox.path("pairs.jsonl")).unwrap();
    assert!(pairs.lines().count() > 100, "{}", pairs.lines().count());
    for line in pairs.lines() {
        let pair: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_ne!(pair["chosen"], pair["rejected"]);
    }
}

#[test]
fn demo_pairwise_builds_its_own_store_and_leaves_the_plain_demo_alone() {
    let sandbox = Sandbox::new();
    let out = sandbox.ok_on("pair.db", &["demo", "--pairwise", "--no-label"]);
    assert!(out.contains("238 items"), "{out}");
    assert!(out.contains("report preference --rubric pairwise-preference"), "{out}");
    let store = Store::open_read_only(&sandbox.path("pair.db")).unwrap();
    assert_eq!(store.sides().unwrap().len(), 714);
    assert!(store.batch("demo").unwrap().is_some());
    drop(store);
    // Run again: reopened, not rebuilt. Without --pairwise the same path is refused (the
    // rater's demo labels are in it) unless --fresh says to rebuild it with the plain demo.
    assert!(sandbox.ok_on("pair.db", &["demo", "--pairwise", "--no-label"]).contains("238 items"));
    let refused = String::from_utf8(sandbox.run_on("pair.db", &["demo", "--no-label"]).stderr).unwrap();
    assert!(refused.contains("holds sample_data/pairwise_items.jsonl; `tally demo --pairwise` opens it"), "{refused}");
    let plain = sandbox.ok_on("pair.db", &["demo", "--no-label", "--fresh"]);
    assert!(plain.contains("160 items"), "{plain}");
}

#[test]
fn a_sample_into_the_store_splits_comparisons_too() {
    let sandbox = Sandbox::with_store();
    let file = sandbox.write(
        "cmp.jsonl",
        r#"{"id": "q1", "input": "Name a prime", "candidates": [{"id": "v1", "output": "2"}, {"id": "v2", "output": "4"}, {"id": "v3", "output": "7"}]}
"#,
    );
    sandbox.ok(&["sample", file.to_str().unwrap(), "--n", "1"]);
    let store = store(&sandbox);
    for id in ["q1~v1~v2", "q1~v1~v3", "q1~v2~v3"] {
        assert!(store.item_by_external_id(id).unwrap().is_some(), "{id}");
    }
}
