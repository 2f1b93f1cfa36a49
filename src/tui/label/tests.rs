use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Map;

use super::*;

const RUBRIC: &str = include_str!("../../../guidelines/rag-answer-quality.toml");

fn item(id: &str) -> Item {
    Item {
        id: id.to_string(),
        dataset: "d".into(),
        input: "How do I rotate an API key?".into(),
        output: "Open Settings > Keys and press Rotate.\u{1b}[2J".into(),
        reference: Some("Settings > Keys > Rotate.".into()),
        context: vec!["[Keys] Keys rotate from Settings.".into()],
        metadata: Map::new(),
        judge: Map::new(),
        shape: Default::default(),
    }
}

fn screen(done: &[bool]) -> LabelScreen {
    let rubric = Rubric::from_toml(RUBRIC, "r.toml").unwrap();
    let queue = done
        .iter()
        .enumerate()
        .map(|(index, &done)| QueueEntry {
            item_id: index as i64 + 1,
            external_id: format!("q-{}", index + 1),
            done,
            skipped: false,
            flagged: false,
        })
        .collect();
    LabelScreen::new(rubric, "Be fair.".into(), "b1", "ana", queue, Theme::plain())
}

/// Performs Load effects the way the session does, with no store.
fn run(screen: &mut LabelScreen, actions: &[Action]) -> Vec<Effect> {
    let mut all = Vec::new();
    for action in actions {
        let effects = screen.update(*action);
        for effect in &effects {
            match effect {
                Effect::Load { item_id } => screen.loaded(*item_id, item(&format!("q-{item_id}")), BTreeMap::new()),
                Effect::OpenFinder => {
                    let ids: Vec<i64> = screen.queue.iter().map(|entry| entry.item_id).collect();
                    screen.finder_loaded(ids.iter().map(|id| (*id, format!("q-{id} topic{id} answer"))).collect());
                }
                _ => {}
            }
        }
        all.extend(effects);
    }
    all
}

fn started(done: &[bool]) -> LabelScreen {
    let mut screen = screen(done);
    let effects = screen.start();
    for effect in effects {
        if let Effect::Load { item_id } = effect {
            screen.loaded(item_id, item(&format!("q-{item_id}")), BTreeMap::new());
        }
    }
    screen
}

fn keys(text: &str) -> Vec<Action> {
    text.chars().map(Action::Char).collect()
}

fn saved(effects: &[Effect]) -> Vec<(String, Option<String>)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Save { changes, .. } => Some(changes),
            _ => None,
        })
        .flatten()
        .map(|(id, value)| (id.clone(), value.as_ref().map(LabelValue::display)))
        .collect()
}

fn some(id: &str, value: &str) -> (String, Option<String>) {
    (id.to_string(), Some(value.to_string()))
}

#[test]
fn resumes_at_the_first_item_not_done() {
    let mut screen = screen(&[true, false, false]);
    assert_eq!(screen.start(), vec![Effect::Load { item_id: 2 }]);
}

#[test]
fn every_hotkey_is_saved_at_once_and_enter_confirms() {
    let mut screen = started(&[false, false]);
    let effects = run(&mut screen, &keys("yg4"));
    assert_eq!(saved(&effects), [some("correct", "pass"), some("grounded", "grounded"), some("helpfulness", "4")]);
    let effects = run(&mut screen, &[Action::Confirm]);
    assert!(effects.contains(&Effect::Confirm { item_id: 1 }));
    assert!(effects.contains(&Effect::Load { item_id: 2 }));
    assert_eq!(screen.current_item_id(), Some(2));
}

#[test]
fn enter_waits_for_required_criteria() {
    let mut screen = started(&[false]);
    let effects = run(&mut screen, &[Action::Char('y'), Action::Confirm]);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Confirm { .. })));
    assert_eq!(screen.current_item_id(), Some(1));
    assert!(screen.message.as_ref().unwrap().1.contains("grounded, helpfulness"));
}

#[test]
fn tags_toggle_only_when_asked_and_are_cleared_when_no_longer_asked() {
    let mut screen = started(&[false]);
    run(&mut screen, &[Action::Char('h')]);
    assert!(screen.message.as_ref().unwrap().1.contains("asked only when correct = fail"));
    let effects = run(&mut screen, &keys("nhcc"));
    assert_eq!(
        saved(&effects),
        [
            some("correct", "fail"),
            some("defects", "hallucination"),
            some("defects", "citation_error, hallucination"),
            some("defects", "hallucination")
        ]
    );
    // Changing `correct` to pass retracts the defects in the same save.
    let effects = run(&mut screen, &keys("y"));
    assert_eq!(saved(&effects), [some("correct", "pass"), ("defects".to_string(), None)]);
}

#[test]
fn failed_items_without_tags_record_an_explicit_empty_set() {
    let mut screen = started(&[false, false]);
    let effects = run(&mut screen, &[Action::Char('n'), Action::Char('u'), Action::Char('1'), Action::Confirm]);
    assert!(saved(&effects).contains(&some("defects", "(none)")));
}

