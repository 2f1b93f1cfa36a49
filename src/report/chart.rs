//! Horizontal bar charts with intervals (alpha per criterion, correlations, rates): the
//! figures of a table beside them, drawn, as inline SVG or as text bars.

use super::html::escape;
use crate::model::text::single_line;

/// Rows of (label, value, interval) on a stated axis range, with optional reference
/// lines (e.g. alpha's 0.667 and 0.8).
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    title: String,
    low: f64,
    high: f64,
    references: Vec<f64>,
    rows: Vec<ChartRow>,
}

#[derive(Debug, Clone, PartialEq)]
struct ChartRow {
    label: String,
    /// `None` when undefined: drawn as the word, never as a zero bar.
    value: Option<f64>,
    interval: Option<(f64, f64)>,
}

/// Text bars: cells across the axis range.
const TEXT_WIDTH: usize = 30;
/// Longer labels are cut with an ellipsis (the table beside the chart has them whole).
const LABEL_CHARS: usize = 24;

// SVG geometry, in pixels.
const LABEL_WIDTH: f64 = 190.0;
const PLOT_WIDTH: f64 = 340.0;
const VALUE_WIDTH: f64 = 170.0;
const ROW_HEIGHT: f64 = 24.0;
const BAR_HEIGHT: f64 = 12.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 26.0;

impl Chart {
    /// An empty chart over the axis `[low, high]`; a reversed or empty range becomes [0, 1].
    pub fn new(title: impl Into<String>, low: f64, high: f64) -> Chart {
        let (low, high) = if low.is_finite() && high.is_finite() && low < high { (low, high) } else { (0.0, 1.0) };
        Chart { title: single_line(&title.into()), low, high, references: Vec::new(), rows: Vec::new() }
    }

    /// Adds a dashed reference line at `at` (ignored outside the axis).
    pub fn reference(mut self, at: f64) -> Chart {
        if at.is_finite() && at >= self.low && at <= self.high {
            self.references.push(at);
        }
        self
    }

