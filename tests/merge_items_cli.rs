//! An offline rater's copy carries more than labels: what they confirmed, skipped and
//! flagged (with their notes) comes back with `tally merge`, once.

mod common;

use common::{Sandbox, repo};
use tally::store::{ItemAction, Store};

/// A shared store with batch `pilot` (ana and ben, every item to one of them).
fn shared_store(sandbox: &Sandbox) {
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&[
        "batch",
        "create",
        "pilot",
        "--rubric",
        "rag-answer-quality",
        "--raters",
        "ana,ben",
        "--overlap",
        "1",
    ]);
}

/// In the store `db`, ana confirms her first 3 items, skips the 4th and flags the 5th,
/// with notes. Returns the external ids of the skipped and the flagged item.
fn ana_works_on(sandbox: &Sandbox, db: &str) -> (String, String) {
    let mut store = Store::open(&sandbox.path(db)).unwrap();
    let batch = store.batch("pilot").unwrap().unwrap();
    let queue = store.queue(batch.id, "ana").unwrap();
    store
        .write(|tx| {
            for entry in &queue[..3] {
                tx.confirm_item(batch.id, entry.item_id, "ana", Some(20_000))?;
            }
            tx.item_event(
                batch.id,
                queue[3].item_id,
                "ana",
                ItemAction::Skip,
                Some("cannot judge the tax part"),
                None,
            )?;
            tx.item_event(batch.id, queue[4].item_id, "ana", ItemAction::Flag, Some("passage 2 contradicts 1"), None)?;
            Ok::<_, tally::store::StoreError>(())
        })
        .unwrap();
    (queue[3].external_id.clone(), queue[4].external_id.clone())
}

fn progress_of(sandbox: &Sandbox, rater: &str) -> serde_json::Value {
    let report: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["report", "progress", "--format", "json"])).unwrap();
    report["raters"].as_array().unwrap().iter().find(|row| row["rater"] == rater).unwrap().clone()
}

#[test]
fn confirms_skips_and_flags_of_an_offline_copy_merge_back_once() {
    let sandbox = Sandbox::new();
    shared_store(&sandbox);
    std::fs::copy(sandbox.path("tally.db"), sandbox.path("offline.db")).unwrap();
    let (skipped, flagged) = ana_works_on(&sandbox, "offline.db");

    let out = sandbox.ok(&["merge", "offline.db"]);
    assert!(out.contains("item events 5 added, 0 already here"), "{out}");
    let ana = progress_of(&sandbox, "ana");
    assert_eq!((ana["done"].as_i64(), ana["skipped"].as_i64(), ana["flagged"].as_i64()), (Some(3), Some(1), Some(1)));
    let batches = sandbox.ok(&["batch", "list", "--format", "json"]);
    let batches: serde_json::Value = serde_json::from_str(&batches).unwrap();
    assert!(batches.to_string().contains(r#"["ana",80,3]"#), "{batches}");

    let store = Store::open(&sandbox.path("tally.db")).unwrap();
    let marks = store.item_marks(None).unwrap();
    let note_of = |id: &str| {
        let (item_id, _) = store.item_by_external_id(id).unwrap().unwrap();
        marks.iter().find(|mark| mark.item_id == item_id && mark.rater == "ana").cloned().unwrap()
    };
    let skip = note_of(&skipped);
    assert!(skip.skipped && !skip.flagged);
    assert_eq!(skip.note.as_deref(), Some("cannot judge the tax part"));
    let flag = note_of(&flagged);
    assert!(flag.flagged && !flag.skipped);
    assert_eq!(flag.note.as_deref(), Some("passage 2 contradicts 1"));
    drop(store);

    // Twice is once.
    let again: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["merge", "offline.db", "--format", "json"])).unwrap();
    assert_eq!(again["item_events_added"], 0, "{again}");
    assert_eq!(again["item_events_already_here"], 5, "{again}");
    assert_eq!(progress_of(&sandbox, "ana"), ana);
}

