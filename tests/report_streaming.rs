//! `report agreement` reads the labels one at a time (names interned) instead of holding
//! every label with its strings: the report is the one the held labels give.

use std::collections::BTreeMap;

use tally::model::Rubric;
use tally::report::agreement::{Bootstrap, Rating, criterion_agreement, from_store};
use tally::store::{LabelScope, Store};

const RUBRIC: &str = include_str!("../guidelines/rag-answer-quality.toml");

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn streamed_agreement_equals_agreement_over_the_held_labels() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(&dir.path().join("t.db")).unwrap();
    let options = tally::io::items::ImportOptions { dataset: Some("d".into()), ..Default::default() };
    tally::io::items::import_file(&mut store, &repo("sample_data/rag_items.jsonl"), &options).unwrap();
    let rubric = Rubric::from_toml(RUBRIC, "r.toml").unwrap();
    store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "guide")).unwrap();
    let stored = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    tally::io::labels::import_file(&mut store, &repo("sample_data/rag_labels.csv"), &stored).unwrap();

    let bootstrap = Bootstrap { replicates: 200, seed: 7, confidence: 0.9 };
    let report = from_store(&store, &stored, None, None, bootstrap, false).unwrap();

    // The reference: every label held at once, units and raters numbered as before.
    let scope = LabelScope { rubric: "rag-answer-quality", batch_id: None };
    let (labels, _) = store.rater_labels(scope, false).unwrap();
    let mut units: BTreeMap<i64, usize> = BTreeMap::new();
    let mut raters: BTreeMap<&str, usize> = BTreeMap::new();
    for label in &labels {
        let next = units.len();
        units.entry(label.item_id).or_insert(next);
        raters.insert(&label.rater, 0);
    }
    for (index, slot) in raters.values_mut().enumerate() {
        *slot = index;
    }
    let names: Vec<String> = raters.keys().map(|r| r.to_string()).collect();
    let expected: Vec<_> = rubric
        .criteria
        .iter()
        .filter_map(|criterion| {
            let ratings: Vec<Rating> = labels
                .iter()
                .filter(|label| label.criterion == criterion.id)
                .filter_map(|l| {
                    Some((units[&l.item_id], raters[l.rater.as_str()], criterion.parse_json(&l.value).ok()?))
                })
                .collect();
            criterion_agreement(criterion, &ratings, &names, None, bootstrap)
        })
        .collect();
    assert!(expected.len() >= 3);
    assert_eq!(report.raters, names);
    assert_eq!(report.items, units.len());
    assert_eq!(report.criteria, expected);
}

/// Every report reads the labels once into a `LabelSet` (strings stored once): walking it
/// gives what `rater_labels` holds, label for label and in the same order, with and
/// without the golden set's labels, changed and retracted labels, and items whole.
#[test]
fn the_label_set_walks_the_rater_labels_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(&dir.path().join("t.db")).unwrap();
    let options = tally::io::items::ImportOptions { dataset: Some("d".into()), ..Default::default() };
    tally::io::items::import_file(&mut store, &repo("sample_data/rag_items.jsonl"), &options).unwrap();
    let rubric = Rubric::from_toml(RUBRIC, "r.toml").unwrap();
    store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "guide")).unwrap();
    let stored = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    tally::io::labels::import_file(&mut store, &repo("sample_data/rag_labels.csv"), &stored).unwrap();
    // A golden set's labels on two items: named as `golden import` names its rater.
    let scope = LabelScope { rubric: "rag-answer-quality", batch_id: None };
    let (before, _) = store.rater_labels(scope, false).unwrap();
    store
        .write(|tx| {
            let mut items: Vec<i64> = before.iter().map(|label| label.item_id).collect();
            items.dedup();
            for &item_id in items.iter().take(2) {
                tx.record_label(&tally::store::NewLabel {
                    item_id,
                    rater: "golden:v1",
                    criterion: "correct",
                    value: Some(&serde_json::json!("pass")),
                    comment: None,
                    rubric_id: stored.id,
                    batch_id: None,
                    duration_ms: None,
                    source: "golden:g.jsonl:1",
                })?;
            }
            // A label changed and one retracted: the set keeps each label's newest event.
            for (label, value) in before.iter().skip(5).step_by(7).take(2).zip([Some(serde_json::json!("x")), None]) {
                tx.record_label(&tally::store::NewLabel {
                    item_id: label.item_id,
                    rater: &label.rater,
                    criterion: &label.criterion,
                    value: value.as_ref(),
                    comment: None,
                    rubric_id: stored.id,
                    batch_id: None,
                    duration_ms: None,
                    source: "label",
                })?;
            }
            Ok::<_, tally::store::StoreError>(())
        })
        .unwrap();

    let set = store.label_set(scope).unwrap();
    // The comments errors clusters: every rater's, blank ones left out, in label order.
    let comments: Vec<_> = set
        .labels(true)
        .filter_map(|l| Some((l.item_id, l.rater, l.criterion, l.comment.filter(|c| !c.trim().is_empty())?)))
        .map(|(item_id, rater, criterion, comment)| {
            (item_id, rater.to_string(), criterion.to_string(), comment.to_string())
        })
        .collect();
    let expected: Vec<_> = store
        .label_comments(scope)
        .unwrap()
        .into_iter()
        .map(|c| (c.item_id, c.rater, c.criterion, c.comment))
        .collect();
    assert!(comments.len() >= 3);
    assert_eq!(comments, expected);
    for with_golden in [false, true] {
        let (held, left_out) = store.rater_labels(scope, with_golden).unwrap();
        assert_eq!(set.golden_left_out(with_golden), left_out);
        assert_eq!(left_out, if with_golden { 0 } else { 2 });
        let walked: Vec<_> = set
            .labels(with_golden)
            .map(|l| {
                (l.item_id, l.item.to_string(), l.rater.to_string(), l.criterion.to_string(), l.value.clone(), l.at)
            })
            .collect();
        let expected: Vec<_> = held
            .iter()
            .map(|l| (l.item_id, l.item.clone(), l.rater.clone(), l.criterion.clone(), l.value.clone(), l.at))
            .collect();
        assert_eq!(walked, expected);
        assert_eq!(walked.len(), before.len() - 1 + if with_golden { 2 } else { 0 });
        let mut items = Vec::new();
        set.each_item(with_golden, |labels| {
            assert!(labels.iter().all(|label| label.item_id == labels[0].item_id));
            items.push(labels.len());
            Ok::<_, ()>(())
        })
        .unwrap();
        let mut runs: Vec<usize> = Vec::new();
        for pair in held.chunk_by(|a, b| a.item_id == b.item_id) {
            runs.push(pair.len());
        }
        assert_eq!(items, runs);
    }
}
