//! Drawing the review screen. Reads state only; every untrusted string is sanitised.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

use super::{DashboardState, PromptKind, ReviewItem, ReviewScreen, Tab, Tone};
use crate::model::Kind;
use crate::model::consensus::Decision;
use crate::model::text::{sanitize, single_line};
use crate::tui::wrap::wrap;
use crate::tui::{MIN_HEIGHT, MIN_WIDTH};

/// Widest a rater's or the final column gets before values are cut.
const VALUE_WIDTH: usize = 16;

impl ReviewScreen {
    pub fn render(&mut self, frame: &mut Frame, area: Rect) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let text = format!(
                "tally needs a terminal of at least {MIN_WIDTH}x{MIN_HEIGHT}; this one is {}x{}.\nPlease enlarge it (q quits).",
                area.width, area.height
            );
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).alignment(Alignment::Center), area);
            return;
        }
        // Narrow terminals give the key legend two lines.
        let footer_height = if area.width < 110 && self.tab == Tab::List { 3 } else { 2 };
        let [title, body, footer] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(footer_height)])
                .areas(area);
        self.render_title(frame, title);
        match self.tab {
            Tab::List => self.render_list(frame, body),
            Tab::Item => self.render_item(frame, body),
            Tab::Dashboard => match &self.dashboard {
                DashboardState::Ready(dashboard) => dashboard.render(frame, body, &self.theme),
                DashboardState::Computing => frame.render_widget(
                    Paragraph::new(
                        "computing… (progress, agreement with its bootstrap intervals, the judge, tag rates)\n\
                         the list and the items work meanwhile",
                    )
                    .alignment(Alignment::Center)
                    .wrap(Wrap { trim: true }),
                    body,
                ),
                DashboardState::Failed(error) => frame.render_widget(
                    Paragraph::new(format!("the dashboard could not be computed: {}", single_line(error)))
                        .style(self.theme.error())
                        .wrap(Wrap { trim: true }),
                    body,
                ),
            },
        }
        self.render_footer(frame, footer);
    }

    fn render_title(&self, frame: &mut Frame, area: Rect) {
        let tab = match self.tab {
            Tab::List => "list",
            Tab::Item => "item",
            Tab::Dashboard => "dashboard",
        };
        let mut spans = vec![Span::styled(format!(" review: {tab} "), self.theme.title()), Span::raw(" ")];
        let count = if self.loading {
            "reading items…".to_string()
        } else {
            format!("{}/{} items", self.visible.len(), self.items.len())
        };
        spans.push(Span::raw(format!("{} · {count} · {}", single_line(&self.scope), single_line(&self.reviewer))));
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn render_footer(&self, frame: &mut Frame, area: Rect) {
        let theme = &self.theme;
        if let Some(prompt) = &self.prompt {
            let question = match prompt.kind {
                PromptKind::Search => "search:",
                PromptKind::Slice => "slice FIELD=VALUE (empty clears):",
                PromptKind::Rationale => "why? (kept with the decision; Enter saves, Esc goes back):",
            };
            let mut first = vec![Span::styled(question, theme.focus())];
            if prompt.kind == PromptKind::Search
                && let Some(search) = self.search.as_ref().filter(|search| !search.done())
            {
                let (tested, of) = search.progress();
                first.push(Span::styled(format!(" searching… {tested} of {of}"), theme.muted()));
            }
            let lines = vec![Line::from(first), Line::from(format!("{}▏", single_line(&prompt.text)))];
            frame.render_widget(Paragraph::new(lines), area);
            return;
        }
        let keys: &[(&str, &str)] = match self.tab {
            Tab::List => &[
                ("↵", "open"),
                ("/", "search"),
                ("d D", "disagree"),
                ("g", "judge gap"),
                ("f", "flagged"),
                ("s", "skipped"),
                ("t", "tag"),
                ("m", "slice"),
                ("o", "sort"),
                ("x", "clear"),
                ("tab", "dashboard"),
                ("q", "quit"),
            ],
            Tab::Item => &[
                ("option keys", "final value"),
                ("↵", "adjudicate"),
                ("esc", "back"),
                ("← →", "item"),
                ("↑ ↓", "scroll"),
                ("tab", "dashboard"),
            ],
            // The dashboard draws its own keys.
            Tab::Dashboard => &[("tab esc", "back"), ("q", "quit")],
        };
        let mut spans = Vec::new();
        for (key, what) in keys {
            spans.push(Span::styled(*key, theme.key()));
            spans.push(Span::raw(format!(" {what} ")));
            spans.push(Span::raw(" "));
        }
        let first = match &self.message {
            Some((tone, text)) => {
                let style = if *tone == Tone::Error { theme.error() } else { theme.ok() };
                Line::from(Span::styled(single_line(text), style))
            }
            None if self.tab == Tab::List => Line::from(vec![
                Span::styled("filters: ", theme.heading()),
                Span::raw(self.filter_summary()),
                Span::styled(format!("  sort: {}", self.sort.name()), theme.muted()),
            ]),
            // What the option keys do now: the focused criterion's final value.
            None if self.tab == Tab::Item => match self.rubric.criteria.get(self.focus) {
                Some(criterion) if !criterion.options.is_empty() => Line::from(vec![
                    Span::styled(criterion.key_hint(), theme.key()),
                    Span::raw(format!(" final {}  ", single_line(&criterion.id))),
                    Span::styled("j k", theme.key()),
                    Span::raw(" criterion"),
                ]),
                _ => Line::raw(""),
            },
            None => Line::raw(""),
        };
        let lines = vec![first, Line::from(spans)];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
    }

    fn render_list(&mut self, frame: &mut Frame, area: Rect) {
        let rows_shown = usize::from(area.height.saturating_sub(1)).max(1);
        self.page = rows_shown;
        if self.selected < self.list_offset {
            self.list_offset = self.selected;
        } else if self.selected >= self.list_offset + rows_shown {
            self.list_offset = self.selected + 1 - rows_shown;
        }
        if self.visible.is_empty() {
            let text = if self.loading {
                "reading the labeled items… (the dashboard's figures follow)"
            } else if self.items.is_empty() {
                "no labeled items in scope yet"
            } else {
                "no item passes the filters (x clears them)"
            };
            frame.render_widget(Paragraph::new(text).alignment(Alignment::Center), area);
            return;
        }
        let id_width = self.id_width;
        let criterion = self.filters.disagreement.and_then(|(criterion, _)| criterion);
        let rows: Vec<Row> = self
            .visible
            .iter()
            .enumerate()
            .skip(self.list_offset)
            .take(rows_shown)
            .map(|(position, &index)| {
                let item = &self.items[index];
                let marks = format!(
                    "{}{}",
                    if item.flagged_by.is_empty() { String::new() } else { format!("⚑{} ", item.flagged_by.len()) },
                    if item.skipped_by.is_empty() { String::new() } else { format!("↷{}", item.skipped_by.len()) },
                );
                let row = Row::new(vec![
                    truncate(&single_line(&item.item.id), id_width),
                    item.raters.len().to_string(),
                    figure(item.disagreement_of(criterion)),
                    figure(item.judge_gap_max()),
                    marks,
                    self.final_summary(item),
                ]);
                if position == self.selected { row.style(self.theme.selected()) } else { row }
            })
            .collect();
        let criteria: Vec<String> = self
            .rubric
            .criteria
            .iter()
            .filter(|criterion| criterion.kind != Kind::Text)
            .map(|criterion| single_line(&criterion.id))
            .collect();
        let final_header = format!("final: {} (* adjudicated)", criteria.join(" · "));
        let header = Row::new(vec![
            "item".to_string(),
            "n".into(),
            "disagr".into(),
            "judge".into(),
            "marks".into(),
            final_header,
        ])
        .style(self.theme.heading());
        let widths = [
            Constraint::Length(id_width as u16),
            Constraint::Length(2),
            Constraint::Length(6),
            Constraint::Length(5),
            Constraint::Length(6),
            Constraint::Fill(1),
        ];
        frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
    }

    /// The final value of each criterion, in rubric order: `fail* · grounded · tie(3|4)`.
    fn final_summary(&self, item: &ReviewItem) -> String {
        self.rubric
            .criteria
            .iter()
            .zip(&item.decisions)
            .filter(|(criterion, _)| criterion.kind != Kind::Text)
            .map(|(_, decision)| decision.as_ref().map_or_else(|| "-".to_string(), decision_text))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    fn render_item(&self, frame: &mut Frame, area: Rect) {
        let Some(item) = self.current() else {
            frame.render_widget(Paragraph::new("no item").alignment(Alignment::Center), area);
            return;
        };
        let criteria: Vec<usize> =
            (0..self.rubric.criteria.len()).filter(|&i| self.rubric.criteria[i].kind != Kind::Text).collect();
        let notes = wrap(&self.notes(item), area.width);
        let table_height = criteria.len() as u16 + 1;
        let notes_height = (notes.len() as u16).min(area.height / 4);
        let [heading, text, table, notes_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(table_height),
            Constraint::Length(notes_height),
        ])
        .areas(area);

        let mut meta: Vec<String> = vec![format!("{} of {}", self.selected + 1, self.visible.len())];
        meta.push(single_line(&item.item.id));
        for (key, value) in &item.item.metadata {
            if let serde_json::Value::String(value) = value {
                meta.push(format!("{}={}", single_line(key), single_line(value)));
            }
        }
        frame.render_widget(Paragraph::new(Line::styled(meta.join(" · "), self.theme.heading())), heading);

        let mut lines: Vec<Line> = Vec::new();
        let mut section = |name: &str, body: &str| {
            lines.push(Line::styled(name.to_string(), self.theme.heading()));
            lines.extend(Text::raw(sanitize(body).into_owned()).lines);
        };
        section("input", &item.item.input);
        section("output", &item.item.output);
        if let Some(reference) = &item.item.reference {
            section("reference", reference);
        }
        for (index, passage) in item.item.context.iter().enumerate() {
            section(&format!("passage {}", index + 1), passage);
        }
        // Wrapped here, so scrolling stops at the end and the heading can say where it is.
        let rows = wrap(&lines, text.width);
        let last = rows.len().saturating_sub(usize::from(text.height)).min(usize::from(u16::MAX)) as u16;
        self.scroll_end.set(last);
        let scroll = self.scroll.min(last);
        if rows.len() > usize::from(text.height) {
            let bottom = (usize::from(scroll) + usize::from(text.height)).min(rows.len());
            let position = format!("lines {}-{bottom}/{}", scroll + 1, rows.len());
            frame.render_widget(Paragraph::new(Line::from(position).right_aligned()), heading);
        }
        frame.render_widget(Paragraph::new(rows).scroll((scroll, 0)), text);

        self.render_side_by_side(frame, table, item, &criteria);
        frame.render_widget(Paragraph::new(notes), notes_area);
    }

    /// Criteria down, raters across, then the judge and the final value.
    fn render_side_by_side(&self, frame: &mut Frame, area: Rect, item: &ReviewItem, criteria: &[usize]) {
        let theme = &self.theme;
        let criterion_width =
            criteria.iter().map(|&i| self.rubric.criteria[i].id.chars().count()).max().unwrap_or(9).clamp(9, 16) + 1;
        let value_width = |values: &mut dyn Iterator<Item = String>, title: &str| {
            values.map(|v| v.chars().count()).chain([title.chars().count()]).max().unwrap_or(1).min(VALUE_WIDTH)
        };
        let judge_width =
            value_width(&mut criteria.iter().map(|&i| judge_text(item, &self.rubric.criteria[i].id)), "judge");
        let final_width = VALUE_WIDTH;
        // Raters get what is left. When their values do not all fit, every rater's
        // column narrows to an equal share (values cut with `…`) rather than a rater
        // disappearing; only past 4 columns each are the rest counted in the header.
        let fixed = criterion_width + judge_width + final_width + 3;
        let room = usize::from(area.width).saturating_sub(fixed);
        let natural: Vec<usize> = item
            .raters
            .iter()
            .map(|rater| {
                value_width(
                    &mut criteria.iter().map(|&i| item.values[i].get(rater).map_or_else(String::new, |v| v.display())),
                    rater,
                )
            })
            .collect();
        let share = if natural.iter().map(|width| width + 1).sum::<usize>() <= room {
            usize::MAX
        } else {
            (room / item.raters.len().max(1)).saturating_sub(1).max(4)
        };
        let mut left = room;
        let mut raters: Vec<(&str, usize)> = Vec::new();
        for (rater, natural) in item.raters.iter().zip(natural) {
            let width = natural.min(share);
            if width + 1 > left {
                break;
            }
            left -= width + 1;
            raters.push((rater, width));
        }
        let hidden = item.raters.len() - raters.len();

        let mut header = vec![if hidden > 0 { format!("(+{hidden} raters)") } else { "criterion".to_string() }];
        header.extend(raters.iter().map(|(rater, width)| truncate(&single_line(rater), *width)));
        header.push("judge".into());
        header.push("final".into());
        let rows: Vec<Row> = criteria
            .iter()
            .map(|&index| {
                let criterion = &self.rubric.criteria[index];
                // The focused criterion takes option keys that several criteria share.
                let marker = if index == self.focus { "▶" } else { " " };
                let mut cells = vec![format!("{marker}{}", truncate(&single_line(&criterion.id), criterion_width - 1))];
                for (rater, width) in &raters {
                    let value =
                        item.values[index].get(*rater).map_or_else(|| "·".to_string(), |v| single_line(&v.display()));
                    cells.push(truncate(&value, *width));
                }
                cells.push(truncate(&judge_text(item, &criterion.id), judge_width));
                let (final_text, style) = match self.draft.get(&index) {
                    Some(value) => (format!("→ {}", single_line(&value.display())), theme.selected()),
                    None => match &item.decisions[index] {
                        Some(decision) => (decision_text(decision), Style::default()),
                        None => ("·".to_string(), theme.muted()),
                    },
                };
                let mut row_cells: Vec<ratatui::widgets::Cell> = cells.into_iter().map(Into::into).collect();
                row_cells.push(ratatui::widgets::Cell::from(truncate(&final_text, final_width)).style(style));
                Row::new(row_cells)
            })
            .collect();
        let mut widths = vec![Constraint::Length(criterion_width as u16)];
        widths.extend(raters.iter().map(|(_, width)| Constraint::Length(*width as u16)));
        widths.push(Constraint::Length(judge_width as u16));
        widths.push(Constraint::Length(final_width as u16));
        let table = Table::new(rows, widths).header(Row::new(header).style(theme.heading())).column_spacing(1);
        frame.render_widget(table, area);
    }

    /// Adjudications, comments, flags and skips on the item, a line each.
    fn notes(&self, item: &ReviewItem) -> Vec<Line<'static>> {
        let theme = &self.theme;
        let mut lines = Vec::new();
        // The focused criterion's values in full: a narrow column cuts them, and j/k
        // moves focus, so every rater's value can be read.
        if let Some(criterion) = self.rubric.criteria.get(self.focus)
            && let Some(values) = item.values.get(self.focus)
            && !values.is_empty()
        {
            let all: Vec<String> = values
                .iter()
                .map(|(rater, value)| format!("{} {}", single_line(rater), single_line(&value.display())))
                .collect();
            lines.push(Line::from(vec![
                Span::styled(format!("▶ {}: ", single_line(&criterion.id)), theme.focus()),
                Span::raw(all.join(" · ")),
            ]));
        }
        for (criterion, adjudication) in self.rubric.criteria.iter().zip(&item.adjudications) {
            if let Some(adjudication) = adjudication {
                let value = criterion
                    .parse_json(&adjudication.value)
                    .map_or_else(|_| adjudication.value.to_string(), |v| v.display());
                lines.push(Line::from(vec![
                    Span::styled("* ", theme.focus()),
                    Span::raw(single_line(&format!(
                        "{} = {} by {}: {}",
                        criterion.id,
                        value,
                        adjudication.adjudicator,
                        adjudication.rationale.as_deref().unwrap_or("")
                    ))),
                ]));
            }
        }
        for comment in &item.comments {
            let sign = match comment.about.as_str() {
                "flag" => "⚑",
                "skip" => "↷",
                _ => "✎",
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{sign} {} ({}): ", single_line(&comment.rater), single_line(&comment.about)),
                    theme.heading(),
                ),
                Span::raw(single_line(&comment.text)),
            ]));
        }
        let unexplained: Vec<&String> = item
            .flagged_by
            .iter()
            .filter(|rater| !item.comments.iter().any(|c| c.about == "flag" && &c.rater == *rater))
            .collect();
        if !unexplained.is_empty() {
            let names: Vec<String> = unexplained.iter().map(|r| single_line(r)).collect();
            lines.push(Line::styled(format!("⚑ flagged by {}", names.join(", ")), theme.error()));
        }
        lines
    }
}

/// The judge's value for a criterion as text, `-` when it has none.
fn judge_text(item: &ReviewItem, criterion: &str) -> String {
    match item.item.judge.get(criterion) {
        Some(serde_json::Value::String(text)) => single_line(text),
        Some(serde_json::Value::Null) | None => "-".to_string(),
        Some(other) => single_line(&other.to_string()),
    }
}

/// A decision as text: the value (`*` when adjudicated), or the tie.
fn decision_text(decision: &Decision) -> String {
    let value = match &decision.value {
        serde_json::Value::String(text) => single_line(text),
        serde_json::Value::Array(tags) if tags.is_empty() => "(none)".to_string(),
        serde_json::Value::Array(tags) => {
            tags.iter().filter_map(serde_json::Value::as_str).map(single_line).collect::<Vec<_>>().join(",")
        }
        serde_json::Value::Null => {
            format!("tie({})", decision.tied.iter().map(|t| single_line(t)).collect::<Vec<_>>().join("|"))
        }
        other => other.to_string(),
    };
    if decision.method == "adjudicated" { format!("{value}*") } else { value }
}

fn figure(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |value| format!("{value:.2}"))
}

/// At most `width` characters, with `…` when cut.
fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
