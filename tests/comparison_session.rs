//! The label screen on comparison items against a real store: the side each pair was
//! shown on is recorded, balanced over the rater's queue, and "left is better" is stored
//! in the candidates' own terms.

use tally::io::Format;
use tally::io::items::{ImportOptions, import};
use tally::model::Rubric;
use tally::store::{LabelScope, NewBatch, Store};
use tally::tui::label::{Action, Session};
use tally::tui::theme::Theme;

const RUBRIC: &str = "name = \"pairwise\"\nversion = 1\n[[criteria]]\nid = \"better\"\nkind = \"preference\"\n";

fn store_with_pairs(path: &std::path::Path, pairs: usize) -> Store {
    let mut store = Store::create(path).unwrap();
    let items: String = (1..=pairs)
        .map(|i| {
            format!(
                "{{\"id\": \"p{i}\", \"input\": \"question {i}\", \"candidates\": [\
                 {{\"id\": \"old\", \"output\": \"old answer {i}\", \"model\": \"m-old\"}}, \
                 {{\"id\": \"new\", \"output\": \"new answer {i}\", \"model\": \"m-new\"}}]}}\n"
            )
        })
        .collect();
    import(&mut store, items.as_bytes(), Format::Jsonl, "pairs.jsonl", "ds", &ImportOptions::default()).unwrap();
    let rubric = Rubric::from_toml(RUBRIC, "p.toml").unwrap();
    let (rubric_id, _) = store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "")).unwrap();
    let ids = store.item_ids(None).unwrap();
    let queues = vec![("ana", ids.iter().map(|&id| (id, false)).collect())];
    store
        .write(|tx| {
            tx.create_batch(&NewBatch {
                name: "b",
                rubric_id,
                dataset: None,
                overlap: 1,
                seed: 11,
                items: &ids,
                queues: &queues,
            })
        })
        .unwrap();
    store
}

#[test]
fn left_is_better_is_stored_as_the_candidate_on_the_left_and_the_side_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_pairs(&path, 6);
    let batch = store.batch("b").unwrap().unwrap();
    {
        let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
        // "Left is better" (key 1) on every pair, each confirmed.
        for _ in 0..6 {
            session.handle(Action::Char('1')).unwrap();
            session.handle(Action::Confirm).unwrap();
        }
        session.handle(Action::Quit).unwrap();
        assert!(session.settle(std::time::Duration::from_secs(30)).unwrap());
    }
    let store = Store::open(&path).unwrap();
    let sides = store.sides().unwrap();
    assert_eq!(sides.len(), 6, "{sides:?}");
    // Balanced over the queue: each candidate on the left of three pairs.
    assert_eq!(sides.iter().filter(|side| side.left == "new").count(), 3, "{sides:?}");
    let labels = store.current_labels(LabelScope { rubric: "pairwise", batch_id: Some(batch.id) }).unwrap();
    assert_eq!(labels.len(), 6);
    for side in &sides {
        let item = store.item(side.item_id).unwrap();
        let label = labels.iter().find(|label| label.item == item.id).unwrap();
        // `a` is the first candidate (old): the value names whichever was on the left.
        let expected = if side.left == "old" { "\"a\"" } else { "\"b\"" };
        assert_eq!(label.value.to_string(), expected, "{} shown with {} on the left", item.id, side.left);
    }

    // A second session shows a pair on the side recorded.
    let mut store = store;
    let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
    session.handle(Action::Previous).unwrap();
    let item_id = session.screen().current_item_id().unwrap();
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 48)).unwrap();
    terminal.draw(|frame| session.screen().render(frame, frame.area())).unwrap();
    let row: String = (0..160).map(|x| terminal.backend().buffer()[(x, 6)].symbol().to_string()).collect();
    let left = &sides.iter().find(|side| side.item_id == item_id).unwrap().left;
    let (left_text, right_text) = (row.find(&format!("{left} answer")), row.find(" answer"));
    assert!(left_text.is_some() && left_text <= right_text, "{left} should be on the left: {row}");
    drop(session);
    assert_eq!(Store::open(&path).unwrap().sides().unwrap(), sides);
}

#[test]
fn nothing_is_recorded_for_a_pair_only_looked_at() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_pairs(&path, 2);
    let batch = store.batch("b").unwrap().unwrap();
    {
        let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
        session.handle(Action::SwitchSide).unwrap();
        session.handle(Action::ScrollDown).unwrap();
        session.handle(Action::Next).unwrap();
        session.handle(Action::Quit).unwrap();
    }
    assert!(Store::open(&path).unwrap().sides().unwrap().is_empty());
}

#[test]
fn a_recovery_file_carries_the_side_shown_in_a_left_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = store_with_pairs(&path, 2);
    let batch = store.batch("b").unwrap().unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    let outcome = {
        let mut session = Session::new(&mut store, &batch, "ana", Theme::plain()).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        session.handle(Action::Char('1')).unwrap();
        session.handle(Action::Quit).unwrap();
        session.finish(std::time::Duration::from_millis(300)).unwrap()
    };
    other.execute_batch("ROLLBACK").unwrap();
    let csv = std::fs::read_to_string(outcome.recovery_file().expect("a recovery file")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("item,rater,criterion,value,comment,left"));
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    // Left is better, stored in candidate terms, with the candidate that was on the left.
    let expected = if row[5] == "old" { "a" } else { "b" };
    assert_eq!((row[1], row[2], row[3]), ("ana", "better", expected), "{csv}");
    assert!(["old", "new"].contains(&row[5]), "{csv}");

    // It goes in with `labels import`, the side with it.
    drop(other);
    drop(store);
    let file = outcome.recovery_file().unwrap().display().to_string();
    let imported = std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(["--db", &path.display().to_string(), "labels", "import", &file, "--rubric", "pairwise"])
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let sides = Store::open(&path).unwrap().sides().unwrap();
    assert_eq!(sides.len(), 1, "{sides:?}");
    assert_eq!((sides[0].rater.as_str(), sides[0].left.as_str()), ("ana", row[5]));
}
