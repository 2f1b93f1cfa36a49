//! Drawing the label screen. Reads state only; every untrusted string is sanitised.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, LineGauge, Paragraph, Wrap};

use super::{Action, LabelScreen, Tone};
use crate::model::text::{sanitize, single_line};
use crate::model::{Kind, LabelValue};
use crate::tui::{MIN_HEIGHT, MIN_WIDTH};

/// Wide terminals put the form beside the item instead of below it.
const SIDE_BY_SIDE_WIDTH: u16 = 110;

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
            Some(_) => {
                let form = self.form_lines();
                if body.width >= SIDE_BY_SIDE_WIDTH {
                    let [left, right] =
                        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(body);
                    self.render_item(frame, left);
                    self.render_form(frame, right, form);
                } else {
                    let wanted = wrapped_height(&form, body.width) + 2;
                    let height = wanted.min(body.height.saturating_sub(6)).max(3);
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
            let mut spans = vec![Span::raw(format!("{marker}{:>4} ", found.position + 1))];
            // Matched characters are underlined and bold: visible without colour.
            for (at, ch) in found.text.chars().enumerate().take(inner_width.saturating_sub(7)) {
                let style = if found.highlighted.contains(&at) { self.theme.matched() } else { Default::default() };
                spans.push(Span::styled(ch.to_string(), style));
            }
            let line = Line::from(spans);
            lines.push(if selected { line.style(self.theme.focus()) } else { line });
        }
        if finder.matches.is_empty() {
            lines.push(Line::raw("  no item matches"));
        }
        let shown = if finder.total > finder.matches.len() {
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
        let text = format!(
            "tally needs a terminal of at least {MIN_WIDTH}x{MIN_HEIGHT}; this one is {}x{}.\nPlease enlarge it (q quits; {saved}).",
            area.width, area.height
        );
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
                single_line(&entry.external_id)
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
    fn keys_of(&self, actions: &[Action]) -> String {
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
                let mut spans = Vec::new();
                for (keys, text) in self.keymap.footer() {
                    spans.push(Span::styled(keys, self.theme.key()));
                    spans.push(Span::raw(format!(" {text}  ")));
                }
                Line::from(spans)
            }
        };
        frame.render_widget(Paragraph::new(line), area);
    }

    fn render_item(&self, frame: &mut Frame, area: Rect) {
        let Some((_, item)) = &self.item else { return };
        let mut lines: Vec<Line> = Vec::new();
        let mut section = |heading: &str, body: &str| {
            if !lines.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::styled(heading.to_string(), self.theme.heading()));
            lines.extend(Text::raw(sanitize(body).into_owned()).lines);
        };
        section("QUESTION", &item.input);
        section("ANSWER", &item.output);
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
        let block = Block::default().borders(Borders::ALL).title(format!(" {} ", single_line(&item.id)));
        let paragraph = Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((self.scroll, 0));
        frame.render_widget(paragraph, area);
    }

    /// One line per criterion (options wrap when they must).
    fn form_lines(&self) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        let unsaved = self.current_item_id().and_then(|id| self.unsaved.get(&id));
        for (index, criterion) in self.rubric.criteria.iter().enumerate() {
            // A value the store does not hold yet is marked with `…` (it never looks saved).
            let pending = unsaved.is_some_and(|unsaved| unsaved.criteria.contains(&criterion.id));
            let mark = if pending { "…" } else { "" };
            let focused = index == self.focus;
            let applies = self.rubric.applies(index, &self.values);
            let marker = if focused { "▶ " } else { "  " };
            let name = format!("{}{} ", criterion.id, if criterion.required { "*" } else { "" });
            let name_style = if !applies {
                self.theme.muted()
            } else if focused {
                self.theme.focus()
            } else {
                ratatui::style::Style::new()
            };
            let mut spans = vec![Span::styled(marker, self.theme.focus()), Span::styled(name, name_style)];
            if self.missing.contains(&criterion.id) {
                spans.push(Span::styled("← required ", self.theme.error()));
            }
            if !applies {
                if let Some(when) = &criterion.when {
                    spans.push(Span::styled(
                        format!("(when {} = {})", when.criterion, when.any_of.join("/")),
                        self.theme.muted(),
                    ));
                }
                lines.push(Line::from(spans));
                continue;
            }
            let value = self.values.get(&criterion.id);
            match criterion.kind {
                Kind::Text if focused && self.editor.is_some() => {
                    // The text being typed, line by line, with the cursor.
                    lines.push(Line::from(spans));
                    if let Some(editor) = &self.editor {
                        let (text_lines, cursor_line, cursor_column) = editor.lines();
                        for (number, text) in text_lines.iter().enumerate() {
                            let mut shown: String = text.chars().collect();
                            if number == cursor_line {
                                let at = shown.char_indices().nth(cursor_column).map_or(shown.len(), |(b, _)| b);
                                shown.insert(at, '▏');
                            }
                            lines.push(Line::raw(format!("    {}", single_line(&shown))));
                        }
                    }
                    continue;
                }
                Kind::Text | Kind::Number => {
                    let shown = match (&self.editor, focused) {
                        (Some(editor), true) => {
                            let mut shown = editor.text().to_string();
                            let at = shown.char_indices().nth(editor.cursor()).map_or(shown.len(), |(b, _)| b);
                            shown.insert(at, '▏');
                            single_line(&shown)
                        }
                        _ => {
                            value.map(|v| format!("{}{mark}", single_line(&v.display()))).unwrap_or_else(|| "-".into())
                        }
                    };
                    let range = match (criterion.min, criterion.max) {
                        (Some(min), Some(max)) => format!("  ({min} to {max})"),
                        _ => String::new(),
                    };
                    spans.push(Span::raw(shown));
                    spans.push(Span::styled(range, self.theme.muted()));
                    if !focused && value.is_none() {
                        let tab = self.keys_of(&[Action::FocusNext]);
                        spans.push(Span::styled(format!("  {tab} to type"), self.theme.muted()));
                    }
                }
                _ => {
                    for choice in &criterion.options {
                        let chosen = match value {
                            Some(LabelValue::Choice(selected)) => *selected == choice.value,
                            Some(LabelValue::Tags(tags)) => tags.contains(&choice.value),
                            _ => false,
                        };
                        spans.push(Span::styled(format!("[{}]", choice.key), self.theme.key()));
                        spans.push(Span::raw(" "));
                        let text = single_line(&choice.value);
                        // A mark as well as the style: the choice shows without colour or reverse video.
                        spans.push(if chosen {
                            Span::styled(format!("✓{text}{mark}"), self.theme.selected())
                        } else {
                            Span::raw(text)
                        });
                        // Anchor labels say what each point of a scale means.
                        if criterion.kind == Kind::Ordinal
                            && let Some(label) = &choice.label
                        {
                            spans.push(Span::styled(format!(" {}", single_line(label)), self.theme.muted()));
                        }
                        spans.push(Span::raw("  "));
                    }
                    // Elsewhere the label of the chosen option says what the choice means.
                    if criterion.kind != Kind::Ordinal
                        && let Some(LabelValue::Choice(selected)) = value
                        && let Some(label) =
                            criterion.options.iter().find(|c| c.value == *selected).and_then(|c| c.label.as_ref())
                    {
                        spans.push(Span::styled(format!("= {}", single_line(label)), self.theme.muted()));
                    }
                    if pending && value.is_none() {
                        spans.push(Span::styled("(clearing…)", self.theme.muted()));
                    }
                }
            }
            lines.push(Line::from(spans));
        }
        lines
    }

    fn render_form(&self, frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>) {
        let question = self.rubric.criteria.get(self.focus).map_or(String::new(), |c| single_line(&c.question));
        let block = Block::default().borders(Borders::ALL).title(format!(" {question} "));
        frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
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
            " Guidelines: {} v{} ({} closes, {} scroll) ",
            single_line(&self.rubric.name),
            self.rubric.version,
            self.keys_of(&[Action::Cancel]),
            self.keys_of(&[Action::ScrollUp, Action::ScrollDown])
        );
        let paragraph = Paragraph::new(lines)
            .block(Block::default().borders(Borders::ALL).title(title))
            .wrap(Wrap { trim: false })
            .scroll((offset, 0));
        frame.render_widget(paragraph, popup);
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

/// Rows `lines` take in a bordered box `width` wide, once long lines wrap.
fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|line| 1 + line.width().saturating_sub(1) / inner).sum();
    rows.min(usize::from(u16::MAX)) as u16
}