#[test]
fn text_fields_capture_keys_until_saved() {
    let mut screen = started(&[false, false]);
    run(&mut screen, &keys("yg5"));
    // Focus follows the last hotkey (helpfulness); Tab skips defects, which is not
    // asked for an answer that passed, and lands on the note.
    run(&mut screen, &[Action::FocusNext]);
    assert!(screen.editing());
    let effects = run(&mut screen, &keys("q? ok"));
    assert!(effects.is_empty(), "typing saves nothing yet");
    let effects = run(&mut screen, &[Action::Clear, Action::Confirm]);
    assert_eq!(saved(&effects), [some("note", "q? o")]);
    assert!(effects.contains(&Effect::Confirm { item_id: 1 }));
}

#[test]
fn escape_discards_typing() {
    let mut screen = started(&[false]);
    run(&mut screen, &[Action::FocusPrevious]);
    assert!(screen.editing());
    let effects = run(&mut screen, &[Action::Char('x'), Action::Cancel, Action::Quit]);
    assert_eq!(effects, vec![Effect::Quit]);
}

#[test]
fn finishing_the_queue_shows_the_end() {
    let mut screen = started(&[true, false]);
    run(&mut screen, &keys("yg5"));
    run(&mut screen, &[Action::Confirm]);
    assert_eq!(screen.current_item_id(), None);
    let text = render(&screen, 80, 24);
    assert!(text.contains("All 2 items of batch b1 are done"), "{text}");
    // Looking back reopens the last item.
    run(&mut screen, &[Action::Previous]);
    assert_eq!(screen.current_item_id(), Some(2));
}

fn render(screen: &LabelScreen, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
    let buffer = terminal.backend().buffer();
    crate::tui::buffer_text(buffer)
}

#[test]
fn renders_at_80x24() {
    let mut screen = started(&[true, false, false]);
    run(&mut screen, &keys("nh"));
    insta::assert_snapshot!(render(&screen, 80, 24));
}

#[test]
fn renders_side_by_side_when_wide() {
    let screen = started(&[false]);
    let text = render(&screen, 120, 30);
    let first_body_line = text.lines().nth(2).unwrap();
    assert!(first_body_line.contains("q-1") && first_body_line.matches('┌').count() == 2, "{text}");
}

#[test]
fn too_small_says_so() {
    let screen = started(&[false]);
    assert!(render(&screen, 40, 10).contains("needs a terminal of at least"));
}

#[test]
fn escape_sequences_in_items_are_not_drawn() {
    let screen = started(&[false]);
    let text = render(&screen, 80, 24);
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("Rotate.\u{FFFD}[2J"), "{text}");
}

#[test]
fn no_control_byte_from_any_field_reaches_the_terminal() {
    let hostile = "a\u{1b}[2Jb\u{1b}]0;title\u{7}c\u{9b}31md\r\u{8}\u{0}e\u{7f}f\u{85}g";
    let mut screen = screen(&[false]);
    let effects = screen.start();
    let mut item = item("q-1");
    item.id = hostile.to_string();
    item.input = hostile.to_string();
    item.output = hostile.to_string();
    item.reference = Some(hostile.to_string());
    item.context = vec![hostile.to_string()];
    item.judge.insert("correct".into(), serde_json::json!(hostile));
    for effect in effects {
        if let Effect::Load { item_id } = effect {
            screen.loaded(item_id, item.clone(), BTreeMap::new());
        }
    }
    screen.set_show_judge(true);
    for (width, height) in [(80, 24), (160, 48)] {
        let text = render(&screen, width, height);
        let bad: Vec<char> = text.chars().filter(|ch| ch.is_control() && *ch != '\n').collect();
        assert!(bad.is_empty(), "control characters reached the backend: {bad:?}\n{text}");
    }
}

#[test]
fn guidelines_overlay_opens_and_closes() {
    let mut screen = started(&[false]);
    run(&mut screen, &[Action::Help]);
    assert!(render(&screen, 80, 24).contains("Be fair."));
    run(&mut screen, &[Action::Cancel]);
    assert!(!render(&screen, 80, 24).contains("Be fair."));
}

#[test]
fn keys_go_through_the_raters_keymap() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let press = |code| KeyEvent::new(code, KeyModifiers::NONE);
    let mut screen = started(&[false, false]);
    let mut keymap = Keymap::default();
    let problems = keymap
        .patch("[keys]\nnext = [\"Right\", \"y\", \"C-n\"]\nbogus = \"x\"\n", "/home/ana/.config/tally/keys.toml");
    screen.set_keymap(keymap, &problems);
    let text = render(&screen, 80, 24);
    assert!(text.contains("/home/ana/.config/tally/keys.toml: keys.bogus: no such"), "{text}");
    // `y` is the rubric's key for "pass": the option wins over the screen key.
    let effects = screen.key(press(KeyCode::Char('y')));
    assert_eq!(saved(&effects), vec![some("correct", "pass")]);
    let effects = screen.key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL));
    assert_eq!(effects, vec![Effect::Load { item_id: 2 }]);
    // The overlay lists the keys that work, says what the rubric took away, and lists
    // the file's problems whole.
    screen.key(press(KeyCode::Char('?')));
    let overlay = render(&screen, 100, 48);
    assert!(overlay.contains("→ C-n         next"), "{overlay}");
    assert!(overlay.contains("`y` is an option of correct, so it does not do `next`"), "{overlay}");
    assert!(overlay.contains("keys.bogus: no such action (known: confirm"), "{overlay}");
}

