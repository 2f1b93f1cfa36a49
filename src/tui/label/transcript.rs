//! The transcript view of a conversation item (a chat or an agent trace): each step under
//! a header naming its number, kind and tool, tool calls with their arguments
//! pretty-printed, tool results folded to one line until unfolded, the focused step
//! marked. The same headers and bodies as `tally show` (`model::transcript`).
//!
//! Laid out whole for the pane's width and cached until the width or a fold changes (a
//! few milliseconds for a few hundred steps); moving the focus or scrolling only marks
//! and copies the rows shown.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{Action, Effect, LabelScreen, PromptKind, Tone};
use crate::model::conversation::{Step, StepKind};
use crate::model::text::{sanitize, single_line};
use crate::model::transcript;
use crate::tui::theme::Theme;
use crate::tui::wrap::wrap;

/// Columns a step's body is indented by, under its header.
const INDENT: usize = 4;

/// What the rater has done to the transcript of the item on screen.
#[derive(Default)]
pub(super) struct Transcript {
    steps: Vec<Step>,
    /// What the item has beside its messages (reference, passages, the judge's scores
    /// when shown), as (heading, text) after the last step.
    after: Vec<(String, String)>,
    /// Index of the focused step.
    focus: usize,
    /// Tool results unfolded one by one (indexes), and whether all are.
    unfolded: BTreeSet<usize>,
    all_unfolded: bool,
    /// Bumped on every fold change, so the cached layout knows it is stale.
    generation: u64,
    /// The first row shown; set by keys, kept in range when drawn.
    scroll: Cell<usize>,
    /// Bring the focused step into view at the next frame.
    reveal: Cell<bool>,
    /// The last row offset that still fills the pane, and the pane's height, as drawn.
    end: Cell<usize>,
    height: Cell<usize>,
    layout: RefCell<Option<Laid>>,
}

/// The transcript's rows at one width, and the row each step starts at.
struct Laid {
    key: (u16, u64),
    rows: Vec<Line<'static>>,
    starts: Vec<usize>,
    /// The rows each step's header takes.
    header_rows: Vec<usize>,
}

