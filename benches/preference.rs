//! `tally report preference` at scale: `cargo bench --bench preference [-- VOTES MODELS
//! REPLICATES]`.
//!
//! Builds a store (a temp file) of VOTES votes (default 1,000,000) over MODELS contenders
//! (default 20): comparison items of two random contenders, five per prompt
//! (`metadata.comparison_of`), each voted on by four raters with the side each saw
//! recorded (one rater with a left-side habit); outcomes drawn from a Bradley-Terry model
//! with ties and both-bad. Then times `report::preference::from_store` (pairs, ratings,
//! position bias, agreement, judge: the whole report) with REPLICATES bootstrap
//! replicates (default 1,000), with the peak resident memory of the report alone (VmHWM,
//! reset before it through /proc/self/clear_refs). Last, the Bradley-Terry fit alone
//! against a numpy fit of the same tallies (`bench/bt_numpy.py`, Newton and Hunter's MM),
//! run by $TALLY_BENCH_PYTHON (default /tmp/eco-venv/bin/python) when it exists.
//! The issue's target is under 5 s for the whole report.

use std::hint::black_box;
use std::time::Instant;

use serde_json::{Value, json};
use tally::model::comparison::Candidate;
use tally::model::{Item, Rubric, Shape};
use tally::report::agreement::Bootstrap;
use tally::report::preference::{Request, from_store};
use tally::stats::preference::{Outcome, Tallies, Vote, bradley_terry};
use tally::stats::rng::Rng;
use tally::store::{NewLabel, OnConflict, Store};

const RUBRIC: &str = r#"
name = "pairwise"
version = 1

[[criteria]]
id = "pref"
kind = "preference"
"#;