    /// Adds a row; non-finite figures count as undefined.
    pub fn row(&mut self, label: &str, value: Option<f64>, interval: Option<(f64, f64)>) {
        let value = value.filter(|v| v.is_finite());
        let interval = interval.filter(|(low, high)| low.is_finite() && high.is_finite() && low <= high);
        self.rows.push(ChartRow { label: single_line(label), value, interval });
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Where bars start: zero, or the nearer end of an axis that excludes it.
    fn baseline(&self) -> f64 {
        0.0_f64.clamp(self.low, self.high)
    }

    /// `value`'s position on the axis from 0 to 1, clamped: a figure beyond the axis (alpha
    /// can fall below -1 on tiny samples) is drawn at its end, its number still exact.
    fn fraction(&self, value: f64) -> f64 {
        ((value - self.low) / (self.high - self.low)).clamp(0.0, 1.0)
    }

    /// Five evenly spaced ticks from one end of the axis to the other.
    fn ticks(&self) -> Vec<f64> {
        (0..5).map(|step| self.low + (self.high - self.low) * step as f64 / 4.0).collect()
    }

    /// The figures after a bar: `0.743 (0.612 to 0.851)`, or `undefined`.
    fn figures(row: &ChartRow) -> String {
        match (row.value, row.interval) {
            (None, _) => "undefined".to_string(),
            (Some(value), None) => format!("{value:.3}"),
            (Some(value), Some((low, high))) => format!("{value:.3} ({low:.3} to {high:.3})"),
        }
    }

    /// Text bars, one line a row, then the axis: `█` the bar from the baseline, `─` the
    /// interval, `┆` the reference lines, `│` zero.
    pub fn render_text(&self) -> String {
        let labels: Vec<String> = self.rows.iter().map(|row| shorten(&row.label)).collect();
        let label_width = labels.iter().map(|label| label.chars().count()).max().unwrap_or(0);
        let cell = |value: f64| (self.fraction(value) * (TEXT_WIDTH - 1) as f64).round() as usize;
        let mut out = format!("{}\n", self.title);
        for (row, label) in self.rows.iter().zip(&labels) {
            let mut cells = vec![' '; TEXT_WIDTH];
            if let Some((low, high)) = row.interval {
                cells[cell(low)..=cell(high)].fill('─');
            }
            // Over the interval, so a reader sees whether it crosses a threshold.
            for reference in &self.references {
                cells[cell(*reference)] = '┆';
            }
            let zero = cell(self.baseline());
            if let Some(value) = row.value {
                let (from, to) = if value < self.baseline() { (cell(value), zero) } else { (zero, cell(value)) };
                cells[from..=to].fill('█');
            } else {
                cells[zero] = '│';
            }
            let bar: String = cells.into_iter().collect();
            let pad = label_width - label.chars().count();
            out.push_str(&format!("{label}{} │{bar}│ {}\n", " ".repeat(pad), Chart::figures(row)));
        }
        let mut axis = vec![' '; TEXT_WIDTH + 2];
        for tick in [self.low, self.baseline(), self.high] {
            let text = tick_label(tick);
            let width = text.chars().count();
            // Centred on its cell (after the opening bar), kept inside the axis line.
            let start = (cell(tick) + 1).saturating_sub(width / 2).min(axis.len() - width);
            for (offset, ch) in text.chars().enumerate() {
                axis[start + offset] = ch;
            }
        }
        let axis: String = axis.into_iter().collect();
        out.push_str(&format!("{}{}\n", " ".repeat(label_width + 1), axis.trim_end()));
        out
    }

    /// The chart as an inline `<svg>` element, every text escaped. No `xmlns`: inside an
    /// HTML page the parser places `<svg>` in the SVG namespace itself, and the page must
    /// carry no URL (the report is read offline).
    pub fn render_svg(&self) -> String {
        let height = TOP + ROW_HEIGHT * self.rows.len() as f64 + BOTTOM;
        let width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH;
        let x = |value: f64| LABEL_WIDTH + self.fraction(value) * PLOT_WIDTH;
        let plot_bottom = TOP + ROW_HEIGHT * self.rows.len() as f64;
        let title = escape(&self.title);
        let mut svg = format!(
            "<svg class=\"chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
             role=\"img\" aria-label=\"{title}\">\n<title>{title}</title>\n"
        );
        for tick in self.ticks() {
            let at = x(tick);
            svg.push_str(&format!(
                "<line class=\"grid\" x1=\"{at:.1}\" y1=\"{TOP}\" x2=\"{at:.1}\" y2=\"{plot_bottom}\"/>\n\
                 <text class=\"tick\" x=\"{at:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
                plot_bottom + 16.0,
                escape(&tick_label(tick))
            ));
        }
        for (index, reference) in self.references.iter().enumerate() {
            let at = x(*reference);
            // Labels alternate left and right of their lines, so close lines (0.667, 0.8)
            // keep readable labels.
            let (label_x, anchor) = if index % 2 == 0 { (at - 3.0, "end") } else { (at + 3.0, "start") };
            svg.push_str(&format!(
                "<line class=\"reference\" x1=\"{at:.1}\" y1=\"{:.1}\" x2=\"{at:.1}\" y2=\"{plot_bottom}\"/>\n\
                 <text class=\"tick\" x=\"{label_x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>\n",
                TOP - 4.0,
                TOP - 8.0,
                escape(&tick_label(*reference))
            ));
        }
        let zero = x(self.baseline());
        svg.push_str(&format!(
            "<line class=\"baseline\" x1=\"{zero:.1}\" y1=\"{TOP}\" x2=\"{zero:.1}\" y2=\"{plot_bottom}\"/>\n"
        ));
        for (index, row) in self.rows.iter().enumerate() {
            let middle = TOP + ROW_HEIGHT * index as f64 + ROW_HEIGHT / 2.0;
            let text_y = middle + 4.0;
            svg.push_str(&format!(
                "<text class=\"label\" x=\"{:.1}\" y=\"{text_y:.1}\" text-anchor=\"end\"><title>{}</title>{}</text>\n",
                LABEL_WIDTH - 8.0,
                escape(&row.label),
                escape(&shorten(&row.label))
            ));
            if let Some(value) = row.value {
                let (left, right) = if x(value) < zero { (x(value), zero) } else { (zero, x(value)) };
                svg.push_str(&format!(
                    "<rect class=\"bar\" x=\"{left:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{BAR_HEIGHT}\"/>\n",
                    middle - BAR_HEIGHT / 2.0,
                    right - left
                ));
            }
            if let Some((low, high)) = row.interval {
                let (left, right) = (x(low), x(high));
                let (cap_top, cap_bottom) = (middle - 5.0, middle + 5.0);
                svg.push_str(&format!(
                    "<line class=\"ci\" x1=\"{left:.1}\" y1=\"{middle:.1}\" x2=\"{right:.1}\" y2=\"{middle:.1}\"/>\n\
                     <line class=\"ci\" x1=\"{left:.1}\" y1=\"{cap_top:.1}\" x2=\"{left:.1}\" y2=\"{cap_bottom:.1}\"/>\n\
                     <line class=\"ci\" x1=\"{right:.1}\" y1=\"{cap_top:.1}\" x2=\"{right:.1}\" y2=\"{cap_bottom:.1}\"/>\n"
                ));
            }
            svg.push_str(&format!(
                "<text class=\"value\" x=\"{:.1}\" y=\"{text_y:.1}\">{}</text>\n",
                LABEL_WIDTH + PLOT_WIDTH + 10.0,
                escape(&Chart::figures(row))
            ));
        }
        svg.push_str("</svg>\n");
        svg
    }
}

/// `-1`, `0.5`, `0.667`: a tick's number without trailing zeros.
fn tick_label(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_string();
    }
    let kept: String = label.chars().take(LABEL_CHARS - 1).collect();
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alpha_chart() -> Chart {
        let mut chart = Chart::new("alpha", -1.0, 1.0).reference(0.667).reference(0.8);
        chart.row("correct", Some(0.75), Some((0.6, 0.85)));
        chart.row("grounded", Some(-0.2), None);
        chart.row("tone", None, None);
        chart
    }

