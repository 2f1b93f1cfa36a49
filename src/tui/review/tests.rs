use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Map, Value, json};

use super::*;
use crate::model::Item;
use crate::store::{CurrentLabel, ItemMark};

const RUBRIC: &str = include_str!("../../../guidelines/rag-answer-quality.toml");

fn rubric() -> Rubric {
    Rubric::from_toml(RUBRIC, "r.toml").unwrap()
}

fn item(id: &str, model: &str, output: &str, judge: Value) -> Item {
    let mut metadata = Map::new();
    metadata.insert("model".into(), json!(model));
    Item {
        id: id.to_string(),
        dataset: "d".into(),
        input: format!("Question {id}?"),
        output: output.to_string(),
        reference: Some("The reference answer.".into()),
        context: vec!["[Refunds] Fees are not returned.".into()],
        metadata,
        judge: judge.as_object().cloned().unwrap_or_default(),
        shape: Default::default(),
    }
}

fn labels(item_id: i64, rows: &[(&str, &str, Value)]) -> Vec<CurrentLabel> {
    rows.iter()
        .map(|(rater, criterion, value)| CurrentLabel {
            item_id,
            item: String::new(),
            rater: rater.to_string(),
            criterion: criterion.to_string(),
            value: value.clone(),
            at: 0,
        })
        .collect()
}

/// Four items: agreed (a), split with a flag and a judge far off (b), failed with tags
/// and a comment (c), skipped (d).
fn items() -> Vec<ReviewItem> {
    let rubric = rubric();
    let a = ReviewItem::build(
        &rubric,
        1,
        item("q-a", "v1", "Fees are not returned.", json!({"correct": "pass", "helpfulness": 5})),
        &labels(
            1,
            &[
                ("ana", "correct", json!("pass")),
                ("ben", "correct", json!("pass")),
                ("ana", "helpfulness", json!("5")),
                ("ben", "helpfulness", json!("5")),
            ],
        ),
        Vec::new(),
        &[],
        &[],
    );
    let b = ReviewItem::build(
        &rubric,
        2,
        item("q-b", "v2", "Yes, you get the fee back.\u{1b}[2J", json!({"correct": "pass", "helpfulness": 5})),
        &labels(
            2,
            &[
                ("ana", "correct", json!("pass")),
                ("ben", "correct", json!("fail")),
                ("ana", "helpfulness", json!("4")),
                ("ben", "helpfulness", json!("1")),
                ("ben", "defects", json!(["hallucination"])),
            ],
        ),
        Vec::new(),
        &[],
        &[ItemMark {
            item_id: 2,
            rater: "ben".into(),
            flagged: true,
            skipped: false,
            note: Some("the reference contradicts passage 1".into()),
        }],
    );
    let c = ReviewItem::build(
        &rubric,
        3,
        item("q-c", "v2", "Refunds take 90 days.", json!({"correct": "fail"})),
        &labels(
            3,
            &[
                ("ana", "correct", json!("fail")),
                ("ben", "correct", json!("fail")),
                ("ana", "defects", json!(["outdated", "hallucination"])),
                ("ben", "defects", json!(["outdated"])),
                ("ana", "note", json!("90 days is the old policy")),
            ],
        ),
        vec![Comment { rater: "ben".into(), about: "correct".into(), text: "superseded passage".into() }],
        &[],
        &[],
    );
    let d = ReviewItem::build(
        &rubric,
        4,
        item("q-d", "v1", "I cannot help with that.", json!({})),
        &[],
        Vec::new(),
        &[],
        &[ItemMark { item_id: 4, rater: "ana".into(), flagged: false, skipped: true, note: Some("unreadable".into()) }],
    );
    vec![a, b, c, d]
}

fn screen() -> ReviewScreen {
    ReviewScreen::new(rubric(), "rag-answer-quality v1", "lead", items(), None, Theme::plain())
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn type_keys(screen: &mut ReviewScreen, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|ch| screen.key(key(KeyCode::Char(ch)))).collect()
}

fn render(screen: &mut ReviewScreen, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| screen.render(frame, frame.area())).unwrap();
    let buffer = terminal.backend().buffer();
    crate::tui::buffer_text(buffer)
}

#[test]
fn list_at_80x24() {
    let mut screen = screen();
    insta::assert_snapshot!(render(&mut screen, 80, 24));
}

