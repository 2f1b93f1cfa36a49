//! A comparison item: two or more candidate outputs for one input, judged side by side.
//! In every stored value `a` is the item's first candidate and `b` its second, whatever
//! side a rater saw them on.

use serde::{Deserialize, Serialize};

use super::conversation::Message;

/// One candidate answer: its text, or a conversation, and the model that gave it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub id: String,
    #[serde(default)]
    pub output: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

impl Candidate {
    /// What a ranking calls this candidate: its model, else its id.
    pub fn contender(&self) -> &str {
        self.model.as_deref().unwrap_or(&self.id)
    }

    /// The candidate's answer as text: its output, or its conversation's last answer.
    pub fn text(&self) -> String {
        if self.messages.is_empty() {
            self.output.clone()
        } else {
            super::conversation::last_assistant_text(&self.messages)
        }
    }
}
