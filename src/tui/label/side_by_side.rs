//! The side-by-side view of a comparison item: the prompt above, the two candidates
//! beside each other (stacked, one at a time, on a narrow terminal), each scrolling on
//! its own, with the words each side has and the other lacks underlined.
//!
//! Which candidate is on the left is set per rater and item: recorded in the store when
//! the rater first decides something on the item, and until then planned from the
//! batch's seed and the rater, balanced over the rater's queue
//! ([`crate::model::comparison::b_on_left`]). The rater chooses between left and right;
//! the value is stored in the candidates' own terms (`a` is the first candidate).
//! Blind: no model name unless `--show-models`.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{Action, Effect, LabelScreen};
use crate::model::comparison::{Candidate, b_on_left, mirrored};
use crate::model::text::single_line;
use crate::model::{Criterion, Kind, LabelValue};
use crate::tui::wrap::{Doc, Rows};

/// From this width of the screen the candidates stand side by side; below it, one at a
/// time (each pane then keeps at least ~48 columns of text).
const SIDE_BY_SIDE_WIDTH: u16 = 100;

/// Above this many bytes (both answers together) the diff highlight is left out: it is
/// linear, but allocates a little for every word.
const DIFF_LIMIT: usize = 4 << 20;

/// A pane of the view; the scroll keys move the focused one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Pane {
    #[default]
    Left,
    Right,
    Prompt,
}

/// Where each comparison item of the queue shows its candidates.
#[derive(Debug, Default)]
pub(super) struct Sides {
    /// Item id: whether the second candidate goes on the left (planned for this rater).
    planned: HashMap<i64, bool>,
    /// Item id: the candidate shown on the left, once fixed (the store has it, or the
    /// rater has decided something on the item).
    recorded: HashMap<i64, String>,
    /// Items whose side the store has, or has been sent.
    stored: HashSet<i64>,
}

/// The comparison on screen: focus, scroll offsets and the laid-out texts. Reset with
/// each item.
#[derive(Debug)]
pub(super) struct Compare {
    focus: Pane,
    /// The candidate a narrow screen shows.
    shown: Pane,
    scroll: [usize; 3],
    /// The last offsets that still fill each pane, as last drawn (`MAX` until known).
    end: [Cell<usize>; 3],
    docs: RefCell<Option<Docs>>,
}

impl Default for Compare {
    fn default() -> Compare {
        Compare {
            focus: Pane::Left,
            shown: Pane::Left,
            scroll: [0; 3],
            end: [Cell::new(usize::MAX), Cell::new(usize::MAX), Cell::new(usize::MAX)],
            docs: RefCell::new(None),
        }
    }
}

/// The three panes' texts (prompt, left, right) and their rows at the width drawn.
#[derive(Debug)]
struct Docs {
    /// Item, second candidate on the left, models shown: what the texts were made from.
    key: (i64, bool, bool),
    panes: [(Doc, Option<Rows>); 3],
}

impl Pane {
    fn index(self) -> usize {
        match self {
            Pane::Left => 0,
            Pane::Right => 1,
            Pane::Prompt => 2,
        }
    }
}

impl LabelScreen {
    /// The comparison items of the queue, in queue order, with the candidate each was
    /// shown on the left when the store has it; `seed` (the batch's) and the rater set
    /// the others' sides, half each way.
    pub fn set_sides(&mut self, seed: u64, comparisons: Vec<(i64, Option<String>)>) {
        let flags = b_on_left(seed, &self.rater, comparisons.len());
        self.sides = Sides::default();
        for ((item_id, left), flag) in comparisons.into_iter().zip(flags) {
            self.sides.planned.insert(item_id, flag);
            if let Some(left) = left {
                self.sides.recorded.insert(item_id, left);
                self.sides.stored.insert(item_id);
            }
        }
    }

    /// Shows the candidates' model names (a lead's look; raters compare blind).
    pub fn set_show_models(&mut self, show: bool) {
        self.show_models = show;
    }

    /// The candidates of the item on screen, when it is a comparison of two.
    fn pair(&self) -> Option<&[Candidate]> {
        let (_, item) = self.item.as_ref()?;
        let candidates = item.shape.candidates();
        (candidates.len() >= 2).then_some(candidates)
    }

    /// Whether the item on screen shows its second candidate on the left: as recorded,
    /// else as planned. `None` when it is not a comparison.
    pub(super) fn b_on_left(&self) -> Option<bool> {
        let candidates = self.pair()?;
        let item_id = self.current_item_id()?;
        let planned = || self.sides.planned.get(&item_id).copied().unwrap_or(false);
        Some(match self.sides.recorded.get(&item_id).map(String::as_str) {
            Some(left) if left == candidates[0].id => false,
            Some(left) if left == candidates[1].id => true,
            // A side written as `a`/`b` (the candidates' positions) reads as such.
            Some("a") => false,
            Some("b") => true,
            _ => planned(),
        })
    }

