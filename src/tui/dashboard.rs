//! The Dashboard tab of the review screen: progress per rater, alpha per criterion with its
//! interval, the judge-human table, a confusion matrix, score histograms and defect-tag
//! rates by slice.
//!
//! It holds figures already computed (no store, no I/O): the host builds it from the
//! reports with [`Dashboard::from_reports`], feeds it keys with [`Dashboard::handle`] and
//! draws it with [`Dashboard::render`]. Every string from the data is sanitised once, when
//! the dashboard is built, so nothing drawn can drive the terminal.
//!
//! At 80x24 one panel fills the area and keys move between panels; from [`GRID_WIDTH`] x
//! [`GRID_HEIGHT`] all six show at once in a grid, the focused one outlined.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Cell, LineGauge, Paragraph, Row, Table, Tabs, Wrap};

use crate::model::text::single_line;
use crate::report::agreement::{AgreementReport, AlphaFigures};
use crate::report::judge::JudgeReport;
use crate::report::progress::ProgressReport;
use crate::tui::MIN_WIDTH;
use crate::tui::theme::Theme;

/// Areas at least this large show every panel at once, two columns of three. A 160x48
/// terminal leaves the tab this much after the review screen's own title and footer.
pub const GRID_WIDTH: u16 = 160;
pub const GRID_HEIGHT: u16 = 40;

/// Below this height even one panel has no room for its figures.
const MIN_HEIGHT: u16 = 10;

/// Krippendorff's customary thresholds: tentative conclusions from 0.667, reliable from 0.8.
const ALPHA_MARKS: [f64; 2] = [0.667, 0.8];

/// Longer criterion, rater and tag names are cut with an ellipsis.
const NAME_WIDTH: usize = 16;

/// One slice's rate of one tag, with its Wilson interval and n.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    pub rate: f64,
    pub low: f64,
    pub high: f64,
    pub n: u64,
}

/// One tag's rates, one cell per slice of [`TagRates::slices`] (`None`: no items there).
#[derive(Debug, Clone, PartialEq)]
pub struct TagRateRow {
    pub tag: String,
    pub cells: Vec<Option<Rate>>,
}

/// Defect-tag rates by slice: `field` is the metadata field that slices the items
/// (e.g. `model`), `slices` its values, in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct TagRates {
    pub field: String,
    pub slices: Vec<String>,
    pub rows: Vec<TagRateRow>,
}

/// How many items have each consensus value of one ordinal or number criterion, in the
/// order the bars are drawn (options lowest first, or number bins).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreCounts {
    pub criterion: String,
    pub counts: Vec<(String, u64)>,
}

/// The dashboard's panels, in the order of their number keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Progress,
    Alpha,
    Judge,
    Confusion,
    Scores,
    Tags,
}

impl Panel {
    pub const ALL: [Panel; 6] =
        [Panel::Progress, Panel::Alpha, Panel::Judge, Panel::Confusion, Panel::Scores, Panel::Tags];

    pub fn index(self) -> usize {
        Panel::ALL.iter().position(|panel| *panel == self).unwrap_or(0)
    }

    /// The short name on the tab bar.
    pub fn name(self) -> &'static str {
        match self {
            Panel::Progress => "Progress",
            Panel::Alpha => "Alpha",
            Panel::Judge => "Judge",
            Panel::Confusion => "Confusion",
            Panel::Scores => "Scores",
            Panel::Tags => "Tags",
        }
    }

    fn step(self, by: isize) -> Panel {
        let count = Panel::ALL.len() as isize;
        Panel::ALL[(self.index() as isize + by).rem_euclid(count) as usize]
    }
}

/// The dashboard's keys, for its help line and the host's help overlay.
pub const KEYS: [(&str, &str); 5] =
    [("←/→ h/l", "panel"), ("1-6", "jump"), ("↑/↓ j/k", "scroll"), ("PgUp/PgDn", "page"), ("c/C", "criterion")];

