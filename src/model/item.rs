//! An item: one sampled model output to judge.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One output to judge, with what the rater needs to judge it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stable external id, unique in the store.
    pub id: String,
    pub dataset: String,
    pub input: String,
    pub output: String,
    pub reference: Option<String>,
    pub context: Vec<String>,
    /// Model, prompt version and any other key/values; keys sorted.
    pub metadata: Map<String, Value>,
    /// LLM-judge scores per criterion id; keys sorted.
    pub judge: Map<String, Value>,
}

/// The part of an item that its content hash covers: what a rater sees and the scores
/// it carries, not where it was filed.
#[derive(Serialize)]
struct Content<'a> {
    input: &'a str,
    output: &'a str,
    reference: Option<&'a str>,
    context: &'a [String],
    metadata: &'a Map<String, Value>,
    judge: &'a Map<String, Value>,
}

impl Item {
    /// SHA-256 of the item's canonical JSON content (sorted keys, no whitespace), so the
    /// same content always hashes the same whatever file or format it came from.
    pub fn content_hash(&self) -> String {
        super::sha256_hex(&self.content_json())
    }

    /// A 64-bit fingerprint of the same canonical content: for telling copies apart in a
    /// stream, where SHA-256 would cost more than reading the line.
    pub fn content_fingerprint(&self) -> u64 {
        use std::hash::Hasher;
        let mut hasher = crate::stats::hash::FxHasher::default();
        hasher.write(&self.content_json());
        hasher.finish()
    }

    fn content_json(&self) -> Vec<u8> {
        let content = Content {
            input: &self.input,
            output: &self.output,
            reference: self.reference.as_deref(),
            context: &self.context,
            metadata: &self.metadata,
            judge: &self.judge,
        };
        // Serialising plain strings and maps cannot fail.
        serde_json::to_vec(&content).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Item {
        Item {
            id: "q-1".into(),
            dataset: "d".into(),
            input: "How?".into(),
            output: "Like this.".into(),
            reference: None,
            context: vec!["p1".into()],
            metadata: Map::new(),
            judge: Map::new(),
        }
    }

    #[test]
    fn hash_ignores_id_and_dataset_but_not_content() {
        let a = item();
        let mut b = item();
        b.id = "other".into();
        b.dataset = "other".into();
        assert_eq!(a.content_hash(), b.content_hash());
        b.output.push('!');
        assert_ne!(a.content_hash(), b.content_hash());
    }
}
