//! Drawing the label screen. Reads state only; every untrusted string is sanitised.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, LineGauge, Paragraph, Wrap};

use super::{Action, LabelScreen, Tone};
use crate::model::label::split_step_key;
use crate::model::rubric::{NO_STEP, Scope};
use crate::model::text::single_line;
use crate::model::{Kind, LabelValue, Shape};
use crate::tui::wrap::{Doc, Rows, wrap};
use crate::tui::{MIN_HEIGHT, MIN_WIDTH};

/// Wide terminals put the form beside the item instead of below it.
const SIDE_BY_SIDE_WIDTH: u16 = 110;

/// Bytes of the item's text wrapped per frame only to count its rows (a few ms; the
/// screen redraws twice a second, so a 50 MB output is counted within a minute idle).
const COUNT_PER_FRAME: usize = 2 << 20;

impl LabelScreen {
    pub fn render(&self, frame: &mut Frame, area: Rect) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            self.render_too_small(frame, area);
            return;
        }
        let [title, gauge, body, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(area);
        self.render_title(frame, title);
        self.render_gauge(frame, gauge);
        self.render_footer(frame, footer);
        match &self.item {
            // A comparison lays out its own panes (side_by_side.rs).
            Some((_, item)) if matches!(item.shape, crate::model::Shape::Comparison { .. }) => {
                self.render_comparison(frame, body)
            }
            Some(_) => {
                if body.width >= SIDE_BY_SIDE_WIDTH {
                    let [left, right] =
                        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(body);
                    let form = self.form_view(right.width.saturating_sub(2), right.height.saturating_sub(2));
                    self.render_item(frame, left);
                    self.render_form(frame, right, form);
                } else {
                    // The item keeps a readable share however long the rubric: the form
                    // collapses and scrolls to the focused criterion instead.
                    // A transcript is read step by step: it takes two thirds, the form collapses.
                    let (share, of) = if self.transcript.is_empty() { (2, 5) } else { (2, 3) };
                    let item_rows = (body.height * share / of).max(6);
                    let budget = body.height.saturating_sub(item_rows + 2).max(1);
                    let form = self.form_view(body.width.saturating_sub(2), budget);
                    let height = (form.lines.len() as u16 + 2).min(body.height);
                    let [top, bottom] = Layout::vertical([Constraint::Fill(1), Constraint::Length(height)]).areas(body);
                    self.render_item(frame, top);
                    self.render_form(frame, bottom, form);
                }
            }
            None if self.position >= self.queue.len() => self.render_finished(frame, body),
            None => frame.render_widget(Paragraph::new("loading…").alignment(Alignment::Center), body),
        }
        if let Some(offset) = self.help {
            self.render_help(frame, area, offset);
        }
        if let Some(finder) = &self.finder {
            self.render_finder(frame, area, finder);
        }
    }

    fn render_finder(&self, frame: &mut Frame, area: Rect, finder: &super::finder::Finder) {
        let popup = area.inner(ratatui::layout::Margin { horizontal: 2, vertical: 1 });
        frame.render_widget(Clear, popup);
        let inner_width = usize::from(popup.width.saturating_sub(2));
        let mut lines = vec![
            Line::from(vec![
                Span::styled("find: ", self.theme.focus()),
                Span::raw(format!("{}▏", single_line(&finder.query))),
            ]),
            Line::raw(""),
        ];
        for (index, found) in finder.matches.iter().enumerate() {
            let selected = index == finder.selected;
            let marker = if selected { "▶ " } else { "  " };
            // Done and skipped items are marked, so the rater sees what is left.
            let state = match self.queue.get(found.position) {
                Some(entry) if entry.done => "✓",
                Some(entry) if entry.skipped => "↷",
                _ => " ",
            };
            let mut spans = vec![Span::raw(format!("{marker}{:>4}{state} ", found.position + 1))];
            // Matched characters are underlined and bold: visible without colour.
            for (at, ch) in found.text.chars().enumerate().take(inner_width.saturating_sub(8)) {
                let style = if found.highlighted.contains(&at) { self.theme.matched() } else { Default::default() };
                spans.push(Span::styled(ch.to_string(), style));
            }
            let line = Line::from(spans);
            lines.push(if selected { line.style(self.theme.focus()) } else { line });
        }
        if finder.matches.is_empty() {
            lines.push(Line::raw("  no item matches"));
        }
        let shown = if finder.searching() {
            let (tested, of) = finder.progress();
            format!("searching… {tested} of {of}, {} matches so far", finder.total)
        } else if finder.total > finder.matches.len() {
            format!("{} matches, best {}", finder.total, finder.matches.len())
        } else {
            format!("{} matches", finder.total)
        };
        let title = format!(
            " Find in your queue: {shown} ({} choose, {} go, {} close) ",
            self.keys_of(&[Action::ScrollUp, Action::ScrollDown]),
            self.keys_of(&[Action::Confirm]),
            self.keys_of(&[Action::Cancel])
        );
        let paragraph = Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title));
        frame.render_widget(paragraph, popup);
    }

    fn render_too_small(&self, frame: &mut Frame, area: Rect) {
        let saved = match self.unsaved_writes {
            0 => "your labels are saved".to_string(),
            writes => format!("{writes} unsaved, waiting for the store"),
        };
        let mut text = format!(
            "tally needs a terminal of at least {MIN_WIDTH}x{MIN_HEIGHT}; this one is {}x{}.\nPlease enlarge it (q quits; {saved}).",
            area.width, area.height
        );
        // Said, so a rater typing blind knows nothing was decided.
        if self.ignored_keys > 0 {
            text.push_str(&format!("\n{} keys ignored: none acts until it is larger.", self.ignored_keys));
        }
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).alignment(Alignment::Center), area);
    }

    fn render_title(&self, frame: &mut Frame, area: Rect) {
        let position = if let Some(entry) = self.queue.get(self.position) {
            let state = match (entry.done, entry.skipped) {
                (true, _) => " · done",
                (_, true) => " · skipped",
                _ => "",
            };
            let flag = if entry.flagged { " · ⚑ flagged" } else { "" };
            let unsaved = self.unsaved.get(&entry.item_id).is_some_and(|unsaved| unsaved.confirm || unsaved.marks > 0);
            let unsaved = if unsaved { " (unsaved…)" } else { "" };
            format!(
                "item {} of {} · {}{state}{flag}{unsaved}",
                self.position + 1,
                self.queue.len(),
                single_line(&self.shown_id(entry.item_id, &entry.external_id))
            )
        } else {
            format!("{} items", self.queue.len())
        };
        let line = Line::from(vec![
            Span::styled(" tally ", self.theme.title()),
            Span::raw(format!("batch {} · rater {} · {position}", single_line(&self.batch), single_line(&self.rater))),
        ]);
        frame.render_widget(Paragraph::new(line), area);
    }

    fn render_gauge(&self, frame: &mut Frame, area: Rect) {
        let total = self.queue.len().max(1);
        let done = self.done_count();
        let gauge = LineGauge::default()
            .ratio(done as f64 / total as f64)
            .label(self.progress_label(done))
            .filled_style(self.theme.ok());
        frame.render_widget(gauge, area);
    }

    /// The first key of each action, as hints show them: `↑/↓`.
    pub(super) fn keys_of(&self, actions: &[Action]) -> String {
        let keys: Vec<String> =
            actions.iter().filter_map(|action| self.keymap.keys(*action).into_iter().next()).collect();
        keys.join("/")
    }

    /// Done of assigned, skipped, pace, time on this item and time left at this pace.
    fn progress_label(&self, done: usize) -> String {
        let skipped = self.queue.iter().filter(|entry| entry.skipped).count();
        let mut label = format!("{done}/{} done", self.queue.len());
        if skipped > 0 {
            label.push_str(&format!(", {skipped} skipped"));
        }
        if let Some(pace) = self.pace() {
            let open = self.queue.len() - done - skipped;
            let left = open as f64 / pace * 3600.0;
            label.push_str(&format!(" · {pace:.0}/h · ~{} left", clock(left)));
        }
        if self.item.is_some() {
            label.push_str(&format!(" · this item {}", clock(self.item_time.as_secs_f64())));
        }
        if self.unsaved_writes > 0 {
            let retrying = if self.retrying { ", store busy, retrying" } else { "" };
            label.push_str(&format!(" · {} unsaved{retrying}", self.unsaved_writes));
        }
        label
    }

    fn render_footer(&self, frame: &mut Frame, area: Rect) {
        if let Some(prompt) = &self.prompt {
            let mut spans = vec![
                Span::styled(prompt.kind.question(), self.theme.focus()),
                Span::raw(format!(" {}▏", single_line(&prompt.text))),
                Span::raw(format!(
                    "  {} ok · {} back",
                    self.keys_of(&[Action::Confirm]),
                    self.keys_of(&[Action::Cancel])
                )),
            ];
            if let Some((Tone::Error, message)) = &self.message {
                spans.push(Span::styled(format!("  {}", single_line(message)), self.theme.error()));
            }
            frame.render_widget(Paragraph::new(Line::from(spans)), area);
            return;
        }
        if let Some(closing) = &self.closing {
            frame.render_widget(Paragraph::new(Line::styled(single_line(closing), self.theme.error())), area);
            return;
        }
        let line = match &self.message {
            Some((Tone::Error, message)) => Line::styled(single_line(message), self.theme.error()),
            Some((Tone::Info, message)) => Line::styled(single_line(message), self.theme.ok()),
            None if self.finder.is_some() => Line::from(vec![
                Span::styled("finding", self.theme.focus()),
                Span::raw(format!(
                    " · type to narrow · {} choose · {} go there · {} close",
                    self.keys_of(&[Action::ScrollUp, Action::ScrollDown]),
                    self.keys_of(&[Action::Confirm]),
                    self.keys_of(&[Action::Cancel])
                )),
            ]),
            None if self.editing() => {
                let multiline = self.rubric.criteria.get(self.focus).is_some_and(|c| c.kind == Kind::Text);
                // In a text field Enter is part of the text (see LabelScreen::key).
                let enter = if multiline {
                    "Enter new line".to_string()
                } else {
                    format!("{} save & confirm", self.keys_of(&[Action::Confirm]))
                };
                Line::from(vec![
                    Span::styled("typing", self.theme.focus()),
                    Span::raw(format!(
                        " · {enter} · {} save & next field · {} discard",
                        self.keys_of(&[Action::FocusNext]),
                        self.keys_of(&[Action::Cancel])
                    )),
                ])
            }
            None => {
                // What the option keys do now first (the focused criterion's), then the
                // screen's keys; the least needed give way on a narrow terminal.
                let mut entries: Vec<(String, String)> = Vec::new();
                if let Some(criterion) =
                    self.rubric.criteria.get(self.focus).filter(|c| !c.options.is_empty() && self.item.is_some())
                {
                    entries.push((criterion.key_hint(), single_line(&criterion.id)));
                }
                entries.extend(self.keymap.footer().into_iter().map(|(keys, text)| (keys, text.to_string())));
                let width = |entries: &[(String, String)]| -> usize {
                    entries.iter().map(|(keys, text)| keys.chars().count() + text.chars().count() + 3).sum()
                };
                for expendable in ["flag", "skip", "undo", "field", "item"] {
                    if width(&entries) <= usize::from(area.width) + 2 {
                        break;
                    }
                    entries.retain(|(_, text)| text != expendable);
                }
                let mut spans = Vec::new();
                for (keys, text) in entries {
                    spans.push(Span::styled(keys, self.theme.key()));
                    spans.push(Span::raw(format!(" {text}  ")));
                }
                Line::from(spans)
            }
        };
        frame.render_widget(Paragraph::new(line), area);
    }

    fn render_item(&self, frame: &mut Frame, area: Rect) {
        let Some((item_id, item)) = &self.item else { return };
        match item.shape {
            Shape::Conversation { .. } => return self.render_transcript(frame, area, &item.id),
            Shape::Single | Shape::Comparison { .. } => {}
        }
        let key = (*item_id, self.passages_folded, self.show_judge);
        let width = area.width.saturating_sub(2);
        let mut pane = self.pane.borrow_mut();
        // The text is sanitised and laid out once per item; a key only wraps what it shows.
        if pane.as_ref().is_none_or(|pane| pane.key != key) {
            // A long answer moves from the item, or from the pane before, into the text.
            let answer = match (self.answer.borrow_mut().take(), pane.take()) {
                (Some(answer), _) => Some((answer, false)),
                (None, Some(super::Pane { doc, answer: Some(range), .. })) => Some((doc.take(range), true)),
                (None, _) => None,
            };
            let (doc, answer) = self.item_doc(item, answer);
            *pane = Some(super::Pane { key, rows: Rows::new(&doc, width), doc, answer });
        }
        let Some(pane) = pane.as_mut() else { return };
        if pane.rows.width() != width.max(1) {
            pane.rows = Rows::new(&pane.doc, width);
        }
        let height = usize::from(area.height.saturating_sub(2));
        let (rows, position) = match self.from_end {
            // End before the rows are all counted: the text's last lines, wrapped alone.
            Some(up) if pane.rows.total().is_none() => {
                self.scroll_end.set(usize::MAX);
                let rows = pane.rows.tail(&pane.doc, up, height);
                pane.rows.find_some(&pane.doc, COUNT_PER_FRAME);
                (rows, " …/… ".to_string())
            }
            from_end => {
                // An offset past the rows found finds rows as far as it needs.
                pane.rows.find(&pane.doc, self.scroll.saturating_add(height));
                let last = pane.rows.total().map(|total| total.saturating_sub(height));
                self.scroll_end.set(last.unwrap_or(usize::MAX));
                let scroll = match (last, from_end) {
                    (Some(last), Some(up)) => last.saturating_sub(up),
                    (Some(last), None) => self.scroll.min(last),
                    (None, _) => self.scroll,
                };
                let rows = pane.rows.window(&pane.doc, scroll, height);
                // The total is counted a little each frame, shown as `…` until known.
                pane.rows.find_some(&pane.doc, COUNT_PER_FRAME);
                let position = match pane.rows.total() {
                    Some(total) if total <= height => String::new(),
                    Some(total) => format!(" {}-{}/{total} ", scroll + 1, (scroll + height).min(total)),
                    None => format!(" {}-{}/… ", scroll + 1, scroll + rows.len()),
                };
                (rows, position)
            }
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", single_line(&item.id)))
            .title_top(Line::from(position).right_aligned());
        frame.render_widget(Paragraph::new(rows).block(block), area);
    }

    /// The item's sections as one text for its pane.
    /// The item pane's text, and where `answer` lies in it: a long answer taken from the
    /// item (`true`: from a pane's text, sanitised already), used in place of its empty
    /// `output`.
    fn item_doc(&self, item: &crate::model::Item, answer: Option<(String, bool)>) -> (Doc, Option<Range<usize>>) {
        let mut doc = Doc::default();
        let mut section = |heading: &str, body: &str| {
            if doc.has_lines() {
                doc.line("", Default::default());
            }
            doc.line(heading, self.theme.heading());
            doc.lines(body, Default::default());
        };
        section("QUESTION", &item.input);
        let range = match answer {
            Some((answer, clean)) => {
                doc.line("", Default::default());
                doc.line("ANSWER", self.theme.heading());
                Some(doc.lines_taken(answer, clean))
            }
            None => {
                section("ANSWER", &item.output);
                None
            }
        };
        let mut section = |heading: &str, body: &str| {
            if doc.has_lines() {
                doc.line("", Default::default());
            }
            doc.line(heading, self.theme.heading());
            doc.lines(body, Default::default());
        };
        if let Some(reference) = &item.reference {
            section("REFERENCE", reference);
        }
        if self.passages_folded && !item.context.is_empty() {
            let key = self.keymap.keys(super::Action::TogglePassages).into_iter().next().unwrap_or_default();
            section(&format!("CONTEXT: {} passages folded ({key} unfolds)", item.context.len()), "");
        } else {
            for (index, passage) in item.context.iter().enumerate() {
                section(&format!("CONTEXT [{}]", index + 1), passage);
            }
        }
        if self.show_judge {
            let scores: Vec<String> = item.judge.iter().map(|(key, value)| format!("{key}: {value}")).collect();
            let body = if scores.is_empty() { "(no judge scores)".to_string() } else { scores.join("\n") };
            section("JUDGE (--show-judge)", &body);
        }
        (doc, range)
    }

    /// The form in `budget` rows `width` wide: each criterion in full while that fits,
    /// else the focused one in full and the others on a line each; then a window of
    /// criteria around the focused one.
    pub(super) fn form_view(&self, width: u16, budget: u16) -> FormView {
        let count = self.rubric.criteria.len();
        let budget = usize::from(budget.max(1));
        let full: Vec<Vec<Line<'static>>> = (0..count).map(|index| self.criterion_rows(index, width, false)).collect();
        // Answered (and not asked) criteria collapse first, then the open ones.
        let mut blocks = full;
        for collapse_open in [false, true] {
            if blocks.iter().map(Vec::len).sum::<usize>() <= budget {
                break;
            }
            for (index, rows) in blocks.iter_mut().enumerate() {
                let criterion = &self.rubric.criteria[index];
                let settled = self.values.contains_key(&criterion.id) || !self.rubric.applies(index, &self.values);
                if index != self.focus && (settled || collapse_open) {
                    *rows = self.criterion_rows(index, width, true);
                }
            }
        }
        // From the focused criterion back while it fits, then on down.
        let focus = self.focus.min(count.saturating_sub(1));
        let mut first = focus;
        let mut used = blocks.get(focus).map_or(0, Vec::len);
        while first > 0 && used + blocks[first - 1].len() <= budget {
            first -= 1;
            used += blocks[first].len();
        }
        let mut last = focus;
        while last + 1 < count && used + blocks[last + 1].len() <= budget {
            last += 1;
            used += blocks[last].len();
        }
        let mut lines: Vec<Line<'static>> = blocks.into_iter().take(last + 1).skip(first).flatten().collect();
        lines.truncate(budget);
        FormView { lines, first, last, total: count }
    }

    /// One criterion's rows: its name and options, wrapped between options (never inside
    /// one); `compact`: one row, the value or the keys it takes.
    fn criterion_rows(&self, index: usize, width: u16, compact: bool) -> Vec<Line<'static>> {
        let mut rows = self.criterion_body(index, width, compact);
        // The focused step's criteria come under a heading naming the step.
        let first_of_step = self.rubric.criteria[index].scope == Scope::Step
            && index.checked_sub(1).is_none_or(|before| self.rubric.criteria[before].scope == Scope::Item);
        if first_of_step && let Some(step) = self.transcript.focused_step() {
            let tool = step.tool.as_deref().map_or(String::new(), |tool| format!(" {}", single_line(tool)));
            let heading = format!("Step {} · {}{tool}", step.n, step.kind.name());
            rows.insert(0, cut(Line::styled(heading, self.theme.heading()), usize::from(width.max(1))));
        }
        rows
    }

    fn criterion_body(&self, index: usize, width: u16, compact: bool) -> Vec<Line<'static>> {
        let criterion = &self.rubric.criteria[index];
        let unsaved = self.current_item_id().and_then(|id| self.unsaved.get(&id));
        // A value the store does not hold yet is marked with `…` (it never looks saved).
        let pending = unsaved.is_some_and(|unsaved| unsaved.criteria.contains(&criterion.id));
        let mark = if pending { "…" } else { "" };
        let focused = index == self.focus;
        let applies = self.rubric.applies(index, &self.values);
        let marker = if focused { "▶ " } else { "  " };
        // A step's criterion under its own id: the heading above names the step.
        let name = format!("{}{} ", split_step_key(&criterion.id).0, if criterion.required { "*" } else { "" });
        let name_style = if !applies {
            self.theme.muted()
        } else if focused {
            self.theme.focus()
        } else {
            ratatui::style::Style::new()
        };
        let mut head = vec![Span::styled(marker, self.theme.focus()), Span::styled(name, name_style)];
        if self.missing.contains(&criterion.id) {
            head.push(Span::styled("← required ", self.theme.error()));
        }
        let mut chunks: Vec<Vec<Span<'static>>> = vec![head];
        // A preference on a comparison in screen terms: `a` is the left.
        let shown = self.shown_value(criterion);
        let value = shown.as_ref();
        if !applies {
            if let Some(when) = &criterion.when {
                chunks.push(vec![Span::styled(
                    format!("(when {} = {})", when.criterion, when.any_of.join("/")),
                    self.theme.muted(),
                )]);
            }
            return layout(chunks, width, compact);
        }
        match criterion.kind {
            Kind::Text if focused && self.editor.is_some() => {
                // The text being typed, line by line, with the cursor.
                let mut rows = layout(chunks, width, true);
                if let Some(editor) = &self.editor {
                    let (text_lines, cursor_line, cursor_column) = editor.lines();
                    let mut typed = Vec::new();
                    for (number, text) in text_lines.iter().enumerate() {
                        let mut shown: String = text.chars().collect();
                        if number == cursor_line {
                            let at = shown.char_indices().nth(cursor_column).map_or(shown.len(), |(b, _)| b);
                            shown.insert(at, '▏');
                        }
                        typed.push(Line::raw(format!("    {}", single_line(&shown))));
                    }
                    rows.extend(wrap(&typed, width));
                }
                return rows;
            }
            Kind::Text | Kind::Number | Kind::Step => {
                let shown = match (&self.editor, focused) {
                    (Some(editor), true) => {
                        let mut shown = editor.text().to_string();
                        let at = shown.char_indices().nth(editor.cursor()).map_or(shown.len(), |(b, _)| b);
                        shown.insert(at, '▏');
                        single_line(&shown)
                    }
                    _ => value
                        .map(|v| match v {
                            LabelValue::Choice(n) if criterion.kind == Kind::Step && n != NO_STEP => {
                                format!("step {n}{mark}")
                            }
                            v => format!("{}{mark}", single_line(&v.display())),
                        })
                        .unwrap_or_else(|| "-".into()),
                };
                let mut chunk = vec![Span::raw(shown)];
                if let (Some(min), Some(max)) = (criterion.min, criterion.max) {
                    chunk.push(Span::styled(format!("  ({min} to {max})"), self.theme.muted()));
                }
                chunks.push(chunk);
                if criterion.kind == Kind::Step && !focused {
                    let mark = self.keys_of(&[Action::MarkStep]);
                    let tab = self.keys_of(&[Action::FocusNext]);
                    let hint = format!("{mark} = focused step · {tab} to type a step or `{NO_STEP}`");
                    chunks.push(vec![Span::styled(hint, self.theme.muted())]);
                } else if !focused && value.is_none() {
                    let tab = self.keys_of(&[Action::FocusNext]);
                    chunks.push(vec![Span::styled(format!("{tab} to type"), self.theme.muted())]);
                }
            }
            _ if compact => {
                let chosen: Vec<&crate::model::Choice> = criterion
                    .options
                    .iter()
                    .filter(|choice| match value {
                        Some(LabelValue::Choice(selected)) => *selected == choice.value,
                        Some(LabelValue::Tags(tags)) => tags.contains(&choice.value),
                        _ => false,
                    })
                    .collect();
                match value {
                    Some(value) => {
                        let mut chunk = vec![Span::styled(
                            format!("✓{}{mark}", single_line(&self.option_text(criterion, &value.display()))),
                            self.theme.selected(),
                        )];
                        if let [only] = chosen.as_slice()
                            && criterion.kind != Kind::Preference
                            && let Some(label) = &only.label
                        {
                            chunk.push(Span::styled(format!(" ({})", single_line(label)), self.theme.muted()));
                        }
                        chunks.push(chunk);
                    }
                    None => chunks.push(vec![Span::styled(format!("[{}]", criterion.key_hint()), self.theme.key())]),
                }
            }
            _ => {
                for choice in &criterion.options {
                    let chosen = match value {
                        Some(LabelValue::Choice(selected)) => *selected == choice.value,
                        Some(LabelValue::Tags(tags)) => tags.contains(&choice.value),
                        _ => false,
                    };
                    let text = single_line(&self.option_text(criterion, &choice.value));
                    let mut chunk = vec![
                        Span::styled(format!("[{}]", choice.key), self.theme.key()),
                        Span::raw(" "),
                        // A mark as well as the style: the choice shows without colour or reverse video.
                        if chosen {
                            Span::styled(format!("✓{text}{mark}"), self.theme.selected())
                        } else {
                            Span::raw(text)
                        },
                    ];
                    // Anchor labels say what each point of a scale means; in brackets, so
                    // they read apart from the value even without colour.
                    if criterion.kind == Kind::Ordinal
                        && let Some(label) = &choice.label
                    {
                        chunk.push(Span::styled(format!(" ({})", single_line(label)), self.theme.muted()));
                    }
                    chunks.push(chunk);
                }
                // Elsewhere the label of the chosen option says what the choice means.
                if !matches!(criterion.kind, Kind::Ordinal | Kind::Preference)
                    && let Some(LabelValue::Choice(selected)) = value
                    && let Some(label) =
                        criterion.options.iter().find(|c| c.value == *selected).and_then(|c| c.label.as_ref())
                {
                    chunks.push(vec![Span::styled(format!("= {}", single_line(label)), self.theme.muted())]);
                }
                if pending && value.is_none() {
                    chunks.push(vec![Span::styled("(clearing…)", self.theme.muted())]);
                }
            }
        }
        layout(chunks, width, compact)
    }

    pub(super) fn render_form(&self, frame: &mut Frame, area: Rect, form: FormView) {
        let question = self.rubric.criteria.get(self.focus).map_or(String::new(), |c| single_line(&c.question));
        let mut block = Block::default().borders(Borders::ALL).title(format!(" {question} "));
        if form.first > 0 || form.last + 1 < form.total {
            let position = format!(" criteria {}-{} of {} ", form.first + 1, form.last + 1, form.total);
            block = block.title_bottom(Line::from(position).right_aligned());
        }
        frame.render_widget(Paragraph::new(form.lines).block(block), area);
    }

    fn render_finished(&self, frame: &mut Frame, area: Rect) {
        let text = if self.queue.is_empty() {
            format!("Batch {} assigns no items to {}.", single_line(&self.batch), single_line(&self.rater))
        } else if self.unsaved_writes > 0 {
            format!(
                "All {} items of batch {} are decided; {} writes wait for the store.\n\n← to look back · q to quit",
                self.queue.len(),
                single_line(&self.batch),
                self.unsaved_writes
            )
        } else {
            format!(
                "All {} items of batch {} are done. Every label is saved.\n\n← to look back · q to quit",
                self.queue.len(),
                single_line(&self.batch)
            )
        };
        let [_, middle, _] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(4), Constraint::Fill(1)]).areas(area);
        frame.render_widget(Paragraph::new(text).alignment(Alignment::Center).wrap(Wrap { trim: true }), middle);
    }

    fn render_help(&self, frame: &mut Frame, area: Rect, offset: u16) {
        let popup = area.inner(ratatui::layout::Margin { horizontal: 2, vertical: 1 });
        frame.render_widget(Clear, popup);
        let mut lines: Vec<Line<'static>> = Vec::new();
        if let Some(description) = &self.rubric.description {
            lines.push(Line::raw(single_line(description)));
            lines.push(Line::raw(""));
        }
        if self.guidelines.trim().is_empty() {
            lines.push(Line::raw("(this rubric has no guidelines)"));
        } else {
            lines.extend(crate::tui::markdown::render(&self.guidelines, self.theme));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled("Keys (from your keymap; option keys set values)", self.theme.heading()));
        if let Some(criterion) = self.rubric.criteria.get(self.focus).filter(|c| !c.options.is_empty()) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<14}", criterion.key_hint()), self.theme.key()),
                Span::raw(format!("set {} (the focused criterion)", single_line(&criterion.id))),
            ]));
        }
        for (keys, what) in self.keymap.reference() {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<14}"), self.theme.key()),
                Span::raw(what.replace('_', " ")),
            ]));
        }
        // Listed whole (the overlay wraps): a problem cut at the screen's edge helps no one.
        for note in &self.key_notes {
            lines.push(Line::styled(format!("  {}", single_line(note)), self.theme.error()));
        }
        let title = format!(
            " Guidelines: {} v{} ({} closes, {} scroll, {} ends) ",
            single_line(&self.rubric.name),
            self.rubric.version,
            self.keys_of(&[Action::Cancel]),
            self.keys_of(&[Action::ScrollUp, Action::ScrollDown]),
            self.keys_of(&[Action::Top, Action::Bottom])
        );
        let rows = wrap(&lines, popup.width.saturating_sub(2));
        let (offset, position) = scrolled(rows.len(), popup.height.saturating_sub(2), offset, &self.help_end);
        let block = Block::default().borders(Borders::ALL).title(title).title_top(Line::from(position).right_aligned());
        frame.render_widget(Paragraph::new(rows).block(block).scroll((offset, 0)), popup);
    }
}

