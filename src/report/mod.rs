//! Reports: statistics over store data, as tables for people and JSON for scripts.

pub mod agreement;
pub mod status;
pub mod table;

/// A figure with three decimals, or a dash when there is none.
pub fn figure(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |value| format!("{value:.3}"))
}
