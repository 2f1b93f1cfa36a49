//! Sampling throughput and memory: `cargo bench --bench sample [-- LINES]`.
//!
//! Writes LINES generated items (default 1,000,000, about 600 bytes each) to a JSONL
//! file, then in this process measures the baseline (reading every line and parsing it
//! with serde_json) and `tally sample --n 1000 --stratify model`, and prints lines per
//! second, the ratio and the peak resident memory (VmHWM) after each.

use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

use tally::io::Format;
use tally::io::sample::{SampleOptions, sample};

fn main() {
    let lines: usize = std::env::args().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join("tally-bench-sample");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("items-{lines}.jsonl"));
    if !path.exists() {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for i in 0..lines {
            writeln!(
                out,
                "{{\"id\": \"s-{i:08}\", \"input\": \"How do I export invoice {i} as a PDF file for my accountant?\", \"output\": \"Open the invoice, press Export, choose PDF and the file downloads at once; the accountant can also be invited to read invoices directly from the team settings page, which avoids sending files by e-mail.\", \"context\": [\"Invoices export as PDF or CSV from the invoice page.\"], \"metadata\": {{\"model\": \"m{}\", \"doc_id\": \"doc-{}\"}}}}",
                i % 4,
                i % 500
            )
            .unwrap();
        }
        out.flush().unwrap();
    }
    let megabytes = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;

    let start = Instant::now();
    let mut parsed = 0usize;
    for line in BufReader::new(std::fs::File::open(&path).unwrap()).lines() {
        let value: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        parsed += usize::from(value.is_object());
    }
    let baseline = start.elapsed().as_secs_f64();
    assert_eq!(parsed, lines);
    let baseline_rss = peak_rss_mb();

    let options = SampleOptions { n: 1000, seed: 1, stratify: Some("model".into()), ..SampleOptions::default() };
    let start = Instant::now();
    let reader = BufReader::with_capacity(1 << 16, std::fs::File::open(&path).unwrap());
    let (items, summary) = sample(reader, Format::Jsonl, "bench", "bench", &options).unwrap();
    let sampling = start.elapsed().as_secs_f64();
    assert_eq!((items.len(), summary.read as usize), (1000, lines));
    println!("file: {lines} lines, {megabytes:.0} MB");
    println!(
        "baseline (read + serde_json parse): {baseline:.2} s, {:.0} lines/s, peak RSS {}",
        lines as f64 / baseline,
        baseline_rss.map_or("n/a".into(), |mb| format!("{mb:.1} MB"))
    );
    println!(
        "tally sample --n 1000 --stratify model: {sampling:.2} s, {:.0} lines/s ({:.2}x baseline), peak RSS {}",
        lines as f64 / sampling,
        sampling / baseline,
        peak_rss_mb().map_or("n/a".into(), |mb| format!("{mb:.1} MB"))
    );
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
