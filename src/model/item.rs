//! An item: one sampled model output to judge.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::comparison::Candidate;
use super::conversation::{Message, Step};

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
    /// A single answer, a conversation or a comparison. For a conversation `input` and
    /// `output` hold its first question and last answer; for a comparison `input` is the
    /// prompt and `output` is empty.
    #[serde(default)]
    pub shape: Shape,
}

/// The three shapes of item. Stored as `{"messages": [...]}` or `{"candidates": [...]}`,
/// nothing for a single answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    #[default]
    Single,
    Conversation {
        messages: Vec<Message>,
    },
    Comparison {
        candidates: Vec<Candidate>,
    },
}

impl Shape {
    pub fn name(&self) -> &'static str {
        match self {
            Shape::Single => "single",
            Shape::Conversation { .. } => "conversation",
            Shape::Comparison { .. } => "comparison",
        }
    }

    pub fn messages(&self) -> &[Message] {
        match self {
            Shape::Conversation { messages } => messages,
            _ => &[],
        }
    }

    pub fn candidates(&self) -> &[Candidate] {
        match self {
            Shape::Comparison { candidates } => candidates,
            _ => &[],
        }
    }

    /// The JSON the store keeps: `None` for a single answer.
    pub fn to_json(&self) -> Option<String> {
        match self {
            Shape::Single => None,
            // Serialising plain strings and JSON values cannot fail.
            Shape::Conversation { messages } => {
                Some(serde_json::to_string(&serde_json::json!({ "messages": messages })).unwrap_or_default())
            }
            Shape::Comparison { candidates } => {
                Some(serde_json::to_string(&serde_json::json!({ "candidates": candidates })).unwrap_or_default())
            }
        }
    }

    /// Reads what [`Shape::to_json`] wrote.
    pub fn from_json(text: Option<&str>) -> Result<Shape, serde_json::Error> {
        #[derive(Deserialize)]
        struct Stored {
            #[serde(default)]
            messages: Option<Vec<Message>>,
            #[serde(default)]
            candidates: Option<Vec<Candidate>>,
        }
        let Some(text) = text else { return Ok(Shape::Single) };
        let stored: Stored = serde_json::from_str(text)?;
        Ok(match (stored.messages, stored.candidates) {
            (Some(messages), _) => Shape::Conversation { messages },
            (None, Some(candidates)) => Shape::Comparison { candidates },
            (None, None) => Shape::Single,
        })
    }
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
    // Left out for a single answer, so its hash is what it was before items had shapes.
    #[serde(skip_serializing_if = "<[Message]>::is_empty")]
    messages: &'a [Message],
    #[serde(skip_serializing_if = "<[Candidate]>::is_empty")]
    candidates: &'a [Candidate],
}

impl Item {
    /// SHA-256 of the item's canonical JSON content (sorted keys, no whitespace), so the
    /// same content always hashes the same whatever file or format it came from.
    pub fn content_hash(&self) -> String {
        super::sha256_hex(&self.content_json())
    }

    /// [`Item::content_hash`] from the item's context, metadata and judge already written
    /// as JSON (as the store keeps them), so that an import serialises each once.
    pub fn content_hash_with(&self, context: &str, metadata: &str, judge: &str) -> String {
        use sha2::Digest;
        // The bytes `content_json` writes, fed to the hash piece by piece.
        struct Hashing(sha2::Sha256);
        impl std::io::Write for Hashing {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.update(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut out = Hashing(sha2::Sha256::new());
        // Writing into a hash cannot fail, nor can serialising strings and messages.
        out.0.update(b"{\"input\":");
        let _ = serde_json::to_writer(&mut out, &self.input);
        out.0.update(b",\"output\":");
        let _ = serde_json::to_writer(&mut out, &self.output);
        out.0.update(b",\"reference\":");
        let _ = serde_json::to_writer(&mut out, &self.reference);
        for (key, json) in [(",\"context\":", context), (",\"metadata\":", metadata), (",\"judge\":", judge)] {
            out.0.update(key.as_bytes());
            out.0.update(json.as_bytes());
        }
        if !self.shape.messages().is_empty() {
            out.0.update(b",\"messages\":");
            let _ = serde_json::to_writer(&mut out, self.shape.messages());
        }
        if !self.shape.candidates().is_empty() {
            out.0.update(b",\"candidates\":");
            let _ = serde_json::to_writer(&mut out, self.shape.candidates());
        }
        out.0.update(b"}");
        super::hex(&out.0.finalize())
    }

    /// A 64-bit fingerprint of the same canonical content: for telling copies apart in a
    /// stream, where SHA-256 would cost more than reading the line.
    pub fn content_fingerprint(&self) -> u64 {
        use std::hash::Hasher;
        let mut hasher = crate::stats::hash::FxHasher::default();
        hasher.write(&self.content_json());
        hasher.finish()
    }

    /// The steps of a conversation; none for the other shapes.
    pub fn steps(&self) -> Vec<Step> {
        super::conversation::steps(self.shape.messages())
    }

    fn content_json(&self) -> Vec<u8> {
        let content = Content {
            input: &self.input,
            output: &self.output,
            reference: self.reference.as_deref(),
            context: &self.context,
            metadata: &self.metadata,
            judge: &self.judge,
            messages: self.shape.messages(),
            candidates: self.shape.candidates(),
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
            shape: Shape::Single,
        }
    }

    #[test]
    fn the_hash_from_the_stored_json_is_the_content_hash() {
        let mut items = vec![item()];
        let mut rich = item();
        rich.reference = Some("a \"quoted\" reference\n".into());
        rich.metadata.insert("model".into(), Value::from("m-1"));
        rich.judge.insert("correct".into(), Value::from(0.5));
        rich.context = vec!["p1".into(), "p\u{e9}2".into()];
        items.push(rich.clone());
        let mut conversation = rich.clone();
        conversation.shape = Shape::Conversation {
            messages: vec![serde_json::from_value(serde_json::json!({"role": "user", "content": "How?"})).unwrap()],
        };
        items.push(conversation);
        let mut comparison = rich;
        comparison.shape = Shape::Comparison {
            candidates: serde_json::from_value(
                serde_json::json!([{"id": "a", "output": "x"}, {"id": "b", "output": "y"}]),
            )
            .unwrap(),
        };
        items.push(comparison);
        for item in items {
            let (context, metadata, judge) = (
                serde_json::to_string(&item.context).unwrap(),
                serde_json::to_string(&item.metadata).unwrap(),
                serde_json::to_string(&item.judge).unwrap(),
            );
            assert_eq!(item.content_hash_with(&context, &metadata, &judge), item.content_hash(), "{item:?}");
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

    #[test]
    fn a_single_answer_hashes_as_before_shapes_and_a_shape_changes_the_hash() {
        // The hash a single item had before items had shapes: stores keep it.
        assert_eq!(
            item().content_hash(),
            crate::model::sha256_hex(
                br#"{"input":"How?","output":"Like this.","reference":null,"context":["p1"],"metadata":{},"judge":{}}"#
            )
        );
        let mut conversation = item();
        conversation.shape = Shape::Conversation {
            messages: vec![serde_json::from_value(serde_json::json!({"role": "user", "content": "How?"})).unwrap()],
        };
        assert_ne!(conversation.content_hash(), item().content_hash());
        let stored = conversation.shape.to_json();
        assert_eq!(Shape::from_json(stored.as_deref()).unwrap(), conversation.shape);
        assert_eq!(Shape::from_json(None).unwrap(), Shape::Single);
    }
}
