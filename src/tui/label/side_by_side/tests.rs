use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

use crate::model::comparison::Candidate;
use crate::model::{Item, LabelValue, Rubric, Shape};
use crate::store::QueueEntry;
use crate::tui::label::{Action, Effect, LabelScreen};
use crate::tui::theme::Theme;

const RUBRIC: &str = r#"name = "pairwise"
version = 1

[[criteria]]
id = "better"
kind = "preference"
question = "Which answer is better?"
required = true

[[criteria]]
id = "why"
kind = "tags"
options = [ { value = "correctness", key = "c" }, { value = "clarity", key = "l" } ]

[[criteria]]
id = "note"
kind = "text"
"#;

const STRENGTH: &str = r#"name = "pairwise-strength"
version = 1

[[criteria]]
id = "by_how_much"
kind = "preference"
scale = "strength"
"#;

fn pair(id: &str) -> Item {
    let first = "To rotate an API key, open Settings > Keys, press Rotate next to the key, \
                 copy the new secret and update every service that uses it. The old key keeps \
                 working for 24 hours, so deploy the new one before then."
        .to_string();
    let second = "Open Settings > Keys and press Rotate. The old key stops working at once, \
                  so update your services first.\u{1b}[2J"
        .to_string();
    Item {
        id: id.to_string(),
        dataset: "d".into(),
        input: "How do I rotate an API key without downtime?".into(),
        output: String::new(),
        shape: Shape::Comparison {
            candidates: vec![
                Candidate { id: "v1".into(), output: first, messages: Vec::new(), model: Some("model-large".into()) },
                Candidate { id: "v2".into(), output: second, messages: Vec::new(), model: Some("model-small".into()) },
            ],
        },
        ..Item::default()
    }
}

fn queue(count: usize) -> Vec<QueueEntry> {
    (1..=count)
        .map(|n| QueueEntry {
            item_id: n as i64,
            external_id: format!("p-{n}"),
            done: false,
            skipped: false,
            flagged: false,
        })
        .collect()
}

/// A screen on a queue of `count` comparisons, the first shown, with `b_left` saying
/// which candidate the store recorded on the left of item 1 (`None`: not recorded).
fn screen(rubric: &str, count: usize, recorded: Option<&str>) -> LabelScreen {
    let rubric = Rubric::from_toml(rubric, "p.toml").unwrap();
    let mut screen = LabelScreen::new(rubric, String::new(), "b1", "ana", queue(count), Theme::plain());
    let sides = (1..=count as i64).map(|id| (id, if id == 1 { recorded.map(str::to_string) } else { None }));
    screen.set_sides(7, sides.collect());
    for effect in screen.start() {
        if let Effect::Load { item_id } = effect {
            screen.loaded(item_id, pair(&format!("p-{item_id}")), BTreeMap::new());
        }
    }
    screen
}

fn render(screen: &LabelScreen, width: u16, height: u16) -> (String, ratatui::buffer::Buffer) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
    let buffer = terminal.backend().buffer().clone();
    (crate::tui::buffer_text(&buffer), buffer)
}

fn text(screen: &LabelScreen, width: u16, height: u16) -> String {
    render(screen, width, height).0
}

fn press(screen: &mut LabelScreen, key: char) -> Vec<Effect> {
    screen.update(Action::Char(key))
}

fn stored(effects: &[Effect]) -> Vec<(String, String)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Save { changes, .. } => Some(changes),
            _ => None,
        })
        .flatten()
        .filter_map(|(id, value)| Some((id.clone(), value.as_ref()?.display())))
        .collect()
}

#[test]
fn wide_and_narrow_snapshots() {
    // v2 on the left, as recorded, so the snapshot shows a swapped pair.
    let mut screen = screen(RUBRIC, 3, Some("v2"));
    let wide = text(&screen, 160, 48);
    assert!(!wide.contains('\u{1b}'));
    insta::assert_snapshot!("comparison_160x48", wide);
    let narrow = text(&screen, 80, 24);
    insta::assert_snapshot!("comparison_80x24", narrow);
    // Narrow shows one candidate at a time; the switch key shows the other.
    assert!(narrow.contains(" Left · C-x: Right "), "{narrow}");
    screen.update(Action::SwitchSide);
    let other = text(&screen, 80, 24);
    assert!(other.contains(" Right · C-x: prompt, then Left "), "{other}");
    assert!(other.contains("update every service"), "{other}");
    insta::assert_snapshot!("comparison_right_80x24", other);
}

