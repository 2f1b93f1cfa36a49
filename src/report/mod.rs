//! Reports: statistics over store data, as tables for people and JSON for scripts.

pub mod agreement;
pub mod all;
pub mod chart;
pub mod errors;
pub mod estimate;
pub mod figures;
pub mod gate;
pub mod golden;
mod html;
pub mod judge;
pub mod plan;
pub mod preference;
pub mod progress;
pub mod raters;
pub mod status;
pub mod table;

/// The line a report prints when it left golden labels out; `None` when it left none.
pub fn golden_note(left_out: usize) -> Option<String> {
    (left_out > 0).then(|| {
        format!("{left_out} golden-set labels left out: golden sets are not raters (--include-golden counts them)")
    })
}

/// A figure with three decimals, or a dash when there is none.
pub fn figure(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |value| format!("{value:.3}"))
}

/// CSV text: a header, then one line per record. Cells are quoted as needed, and never
/// start as a spreadsheet formula would (ids and names come from files).
pub fn csv_rows(header: &[&str], records: impl IntoIterator<Item = Vec<String>>) -> String {
    use crate::model::text::{single_line, spreadsheet_safe};
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail; a failed record would only lose that line.
    let _ = writer.write_record(header);
    for record in records {
        let _ = writer.write_record(record.iter().map(|cell| spreadsheet_safe(&single_line(cell)).into_owned()));
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A report printable in every format: JSON from its fields, text and Markdown from one
/// layout, CSV as long rows.
pub trait Rendered: serde::Serialize {
    fn document(&self) -> table::Document;
    fn csv(&self) -> String;
}