    /// Before the first decision on a comparison item: record the side it is shown on.
    pub(super) fn record_side(&mut self, item_id: i64) -> Option<Effect> {
        if self.current_item_id() != Some(item_id) || self.sides.stored.contains(&item_id) {
            return None;
        }
        let b_left = self.b_on_left()?;
        let left = self.pair()?[usize::from(b_left)].id.clone();
        self.sides.recorded.insert(item_id, left.clone());
        self.sides.stored.insert(item_id);
        Some(Effect::RecordSide { item_id, left })
    }

    /// A write of `item_id` failed, and the writes after it with it: the side goes
    /// again with the next decision (the side shown stays as it is).
    pub(super) fn side_not_stored(&mut self, item_id: i64) {
        self.sides.stored.remove(&item_id);
    }

    /// A preference value between what the screen shows (`a` is the left) and what is
    /// stored (`a` is the first candidate): the same mapping both ways.
    pub(super) fn seen_from_screen(&self, criterion: &Criterion, value: String) -> String {
        if criterion.kind == Kind::Preference && self.b_on_left() == Some(true) {
            mirrored(&value).to_string()
        } else {
            value
        }
    }

    /// The stored value of a criterion as the form shows it (a preference in screen terms).
    pub(super) fn shown_value(&self, criterion: &Criterion) -> Option<LabelValue> {
        match self.values.get(&criterion.id)? {
            LabelValue::Choice(value) => Some(LabelValue::Choice(self.seen_from_screen(criterion, value.clone()))),
            other => Some(other.clone()),
        }
    }

    /// What the form calls an option (in screen terms): on a comparison, a preference
    /// option for one side says left or right, whatever its label in the rubric (which
    /// speaks of `a` and `b`, the candidates, not of what the rater sees); `tie` and
    /// `both_bad` show their label when they have one.
    pub(super) fn option_text(&self, criterion: &Criterion, value: &str) -> String {
        if criterion.kind != Kind::Preference || self.pair().is_none() {
            return value.to_string();
        }
        let label = criterion.options.iter().find(|choice| choice.value == value).and_then(|c| c.label.clone());
        if let (Some(label), "tie" | "both_bad") = (label, value) {
            return label;
        }
        match value {
            "a" => "Left is better",
            "b" => "Right is better",
            "tie" => "Tie",
            "both_bad" => "Both bad",
            "a_much" => "Left much better",
            "a_slightly" => "Left slightly better",
            "b_slightly" => "Right slightly better",
            "b_much" => "Right much better",
            other => other,
        }
        .to_string()
    }

    /// An item's id as the title shows it: on the comparison on screen, blind, without
    /// its candidates' ids and models (a pair split at import is `ID~v1~v2`, and an id
    /// may be made of model names), which would say which side is which.
    pub(super) fn shown_id(&self, item_id: i64, id: &str) -> String {
        let Some(candidates) = self.pair().filter(|_| !self.show_models && self.current_item_id() == Some(item_id))
        else {
            return id.to_string();
        };
        let mut names: Vec<&str> = candidates
            .iter()
            .flat_map(|candidate| [candidate.id.as_str(), candidate.model.as_deref().unwrap_or_default()])
            // A one-letter id would mask every such letter, and tells no model anyway.
            .filter(|name| name.chars().count() > 1)
            .collect();
        // Longest first, so a name inside another is not masked half.
        names.sort_by_key(|name| std::cmp::Reverse(name.len()));
        let mut shown = id.to_string();
        for name in names {
            shown = shown.replace(name, "?");
        }
        shown
    }

    /// Scroll keys and the switch key on a comparison item; `None` for anything else.
    pub(super) fn update_comparison(&mut self, action: Action) -> Option<Vec<Effect>> {
        self.pair()?;
        let compare = &mut self.compare;
        let pane = compare.focus.index();
        let end = compare.end[pane].get();
        let by = |scroll: usize, lines: isize| scroll.min(end).saturating_add_signed(lines).min(end);
        match action {
            Action::SwitchSide => {
                compare.focus = match compare.focus {
                    Pane::Left => Pane::Right,
                    Pane::Right => Pane::Prompt,
                    Pane::Prompt => Pane::Left,
                };
                if compare.focus != Pane::Prompt {
                    compare.shown = compare.focus;
                }
            }
            Action::ScrollUp => compare.scroll[pane] = by(compare.scroll[pane], -1),
            Action::ScrollDown => compare.scroll[pane] = by(compare.scroll[pane], 1),
            Action::PageUp => compare.scroll[pane] = by(compare.scroll[pane], -10),
            Action::PageDown => compare.scroll[pane] = by(compare.scroll[pane], 10),
            Action::Top => compare.scroll[pane] = 0,
            Action::Bottom => compare.scroll[pane] = usize::MAX,
            _ => return None,
        }
        Some(Vec::new())
    }