impl Transcript {
    /// The transcript of `item` (empty unless it is a conversation); `show_judge`: its
    /// judge scores at the end, as the item pane shows them.
    pub(super) fn of(item: &crate::model::Item, show_judge: bool) -> Transcript {
        let steps = item.steps();
        if steps.is_empty() {
            return Transcript::default();
        }
        let mut after = Vec::new();
        if let Some(reference) = &item.reference {
            after.push(("REFERENCE".to_string(), reference.clone()));
        }
        for (index, passage) in item.context.iter().enumerate() {
            after.push((format!("CONTEXT [{}]", index + 1), passage.clone()));
        }
        if show_judge {
            let scores: Vec<String> = item.judge.iter().map(|(key, value)| format!("{key}: {value}")).collect();
            let body = if scores.is_empty() { "(no judge scores)".to_string() } else { scores.join("\n") };
            after.push(("JUDGE (--show-judge)".to_string(), body));
        }
        Transcript { steps, after, end: Cell::new(usize::MAX), ..Transcript::default() }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The focused step's number (1-based).
    #[cfg(test)]
    pub(super) fn focused(&self) -> usize {
        self.focus + 1
    }

    /// The focused step, when there are steps.
    pub(super) fn focused_step(&self) -> Option<&Step> {
        self.steps.get(self.focus)
    }

    pub(super) fn step_count(&self) -> usize {
        self.steps.len()
    }

    /// The kind of step `n` (1-based).
    pub(super) fn step_kind(&self, n: u32) -> Option<StepKind> {
        self.steps.get(usize::try_from(n).ok()?.checked_sub(1)?).map(|step| step.kind)
    }

    fn folded(&self, index: usize) -> bool {
        self.steps[index].kind == StepKind::ToolResult && !self.all_unfolded && !self.unfolded.contains(&index)
    }

    fn focus_on(&mut self, index: usize) {
        self.focus = index.min(self.steps.len().saturating_sub(1));
        self.reveal.set(true);
    }

    fn scroll_by(&mut self, rows: isize) {
        let end = self.end.get();
        self.scroll.set(self.scroll.get().min(end).saturating_add_signed(rows).min(end));
    }

    fn lay_out(&self, width: u16, theme: Theme, key: (u16, u64)) -> Laid {
        let width = usize::from(width.max(1));
        let body_width = width.saturating_sub(INDENT).max(1) as u16;
        let mut rows: Vec<Line<'static>> = Vec::new();
        let mut starts = Vec::with_capacity(self.steps.len());
        let mut header_rows = Vec::with_capacity(self.steps.len());
        for (index, step) in self.steps.iter().enumerate() {
            if index > 0 {
                rows.push(Line::raw(""));
            }
            starts.push(rows.len());
            // Room for the focus mark, put in when drawn (see `focused`).
            let header = format!("  {}", single_line(&transcript::header(step)));
            let style = theme.heading();
            if self.folded(index) {
                header_rows.push(1);
                let summary = single_line(&transcript::folded(step));
                let line =
                    Line::from(vec![Span::styled(header, style), Span::styled(format!(" ▸ {summary}"), theme.muted())]);
                rows.push(truncate(line, width));
                continue;
            }
            let header = wrap(&[Line::styled(header, style)], width as u16);
            header_rows.push(header.len());
            rows.extend(header);
            let body = transcript::body(step);
            if body.is_empty() {
                continue;
            }
            let lines: Vec<Line> = sanitize(&body).lines().map(|line| Line::raw(line.to_string())).collect();
            let pad = " ".repeat(INDENT);
            rows.extend(wrap(&lines, body_width).into_iter().map(|mut row| {
                row.spans.insert(0, Span::raw(pad.clone()));
                row
            }));
        }
        for (heading, text) in &self.after {
            rows.push(Line::raw(""));
            rows.extend(wrap(&[Line::styled(single_line(heading), theme.heading())], width as u16));
            let lines: Vec<Line> = sanitize(text).lines().map(|line| Line::raw(line.to_string())).collect();
            rows.extend(wrap(&lines, width as u16));
        }
        Laid { key, rows, starts, header_rows }
    }
}

impl LabelScreen {
    /// The transcript's keys, when the item on screen is a conversation; `None` leaves the
    /// action to the rest of the screen.
    pub(super) fn update_transcript(&mut self, action: Action) -> Option<Vec<Effect>> {
        let steps = matches!(
            action,
            Action::StepNext | Action::StepPrevious | Action::ToggleStep | Action::ToggleAllSteps | Action::JumpStep
        );
        if self.transcript.is_empty() {
            if steps && self.item.is_some() {
                self.message = Some((Tone::Error, "this item has no steps: it is not a conversation".into()));
                return Some(Vec::new());
            }
            return None;
        }
        let transcript = &mut self.transcript;
        let last = transcript.steps.len() - 1;
        match action {
            Action::StepNext => transcript.focus_on((transcript.focus + 1).min(last)),
            Action::StepPrevious => transcript.focus_on(transcript.focus.saturating_sub(1)),
            Action::Top => {
                transcript.focus_on(0);
                transcript.scroll.set(0);
            }
            Action::Bottom => transcript.focus_on(last),
            Action::ToggleStep => {
                let focus = transcript.focus;
                if transcript.steps[focus].kind != StepKind::ToolResult {
                    self.message =
                        Some((Tone::Info, format!("step {} is shown whole; only tool results fold", focus + 1)));
                    return Some(Vec::new());
                }
                if transcript.folded(focus) {
                    transcript.unfolded.insert(focus);
                } else {
                    // Folding one while all are open leaves the others open.
                    if transcript.all_unfolded {
                        transcript.all_unfolded = false;
                        transcript.unfolded = (0..=last).filter(|&index| index != focus).collect();
                    } else {
                        transcript.unfolded.remove(&focus);
                    }
                }
                transcript.generation += 1;
                transcript.reveal.set(true);
            }
            Action::ToggleAllSteps => {
                // Unfold all unless all are open already: then fold all.
                let open = (0..=last).all(|index| !transcript.folded(index));
                transcript.all_unfolded = !open;
                transcript.unfolded.clear();
                transcript.generation += 1;
                transcript.reveal.set(true);
            }
            Action::JumpStep => return Some(self.open_prompt(PromptKind::Step)),
            Action::ScrollUp => transcript.scroll_by(-1),
            Action::ScrollDown => transcript.scroll_by(1),
            Action::PageUp => transcript.scroll_by(-(transcript.height.get().max(2) as isize - 1)),
            Action::PageDown => transcript.scroll_by(transcript.height.get().max(2) as isize - 1),
            _ => return None,
        }
        // Scrolling keeps what the footer says, as it does on other items.
        if steps {
            self.message = None;
        }
        Some(Vec::new())
    }

    /// The answer to "go to step": a number from 1 to the last step.
    pub(super) fn jump_to_step(&mut self, text: &str) -> Vec<Effect> {
        let count = self.transcript.steps.len();
        match text.parse::<usize>() {
            Ok(n) if (1..=count).contains(&n) => {
                self.prompt = None;
                self.editor = self.editor_for(self.focus);
                self.transcript.focus_on(n - 1);
            }
            _ => {
                self.message =
                    Some((Tone::Error, format!("no step `{}`: a number from 1 to {count}", single_line(text))));
            }
        }
        Vec::new()
    }