/// `0:07`, `12:30`, `3h05m`.
fn clock(seconds: f64) -> String {
    let seconds = seconds.max(0.0).round() as u64;
    if seconds >= 3600 {
        format!("{}h{:02}m", seconds / 3600, seconds % 3600 / 60)
    } else {
        format!("{}:{:02}", seconds / 60, seconds % 60)
    }
}

/// The form as drawn: its rows and which criteria they show.
pub(super) struct FormView {
    pub(super) lines: Vec<Line<'static>>,
    first: usize,
    last: usize,
    total: usize,
}

/// Lays unbreakable chunks (a name, an option) out in rows `width` wide, continuing rows
/// indented; `compact`: one row, cut with `…`.
fn layout(chunks: Vec<Vec<Span<'static>>>, width: u16, compact: bool) -> Vec<Line<'static>> {
    let width = usize::from(width.max(1));
    let chunk_width = |chunk: &[Span]| chunk.iter().map(Span::width).sum::<usize>();
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0;
    for (number, chunk) in chunks.into_iter().enumerate() {
        let wide = chunk_width(&chunk);
        // Two spaces between options; the name chunk ends in its own space.
        let gap = if number > 1 && used > 0 { 2 } else { 0 };
        if !compact && used > 4 && used + gap + wide > width {
            rows.push(vec![Span::raw("    ")]);
            used = 4;
        } else if gap > 0 {
            if let Some(row) = rows.last_mut() {
                row.push(Span::raw("  "));
            }
            used += gap;
        }
        used += wide;
        if let Some(row) = rows.last_mut() {
            row.extend(chunk);
        }
    }
    let lines: Vec<Line<'static>> = rows.into_iter().map(Line::from).collect();
    if compact {
        return lines.into_iter().map(|line| cut(line, width)).collect();
    }
    // An option wider than a whole row is the only thing ever wrapped inside.
    wrap(&lines, width as u16)
}

/// `line` cut to `width` columns, ending in `…` when cut.
fn cut(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let mut rows = wrap(&[line], width.saturating_sub(1) as u16);
    let mut first = if rows.is_empty() { Line::raw("") } else { rows.swap_remove(0) };
    first.spans.push(Span::raw("…"));
    first
}

/// The scroll offset to draw `rows` rows in `height` (stopping at the end), recorded in
/// `end` for the keys, and the position to show: `12-30/85`, empty when all fit.
fn scrolled(rows: usize, height: u16, offset: u16, end: &std::cell::Cell<u16>) -> (u16, String) {
    let last = rows.saturating_sub(usize::from(height)).min(usize::from(u16::MAX)) as u16;
    end.set(last);
    let offset = offset.min(last);
    if rows <= usize::from(height) {
        return (offset, String::new());
    }
    let bottom = (usize::from(offset) + usize::from(height)).min(rows);
    (offset, format!(" {}-{bottom}/{rows} ", offset + 1))
}