#[test]
fn both_candidates_stand_side_by_side_when_wide() {
    let screen = screen(RUBRIC, 1, Some("v1"));
    let wide = text(&screen, 160, 48);
    let row = wide.lines().find(|line| line.contains("To rotate an API key")).unwrap();
    // The first candidate on the left, the second beside it on the same rows.
    let row_of_second = wide.lines().find(|line| line.contains("Open Settings > Keys and press Rotate")).unwrap();
    assert_eq!(row, row_of_second, "{wide}");
    assert!(row.find("To rotate").unwrap() < row.find("Open Settings > Keys and press").unwrap());
}

#[test]
fn words_one_side_lacks_are_underlined() {
    let screen = screen(RUBRIC, 1, Some("v1"));
    let (text, buffer) = render(&screen, 160, 48);
    let underlined = |needle: &str| -> bool {
        let (y, line) = text.lines().enumerate().find(|(_, line)| line.contains(needle)).unwrap();
        let x = line[..line.find(needle).unwrap()].chars().count();
        buffer[(x as u16, y as u16)].modifier.contains(Modifier::UNDERLINED)
    };
    // "24" is only in the first answer, "once," only in the second; "Settings" in both.
    assert!(underlined("24 hours"));
    assert!(underlined("once,"));
    assert!(!underlined("Settings > Keys and press"));
}

#[test]
fn left_is_better_stores_the_candidate_shown_on_the_left() {
    // Unswapped: the first candidate is on the left, so "left is better" is `a`.
    let mut plain = screen(RUBRIC, 1, Some("v1"));
    assert_eq!(stored(&press(&mut plain, '1')), [("better".to_string(), "a".to_string())]);
    // Swapped: the second candidate is on the left, so the same key stores `b`...
    let mut swapped = screen(RUBRIC, 1, Some("v2"));
    assert_eq!(stored(&press(&mut swapped, '1')), [("better".to_string(), "b".to_string())]);
    // ...and the form shows it as the rater chose it: left.
    let shown = text(&swapped, 160, 48);
    assert!(shown.contains("✓Left is better"), "{shown}");
    // Right is better on a swapped pair is the first candidate; tie stays tie.
    assert_eq!(stored(&press(&mut swapped, '2')), [("better".to_string(), "a".to_string())]);
    assert_eq!(stored(&press(&mut swapped, '3')), [("better".to_string(), "tie".to_string())]);
    assert_eq!(stored(&press(&mut swapped, '4')), [("better".to_string(), "both_bad".to_string())]);
    // A value loaded from the store (candidate terms) shows on its side.
    let mut reloaded = screen(RUBRIC, 1, Some("v2"));
    reloaded.loaded(1, pair("p-1"), BTreeMap::from([("better".to_string(), LabelValue::Choice("a".into()))]));
    assert!(text(&reloaded, 160, 48).contains("✓Right is better"));
}

#[test]
fn the_strength_scale_is_mirrored_too() {
    let mut swapped = screen(STRENGTH, 1, Some("v2"));
    let form = text(&swapped, 160, 48);
    assert!(form.contains("[1] Left much better"), "{form}");
    assert!(form.contains("[5] Right much better"), "{form}");
    assert_eq!(stored(&press(&mut swapped, '1')), [("by_how_much".to_string(), "b_much".to_string())]);
    assert_eq!(stored(&press(&mut swapped, '4')), [("by_how_much".to_string(), "a_slightly".to_string())]);
    let mut plain = screen(STRENGTH, 1, Some("v1"));
    assert_eq!(stored(&press(&mut plain, '2')), [("by_how_much".to_string(), "a_slightly".to_string())]);
    // The five options wrap between options on a narrow screen, the chosen one marked.
    insta::assert_snapshot!("strength_80x24", text(&swapped, 80, 24));
}

