//! The transcript view: keys between steps, folds, the focused step kept in view, and the
//! screen drawn at 80x24 and 160x48.

use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};

use super::super::*;
use crate::model::Shape;

const RUBRIC: &str = include_str!("../../../guidelines/agent-trace-quality.toml");

/// A 30-step agent trace: a system prompt, a question, nine rounds of a tool call, its
/// result and a reply (one call with broken arguments, one result with an escape
/// sequence), and a last question.
fn trace(id: &str) -> Item {
    let mut messages = vec![
        json!({"role": "system", "content": "You are Parcelpoint's support agent. Use the tools; never guess."}),
        json!({"role": "user", "content": "Where is order PP-10442? It was meant to come on Monday and I need it for a trip this weekend, so please check carefully."}),
    ];
    for round in 1..=9 {
        let call_id = format!("call_{round}");
        let arguments = if round == 4 {
            "{\"tracking_number\": \"1Z99".to_string()
        } else {
            format!("{{\"order_id\":\"PP-10442\",\"round\":{round}}}")
        };
        messages.push(json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": if round % 2 == 1 { "lookup_order" } else { "track_shipment" }, "arguments": arguments}}
        ]}));
        let result = if round == 2 {
            "{\"state\":\"in_transit\",\"last_scan\":\"Leeds depot\u{1b}[2J\"}".to_string()
        } else {
            format!(
                "{{\"order_id\":\"PP-10442\",\"status\":\"shipped\",\"round\":{round},\"items\":[{{\"sku\":\"SKU-2210\",\"qty\":1}}]}}"
            )
        };
        messages.push(json!({"role": "tool", "tool_call_id": call_id, "content": result}));
        messages.push(json!({"role": "assistant", "content": format!("Checked, round {round}.")}));
    }
    messages.push(json!({"role": "user", "content": "So when will it arrive?"}));
    let messages = serde_json::from_value(Value::Array(messages)).unwrap();
    Item {
        id: id.to_string(),
        dataset: "traces".into(),
        input: "Where is order PP-10442?".into(),
        output: "Checked, round 9.".into(),
        shape: Shape::Conversation { messages },
        ..Item::default()
    }
}

fn single(id: &str) -> Item {
    Item { id: id.into(), input: "How?".into(), output: "Like so.".into(), ..Item::default() }
}

/// A queue of a trace (item 1) and a single answer (item 2), with the trace on screen.
fn screen() -> LabelScreen {
    let rubric = Rubric::from_toml(RUBRIC, "agent-trace-quality.toml").unwrap();
    let queue = (1..=2)
        .map(|i| QueueEntry { item_id: i, external_id: format!("t-{i}"), done: false, skipped: false, flagged: false })
        .collect();
    let mut screen = LabelScreen::new(rubric, "Read every step.".into(), "b1", "ana", queue, Theme::plain());
    run(&mut screen, &[]);
    for effect in screen.start() {
        load(&mut screen, &effect);
    }
    screen
}

fn load(screen: &mut LabelScreen, effect: &Effect) {
    if let Effect::Load { item_id } = effect {
        let item = if *item_id == 1 { trace("t-1") } else { single("t-2") };
        screen.loaded(*item_id, item, BTreeMap::new());
    }
}

fn run(screen: &mut LabelScreen, actions: &[Action]) -> Vec<Effect> {
    let mut all = Vec::new();
    for action in actions {
        let effects = screen.update(*action);
        effects.iter().for_each(|effect| load(screen, effect));
        all.extend(effects);
    }
    all
}

fn press(screen: &mut LabelScreen, keys: &[KeyCode]) -> Vec<Effect> {
    let mut all = Vec::new();
    for code in keys {
        let effects = screen.key(KeyEvent::new(*code, KeyModifiers::NONE));
        effects.iter().for_each(|effect| load(screen, effect));
        all.extend(effects);
    }
    all
}

fn render(screen: &LabelScreen, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
    crate::tui::buffer_text(terminal.backend().buffer())
}