#[test]
fn filters_combine_and_clear() {
    let mut screen = screen();
    assert_eq!(screen.listed(), ["q-a", "q-b", "q-c", "q-d"]);
    type_keys(&mut screen, "d");
    assert_eq!(screen.listed(), ["q-b", "q-c"], "any disagreement above 0");
    type_keys(&mut screen, "d");
    assert_eq!(screen.filters().disagreement, Some((Some(0), 0.0)), "then the first criterion, correct");
    assert_eq!(screen.listed(), ["q-b"]);
    type_keys(&mut screen, "x");
    type_keys(&mut screen, "g");
    assert_eq!(screen.listed(), ["q-b"], "the judge says pass and 5 against a tie and a 2.5");
    type_keys(&mut screen, "x");
    type_keys(&mut screen, "f");
    assert_eq!(screen.listed(), ["q-b"]);
    type_keys(&mut screen, "fs");
    assert_eq!(screen.listed(), ["q-d"]);
    type_keys(&mut screen, "s");
    type_keys(&mut screen, "t");
    assert_eq!(screen.filters().tag.as_deref(), Some("hallucination"), "tags in rubric order");
    assert_eq!(screen.listed(), ["q-b", "q-c"]);
    type_keys(&mut screen, "t");
    assert_eq!(screen.filters().tag.as_deref(), Some("misread_context"));
    assert!(screen.listed().is_empty());
    type_keys(&mut screen, "x");
    type_keys(&mut screen, "t");
    // A slice on top of the tag.
    type_keys(&mut screen, "m");
    type_keys(&mut screen, "model=v2");
    screen.key(key(KeyCode::Enter));
    assert_eq!(screen.listed(), ["q-b", "q-c"]);
    type_keys(&mut screen, "x");
    type_keys(&mut screen, "m");
    type_keys(&mut screen, "model=v1");
    screen.key(key(KeyCode::Enter));
    assert_eq!(screen.listed(), ["q-a", "q-d"]);
    let text = render(&mut screen, 80, 24);
    assert!(text.contains("filters: model=v1"), "{text}");
    type_keys(&mut screen, "x");
    assert_eq!(screen.listed().len(), 4);
}

#[test]
fn fuzzy_search_narrows_as_you_type_and_sorts_by_match() {
    let mut screen = screen();
    type_keys(&mut screen, "/");
    type_keys(&mut screen, "90 days");
    assert_eq!(screen.listed(), ["q-c"]);
    screen.key(key(KeyCode::Backspace));
    screen.key(key(KeyCode::Enter));
    assert_eq!(screen.filters().text, "90 day");
    screen.key(key(KeyCode::Char('/')));
    screen.key(key(KeyCode::Esc));
    assert_eq!(screen.filters().text, "90 day", "Esc leaves the search as it was");
}

#[test]
fn sorts_by_disagreement_judge_gap_and_marks() {
    let mut screen = screen();
    type_keys(&mut screen, "o");
    assert_eq!(screen.listed()[0], "q-b", "most disagreement first");
    type_keys(&mut screen, "o");
    assert_eq!(screen.listed()[0], "q-b", "largest judge gap first");
    type_keys(&mut screen, "o");
    assert_eq!(screen.listed(), ["q-b", "q-d", "q-a", "q-c"], "flagged, then skipped");
    type_keys(&mut screen, "o");
    assert_eq!(screen.listed(), ["q-a", "q-b", "q-c", "q-d"]);
}

#[test]
fn item_view_shows_raters_side_by_side_with_comments_and_flags() {
    let mut screen = screen();
    screen.key(key(KeyCode::Down));
    screen.key(key(KeyCode::Enter));
    assert_eq!(screen.tab(), Tab::Item);
    assert_eq!(screen.current().unwrap().item.id, "q-b");
    let text = render(&mut screen, 80, 24);
    insta::assert_snapshot!(text);
    assert!(!text.contains('\u{1b}'), "the escape sequence in the output is neutralised");
    screen.key(key(KeyCode::Right));
    let text = render(&mut screen, 80, 24);
    assert!(text.contains("superseded passage") && text.contains("90 days is the old policy"), "{text}");
}

