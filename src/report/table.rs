//! Aligned plain-text tables. Every cell is sanitised: ids and names come from files.

use super::chart::Chart;
use crate::model::text::single_line;

pub struct Table {
    headers: Vec<String>,
    /// `true` for columns aligned right (numbers).
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns whose header is given with a leading `>` are aligned right.
    pub fn new(headers: &[&str]) -> Table {
        Table {
            right: headers.iter().map(|h| h.starts_with('>')).collect(),
            headers: headers.iter().map(|h| h.trim_start_matches('>').to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.iter().map(|cell| single_line(cell)).collect());
    }

    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: &[String]| {
            let mut text = String::new();
            for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
                if index > 0 {
                    text.push_str("  ");
                }
                let pad = width - cell.chars().count();
                if self.right[index] {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&self.headers);
        for row in &self.rows {
            line(row);
        }
        out
    }
    /// Headers, which columns align right, and rows: for other renderers.
    pub(super) fn parts(&self) -> (&[String], &[bool], &[Vec<String>]) {
        (&self.headers, &self.right, &self.rows)
    }

    /// The same table in GitHub Markdown; `|` and HTML in cells are escaped.
    pub fn render_markdown(&self) -> String {
        let line = |cells: &[String]| {
            let cells: Vec<String> = cells.iter().map(|cell| markdown_text(cell).replace('|', "\\|")).collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let mut out = line(&self.headers);
        let rule: Vec<String> =
            self.right.iter().map(|right| if *right { "---:".to_string() } else { "---".to_string() }).collect();
        out.push_str(&format!("|{}|\n", rule.join("|")));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

/// A report laid out once and rendered as plain text, Markdown or HTML.
#[derive(Default)]
pub struct Document {
    pub(super) blocks: Vec<Block>,
}

pub(super) enum Block {
    /// Level 1 is a document's title, 2 a section of a composed report, 3 a report's own
    /// headings.
    Heading(usize, String),
    Paragraph(String),
    Table(Table),
    Chart(Chart),
    /// HTML only: it draws a table the document also has.
    Figure(super::figures::Figure),
    /// A level-3 heading stating a verdict: passed, failed, or none (no thresholds);
    /// coloured in HTML, a plain heading elsewhere.
    Verdict(Option<bool>, String),
}

impl Document {
    /// The title of a whole document (`report all`).
    pub fn title(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Heading(1, single_line(&text.into())));
    }

    /// A top-level section holding another report.
    pub fn section(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Heading(2, single_line(&text.into())));
    }

    pub fn heading(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Heading(3, single_line(&text.into())));
    }

    /// Lines of prose (notes, legends); each line sanitised.
    pub fn paragraph(&mut self, text: impl Into<String>) {
        let text: String = text.into();
        let lines: Vec<String> = text.lines().map(single_line).collect();
        self.blocks.push(Block::Paragraph(lines.join("\n")));
    }

    pub fn table(&mut self, table: Table) {
        self.blocks.push(Block::Table(table));
    }

    /// A chart of figures that a table in the document also gives.
    pub fn chart(&mut self, chart: Chart) {
        self.blocks.push(Block::Chart(chart));
    }

    /// A heading stating the gate's verdict (`None`: no verdict to give).
    pub fn verdict(&mut self, passed: Option<bool>, text: impl Into<String>) {
        self.blocks.push(Block::Verdict(passed, single_line(&text.into())));
    }

    /// A heatmap or reliability diagram of a table in the document; HTML only.
    pub fn figure(&mut self, figure: super::figures::Figure) {
        self.blocks.push(Block::Figure(figure));
    }

    /// Appends every block of `other`.
    pub fn append(&mut self, other: Document) {
        self.blocks.extend(other.blocks);
    }

    /// Plain text. Charts are left out: each one repeats figures of the table beside it, and
    /// in a terminal (80 columns, often piped to grep) the table alone reads better.
    pub fn render(&self) -> String {
        let parts: Vec<String> = self
            .blocks
            .iter()
            .filter_map(|block| match block {
                Block::Heading(1, text) => Some(format!("{text}\n{}\n", "=".repeat(text.chars().count()))),
                Block::Heading(2, text) => Some(format!("{text}\n{}\n", "-".repeat(text.chars().count()))),
                Block::Heading(_, text) | Block::Paragraph(text) | Block::Verdict(_, text) => Some(format!("{text}\n")),
                Block::Table(table) => Some(table.render()),
                Block::Chart(_) | Block::Figure(_) => None,
            })
            .collect();
        parts.join("\n")
    }

    /// GitHub Markdown. Charts become text bars in a code block: a pull request shows no
    /// inline SVG, and the bars give reviewers the at-a-glance view the table does not.
    pub fn render_markdown(&self) -> String {
        let parts: Vec<String> = self
            .blocks
            .iter()
            .filter_map(|block| match block {
                Block::Heading(level, text) => Some(format!("{} {}\n", "#".repeat(*level), markdown_text(text))),
                Block::Paragraph(text) => Some(format!("{}\n", markdown_text(text).replace('\n', "  \n"))),
                Block::Table(table) => Some(table.render_markdown()),
                Block::Chart(chart) => Some(code_block(&chart.render_text())),
                Block::Figure(_) => None,
                Block::Verdict(_, text) => Some(format!("### {}\n", markdown_text(text))),
            })
            .collect();
        parts.join("\n")
    }
}

/// Text for Markdown with its HTML made inert: a Markdown viewer renders raw HTML, and
/// names and ids come from files (`<script>` becomes `&lt;script&gt;`, shown as written).
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` fenced so that no run of backticks in it (labels come from files) can close it.
fn code_block(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{text}{fence}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_html_and_pipes() {
        let mut document = Document::default();
        document.heading("rater <b>x</b>");
        document.paragraph("a & <img src=x onerror=alert(1)>");
        let mut table = Table::new(&["name"]);
        table.row(vec!["<script>alert(1)</script>|x".into()]);
        document.table(table);
        let markdown = document.render_markdown();
        assert!(!markdown.contains('<') && !markdown.contains('>'), "{markdown}");
        assert!(markdown.contains("### rater &lt;b&gt;x&lt;/b&gt;"), "{markdown}");
        assert!(markdown.contains("a &amp; &lt;img src=x onerror=alert(1)&gt;"), "{markdown}");
        assert!(markdown.contains("| &lt;script&gt;alert(1)&lt;/script&gt;\\|x |"), "{markdown}");
    }

    #[test]
    fn aligns_and_sanitises() {
        let mut table = Table::new(&["name", ">n"]);
        table.row(vec!["a\u{1b}[31m".into(), "5".into()]);
        table.row(vec!["long name".into(), "100".into()]);
        assert_eq!(table.render(), "name         n\na\u{FFFD}[31m       5\nlong name  100\n");
    }

    fn with_chart() -> Document {
        let mut document = Document::default();
        document.title("All");
        document.section("Agreement");
        document.heading("Details");
        let mut chart = Chart::new("alpha", 0.0, 1.0);
        chart.row("a```b", Some(0.5), None);
        document.chart(chart);
        document.paragraph("end");
        document
    }

    #[test]
    fn plain_text_leaves_charts_out_and_underlines_titles() {
        assert_eq!(with_chart().render(), "All\n===\n\nAgreement\n---------\n\nDetails\n\nend\n");
    }

    #[test]
    fn markdown_fences_charts_beyond_any_backticks_in_labels() {
        let markdown = with_chart().render_markdown();
        assert!(markdown.starts_with("# All\n\n## Agreement\n\n### Details\n\n````text\nalpha\n"), "{markdown}");
        assert!(markdown.contains("a```b"));
        assert!(markdown.ends_with("````\n\nend\n"), "{markdown}");
    }
}