fn type_text(text: &str) -> Vec<Action> {
    text.chars().map(Action::Char).collect()
}

#[test]
fn skip_needs_a_reason_and_moves_on() {
    let mut screen = started(&[false, false]);
    run(&mut screen, &[Action::Skip, Action::Confirm]);
    assert!(render(&screen, 80, 24).contains("say why you skip it"));
    let mut actions = type_text("not english");
    actions.push(Action::Confirm);
    let effects = run(&mut screen, &actions);
    assert!(effects.contains(&Effect::Mark { item_id: 1, action: ItemAction::Skip, note: Some("not english".into()) }));
    assert_eq!(screen.current_item_id(), Some(2));
    assert!(render(&screen, 80, 24).contains("0/2 done, 1 skipped"));
}

#[test]
fn flag_with_a_note_then_take_it_away() {
    let mut screen = started(&[false]);
    let mut actions = vec![Action::Flag];
    actions.extend(type_text("ask legal"));
    actions.push(Action::Confirm);
    let effects = run(&mut screen, &actions);
    assert_eq!(effects, vec![Effect::Mark { item_id: 1, action: ItemAction::Flag, note: Some("ask legal".into()) }]);
    assert!(render(&screen, 80, 24).contains("⚑ flagged"));
    let effects = run(&mut screen, &[Action::Flag]);
    assert_eq!(effects, vec![Effect::Mark { item_id: 1, action: ItemAction::Unflag, note: None }]);
}

#[test]
fn undo_walks_back_values_then_a_confirm() {
    let mut screen = started(&[false, false]);
    // Changing an answer and undoing brings the old one back.
    run(&mut screen, &keys("yn"));
    let effects = run(&mut screen, &[Action::Undo]);
    assert_eq!(saved(&effects), vec![some("correct", "pass")]);
    run(&mut screen, &keys("g4"));
    let effects = run(&mut screen, &[Action::Confirm]);
    assert!(effects.contains(&Effect::Confirm { item_id: 1 }));
    assert_eq!(screen.current_item_id(), Some(2));
    // Undoing the confirm reopens item 1 and shows it again.
    let effects = run(&mut screen, &[Action::Undo]);
    assert_eq!(effects[0], Effect::Mark { item_id: 1, action: ItemAction::Reopen, note: None });
    assert_eq!(screen.current_item_id(), Some(1));
    // Then the values, newest first: helpfulness 4 goes back to nothing.
    let effects = run(&mut screen, &[Action::Undo]);
    assert_eq!(effects, vec![Effect::Save { item_id: 1, changes: vec![("helpfulness".into(), None)] }]);
}

#[test]
fn jump_by_number_or_id() {
    let mut screen = started(&[false, false, false]);
    let mut actions = vec![Action::Jump];
    actions.extend(type_text("3"));
    actions.push(Action::Confirm);
    run(&mut screen, &actions);
    assert_eq!(screen.current_item_id(), Some(3));
    let mut actions = vec![Action::Jump];
    actions.extend(type_text("q-2"));
    actions.push(Action::Confirm);
    run(&mut screen, &actions);
    assert_eq!(screen.current_item_id(), Some(2));
    let mut actions = vec![Action::Jump];
    actions.extend(type_text("9"));
    actions.push(Action::Confirm);
    run(&mut screen, &actions);
    assert!(render(&screen, 80, 24).contains("no item `9`"));
    run(&mut screen, &[Action::Cancel]);
    assert_eq!(screen.current_item_id(), Some(2));
}

#[test]
fn progress_line_shows_pace_time_on_item_and_time_left() {
    use std::time::Duration;
    let mut screen = started(&[true, false, false, false, false]);
    run(&mut screen, &keys("yg4"));
    run(&mut screen, &[Action::Confirm]);
    // One confirmed in 2 minutes: 30 an hour; 3 left take 6 minutes.
    screen.set_clock(Duration::from_secs(120), Duration::from_secs(7));
    let text = render(&screen, 80, 24);
    assert!(text.contains("2/5 done · 30/h · ~6:00 left · this item 0:07"), "{text}");
}

#[test]
fn blind_unless_the_lead_asks_for_the_judge() {
    let mut screen = screen(&[false]);
    let effects = screen.start();
    let mut judged = item("q-1");
    judged.judge.insert("helpfulness".into(), serde_json::json!(4));
    for effect in effects {
        if let Effect::Load { item_id } = effect {
            screen.loaded(item_id, judged.clone(), BTreeMap::new());
        }
    }
    assert!(!render(&screen, 120, 40).contains("helpfulness: 4"));
    screen.set_show_judge(true);
    assert!(render(&screen, 120, 40).contains("helpfulness: 4"));
}