#[test]
fn the_side_is_recorded_once_before_the_first_decision() {
    let mut screen = screen(RUBRIC, 4, None);
    let b_left = screen.b_on_left().unwrap();
    let left = if b_left { "v2" } else { "v1" };
    let effects = press(&mut screen, '1');
    assert_eq!(effects[0], Effect::RecordSide { item_id: 1, left: left.to_string() });
    assert!(matches!(effects[1], Effect::Save { .. }));
    // Only once: the next decision on the item does not record it again.
    let effects = press(&mut screen, 'c');
    assert!(!effects.iter().any(|effect| matches!(effect, Effect::RecordSide { .. })));
    // A side the store already has is not recorded again, and it is the one shown.
    let mut recorded = self::screen(RUBRIC, 4, Some("v2"));
    assert_eq!(recorded.b_on_left(), Some(true));
    let effects = press(&mut recorded, '1');
    assert!(!effects.iter().any(|effect| matches!(effect, Effect::RecordSide { .. })));
    // A confirm with no value before it records it too.
    let mut confirmed = self::screen(&RUBRIC.replace("required = true", ""), 4, None);
    let effects = confirmed.update(Action::Confirm);
    assert!(matches!(effects[0], Effect::RecordSide { item_id: 1, .. }), "{effects:?}");
}

#[test]
fn a_recorded_side_is_read_by_candidate_id_or_position() {
    assert_eq!(screen(RUBRIC, 1, Some("v2")).b_on_left(), Some(true));
    assert_eq!(screen(RUBRIC, 1, Some("v1")).b_on_left(), Some(false));
    assert_eq!(screen(RUBRIC, 1, Some("b")).b_on_left(), Some(true));
    assert_eq!(screen(RUBRIC, 1, Some("a")).b_on_left(), Some(false));
}

#[test]
fn sides_read_left_and_right_whatever_the_rubric_labels_say() {
    let labeled = RUBRIC.replace(
        "required = true",
        "required = true\noptions = [ { value = \"a\", key = \"1\", label = \"A is better\" }, \
         { value = \"b\", key = \"2\", label = \"B is better\" }, { value = \"tie\", key = \"3\", label = \"About the same\" } ]",
    );
    let form = text(&screen(&labeled, 1, Some("v2")), 160, 48);
    assert!(form.contains("[1] Left is better  [2] Right is better  [3] About the same"), "{form}");
    assert!(!form.contains("A is better"), "{form}");
}

#[test]
fn a_failed_write_sends_the_side_again_with_the_next_decision() {
    let mut screen = screen(RUBRIC, 2, None);
    let first = press(&mut screen, '1');
    let Effect::RecordSide { left, .. } = &first[0] else { panic!("{first:?}") };
    screen.write_failed(1, "disk full", BTreeMap::new(), None);
    let again = press(&mut screen, '1');
    assert_eq!(again[0], Effect::RecordSide { item_id: 1, left: left.clone() });
}

#[test]
fn sides_are_balanced_over_the_queue_and_reproducible() {
    let sides = |seed: u64, rater: &str| -> Vec<bool> {
        let rubric = Rubric::from_toml(RUBRIC, "p.toml").unwrap();
        let mut screen = LabelScreen::new(rubric, String::new(), "b1", rater, queue(20), Theme::plain());
        screen.set_sides(seed, (1..=20).map(|id| (id, None)).collect());
        screen.start();
        (1..=20)
            .map(|id| {
                screen.position = id as usize - 1;
                screen.loaded(id, pair("p"), BTreeMap::new());
                screen.b_on_left().unwrap()
            })
            .collect()
    };
    let ana = sides(7, "ana");
    assert_eq!(ana.iter().filter(|&&b| b).count(), 10);
    assert_eq!(ana, sides(7, "ana"));
    assert_ne!(ana, sides(7, "ben"));
    assert_eq!(ana, crate::model::comparison::b_on_left(7, "ana", 20));
}

#[test]
fn blind_unless_models_are_asked_for() {
    let mut screen = screen(RUBRIC, 1, Some("v1"));
    for (width, height) in [(160, 48), (80, 24)] {
        let blind = text(&screen, width, height);
        assert!(!blind.contains("model-large") && !blind.contains("model-small"), "{blind}");
    }
    screen.set_show_models(true);
    let shown = text(&screen, 160, 48);
    assert!(shown.contains(" Left · model-large "), "{shown}");
    assert!(shown.contains(" Right · model-small "), "{shown}");
}