    #[test]
    fn text_bars_start_at_zero_and_say_undefined() {
        let text = alpha_chart().render_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "alpha");
        assert!(lines[1].starts_with("correct  │") && lines[1].ends_with("│ 0.750 (0.600 to 0.850)"), "{text}");
        // Zero is the middle of [-1, 1]: a positive bar begins there, a negative one ends there.
        let bar = |line: &str| line.split('│').nth(1).unwrap_or("").to_string();
        assert_eq!(bar(lines[1]).chars().position(|c| c == '█'), Some(15), "{text}");
        assert!(bar(lines[2]).chars().nth(16).is_some_and(|c| c != '█'), "{text}");
        assert!(lines[3].ends_with("undefined") && !lines[3].contains('█'), "{text}");
        assert!(lines[4].contains("-1") && lines[4].contains('0') && lines[4].trim_end().ends_with('1'), "{text}");
    }

    #[test]
    fn svg_draws_one_bar_per_defined_value_and_one_whisker_per_interval() {
        let svg = alpha_chart().render_svg();
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 2);
        assert_eq!(svg.matches("<line class=\"ci\"").count(), 3);
        assert_eq!(svg.matches("<line class=\"reference\"").count(), 2);
        assert!(svg.contains(">undefined</text>"));
        assert!(!svg.contains("http"), "no namespace URL inside HTML");
    }

    #[test]
    fn values_beyond_the_axis_stay_inside_the_plot() {
        let mut chart = Chart::new("r", 0.0, 1.0);
        chart.row("x", Some(-3.0), Some((-4.0, 2.0)));
        assert_eq!(chart.fraction(-3.0), 0.0);
        assert!(chart.render_text().contains("-3.000 (-4.000 to 2.000)"));
        assert!(chart.render_svg().contains("width=\"0.0\""), "a zero-width bar at the axis end");
        assert_eq!(Chart::new("bad", 1.0, 1.0).high, 1.0);
        assert_eq!(Chart::new("bad", f64::NAN, 1.0).low, 0.0);
    }

    #[test]
    fn long_labels_are_cut_and_ticks_are_short() {
        assert_eq!(shorten(&"a".repeat(30)).chars().count(), LABEL_CHARS);
        assert_eq!(tick_label(-0.0), "0");
        assert_eq!(tick_label(0.6670), "0.667");
        assert_eq!(tick_label(-1.0), "-1");
    }
}