const RATERS: [&str; 4] = ["ana", "ben", "chloe", "dev"];
const PAIRS_PER_PROMPT: usize = 5;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|arg| arg.parse().ok()).collect();
    let votes = args.first().copied().unwrap_or(1_000_000);
    let models = args.get(1).copied().unwrap_or(20).max(2);
    let replicates = args.get(2).copied().unwrap_or(1000);
    let items = votes / RATERS.len();
    let folder = tempfile::tempdir().expect("a temp folder");
    let path = folder.path().join("bench.db");
    let mut store = Store::create(&path).expect("a store");
    let rubric = Rubric::from_toml(RUBRIC, "pairwise.toml").expect("the rubric");
    // True strengths 0.1 logit apart; the judge is each item's first rater.
    let strength = |model: usize| model as f64 * 0.1;
    let names: Vec<String> = (0..models).map(|model| format!("model-{model:02}")).collect();

    let built = Instant::now();
    let mut rng = Rng::new(7);
    let mut uniform = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut stats_votes: Vec<Vote> = Vec::with_capacity(votes);
    store
        .write(|tx| {
            let (rubric_id, _) = tx.add_rubric(&rubric, RUBRIC, "")?;
            tx.write_labels(|writer| {
                for index in 0..items {
                    let prompt = index / PAIRS_PER_PROMPT;
                    let a = (uniform() * models as f64) as usize % models;
                    let b = (a + 1 + (uniform() * (models - 1) as f64) as usize % (models - 1)) % models;
                    let candidate = |model: usize| Candidate {
                        id: format!("c{model}"),
                        output: format!("answer of {} to prompt {prompt}", names[model]),
                        model: Some(names[model].clone()),
                        ..Candidate::default()
                    };
                    let mut item = Item {
                        id: format!("p{prompt:07}~{index}"),
                        dataset: "bench".into(),
                        input: format!("prompt {prompt}"),
                        shape: Shape::Comparison { candidates: vec![candidate(a), candidate(b)] },
                        ..Item::default()
                    };
                    item.metadata.insert("comparison_of".into(), json!(format!("p{prompt:07}")));
                    let p_a = 1.0 / (1.0 + (strength(b) - strength(a)).exp());
                    let mut outcomes = Vec::with_capacity(RATERS.len());
                    for (rater, _) in RATERS.iter().enumerate() {
                        let a_on_left = uniform() < 0.5;
                        let draw = uniform();
                        let outcome = if draw < 0.15 {
                            Outcome::Tie
                        } else if draw < 0.2 {
                            Outcome::BothBad
                        } else if rater == 0 && uniform() < 0.3 {
                            // A left-side habit: three times in ten, the left side wins.
                            if a_on_left { Outcome::A } else { Outcome::B }
                        } else if uniform() < p_a {
                            Outcome::A
                        } else {
                            Outcome::B
                        };
                        outcomes.push((a_on_left, outcome));
                    }
                    item.judge.insert("pref".into(), json!(outcomes[0].1.name()));
                    tx.upsert_item(&item, "bench", index as u64 + 1, OnConflict::Error)?;
                    let item_id = index as i64 + 1;
                    for (rater, (a_on_left, outcome)) in RATERS.iter().zip(outcomes) {
                        let left = if a_on_left { format!("c{a}") } else { format!("c{b}") };
                        tx.record_side(item_id, rater, &left)?;
                        let value = Value::from(outcome.name());
                        writer.append_label(&NewLabel {
                            item_id,
                            rater,
                            criterion: "pref",
                            value: Some(&value),
                            comment: None,
                            rubric_id,
                            batch_id: None,
                            duration_ms: None,
                            source: "bench",
                        })?;
                        stats_votes.push(Vote { prompt: prompt as u32, a: a as u32, b: b as u32, outcome });
                    }
                }
                Ok::<_, tally::store::StoreError>(())
            })
        })
        .expect("the store is built");
    drop(store);
    println!(
        "built {} votes on {items} items, {} prompts, {models} models in {:.1} s",
        stats_votes.len(),
        items.div_ceil(PAIRS_PER_PROMPT),
        built.elapsed().as_secs_f64()
    );

    let store = Store::open_read_only(&path).expect("the store opens");
    let stored = store.rubric_latest("pairwise").expect("reads").expect("the rubric");
    let bootstrap = Bootstrap { replicates, seed: 1, confidence: 0.95 };
    let request = Request { batch: None, criterion: None, by: None, anchor: None, bootstrap, include_golden: false };
    let rss_before = peak_rss_mb();
    reset_peak_rss();
    let start = Instant::now();
    let report = from_store(&store, &stored, request).expect("the report");
    let seconds = start.elapsed().as_secs_f64();
    let peak = peak_rss_mb();
    let top = &report.figures.ratings[0];
    println!(
        "report preference ({replicates} replicates): {seconds:.2} s, peak RSS {} (process before: {}); {} votes, {} prompts; top {} {:.0} [{:.0}, {:.0}]; left share {:.3}",
        peak.map_or("n/a".into(), |mb| format!("{mb:.0} MB")),
        rss_before.map_or("n/a".into(), |mb| format!("{mb:.0} MB")),
        report.n_votes,
        report.n_prompts,
        top.model,
        top.score.unwrap_or(f64::NAN),
        top.ci.map_or(f64::NAN, |ci| ci[0]),
        top.ci.map_or(f64::NAN, |ci| ci[1]),
        report.position_bias.left_share.unwrap_or(f64::NAN),
    );
    let start = Instant::now();
    black_box(from_store(&store, &stored, Request { bootstrap: Bootstrap { replicates: 0, ..bootstrap }, ..request }))
        .expect("the report");
    println!("  the same without intervals: {:.2} s", start.elapsed().as_secs_f64());

    // The fit alone, against numpy on the same tallies.
    let tallies = Tallies::of(models, &stats_votes);
    let runs = 20;
    let start = Instant::now();
    let mut fit = None;
    for _ in 0..runs {
        fit = Some(black_box(bradley_terry(&tallies, 0, None)).expect("a fit"));
    }
    let rust_seconds = start.elapsed().as_secs_f64() / f64::from(runs);
    let scores: Vec<f64> = fit.expect("a fit").scores.into_iter().map(|s| s.unwrap_or(f64::NAN)).collect();
    println!("Bradley-Terry fit, {models} models: tally {:.3} ms (mean of {runs})", rust_seconds * 1000.0);
    let python = std::env::var("TALLY_BENCH_PYTHON").unwrap_or_else(|_| "/tmp/eco-venv/bin/python".into());
    if !std::path::Path::new(&python).exists() {
        println!("  no numpy comparison: {python} not found (set TALLY_BENCH_PYTHON)");
        return;
    }
    let w: Vec<Vec<f64>> = (0..models)
        .map(|i| {
            (0..models)
                .map(|j| {
                    let pair = tallies.pair(i, j);
                    pair.wins_i + 0.5 * (pair.ties + pair.both_bad)
                })
                .collect()
        })
        .collect();
    let input = folder.path().join("w.json");
    std::fs::write(&input, json!({ "w": w, "anchor": 0 }).to_string()).expect("writes");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/bt_numpy.py");
    let output = std::process::Command::new(&python).arg(script).arg(&input).output().expect("python runs");
    if !output.status.success() {
        println!("  numpy fit failed: {}", String::from_utf8_lossy(&output.stderr));
        return;
    }
    let result: Value = serde_json::from_slice(&output.stdout).expect("numpy's JSON");
    for method in ["newton", "mm"] {
        let theirs: Vec<f64> =
            result[method]["scores"].as_array().expect("scores").iter().filter_map(Value::as_f64).collect();
        let largest = scores.iter().zip(&theirs).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        let seconds = result[method]["seconds"].as_f64().unwrap_or(f64::NAN);
        let iterations = result[method]["iterations"].as_u64().map_or(String::new(), |n| format!(", {n} iterations"));
        println!(
            "  numpy {method}: {:.3} ms{iterations} ({:.1}x tally); largest score difference {largest:.2e}",
            seconds * 1000.0,
            seconds / rust_seconds
        );
    }
}

/// Resets the peak resident memory (VmHWM) to the current one (Linux).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