#[test]
fn finder_jumps_to_the_best_match() {
    let mut screen = started(&[false, false, false]);
    let effects = run(&mut screen, &[Action::Find]);
    assert_eq!(effects, vec![Effect::OpenFinder]);
    // Typing goes to the finder, not to option keys.
    let effects = run(&mut screen, &type_text("topic3"));
    assert!(saved(&effects).is_empty());
    let text = render(&screen, 80, 24);
    assert!(text.contains("find: topic3") && text.contains("1 matches"), "{text}");
    run(&mut screen, &[Action::Confirm]);
    assert_eq!(screen.current_item_id(), Some(3));
    // Esc closes without moving.
    let effects = run(&mut screen, &[Action::Find, Action::Cancel]);
    assert_eq!(screen.current_item_id(), Some(3));
    assert!(!effects.contains(&Effect::OpenFinder), "opened again from what it read before");
    assert!(!render(&screen, 80, 24).contains("find:"));
}

#[test]
fn text_fields_edit_with_a_cursor_over_several_lines_and_take_paste() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let press = |code| KeyEvent::new(code, KeyModifiers::NONE);
    let mut screen = started(&[false]);
    screen.key(press(KeyCode::BackTab)); // wraps round to the note
    assert!(screen.editing());
    for key in [KeyCode::Char('a'), KeyCode::Char('b'), KeyCode::Left, KeyCode::Char('é'), KeyCode::End] {
        screen.key(press(key));
    }
    screen.key(press(KeyCode::Enter)); // a new line, not a confirm
    screen.paste("pasted\r\ntext");
    let text = render(&screen, 80, 24);
    assert!(text.contains("aéb") && text.contains("pasted") && text.contains("text▏"), "{text}");
    let effects = screen.key(press(KeyCode::Tab));
    assert_eq!(saved(&effects), vec![some("note", "aéb\npasted\ntext")]);
}

/// Every criterion kind in one rubric, for the screen snapshots.
const ALL_KINDS: &str = r#"
name = "all-kinds"
version = 1
[[criteria]]
id = "correct"
kind = "binary"
required = true
options = [ { value = "pass", key = "y" }, { value = "fail", key = "n" } ]
[[criteria]]
id = "helpfulness"
kind = "ordinal"
options = [ { value = "1", key = "1", label = "Useless" }, { value = "2", key = "2" }, { value = "3", key = "3", label = "Fully resolves" } ]
[[criteria]]
id = "topic"
kind = "nominal"
required = true
options = [ { value = "billing", key = "b" }, { value = "security", key = "s" }, { value = "other", key = "o" } ]
[[criteria]]
id = "defects"
kind = "tags"
when = { correct = "fail" }
options = [ { value = "hallucination", key = "h" }, { value = "citation_error", key = "c" } ]
[[criteria]]
id = "score"
kind = "number"
min = 0
max = 10
[[criteria]]
id = "note"
kind = "text"
"#;

fn all_kinds(queue_len: usize) -> LabelScreen {
    let rubric = Rubric::from_toml(ALL_KINDS, "all.toml").unwrap();
    let queue = (1..=queue_len)
        .map(|i| QueueEntry {
            item_id: i as i64,
            external_id: format!("q-{i}"),
            done: false,
            skipped: false,
            flagged: false,
        })
        .collect();
    let guidelines = "# Guidelines\n\n- Judge **only** against the passages.\n- Use `fail` for any wrong claim.";
    let mut screen = LabelScreen::new(rubric, guidelines.into(), "b1", "ana", queue, Theme::plain());
    let effects = screen.start();
    for effect in effects {
        if let Effect::Load { item_id } = effect {
            screen.loaded(item_id, item(&format!("q-{item_id}")), BTreeMap::new());
        }
    }
    screen
}

/// The screen at 80x24 and at 160x48.
fn snapshots(name: &str, screen: &LabelScreen) {
    for (width, height) in [(80, 24), (160, 48)] {
        let text = render(screen, width, height);
        assert!(!text.contains('\u{1b}'));
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), text);
    }
}

#[test]
fn snapshot_every_criterion_kind() {
    let mut screen = all_kinds(3);
    run(&mut screen, &keys("n2sh"));
    // Type a score and leave it in the field, cursor shown.
    run(&mut screen, &[Action::FocusNext]);
    run(&mut screen, &keys("7"));
    snapshots("kinds", &screen);
}

#[test]
fn snapshot_validation_message() {
    let mut screen = all_kinds(3);
    run(&mut screen, &keys("y"));
    run(&mut screen, &[Action::Confirm]);
    snapshots("validation", &screen);
    assert!(render(&screen, 80, 24).contains("topic* ← required"));
}

