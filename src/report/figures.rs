//! Figures that are not bars (for those, [`super::chart`]): a confusion matrix as a
//! heatmap and a judge's calibration as a reliability diagram, as inline SVG in the bar
//! charts' style. HTML only: text and Markdown have the tables they draw.

use super::html::escape;
use crate::model::text::single_line;
use crate::stats::calibration::Calibration;

#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Heatmap(Heatmap),
    Reliability(Reliability),
}

impl Figure {
    pub fn render_svg(&self) -> String {
        match self {
            Figure::Heatmap(heatmap) => heatmap.render_svg(),
            Figure::Reliability(reliability) => reliability.render_svg(),
        }
    }
}

/// Counts of (row category, column category), e.g. human consensus by judge. Each cell is
/// shaded by its share of its row, so a row's misses show whatever the class sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    title: String,
    rows_name: String,
    columns_name: String,
    labels: Vec<String>,
    counts: Vec<Vec<u64>>,
}

const CELL: f64 = 44.0;
const HEAT_LABELS: f64 = 130.0;
const HEAT_TOP: f64 = 46.0;
/// Labels longer than this are cut with an ellipsis (the table beside has them whole).
const LABEL_CHARS: usize = 16;

impl Heatmap {
    /// A square matrix: `counts[i][j]` is the count of row label `i` by column label `j`.
    /// Rows or cells missing from `counts` count as zero.
    pub fn new(title: &str, rows_name: &str, columns_name: &str, labels: &[String], counts: &[Vec<u64>]) -> Heatmap {
        let labels: Vec<String> = labels.iter().map(|label| single_line(label)).collect();
        let counts = (0..labels.len())
            .map(|i| {
                (0..labels.len()).map(|j| counts.get(i).and_then(|row| row.get(j)).copied().unwrap_or(0)).collect()
            })
            .collect();
        Heatmap {
            title: single_line(title),
            rows_name: single_line(rows_name),
            columns_name: single_line(columns_name),
            labels,
            counts,
        }
    }

    pub fn render_svg(&self) -> String {
        let n = self.labels.len() as f64;
        // Wide enough for the longest column label (about 7 px a character at 11 px).
        let longest = self.labels.iter().map(|label| shorten(label).chars().count()).max().unwrap_or(0);
        let column = CELL.max(7.0 * longest as f64 + 10.0);
        let (width, height) = (HEAT_LABELS + column * n + 20.0, HEAT_TOP + CELL * n + 30.0);
        let title = escape(&self.title);
        let mut svg = format!(
            "<svg class=\"chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
             role=\"img\" aria-label=\"{title}\">\n<title>{title}</title>\n"
        );
        svg.push_str(&format!(
            "<text class=\"tick\" x=\"{:.1}\" y=\"12\" text-anchor=\"middle\">{} →</text>\n",
            HEAT_LABELS + column * n / 2.0,
            escape(&self.columns_name)
        ));
        svg.push_str(&format!(
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{} ↓</text>\n",
            HEAT_LABELS - 8.0,
            HEAT_TOP - 8.0,
            escape(&self.rows_name)
        ));
        for (j, label) in self.labels.iter().enumerate() {
            svg.push_str(&format!(
                "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\"><title>{}</title>{}</text>\n",
                HEAT_LABELS + column * (j as f64 + 0.5),
                HEAT_TOP - 8.0,
                escape(label),
                escape(&shorten(label))
            ));
        }
        for (i, (label, row)) in self.labels.iter().zip(&self.counts).enumerate() {
            let top = HEAT_TOP + CELL * i as f64;
            svg.push_str(&format!(
                "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\"><title>{}</title>{}</text>\n",
                HEAT_LABELS - 8.0,
                top + CELL / 2.0 + 4.0,
                escape(label),
                escape(&shorten(label))
            ));
            let total: u64 = row.iter().sum();
            for (j, count) in row.iter().enumerate() {
                let share = if total == 0 { 0.0 } else { *count as f64 / total as f64 };
                let left = HEAT_LABELS + column * j as f64;
                // From white to the bars' blue (#5b8db8); dark cells get white figures.
                let channel = |full: f64| (255.0 - (255.0 - full) * share).round();
                let (r, g, b) = (channel(91.0), channel(141.0), channel(184.0));
                let ink = if share > 0.55 { "#ffffff" } else { "#1d1d1f" };
                svg.push_str(&format!(
                    "<rect class=\"cell\" x=\"{left:.1}\" y=\"{top:.1}\" width=\"{column}\" height=\"{CELL}\" \
                     fill=\"rgb({r},{g},{b})\" stroke=\"#ffffff\"><title>{} by {}: {count} of {total}</title></rect>\n\
                     <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" style=\"fill: {ink}\">{count}</text>\n",
                    escape(label),
                    escape(&self.labels[j]),
                    left + column / 2.0,
                    top + CELL / 2.0 + 4.0,
                ));
            }
        }
        svg.push_str("</svg>\n");
        svg
    }
}

/// Per probability bin, the mean predicted probability against the observed rate: points
/// on the diagonal are calibrated; below it the judge is overconfident.
#[derive(Debug, Clone, PartialEq)]
pub struct Reliability {
    title: String,
    /// (mean predicted, observed rate, items) of each non-empty bin.
    points: Vec<(f64, f64, usize)>,
}