#[test]
fn a_reopen_in_the_copy_after_a_confirm_here_wins_by_time() {
    let sandbox = Sandbox::new();
    shared_store(&sandbox);
    std::fs::copy(sandbox.path("tally.db"), sandbox.path("offline.db")).unwrap();
    // Here: ana confirms her first item. Later, in her copy, she confirms then reopens it.
    let first = |db: &str| {
        let store = Store::open(&sandbox.path(db)).unwrap();
        let batch = store.batch("pilot").unwrap().unwrap();
        (batch.id, store.queue(batch.id, "ana").unwrap()[0].item_id)
    };
    let (batch, item) = first("tally.db");
    let mut here = Store::open(&sandbox.path("tally.db")).unwrap();
    here.write(|tx| tx.confirm_item(batch, item, "ana", None)).unwrap();
    drop(here);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let (batch, item) = first("offline.db");
    let mut copy = Store::open(&sandbox.path("offline.db")).unwrap();
    copy.write(|tx| {
        tx.confirm_item(batch, item, "ana", None)?;
        std::thread::sleep(std::time::Duration::from_millis(5));
        tx.item_event(batch, item, "ana", ItemAction::Reopen, None, None)
    })
    .unwrap();
    drop(copy);
    sandbox.ok(&["merge", "offline.db"]);
    assert_eq!(progress_of(&sandbox, "ana")["done"], 0);
}

#[test]
fn events_of_a_batch_this_store_lacks_come_with_the_batch() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    std::fs::copy(sandbox.path("tally.db"), sandbox.path("offline.db")).unwrap();
    // The batch is made in the copy only.
    sandbox.ok_on(
        "offline.db",
        &["batch", "create", "pilot", "--rubric", "rag-answer-quality", "--raters", "ana,ben", "--overlap", "1"],
    );
    ana_works_on(&sandbox, "offline.db");
    let out = sandbox.ok(&["merge", "offline.db", "--format", "json"]);
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["batches_added"], 1, "{summary}");
    assert_eq!(summary["item_events_added"], 5, "{summary}");
    let ana = progress_of(&sandbox, "ana");
    assert_eq!((ana["assigned"].as_i64(), ana["done"].as_i64()), (Some(80), Some(3)));
    // The queues are the copy's, in the same order.
    let queues = |db: &str| {
        let store = Store::open(&sandbox.path(db)).unwrap();
        let batch = store.batch("pilot").unwrap().unwrap();
        let ids = |rater| store.queue(batch.id, rater).unwrap().into_iter().map(|e| e.external_id).collect::<Vec<_>>();
        (ids("ana"), ids("ben"))
    };
    assert_eq!(queues("tally.db"), queues("offline.db"));
    let again: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["merge", "offline.db", "--format", "json"])).unwrap();
    assert_eq!((again["batches_added"].as_u64(), again["item_events_added"].as_u64()), (Some(0), Some(0)));
}

#[test]
fn events_whose_batch_differs_here_are_left_out_with_the_reason() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    std::fs::copy(sandbox.path("tally.db"), sandbox.path("offline.db")).unwrap();
    sandbox.ok_on(
        "offline.db",
        &["batch", "create", "pilot", "--rubric", "rag-answer-quality", "--raters", "ana,ben", "--overlap", "1"],
    );
    ana_works_on(&sandbox, "offline.db");
    // Here, a batch of the same name under another rubric.
    let rubric = std::fs::read_to_string(repo("guidelines/rag-answer-quality.toml"))
        .unwrap()
        .replace("name = \"rag-answer-quality\"", "name = \"other\"");
    let other = sandbox.write("other.toml", rubric);
    std::fs::copy(repo("guidelines/rag-answer-quality.md"), sandbox.path("rag-answer-quality.md")).unwrap();
    sandbox.ok(&["rubric", "add", other.to_str().unwrap()]);
    sandbox.ok(&["batch", "create", "pilot", "--rubric", "other", "--raters", "ana", "--overlap", "1"]);
    let out = sandbox.ok(&["merge", "offline.db"]);
    assert!(out.contains("batch `pilot`"), "{out}");
    assert!(out.contains("5 item events"), "{out}");
    assert_eq!(progress_of(&sandbox, "ana")["done"], 0);
}
