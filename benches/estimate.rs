//! `tally estimate` at scale: `cargo bench --bench estimate [-- ITEMS LABELS]`.
//!
//! Builds a store (a temp file) of ITEMS judged items (default 1,000,000) with a binary
//! and an ordinal criterion, LABELS of them (default 2,000, a uniform stride) labeled by
//! one rater, then times `report::estimate::from_store` (every estimate, no slicing)
//! against a baseline: reading the items' judge scores alone (`Store::each_judged`).
//! The issue's target is under 1 s for 1,000,000 items and 2,000 labels.

use std::hint::black_box;
use std::time::Instant;

use serde_json::{Map, Value, json};
use tally::model::{Item, Rubric};
use tally::report::estimate::{Method, Request, from_store};
use tally::stats::rng::Rng;
use tally::store::{NewLabel, OnConflict, Store};

const RUBRIC: &str = r#"
name = "bench"
version = 1

[[criteria]]
id = "correct"
kind = "binary"
options = [ { value = "pass", key = "y" }, { value = "fail", key = "n" } ]

[[criteria]]
id = "helpfulness"
kind = "ordinal"
options = [ { value = "1", key = "1" }, { value = "2", key = "2" }, { value = "3", key = "3" },
            { value = "4", key = "4" }, { value = "5", key = "5" } ]
"#;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|arg| arg.parse().ok()).collect();
    let items = args.first().copied().unwrap_or(1_000_000);
    let labels = args.get(1).copied().unwrap_or(2_000).min(items);
    let folder = tempfile::tempdir().expect("a temp folder");
    let path = folder.path().join("bench.db");
    let mut store = Store::create(&path).expect("a store");
    let rubric = Rubric::from_toml(RUBRIC, "bench.toml").expect("the rubric");

    let built = Instant::now();
    let mut rng = Rng::new(7);
    let stride = items / labels.max(1);
    store
        .write(|tx| {
            let (rubric_id, _) = tx.add_rubric(&rubric, RUBRIC, "")?;
            for index in 0..items {
                let fail = rng.below(5) == 0;
                let judge_fail = if fail { rng.below(10) < 7 } else { rng.below(10) == 0 };
                let probability = if judge_fail { 0.2 } else { 0.9 };
                let helpful = 1 + rng.below(5);
                let mut judge = Map::new();
                judge.insert("correct".into(), json!(if judge_fail { "fail" } else { "pass" }));
                judge.insert("correct_prob".into(), json!(probability));
                judge.insert("helpfulness".into(), json!(helpful));
                let mut metadata = Map::new();
                metadata.insert("model".into(), json!(if index % 2 == 0 { "v1" } else { "v2" }));
                let item = Item {
                    id: format!("item-{index:07}"),
                    dataset: "bench".into(),
                    output: format!("output {index}"),
                    metadata,
                    judge,
                    ..Item::default()
                };
                tx.upsert_item(&item, "bench", index as u64 + 1, OnConflict::Error)?;
                if stride > 0 && index % stride == 0 && index / stride < labels {
                    let item_id = index as i64 + 1;
                    let values = [
                        ("correct", Value::from(if fail { "fail" } else { "pass" })),
                        ("helpfulness", Value::from(helpful.clamp(1, 5).to_string())),
                    ];
                    for (criterion, value) in &values {
                        tx.record_label(&NewLabel {
                            item_id,
                            rater: "ana",
                            criterion,
                            value: Some(value),
                            comment: None,
                            rubric_id,
                            batch_id: None,
                            duration_ms: None,
                            source: "bench",
                        })?;
                    }
                }
            }
            Ok::<_, tally::store::StoreError>(())
        })
        .expect("the store is built");
    drop(store);
    println!("built {items} items, {labels} labeled in {:.1} s", built.elapsed().as_secs_f64());

    let store = Store::open_read_only(&path).expect("the store opens");
    let stored = store.rubric_latest("bench").expect("reads").expect("the rubric");
    let request = Request {
        criterion: None,
        by: None,
        dataset: None,
        batch: None,
        method: Method::All,
        confidence: 0.95,
        compare: None,
    };
    let time = |work: &mut dyn FnMut()| {
        (0..3)
            .map(|_| {
                let start = Instant::now();
                work();
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let keys = ["correct", "correct_prob", "helpfulness"];
    let baseline = time(&mut || {
        let mut rows = 0_usize;
        store
            .each_judged(None, None, &keys, false, |row| {
                rows += black_box(row.scores.len());
                Ok::<_, tally::store::StoreError>(())
            })
            .expect("reads");
        black_box(rows);
    });
    let estimate = time(&mut || {
        black_box(from_store(&store, &stored, request).expect("estimates"));
    });
    println!("read judge scores  {baseline:.3} s");
    println!("estimate           {estimate:.3} s  ({:.2}x the read)", estimate / baseline);
}
