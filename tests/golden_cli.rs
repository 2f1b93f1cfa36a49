//! Adjudication, golden-set filters and versions, `golden diff` and the import round
//! trip, through the built binary.

mod common;

use common::{Sandbox, repo};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn lines(sandbox: &Sandbox, file: &str) -> Vec<Value> {
    std::fs::read_to_string(sandbox.path(file)).unwrap().lines().map(json).collect()
}

fn line<'a>(lines: &'a [Value], id: &str) -> &'a Value {
    lines.iter().find(|line| line["id"] == id).unwrap_or_else(|| panic!("no {id}"))
}

/// Four items, a binary and an ordinal criterion, labeled by hand so that every
/// consensus is known:
/// - a: pass, pass, pass (agreement 1)
/// - b: pass, fail (a tie; agreement 0 on correct)
/// - c: fail, fail, pass (majority fail; 1 of 3 pairs agree)
/// - d: one rater only
fn store() -> Sandbox {
    let sandbox = Sandbox::with_store();
    let items: String = ["a", "b", "c", "d"]
        .iter()
        .map(|id| format!("{{\"id\": \"{id}\", \"input\": \"q {id}\", \"output\": \"o {id}\", \"metadata\": {{\"model\": \"m\"}}}}\n"))
        .collect();
    sandbox.write("items.jsonl", items);
    sandbox.write(
        "r.toml",
        r#"name = "r"
version = 1
[[criteria]]
id = "correct"
kind = "binary"
options = [ { value = "pass", key = "y" }, { value = "fail", key = "n" } ]
[[criteria]]
id = "stars"
kind = "ordinal"
options = [ { value = "1", key = "1" }, { value = "2", key = "2" }, { value = "3", key = "3" } ]
"#,
    );
    sandbox.write(
        "labels.csv",
        "item,rater,criterion,value\n\
         a,ann,correct,pass\na,bob,correct,pass\na,cy,correct,pass\n\
         a,ann,stars,3\na,bob,stars,3\na,cy,stars,3\n\
         b,ann,correct,pass\nb,bob,correct,fail\nb,ann,stars,1\nb,bob,stars,2\n\
         c,ann,correct,fail\nc,bob,correct,fail\nc,cy,correct,pass\n\
         d,ann,correct,pass\n",
    );
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", "items.jsonl"]);
    sandbox.ok(&["rubric", "add", "r.toml"]);
    sandbox.ok(&["labels", "import", "labels.csv"]);
    sandbox
}

#[test]
fn consensus_reports_ties_and_adjudication_wins() {
    let sandbox = store();
    sandbox.ok(&["export", "--out", "g.jsonl"]);
    let golden = lines(&sandbox, "g.jsonl");
    assert_eq!(line(&golden, "a")["labels"]["correct"], "pass");
    let b = line(&golden, "b");
    assert_eq!(b["labels"]["correct"], Value::Null);
    assert_eq!(b["consensus"]["correct"]["method"], "tie");
    assert_eq!(b["consensus"]["correct"]["tied"], serde_json::json!(["fail", "pass"]));
    assert_eq!(line(&golden, "c")["labels"]["correct"], "fail");
    // The median of 1 and 2 falls between two points of the scale: a tie, not the lower.
    sandbox.ok(&["export", "--out", "median.jsonl", "--consensus", "median"]);
    let median = lines(&sandbox, "median.jsonl");
    assert_eq!(line(&median, "b")["labels"]["stars"], Value::Null);
    assert_eq!(line(&median, "b")["consensus"]["stars"]["tied"], serde_json::json!(["1", "2"]));
    sandbox.ok(&["export", "--out", "mean.jsonl", "--consensus", "mean"]);
    assert_eq!(line(&lines(&sandbox, "mean.jsonl"), "b")["labels"]["stars"], 1.5);

    let out = sandbox.ok(&["adjudicate", "b", "correct", "fail", "--why", "the answer omits the fee", "--as", "lead"]);
    assert_eq!(out, "adjudicated b correct = \"fail\" (by lead)\n");
    let out = sandbox.ok(&["adjudicate", "b", "correct", "fail", "--why", "the answer omits the fee", "--as", "lead"]);
    assert!(out.starts_with("unchanged"), "{out}");
    // Adjudication overrides even a unanimous vote.
    sandbox.ok(&["adjudicate", "a", "correct", "fail", "--why", "all three missed the date"]);
    sandbox.ok(&["export", "--out", "g.jsonl"]);
    let golden = lines(&sandbox, "g.jsonl");
    assert_eq!(line(&golden, "b")["labels"]["correct"], "fail");
    assert_eq!(line(&golden, "b")["consensus"]["correct"]["method"], "adjudicated");
    assert_eq!(line(&golden, "a")["labels"]["correct"], "fail");
    let manifest = json(&std::fs::read_to_string(sandbox.path("g.manifest.json")).unwrap());
    assert_eq!(manifest["counts"]["adjudicated"], 2);
    let shown = json(&sandbox.ok(&["show", "b", "--format", "json"]));
    assert_eq!(shown["adjudications"][0]["adjudicator"], "lead");
    assert_eq!(shown["adjudications"][0]["rationale"], "the answer omits the fee");
    assert!(sandbox.ok(&["show", "a"]).contains("ADJUDICATED"));
    // Only adjudicated values under --consensus adjudicated.
    sandbox.ok(&["export", "--out", "adj.jsonl", "--consensus", "adjudicated"]);
    let adjudicated = lines(&sandbox, "adj.jsonl");
    assert_eq!(line(&adjudicated, "c")["labels"], serde_json::json!({}));
    // Withdrawn, the raters' tie stands again.
    sandbox.ok(&["adjudicate", "b", "correct", "--clear", "--why", "wrong item"]);
    sandbox.ok(&["export", "--out", "g.jsonl"]);
    assert_eq!(line(&lines(&sandbox, "g.jsonl"), "b")["labels"]["correct"], Value::Null);

    let error = sandbox.fails(&["adjudicate", "b", "correct", "maybe", "--why", "x"]);
    assert!(error.contains("`maybe` is not an option"), "{error}");
    let error = sandbox.fails(&["adjudicate", "zz", "correct", "pass", "--why", "x"]);
    assert!(error.contains("no item `zz`"), "{error}");
    let error = sandbox.fails(&["adjudicate", "b", "tone", "pass", "--why", "x"]);
    assert!(error.contains("no criterion `tone`"), "{error}");
}