#[test]
fn adjudication_uses_the_option_keys_and_needs_a_reason() {
    let mut screen = screen();
    screen.key(key(KeyCode::Down));
    screen.key(key(KeyCode::Enter));
    // The rubric's own keys: n = fail, 2 = helpfulness 2, h toggles hallucination on
    // and off again (`correct` is tied, so the final defects start empty: no tags).
    assert!(type_keys(&mut screen, "n2hh").is_empty());
    insta::assert_snapshot!("adjudication_draft", render(&mut screen, 80, 24));
    assert!(screen.key(key(KeyCode::Right)).is_empty());
    assert_eq!(screen.current().unwrap().item.id, "q-b", "a pending change keeps the item open");
    screen.key(key(KeyCode::Enter));
    screen.key(key(KeyCode::Enter));
    assert!(render(&mut screen, 80, 24).contains("an adjudication needs a reason"));
    screen.key(key(KeyCode::Enter));
    type_keys(&mut screen, "passage 1 says fees stay");
    insta::assert_snapshot!("adjudication_reason", render(&mut screen, 80, 24));
    let effects = screen.key(key(KeyCode::Enter));
    assert_eq!(
        effects,
        [Effect::Adjudicate {
            item_id: 2,
            changes: vec![
                ("correct".into(), json!("fail")),
                ("helpfulness".into(), json!("2")),
                ("defects".into(), json!([])),
            ],
            rationale: "passage 1 says fees stay".into(),
        }]
    );
    // The session records it and hands back what stands.
    let standing: Vec<Adjudication> = [("correct", json!("fail")), ("helpfulness", json!("2")), ("defects", json!([]))]
        .into_iter()
        .map(|(criterion, value)| Adjudication {
            item_id: 2,
            criterion: criterion.into(),
            value,
            rationale: Some("passage 1 says fees stay".into()),
            adjudicator: "lead".into(),
            at: 1,
        })
        .collect();
    screen.adjudicated(2, &standing);
    let text = render(&mut screen, 80, 24);
    insta::assert_snapshot!("adjudication_saved", text);
    let current = screen.current().unwrap();
    assert_eq!(current.decisions[0].as_ref().unwrap().method, "adjudicated");
    // Shown as adjudicated in the list too.
    screen.key(key(KeyCode::Esc));
    assert!(render(&mut screen, 80, 24).contains("fail* · "));
}

#[test]
fn esc_drops_a_pending_change_then_goes_back() {
    let mut screen = screen();
    screen.key(key(KeyCode::Enter));
    type_keys(&mut screen, "n");
    screen.key(key(KeyCode::Esc));
    assert_eq!(screen.tab(), Tab::Item);
    assert!(render(&mut screen, 80, 24).contains("change dropped"));
    screen.key(key(KeyCode::Esc));
    assert_eq!(screen.tab(), Tab::List);
    assert_eq!(type_keys(&mut screen, "q"), [Effect::Quit]);
}

#[test]
fn too_small_says_so() {
    let mut screen = screen();
    assert!(render(&mut screen, 59, 15).contains("needs a terminal of at least 60x16"));
}

#[test]
fn final_column_keeps_no_defects_on_an_item_whose_consensus_passed() {
    // q-0003-v1 of the sample data: ana and ben pass, chloe fails and tags `incomplete`.
    let rubric = rubric();
    let rows = [
        ("ana", "correct", json!("pass")),
        ("ben", "correct", json!("pass")),
        ("chloe", "correct", json!("fail")),
        ("chloe", "defects", json!(["incomplete"])),
    ];
    let q3 =
        ReviewItem::build(&rubric, 3, item("q-0003-v1", "v1", "o", json!({})), &labels(3, &rows), Vec::new(), &[], &[]);
    let mut screen = ReviewScreen::new(rubric, "rag-answer-quality v1", "lead", vec![q3], None, Theme::plain());
    screen.key(key(KeyCode::Enter));
    let text = render(&mut screen, 80, 24);
    let defects = text.lines().find(|line| line.starts_with(" defects")).unwrap();
    // Columns: ana, ben, chloe, judge, final; only chloe's own value carries the tag.
    assert_eq!(defects.split_whitespace().collect::<Vec<_>>(), ["defects", "·", "·", "incomplete", "-", "·"], "{text}");
    let correct = text.lines().find(|line| line.starts_with("▶correct")).unwrap();
    assert!(correct.trim_end().ends_with("pass"), "{text}");
}