#[test]
fn snapshot_overlay_finder_prompt_empty_and_small() {
    let mut screen = all_kinds(3);
    run(&mut screen, &[Action::Help]);
    snapshots("overlay", &screen);
    run(&mut screen, &[Action::Cancel, Action::Find]);
    run(&mut screen, &type_text("q2"));
    snapshots("finder", &screen);
    run(&mut screen, &[Action::Cancel, Action::Skip]);
    run(&mut screen, &type_text("duplicate of q-1"));
    snapshots("skip_prompt", &screen);
    run(&mut screen, &[Action::Cancel, Action::TogglePassages]);
    snapshots("passages_folded", &screen);
    snapshots("empty_queue", &all_kinds(0));
    insta::assert_snapshot!("too_small_59x15", render(&all_kinds(1), 59, 15));
}

#[test]
fn escape_then_a_key_quickly_is_both() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut screen = started(&[false]);
    run(&mut screen, &[Action::Help]);
    // Esc closes the overlay, then q quits.
    let effects = screen.key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::ALT));
    assert_eq!(effects, vec![Effect::Quit]);
}

/// What the session tells the screen while `criteria` of item 1 and maybe its confirm
/// wait for the store.
fn unsaved_on_first(criteria: &[&str], confirm: bool) -> BTreeMap<i64, Unsaved> {
    let unsaved = Unsaved { criteria: criteria.iter().map(|c| c.to_string()).collect(), confirm, marks: 0 };
    BTreeMap::from([(1, unsaved)])
}

#[test]
fn an_unsaved_value_is_marked_and_counted_until_the_store_has_it() {
    let mut screen = started(&[false, false]);
    run(&mut screen, &keys("y"));
    screen.set_unsaved(unsaved_on_first(&["correct"], false), 1, true);
    let text = render(&screen, 80, 24);
    assert!(text.contains("✓pass…") && text.contains("1 unsaved, store busy, retrying"), "{text}");
    screen.set_unsaved(BTreeMap::new(), 0, false);
    let text = render(&screen, 80, 24);
    assert!(text.contains("✓pass ") && !text.contains('…') && !text.contains("unsaved"), "{text}");
}

#[test]
fn a_confirm_is_done_only_once_the_store_has_it() {
    let mut screen = started(&[false, false]);
    run(&mut screen, &keys("yg4"));
    run(&mut screen, &[Action::Confirm]);
    screen.set_unsaved(unsaved_on_first(&[], true), 1, false);
    let text = render(&screen, 80, 24);
    assert!(text.contains("0/2 done") && text.contains("confirming q-1…"), "{text}");
    assert!(!text.contains("saved q-1"), "{text}");
    screen.set_unsaved(BTreeMap::new(), 0, false);
    screen.confirm_saved(1);
    let text = render(&screen, 80, 24);
    assert!(text.contains("1/2 done") && text.contains("saved q-1 (1 of 2 done)"), "{text}");
}

#[test]
fn a_refused_write_puts_back_what_the_store_holds_and_forgets_its_undo() {
    let mut screen = started(&[false, false]);
    run(&mut screen, &keys("yg4"));
    run(&mut screen, &[Action::Confirm, Action::Previous]);
    assert_eq!(screen.current_item_id(), Some(1));
    // The store took `correct` only, and no confirm.
    let stored = BTreeMap::from([("correct".to_string(), LabelValue::Choice("pass".into()))]);
    screen.write_failed(1, "disk full", stored, Some((false, false, false)));
    let text = render(&screen, 80, 24);
    assert!(text.contains("✓pass") && !text.contains("✓grounded") && !text.contains("✓4"), "{text}");
    assert!(text.contains("NOT SAVED on q-1: disk full") && !text.contains("· done"), "{text}");
    // Undo has nothing of the refused item left to walk back.
    run(&mut screen, &[Action::Undo]);
    assert!(screen.message.as_ref().unwrap().1.contains("nothing to undo"));
}

#[test]
fn the_end_and_the_small_screen_claim_saved_only_when_nothing_waits() {
    let mut screen = started(&[false]);
    run(&mut screen, &keys("yg4"));
    run(&mut screen, &[Action::Confirm]);
    screen.set_unsaved(unsaved_on_first(&[], true), 1, true);
    let end = render(&screen, 80, 24);
    assert!(!end.contains("Every label is saved") && end.contains("1 writes wait for the store"), "{end}");
    let small = render(&screen, 59, 15);
    assert!(!small.contains("your labels are saved") && small.contains("1 unsaved"), "{small}");
}

fn summeval_screen() -> LabelScreen {
    let rubric = Rubric::from_toml(include_str!("../../../tests/data/summeval.toml"), "summeval.toml").unwrap();
    let queue = (1..=2)
        .map(|id| QueueEntry {
            item_id: id,
            external_id: format!("q-{id}"),
            done: false,
            skipped: false,
            flagged: false,
        })
        .collect();
    let mut screen = LabelScreen::new(rubric, String::new(), "b1", "ana", queue, Theme::plain());
    let effects = screen.start();
    for effect in effects {
        if let Effect::Load { item_id } = effect {
            screen.loaded(item_id, item(&format!("q-{item_id}")), BTreeMap::new());
        }
    }
    screen
}