#[test]
fn filters_leave_items_out_and_say_why() {
    let sandbox = store();
    let out = sandbox.ok(&["export", "--out", "g.jsonl", "--min-raters", "3"]);
    assert!(out.contains("left out 2 items: 0 flagged, 2 below --min-raters"), "{out}");
    let ids: Vec<Value> = lines(&sandbox, "g.jsonl").iter().map(|l| l["id"].clone()).collect();
    assert_eq!(ids, ["a", "c"]);

    // Agreement pools the pairs of every criterion: a 1.0, b 1 of 2 (stars 1 vs 2 and
    // correct pass vs fail: 0 of 2), c 1 of 3, d undefined.
    sandbox.ok(&["export", "--out", "g.jsonl", "--min-agreement", "0.3"]);
    let golden = lines(&sandbox, "g.jsonl");
    let ids: Vec<&str> = golden.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "c"]);
    assert_eq!(line(&golden, "a")["agreement"], 1.0);
    let manifest = json(&std::fs::read_to_string(sandbox.path("g.manifest.json")).unwrap());
    assert_eq!(manifest["excluded"]["min_agreement"], 2);
    assert_eq!(manifest["filters"]["min_agreement"], 0.3);
    let error = sandbox.fails(&["export", "--out", "g.jsonl", "--min-agreement", "2"]);
    assert!(error.contains("--min-agreement must be between 0 and 1"), "{error}");
}

#[test]
fn flagged_items_are_left_out_on_request() {
    let sandbox = store();
    sandbox.ok(&["batch", "create", "first", "--rubric", "r", "--raters", "ann,bob", "--overlap", "2"]);
    {
        // A rater flags item c on the label screen; here through the same store call.
        let mut store = tally::store::Store::open(&sandbox.path("tally.db")).unwrap();
        let batch = store.batch("first").unwrap().unwrap();
        store
            .write(|tx| {
                let item = tx.item_id("c")?.unwrap();
                tx.item_event(
                    batch.id,
                    item,
                    "ann",
                    tally::store::ItemAction::Flag,
                    Some("the reference is wrong"),
                    None,
                )
            })
            .unwrap();
    }
    let out = sandbox.ok(&["export", "--out", "g.jsonl", "--exclude-flagged"]);
    assert!(out.contains("left out 1 items: 1 flagged"), "{out}");
    let ids: Vec<Value> = lines(&sandbox, "g.jsonl").iter().map(|l| l["id"].clone()).collect();
    assert_eq!(ids, ["a", "b", "d"]);
    sandbox.ok(&["export", "--out", "g.jsonl"]);
    assert_eq!(lines(&sandbox, "g.jsonl").len(), 4, "kept without the flag");
}