#[test]
fn below_the_minimum_size_only_quit_acts() {
    let mut screen = screen();
    screen.set_size(50, 12);
    screen.key(key(KeyCode::Down));
    screen.key(key(KeyCode::Enter));
    assert_eq!(screen.tab(), Tab::List, "Enter opened nothing unseen");
    assert!(type_keys(&mut screen, "n2").is_empty());
    assert_eq!(type_keys(&mut screen, "q"), [Effect::Quit]);
    screen.set_size(80, 24);
    screen.key(key(KeyCode::Enter));
    assert_eq!(screen.tab(), Tab::Item);
}

#[test]
fn shared_option_keys_go_to_the_focused_criterion() {
    let rubric = Rubric::from_toml(include_str!("../../../tests/data/summeval.toml"), "s.toml").unwrap();
    let rows = [("ana", "coherence", json!("1")), ("ben", "coherence", json!("5"))];
    let one = ReviewItem::build(&rubric, 1, item("s-1", "v1", "o", json!({})), &labels(1, &rows), Vec::new(), &[], &[]);
    let mut screen = ReviewScreen::new(rubric, "summeval v1", "lead", vec![one], None, Theme::plain());
    screen.key(key(KeyCode::Enter));
    assert_eq!(screen.focus(), 0);
    type_keys(&mut screen, "34");
    assert_eq!(screen.focus(), 2, "each value moves focus on");
    type_keys(&mut screen, "k");
    assert_eq!(screen.focus(), 1);
    let text = render(&mut screen, 80, 24);
    assert!(text.contains("▶consistency") && text.contains("→ 4"), "{text}");
    let coherence = text.lines().find(|line| line.contains("coherence")).unwrap();
    assert!(coherence.contains("→ 3"), "{text}");
}

#[test]
fn five_raters_are_all_shown_at_80x24() {
    let rubric = rubric();
    let raters = ["ana", "ben", "chloe", "dmitri", "eve"];
    let mut rows = Vec::new();
    for (n, rater) in raters.iter().enumerate() {
        let fails = n % 2 == 1;
        rows.push((*rater, "correct", json!(if fails { "fail" } else { "pass" })));
        rows.push((*rater, "grounded", json!(["ungrounded", "partial", "grounded"][n % 3])));
        rows.push((*rater, "helpfulness", json!((n + 1).to_string())));
        if fails {
            rows.push((*rater, "defects", json!(["hallucination", "citation_error"])));
        }
    }
    let marks = [
        ItemMark {
            item_id: 5,
            rater: "eve".into(),
            flagged: true,
            skipped: false,
            note: Some("passage 2 is stale".into()),
        },
        ItemMark {
            item_id: 5,
            rater: "dmitri".into(),
            flagged: false,
            skipped: true,
            note: Some("not my area".into()),
        },
    ];
    let five = ReviewItem::build(
        &rubric,
        5,
        item("q-five", "v1", "An answer.", json!({"correct": "pass"})),
        &labels(5, &rows),
        Vec::new(),
        &[],
        &marks,
    );
    let mut screen = ReviewScreen::new(rubric, "rag-answer-quality v1", "lead", vec![five], None, Theme::plain());
    screen.key(key(KeyCode::Enter));
    let text = render(&mut screen, 80, 24);
    insta::assert_snapshot!("five_raters_80x24", text);
    let header = text.lines().find(|line| line.starts_with("criterion")).unwrap();
    for rater in raters {
        assert!(header.contains(&rater[..4.min(rater.len())]), "{rater} missing: {text}");
    }
    assert!(!text.contains("(+"), "{text}");
    assert!(text.contains("eve (flag): passage 2 is stale") && text.contains("dmitri (skip): not my area"), "{text}");
}

#[test]
fn sorting_by_disagreement_ranks_far_ordinal_splits_first() {
    let rubric = rubric();
    let split = |id: i64, name: &str, a: &str, b: &str| {
        let rows = [("ana", "helpfulness", json!(a)), ("ben", "helpfulness", json!(b))];
        ReviewItem::build(&rubric, id, item(name, "v1", "o", json!({})), &labels(id, &rows), Vec::new(), &[], &[])
    };
    let items = vec![split(1, "near", "3", "4"), split(2, "far", "1", "5"), split(3, "mid", "2", "4")];
    let mut screen = ReviewScreen::new(rubric.clone(), "r v1", "lead", items, None, Theme::plain());
    type_keys(&mut screen, "o");
    assert_eq!(screen.listed(), ["far", "mid", "near"]);
}

