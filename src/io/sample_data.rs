//! The bundled sample data (written for this project; see sample_data/README.md),
//! embedded so that `tally demo` needs no files.

/// One bundled sample: its rubric, items and three raters' labels.
pub struct Sample {
    /// What the demo store's `demo` setting says it holds.
    pub mark: &'static str,
    /// The demo store's file name in the temp folder.
    pub store_name: &'static str,
    /// The `demo` flag that picks it (empty for the default sample).
    pub flag: &'static str,
    pub rubric_toml: &'static str,
    pub rubric_guidelines: &'static str,
    pub items_jsonl: &'static str,
    pub labels_csv: &'static str,
    pub rubric_origin: &'static str,
    pub items_origin: &'static str,
    pub labels_origin: &'static str,
    pub dataset: &'static str,
}

/// The RAG answers (`tally demo`): single answers of a retrieval-augmented assistant.
pub const RAG: Sample = Sample {
    mark: "sample_data",
    store_name: "tally-demo.db",
    flag: "",
    rubric_toml: include_str!("../../guidelines/rag-answer-quality.toml"),
    rubric_guidelines: include_str!("../../guidelines/rag-answer-quality.md"),
    items_jsonl: include_str!("../../sample_data/rag_items.jsonl"),
    labels_csv: include_str!("../../sample_data/rag_labels.csv"),
    rubric_origin: "guidelines/rag-answer-quality.toml",
    items_origin: "sample_data/rag_items.jsonl",
    labels_origin: "sample_data/rag_labels.csv",
    dataset: "rag_items",
};

/// The agent traces (`tally demo --traces`): a tool-using support agent, in OpenAI's chat
/// shape, with its rubric and labels from three raters (sample_data/generate_traces.py).
pub const TRACES: Sample = Sample {
    mark: "agent_traces",
    store_name: "tally-demo-traces.db",
    flag: "--traces",
    rubric_toml: include_str!("../../guidelines/agent-trace-quality.toml"),
    rubric_guidelines: include_str!("../../guidelines/agent-trace-quality.md"),
    items_jsonl: include_str!("../../sample_data/agent_traces.jsonl"),
    labels_csv: include_str!("../../sample_data/agent_labels.csv"),
    rubric_origin: "guidelines/agent-trace-quality.toml",
    items_origin: "sample_data/agent_traces.jsonl",
    labels_origin: "sample_data/agent_labels.csv",
    dataset: "agent_traces",
};

/// The pairwise sample (`tally demo --pairwise`): comparison items from three model
/// versions, three raters' preferences with the side each saw (sample_data/README.md).
pub const PAIRWISE: Sample = Sample {
    mark: "sample_data/pairwise",
    store_name: "tally-demo-pairwise.db",
    flag: "--pairwise",
    rubric_toml: include_str!("../../guidelines/pairwise-preference.toml"),
    rubric_guidelines: include_str!("../../guidelines/pairwise-preference.md"),
    items_jsonl: include_str!("../../sample_data/pairwise_items.jsonl"),
    labels_csv: include_str!("../../sample_data/pairwise_labels.csv"),
    rubric_origin: "guidelines/pairwise-preference.toml",
    items_origin: "sample_data/pairwise_items.jsonl",
    labels_origin: "sample_data/pairwise_labels.csv",
    dataset: "pairwise_items",
};

/// Every sample, the default first.
pub const SAMPLES: [&Sample; 3] = [&RAG, &TRACES, &PAIRWISE];
