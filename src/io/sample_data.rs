//! The bundled sample data (written for this project; see sample_data/README.md),
//! embedded so that `tally demo` needs no files.

pub const RUBRIC_TOML: &str = include_str!("../../guidelines/rag-answer-quality.toml");
pub const RUBRIC_GUIDELINES: &str = include_str!("../../guidelines/rag-answer-quality.md");
pub const ITEMS_JSONL: &str = include_str!("../../sample_data/rag_items.jsonl");
pub const LABELS_CSV: &str = include_str!("../../sample_data/rag_labels.csv");

pub const RUBRIC_ORIGIN: &str = "guidelines/rag-answer-quality.toml";
pub const ITEMS_ORIGIN: &str = "sample_data/rag_items.jsonl";
pub const LABELS_ORIGIN: &str = "sample_data/rag_labels.csv";
pub const DATASET: &str = "rag_items";

/// The pairwise sample (`tally demo --pairwise`): comparison items from three model
/// versions, three raters' preferences with the side each saw (sample_data/README.md).
pub mod pairwise {
    pub const RUBRIC_TOML: &str = include_str!("../../guidelines/pairwise-preference.toml");
    pub const RUBRIC_GUIDELINES: &str = include_str!("../../guidelines/pairwise-preference.md");
    pub const ITEMS_JSONL: &str = include_str!("../../sample_data/pairwise_items.jsonl");
    pub const LABELS_CSV: &str = include_str!("../../sample_data/pairwise_labels.csv");

    pub const RUBRIC_ORIGIN: &str = "guidelines/pairwise-preference.toml";
    pub const ITEMS_ORIGIN: &str = "sample_data/pairwise_items.jsonl";
    pub const LABELS_ORIGIN: &str = "sample_data/pairwise_labels.csv";
    pub const DATASET: &str = "pairwise_items";
}
