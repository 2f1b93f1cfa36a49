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