#[test]
fn a_four_scale_likert_item_is_four_keys_and_enter() {
    // SummEval's four 1-5 scales, no keys written: each takes 1-5 while focused, and a
    // value moves focus to the next scale still open.
    let mut screen = summeval_screen();
    let mut actions = keys("4534");
    actions.push(Action::Confirm);
    let effects = run(&mut screen, &actions);
    assert_eq!(
        saved(&effects),
        [some("coherence", "4"), some("consistency", "5"), some("fluency", "3"), some("relevance", "4")]
    );
    assert!(effects.contains(&Effect::Confirm { item_id: 1 }));
    assert_eq!(screen.current_item_id(), Some(2));
}

#[test]
fn a_shared_key_goes_to_the_focused_criterion_and_focus_skips_answered_ones() {
    let mut screen = summeval_screen();
    run(&mut screen, &[Action::FocusNext, Action::FocusNext]);
    let effects = run(&mut screen, &keys("2"));
    assert_eq!(saved(&effects), [some("fluency", "2")]);
    // On to relevance, then round to coherence (the first still open).
    assert_eq!(screen.focus, 3);
    run(&mut screen, &keys("5"));
    assert_eq!(screen.focus, 0);
    // Going back to change an answer sets it and moves on to what is still open.
    run(&mut screen, &[Action::FocusPrevious]);
    let effects = run(&mut screen, &keys("1"));
    assert_eq!(saved(&effects), [some("relevance", "1")]);
    assert_eq!(screen.focus, 0);
}

fn twelve_criteria() -> LabelScreen {
    let rubric = Rubric::from_toml(include_str!("../../../tests/data/twelve.toml"), "twelve.toml").unwrap();
    let queue = vec![QueueEntry { item_id: 1, external_id: "q-1".into(), done: false, skipped: false, flagged: false }];
    let mut screen = LabelScreen::new(rubric, String::new(), "b1", "ana", queue, Theme::plain());
    for effect in screen.start() {
        if let Effect::Load { item_id } = effect {
            screen.loaded(item_id, item(&format!("q-{item_id}")), BTreeMap::new());
        }
    }
    screen
}

#[test]
fn twelve_criteria_keep_the_focused_one_and_the_item_in_view_at_every_size() {
    let mut screen = twelve_criteria();
    // Eleven answers: focus moves on after each, and ends on the last criterion.
    run(&mut screen, &keys("435y231n423"));
    assert_eq!(screen.focus, 11);
    for (width, height) in [(60, 16), (80, 24), (160, 48)] {
        let text = render(&screen, width, height);
        insta::assert_snapshot!(format!("twelve_criteria_{width}x{height}"), text);
        // The focused criterion is on screen with its options, none cut in two.
        assert!(text.contains("▶ flag_12"), "{text}");
        assert!(text.contains("[y] pass") && text.contains("[n] fail"), "{text}");
        // The item keeps a readable share: its question and answer are in view.
        assert!(text.contains("How do I rotate an API key?") && text.contains("ANSWER"), "{text}");
    }
}

#[test]
fn an_option_never_wraps_inside_and_labels_stand_apart() {
    let screen = started(&[false]);
    for width in [60, 72, 80] {
        let text = render(&screen, width, 30);
        // Form rows start with a marker column; item text starts at the border.
        for line in text.lines().filter(|line| line.starts_with("│ ") || line.starts_with("│▶")) {
            let body = line.trim_end_matches(['│', ' ']);
            assert!(
                !body.ends_with(']') && !body.ends_with('['),
                "an option key ends a row at {width}: {line}\n{text}"
            );
        }
        assert!(text.contains("[1] 1 (Useless or harmful)"), "{text}");
    }
}

#[test]
fn item_scrolling_stops_at_the_end_and_home_end_jump() {
    let mut screen = started(&[false]);
    let top = render(&screen, 80, 24);
    run(&mut screen, &[Action::Bottom]);
    let bottom = render(&screen, 80, 24);
    assert!(bottom.contains("Keys rotate from Settings."), "{bottom}");
    // More presses past the end change nothing, and one up moves at once.
    run(&mut screen, &[Action::PageDown, Action::PageDown, Action::ScrollDown]);
    assert_eq!(render(&screen, 80, 24), bottom);
    run(&mut screen, &[Action::ScrollUp]);
    assert_ne!(render(&screen, 80, 24), bottom);
    run(&mut screen, &[Action::Top]);
    assert_eq!(render(&screen, 80, 24), top);
    // The pane says where it is.
    let position = top.lines().nth(2).unwrap();
    assert!(position.contains(" 1-"), "{top}");
}

