//! Aligned plain-text tables. Every cell is sanitised: ids and names come from files.

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
    /// The same table in GitHub Markdown; `|` in cells is escaped.
    pub fn render_markdown(&self) -> String {
        let line = |cells: &[String]| {
            let cells: Vec<String> = cells.iter().map(|cell| cell.replace('|', "\\|")).collect();
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

/// A report laid out once and rendered as plain text or Markdown.
#[derive(Default)]
pub struct Document {
    blocks: Vec<Block>,
}

enum Block {
    Heading(String),
    Paragraph(String),
    Table(Table),
}

impl Document {
    pub fn heading(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Heading(single_line(&text.into())));
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

    pub fn render(&self) -> String {
        let parts: Vec<String> = self
            .blocks
            .iter()
            .map(|block| match block {
                Block::Heading(text) | Block::Paragraph(text) => format!("{text}\n"),
                Block::Table(table) => table.render(),
            })
            .collect();
        parts.join("\n")
    }

    pub fn render_markdown(&self) -> String {
        let parts: Vec<String> = self
            .blocks
            .iter()
            .map(|block| match block {
                Block::Heading(text) => format!("### {text}\n"),
                Block::Paragraph(text) => format!("{}\n", text.replace('\n', "  \n")),
                Block::Table(table) => table.render_markdown(),
            })
            .collect();
        parts.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_and_sanitises() {
        let mut table = Table::new(&["name", ">n"]);
        table.row(vec!["a\u{1b}[31m".into(), "5".into()]);
        table.row(vec!["long name".into(), "100".into()]);
        assert_eq!(table.render(), "name         n\na\u{FFFD}[31m       5\nlong name  100\n");
    }
}
