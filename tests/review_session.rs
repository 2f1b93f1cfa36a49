//! The review screen on a real store built from the bundled sample data: what it lists,
//! the dashboard tab at 80x24, and an adjudication made with keys reaching the store
//! and the golden set.

mod common;

use common::{Sandbox, repo};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tally::model::Kind;
use tally::store::{LabelScope, Store};
use tally::tui::review::{Session, Tab};
use tally::tui::theme::Theme;

fn sample_store() -> Sandbox {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&[
        "batch",
        "create",
        "pilot",
        "--rubric",
        "rag-answer-quality",
        "--raters",
        "ana,ben,chloe",
        "--overlap",
        "3",
    ]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    sandbox
}

fn render(session: &mut Session, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| session.screen.render(frame, frame.area())).unwrap();
    let buffer = terminal.backend().buffer();
    tally::tui::buffer_text(buffer)
}

fn press(session: &mut Session, keys: &str) {
    for ch in keys.chars() {
        session.key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE)).unwrap();
    }
}

fn code(session: &mut Session, code: KeyCode) {
    session.key(KeyEvent::new(code, KeyModifiers::NONE)).unwrap();
}

#[test]
fn sample_data_review_dashboard_and_adjudication() {
    let sandbox = sample_store();
    let mut store = Store::open(&sandbox.path("tally.db")).unwrap();
    let rubric = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    let batch = store.batch("pilot").unwrap();
    {
        let mut session = Session::new(&mut store, rubric.clone(), batch.as_ref(), "lead", Theme::plain()).unwrap();
        // The items are read on another thread while the screen draws.
        session.wait_items();
        assert_eq!(session.screen.listed().len(), 160);
        // Items whose raters split on `correct`.
        press(&mut session, "dd");
        let split = session.screen.listed().len();
        assert!(split > 0 && split < 160, "{split}");

        code(&mut session, KeyCode::Tab);
        assert_eq!(session.screen.tab(), Tab::Dashboard);
        // Its figures are computed on another thread while the list works.
        session.wait_dashboard();
        insta::assert_snapshot!("sample_dashboard_progress_80x24", render(&mut session, 80, 24));
        code(&mut session, KeyCode::Right);
        let alpha = render(&mut session, 80, 24);
        assert!(alpha.contains("0.765"), "alpha of `correct` on the sample data:\n{alpha}");
        insta::assert_snapshot!("sample_dashboard_alpha_80x24", alpha);
        press(&mut session, "6");
        let tags = render(&mut session, 80, 24);
        assert!(tags.contains("assistant-v1") && tags.contains("hallucination"), "{tags}");
        code(&mut session, KeyCode::Tab);
        assert_eq!(session.screen.tab(), Tab::List);

        // Settle the first split item as a fail, with a reason.
        press(&mut session, "x/q-0015-v1");
        code(&mut session, KeyCode::Enter);
        assert_eq!(session.screen.listed()[0], "q-0015-v1");
        code(&mut session, KeyCode::Enter);
        press(&mut session, "n");
        code(&mut session, KeyCode::Enter);
        press(&mut session, "ACH debits are not retried");
        code(&mut session, KeyCode::Enter);
        let text = render(&mut session, 80, 24);
        assert!(text.contains("* correct = fail by lead: ACH debits are not retried"), "{text}");
    }
    let scope = LabelScope { rubric: "rag-answer-quality", batch_id: None };
    let standing = store.adjudications(scope).unwrap();
    assert_eq!(standing.len(), 1);
    assert_eq!((standing[0].adjudicator.as_str(), standing[0].value.as_str()), ("lead", Some("fail")));
    drop(store);

    sandbox.ok(&["export", "--out", "g.jsonl"]);
    let golden = std::fs::read_to_string(sandbox.path("g.jsonl")).unwrap();
    let line: serde_json::Value =
        serde_json::from_str(golden.lines().find(|line| line.contains("\"q-0015-v1\"")).unwrap()).unwrap();
    assert_eq!(line["labels"]["correct"], "fail");
    assert_eq!(line["consensus"]["correct"]["method"], "adjudicated");
}

#[test]
fn the_list_holds_every_raters_labels_and_comments_as_the_stores_queries_give_them() {
    let sandbox = sample_store();
    // A comment, one that is only spaces, a changed label whose comment goes with it,
    // and a golden set imported back (no rater).
    sandbox.write(
        "more.csv",
        "item,rater,criterion,value,comment\n\
         q-0001-v1,ana,grounded,partial,passage 2 is stale\n\
         q-0002-v1,ben,correct,pass,   \n\
         q-0003-v1,chloe,correct,fail,wrong year\n\
         q-0003-v1,dmitri,correct,fail,\n",
    );
    sandbox.ok(&["labels", "import", "more.csv"]);
    sandbox.ok(&["export", "--name", "g", "--dir", "golden"]);
    sandbox.ok(&["golden", "import", "golden/g-v1.jsonl"]);
    let store = Store::open(&sandbox.path("tally.db")).unwrap();
    let rubric = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    let items = tally::tui::review::load_items(&store, &rubric, None).unwrap();
    let scope = LabelScope { rubric: "rag-answer-quality", batch_id: None };

    let (labels, golden_left_out) = store.rater_labels(scope, false).unwrap();
    assert!(golden_left_out > 0);
    let mut wanted: Vec<(i64, String, String)> =
        labels.iter().map(|label| (label.item_id, label.criterion.clone(), label.rater.clone())).collect();
    let mut listed = Vec::new();
    for item in &items {
        for (criterion, values) in rubric.rubric.criteria.iter().zip(&item.values) {
            for rater in values.keys() {
                listed.push((item.item_id, criterion.id.clone(), rater.clone()));
            }
        }
    }
    listed.sort();
    wanted.sort();
    assert_eq!(listed, wanted, "one value per current rater label");
    assert!(items.iter().all(|item| item.raters.iter().all(|rater| !rater.starts_with("golden"))));

    let comments: Vec<(i64, String, String, String)> = store
        .label_comments(scope)
        .unwrap()
        .into_iter()
        .map(|comment| (comment.item_id, comment.rater, comment.criterion, comment.comment))
        .filter(|(_, _, criterion, _)| rubric.rubric.criterion(criterion).is_some_and(|c| c.kind != Kind::Text))
        .collect();
    let mut shown: Vec<(i64, String, String, String)> = Vec::new();
    for item in &items {
        for comment in &item.comments {
            // Flags, skips and text criteria's values (a note) are shown as comments too.
            let text_criterion = rubric.rubric.criterion(&comment.about).is_some_and(|c| c.kind == Kind::Text);
            if comment.about != "flag" && comment.about != "skip" && !text_criterion {
                shown.push((item.item_id, comment.rater.clone(), comment.about.clone(), comment.text.clone()));
            }
        }
    }
    assert_eq!(shown, comments);
    assert!(
        shown
            .iter()
            .any(|(_, rater, about, text)| rater == "ana" && about == "grounded" && text == "passage 2 is stale")
    );
    assert!(!shown.iter().any(|(_, _, _, text)| text.trim().is_empty()), "a comment of spaces is no comment");
}