    /// The prompt, the two candidates and the form below them, in `body`.
    pub(super) fn render_comparison(&self, frame: &mut Frame, body: Rect) {
        let Some(candidates) = self.pair() else { return };
        let Some((item_id, item)) = &self.item else { return };
        let b_left = self.b_on_left().unwrap_or(false);
        // The form below, as on a narrow screen: the answers keep the width.
        let item_rows = (body.height * 2 / 5).max(6);
        let budget = body.height.saturating_sub(item_rows + 2).max(1);
        let form = self.form_view(body.width.saturating_sub(2), budget);
        let form_height = (form.lines.len() as u16 + 2).min(body.height);
        let [top, bottom] = Layout::vertical([Constraint::Fill(1), Constraint::Length(form_height)]).areas(body);
        self.render_form(frame, bottom, form);

        let key = (*item_id, b_left, self.show_models);
        let mut docs = self.compare.docs.borrow_mut();
        if docs.as_ref().is_none_or(|docs| docs.key != key) {
            let (left, right) =
                if b_left { (&candidates[1], &candidates[0]) } else { (&candidates[0], &candidates[1]) };
            *docs = Some(Docs { key, panes: self.comparison_docs(&item.input, left, right) });
        }
        let Some(docs) = docs.as_mut() else { return };

        // The prompt takes what it needs, up to a fifth of the space (it scrolls).
        let width = top.width.saturating_sub(2);
        let cap = usize::from((top.height / 5).max(1));
        let (prompt_doc, prompt_rows) = &mut docs.panes[Pane::Prompt.index()];
        let rows = prompt_rows.get_or_insert_with(|| Rows::new(prompt_doc, width));
        if rows.width() != width.max(1) {
            *rows = Rows::new(prompt_doc, width);
        }
        rows.find(prompt_doc, cap + 1);
        let prompt_height = rows.total().unwrap_or(cap).min(cap) as u16 + 2;
        let [prompt_area, pair_area] =
            Layout::vertical([Constraint::Length(prompt_height), Constraint::Fill(1)]).areas(top);
        let switch = self.keymap.keys(Action::SwitchSide).into_iter().next().unwrap_or_default();
        let prompt_title = if self.compare.focus == Pane::Prompt {
            format!(" Prompt ({switch}: next pane) ")
        } else {
            " Prompt ".to_string()
        };
        self.render_pane(frame, prompt_area, docs, Pane::Prompt, prompt_title);

        let model = |candidate: &Candidate| match (&candidate.model, self.show_models) {
            (Some(model), true) => format!(" · {}", single_line(model)),
            _ => String::new(),
        };
        let (left, right) = if b_left { (&candidates[1], &candidates[0]) } else { (&candidates[0], &candidates[1]) };
        if pair_area.width >= SIDE_BY_SIDE_WIDTH {
            let [left_area, right_area] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(pair_area);
            let hint = |pane: Pane| {
                if self.compare.focus == pane { format!(" ({switch}: next pane)") } else { String::new() }
            };
            let left_title = format!(" Left{}{} ", model(left), hint(Pane::Left));
            let right_title = format!(" Right{}{} ", model(right), hint(Pane::Right));
            self.render_pane(frame, left_area, docs, Pane::Left, left_title);
            self.render_pane(frame, right_area, docs, Pane::Right, right_title);
        } else {
            // Stacked: one candidate at a time, the switch key shows the other.
            let shown = self.compare.shown;
            let title = match shown {
                Pane::Right => format!(" Right{} · {switch}: prompt, then Left ", model(right)),
                _ => format!(" Left{} · {switch}: Right ", model(left)),
            };
            self.render_pane(frame, pair_area, docs, shown, title);
        }
    }