#[test]
fn step_keys_move_the_focus_and_jump_to_step_n() {
    let mut screen = screen();
    assert_eq!(screen.transcript.focused(), 1);
    run(&mut screen, &[Action::StepNext, Action::StepNext, Action::StepNext, Action::StepPrevious]);
    assert_eq!(screen.transcript.focused(), 3);
    // `:` 17 Enter, through the keymap: the digits are the prompt's, not helpfulness's.
    let effects = press(&mut screen, &[KeyCode::Char(':'), KeyCode::Char('1'), KeyCode::Char('7'), KeyCode::Enter]);
    assert_eq!(effects, vec![]);
    assert_eq!(screen.transcript.focused(), 17);
    assert!(screen.values.is_empty());
    // A step that does not exist is refused, and says which do.
    press(&mut screen, &[KeyCode::Char(':'), KeyCode::Char('9'), KeyCode::Char('9'), KeyCode::Enter]);
    assert!(render(&screen, 80, 24).contains("no step `99`: a number from 1 to 30"));
    press(&mut screen, &[KeyCode::Esc]);
    assert_eq!(screen.transcript.focused(), 17);
    // The ends, and no further.
    run(&mut screen, &[Action::Bottom, Action::StepNext]);
    assert_eq!(screen.transcript.focused(), 30);
    run(&mut screen, &[Action::Top, Action::StepPrevious]);
    assert_eq!(screen.transcript.focused(), 1);
    // The plain step keys through the keymap.
    press(&mut screen, &[KeyCode::Char(']'), KeyCode::Char(']'), KeyCode::Char('[')]);
    assert_eq!(screen.transcript.focused(), 2);
}

#[test]
fn tool_results_are_folded_until_unfolded_one_or_all() {
    let mut screen = screen();
    let folded = render(&screen, 160, 48);
    assert!(folded.contains("[4] TOOL RESULT lookup_order · call_1 ▸ {\"order_id\":\"PP-10442\""), "{folded}");
    assert!(!folded.contains("\"status\": \"shipped\""), "{folded}");
    // Space on a tool result unfolds it, pretty-printed; again folds it.
    run(&mut screen, &[Action::StepNext, Action::StepNext, Action::StepNext]);
    press(&mut screen, &[KeyCode::Char(' ')]);
    let unfolded = render(&screen, 160, 48);
    assert!(unfolded.contains("▶ [4] TOOL RESULT lookup_order · call_1"), "{unfolded}");
    assert!(unfolded.contains("│      \"status\": \"shipped\","), "{unfolded}");
    assert!(unfolded.contains("[7] TOOL RESULT track_shipment · call_2 ▸"), "{unfolded}");
    run(&mut screen, &[Action::ToggleStep]);
    assert!(!render(&screen, 160, 48).contains("\"status\": \"shipped\","));
    // Space on a step that is not a result says why nothing folds.
    run(&mut screen, &[Action::StepNext, Action::ToggleStep]);
    assert!(render(&screen, 80, 24).contains("step 5 is shown whole; only tool results fold"));
    // All of them, then all folded again; folding one while all are open leaves the rest.
    run(&mut screen, &[Action::ToggleAllSteps]);
    let all = render(&screen, 160, 48);
    assert!(!all.contains(" ▸ "), "{all}");
    run(&mut screen, &[Action::StepPrevious, Action::ToggleStep]);
    let all_but_one = render(&screen, 160, 48);
    assert_eq!(all_but_one.matches(" ▸ ").count(), 1, "{all_but_one}");
    run(&mut screen, &[Action::ToggleAllSteps]);
    let all = render(&screen, 160, 48);
    assert!(!all.contains(" ▸ "), "{all}");
    run(&mut screen, &[Action::ToggleAllSteps]);
    assert!(render(&screen, 160, 48).contains("[4] TOOL RESULT lookup_order · call_1 ▸"));
}

#[test]
fn broken_arguments_and_escape_sequences_are_shown_safely() {
    let mut screen = screen();
    run(&mut screen, &[Action::ToggleAllSteps]);
    let mut seen = String::new();
    // Walk every step at 80x24: each one, when focused, is on screen.
    for n in 1..=30 {
        let text = render(&screen, 80, 24);
        assert!(text.contains(&format!("▶ [{n}] ")), "step {n} not in view:\n{text}");
        assert!(!text.contains('\u{1b}'));
        seen.push_str(&text);
        run(&mut screen, &[Action::StepNext]);
    }
    assert!(seen.contains("(arguments are not valid JSON)"), "{seen}");
    assert!(seen.contains("\"Leeds depot\u{FFFD}[2J\""), "{seen}");
}

#[test]
fn scrolling_moves_the_pane_and_stops_at_its_end() {
    let mut screen = screen();
    render(&screen, 80, 24);
    run(&mut screen, &[Action::ScrollDown, Action::ScrollDown]);
    let text = render(&screen, 80, 24);
    assert!(!text.contains("[1] SYSTEM"), "{text}");
    for _ in 0..50 {
        run(&mut screen, &[Action::PageDown]);
        render(&screen, 80, 24);
    }
    let end = render(&screen, 80, 24);
    assert!(end.contains("So when will it arrive?"), "{end}");
    // The focus did not move: the next step key brings it back into view.
    run(&mut screen, &[Action::StepNext]);
    assert!(render(&screen, 80, 24).contains("▶ [2] USER"));
}

