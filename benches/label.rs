//! The label screen on a large store: `cargo bench --bench label [-- ITEMS]`; and with
//! one huge model output: `cargo bench --bench label -- huge [MB]` (that case alone; it
//! also ends the full run, at 50 MB); an agent trace on the transcript view:
//! `cargo bench --bench label -- trace [STEPS]` (200 steps unless given); and a
//! comparison of two long answers: `cargo bench --bench label -- pair [MB]` (MB each,
//! 2 by default; that case alone).
//!
//! Builds (once, then reuses) a store of 1,000,000 generated items with a batch of 10,000
//! assigned to one rater, then measures in this process:
//! - startup: opening the store, the rater's queue, the first item, the first frame;
//! - keypress -> committed -> rendered, for 1,000 confirmations (four keys each: three
//!   options and Enter), rendered to an 80x24 TestBackend after every key;
//! - the baseline: one durable SQLite commit of one row (synchronous=FULL) on the same
//!   file system, the floor of any keypress that is saved before the next frame;
//! - a 50 MB output against a small item, the same screen in the same run: first frame,
//!   scroll keys (each drawn at 80x24), the End key, and resident memory.

use std::io::Write;
use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tally::io::items::{ImportOptions, import_file};
use tally::model::Rubric;
use tally::store::{NewBatch, Store};
use tally::tui::label::{Action, Session};
use tally::tui::theme::Theme;

const RUBRIC: &str = include_str!("../guidelines/rag-answer-quality.toml");
const BATCH: usize = 10_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|arg| arg == "pair") {
        long_pair(args.get(at + 1).and_then(|mb| mb.parse().ok()).unwrap_or(2));
        return;
    }
    if let Some(at) = args.iter().position(|arg| arg == "trace") {
        trace(args.get(at + 1).and_then(|steps| steps.parse().ok()).unwrap_or(200));
        return;
    }
    if let Some(at) = args.iter().position(|arg| arg == "huge") {
        huge_output(args.get(at + 1).and_then(|mb| mb.parse().ok()).unwrap_or(50));
        return;
    }
    let items: usize = std::env::args().skip(1).find_map(|arg| arg.parse().ok()).unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join("tally-bench-label");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("store-{items}.db"));
    if !path.exists() {
        build(&path, &dir, items);
    }
    // Each run labels with a new rater name, so the 10,000 are always unlabeled.
    let rater = format!("r{}", std::process::id());
    assign(&path, &rater);

    let start = Instant::now();
    let mut store = Store::open(&path).unwrap();
    let batch = store.batch(&rater).unwrap().unwrap();
    let mut session = Session::new(&mut store, &batch, &rater, Theme::plain()).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| session.screen().render(frame, frame.area())).unwrap();
    let startup = start.elapsed().as_secs_f64();

    let mut latencies = Vec::with_capacity(4000);
    for _ in 0..1000 {
        for action in [Action::Char('y'), Action::Char('g'), Action::Char('4'), Action::Confirm] {
            let start = Instant::now();
            session.handle(action).unwrap();
            // The writer commits in the background: wait for it, so this is still
            // keypress -> committed -> drawn.
            assert!(session.settle(std::time::Duration::from_secs(30)).unwrap());
            terminal.draw(|frame| session.screen().render(frame, frame.area())).unwrap();
            latencies.push(start.elapsed().as_secs_f64());
        }
    }
    drop(session);
    latencies.sort_by(f64::total_cmp);
    let quantile = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize] * 1000.0;

    let commit = baseline(&dir);
    println!("store: {items} items, batch of {BATCH} for one rater, {}", path.display());
    println!("startup to first frame      {:>8.1} ms   (target < 150 ms)", startup * 1000.0);
    println!(
        "keypress -> saved -> drawn  median {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms   (targets < 2 ms, < 10 ms)",
        quantile(0.5),
        quantile(0.99),
        quantile(1.0)
    );
    println!(
        "baseline: one durable commit median {:>6.2} ms; keypress median / commit = {:.2}x",
        commit,
        quantile(0.5) / commit
    );
    huge_output(50);
}

