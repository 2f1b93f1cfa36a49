//! The review screen and the finders at scale: `cargo bench --bench review [-- ITEMS
//! QUEUE]` (200,000 labeled items and a 1,000,000-item queue unless given); the label
//! screen's finder alone: `cargo bench --bench review -- finder [QUEUE]`; the review
//! screen alone: `-- review [ITEMS]`.
//!
//! Builds (once, then reuses, in the temp folder) a store of ITEMS items, each labeled
//! by three raters on three criteria of the bundled rubric (defect tags where they say
//! fail), with judge scores and a `model` of three, from a seeded generator. Then, in
//! this process, at 80x24, every key drawn after it as the event loop does:
//! - the review screen: open to first frame (the dashboard's figures run on their own
//!   thread: when they arrive is measured too), and the baseline, the same figures
//!   computed before the first frame as the screen did before;
//! - per key: filters (`d` `D` `g` `f` `s` `t` `x`), sorts (`o`), paging, and the search
//!   typed a character at a time, each key then its ticks until the search is done;
//!   the baseline a search from scratch of the whole query;
//! - the label screen's finder on a QUEUE-item queue (texts in memory, as the store
//!   gives them): each key of a query, the ticks until it is done, and the baseline, a
//!   search of the whole query from scratch.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};
use tally::model::{Item, Rubric};
use tally::stats::rng::Rng;
use tally::store::{NewLabel, OnConflict, QueueEntry, Store};
use tally::tui::label::{Action, LabelScreen};
use tally::tui::review::Session;
use tally::tui::search::Search;
use tally::tui::theme::Theme;

const RUBRIC: &str = include_str!("../guidelines/rag-answer-quality.toml");
const RATERS: [&str; 3] = ["ana", "ben", "chloe"];
const QUERY: &str = "invoice 4217";

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|arg| arg.parse().ok()).collect();
    if std::env::args().any(|arg| arg == "finder") {
        finder(args.first().copied().unwrap_or(1_000_000));
        return;
    }
    let items = args.first().copied().unwrap_or(200_000);
    let queue = args.get(1).copied().unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join("tally-bench-review");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("store-{items}.db"));
    if !path.exists() {
        build(&path, items);
    }
    review(&path, items);
    // `-- review`: the review screen alone.
    if !std::env::args().any(|arg| arg == "review") {
        finder(queue);
    }
}