    /// The transcript pane: the steps, the focused one brought into view when it moved.
    pub(super) fn render_transcript(&self, frame: &mut Frame, area: Rect, id: &str) {
        let transcript = &self.transcript;
        let width = area.width.saturating_sub(2);
        let height = usize::from(area.height.saturating_sub(2));
        let key = (width, transcript.generation);
        let mut layout = transcript.layout.borrow_mut();
        if layout.as_ref().is_none_or(|laid| laid.key != key) {
            *layout = Some(transcript.lay_out(width, self.theme, key));
        }
        let Some(laid) = layout.as_ref() else { return };
        let total = laid.rows.len();
        let last = total.saturating_sub(height);
        let mut scroll = transcript.scroll.get().min(last);
        if transcript.reveal.replace(false) {
            let start = laid.starts.get(transcript.focus).copied().unwrap_or(0);
            let end = laid.starts.get(transcript.focus + 1).map_or(total, |next| next - 1);
            if start < scroll || end.saturating_sub(start) > height {
                scroll = start;
            } else if end > scroll + height {
                scroll = end - height;
            }
            scroll = scroll.min(last);
        }
        transcript.scroll.set(scroll);
        transcript.end.set(last);
        transcript.height.set(height);
        let focus_start = laid.starts.get(transcript.focus).copied().unwrap_or(usize::MAX);
        let focus_end = focus_start.saturating_add(laid.header_rows.get(transcript.focus).copied().unwrap_or(0));
        // The rater's values of each step, after its header (not cached: they change
        // with every key).
        let marks = self.step_marks();
        let rows: Vec<Line> = (scroll..total.min(scroll + height))
            .map(|at| {
                let mut row = laid.rows[at].clone();
                if let Ok(index) = laid.starts.binary_search(&at)
                    && let Some(mark) = u32::try_from(index + 1).ok().and_then(|n| marks.get(&n))
                {
                    row.spans.push(Span::styled(format!(" ✓ {}", single_line(mark)), self.theme.selected()));
                }
                if (focus_start..focus_end).contains(&at) { focused(row, at == focus_start, self.theme) } else { row }
            })
            .collect();
        let position =
            if total <= height { String::new() } else { format!(" {}-{}/{total} ", scroll + 1, scroll + rows.len()) };
        let title = format!(" {} · step {} of {} ", single_line(id), transcript.focus + 1, transcript.steps.len());
        // The transcript's own keys, from the keymap in use.
        let mut hints = format!(
            " {} {} step · {} unfold · {} all · {} go to ",
            self.keys_of(&[Action::StepPrevious]),
            self.keys_of(&[Action::StepNext]),
            self.keys_of(&[Action::ToggleStep]),
            self.keys_of(&[Action::ToggleAllSteps]),
            self.keys_of(&[Action::JumpStep])
        );
        // Only a rubric that asks "which step?" has a use for the key.
        if self.full_rubric.criteria.iter().any(|c| c.kind == crate::model::Kind::Step) {
            hints.push_str(&format!("· {} went wrong here ", self.keys_of(&[Action::MarkStep])));
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .title(title)
            .title_top(Line::from(position).right_aligned())
            .title_bottom(Line::from(hints).right_aligned());
        frame.render_widget(Paragraph::new(rows).block(block), area);
    }
}

/// A row of the focused step's header: in the focus style, and the first marked `▶` (a
/// mark as well as the style, so the focus shows without colour).
fn focused(mut row: Line<'static>, first: bool, theme: Theme) -> Line<'static> {
    let heading = theme.heading();
    if row.style == heading {
        row.style = theme.focus();
    }
    for span in &mut row.spans {
        if span.style == heading {
            span.style = theme.focus();
        }
    }
    if first
        && let Some(span) = row.spans.first_mut()
        && let Some(rest) = span.content.strip_prefix("  ")
    {
        span.content = format!("▶ {rest}").into();
    }
    row
}

/// `line` cut to `width` columns, ending in `…` when cut (anywhere: a folded JSON result
/// has no spaces to break at).
fn truncate(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let mut left = width.saturating_sub(1);
    let mut spans = Vec::new();
    for span in line.spans {
        let mut kept = String::new();
        for ch in span.content.chars() {
            let wide = Span::raw(ch.to_string()).width();
            if wide > left {
                left = 0;
                break;
            }
            left -= wide;
            kept.push(ch);
        }
        spans.push(Span::styled(kept, span.style));
        if left == 0 {
            break;
        }
    }
    spans.push(Span::raw("…"));
    Line::from(spans)
}

#[cfg(test)]
#[path = "transcript_tests.rs"]
mod tests;