#[test]
fn rubric_keys_label_a_trace_and_step_keys_do_nothing_on_a_single_answer() {
    let mut screen = screen();
    let effects = press(&mut screen, &[KeyCode::Char('n'), KeyCode::Char('l'), KeyCode::Char('c')]);
    let saved: Vec<String> = effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Save { changes, .. } => {
                Some(format!("{}={}", changes[0].0, changes[0].1.as_ref().unwrap().display()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(saved, ["task_success=fail", "failures=loop", "failures=contradicts_tool, loop"]);
    press(&mut screen, &[KeyCode::Char('2'), KeyCode::Enter]);
    assert_eq!(screen.current_item_id(), Some(2));
    assert!(screen.transcript.is_empty());
    run(&mut screen, &[Action::StepNext]);
    let text = render(&screen, 80, 24);
    assert!(text.contains("this item has no steps"), "{text}");
    assert!(text.contains("QUESTION"), "{text}");
}

/// The screen at 80x24 and at 160x48.
fn snapshots(name: &str, screen: &LabelScreen) {
    for (width, height) in [(80, 24), (160, 48)] {
        let text = render(screen, width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), text);
    }
}

#[test]
fn snapshot_transcript_folded_and_unfolded() {
    let mut screen = screen();
    snapshots("transcript_folded", &screen);
    run(&mut screen, &[Action::StepNext, Action::StepNext, Action::StepNext, Action::StepNext]);
    run(&mut screen, &[Action::StepNext, Action::StepNext]);
    run(&mut screen, &[Action::ToggleStep]);
    snapshots("transcript_step_7_unfolded", &screen);
    run(&mut screen, &[Action::ToggleAllSteps]);
    snapshots("transcript_all_unfolded", &screen);
}

#[test]
fn the_reference_and_the_judge_when_asked_follow_the_last_step() {
    let mut item = trace("t-1");
    item.reference = Some("It arrives on Friday.".into());
    item.judge.insert("task_success".into(), json!("pass"));
    let rubric = Rubric::from_toml(RUBRIC, "agent-trace-quality.toml").unwrap();
    let queue = vec![QueueEntry { item_id: 1, external_id: "t-1".into(), done: false, skipped: false, flagged: false }];
    for show_judge in [false, true] {
        let mut screen = LabelScreen::new(rubric.clone(), String::new(), "b1", "ana", queue.clone(), Theme::plain());
        screen.set_show_judge(show_judge);
        screen.start();
        screen.loaded(1, item.clone(), BTreeMap::new());
        run(&mut screen, &[Action::Bottom]);
        for _ in 0..20 {
            run(&mut screen, &[Action::PageDown]);
            render(&screen, 160, 48);
        }
        let text = render(&screen, 160, 48);
        assert!(text.contains("REFERENCE") && text.contains("It arrives on Friday."), "{text}");
        assert_eq!(text.contains("task_success: \"pass\""), show_judge, "{text}");
    }
}

#[test]
fn a_rubric_that_takes_a_plain_step_key_leaves_its_control_key() {
    let rubric = Rubric::from_toml(
        "name = \"r\"\nversion = 1\n[[criteria]]\nid = \"ok\"\nkind = \"binary\"\noptions = [{ value = \"pass\", key = \"]\" }, { value = \"fail\", key = \"[\" }]\n",
        "r.toml",
    )
    .unwrap();
    let queue = vec![QueueEntry { item_id: 1, external_id: "t-1".into(), done: false, skipped: false, flagged: false }];
    let mut screen = LabelScreen::new(rubric, String::new(), "b1", "ana", queue, Theme::plain());
    screen.set_keymap(Keymap::default(), &[]);
    screen.start();
    screen.loaded(1, trace("t-1"), BTreeMap::new());
    // `]` is the rubric's: it sets the option, and the step stays.
    let effects = press(&mut screen, &[KeyCode::Char(']')]);
    assert!(matches!(&effects[..], [Effect::Save { .. }]), "{effects:?}");
    assert_eq!(screen.transcript.focused(), 1);
    // Control-n still moves, and the pane's hints show the keys that work.
    screen.key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL));
    assert_eq!(screen.transcript.focused(), 2);
    let text = render(&screen, 80, 24);
    assert!(text.contains("C-p C-n step"), "{text}");
}