fn build(path: &std::path::Path, items: usize) {
    eprintln!("building a store of {items} labeled items (once) ...");
    let started = Instant::now();
    let partial = path.with_extension("partial");
    std::fs::remove_file(&partial).ok();
    let mut store = Store::create(&partial).unwrap();
    let rubric = Rubric::from_toml(RUBRIC, "rag-answer-quality.toml").unwrap();
    let mut rng = Rng::new(12);
    store
        .write(|tx| {
            let (rubric_id, _) = tx.add_rubric(&rubric, RUBRIC, "")?;
            tx.write_labels(|writer| {
                for index in 0..items {
                    let truth = rng.below(10) < 7;
                    let stars = 1 + rng.below(5);
                    let mut item = Item {
                        id: format!("gen-{index:07}"),
                        dataset: "bench".into(),
                        input: format!("How do I export invoice {index} as a PDF?"),
                        output: format!(
                            "Open invoice {index}, press Export and choose PDF; the file downloads at once. \
                         Invoices older than {} days are archived first.",
                            index % 400
                        ),
                        context: vec!["Invoices export as PDF or CSV from the invoice page.".into()],
                        ..Item::default()
                    };
                    item.metadata.insert("model".into(), json!(format!("model-{}", index % 3)));
                    // The judge agrees with the truth 80% of the time.
                    let judge_pass = (rng.below(10) < 8) == truth;
                    item.judge.insert("correct".into(), json!(if judge_pass { "pass" } else { "fail" }));
                    item.judge.insert("helpfulness".into(), json!(stars));
                    tx.upsert_item(&item, "bench", index as u64 + 1, OnConflict::Error)?;
                    let item_id = index as i64 + 1;
                    for rater in RATERS {
                        // Raters agree with the truth 85% of the time, and within one star.
                        let pass = if rng.below(100) < 85 { truth } else { !truth };
                        let near = (stars as i64 + rng.below(3) as i64 - 1).clamp(1, 5);
                        let mut values: Vec<(&str, Value)> = vec![
                            ("correct", json!(if pass { "pass" } else { "fail" })),
                            ("grounded", json!(if rng.below(4) == 0 { "partly" } else { "yes" })),
                            ("helpfulness", json!(near.to_string())),
                        ];
                        if !pass {
                            let tag = ["hallucination", "citation_error"][rng.below(2)];
                            values.push(("defects", json!([tag])));
                        }
                        for (criterion, value) in &values {
                            writer.append_label(&NewLabel {
                                item_id,
                                rater,
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
        })
        .unwrap();
    drop(store);
    std::fs::rename(&partial, path).unwrap();
    eprintln!("built in {:.1} s", started.elapsed().as_secs_f64());
}

/// Milliseconds from a key to its frame drawn.
fn key_drawn(terminal: &mut Terminal<TestBackend>, session: &mut Session, key: KeyEvent) -> f64 {
    let started = Instant::now();
    session.key(key).unwrap();
    terminal.draw(|frame| session.screen.render(frame, frame.area())).unwrap();
    started.elapsed().as_secs_f64() * 1000.0
}

fn report(name: &str, times: &[f64]) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let max = sorted[sorted.len() - 1];
    println!("  {name:<34} median {median:>7.1} ms   max {max:>7.1} ms   ({} keys; target < 50 ms)", sorted.len());
}

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn review(path: &std::path::Path, items: usize) {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut store = Store::open(path).unwrap();
    let rubric = store.rubric_latest("rag-answer-quality").unwrap().unwrap();

    let started = Instant::now();
    let mut session = Session::new(&mut store, rubric.clone(), None, "lead", Theme::plain()).unwrap();
    terminal.draw(|frame| session.screen.render(frame, frame.area())).unwrap();
    let first_frame = started.elapsed().as_secs_f64();
    session.wait_items();
    terminal.draw(|frame| session.screen.render(frame, frame.area())).unwrap();
    let listed = started.elapsed().as_secs_f64();
    session.wait_dashboard();
    let figures = started.elapsed().as_secs_f64();

    println!("review screen, {items} labeled items x 3 raters x 3 criteria, at 80x24:");
    println!("  open -> first frame               {:>8.0} ms   (target < 1,000 ms)", first_frame * 1000.0);
    println!("  the items listed after            {:>8.0} ms (read on another thread)", listed * 1000.0);
    println!("  dashboard figures arrive after    {:>8.0} ms (on their own thread)", figures * 1000.0);

    let mut drawn = |session: &mut Session, key: KeyEvent| key_drawn(&mut terminal, session, key);
    let filters: Vec<f64> =
        "ddDDgggfsftttxfxfxfx".chars().map(|ch| drawn(&mut session, press(KeyCode::Char(ch)))).collect();
    report("filter key (d D g f s t x)", &filters);
    let sorts: Vec<f64> = (0..8).map(|_| drawn(&mut session, press(KeyCode::Char('o')))).collect();
    report("sort key (o)", &sorts);
    let paging: Vec<f64> =
        [KeyCode::PageDown, KeyCode::PageDown, KeyCode::End, KeyCode::PageUp, KeyCode::Home, KeyCode::Down]
            .into_iter()
            .cycle()
            .take(60)
            .map(|code| drawn(&mut session, press(code)))
            .collect();
    report("cursor and paging keys", &paging);

    key_drawn(&mut terminal, &mut session, press(KeyCode::Char('/')));
    let mut typed = Vec::new();
    let mut to_done = Vec::new();
    for ch in QUERY.chars() {
        let started = Instant::now();
        typed.push(key_drawn(&mut terminal, &mut session, press(KeyCode::Char(ch))));
        let mut ticks = 0;
        while session.screen.searching() {
            session.screen.tick();
            terminal.draw(|frame| session.screen.render(frame, frame.area())).unwrap();
            ticks += 1;
        }
        to_done.push((ch, started.elapsed().as_secs_f64() * 1000.0, ticks, session.screen.listed().len()));
    }
    report(&format!("search key (typing \"{QUERY}\")"), &typed);
    let backspaces: Vec<f64> =
        (0..4).map(|_| key_drawn(&mut terminal, &mut session, press(KeyCode::Backspace))).collect();
    report("search Backspace", &backspaces);
    println!("  each search key until its search is done (key, ms, ticks, listed):");
    let line: Vec<String> = to_done.iter().map(|(ch, ms, ticks, n)| format!("'{ch}' {ms:.0}/{ticks}/{n}")).collect();
    println!("    {}", line.join("  "));
    drop(session);
    // Measured last, so the memory they churn does not weigh on the new path's figures.
    // Where loading the items goes.
    let scope = tally::store::LabelScope { rubric: "rag-answer-quality", batch_id: None };
    let mut parts = Vec::new();
    let started = Instant::now();
    let labels = store.rater_labels(scope, false).unwrap().0;
    parts.push(format!("labels {:.0} ms ({})", started.elapsed().as_secs_f64() * 1000.0, labels.len()));
    let started = Instant::now();
    store.adjudications(scope).unwrap();
    parts.push(format!("adjudications {:.0} ms", started.elapsed().as_secs_f64() * 1000.0));
    let started = Instant::now();
    store.item_marks(None).unwrap();
    parts.push(format!("marks {:.0} ms", started.elapsed().as_secs_f64() * 1000.0));
    let started = Instant::now();
    store.label_comments(scope).unwrap();
    parts.push(format!("comments {:.0} ms", started.elapsed().as_secs_f64() * 1000.0));
    let started = Instant::now();
    let mut ids: Vec<i64> = labels.iter().map(|label| label.item_id).collect();
    ids.dedup();
    for &id in &ids {
        store.item(id).unwrap();
    }
    parts.push(format!("items one by one {:.0} ms", started.elapsed().as_secs_f64() * 1000.0));
    drop(labels);

    // The baseline: what the screen did before its first frame, in the same run.
    let started = Instant::now();
    let loaded = tally::tui::review::load_items(&store, &rubric, None).unwrap();
    let load = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let dashboard = tally::tui::review::dashboard_for(&store, &rubric, None, &loaded).unwrap();
    let figures_inline = started.elapsed().as_secs_f64();
    drop((loaded, dashboard));
    println!("  loading the items alone           {:>8.0} ms", load * 1000.0);
    println!("      {}", parts.join(", "));
    println!(
        "  baseline, before: figures computed before the first frame: {:.0} ms + {:.0} ms = {:.0} ms",
        load * 1000.0,
        figures_inline * 1000.0,
        (load + figures_inline) * 1000.0
    );

    let (texts, built) = session_texts(path);
    let mut whole = Search::new(texts, 0);
    let started = Instant::now();
    whole.set_query(QUERY);
    whole.finish();
    println!(
        "  baseline: the whole query from scratch over every item {:.0} ms ({} found; the search's texts took {built:.0} ms to make)",
        started.elapsed().as_secs_f64() * 1000.0,
        whole.total()
    );
}

/// The review search's texts, as the screen makes them, and the milliseconds that took.
fn session_texts(path: &std::path::Path) -> (Vec<String>, f64) {
    let store = Store::open_read_only(path).unwrap();
    let rubric = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    let items = tally::tui::review::load_items(&store, &rubric, None).unwrap();
    let started = Instant::now();
    let texts = items
        .iter()
        .map(|item| tally::tui::search::haystack(&[&item.item.id, &item.item.input, &item.item.output]))
        .collect();
    (texts, started.elapsed().as_secs_f64() * 1000.0)
}

fn finder(queue: usize) {
    let rubric = Rubric::from_toml(RUBRIC, "rag-answer-quality.toml").unwrap();
    let entries: Vec<QueueEntry> = (0..queue)
        .map(|index| QueueEntry {
            item_id: index as i64 + 1,
            external_id: format!("gen-{index:07}"),
            done: false,
            skipped: false,
            flagged: false,
        })
        .collect();
    // What `Store::queue_texts` gives: id, input, output and metadata in one text.
    let texts = || -> Vec<(i64, String)> {
        (0..queue)
            .map(|index| {
                (index as i64 + 1, format!(
                    "gen-{index:07} How do I export invoice {index} as a PDF? Open invoice {index}, press Export and choose PDF; the file downloads at once. {{\"model\":\"model-{}\"}}",
                    index % 3
                ))
            })
            .collect()
    };
    let mut screen = LabelScreen::new(rubric, String::new(), "b", "r", entries, Theme::plain());
    screen.start();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let given = texts();
    let started = Instant::now();
    screen.update(Action::Find);
    screen.finder_loaded(given);
    terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
    let open = started.elapsed().as_secs_f64() * 1000.0;
    println!("label screen's finder, a queue of {queue} items, at 80x24:");
    println!("  opening it (texts in memory: lower-cased, cut)  {open:>7.0} ms");
    let mut keys = Vec::new();
    let mut to_done = Vec::new();
    for ch in QUERY.chars() {
        let started = Instant::now();
        screen.update(Action::Char(ch));
        terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
        keys.push(started.elapsed().as_secs_f64() * 1000.0);
        let mut ticks = 0;
        while screen.searching() {
            screen.tick();
            terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
            ticks += 1;
        }
        to_done.push((ch, started.elapsed().as_secs_f64() * 1000.0, ticks));
    }
    let mut sorted = keys.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "  finder key, drawn                  median {:>7.1} ms   max {:>7.1} ms   ({} keys; target < 50 ms)",
        sorted[sorted.len() / 2],
        sorted[sorted.len() - 1],
        sorted.len()
    );
    println!("  each key until its search is done (key, ms, ticks):");
    let line: Vec<String> = to_done.iter().map(|(ch, ms, ticks)| format!("'{ch}' {ms:.0}/{ticks}")).collect();
    println!("    {}", line.join("  "));
    let mut backspaces = Vec::new();
    for _ in 0..4 {
        let started = Instant::now();
        screen.update(Action::Clear);
        terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
        backspaces.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!("  Backspace, drawn                   max {:>7.1} ms", backspaces.iter().copied().fold(0.0, f64::max));
    let mut whole =
        Search::new(texts().into_iter().map(|(_, text)| tally::tui::search::haystack(&[&text])).collect(), 50);
    let started = Instant::now();
    whole.set_query(QUERY);
    while !whole.step(Instant::now() + Duration::from_secs(3600)) {}
    println!(
        "  baseline: the whole query from scratch          {:>7.0} ms ({} found)",
        started.elapsed().as_secs_f64() * 1000.0,
        whole.total()
    );
    let single: Vec<String> = texts().into_iter().take(200_000).map(|(_, text)| text).collect();
    let matcher = fuzzy_matcher::skim::SkimMatcherV2::default();
    let started = Instant::now();
    let found =
        single.iter().filter(|text| fuzzy_matcher::FuzzyMatcher::fuzzy_match(&matcher, text, "i").is_some()).count();
    println!(
        "  for scale: skim alone on 200,000 texts, query \"i\": {:.0} ms ({found} found)",
        started.elapsed().as_secs_f64() * 1000.0
    );
}