#[derive(Debug, Clone, PartialEq)]
struct RaterRow {
    name: String,
    assigned: i64,
    done: i64,
    skipped: i64,
    flagged: i64,
    items_per_hour: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
struct AlphaRow {
    label: String,
    /// A tag of a tags criterion, drawn under its criterion.
    is_tag: bool,
    alpha: Option<f64>,
    interval: Option<(f64, f64)>,
    n_units: usize,
    undefined_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct JudgeRow {
    criterion: String,
    pearson: Option<f64>,
    spearman: Option<f64>,
    kendall: Option<f64>,
    kappa: Option<f64>,
    kappa_weighted: bool,
    bias: Option<f64>,
    /// Whether correlations apply (not to unordered categories).
    correlated: bool,
    n: usize,
}

#[derive(Debug, Clone, PartialEq)]
struct JudgeTable {
    human: String,
    rows: Vec<JudgeRow>,
}

#[derive(Debug, Clone, PartialEq)]
struct ConfusionMatrix {
    criterion: String,
    labels: Vec<String>,
    /// Rows the human consensus, columns the judge.
    counts: Vec<Vec<u64>>,
}

/// The dashboard: figures ready to draw, which panel has focus, and how far each is scrolled.
#[derive(Debug, Clone)]
pub struct Dashboard {
    title: String,
    raters: Vec<RaterRow>,
    alphas: Vec<AlphaRow>,
    confidence: f64,
    judge: Option<JudgeTable>,
    confusions: Vec<ConfusionMatrix>,
    scores: Vec<ScoreCounts>,
    tag_rates: Option<TagRates>,
    panel: Panel,
    scroll: [usize; 6],
    confusion_at: usize,
    scores_at: usize,
    /// Rows each panel showed at its last render, so scrolling stops at the last page.
    visible_rows: std::cell::Cell<[usize; 6]>,
}

impl Dashboard {
    /// Builds the dashboard from the reports. `score_counts` has one entry per ordinal or
    /// number criterion; `tag_rates` is `None` when there is no slice data.
    pub fn from_reports(
        progress: &ProgressReport,
        agreement: &AgreementReport,
        judge: Option<&JudgeReport>,
        score_counts: Vec<ScoreCounts>,
        tag_rates: Option<TagRates>,
    ) -> Dashboard {
        let first_batch = progress.raters.first().map(|row| &row.batch);
        let several_batches = progress.raters.iter().any(|row| Some(&row.batch) != first_batch);
        let raters = progress
            .raters
            .iter()
            .map(|row| RaterRow {
                name: if several_batches {
                    format!("{} · {}", single_line(&row.rater), single_line(&row.batch))
                } else {
                    single_line(&row.rater)
                },
                assigned: row.assigned,
                done: row.done,
                skipped: row.skipped,
                flagged: row.flagged,
                items_per_hour: row.items_per_hour,
            })
            .collect();

        let mut alphas = Vec::new();
        for criterion in &agreement.criteria {
            alphas.push(alpha_row(&criterion.criterion, false, &criterion.figures));
            for tag in &criterion.per_tag {
                alphas.push(alpha_row(&tag.tag, true, &tag.figures));
            }
        }
        let confidence = agreement.criteria.first().map_or(0.95, |criterion| criterion.confidence);

        let judge_table = judge.filter(|report| !report.criteria.is_empty()).map(|report| JudgeTable {
            human: report.criteria.first().map_or(String::new(), |criterion| criterion.human.to_string()),
            rows: report
                .criteria
                .iter()
                .map(|criterion| JudgeRow {
                    criterion: single_line(&criterion.criterion),
                    pearson: criterion.correlations.pearson.r,
                    spearman: criterion.correlations.spearman.rho,
                    kendall: criterion.correlations.kendall.tau_b,
                    kappa: criterion.kappa,
                    kappa_weighted: criterion.kappa_weights.is_some_and(|weights| weights != "none"),
                    bias: criterion.bias,
                    correlated: criterion.correlated,
                    n: if criterion.correlated { criterion.correlations.n } else { criterion.kappa_n },
                })
                .collect(),
        });
        let confusions = judge
            .map(|report| {
                report
                    .criteria
                    .iter()
                    .filter_map(|criterion| {
                        let confusion = criterion.confusion.as_ref()?;
                        Some(ConfusionMatrix {
                            criterion: single_line(&criterion.criterion),
                            labels: confusion.labels.iter().map(|label| single_line(label)).collect(),
                            counts: confusion.counts.clone(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();

        let scores = score_counts
            .into_iter()
            .map(|scores| ScoreCounts {
                criterion: single_line(&scores.criterion),
                counts: scores.counts.into_iter().map(|(label, count)| (single_line(&label), count)).collect(),
            })
            .collect();
        let tag_rates = tag_rates.map(|rates| TagRates {
            field: single_line(&rates.field),
            slices: rates.slices.iter().map(|slice| single_line(slice)).collect(),
            rows: rates
                .rows
                .into_iter()
                .map(|row| TagRateRow { tag: single_line(&row.tag), cells: row.cells })
                .collect(),
        });

        let title = match &agreement.batch {
            Some(batch) => format!("{} v{} · batch {}", agreement.rubric, agreement.rubric_version, batch),
            None => format!("{} v{}", agreement.rubric, agreement.rubric_version),
        };
        Dashboard {
            title: single_line(&title),
            raters,
            alphas,
            confidence,
            judge: judge_table,
            confusions,
            scores,
            tag_rates,
            panel: Panel::Progress,
            scroll: [0; 6],
            confusion_at: 0,
            scores_at: 0,
            visible_rows: std::cell::Cell::new([0; 6]),
        }
    }

    /// The panel with focus.
    pub fn panel(&self) -> Panel {
        self.panel
    }

    /// The criterion the confusion matrix shows, if there is one.
    pub fn confusion_criterion(&self) -> Option<&str> {
        self.confusions.get(self.confusion_at).map(|matrix| matrix.criterion.as_str())
    }

    /// The criterion the score histogram shows, if there is one.
    pub fn scores_criterion(&self) -> Option<&str> {
        self.scores.get(self.scores_at).map(|scores| scores.criterion.as_str())
    }

    /// Acts on a key; `false` when the key is not the dashboard's (the host's, e.g. quit or
    /// a tab switch). Key releases and Ctrl/Alt chords are left to the host.
    pub fn handle(&mut self, key: KeyEvent) -> bool {
        if key.kind == KeyEventKind::Release || key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
            return false;
        }
        let page = self.visible_rows.get()[self.panel.index()].max(1) as isize;
        match key.code {
            KeyCode::Right | KeyCode::Char('l') => self.panel = self.panel.step(1),
            KeyCode::Left | KeyCode::Char('h') => self.panel = self.panel.step(-1),
            KeyCode::Char(digit @ '1'..='6') => self.panel = Panel::ALL[digit as usize - '1' as usize],
            KeyCode::Down | KeyCode::Char('j') => self.scroll_by(1),
            KeyCode::Up | KeyCode::Char('k') => self.scroll_by(-1),
            KeyCode::PageDown => self.scroll_by(page),
            KeyCode::PageUp => self.scroll_by(-page),
            KeyCode::Home | KeyCode::Char('g') => self.scroll[self.panel.index()] = 0,
            KeyCode::Char('c') => return self.cycle_criterion(1),
            KeyCode::Char('C') => return self.cycle_criterion(-1),
            _ => return false,
        }
        true
    }

    /// Moves the focused panel's criterion; only the confusion matrix and the histograms
    /// have one.
    fn cycle_criterion(&mut self, by: isize) -> bool {
        let (at, count) = match self.panel {
            Panel::Confusion => (&mut self.confusion_at, self.confusions.len()),
            Panel::Scores => (&mut self.scores_at, self.scores.len()),
            _ => return false,
        };
        if count > 0 {
            *at = (*at as isize + by).rem_euclid(count as isize) as usize;
        }
        self.scroll[self.panel.index()] = 0;
        true
    }

    fn scroll_by(&mut self, by: isize) {
        let index = self.panel.index();
        let last = self.row_count(self.panel).saturating_sub(self.visible_rows.get()[index]);
        self.scroll[index] = self.scroll[index].saturating_add_signed(by).min(last);
    }

    /// Rows a panel scrolls over.
    fn row_count(&self, panel: Panel) -> usize {
        match panel {
            Panel::Progress => self.raters.len(),
            Panel::Alpha => self.alphas.len(),
            Panel::Judge => self.judge.as_ref().map_or(0, |table| table.rows.len()),
            Panel::Confusion => self.confusions.get(self.confusion_at).map_or(0, |matrix| matrix.labels.len()),
            Panel::Scores => 0,
            Panel::Tags => self.tag_rates.as_ref().map_or(0, |rates| rates.rows.len()),
        }
    }

    /// The first row shown of `panel` when `shown` rows fit; remembers `shown` for paging.
    fn offset(&self, panel: Panel, shown: usize) -> usize {
        let mut visible = self.visible_rows.get();
        visible[panel.index()] = shown;
        self.visible_rows.set(visible);
        self.scroll[panel.index()].min(self.row_count(panel).saturating_sub(shown))
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let text = format!(
                "The dashboard needs at least {MIN_WIDTH}x{MIN_HEIGHT}; this is {}x{}. Please enlarge the terminal.",
                area.width, area.height
            );
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).alignment(Alignment::Center), area);
            return;
        }
        let [tabs, body, help] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        self.render_tabs(frame, tabs, theme);
        self.render_help(frame, help, theme);
        if area.width >= GRID_WIDTH && area.height >= GRID_HEIGHT {
            let rows = Layout::vertical([Constraint::Fill(1); 3]).split(body);
            for (row, pair) in rows.iter().zip(Panel::ALL.chunks(2)) {
                let columns = Layout::horizontal([Constraint::Fill(1); 2]).split(*row);
                for (column, panel) in columns.iter().zip(pair) {
                    self.render_panel(frame, *column, *panel, theme);
                }
            }
        } else {
            self.render_panel(frame, body, self.panel, theme);
        }
    }

    fn render_tabs(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let titles: Vec<String> =
            Panel::ALL.iter().enumerate().map(|(at, panel)| format!("{} {}", at + 1, panel.name())).collect();
        // Each title is padded by a space either side and divided by one column.
        let tabs_width = titles.iter().map(|title| display_width(title) + 3).sum::<usize>() as u16;
        let [tabs, title] = Layout::horizontal([Constraint::Length(tabs_width), Constraint::Fill(1)]).areas(area);
        let tabs_widget = Tabs::new(titles)
            .select(self.panel.index())
            .highlight_style(theme.selected())
            .padding(" ", " ")
            .divider("│");
        frame.render_widget(tabs_widget, tabs);
        // The rubric and batch only when they fit whole; the host's title has them too.
        if display_width(&self.title) < usize::from(title.width) {
            let paragraph = Paragraph::new(self.title.as_str()).style(theme.muted()).alignment(Alignment::Right);
            frame.render_widget(paragraph, title);
        }
    }

    fn render_help(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let mut spans = Vec::new();
        for (at, (keys, what)) in KEYS.iter().enumerate() {
            if at > 0 {
                spans.push(Span::raw(" · "));
            }
            spans.push(Span::styled(*keys, theme.key()));
            spans.push(Span::raw(format!(" {what}")));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn render_panel(&self, frame: &mut Frame, area: Rect, panel: Panel, theme: &Theme) {
        let focused = panel == self.panel;
        let title = format!(" {} {} ", panel.index() + 1, self.panel_title(panel));
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(if focused { symbols::border::THICK } else { symbols::border::PLAIN })
            .title(Span::styled(title, if focused { theme.focus() } else { theme.heading() }));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        match panel {
            Panel::Progress => self.render_progress(frame, inner, theme),
            Panel::Alpha => self.render_alpha(frame, inner, theme),
            Panel::Judge => self.render_judge(frame, inner, theme),
            Panel::Confusion => self.render_confusion(frame, inner, theme),
            Panel::Scores => self.render_scores(frame, inner, theme),
            Panel::Tags => self.render_tags(frame, inner, theme),
        }
    }

    fn panel_title(&self, panel: Panel) -> String {
        // Which of several criteria is shown, so the reader knows `c` has more.
        let of =
            |at: usize, count: usize| if count > 1 { format!(" ({} of {count}, c next)", at + 1) } else { "".into() };
        match panel {
            Panel::Progress => "Progress per rater".to_string(),
            Panel::Alpha => format!("Krippendorff's alpha, {:.0}% CI", self.confidence * 100.0),
            Panel::Judge => "Judge vs human".to_string(),
            Panel::Confusion => match self.confusions.get(self.confusion_at) {
                Some(matrix) => {
                    format!("Confusion: {}{}", matrix.criterion, of(self.confusion_at, self.confusions.len()))
                }
                None => "Confusion matrix".to_string(),
            },
            Panel::Scores => match self.scores.get(self.scores_at) {
                Some(scores) => format!("Scores: {}{}", scores.criterion, of(self.scores_at, self.scores.len())),
                None => "Score histogram".to_string(),
            },
            Panel::Tags => match &self.tag_rates {
                Some(rates) => format!("Defect-tag rates by {}", rates.field),
                None => "Defect-tag rates by slice".to_string(),
            },
        }
    }

    fn render_progress(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if self.raters.is_empty() {
            return empty(frame, area, "no raters assigned yet", theme);
        }
        let [summary, list] = Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(area);
        let sum = |field: fn(&RaterRow) -> i64| self.raters.iter().map(field).sum::<i64>();
        let (done, assigned) = (sum(|row| row.done), sum(|row| row.assigned));
        let text = format!(
            "{done} of {assigned} done ({}) · {} skipped · {} flagged · {} raters",
            percent(done, assigned),
            sum(|row| row.skipped),
            sum(|row| row.flagged),
            self.raters.len()
        );
        frame.render_widget(Paragraph::new(text), summary);

        let name_width = self.raters.iter().map(|row| display_width(&row.name)).max().unwrap_or(0).min(NAME_WIDTH);
        let shown = usize::from(list.height);
        let offset = self.offset(Panel::Progress, shown);
        for (line, row) in self.raters.iter().skip(offset).take(shown).enumerate() {
            let line_area = Rect { y: list.y + line as u16, height: 1, ..list };
            let figures = format!(
                "{:>5}/{:<5} skip {:<3} flag {:<3} {}",
                row.done,
                row.assigned,
                row.skipped,
                row.flagged,
                row.items_per_hour.map_or("   -/h".to_string(), |pace| format!("{pace:>4.0}/h"))
            );
            let [name, gauge, numbers] = Layout::horizontal([
                Constraint::Length(name_width as u16 + 1),
                Constraint::Fill(1),
                Constraint::Length(display_width(&figures) as u16 + 1),
            ])
            .areas(line_area);
            frame.render_widget(Paragraph::new(fit(&row.name, name_width)), name);
            let ratio = if row.assigned > 0 { (row.done as f64 / row.assigned as f64).clamp(0.0, 1.0) } else { 0.0 };
            // Thick and thin lines tell done from open without colour.
            let gauge_widget = LineGauge::default()
                .ratio(ratio)
                .label(format!("{:>4}", percent(row.done, row.assigned)))
                .filled_symbol(symbols::line::THICK_HORIZONTAL)
                .unfilled_symbol(symbols::line::HORIZONTAL)
                .filled_style(theme.ok())
                .unfilled_style(theme.muted());
            frame.render_widget(gauge_widget, gauge);
            frame.render_widget(Paragraph::new(format!(" {figures}")), numbers);
        }
    }

    fn render_alpha(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if self.alphas.is_empty() {
            return empty(frame, area, "no criterion with agreement (text criteria have none)", theme);
        }
        let [list, axis_area, legend] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1), Constraint::Length(1)]).areas(area);
        // Negative alphas (systematic disagreement) widen the axis to [-1, 1].
        let negative = self
            .alphas
            .iter()
            .any(|row| row.alpha.is_some_and(|alpha| alpha < 0.0) || row.interval.is_some_and(|(low, _)| low < 0.0));
        let axis = Axis { low: if negative { -1.0 } else { 0.0 }, high: 1.0 };
        let label_width =
            self.alphas.iter().map(|row| display_width(&row.label) + usize::from(row.is_tag) * 2).max().unwrap_or(0);
        let label_width = label_width.min(NAME_WIDTH);
        let figures: Vec<String> = self.alphas.iter().map(alpha_figures).collect();
        let figures_width = figures.iter().map(|text| display_width(text)).max().unwrap_or(0);
        let bar_width = usize::from(area.width).saturating_sub(label_width + figures_width + 4).clamp(10, 50);

        let shown = usize::from(list.height);
        let offset = self.offset(Panel::Alpha, shown);
        let mut lines = Vec::new();
        for (row, figures) in self.alphas.iter().zip(&figures).skip(offset).take(shown) {
            let label = if row.is_tag {
                format!("  {}", fit(&row.label, label_width.saturating_sub(2)))
            } else {
                fit(&row.label, label_width)
            };
            let pad = " ".repeat(label_width.saturating_sub(display_width(&label)));
            let mut spans = vec![Span::raw(format!("{label}{pad} │"))];
            spans.extend(axis.bar(row.alpha, row.interval, bar_width, alpha_style(row.alpha, theme)));
            spans.push(Span::raw("│ "));
            let style = if row.alpha.is_none() { theme.error() } else { Style::new() };
            spans.push(Span::styled(figures.clone(), style));
            lines.push(Line::from(spans));
        }
        frame.render_widget(Paragraph::new(lines), list);

        let ticks = axis.ticks(bar_width);
        frame.render_widget(Paragraph::new(format!("{}{ticks}", " ".repeat(label_width + 1))), axis_area);
        let legend_text = Line::from(vec![
            Span::raw("█ alpha  ─ interval  ┆ 0.667, 0.8  "),
            Span::styled("n", theme.heading()),
            Span::raw(" items rated"),
        ]);
        frame.render_widget(Paragraph::new(legend_text).style(theme.muted()), legend);
    }

    fn render_judge(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let Some(table) = &self.judge else {
            return empty(frame, area, "no judge scores", theme);
        };
        let [list, legend] = Layout::vertical([Constraint::Fill(1), Constraint::Length(2)]).areas(area);
        let shown = usize::from(list.height.saturating_sub(1));
        let offset = self.offset(Panel::Judge, shown);
        let rows = table.rows.iter().skip(offset).take(shown).map(|row| {
            // Unordered categories have no correlation: `n/a`, not a figure.
            let correlation = |value: Option<f64>| if row.correlated { signed(value) } else { "n/a".to_string() };
            let kappa = if row.kappa_weighted && row.kappa.is_some() {
                format!("{}w", signed(row.kappa))
            } else {
                signed(row.kappa)
            };
            Row::new(vec![
                Cell::from(fit(&row.criterion, NAME_WIDTH)),
                Cell::from(correlation(row.pearson)),
                Cell::from(correlation(row.spearman)),
                Cell::from(correlation(row.kendall)),
                Cell::from(kappa),
                Cell::from(signed(row.bias)),
                Cell::from(row.n.to_string()),
            ])
        });
        let header = Row::new(["criterion", "r", "ρ", "τb", "κ", "bias", "n"]).style(theme.heading());
        let widths = [
            Constraint::Fill(1),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(6),
        ];
        frame.render_widget(Table::new(rows, widths).header(header), list);
        let legend_text = format!(
            "judge against the human {}: r Pearson, ρ Spearman, τb Kendall, κ Cohen's kappa (w quadratic weights), \
             bias judge minus human",
            single_line(&table.human)
        );
        frame.render_widget(Paragraph::new(legend_text).style(theme.muted()).wrap(Wrap { trim: true }), legend);
    }

    fn render_confusion(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let Some(matrix) = self.confusions.get(self.confusion_at) else {
            let why =
                if self.judge.is_some() { "no categorical criterion with judge scores" } else { "no judge scores" };
            return empty(frame, area, why, theme);
        };
        let [list, legend] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        let label_width = matrix.labels.iter().map(|label| display_width(label)).max().unwrap_or(0).clamp(5, 12);
        let count_width = matrix.counts.iter().flatten().map(|count| count.to_string().len()).max().unwrap_or(1);
        let column_width = count_width.max(matrix.labels.iter().map(|label| display_width(label)).max().unwrap_or(0));
        let column_width = column_width.clamp(3, 10) as u16;

        let shown = usize::from(list.height.saturating_sub(1));
        let offset = self.offset(Panel::Confusion, shown);
        let mut header = vec![Cell::from("human╲judge")];
        header.extend(matrix.labels.iter().map(|label| Cell::from(fit(label, usize::from(column_width)))));
        header.push(Cell::from("n"));
        let rows = matrix.labels.iter().enumerate().skip(offset).take(shown).map(|(human, label)| {
            let counts = matrix.counts.get(human).map(Vec::as_slice).unwrap_or_default();
            let mut cells = vec![Cell::from(fit(label, label_width)).style(theme.heading())];
            for judge in 0..matrix.labels.len() {
                let count = counts.get(judge).copied().unwrap_or(0);
                let cell = Cell::from(Line::from(count.to_string()).alignment(Alignment::Right));
                // The diagonal is where judge and humans agree.
                cells.push(if judge == human { cell.style(theme.selected()) } else { cell });
            }
            cells.push(Cell::from(Line::from(counts.iter().sum::<u64>().to_string()).alignment(Alignment::Right)));
            Row::new(cells)
        });
        let mut widths = vec![Constraint::Length(label_width.max(11) as u16)];
        widths.extend(matrix.labels.iter().map(|_| Constraint::Length(column_width)));
        widths.push(Constraint::Length(count_width as u16 + 2));
        frame.render_widget(Table::new(rows, widths).header(Row::new(header).style(theme.heading())), list);

        let total: u64 = matrix.counts.iter().flatten().sum();
        let agreed: u64 = (0..matrix.labels.len())
            .map(|at| matrix.counts.get(at).and_then(|row| row.get(at)).copied().unwrap_or(0))
            .sum();
        let legend_text = format!(
            "rows human consensus, columns judge · diagonal agrees: {agreed} of {total} ({})",
            percent(agreed as i64, total as i64)
        );
        frame.render_widget(Paragraph::new(legend_text).style(theme.muted()), legend);
    }

    fn render_scores(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let Some(scores) = self.scores.get(self.scores_at) else {
            return empty(frame, area, "no ordinal or number criterion", theme);
        };
        let total: u64 = scores.counts.iter().map(|(_, count)| count).sum();
        if total == 0 {
            return empty(frame, area, "no consensus values yet", theme);
        }
        let [chart, legend] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        let bins = scores.counts.len().max(1) as u16;
        let gap = 1;
        let bar_width = ((chart.width + gap) / bins).saturating_sub(gap).clamp(1, 9);
        let bars: Vec<Bar> = scores
            .counts
            .iter()
            .map(|(label, count)| Bar::with_label(Line::from(label.as_str()), *count).style(theme.heading()))
            .collect();
        let chart_widget = BarChart::default()
            .data(BarGroup::default().bars(&bars))
            .bar_width(bar_width)
            .bar_gap(gap)
            .value_style(theme.selected())
            .label_style(theme.muted());
        frame.render_widget(chart_widget, chart);
        let legend_text = format!("items per consensus value · n={total}");
        frame.render_widget(Paragraph::new(legend_text).style(theme.muted()), legend);
    }

    fn render_tags(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let Some(rates) = &self.tag_rates else {
            return empty(frame, area, "no slice data", theme);
        };
        if rates.rows.is_empty() || rates.slices.is_empty() {
            return empty(frame, area, "no defect tags in these slices", theme);
        }
        let [list, legend] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        // A column's n goes in its header when every tag shares it, else into each cell.
        let column_n: Vec<Option<u64>> = (0..rates.slices.len())
            .map(|slice| {
                let mut ns = rates.rows.iter().filter_map(|row| row.cells.get(slice).cloned().flatten()).map(|r| r.n);
                let first = ns.next();
                if ns.all(|n| Some(n) == first) { first } else { None }
            })
            .collect();
        let cell_text = |rate: &Option<Rate>, slice: usize| match rate {
            None => "-".to_string(),
            Some(rate) if column_n[slice].is_some() => rate_text(rate),
            Some(rate) => format!("{} n={}", rate_text(rate), rate.n),
        };
        let tag_width = rates.rows.iter().map(|row| display_width(&row.tag)).max().unwrap_or(3).clamp(3, NAME_WIDTH);
        let column_width = |slice: usize| {
            let cells =
                rates.rows.iter().map(|row| display_width(&cell_text(&row.cells.get(slice).cloned().flatten(), slice)));
            cells.chain([display_width(&rates.slices[slice]).min(NAME_WIDTH)]).max().unwrap_or(1) as u16
        };
        let widths_all: Vec<u16> = (0..rates.slices.len()).map(column_width).collect();
        // Slices beyond the width are left out and counted in the legend.
        let mut room = list.width.saturating_sub(tag_width as u16 + 1);
        let fitting = widths_all
            .iter()
            .take_while(|width| {
                let fits = **width < room;
                room = room.saturating_sub(**width + 1);
                fits
            })
            .count()
            .max(1);

        let shown = usize::from(list.height.saturating_sub(2));
        let offset = self.offset(Panel::Tags, shown);
        let mut header = vec![Cell::from("tag")];
        for (slice, name) in rates.slices.iter().enumerate().take(fitting) {
            let n = column_n[slice].map_or(String::new(), |n| format!("n={n}"));
            header.push(Cell::from(format!("{}\n{n}", fit(name, NAME_WIDTH))));
        }
        let rows = rates.rows.iter().skip(offset).take(shown).map(|row| {
            let mut cells = vec![Cell::from(fit(&row.tag, tag_width))];
            for slice in 0..fitting {
                cells.push(Cell::from(cell_text(&row.cells.get(slice).cloned().flatten(), slice)));
            }
            Row::new(cells)
        });
        let mut widths = vec![Constraint::Length(tag_width as u16)];
        widths.extend(widths_all.iter().take(fitting).map(|width| Constraint::Length(*width)));
        let table = Table::new(rows, widths).header(Row::new(header).height(2).style(theme.heading()));
        frame.render_widget(table, list);
        let hidden = rates.slices.len() - fitting;
        let more = if hidden > 0 { format!(" · {hidden} more slices do not fit") } else { String::new() };
        let legend_text =
            format!("share of items with the tag [{:.0}% Wilson interval]{more}", self.confidence * 100.0);
        frame.render_widget(Paragraph::new(legend_text).style(theme.muted()), legend);
    }
}

fn alpha_row(label: &str, is_tag: bool, figures: &AlphaFigures) -> AlphaRow {
    // Non-finite figures are undefined, never drawn as a bar.
    let alpha = figures.alpha.filter(|alpha| alpha.is_finite());
    let interval = match (figures.ci_low, figures.ci_high) {
        (Some(low), Some(high)) if low.is_finite() && high.is_finite() && low <= high => Some((low, high)),
        _ => None,
    };
    AlphaRow {
        label: single_line(label),
        is_tag,
        alpha,
        interval,
        n_units: figures.n_units,
        undefined_reason: figures.undefined_reason.map(single_line),
    }
}

/// `0.743 [0.612, 0.851] n=40`, or `undefined (why) n=3`.
fn alpha_figures(row: &AlphaRow) -> String {
    match (row.alpha, row.interval) {
        (None, _) => match &row.undefined_reason {
            // The reason's gist; the report has it whole.
            Some(reason) => {
                format!("undefined ({}) n={}", fit(reason.split(':').next().unwrap_or(reason), 24), row.n_units)
            }
            None => format!("undefined n={}", row.n_units),
        },
        (Some(alpha), Some((low, high))) => format!("{alpha:>6.3} [{low:.2}, {high:.2}] n={}", row.n_units),
        (Some(alpha), None) => format!("{alpha:>6.3} n={}", row.n_units),
    }
}

/// Reliable, tentative or not, as a style that also carries a modifier.
fn alpha_style(alpha: Option<f64>, theme: &Theme) -> Style {
    match alpha {
        Some(alpha) if alpha >= ALPHA_MARKS[1] => theme.ok(),
        Some(alpha) if alpha < ALPHA_MARKS[0] => theme.error(),
        _ => Style::new(),
    }
}

/// A horizontal axis from `low` to `high` drawn in character cells.
struct Axis {
    low: f64,
    high: f64,
}

impl Axis {
    fn cell(&self, value: f64, width: usize) -> usize {
        let fraction = ((value - self.low) / (self.high - self.low)).clamp(0.0, 1.0);
        (fraction * (width - 1) as f64).round() as usize
    }

    /// `█` from zero to the value, `─` the interval, `┆` the marks, `│` zero when undefined.
    fn bar(&self, value: Option<f64>, interval: Option<(f64, f64)>, width: usize, style: Style) -> Vec<Span<'static>> {
        let mut cells = vec![(' ', Style::new()); width];
        if let Some((low, high)) = interval {
            cells[self.cell(low, width)..=self.cell(high, width)].fill(('─', Style::new()));
        }
        // Over the interval, so a reader sees whether it crosses a threshold.
        for mark in ALPHA_MARKS {
            cells[self.cell(mark, width)].0 = '┆';
        }
        let zero = self.cell(0.0, width);
        match value {
            Some(value) => {
                let at = self.cell(value, width);
                cells[at.min(zero)..=at.max(zero)].fill(('█', style));
            }
            None => cells[zero].0 = '│',
        }
        let mut spans: Vec<Span<'static>> = Vec::new();
        for (ch, style) in cells {
            match spans.last_mut() {
                Some(last) if last.style == style => last.content.to_mut().push(ch),
                _ => spans.push(Span::styled(ch.to_string(), style)),
            }
        }
        spans
    }

    /// Tick labels under the bar: the ends, and zero when the axis spans it.
    fn ticks(&self, width: usize) -> String {
        let mut line = vec![' '; width + 2];
        let mut ticks = vec![self.low, self.high];
        if self.low < 0.0 {
            ticks.push(0.0);
        }
        for tick in ticks {
            let text = format!("{tick}");
            let start = (self.cell(tick, width) + 1).saturating_sub(text.len() / 2).min(line.len() - text.len());
            for (offset, ch) in text.chars().enumerate() {
                line[start + offset] = ch;
            }
        }
        line.into_iter().collect::<String>().trim_end().to_string()
    }
}

fn empty(frame: &mut Frame, area: Rect, text: &str, theme: &Theme) {
    frame.render_widget(Paragraph::new(text).style(theme.muted()).alignment(Alignment::Center), area);
}

fn percent(part: i64, whole: i64) -> String {
    if whole > 0 { format!("{:.0}%", 100.0 * part as f64 / whole as f64) } else { "-".to_string() }
}

/// `+0.412`, `-0.050`, or `-` when undefined.
fn signed(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or("-".to_string(), |v| format!("{v:+.3}"))
}

/// `25.0% [10.2–47.1]`.
fn rate_text(rate: &Rate) -> String {
    format!("{:.1}% [{:.1}–{:.1}]", rate.rate * 100.0, rate.low * 100.0, rate.high * 100.0)
}

fn display_width(text: &str) -> usize {
    Span::raw(text).width()
}

/// `text` cut to `width` columns with an ellipsis.
fn fit(text: &str, width: usize) -> String {
    if display_width(text) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let mut buffer = [0; 4];
        let ch_width = display_width(ch.encode_utf8(&mut buffer));
        if used + ch_width + 1 > width {
            break;
        }
        out.push(ch);
        used += ch_width;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests;
