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

/// The agent traces (`tally demo --traces`): a tool-using support agent, in OpenAI's chat
/// shape, with its rubric and labels from three raters (sample_data/generate_traces.py).
pub const TRACES_RUBRIC_TOML: &str = include_str!("../../guidelines/agent-trace-quality.toml");
pub const TRACES_RUBRIC_GUIDELINES: &str = include_str!("../../guidelines/agent-trace-quality.md");
pub const TRACES_JSONL: &str = include_str!("../../sample_data/agent_traces.jsonl");
pub const TRACES_LABELS_CSV: &str = include_str!("../../sample_data/agent_labels.csv");

pub const TRACES_RUBRIC_ORIGIN: &str = "guidelines/agent-trace-quality.toml";
pub const TRACES_ORIGIN: &str = "sample_data/agent_traces.jsonl";
pub const TRACES_LABELS_ORIGIN: &str = "sample_data/agent_labels.csv";
pub const TRACES_DATASET: &str = "agent_traces";