    /// The prompt's and the two answers' texts, each answer with the words the other
    /// lacks underlined.
    fn comparison_docs(&self, input: &str, left: &Candidate, right: &Candidate) -> [(Doc, Option<Rows>); 3] {
        let sides = [sections(left), sections(right)];
        // A word is a run without white space, compared without case and without the
        // punctuation around it. Each side's words go into a hash set, and each word of
        // the other side is looked up: O(n + m) for answers of n and m words, where a
        // word diff by longest common subsequence would be O(n * m). It does not see
        // words moved or repeated, which is not what tells two answers apart.
        let size: usize = sides.iter().flatten().map(|(_, body)| body.len()).sum();
        let compare = size <= DIFF_LIMIT;
        let words = |side| if compare { words(side) } else { WordSet::default() };
        let sets = [words(&sides[0]), words(&sides[1])];
        let answer = |index: usize| {
            let mut doc = Doc::default();
            let other = &sets[1 - index];
            for (heading, body) in &sides[index] {
                if let Some(heading) = heading {
                    if doc.has_lines() {
                        doc.line("", Default::default());
                    }
                    doc.line(heading, self.theme.heading());
                }
                if compare {
                    let lacks = |word: &str| {
                        let word = word_key(word);
                        !word.is_empty() && !other.contains(&word)
                    };
                    doc.lines_marking(body, lacks, self.theme.differs());
                } else {
                    doc.lines(body, Default::default());
                }
            }
            (doc, None)
        };
        let mut prompt = Doc::default();
        prompt.lines(input, Default::default());
        [answer(0), answer(1), (prompt, None)]
    }

    /// One pane: its rows from its scroll offset, the offsets shown in its corner, its
    /// border marked when the scroll keys move it.
    fn render_pane(&self, frame: &mut Frame, area: Rect, docs: &mut Docs, pane: Pane, title: String) {
        let index = pane.index();
        let (doc, rows) = &mut docs.panes[index];
        let width = area.width.saturating_sub(2);
        let rows = rows.get_or_insert_with(|| Rows::new(doc, width));
        if rows.width() != width.max(1) {
            *rows = Rows::new(doc, width);
        }
        let height = usize::from(area.height.saturating_sub(2));
        let wanted = self.compare.scroll[index];
        if wanted == usize::MAX {
            rows.find(doc, usize::MAX);
        } else {
            rows.find(doc, wanted.saturating_add(height));
        }
        let last = rows.total().map(|total| total.saturating_sub(height));
        self.compare.end[index].set(last.unwrap_or(usize::MAX));
        let scroll = last.map_or(wanted, |last| wanted.min(last));
        let lines = rows.window(doc, scroll, height);
        // The total is counted a little each frame, as in the item pane.
        rows.find_some(doc, 2 << 20);
        let position = match rows.total() {
            Some(total) if total <= height => String::new(),
            Some(total) => format!(" {}-{}/{total} ", scroll + 1, (scroll + height).min(total)),
            None => format!(" {}-{}/… ", scroll + 1, scroll + lines.len()),
        };
        let focused = self.compare.focus == pane;
        let mut block = Block::default()
            .borders(Borders::ALL)
            .title(Line::from(title).style(if focused { self.theme.focus() } else { Default::default() }))
            .title_top(Line::from(position).right_aligned());
        if focused {
            block = block.border_style(self.theme.focus());
        }
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }
}

/// One answer's words, as [`word_key`] gives them; the project's fast hash (the words
/// come from the store, and nothing here is worth a crafted collision).
type WordSet<'a> = HashSet<Cow<'a, str>, BuildHasherDefault<crate::stats::hash::FxHasher>>;

fn words(side: &[(Option<String>, String)]) -> WordSet<'_> {
    side.iter().flat_map(|(_, body)| body.split_whitespace().map(word_key)).collect()
}

/// A word as the diff compares it: without the punctuation around it, in lower case
/// (borrowed when it has no capital, so most words cost no allocation).
fn word_key(word: &str) -> Cow<'_, str> {
    let word = word.trim_matches(|ch: char| !ch.is_alphanumeric());
    if word.chars().any(char::is_uppercase) { Cow::Owned(word.to_lowercase()) } else { Cow::Borrowed(word) }
}

/// What a candidate's pane shows, as (heading, text) sections: its answer; or, for a
/// conversation that is more than a question and its answer, each step under a heading
/// (a compact transcript: `ASSISTANT`, `TOOL CALL search`, ...).
fn sections(candidate: &Candidate) -> Vec<(Option<String>, String)> {
    use crate::model::conversation::{StepKind, steps};
    let steps = steps(&candidate.messages);
    let simple = steps.iter().filter(|step| step.kind != StepKind::User).count() <= 1
        && steps.iter().all(|step| matches!(step.kind, StepKind::User | StepKind::Assistant));
    if simple {
        return vec![(None, candidate.text())];
    }
    steps
        .into_iter()
        .map(|step| {
            let heading = match (step.kind, &step.tool) {
                (StepKind::ToolCall, Some(tool)) => format!("TOOL CALL {tool}"),
                (StepKind::ToolResult, Some(tool)) => format!("TOOL RESULT {tool}"),
                (kind, _) => kind.name().replace('_', " ").to_uppercase(),
            };
            (Some(heading), step.content)
        })
        .collect()
}

#[cfg(test)]
mod tests;
