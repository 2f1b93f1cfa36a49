//! Trace import throughput and memory: `cargo bench --bench import_traces [-- N [FORMAT]]`.
//!
//! Writes N generated agent traces of 20 steps (system, user, 8 tool calls each with its
//! result, an answer, a follow-up) as a JSONL file in the OpenAI chat shape (default), or
//! as LangSmith runs (`langsmith`: 10 runs a trace, each model call repeating the
//! history, which the importer folds back into one transcript). Then, in this one
//! process: the baseline (reading and parsing every line with serde_json, no store) and
//! `tally import` into a fresh store; prints both times, their ratio and each one's peak
//! resident memory (VmHWM, reset between the two through /proc/self/clear_refs).

use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

use serde_json::{Value, json};
use tally::io::items::{ImportOptions, import_file};
use tally::store::Store;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|arg| arg != "--bench").collect();
    let n: usize = args.iter().find_map(|arg| arg.parse().ok()).unwrap_or(100_000);
    let langsmith = args.iter().any(|arg| arg == "langsmith");
    let dir = std::env::temp_dir().join(format!("tally-bench-traces-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(if langsmith { "runs.jsonl" } else { "traces.jsonl" });
    let (bytes, lines) = generate(&file, n, langsmith);

    reset_peak();
    let start = Instant::now();
    let mut parsed = 0usize;
    for line in BufReader::new(std::fs::File::open(&file).unwrap()).lines() {
        let value: Value = serde_json::from_str(&line.unwrap()).unwrap();
        parsed += usize::from(value.is_object());
    }
    let baseline = start.elapsed().as_secs_f64();
    let baseline_rss = peak_rss_mb();
    assert_eq!(parsed, lines);

    let mut store = Store::create(&dir.join("bench.db")).unwrap();
    reset_peak();
    let start = Instant::now();
    let summary = import_file(&mut store, &file, &ImportOptions::default()).unwrap();
    let imported = start.elapsed().as_secs_f64();
    let import_rss = peak_rss_mb();
    assert_eq!(summary.inserted as usize, n);
    let (_, item) = store.item_by_external_id("trace-0000000").unwrap().unwrap();
    assert_eq!(item.steps().len(), 20);

    let mb = |rss: Option<f64>| rss.map_or_else(|| "n/a".to_string(), |mb| format!("{mb:.1}"));
    println!("format: {}", if langsmith { "langsmith runs" } else { "openai messages" });
    println!("traces: {n} of 20 steps, {lines} lines, {:.1} MB", bytes as f64 / 1e6);
    println!("serde_json parse only: {baseline:.3} s, peak RSS {} MB", mb(baseline_rss));
    println!("tally import:          {imported:.3} s, peak RSS {} MB", mb(import_rss));
    println!(
        "ratio: time {:.1}x, peak RSS {}",
        imported / baseline,
        match (import_rss, baseline_rss) {
            (Some(a), Some(b)) => format!("{:.1}x", a / b),
            _ => "n/a".into(),
        }
    );
    println!("traces/s: {:.0}", n as f64 / imported);
    std::fs::remove_dir_all(&dir).ok();
}

/// The messages of trace `i`: 20 steps.
fn messages(i: usize) -> Vec<Value> {
    let mut messages = vec![
        json!({"role": "system", "content": "You are a support agent for an online shop. Use the tools; never guess."}),
        json!({"role": "user", "content": format!("Where is my order {i}? It was due last week and nothing came.")}),
    ];
    for round in 0..8 {
        let id = format!("call_{i}_{round}");
        let tool = ["lookup_order", "track_parcel", "refund"][round % 3];
        messages.push(json!({"role": "assistant", "content": null, "tool_calls": [{"id": id, "type": "function",
            "function": {"name": tool,
                         "arguments": format!("{{\"order\": {i}, \"attempt\": {round}}}")}}]}));
        messages.push(json!({"role": "tool", "tool_call_id": id,
            "content": format!("{{\"status\": \"in transit\", \"carrier\": \"DHL\", \"eta\": \"2024-06-0{}\"}}", round + 1)}));
    }
    messages.push(
        json!({"role": "assistant", "content": "Your parcel is in transit with DHL and should arrive on June 8."}),
    );
    messages.push(json!({"role": "user", "content": "Thanks!"}));
    messages
}

/// Writes `n` traces; returns the file size and its number of lines.
fn generate(path: &std::path::Path, n: usize, langsmith: bool) -> (u64, usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut lines = 0;
    for i in 0..n {
        let id = format!("trace-{i:07}");
        let all = messages(i);
        if !langsmith {
            let model = ["v1", "v2"][i % 2];
            let record = json!({"id": id, "messages": all, "metadata": {"model": model}});
            writeln!(out, "{record}").unwrap();
            lines += 1;
            continue;
        }
        // One llm run per model call (the 9 assistant turns), each given the history so
        // far; the root chain run carries the question.
        let time = |step: usize| format!("2024-06-01T10:{:02}:{:02}.000000", (i / 60) % 60, step);
        let root = json!({"id": id, "trace_id": id, "run_type": "chain", "name": "agent", "start_time": time(0),
            "inputs": {"question": all[1]["content"]}, "outputs": {"answer": all[18]["content"]}});
        writeln!(out, "{root}").unwrap();
        lines += 1;
        for (call, at) in all.iter().enumerate().filter(|(_, m)| m["role"] == "assistant").map(|(at, _)| at).enumerate()
        {
            let run = json!({"id": format!("{id}-llm-{call}"), "trace_id": id, "parent_run_id": id, "run_type": "llm",
                "start_time": time(call * 2 + 1), "end_time": time(call * 2 + 2),
                "inputs": {"messages": &all[..at]}, "outputs": {"choices": [{"message": &all[at]}]}});
            writeln!(out, "{run}").unwrap();
            lines += 1;
        }
        // The follow-up arrives with the last call's history only in the root's view:
        // log it as a last llm run's input with no output.
        let last = json!({"id": format!("{id}-llm-last"), "trace_id": id, "parent_run_id": id, "run_type": "llm",
            "start_time": time(40), "inputs": {"messages": &all[..]}});
        writeln!(out, "{last}").unwrap();
        lines += 1;
    }
    out.flush().unwrap();
    (std::fs::metadata(path).unwrap().len(), lines)
}

/// Resets the peak resident memory, so the next figure is this phase's alone.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").ok();
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
