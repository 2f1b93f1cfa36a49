//! `tally status`: what the store holds.

use serde::Serialize;

use super::table::Table;
use crate::store::{Counts, Store, StoreError};

#[derive(Debug, Serialize)]
pub struct Status {
    pub store: String,
    pub schema_version: i64,
    #[serde(flatten)]
    pub counts: Counts,
    /// Golden sets imported back (`golden import`): not counted in `raters`.
    pub golden_raters: i64,
}

pub fn status(store: &Store) -> Result<Status, StoreError> {
    let mut counts = store.counts()?;
    // A golden set is the consensus, not a rater.
    let golden_raters = store.golden_raters()?.len() as i64;
    counts.raters = (counts.raters - golden_raters).max(0);
    Ok(Status {
        store: store.path().map_or_else(|| ":memory:".to_string(), |p| p.display().to_string()),
        schema_version: store.schema_version()?,
        counts,
        golden_raters,
    })
}

impl Status {
    pub fn table(&self) -> String {
        let c = &self.counts;
        let mut table = Table::new(&["", ">count"]);
        for (name, count) in [
            ("items", c.items),
            ("datasets", c.datasets),
            ("rubrics", c.rubrics),
            ("batches", c.batches),
            ("labels", c.labels),
            ("label events", c.label_events),
            ("raters", c.raters),
            ("golden sets (not raters)", self.golden_raters),
            ("adjudications", c.adjudications),
        ] {
            table.row(vec![name.to_string(), count.to_string()]);
        }
        format!("store {} (schema {})\n{}", self.store, self.schema_version, table.render())
    }
}