/// One item with a `megabytes` MB answer (0: the usual few lines), on the label screen
/// alone (no store: what is measured is drawing), at 80x24.
fn huge_output(megabytes: usize) {
    use std::collections::BTreeMap;
    use tally::store::QueueEntry;
    use tally::tui::label::LabelScreen;

    for size in [0, megabytes << 20] {
        let mut item = tally::model::Item {
            id: "huge".into(),
            dataset: "d".into(),
            input: "Summarise the incident log.".into(),
            output: "The log shows one outage, fixed by a restart.".into(),
            reference: None,
            context: vec!["[log] 02:14 outage; 02:19 restart".into()],
            metadata: Default::default(),
            judge: Default::default(),
            shape: Default::default(),
        };
        if size > 0 {
            let mut text = String::with_capacity(size + 200);
            let mut paragraph = 0;
            while text.len() < size {
                paragraph += 1;
                text.push_str(&format!("Paragraph {paragraph}: "));
                text.push_str(&"the service restarted after the disk filled and the queue drained ".repeat(9));
                text.push('\n');
            }
            item.output = text;
        }
        let rubric = Rubric::from_toml(RUBRIC, "rag-answer-quality.toml").unwrap();
        let queue =
            vec![QueueEntry { item_id: 1, external_id: "huge".into(), done: false, skipped: false, flagged: false }];
        let text_bytes = item.output.len();
        let for_end = item.clone();
        let rss_before = rss_kib();
        let start = Instant::now();
        let mut screen = LabelScreen::new(rubric.clone(), String::new(), "b", "r", queue.clone(), Theme::plain());
        screen.start();
        screen.loaded(1, item, BTreeMap::new());
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
        let first = start.elapsed().as_secs_f64() * 1000.0;
        let rss_first = rss_kib();

        let keys = [Action::ScrollDown, Action::ScrollDown, Action::PageDown, Action::ScrollUp, Action::PageUp];
        let mut latencies: Vec<f64> = (0..1000)
            .map(|i| {
                let start = Instant::now();
                screen.update(keys[i % keys.len()]);
                terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        latencies.sort_by(f64::total_cmp);
        let quantile = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
        // The End key on a screen that has drawn one frame: every row is still to find.
        drop(screen);
        let mut screen = LabelScreen::new(rubric, String::new(), "b", "r", queue, Theme::plain());
        screen.start();
        screen.loaded(1, for_end, BTreeMap::new());
        terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
        let start = Instant::now();
        screen.update(Action::Bottom);
        terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
        let end = start.elapsed().as_secs_f64() * 1000.0;
        let start = Instant::now();
        screen.update(Action::ScrollUp);
        terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
        let after_end = start.elapsed().as_secs_f64() * 1000.0;

        let name = if size == 0 { "small item (baseline)".to_string() } else { format!("{megabytes} MB output") };
        println!("label screen, {name}:");
        println!("  first frame                {first:>8.1} ms   (target < 200 ms)");
        println!(
            "  scroll key -> drawn        median {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms   (target < 20 ms)",
            quantile(0.5),
            quantile(0.99),
            quantile(1.0)
        );
        println!("  End key right after the first frame {end:>6.1} ms; a key after it {after_end:.2} ms");
        println!(
            "  resident memory drawing costs: +{:.1} MB at the first frame, for an output of {:.1} MB",
            rss_first.saturating_sub(rss_before) as f64 / 1024.0,
            text_bytes as f64 / (1024.0 * 1024.0)
        );
    }
}

/// A comparison of two answers of `megabytes` MB each, side by side at 160x48 (no
/// store: what is measured is drawing): the first frame (which finds the words each
/// side lacks), scroll keys, the End key.
fn long_pair(megabytes: usize) {
    use std::collections::BTreeMap;
    use tally::model::comparison::Candidate;
    use tally::store::QueueEntry;
    use tally::tui::label::LabelScreen;

    let answer = |seed: usize| {
        let mut text = String::with_capacity((megabytes << 20) + 200);
        let mut paragraph = 0;
        while text.len() < megabytes << 20 {
            paragraph += 1;
            // Mostly shared words, some only on one side, as two versions of an answer.
            text.push_str(&format!("Paragraph {paragraph} (v{seed}, step {}): ", paragraph * seed % 97));
            text.push_str(&"the service restarted after the disk filled and the queue drained ".repeat(9));
            text.push('\n');
        }
        text
    };
    let candidates = vec![
        Candidate { id: "v1".into(), output: answer(1), messages: Vec::new(), model: None },
        Candidate { id: "v2".into(), output: answer(3), messages: Vec::new(), model: None },
    ];
    let item = tally::model::Item {
        id: "pair".into(),
        dataset: "d".into(),
        input: "Summarise the incident log.".into(),
        shape: tally::model::Shape::Comparison { candidates },
        ..Default::default()
    };
    let rubric = Rubric::from_toml(
        "name = \"p\"\nversion = 1\n[[criteria]]\nid = \"better\"\nkind = \"preference\"\n",
        "p.toml",
    )
    .unwrap();
    let queue =
        vec![QueueEntry { item_id: 1, external_id: "pair".into(), done: false, skipped: false, flagged: false }];
    let rss_before = rss_kib();
    let start = Instant::now();
    let mut screen = LabelScreen::new(rubric, String::new(), "b", "r", queue, Theme::plain());
    screen.set_sides(1, vec![(1, None)]);
    screen.start();
    screen.loaded(1, item, BTreeMap::new());
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
    let first = start.elapsed().as_secs_f64() * 1000.0;
    let rss_first = rss_kib();
    let keys = [Action::ScrollDown, Action::PageDown, Action::SwitchSide, Action::ScrollDown, Action::PageUp];
    let mut latencies: Vec<f64> = (0..1000)
        .map(|i| {
            let start = Instant::now();
            screen.update(keys[i % keys.len()]);
            terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let quantile = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    let start = Instant::now();
    screen.update(Action::Bottom);
    terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
    let end = start.elapsed().as_secs_f64() * 1000.0;
    println!("label screen, a comparison of two {megabytes} MB answers at 160x48:");
    // The diff runs when both answers together are at most 4 MB.
    let diff = if megabytes * 2 <= 4 { "with the diff" } else { "no diff: over 4 MB" };
    println!("  first frame ({diff}) {first:>8.1} ms");
    println!(
        "  scroll/switch key -> drawn  median {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms",
        quantile(0.5),
        quantile(0.99),
        quantile(1.0)
    );
    println!("  End key                     {end:>8.1} ms");
    println!(
        "  resident memory drawing costs: +{:.1} MB at the first frame",
        rss_first.saturating_sub(rss_before) as f64 / 1024.0
    );
}

/// An agent trace of about `steps` steps (rounds of a tool call, its JSON result and a
/// reply) on the label screen alone, at 80x24 and 160x48: the first frame, and a step
/// key (next step, and now and then go to step N) drawn after every press, results
/// folded and all unfolded.
fn trace(steps: usize) {
    use std::collections::BTreeMap;
    use tally::store::QueueEntry;
    use tally::tui::label::LabelScreen;

    let mut messages = vec![
        serde_json::json!({"role": "system", "content": "You are Parcelpoint's support agent. Use the tools to look things up; never guess an order's state."}),
        serde_json::json!({"role": "user", "content": "Where are my orders? I placed several last month and none has arrived."}),
    ];
    let rounds = steps.saturating_sub(2).div_ceil(3);
    for round in 0..rounds {
        let id = format!("call_{round}");
        let arguments = format!("{{\"order_id\":\"PP-{:05}\",\"fields\":[\"status\",\"tracking\"]}}", 10000 + round);
        messages.push(serde_json::json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": id, "type": "function", "function": {"name": "lookup_order", "arguments": arguments}}]}));
        let result = format!(
            "{{\"order_id\":\"PP-{:05}\",\"status\":\"shipped\",\"items\":[{{\"sku\":\"SKU-2210\",\"name\":\"rain jacket\",\"qty\":1}}],\"paid\":129.0,\"tracking\":\"1Z{round:09}\",\"events\":[\"packed\",\"collected by DPD\",\"at the Leeds depot\"]}}",
            10000 + round
        );
        messages.push(serde_json::json!({"role": "tool", "tool_call_id": id, "content": result}));
        messages.push(serde_json::json!({"role": "assistant", "content": format!("Order PP-{:05} has shipped with DPD and was last scanned at the Leeds depot; it should reach you within two working days.", 10000 + round)}));
    }
    let item = tally::model::Item {
        id: "trace".into(),
        dataset: "d".into(),
        shape: tally::model::Shape::Conversation {
            messages: serde_json::from_value(serde_json::Value::Array(messages)).unwrap(),
        },
        ..Default::default()
    };
    let count = item.steps().len();
    let rubric =
        Rubric::from_toml(include_str!("../guidelines/agent-trace-quality.toml"), "agent-trace-quality.toml").unwrap();
    let queue =
        vec![QueueEntry { item_id: 1, external_id: "trace".into(), done: false, skipped: false, flagged: false }];
    println!("label screen, a trace of {count} steps:");
    for (width, height) in [(80, 24), (160, 48)] {
        let start = Instant::now();
        let mut screen = LabelScreen::new(rubric.clone(), String::new(), "b", "r", queue.clone(), Theme::plain());
        screen.start();
        screen.loaded(1, item.clone(), BTreeMap::new());
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
        let first = start.elapsed().as_secs_f64() * 1000.0;
        for unfolded in [false, true] {
            if unfolded {
                screen.update(Action::ToggleAllSteps);
            }
            screen.update(Action::Top);
            let mut latencies: Vec<f64> = (0..1000)
                .map(|i| {
                    let start = Instant::now();
                    // Down the trace step by step; at its end, back to the top.
                    screen.update(if i % count == count - 1 { Action::Top } else { Action::StepNext });
                    terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
                    start.elapsed().as_secs_f64() * 1000.0
                })
                .collect();
            latencies.sort_by(f64::total_cmp);
            let quantile = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
            let folds = if unfolded { "all unfolded" } else { "results folded" };
            if !unfolded {
                println!("  {width}x{height}: first frame {first:>8.2} ms   (target < 200 ms)");
            }
            println!(
                "  {width}x{height}, {folds}: step key -> drawn  median {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms   (target < 20 ms)",
                quantile(0.5),
                quantile(0.99),
                quantile(1.0)
            );
        }
    }
}

/// This process's resident memory in KiB (Linux; 0 elsewhere).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn build(path: &std::path::Path, dir: &std::path::Path, items: usize) {
    eprintln!("building a store of {items} items (once) ...");
    let file = dir.join("items.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    for i in 0..items {
        writeln!(
            out,
            "{{\"id\": \"gen-{i:07}\", \"input\": \"How do I export invoice {i} as a PDF?\", \"output\": \"Open the invoice, press Export and choose PDF; the file downloads at once.\", \"context\": [\"Invoices export as PDF or CSV from the invoice page.\"], \"metadata\": {{\"doc_id\": \"doc-{}\"}}}}",
            i % 500
        )
        .unwrap();
    }
    out.flush().unwrap();
    drop(out);
    let mut store = Store::create(path).unwrap();
    import_file(&mut store, &file, &ImportOptions::default()).unwrap();
    let rubric = Rubric::from_toml(RUBRIC, "rag-answer-quality.toml").unwrap();
    store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "")).unwrap();
    std::fs::remove_file(&file).ok();
}

/// A batch named after `rater` with 10,000 items spread over the store.
fn assign(path: &std::path::Path, rater: &str) {
    let mut store = Store::open(path).unwrap();
    let rubric_id = store.rubric_latest("rag-answer-quality").unwrap().unwrap().id;
    let ids = store.item_ids(None).unwrap();
    let step = (ids.len() / BATCH).max(1);
    let chosen: Vec<i64> = ids.iter().step_by(step).take(BATCH).copied().collect();
    let queues = vec![(rater, chosen.iter().map(|&id| (id, false)).collect())];
    store
        .write(|tx| {
            tx.create_batch(&NewBatch {
                name: rater,
                rubric_id,
                dataset: None,
                overlap: 1,
                seed: 1,
                items: &chosen,
                queues: &queues,
            })
        })
        .unwrap();
}

/// Median milliseconds of 200 single-row commits with synchronous=FULL.
fn baseline(dir: &std::path::Path) -> f64 {
    let path = dir.join("baseline.db");
    std::fs::remove_file(&path).ok();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (v INTEGER);").unwrap();
    let mut times: Vec<f64> = (0..200)
        .map(|i| {
            let start = Instant::now();
            conn.execute_batch(&format!("BEGIN IMMEDIATE; INSERT INTO t VALUES ({i}); COMMIT;")).unwrap();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
