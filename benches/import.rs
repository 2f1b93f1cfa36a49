//! Import throughput and memory: `cargo bench --bench import [-- N ...]`.
//!
//! For each size N (default 10,000 then 100,000), writes N generated items to a JSONL
//! file, then measures in this one process: the baseline (reading and parsing every line
//! with serde_json, no store) and `tally import` into a fresh store, and prints the
//! ratio. Peak resident memory (VmHWM) is read after each import: it only ever grows, so
//! a flat figure across sizes means memory does not grow with the file.

use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

use tally::io::items::{ImportOptions, import_file};
use tally::stats::rng::Rng;
use tally::store::Store;

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|arg| arg.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![10_000, 100_000] } else { sizes };
    let dir = std::env::temp_dir().join(format!("tally-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "{:>9}  {:>9}  {:>12}  {:>12}  {:>13}  {:>6}  {:>13}",
        "items", "file MB", "parse only s", "import s", "items/s", "ratio", "peak RSS MB"
    );
    for n in sizes {
        let file = dir.join(format!("items-{n}.jsonl"));
        let bytes = generate(&file, n);

        let start = Instant::now();
        let mut parsed = 0usize;
        for line in BufReader::new(std::fs::File::open(&file).unwrap()).lines() {
            let value: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            parsed += usize::from(value.is_object());
        }
        let baseline = start.elapsed().as_secs_f64();
        assert_eq!(parsed, n);

        let db = dir.join(format!("bench-{n}.db"));
        let mut store = Store::create(&db).unwrap();
        let start = Instant::now();
        let summary = import_file(&mut store, &file, &ImportOptions::default()).unwrap();
        let imported = start.elapsed().as_secs_f64();
        assert_eq!(summary.inserted as usize, n);
        println!(
            "{n:>9}  {:>9.1}  {baseline:>12.3}  {imported:>12.3}  {:>13.0}  {:>5.1}x  {:>13}",
            bytes as f64 / 1e6,
            n as f64 / imported,
            imported / baseline,
            peak_rss_mb().map_or_else(|| "n/a".to_string(), |mb| format!("{mb:.1}")),
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Writes `n` RAG-like items of about 1.5 KB each; returns the file size.
fn generate(path: &std::path::Path, n: usize) -> u64 {
    let mut rng = Rng::new(42);
    let words = [
        "invoice", "refund", "customer", "payment", "the", "a", "settings", "tax", "report", "account", "is", "can",
        "be", "and", "to", "of",
    ];
    let mut text =
        |count: usize| -> String { (0..count).map(|_| words[rng.below(words.len())]).collect::<Vec<_>>().join(" ") };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        let item = serde_json::json!({
            "id": format!("gen-{i:07}"),
            "input": text(15),
            "output": text(60),
            "reference": text(25),
            "context": [text(40), text(40), text(40)],
            "metadata": {"model": if i % 2 == 0 { "v1" } else { "v2" }, "doc_id": format!("doc-{}", i % 500)},
            "judge": {"correct": if i % 3 == 0 { "fail" } else { "pass" }, "helpfulness": i % 5 + 1},
        });
        writeln!(out, "{item}").unwrap();
    }
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