#[test]
fn the_item_text_scrolls_to_its_end_and_no_further() {
    let mut screen = screen();
    screen.key(key(KeyCode::Enter));
    let top = render(&mut screen, 80, 16);
    screen.key(key(KeyCode::End));
    let end = render(&mut screen, 80, 16);
    assert!(end.contains("Fees are not returned."), "{end}");
    for _ in 0..3 {
        screen.key(key(KeyCode::PageDown));
    }
    assert_eq!(render(&mut screen, 80, 16), end);
    screen.key(key(KeyCode::Up));
    assert_ne!(render(&mut screen, 80, 16), end);
    screen.key(key(KeyCode::Home));
    assert_eq!(render(&mut screen, 80, 16), top);
    assert!(top.contains("lines 1-"), "{top}");
}

#[test]
fn a_misspelt_slice_field_is_an_error_listing_the_fields() {
    let mut screen = screen();
    type_keys(&mut screen, "m");
    type_keys(&mut screen, "modle=v2");
    screen.key(key(KeyCode::Enter));
    assert_eq!(screen.filters().slice, None, "the filter is not set");
    assert_eq!(screen.listed().len(), 4);
    let text = render(&mut screen, 80, 24);
    assert!(text.contains("no item has a field `modle`; the fields are dataset, model"), "{text}");
}

/// `n` items `p-0000`, `p-0001`, ... with two raters, who split on `correct` on every
/// tenth; the answer names one of seven topics.
fn many(n: usize) -> Vec<ReviewItem> {
    let rubric = rubric();
    (0..n)
        .map(|i| {
            let id = i as i64 + 1;
            let second = if i % 10 == 0 { "fail" } else { "pass" };
            let rows = [("ana", "correct", json!("pass")), ("ben", "correct", json!(second))];
            let answer = format!("answer about topic {}", i % 7);
            let item = item(&format!("p-{i:04}"), "v1", &answer, json!({}));
            ReviewItem::build(&rubric, id, item, &labels(id, &rows), Vec::new(), &[], &[])
        })
        .collect()
}

#[test]
fn the_dashboard_tab_says_computing_until_its_figures_arrive() {
    let mut screen = screen();
    screen.key(key(KeyCode::Tab));
    let computing = render(&mut screen, 80, 24);
    assert!(computing.contains("computing…"), "{computing}");
    insta::assert_snapshot!("dashboard_computing_80x24", computing);
    // The list works meanwhile.
    screen.key(key(KeyCode::Tab));
    type_keys(&mut screen, "d");
    assert_eq!(screen.listed(), ["q-b", "q-c"]);

    let mut store = crate::store::Store::open_in_memory().unwrap();
    store.write(|tx| tx.add_rubric(&rubric(), RUBRIC, "")).unwrap();
    let stored = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    screen.dashboard_ready(Ok(dashboard_for(&store, &stored, None, &items()).unwrap()));
    screen.key(key(KeyCode::Tab));
    let arrived = render(&mut screen, 80, 24);
    assert!(!arrived.contains("computing") && arrived.contains("Progress"), "{arrived}");
    insta::assert_snapshot!("dashboard_arrived_80x24", arrived);

    screen.dashboard_ready(Err("database disk image is malformed".into()));
    let failed = render(&mut screen, 80, 24);
    assert!(failed.contains("could not be computed: database disk image is malformed"), "{failed}");
}

#[test]
fn paging_a_long_list_shows_the_rows_at_the_cursor() {
    let mut screen = ReviewScreen::new(rubric(), "r v1", "lead", many(3000), None, Theme::plain());
    // 24 rows: a title, three of footer and the header leave 19 for items.
    render(&mut screen, 80, 24);
    screen.key(key(KeyCode::PageDown));
    screen.key(key(KeyCode::PageDown));
    let text = render(&mut screen, 80, 24);
    assert_eq!(screen.current().unwrap().item.id, "p-0038");
    assert!(text.contains("p-0020") && text.contains("p-0038"), "{text}");
    assert!(!text.contains("p-0019") && !text.contains("p-0039"), "{text}");
    screen.key(key(KeyCode::End));
    let text = render(&mut screen, 80, 24);
    assert!(text.contains("p-2981") && text.contains("p-2999") && !text.contains("p-2980"), "{text}");
    // A filter lists every tenth; the cursor, whose item left the list, goes to the top.
    type_keys(&mut screen, "d");
    assert_eq!(screen.listed().len(), 300);
    let text = render(&mut screen, 80, 24);
    assert!(text.contains("p-0000") && text.contains("p-0180") && !text.contains("p-0190"), "{text}");
    screen.key(key(KeyCode::PageDown));
    let text = render(&mut screen, 80, 24);
    assert_eq!(screen.current().unwrap().item.id, "p-0190");
    assert!(text.contains("p-0010") && text.contains("p-0190") && !text.contains("p-0000"), "{text}");
    // Sorted by disagreement, the split items come first, in id order.
    type_keys(&mut screen, "xo");
    assert_eq!(screen.listed()[..3], ["p-0000", "p-0010", "p-0020"]);
    assert_eq!(screen.listed()[300], "p-0001");
}