#[test]
fn the_title_masks_candidate_ids_and_models_in_the_item_id_unless_shown() {
    let mut screen = screen(RUBRIC, 1, Some("v1"));
    screen.queue[0].external_id = "q17~v1~v2".into();
    screen.loaded(1, pair("q17~v1~v2"), BTreeMap::new());
    let blind = text(&screen, 160, 48);
    assert!(blind.contains("item 1 of 1 · q17~?~?"), "{blind}");
    screen.queue[0].external_id = "q17-model-large-vs-model-small".into();
    assert!(text(&screen, 160, 48).contains("· q17-?-vs-? "));
    screen.set_show_models(true);
    assert!(text(&screen, 160, 48).contains("· q17-model-large-vs-model-small "));
}

#[test]
fn each_pane_scrolls_on_its_own_and_the_switch_key_moves_between_them() {
    let mut screen = screen(RUBRIC, 2, Some("v1"));
    // Answers longer than their panes.
    let mut long = pair("p-1");
    if let Shape::Comparison { candidates } = &mut long.shape {
        for candidate in candidates.iter_mut() {
            candidate.output = candidate.output.repeat(6);
        }
    }
    screen.loaded(1, long, BTreeMap::new());
    text(&screen, 100, 24);
    screen.update(Action::ScrollDown);
    assert_eq!(screen.compare.scroll, [1, 0, 0]);
    screen.update(Action::SwitchSide);
    screen.update(Action::ScrollDown);
    assert_eq!(screen.compare.scroll, [1, 1, 0]);
    screen.update(Action::SwitchSide);
    screen.update(Action::SwitchSide);
    screen.update(Action::ScrollUp);
    assert_eq!(screen.compare.scroll, [0, 1, 0]);
    // Scrolling stops at the end of the text as drawn.
    text(&screen, 100, 24);
    for _ in 0..50 {
        screen.update(Action::ScrollDown);
    }
    text(&screen, 100, 24);
    let end = screen.compare.end[0].get();
    assert!(end > 1 && end < 50, "{end}");
    assert_eq!(screen.compare.scroll[0], end);
    // A new item starts at the top, on the left.
    let effects = screen.update(Action::Next);
    assert_eq!(effects, [Effect::Load { item_id: 2 }]);
    assert_eq!(screen.compare.scroll, [0, 0, 0]);
}

#[test]
fn a_conversation_shows_its_answer_or_a_compact_transcript() {
    let messages = |json: &str| -> Vec<crate::model::conversation::Message> { serde_json::from_str(json).unwrap() };
    let mut screen = screen(RUBRIC, 1, Some("v1"));
    let mut item = pair("p-1");
    if let Shape::Comparison { candidates } = &mut item.shape {
        // A question and its answer: the answer alone (the prompt pane has the question).
        candidates[0].messages = messages(
            r#"[{"role": "user", "content": "How do I rotate a key?"},
                {"role": "assistant", "content": "Press Rotate in Settings."}]"#,
        );
        // An agent trace: every step under its heading.
        candidates[1].messages = messages(
            r#"[{"role": "user", "content": "How do I rotate a key?"},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
                  "function": {"name": "search_docs", "arguments": "{\"q\": \"rotate key\"}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "Keys rotate from Settings."},
                {"role": "assistant", "content": "Open Settings and press Rotate."}]"#,
        );
    }
    screen.loaded(1, item, BTreeMap::new());
    let shown = text(&screen, 160, 48);
    let left: Vec<String> = shown.lines().map(|line| line.chars().take(80).collect()).collect();
    assert!(left.iter().any(|line| line.contains("│Press Rotate in Settings.")), "{shown}");
    assert!(!left.iter().any(|line| line.contains("│USER")), "{shown}");
    for expected in ["USER", "TOOL CALL search_docs", "TOOL RESULT search_docs", "ASSISTANT", "Open Settings and press"]
    {
        assert!(shown.contains(expected), "{expected}: {shown}");
    }
}
