//! What changed between two versions of a golden set.

use serde::Serialize;

use super::Rendered;
use super::table::{Document, Table};
use crate::io::golden::{ChangedItem, Differences};

#[derive(Debug, Clone, Serialize)]
pub struct GoldenDiff {
    pub name: String,
    pub from: String,
    pub to: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<ChangedItem>,
    pub unchanged: usize,
}

impl GoldenDiff {
    pub fn new(name: &str, from: &str, to: &str, differences: Differences) -> GoldenDiff {
        GoldenDiff {
            name: name.to_string(),
            from: from.to_string(),
            to: to.to_string(),
            added: differences.added,
            removed: differences.removed,
            changed: differences.changed,
            unchanged: differences.unchanged,
        }
    }

    /// Rows of (item, criterion, old, new): one per changed label.
    fn changed_rows(&self) -> impl Iterator<Item = [String; 4]> + '_ {
        self.changed.iter().flat_map(|item| {
            item.labels.iter().map(|(criterion, change)| {
                [item.id.clone(), criterion.clone(), value_text(&change.old), value_text(&change.new)]
            })
        })
    }
}

/// A label value as a person reads it: strings bare, `-` for none.
fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "-".to_string(),
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Array(tags) => {
            let tags: Vec<&str> = tags.iter().filter_map(serde_json::Value::as_str).collect();
            if tags.is_empty() { "(none)".to_string() } else { tags.join(", ") }
        }
        other => other.to_string(),
    }
}

impl Rendered for GoldenDiff {
    fn document(&self) -> Document {
        let mut document = Document::default();
        document.heading(format!("{} {} -> {}", self.name, self.from, self.to));
        document.paragraph(format!(
            "{} added, {} removed, {} changed, {} unchanged",
            self.added.len(),
            self.removed.len(),
            self.changed.len(),
            self.unchanged
        ));
        for (title, ids) in [("added", &self.added), ("removed", &self.removed)] {
            if !ids.is_empty() {
                let mut table = Table::new(&[title]);
                for id in ids {
                    table.row(vec![id.clone()]);
                }
                document.table(table);
            }
        }
        if !self.changed.is_empty() {
            let mut table = Table::new(&["changed", "criterion", "old", "new"]);
            for row in self.changed_rows() {
                table.row(row.to_vec());
            }
            document.table(table);
        }
        document
    }

    fn csv(&self) -> String {
        let added =
            self.added.iter().map(|id| vec!["added".into(), id.clone(), String::new(), String::new(), String::new()]);
        let removed = self
            .removed
            .iter()
            .map(|id| vec!["removed".into(), id.clone(), String::new(), String::new(), String::new()]);
        let changed =
            self.changed_rows().map(|[id, criterion, old, new]| vec!["changed".into(), id, criterion, old, new]);
        super::csv_rows(&["change", "item", "criterion", "old", "new"], added.chain(removed).chain(changed))
    }
}
