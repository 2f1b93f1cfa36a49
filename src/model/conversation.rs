//! A conversation item: a chat or an agent trace in the OpenAI chat shape, and the steps a
//! rater reads and judges in it.
//!
//! The message shape follows OpenAI's Chat Completions API reference, "messages"
//! (<https://platform.openai.com/docs/api-reference/chat/create>): `role`, `content` as a
//! string or a list of parts, assistant `tool_calls` of
//! `{id, type: "function", function: {name, arguments}}` with `arguments` a JSON string,
//! and `tool` messages answering a call by `tool_call_id`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One message of a conversation, as OpenAI's chat API writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// system, user, assistant, tool or developer; other roles are kept as written.
    pub role: String,
    /// A string, a list of content parts, or null (an assistant message that only calls
    /// tools).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub content: Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// On a `tool` message: the call it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// On a `tool` message: the tool's name, where the source gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    #[serde(rename = "type", default = "function_type")]
    pub call_type: String,
    pub function: FunctionCall,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    pub name: String,
    /// JSON text as the model wrote it: it may not parse, and a rater needs to see that.
    pub arguments: String,
}

fn function_type() -> String {
    "function".to_string()
}

impl Message {
    /// The message's text: a string content as is, the `text` of its parts joined by blank
    /// lines (other parts are named in brackets, e.g. `[image_url]`).
    pub fn text(&self) -> String {
        content_text(&self.content)
    }
}

