//! `tally report progress`: per batch and rater, what is done, skipped and flagged, the
//! pace, and the time left at that pace.

use serde::Serialize;

use super::Rendered;
use super::csv_rows;
use super::table::{Document, Table};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaterProgress {
    pub batch: String,
    pub rater: String,
    pub assigned: i64,
    pub done: i64,
    pub skipped: i64,
    pub flagged: i64,
    /// Items still open: neither done nor skipped.
    pub open: i64,
    /// Mean seconds per confirmed item that has a time.
    pub seconds_per_item: Option<f64>,
    pub items_per_hour: Option<f64>,
    /// Open items times seconds per item.
    pub seconds_left: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressReport {
    pub raters: Vec<RaterProgress>,
}

pub fn from_store(store: &Store, batch: Option<&str>) -> Result<ProgressReport, StoreError> {
    let raters = store
        .progress()?
        .into_iter()
        .filter(|row| batch.is_none_or(|name| row.batch == name))
        .map(|row| {
            let seconds = (row.timed_items > 0).then(|| row.timed_ms as f64 / 1000.0 / row.timed_items as f64);
            let open = row.assigned - row.done - row.skipped;
            RaterProgress {
                items_per_hour: seconds.filter(|s| *s > 0.0).map(|s| 3600.0 / s),
                seconds_left: seconds.map(|s| s * open as f64),
                seconds_per_item: seconds,
                open,
                batch: row.batch,
                rater: row.rater,
                assigned: row.assigned,
                done: row.done,
                skipped: row.skipped,
                flagged: row.flagged,
            }
        })
        .collect();
    Ok(ProgressReport { raters })
}

/// `1h05m`, `12m`, `40s`, or `-`.
fn duration(seconds: Option<f64>) -> String {
    match seconds {
        None => "-".to_string(),
        Some(s) if s >= 3600.0 => format!("{}h{:02}m", (s / 3600.0) as u64, ((s % 3600.0) / 60.0) as u64),
        Some(s) if s >= 60.0 => format!("{}m", (s / 60.0).round() as u64),
        Some(s) => format!("{}s", s.round() as u64),
    }
}

impl Rendered for ProgressReport {
    fn document(&self) -> Document {
        let mut document = Document::default();
        document.heading("Progress per batch and rater");
        let mut table = Table::new(&[
            "batch",
            "rater",
            ">assigned",
            ">done",
            ">skipped",
            ">flagged",
            ">open",
            ">s/item",
            ">per hour",
            ">left",
        ]);
        for row in &self.raters {
            table.row(vec![
                row.batch.clone(),
                row.rater.clone(),
                row.assigned.to_string(),
                row.done.to_string(),
                row.skipped.to_string(),
                row.flagged.to_string(),
                row.open.to_string(),
                row.seconds_per_item.map_or("-".into(), |s| format!("{s:.0}")),
                row.items_per_hour.map_or("-".into(), |p| format!("{p:.0}")),
                duration(row.seconds_left),
            ]);
        }
        document.table(table);
        document.paragraph(
            "s/item: mean time on a confirmed item (labels imported from elsewhere have none).\n\
             left: open items at that pace.",
        );
        document
    }

    fn csv(&self) -> String {
        let number = |value: Option<f64>| value.map_or_else(String::new, |v| format!("{v:.1}"));
        csv_rows(
            &[
                "batch",
                "rater",
                "assigned",
                "done",
                "skipped",
                "flagged",
                "open",
                "seconds_per_item",
                "items_per_hour",
                "seconds_left",
            ],
            self.raters.iter().map(|row| {
                vec![
                    row.batch.clone(),
                    row.rater.clone(),
                    row.assigned.to_string(),
                    row.done.to_string(),
                    row.skipped.to_string(),
                    row.flagged.to_string(),
                    row.open.to_string(),
                    number(row.seconds_per_item),
                    number(row.items_per_hour),
                    number(row.seconds_left),
                ]
            }),
        )
    }
}
