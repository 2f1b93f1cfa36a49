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

impl GoldenDiff {
    /// The document with at most `limit` rows in each table, and a line saying how many
    /// more `golden diff` would show (a summary lists the first changes, not all).
    pub fn document_at_most(&self, limit: usize) -> Document {
        let mut document = Document::default();
        document.heading(format!("{} {} -> {}", self.name, self.from, self.to));
        document.paragraph(format!(
            "{} added, {} removed, {} changed, {} unchanged",
            self.added.len(),
            self.removed.len(),
            self.changed.len(),
            self.unchanged
        ));
        let mut left_out = 0;
        for (title, ids) in [("added", &self.added), ("removed", &self.removed)] {
            if !ids.is_empty() {
                let mut table = Table::new(&[title]);
                for id in ids.iter().take(limit) {
                    table.row(vec![id.clone()]);
                }
                left_out += ids.len().saturating_sub(limit);
                document.table(table);
            }
        }
        if !self.changed.is_empty() {
            let mut table = Table::new(&["changed", "criterion", "old", "new"]);
            let rows: Vec<[String; 4]> = self.changed_rows().collect();
            for row in rows.iter().take(limit) {
                table.row(row.to_vec());
            }
            left_out += rows.len().saturating_sub(limit);
            document.table(table);
        }
        if left_out > 0 {
            document
                .paragraph(format!("{left_out} more rows: tally golden diff {} {} {}", self.name, self.from, self.to));
        }
        document
    }
}

impl Rendered for GoldenDiff {
    fn document(&self) -> Document {
        self.document_at_most(usize::MAX)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::golden::Change;
    use std::collections::BTreeMap;

    #[test]
    fn a_limited_document_lists_the_first_rows_and_says_how_many_more() {
        let change = |id: &str| ChangedItem {
            id: id.into(),
            labels: BTreeMap::from([("correct".to_string(), Change { old: "pass".into(), new: "fail".into() })]),
        };
        let differences = Differences {
            added: vec!["a1".into(), "a2".into(), "a3".into()],
            removed: vec![],
            changed: vec![change("c1"), change("c2")],
            unchanged: 4,
        };
        let diff = GoldenDiff::new("rag", "v1", "v2", differences);
        let text = diff.document_at_most(1).render();
        assert!(text.contains("3 added, 0 removed, 2 changed, 4 unchanged"), "{text}");
        assert!(text.contains("a1") && !text.contains("a2") && text.contains("c1") && !text.contains("c2"), "{text}");
        assert!(text.contains("3 more rows: tally golden diff rag v1 v2"), "{text}");
        assert!(!diff.document().render().contains("more rows"));
    }
}