#[test]
fn the_overlay_scrolls_to_its_end_and_back() {
    let mut screen = started(&[false]);
    run(&mut screen, &[Action::Help]);
    let top = render(&screen, 80, 24);
    run(&mut screen, &[Action::Bottom]);
    let end = render(&screen, 80, 24);
    assert!(end.contains("toggle passages"), "{end}");
    run(&mut screen, &[Action::ScrollDown, Action::PageDown]);
    assert_eq!(render(&screen, 80, 24), end);
    run(&mut screen, &[Action::Top]);
    assert_eq!(render(&screen, 80, 24), top);
}

#[test]
fn one_undo_takes_back_a_whole_confirm() {
    let mut screen = started(&[false, false]);
    // A failed answer with no defect ticked: the confirm records defects = none.
    run(&mut screen, &keys("nu1"));
    let effects = run(&mut screen, &[Action::Confirm]);
    assert!(saved(&effects).contains(&some("defects", "(none)")));
    assert_eq!(screen.current_item_id(), Some(2));
    // One undo: the item is reopened and the "none" the confirm set is taken back.
    let effects = run(&mut screen, &[Action::Undo]);
    assert_eq!(effects[0], Effect::Mark { item_id: 1, action: ItemAction::Reopen, note: None });
    assert_eq!(saved(&effects), vec![("defects".to_string(), None)]);
    assert_eq!(screen.current_item_id(), Some(1));
    // The next undo is the rater's own last value, helpfulness.
    let effects = run(&mut screen, &[Action::Undo]);
    assert_eq!(saved(&effects), vec![("helpfulness".to_string(), None)]);
}

#[test]
fn j_and_k_pass_over_text_fields_and_tab_reaches_them() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let press = |code| KeyEvent::new(code, KeyModifiers::NONE);
    let mut screen = started(&[false]);
    // From helpfulness, j would land on the note (defects is not asked): it wraps round
    // to `correct` instead, so the next j is not typed.
    run(&mut screen, &keys("yg5"));
    assert_eq!(screen.rubric.criteria[screen.focus].id, "helpfulness", "nothing open is left to move on to");
    screen.key(press(KeyCode::Char('j')));
    assert!(!screen.editing());
    assert_eq!(screen.rubric.criteria[screen.focus].id, "correct");
    screen.key(press(KeyCode::Char('k')));
    assert_eq!(screen.rubric.criteria[screen.focus].id, "helpfulness");
    assert!(!screen.editing());
    // Tab still opens the note for typing.
    screen.key(press(KeyCode::Tab));
    assert!(screen.editing());
    assert_eq!(screen.rubric.criteria[screen.focus].id, "note");
}

#[test]
fn the_finder_marks_done_items() {
    let mut screen = started(&[true, false, false]);
    run(&mut screen, &[Action::Find]);
    let text = render(&screen, 80, 24);
    assert!(text.contains("   1✓ q-1 topic1"), "{text}");
    assert!(text.contains("   2  q-2 topic2"), "{text}");
}

#[test]
fn at_60x16_the_focused_criterion_is_on_screen_with_its_options() {
    let mut screen = started(&[false]);
    run(&mut screen, &keys("nu"));
    // Focus moved on to helpfulness; Tab to defects.
    run(&mut screen, &[Action::FocusNext]);
    assert_eq!(screen.rubric.criteria[screen.focus].id, "defects");
    let text = render(&screen, 60, 16);
    assert!(text.contains("▶ defects"), "{text}");
    for option in ["[h] hallucination", "[o] outdated", "[r] refusal_error"] {
        assert!(text.contains(option), "{option} is off screen:\n{text}");
    }
    assert!(text.contains("QUESTION"), "{text}");
}

/// A 5 MB answer: the first frame wraps only what it shows (its total is still being
/// counted: `…`), the end is reached with one key, and no escape byte gets through.
#[test]
fn a_five_megabyte_output_shows_its_top_and_scrolls_to_its_end() {
    let mut screen = started(&[false]);
    let mut huge = String::with_capacity(5 << 20);
    let mut paragraph = 0;
    while huge.len() < 5 << 20 {
        paragraph += 1;
        huge.push_str(&format!("Paragraph {paragraph}: "));
        huge.push_str(&"the model keeps talking about rotating keys \u{1b}[31m ".repeat(7));
        huge.push('\n');
    }
    huge.push_str("THE VERY END.");
    let mut big = item("q-1");
    big.output = huge;
    screen.loaded(1, big, BTreeMap::new());
    let top = render(&screen, 80, 24);
    assert!(!top.contains('\u{1b}'));
    insta::assert_snapshot!("five_megabytes_top_80x24", top);

    run(&mut screen, &[Action::Bottom]);
    let bottom = render(&screen, 80, 24);
    assert!(bottom.contains("THE VERY END."), "{bottom}");
    assert!(bottom.contains("CONTEXT [1]") && bottom.contains("Keys rotate from Settings."), "{bottom}");
    // Shown from the text's last lines while the rows above are still being counted.
    assert!(bottom.lines().nth(2).unwrap().contains("…/…"), "{bottom}");
    run(&mut screen, &[Action::ScrollUp]);
    let one_up = render(&screen, 80, 24);
    assert!(!one_up.contains("Keys rotate from Settings.") && one_up.contains("CONTEXT [1]"), "{one_up}");
    run(&mut screen, &[Action::ScrollDown, Action::PageDown]);
    // Frames count the rest; the pane stays at the end, now with its numbers, past
    // what a u16 offset could reach.
    let mut frames = 0;
    let counted = loop {
        let frame = render(&screen, 80, 24);
        if !frame.contains("…") {
            break frame;
        }
        frames += 1;
        assert!(frames < 10);
    };
    let position = counted.lines().nth(2).unwrap();
    let total: usize = position.split('/').nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(total > usize::from(u16::MAX), "{position}");
    assert_eq!(counted.lines().skip(3).collect::<Vec<_>>(), bottom.lines().skip(3).collect::<Vec<_>>());
    run(&mut screen, &[Action::PageDown]);
    assert_eq!(render(&screen, 80, 24), counted);
    run(&mut screen, &[Action::ScrollUp]);
    assert_eq!(render(&screen, 80, 24).lines().skip(3).collect::<Vec<_>>(), one_up.lines().skip(3).collect::<Vec<_>>());
    run(&mut screen, &[Action::Top]);
    assert!(render(&screen, 80, 24).contains("Paragraph 1:"));
}