const PLOT: f64 = 260.0;
const MARGIN_LEFT: f64 = 56.0;
const MARGIN_TOP: f64 = 16.0;
const MARGIN_BOTTOM: f64 = 44.0;

impl Reliability {
    pub fn new(title: &str, calibration: &Calibration) -> Reliability {
        let points = calibration
            .bins
            .iter()
            .filter_map(|bin| Some((bin.mean_predicted?, bin.observed_rate?, bin.n)))
            .filter(|(x, y, n)| x.is_finite() && y.is_finite() && *n > 0)
            .collect();
        Reliability { title: single_line(title), points }
    }

    pub fn render_svg(&self) -> String {
        let (width, height) = (MARGIN_LEFT + PLOT + 20.0, MARGIN_TOP + PLOT + MARGIN_BOTTOM);
        let x = |value: f64| MARGIN_LEFT + value.clamp(0.0, 1.0) * PLOT;
        let y = |value: f64| MARGIN_TOP + (1.0 - value.clamp(0.0, 1.0)) * PLOT;
        let title = escape(&self.title);
        let mut svg = format!(
            "<svg class=\"chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
             role=\"img\" aria-label=\"{title}\">\n<title>{title}</title>\n"
        );
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let (at_x, at_y) = (x(tick), y(tick));
            svg.push_str(&format!(
                "<line class=\"grid\" x1=\"{at_x:.1}\" y1=\"{MARGIN_TOP}\" x2=\"{at_x:.1}\" y2=\"{:.1}\"/>\n\
                 <line class=\"grid\" x1=\"{MARGIN_LEFT}\" y1=\"{at_y:.1}\" x2=\"{:.1}\" y2=\"{at_y:.1}\"/>\n\
                 <text class=\"tick\" x=\"{at_x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{tick}</text>\n\
                 <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{tick}</text>\n",
                y(0.0),
                x(1.0),
                y(0.0) + 16.0,
                MARGIN_LEFT - 6.0,
                at_y + 4.0
            ));
        }
        svg.push_str(&format!(
            "<line class=\"reference\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>\n\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">judge probability</text>\n\
             <text class=\"tick\" x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" \
             transform=\"rotate(-90 14 {:.1})\">human rate</text>\n",
            x(0.0),
            y(0.0),
            x(1.0),
            y(1.0),
            MARGIN_LEFT + PLOT / 2.0,
            height - 8.0,
            MARGIN_TOP + PLOT / 2.0,
            MARGIN_TOP + PLOT / 2.0
        ));
        if self.points.len() > 1 {
            let path: Vec<String> = self.points.iter().map(|(p, o, _)| format!("{:.1},{:.1}", x(*p), y(*o))).collect();
            svg.push_str(&format!("<polyline class=\"ci\" fill=\"none\" points=\"{}\"/>\n", path.join(" ")));
        }
        for (predicted, observed, n) in &self.points {
            svg.push_str(&format!(
                "<circle class=\"bar\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\"><title>mean probability \
                 {predicted:.3}, human rate {observed:.3}, {n} items</title></circle>\n",
                x(*predicted),
                y(*observed)
            ));
        }
        svg.push_str("</svg>\n");
        svg
    }
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
    use crate::stats::calibration::calibration;

    #[test]
    fn heatmap_shades_cells_by_their_share_of_the_row() {
        let labels = ["pass".to_string(), "<fail>".to_string()];
        let svg = Heatmap::new("correct", "human", "judge", &labels, &[vec![3, 1], vec![0, 0]]).render_svg();
        assert_eq!(svg.matches("<rect class=\"cell\"").count(), 4);
        // 3 of 4: three quarters of the way from white to the bars' blue.
        assert!(svg.contains("fill=\"rgb(132,170,202)\""), "{svg}");
        assert!(svg.contains("fill=\"rgb(255,255,255)\""), "an empty row stays white: {svg}");
        assert!(svg.contains("pass by pass: 3 of 4") && svg.contains("&lt;fail&gt;"), "{svg}");
        assert!(!svg.contains("<fail>"));
    }

    #[test]
    fn heatmap_treats_missing_cells_as_zero() {
        let labels = ["a".to_string(), "b".to_string()];
        let svg = Heatmap::new("t", "h", "j", &labels, &[vec![2]]).render_svg();
        assert_eq!(svg.matches("<rect class=\"cell\"").count(), 4);
        assert!(svg.contains("b by b: 0 of 0"), "{svg}");
    }

    #[test]
    fn reliability_draws_a_point_per_non_empty_bin_and_the_diagonal() {
        let pairs = [(0.05, false), (0.15, false), (0.95, true), (0.92, false)];
        let svg = Reliability::new("calibration", &calibration(&pairs, 10)).render_svg();
        assert_eq!(svg.matches("<circle").count(), 3, "bins 0, 1 and 9: {svg}");
        assert_eq!(svg.matches("<line class=\"reference\"").count(), 1);
        assert!(svg.contains("mean probability 0.935, human rate 0.500, 2 items"), "{svg}");
        assert!(svg.contains("<polyline"));
    }
}