#[test]
fn a_search_over_many_items_lists_what_it_has_found_then_what_a_whole_search_finds() {
    let mut screen = ReviewScreen::new(rubric(), "r v1", "lead", many(3000), None, Theme::plain());
    // No time to search per key: each key or tick tests one chunk of 512 items.
    screen.search_budget = std::time::Duration::ZERO;
    type_keys(&mut screen, "/");
    type_keys(&mut screen, "topic 3");
    assert!(screen.searching());
    let partial = render(&mut screen, 80, 24);
    assert!(partial.contains("searching… 512 of "), "{partial}");
    insta::assert_snapshot!("search_under_way_80x24", partial);
    assert!(screen.listed().iter().all(|id| id[2..].parse::<usize>().unwrap() % 7 == 3), "{:?}", screen.listed());
    while screen.searching() {
        screen.tick();
    }
    screen.key(key(KeyCode::Enter));
    // The whole query at once: one search over every item, from scratch.
    let mut whole = ReviewScreen::new(rubric(), "r v1", "lead", many(3000), None, Theme::plain());
    whole.set_search("topic 3".into());
    whole.finish_search();
    assert_eq!(screen.listed(), whole.listed());
    assert_eq!(screen.listed().len(), 3000 / 7 + 1);
    assert!(!render(&mut screen, 80, 24).contains("searching"));
    // Sorted otherwise, the same matches in that order.
    type_keys(&mut screen, "o");
    assert_eq!(screen.listed().len(), 3000 / 7 + 1);
    assert_eq!(screen.listed()[0], "p-0010", "split, and about topic 3");
}

#[test]
fn the_list_says_it_is_reading_until_the_items_arrive_and_keeps_what_was_set_meanwhile() {
    let mut screen = ReviewScreen::loading(rubric(), "rag-answer-quality v1", "lead", Theme::plain());
    let text = render(&mut screen, 80, 24);
    assert!(text.contains("reading items…") && text.contains("reading the labeled items…"), "{text}");
    // A filter and a search typed meanwhile.
    type_keys(&mut screen, "f/fee");
    screen.key(key(KeyCode::Enter));
    assert!(screen.listed().is_empty());
    screen.items_loaded(Ok(items()), None);
    assert!(!screen.is_loading());
    assert_eq!(screen.listed(), ["q-b"], "flagged, and about the fee");
    let text = render(&mut screen, 80, 24);
    assert!(text.contains("1/4 items") && !text.contains("reading"), "{text}");

    let mut failed = ReviewScreen::loading(rubric(), "r v1", "lead", Theme::plain());
    failed.items_loaded(Err("database is locked".into()), None);
    let text = render(&mut failed, 80, 24);
    assert!(text.contains("the items could not be read: database is locked"), "{text}");
}

#[test]
fn orders_and_the_search_prepared_where_the_items_are_read_list_as_made_on_the_spot() {
    let mut prepared = ReviewScreen::loading(rubric(), "r v1", "lead", Theme::plain());
    prepared.items_loaded(Ok(many(500)), Some(prepare(&many(500))));
    let mut on_the_spot = ReviewScreen::new(rubric(), "r v1", "lead", many(500), None, Theme::plain());
    for keys in ["o", "o", "o", "o", "/topic 3", "o", "o", "o", "o"] {
        type_keys(&mut prepared, keys);
        type_keys(&mut on_the_spot, keys);
        prepared.finish_search();
        on_the_spot.finish_search();
        assert_eq!(prepared.listed(), on_the_spot.listed(), "after {keys}");
        if keys.starts_with('/') {
            prepared.key(key(KeyCode::Enter));
            on_the_spot.key(key(KeyCode::Enter));
        }
    }
}