#[test]
fn raters_are_hashed_unless_revealed() {
    let sandbox = store();
    sandbox.ok(&["export", "--out", "g.jsonl", "--with-raters"]);
    let golden = lines(&sandbox, "g.jsonl");
    let a = line(&golden, "a");
    let raters: Vec<&str> = a["raters"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert_eq!(raters.len(), 3);
    assert!(raters.iter().all(|r| r.starts_with("r-") && r.len() == 14), "{raters:?}");
    let text = std::fs::read_to_string(sandbox.path("g.jsonl")).unwrap();
    assert!(!text.contains("ann") && !text.contains("bob"), "a rater's name leaked");
    let rater_labels = a["rater_labels"].as_object().unwrap();
    assert_eq!(rater_labels.len(), 3);
    assert!(rater_labels.values().all(|labels| labels["correct"] == "pass" && labels["stars"] == "3"));

    sandbox.ok(&["export", "--out", "named.jsonl", "--with-raters", "--reveal-raters"]);
    let named = lines(&sandbox, "named.jsonl");
    assert_eq!(line(&named, "b")["rater_labels"]["bob"]["correct"], "fail");
    let manifest = json(&std::fs::read_to_string(sandbox.path("named.manifest.json")).unwrap());
    assert_eq!(manifest["rater_names"], "revealed");

    // CSV: one row per item, a value and a method column per criterion.
    sandbox.ok(&["export", "--out", "g.csv"]);
    let mut reader = csv::Reader::from_path(sandbox.path("g.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    for column in ["id", "label_correct", "consensus_correct", "label_stars", "agreement", "raters"] {
        assert!(header.contains(&column.to_string()), "{column} missing from {header:?}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    let correct = header.iter().position(|h| h == "label_correct").unwrap();
    assert_eq!((&rows[2][0], &rows[2][correct]), ("c", "fail"));
    assert_eq!(&rows[1][correct], "", "a tie has no value");
}

#[test]
fn versions_diff_and_import_round_trip() {
    let sandbox = store();
    let out = sandbox.ok(&["export", "--name", "qa"]);
    assert!(out.contains("wrote golden/qa-v1.jsonl"), "{out}");
    let out = sandbox.ok(&["export", "--name", "qa"]);
    assert!(out.starts_with("unchanged: the golden set equals golden/qa-v1.jsonl"), "{out}");
    assert!(!sandbox.path("golden/qa-v2.jsonl").exists());

    // One rater changes one label: c was fail 2 to 1, and ann switching makes it pass.
    sandbox.write("change.csv", "item,rater,criterion,value\nc,ann,correct,pass\n");
    sandbox.ok(&["labels", "import", "change.csv"]);
    let out = sandbox.ok(&["export", "--name", "qa"]);
    assert!(out.contains("wrote golden/qa-v2.jsonl"), "{out}");
    let manifest = json(&std::fs::read_to_string(sandbox.path("golden/qa-v2.manifest.json")).unwrap());
    assert_eq!(manifest["version"], 2);
    assert_eq!(manifest["previous"]["file"], "qa-v1.jsonl");

    let diff = json(&sandbox.ok(&["golden", "diff", "qa", "v1", "v2", "--format", "json"]));
    assert_eq!(diff["added"], serde_json::json!([]));
    assert_eq!(diff["removed"], serde_json::json!([]));
    assert_eq!(
        diff["changed"],
        serde_json::json!([{"id": "c", "labels": {"correct": {"old": "fail", "new": "pass"}}}]),
        "exactly the one change"
    );
    assert_eq!(diff["unchanged"], 3);
    let table = sandbox.ok(&["golden", "diff", "qa", "1", "2"]);
    assert!(table.starts_with("qa v1 -> v2\n"), "{table}");
    assert!(table.contains("c        correct    fail  pass"), "{table}");
    let error = sandbox.fails(&["golden", "diff", "qa", "v1", "v7"]);
    assert!(error.contains("no such golden set version (there are v1, v2)"), "{error}");

    // Into a fresh store: the items come back as a dataset, the labels as one rater's,
    // and exporting them again gives the same labels.
    sandbox.ok_on("fresh.db", &["init"]);
    let error =
        String::from_utf8(sandbox.run_on("fresh.db", &["golden", "import", "golden/qa-v2.jsonl"]).stderr).unwrap();
    assert!(error.contains("is not in the store; add it first"), "{error}");
    sandbox.ok_on("fresh.db", &["rubric", "add", "r.toml"]);
    let out = sandbox.ok_on("fresh.db", &["golden", "import", "golden/qa-v2.jsonl"]);
    assert!(out.contains("4 items into dataset `qa-v2` (4 new)"), "{out}");
    assert!(out.contains("as rater `golden:qa-v2`"), "{out}");
    // The golden set is no rater unless asked: alone in this store, it exports nothing.
    let out = sandbox.ok_on("fresh.db", &["export", "--out", "empty.jsonl"]);
    assert!(out.contains("golden-set labels left out"), "{out}");
    sandbox.ok_on("fresh.db", &["export", "--out", "back.jsonl", "--include-golden"]);
    let original = lines(&sandbox, "golden/qa-v2.jsonl");
    let back = lines(&sandbox, "back.jsonl");
    for item in &original {
        let decided: serde_json::Map<String, Value> = item["labels"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let returned = back.iter().find(|line| line["id"] == item["id"]);
        let Some(returned) = returned else {
            // Item b tied on every criterion: it comes back without labels, so it is not exported.
            assert!(decided.is_empty(), "{} is missing", item["id"]);
            continue;
        };
        assert_eq!(returned["labels"], Value::Object(decided), "labels of {}", item["id"]);
        for field in ["input", "output", "metadata", "context"] {
            assert_eq!(returned[field], item[field], "{field} of {}", item["id"]);
        }
    }
    assert_eq!(back.len(), 3);

    // A golden set edited after export no longer matches its manifest.
    let path = sandbox.path("golden/qa-v1.jsonl");
    let text = std::fs::read_to_string(&path).unwrap().replace("\"o a\"", "\"o A\"");
    std::fs::write(&path, text).unwrap();
    let error =
        String::from_utf8(sandbox.run_on("fresh.db", &["golden", "import", "golden/qa-v1.jsonl"]).stderr).unwrap();
    assert!(error.contains("the file changed after export"), "{error}");
}

#[test]
fn the_sample_data_exports_with_every_option() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    let args =
        ["export", "--name", "rag", "--dir", "sets", "--min-raters", "2", "--min-agreement", "0.5", "--with-raters"];
    let out = sandbox.ok(&args);
    assert!(out.contains("wrote sets/rag-v1.jsonl"), "{out}");
    let first = std::fs::read(sandbox.path("sets/rag-v1.jsonl")).unwrap();
    std::fs::remove_dir_all(sandbox.path("sets")).unwrap();
    sandbox.ok(&args);
    assert_eq!(first, std::fs::read(sandbox.path("sets/rag-v1.jsonl")).unwrap(), "byte-reproducible");
}

#[test]
fn the_judge_is_compared_with_the_adjudicated_value() {
    let sandbox = Sandbox::with_store();
    sandbox.write(
        "items.jsonl",
        "{\"id\": \"a\", \"input\": \"q\", \"output\": \"o\", \"judge\": {\"stars\": 3}}\n\
         {\"id\": \"b\", \"input\": \"q\", \"output\": \"o\", \"judge\": {\"stars\": 1}}\n\
         {\"id\": \"c\", \"input\": \"q\", \"output\": \"o\", \"judge\": {\"stars\": 2}}\n",
    );
    sandbox.write(
        "r.toml",
        "name = \"r\"\nversion = 1\n[[criteria]]\nid = \"stars\"\nkind = \"ordinal\"\n\
         options = [ { value = \"1\", key = \"1\" }, { value = \"2\", key = \"2\" }, { value = \"3\", key = \"3\" } ]\n",
    );
    sandbox.write("labels.csv", "item,rater,criterion,value\na,ann,stars,1\nb,ann,stars,3\nc,ann,stars,2\n");
    sandbox.ok(&["import", "items.jsonl"]);
    sandbox.ok(&["rubric", "add", "r.toml"]);
    sandbox.ok(&["labels", "import", "labels.csv"]);
    let bias = |sandbox: &Sandbox| {
        let report = json(&sandbox.ok(&["report", "judge", "--format", "json", "--replicates", "0"]));
        report["criteria"][0]["bias"].as_f64().unwrap()
    };
    assert_eq!(bias(&sandbox), 0.0, "judge 3, 1, 2 against ann's 1, 3, 2");
    sandbox.ok(&["adjudicate", "a", "stars", "3", "--why", "ann misread it"]);
    // Now 3, 3, 2 against the judge's 3, 1, 2: bias (0 - 2 + 0) / 3.
    assert!((bias(&sandbox) + 2.0 / 3.0).abs() < 1e-12);
}
