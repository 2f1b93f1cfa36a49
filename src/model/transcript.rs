//! A conversation's steps as a rater reads them: one header per step (its number, kind,
//! tool and call id), tool arguments and JSON results pretty-printed. `tally show` prints
//! this text and the label screen draws the same headers and bodies, so the two agree.

use super::conversation::{Step, StepKind};

/// `[3] TOOL CALL lookup_order · call_1`, `[1] SYSTEM (developer)`: what a step is. The
/// role is named when it is not the kind's own (a `developer` message is a system step).
pub fn header(step: &Step) -> String {
    let kind = step.kind.name().replace('_', " ").to_uppercase();
    let mut header = format!("[{}] {kind}", step.n);
    if let Some(tool) = &step.tool {
        header.push(' ');
        header.push_str(tool);
    }
    let own_role = match step.kind {
        StepKind::ToolCall => "assistant",
        StepKind::ToolResult => "tool",
        kind => kind.name(),
    };
    if step.role != own_role {
        header.push_str(&format!(" ({})", step.role));
    }
    if let Some(call_id) = &step.call_id {
        header.push_str(&format!(" · {call_id}"));
    }
    header
}

/// The step's text to read: a tool call's arguments and a tool result pretty-printed when
/// they are a JSON object or list; arguments that do not parse are shown as written, and
/// said to be broken (a rater judging "bad arguments" needs to see that).
pub fn body(step: &Step) -> String {
    match step.kind {
        StepKind::ToolCall => match pretty_json(&step.content) {
            Some(pretty) => pretty,
            None if step.content.trim().is_empty() => "(no arguments)".to_string(),
            None => format!("{}\n(arguments are not valid JSON)", step.content),
        },
        StepKind::ToolResult => pretty_json(&step.content).unwrap_or_else(|| step.content.clone()),
        _ => step.content.clone(),
    }
}

/// A folded tool result: its text on one line, whitespace runs as one space.
pub fn folded(step: &Step) -> String {
    step.content.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` pretty-printed (two-space indent) when it is a JSON object or list; `None`
/// otherwise. Keys stay in the order the model wrote them, and numbers as written: the
/// valid text is re-indented, not re-serialised.
pub fn pretty_json(text: &str) -> Option<String> {
    let trimmed = text.trim();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<serde::de::IgnoredAny>(trimmed).ok()?;
    let mut out = String::with_capacity(trimmed.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = trimmed.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(ch) = chars.next() {
        if in_string {
            out.push(ch);
            match ch {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match ch {
            '"' => {
                in_string = true;
                out.push(ch);
            }
            '{' | '[' => {
                out.push(ch);
                // An empty object or list stays on its line.
                while chars.peek().is_some_and(|next| next.is_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|next| matches!(next, '}' | ']')) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(ch);
            }
            ',' => {
                out.push(ch);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            ch if ch.is_whitespace() => {}
            ch => out.push(ch),
        }
    }
    Some(out)
}

/// The whole transcript as plain text (not yet sanitised): each step's header, then its
/// body, a blank line between steps.
pub fn text(steps: &[Step]) -> String {
    let mut text = String::new();
    for step in steps {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&header(step));
        text.push('\n');
        let body = body(step);
        if !body.is_empty() {
            text.push_str(&body);
            text.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::conversation::{Message, steps};
    use serde_json::json;

    fn trace() -> Vec<Step> {
        let messages: Vec<Message> = serde_json::from_value(json!([
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": "Where is order 42?"},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"id\":42}"}},
                {"id": "call_2", "type": "function", "function": {"name": "refund", "arguments": "{\"id\":"}}
            ]},
            {"role": "tool", "tool_call_id": "call_1", "content": "{\"status\":\"shipped\",\n \"eta\": \"May 3\"}"},
            {"role": "tool", "tool_call_id": "call_2", "content": "error: bad request"},
            {"role": "assistant", "content": "It has shipped."}
        ]))
        .unwrap();
        steps(&messages)
    }

    #[test]
    fn headers_name_number_kind_tool_role_and_call() {
        let headers: Vec<String> = trace().iter().map(header).collect();
        assert_eq!(
            headers,
            [
                "[1] SYSTEM (developer)",
                "[2] USER",
                "[3] TOOL CALL lookup_order · call_1",
                "[4] TOOL CALL refund · call_2",
                "[5] TOOL RESULT lookup_order · call_1",
                "[6] TOOL RESULT refund · call_2",
                "[7] ASSISTANT",
            ]
        );
    }

    #[test]
    fn arguments_are_pretty_printed_or_shown_as_written_when_broken() {
        let steps = trace();
        assert_eq!(body(&steps[2]), "{\n  \"id\": 42\n}");
        assert_eq!(body(&steps[3]), "{\"id\":\n(arguments are not valid JSON)");
        assert_eq!(body(&steps[4]), "{\n  \"status\": \"shipped\",\n  \"eta\": \"May 3\"\n}");
        assert_eq!(body(&steps[5]), "error: bad request");
        assert_eq!(folded(&steps[4]), "{\"status\":\"shipped\", \"eta\": \"May 3\"}");
        assert_eq!(pretty_json("42"), None);
        // Nesting, empty containers, and commas and braces inside strings.
        assert_eq!(
            pretty_json(r#" {"a": [1, {}], "b": "x, {y}", "c": [], "d": "\"}"} "#).unwrap(),
            "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": \"x, {y}\",\n  \"c\": [],\n  \"d\": \"\\\"}\"\n}"
        );
    }

    #[test]
    fn text_puts_a_blank_line_between_steps() {
        let text = text(&trace()[..2]);
        assert_eq!(text, "[1] SYSTEM (developer)\nBe brief.\n\n[2] USER\nWhere is order 42?\n");
    }
}
