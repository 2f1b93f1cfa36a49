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