#[test]
fn the_finder_says_how_far_its_search_is_and_ends_where_a_whole_search_does() {
    let mut screen = started(&[false; 2000]);
    run(&mut screen, &[Action::Find]);
    // No time to search per key: each key or tick tests one chunk of 512.
    screen.finder.as_mut().unwrap().budget = std::time::Duration::ZERO;
    run(&mut screen, &keys("topic17"));
    assert!(screen.searching());
    let text = render(&screen, 80, 24);
    // "topic17" tests what "topic1" matched of the first 512, and the 1,488 untested.
    assert!(text.contains("searching… 512 of 1668"), "{text}");
    // Narrowing: the last key tested only what the one before matched, or had not reached.
    let mut ticks = 0;
    while screen.searching() {
        screen.tick();
        ticks += 1;
    }
    assert_eq!(ticks, 3, "1,156 left: three chunks");
    let found: Vec<usize> = screen.finder.as_ref().unwrap().matches.iter().map(|m| m.position).collect();
    let mut whole = finder::Finder::new((0..2000).map(|i| (i, format!("q-{} topic{} answer", i + 1, i + 1))).collect());
    for ch in "topic17".chars() {
        whole.push(ch);
    }
    whole.finish();
    assert_eq!(found, whole.matches.iter().map(|m| m.position).collect::<Vec<_>>());
    assert_eq!(found[0], 16, "topic17 itself first");
    let text = render(&screen, 80, 24);
    assert!(text.contains(&format!("{} matches, best 50", whole.total)), "{text}");
}

/// A long answer is held once: it moves from the item into the pane's text (not
/// copied), and back out into the next pane's when the pane is laid out again.
#[test]
fn a_long_answer_moves_into_the_pane_and_survives_a_new_layout() {
    let mut screen = started(&[false]);
    let mut long = String::new();
    let mut paragraph = 0;
    while long.len() <= LONG_ANSWER {
        paragraph += 1;
        long.push_str(&format!("Paragraph {paragraph}: the key rotates \u{1b}[31m from Settings.\n\n"));
    }
    let mut big = item("q-1");
    big.output = long;
    screen.loaded(1, big, BTreeMap::new());
    assert!(screen.item.as_ref().unwrap().1.output.is_empty(), "taken from the item");
    let top = render(&screen, 80, 24);
    assert!(top.contains("Paragraph 1: the key rotates") && !top.contains('\u{1b}'), "{top}");
    assert!(screen.answer.borrow().is_none(), "the pane has it");
    let length = |screen: &LabelScreen| screen.pane.borrow().as_ref().map(|pane| pane.doc.len()).unwrap();
    let held = length(&screen);
    // Folding the passages lays the pane out again: the same answer, the same ends.
    run(&mut screen, &[Action::TogglePassages]);
    let folded = render(&screen, 80, 24);
    assert!(folded.contains("Paragraph 1: the key rotates"), "{folded}");
    assert!(length(&screen) < held, "one passage fewer");
    run(&mut screen, &[Action::TogglePassages, Action::Bottom]);
    let bottom = render(&screen, 80, 24);
    assert_eq!(length(&screen), held);
    assert!(bottom.contains(&format!("Paragraph {paragraph}:")) && bottom.contains("CONTEXT [1]"), "{bottom}");
    // The same answer short enough to copy lays out the same rows.
    let mut small = item("q-1");
    small.output = "Paragraph 1: the key rotates \u{1b}[31m from Settings.\n\n".to_string();
    let mut other = started(&[false]);
    other.loaded(1, small, BTreeMap::new());
    let first_row = |text: &str| text.lines().find(|line| line.contains("Paragraph 1")).unwrap().to_string();
    assert_eq!(first_row(&render(&other, 80, 24)), first_row(&top));
}