/// The text of a content value: a string, or a list of parts.
pub fn content_text(content: &Value) -> String {
    match content {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .map(|part| match part {
                Value::String(text) => text.clone(),
                Value::Object(object) => match object.get("text").or_else(|| object.get("content")) {
                    Some(Value::String(text)) => text.clone(),
                    _ => format!("[{}]", object.get("type").and_then(Value::as_str).unwrap_or("part")),
                },
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n\n"),
        other => other.to_string(),
    }
}

/// What a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    System,
    User,
    Assistant,
    ToolCall,
    ToolResult,
}

impl StepKind {
    pub const ALL: [StepKind; 5] =
        [StepKind::System, StepKind::User, StepKind::Assistant, StepKind::ToolCall, StepKind::ToolResult];

    pub fn name(self) -> &'static str {
        match self {
            StepKind::System => "system",
            StepKind::User => "user",
            StepKind::Assistant => "assistant",
            StepKind::ToolCall => "tool_call",
            StepKind::ToolResult => "tool_result",
        }
    }

    pub fn parse(name: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// One step of a conversation: a message with text, a tool call, or a tool result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// 1-based, in the order of the conversation.
    pub n: usize,
    pub kind: StepKind,
    /// The role of the message the step comes from, as written.
    pub role: String,
    /// For tool calls and results: the tool's name (a result takes its call's name when
    /// it has none of its own).
    pub tool: Option<String>,
    /// For tool calls and results: the call's id, linking a result to its call.
    pub call_id: Option<String>,
    /// The text; for a tool call its arguments, for a result its content.
    pub content: String,
}

/// The steps of `messages`, numbered from 1: each message with text is a step, each tool
/// call is a step of its own after its message's text, and an assistant message that only
/// calls tools gives only its calls. The `developer` role is a system step; a role tally
/// does not know is read as a user step, keeping its name in `role`.
pub fn steps(messages: &[Message]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut push = |kind, role: &str, tool: Option<String>, call_id: Option<String>, content: String| {
        steps.push(Step { n: steps.len() + 1, kind, role: role.to_string(), tool, call_id, content });
    };
    let mut call_names: Vec<(String, String)> = Vec::new();
    for message in messages {
        let text = message.text();
        match message.role.as_str() {
            "tool" => {
                let call_id = message.tool_call_id.clone();
                let tool = message.name.clone().or_else(|| {
                    call_id
                        .as_ref()
                        .and_then(|id| call_names.iter().find(|(call, _)| call == id).map(|(_, name)| name.clone()))
                });
                push(StepKind::ToolResult, &message.role, tool, call_id, text);
            }
            role => {
                let kind = match role {
                    "system" | "developer" => StepKind::System,
                    "assistant" => StepKind::Assistant,
                    _ => StepKind::User,
                };
                if !text.trim().is_empty() || message.tool_calls.is_empty() {
                    push(kind, role, None, None, text);
                }
                for call in &message.tool_calls {
                    call_names.push((call.id.clone(), call.function.name.clone()));
                    push(
                        StepKind::ToolCall,
                        role,
                        Some(call.function.name.clone()),
                        Some(call.id.clone()),
                        call.function.arguments.clone(),
                    );
                }
            }
        }
    }
    steps
}

/// The text of the first user step: what a conversation was asked, for lists and search.
pub fn first_user_text(messages: &[Message]) -> String {
    messages.iter().find(|message| message.role == "user").map(Message::text).unwrap_or_default()
}

/// The text of the last assistant message with text: what the conversation ended with.
pub fn last_assistant_text(messages: &[Message]) -> String {
    messages
        .iter()
        .rev()
        .filter(|message| message.role == "assistant")
        .map(Message::text)
        .find(|text| !text.trim().is_empty())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(value: Value) -> Vec<Message> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn steps_number_messages_and_tool_calls_and_link_results_to_calls() {
        // The shape of OpenAI's function-calling guide: a call, then its tool message.
        let conversation = messages(json!([
            {"role": "developer", "content": "You are a support agent."},
            {"role": "user", "content": [{"type": "text", "text": "Where is order 42?"}]},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"id\":42}"}},
                {"id": "call_2", "type": "function", "function": {"name": "lookup_user", "arguments": "{"}}
            ]},
            {"role": "tool", "tool_call_id": "call_2", "content": "{\"user\":\"ana\"}"},
            {"role": "tool", "tool_call_id": "call_1", "content": "{\"status\":\"shipped\"}"},
            {"role": "assistant", "content": "It has shipped."}
        ]));
        let steps = steps(&conversation);
        let kinds: Vec<_> = steps.iter().map(|step| (step.n, step.kind.name())).collect();
        assert_eq!(
            kinds,
            [
                (1, "system"),
                (2, "user"),
                (3, "tool_call"),
                (4, "tool_call"),
                (5, "tool_result"),
                (6, "tool_result"),
                (7, "assistant")
            ]
        );
        assert_eq!(steps[0].role, "developer");
        assert_eq!(steps[2].tool.as_deref(), Some("lookup_order"));
        assert_eq!(steps[2].content, "{\"id\":42}");
        // The malformed arguments string is kept as written.
        assert_eq!(steps[3].content, "{");
        // Results out of order take their own call's tool name.
        assert_eq!((steps[4].call_id.as_deref(), steps[4].tool.as_deref()), (Some("call_2"), Some("lookup_user")));
        assert_eq!((steps[5].call_id.as_deref(), steps[5].tool.as_deref()), (Some("call_1"), Some("lookup_order")));
        assert_eq!(first_user_text(&conversation), "Where is order 42?");
        assert_eq!(last_assistant_text(&conversation), "It has shipped.");
    }

    #[test]
    fn an_assistant_message_with_text_and_calls_gives_its_text_first() {
        let conversation = messages(json!([
            {"role": "assistant", "content": "Let me check.", "tool_calls": [
                {"id": "c", "function": {"name": "search", "arguments": "{}"}}]},
            {"role": "narrator", "content": "?"}
        ]));
        let steps = steps(&conversation);
        assert_eq!(
            steps.iter().map(|step| step.kind).collect::<Vec<_>>(),
            [StepKind::Assistant, StepKind::ToolCall, StepKind::User]
        );
        assert_eq!(steps[2].role, "narrator");
    }
}
