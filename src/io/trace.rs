//! Traces as tracing tools log them, turned into conversation items (OpenAI chat shape).
//!
//! Each format has its file (`trace_anthropic`, `trace_otel`, `trace_langfuse`,
//! `trace_langsmith`); what they share lives here: telling the formats apart, reading a
//! list of messages in any of the shapes those tools log, ordering a trace's pieces by
//! time, and assembling one transcript out of them, so that history repeated in every
//! model call, and a tool call recorded both in the model's output and as its own tool
//! span or run, give one step each. A record becomes the fields of today's items file
//! (`id`, `messages`, `metadata`, ...), so validation, ids and metadata work as for any
//! item.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::model::conversation::{FunctionCall, Message, ToolCall};

/// A trace format `tally import --from` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFormat {
    Openai,
    Anthropic,
    Otel,
    Langfuse,
    Langsmith,
}

impl TraceFormat {
    pub const ALL: [TraceFormat; 5] =
        [TraceFormat::Openai, TraceFormat::Anthropic, TraceFormat::Otel, TraceFormat::Langfuse, TraceFormat::Langsmith];

    pub fn name(self) -> &'static str {
        match self {
            TraceFormat::Openai => "openai",
            TraceFormat::Anthropic => "anthropic",
            TraceFormat::Otel => "otel",
            TraceFormat::Langfuse => "langfuse",
            TraceFormat::Langsmith => "langsmith",
        }
    }

    /// The format of a record, from its shape: `None` for a record of today's items file
    /// (a single answer, or OpenAI-shape `messages`, which that file already reads).
    pub fn detect(fields: &Map<String, Value>) -> Option<TraceFormat> {
        if fields.get("observations").is_some_and(Value::is_array) {
            return Some(TraceFormat::Langfuse);
        }
        // An items record may carry a trace's ids (to send labels back): it stays an item.
        const ITEM_FIELDS: [&str; 6] = ["output", "response", "completion", "answer", "chosen", "messages"];
        if ITEM_FIELDS.iter().any(|field| fields.contains_key(*field)) {
            return super::trace_anthropic::looks_like(fields).then_some(TraceFormat::Anthropic);
        }
        if fields.contains_key("run_type") && (fields.contains_key("inputs") || fields.contains_key("outputs")) {
            return Some(TraceFormat::Langsmith);
        }
        if super::trace_otel::is_span(fields) {
            return Some(TraceFormat::Otel);
        }
        if super::trace_anthropic::looks_like(fields) {
            return Some(TraceFormat::Anthropic);
        }
        None
    }
}

/// Reads a list of messages logged by any of the tools tally reads: OpenAI chat messages,
/// Anthropic content blocks, OpenTelemetry GenAI `parts`, LangChain messages (plain or
/// serialised). A list of lists (LangChain's batched prompts) is read as its first list.
/// `field` names the list in errors.
pub fn messages(value: &Value, field: &str) -> Result<Vec<Message>, String> {
    let list = match value {
        Value::Array(list) => match list.first() {
            Some(Value::Array(first)) => first,
            _ => list,
        },
        Value::Object(object) if object.contains_key("role") || object.contains_key("type") => {
            std::slice::from_ref(value)
        }
        Value::String(text) => return Ok(vec![text_message("user", text.clone())]),
        _ => return Err(format!("field `{field}`: expected a list of messages")),
    };
    let mut out = Vec::new();
    for (index, message) in list.iter().enumerate() {
        let at = |message: String| format!("field `{field}`: message {}: {message}", index + 1);
        let Value::Object(object) = message else {
            return Err(at("expected an object".into()));
        };
        if object.get("parts").is_some_and(Value::is_array) {
            out.extend(super::trace_otel::message(object).map_err(at)?);
        } else if super::trace_langsmith::is_langchain(object) {
            out.extend(super::trace_langsmith::langchain_message(object).map_err(at)?);
        } else if super::trace_anthropic::has_blocks(object) {
            out.extend(super::trace_anthropic::message(object).map_err(at)?);
        } else {
            out.push(openai_message(object).map_err(at)?);
        }
    }
    Ok(out)
}

/// What a model call answered, as the tools log it: a string, a message, a list of
/// messages, a chat completion (`choices[].message`), LangChain generations
/// (`generations[][].message` or `.text`), an Anthropic response (`content` blocks
/// without a role), or an object holding one of these under `messages` or `output`.
pub fn output_messages(value: &Value, field: &str) -> Result<Vec<Message>, String> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::String(text) => Ok(vec![text_message("assistant", text.clone())]),
        Value::Array(_) => messages(value, field),
        Value::Object(object) => {
            if let Some(Value::Array(choices)) = object.get("choices") {
                let list: Vec<Value> = choices.iter().filter_map(|choice| choice.get("message").cloned()).collect();
                return messages(&Value::Array(list), &format!("{field}.choices"));
            }
            if let Some(Value::Array(generations)) = object.get("generations") {
                let first = match generations.first() {
                    Some(Value::Array(batch)) => batch.first(),
                    other => other,
                };
                return match first {
                    Some(generation) => match generation.get("message") {
                        Some(message) => {
                            messages(&Value::Array(vec![message.clone()]), &format!("{field}.generations"))
                        }
                        None => Ok(text_field(generation, "text")
                            .map(|text| vec![text_message("assistant", text)])
                            .unwrap_or_default()),
                    },
                    None => Ok(Vec::new()),
                };
            }
            if object.contains_key("role") || object.contains_key("type") && !object.contains_key("content") {
                return messages(value, field);
            }
            if object.get("content").is_some_and(Value::is_array) {
                let mut message = object.clone();
                message.insert("role".into(), Value::String("assistant".into()));
                return messages(&Value::Object(message), field);
            }
            for key in ["messages", "output", "content", "text"] {
                if let Some(inner) = object.get(key) {
                    return output_messages(inner, &format!("{field}.{key}"));
                }
            }
            Ok(vec![text_message("assistant", value.to_string())])
        }
        other => Ok(vec![text_message("assistant", other.to_string())]),
    }
}

/// One OpenAI chat message, read leniently: `arguments` may be logged as an object, and
/// a call's `id` may be missing (one is made up when the transcript is assembled).
fn openai_message(object: &Map<String, Value>) -> Result<Message, String> {
    let role = match object.get("role") {
        Some(Value::String(role)) if !role.is_empty() => role.clone(),
        _ => return Err("field `role` is missing".into()),
    };
    let mut tool_calls = Vec::new();
    if let Some(Value::Array(calls)) = object.get("tool_calls") {
        for (index, call) in calls.iter().enumerate() {
            let function = call.get("function").unwrap_or(call);
            let name = text_field(function, "name")
                .ok_or_else(|| format!("field `tool_calls`: call {} has no `function.name`", index + 1))?;
            let arguments = function.get("arguments").map(arguments_text).unwrap_or_default();
            tool_calls.push(call_of(text_field(call, "id"), name, arguments));
        }
    }
    Ok(Message {
        role,
        content: object.get("content").cloned().unwrap_or(Value::Null),
        tool_calls,
        tool_call_id: text_field_of(object, "tool_call_id"),
        name: text_field_of(object, "name"),
    })
}

pub(super) fn text_message(role: &str, text: String) -> Message {
    Message {
        role: role.to_string(),
        content: Value::String(text),
        tool_calls: Vec::new(),
        tool_call_id: None,
        name: None,
    }
}

pub(super) fn call_of(id: Option<String>, name: String, arguments: String) -> ToolCall {
    ToolCall { id: id.unwrap_or_default(), call_type: "function".into(), function: FunctionCall { name, arguments } }
}

/// An assistant message that only calls `calls`.
pub(super) fn calls_message(calls: Vec<ToolCall>) -> Message {
    Message { role: "assistant".into(), content: Value::Null, tool_calls: calls, tool_call_id: None, name: None }
}

/// A tool message answering `call_id` (made up later when `None`).
pub(super) fn result_message(call_id: Option<String>, name: Option<String>, content: Value) -> Message {
    Message { role: "tool".into(), content, tool_call_id: call_id, name, tool_calls: Vec::new() }
}

/// Arguments as the JSON text OpenAI's shape holds: a string as written (it may not
/// parse, and a rater needs to see that), anything else serialised.
pub(super) fn arguments_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A tool's result as message content: a string as is, anything else as JSON text.
pub(super) fn result_content(value: &Value) -> Value {
    match value {
        Value::String(_) | Value::Null => value.clone(),
        other => Value::String(other.to_string()),
    }
}

pub(super) fn text_field(value: &Value, key: &str) -> Option<String> {
    value.as_object().and_then(|object| text_field_of(object, key))
}

pub(super) fn text_field_of(object: &Map<String, Value>, key: &str) -> Option<String> {
    match object.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
        Some(Value::Number(number)) => Some(number.to_string()),
        _ => None,
    }
}

/// A point in time, for ordering a trace's pieces: nanoseconds since the Unix epoch from
/// a number or numeric string (OTLP's `startTimeUnixNano`), or from an ISO 8601 /
/// RFC 3339 timestamp (`2024-05-01T12:00:00.123Z`, an offset, or none: read as UTC).
pub(super) fn time(value: Option<&Value>) -> Option<i128> {
    match value? {
        Value::Number(number) => number.as_i64().map(i128::from).or_else(|| number.as_f64().map(|f| f as i128)),
        Value::String(text) => text.parse::<i128>().ok().or_else(|| iso_nanos(text)),
        _ => None,
    }
}

fn iso_nanos(text: &str) -> Option<i128> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> { text.get(range)?.parse().ok() };
    if bytes.len() < 19 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = &text[19..];
    let mut nanos: i128 = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        let mut value: i128 = fraction[..digits.min(9)].parse().ok()?;
        for _ in digits.min(9)..9 {
            value *= 10;
        }
        nanos = value;
        rest = &fraction[digits..];
    }
    let offset_seconds: i64 = match rest {
        "" | "Z" | "z" => 0,
        offset if offset.len() == 6 => {
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            sign * (offset[1..3].parse::<i64>().ok()? * 3600 + offset[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(i128::from(seconds) * 1_000_000_000 + nanos)
}

/// One piece of a trace, at a point in time.
#[derive(Debug, Clone)]
pub(super) enum Piece {
    /// Messages a model call was given (history, repeated in each call).
    Messages(Vec<Message>),
    /// A tool run recorded on its own (a tool span or run): the call and its result.
    Tool { call_id: Option<String>, name: String, arguments: String, result: Option<Value> },
}

/// Pieces gathered from a trace's spans, runs or observations, then put in time order.
#[derive(Debug, Default)]
pub(super) struct Pieces {
    pieces: Vec<(Option<i128>, usize, Piece)>,
}

impl Pieces {
    /// Adds `piece` at `at`; pieces without a time keep their place after those before.
    pub fn push(&mut self, at: Option<i128>, piece: Piece) {
        let seq = self.pieces.len();
        self.pieces.push((at, seq, piece));
    }

    /// The transcript, pieces ordered by time (file order between equal or missing
    /// times).
    pub fn transcript(mut self) -> Vec<Message> {
        // A piece without a time takes the time of the piece before it.
        let mut last = None;
        for (at, _, _) in &mut self.pieces {
            match at {
                Some(time) => last = Some(*time),
                None => *at = last,
            }
        }
        self.pieces.sort_by_key(|(at, seq, _)| (at.unwrap_or(i128::MIN), *seq));
        let mut transcript = Transcript::default();
        for (_, _, piece) in self.pieces {
            match piece {
                Piece::Messages(messages) => transcript.add(messages),
                Piece::Tool { call_id, name, arguments, result } => transcript.tool(call_id, name, arguments, result),
            }
        }
        transcript.finish()
    }
}

/// A conversation assembled from overlapping records.
#[derive(Debug, Default)]
pub(super) struct Transcript {
    messages: Vec<Message>,
    /// Ids tally made up (the source had none): matched by name and arguments instead.
    made_up: HashSet<String>,
    /// Calls answered by a tool message.
    answered: HashSet<String>,
    next_id: usize,
}

impl Transcript {
    /// Adds messages in order, skipping each one already in the transcript at or after
    /// the place the one before it was found (a model call's history repeats the
    /// conversation so far) or, for a message with the source's ids (a tool call or
    /// result), anywhere; a message not found goes in at that place, so a system prompt
    /// first logged by the second span still comes first.
    pub fn add(&mut self, messages: Vec<Message>) {
        let mut at = 0;
        for (index, message) in messages.iter().enumerate() {
            match self.find(at, message) {
                Some(found) => at = at.max(found + 1),
                None => {
                    // Before a message still to be found (history the transcript lacks),
                    // else at the end (what is new).
                    let ahead = messages[index + 1..].iter().any(|later| self.find(at, later).is_some());
                    let place = if ahead { at } else { self.messages.len() };
                    self.insert(place, message.clone());
                    at = place + 1;
                }
            }
        }
    }

    /// Where `message` already is: at or after `at`, or, with the source's ids, anywhere.
    fn find(&self, at: usize, message: &Message) -> Option<usize> {
        (at..self.messages.len()).find(|&index| self.same(&self.messages[index], message)).or_else(|| {
            self.has_real_ids(message).then(|| self.messages.iter().position(|old| self.same(old, message))).flatten()
        })
    }

    /// Whether a message carries ids from the source that make it unique in a trace.
    fn has_real_ids(&self, message: &Message) -> bool {
        match &message.tool_call_id {
            Some(id) => self.real(id),
            None => !message.tool_calls.is_empty() && message.tool_calls.iter().all(|call| self.real(&call.id)),
        }
    }

    /// A tool run recorded on its own: its call is the model's call with the same id
    /// (or, without ids, the latest unanswered call of that name and arguments), else a
    /// new call; its result is added unless the call already has one.
    pub fn tool(&mut self, call_id: Option<String>, name: String, arguments: String, result: Option<Value>) {
        let probe = call_of(call_id.clone(), name.clone(), arguments);
        let existing = self
            .messages
            .iter()
            .flat_map(|message| &message.tool_calls)
            .rev()
            .find(|call| self.call_matches(call, &probe) && (call_id.is_some() || !self.answered.contains(&call.id)))
            .map(|call| call.id.clone());
        let id = match existing {
            Some(id) => id,
            None => {
                self.insert(self.messages.len(), calls_message(vec![probe]));
                self.messages
                    .last()
                    .and_then(|message| message.tool_calls.last())
                    .map_or_else(String::new, |c| c.id.clone())
            }
        };
        if let Some(result) = result
            && !self.answered.contains(&id)
        {
            self.insert(self.messages.len(), result_message(Some(id), Some(name), result_content(&result)));
        }
    }

    /// Puts a message at `index`, giving its calls ids where they have none and linking a tool
    /// message without `tool_call_id` to the oldest call still unanswered (of its tool,
    /// when it names one).
    fn insert(&mut self, index: usize, mut message: Message) {
        for call in &mut message.tool_calls {
            if call.id.is_empty() {
                loop {
                    self.next_id += 1;
                    let id = format!("call_{}", self.next_id);
                    if !self.messages.iter().flat_map(|m| &m.tool_calls).any(|c| c.id == id) {
                        call.id = id;
                        break;
                    }
                }
                self.made_up.insert(call.id.clone());
            }
        }
        if message.role == "tool" {
            if message.tool_call_id.is_none() {
                let name = message.name.clone();
                message.tool_call_id = self
                    .messages
                    .iter()
                    .flat_map(|m| &m.tool_calls)
                    .find(|call| {
                        !self.answered.contains(&call.id)
                            && name.as_ref().is_none_or(|name| *name == call.function.name)
                    })
                    .map(|call| call.id.clone());
            }
            if let Some(id) = &message.tool_call_id {
                self.answered.insert(id.clone());
            }
        }
        self.messages.insert(index.min(self.messages.len()), message);
    }

    /// Whether `id` is one the source gave (not missing, not made up by tally).
    fn real(&self, id: &str) -> bool {
        !id.is_empty() && !self.made_up.contains(id)
    }

    fn call_matches(&self, a: &ToolCall, b: &ToolCall) -> bool {
        if self.real(&a.id) && self.real(&b.id) {
            return a.id == b.id;
        }
        a.function.name == b.function.name && same_arguments(&a.function.arguments, &b.function.arguments)
    }

    /// Whether `new` is the message `old` already in the transcript, as another record
    /// of the trace repeats it.
    fn same(&self, old: &Message, new: &Message) -> bool {
        if old.role != new.role || old.tool_calls.len() != new.tool_calls.len() {
            return false;
        }
        if old.role == "tool"
            && let (Some(a), Some(b)) = (&old.tool_call_id, &new.tool_call_id)
            && self.real(a)
            && self.real(b)
        {
            return a == b;
        }
        let same_text =
            if old.role == "tool" { same_arguments(&old.text(), &new.text()) } else { old.text() == new.text() };
        old.tool_calls.iter().zip(&new.tool_calls).all(|(a, b)| self.call_matches(a, b)) && same_text
    }

    /// The messages, every call with an id and every result linked where it can be.
    pub fn finish(self) -> Vec<Message> {
        self.messages
    }
}

/// Arguments compared as JSON when both parse (key order and spacing differ between a
/// model's output and a tool span), else as text.
fn same_arguments(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (serde_json::from_str::<Value>(a), serde_json::from_str::<Value>(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

/// Records of one trace spread over several lines (OpenTelemetry spans, LangSmith runs),
/// gathered by trace id. A trace is taken out as soon as its last line has been read
/// (when [`trace_ends`] knows it), else at the end of the file, in the order traces first
/// appeared.
#[derive(Debug)]
pub(super) struct Groups<T> {
    open: HashMap<String, (usize, u64, Vec<T>)>,
    next: usize,
}

impl<T> Default for Groups<T> {
    fn default() -> Self {
        Groups { open: HashMap::new(), next: 0 }
    }
}

impl<T> Groups<T> {
    pub fn push(&mut self, trace: String, line: u64, record: T) {
        let next = &mut self.next;
        self.open
            .entry(trace)
            .or_insert_with(|| {
                *next += 1;
                (*next, line, Vec::new())
            })
            .2
            .push(record);
    }

    /// A trace's first line and records, taken out.
    pub fn take(&mut self, trace: &str) -> Option<(u64, Vec<T>)> {
        self.open.remove(trace).map(|(_, line, records)| (line, records))
    }

    /// (trace id, first line, records) of the traces left, in the order they first
    /// appeared.
    pub fn into_groups(self) -> impl Iterator<Item = (String, u64, Vec<T>)> {
        let mut groups: Vec<_> = self.open.into_iter().collect();
        groups.sort_by_key(|(_, (order, _, _))| *order);
        groups.into_iter().map(|(trace, (_, line, records))| (trace, line, records))
    }
}

/// The last line of each trace of a file whose traces spread over several lines (spans,
/// runs), so the import can assemble a trace as soon as it is whole and hold only the
/// traces still open: one quick pass that reads only trace ids. `None` when the file
/// (by `--from`, or its first record) is in a format of one record a trace. Lines that do
/// not parse are left to the import, which names them.
pub fn trace_ends(path: &std::path::Path, from: Option<TraceFormat>) -> Result<Option<Ends>, super::Error> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|err| super::Error::file(path, err))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut ends = HashMap::new();
    let mut format = from;
    let mut buffer = Vec::new();
    let mut line = 0u64;
    loop {
        buffer.clear();
        if reader.read_until(b'\n', &mut buffer).map_err(|err| super::Error::file(path, err))? == 0 {
            break;
        }
        line += 1;
        let bytes = if line == 1 { buffer.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buffer) } else { &buffer };
        let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(bytes) else {
            continue;
        };
        let format = *format.get_or_insert_with(|| TraceFormat::detect(&fields).unwrap_or(TraceFormat::Openai));
        match format {
            TraceFormat::Otel => {
                for trace in super::trace_otel::trace_ids(&fields) {
                    ends.insert(trace, line);
                }
            }
            TraceFormat::Langsmith => {
                if let Some(trace) = super::trace_langsmith::trace_id(&fields) {
                    ends.insert(trace, line);
                }
            }
            _ => return Ok(None),
        }
    }
    Ok(Some(Ends(ends)))
}

/// Each trace's last line (see [`trace_ends`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ends(HashMap<String, u64>);

/// The fields of one conversation item: `id`, `messages` and `metadata` (with
/// `trace_format` and the source's ids).
/// One span (OpenTelemetry) or run (LangSmith) of a trace: the part of it a transcript
/// is made of.
#[derive(Debug)]
pub(super) struct Segment {
    pub id: String,
    pub parent: Option<String>,
    pub start: Option<i128>,
    pub end: Option<i128>,
    /// The model that answered, where the source says.
    pub model: Option<String>,
    pub input: Vec<Message>,
    pub output: Vec<Message>,
    pub tool: Option<Piece>,
}

/// One trace's segments as the fields of a conversation item (`None` when none holds a
/// message or a tool call: a trace of other work). Pieces are put in time order: a
/// segment's input when it starts, its output and a tool's result when it ends.
/// Metadata keeps `trace_format`, `trace_id`, the root segment's id under `id_key`, all
/// ids in time order under `ids_key`, and the model of the first model call.
pub(super) fn conversation(
    format: &str,
    trace: String,
    mut segments: Vec<Segment>,
    (id_key, ids_key): (&str, &str),
) -> Option<Map<String, Value>> {
    segments.sort_by_key(|segment| segment.start.unwrap_or(i128::MIN));
    let mut pieces = Pieces::default();
    for segment in &mut segments {
        if !segment.input.is_empty() {
            pieces.push(segment.start, Piece::Messages(std::mem::take(&mut segment.input)));
        }
        let end = segment.end.or(segment.start);
        if !segment.output.is_empty() {
            pieces.push(end, Piece::Messages(std::mem::take(&mut segment.output)));
        }
        if let Some(tool) = segment.tool.take() {
            pieces.push(end, tool);
        }
    }
    let root = segments.iter().find(|segment| segment.parent.is_none()).or(segments.first());
    let mut metadata = Map::new();
    metadata.insert("trace_format".into(), Value::from(format));
    metadata.insert("trace_id".into(), Value::from(trace.as_str()));
    if let Some(root) = root {
        metadata.insert(id_key.into(), Value::from(root.id.as_str()));
    }
    metadata.insert(ids_key.into(), segments.iter().map(|segment| Value::from(segment.id.as_str())).collect());
    if let Some(model) = segments.iter().find_map(|segment| segment.model.clone()) {
        metadata.insert("model".into(), Value::from(model));
    }
    let messages = pieces.transcript();
    (!messages.is_empty()).then(|| item_fields(trace, messages, metadata))
}

pub(super) fn item_fields(id: String, messages: Vec<Message>, metadata: Map<String, Value>) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("id".into(), Value::String(id));
    fields.insert("messages".into(), serde_json::to_value(messages).unwrap_or(Value::Null));
    fields.insert("metadata".into(), Value::Object(metadata));
    fields
}

/// An item's fields, ready to import, with the line they name in errors.
pub(super) type Ready = (u64, Map<String, Value>);

/// Converts records into item fields; records of one trace spread over several lines
/// are gathered and come out at `finish`.
pub(super) struct Converter {
    /// `--from`; without it each record's format is told from its shape.
    from: Option<TraceFormat>,
    otel: Groups<super::trace_otel::Span>,
    langsmith: Groups<super::trace_langsmith::Run>,
    ends: Option<Ends>,
    /// Traces of spans or runs none of which holds a message or a tool call (a trace of
    /// other work, such as HTTP requests, in the same export): left out, and counted.
    pub without_messages: u64,
}

impl Converter {
    pub fn new(from: Option<TraceFormat>, ends: Option<Ends>) -> Converter {
        Converter { from, otel: Groups::default(), langsmith: Groups::default(), ends, without_messages: 0 }
    }

    /// An assembled trace, or none counted when it holds no conversation.
    fn assembled(&mut self, line: u64, fields: Option<Map<String, Value>>) -> Option<Ready> {
        match fields {
            Some(fields) => Some((line, fields)),
            None => {
                self.without_messages += 1;
                None
            }
        }
    }

    /// Whether `trace`'s last line is `line`.
    fn ends_at(&self, trace: &str, line: u64) -> bool {
        self.ends.as_ref().is_some_and(|ends| ends.0.get(trace) == Some(&line))
    }

    /// The items `fields` (at `line`) makes now: itself (today's items), one converted
    /// record, or none while a trace's records are gathered.
    pub fn record(&mut self, line: u64, fields: Map<String, Value>) -> Result<Vec<Ready>, String> {
        match self.from.or_else(|| TraceFormat::detect(&fields)) {
            None => Ok(vec![(line, fields)]),
            Some(TraceFormat::Openai) => {
                // Forced, the messages are read leniently (arguments logged as objects,
                // calls without ids), as the other formats are.
                let mut fields = fields;
                let value = fields
                    .remove("messages")
                    .ok_or("field `messages` is missing (--from openai reads OpenAI chat messages)")?;
                let mut transcript = Transcript::default();
                transcript.add(messages(&value, "messages")?);
                let messages = serde_json::to_value(transcript.finish()).map_err(|err| err.to_string())?;
                fields.insert("messages".into(), messages);
                Ok(vec![(line, fields)])
            }
            Some(TraceFormat::Anthropic) => Ok(vec![(line, super::trace_anthropic::record(fields)?)]),
            Some(TraceFormat::Langfuse) => Ok(vec![(line, super::trace_langfuse::record(fields)?)]),
            Some(TraceFormat::Otel) => {
                let mut ready = Vec::new();
                for (trace, span) in super::trace_otel::spans(fields)? {
                    let ends = self.ends_at(&trace, line);
                    self.otel.push(trace.clone(), line, span);
                    if ends && let Some((first, spans)) = self.otel.take(&trace) {
                        let fields = super::trace_otel::item(trace, spans);
                        ready.extend(self.assembled(first, fields));
                    }
                }
                Ok(ready)
            }
            Some(TraceFormat::Langsmith) => {
                let (trace, run) = super::trace_langsmith::run(fields)?;
                let ends = self.ends_at(&trace, line);
                self.langsmith.push(trace.clone(), line, run);
                match ends.then(|| self.langsmith.take(&trace)).flatten() {
                    Some((first, runs)) => {
                        let fields = super::trace_langsmith::item(trace, runs);
                        Ok(self.assembled(first, fields).into_iter().collect())
                    }
                    None => Ok(Vec::new()),
                }
            }
        }
    }

    /// The gathered traces, one item each, with the line of their first record.
    pub fn finish(&mut self) -> Vec<Ready> {
        let mut out = Vec::new();
        for (trace, line, spans) in std::mem::take(&mut self.otel).into_groups() {
            let fields = super::trace_otel::item(trace, spans);
            out.extend(self.assembled(line, fields));
        }
        for (trace, line, runs) in std::mem::take(&mut self.langsmith).into_groups() {
            let fields = super::trace_langsmith::item(trace, runs);
            out.extend(self.assembled(line, fields));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list(value: Value) -> Vec<Message> {
        messages(&value, "messages").unwrap()
    }

    #[test]
    fn formats_are_told_from_the_records_shape() {
        let detect = |value: Value| match value {
            Value::Object(fields) => TraceFormat::detect(&fields),
            _ => unreachable!(),
        };
        assert_eq!(detect(json!({"id": "t", "observations": []})), Some(TraceFormat::Langfuse));
        assert_eq!(detect(json!({"id": "r", "run_type": "llm", "inputs": {}})), Some(TraceFormat::Langsmith));
        assert_eq!(detect(json!({"traceId": "t", "spanId": "s", "attributes": []})), Some(TraceFormat::Otel));
        assert_eq!(detect(json!({"resourceSpans": []})), Some(TraceFormat::Otel));
        assert_eq!(
            detect(json!({"system": "s", "messages": [{"role": "user", "content": "hi"}]})),
            Some(TraceFormat::Anthropic)
        );
        // Items stay items, also when they carry a trace's ids or OpenAI messages.
        assert_eq!(detect(json!({"output": "a", "trace_id": "t", "span_id": "s"})), None);
        assert_eq!(detect(json!({"output": "a", "run_type": "llm", "inputs": {}})), None);
        assert_eq!(detect(json!({"messages": [{"role": "system", "content": "s"}]})), None);
        assert_eq!(detect(json!({"input": "q", "output": "a"})), None);
    }

    #[test]
    fn iso_times_order_with_any_precision_and_offset() {
        let t = |text: &str| time(Some(&Value::String(text.into()))).unwrap();
        assert_eq!(t("1970-01-01T00:00:00Z"), 0);
        assert_eq!(t("1970-01-01T00:00:01.5Z"), 1_500_000_000);
        assert!(t("2024-05-01T12:00:00Z") < t("2024-05-01T12:00:00.1Z"));
        assert_eq!(t("2024-05-01T14:00:00+02:00"), t("2024-05-01T12:00:00"));
        assert_eq!(time(Some(&json!("1714564800000000000"))), Some(1_714_564_800_000_000_000));
        assert_eq!(t("2024-05-01T12:00:00Z"), 1_714_564_800_000_000_000);
    }

    #[test]
    fn repeated_history_gives_each_message_once() {
        let mut transcript = Transcript::default();
        let user = json!({"role": "user", "content": "yes"});
        let answer = json!({"role": "assistant", "content": "Sure?"});
        transcript.add(list(json!([{"role": "system", "content": "be brief"}, user])));
        transcript.add(list(json!([answer])));
        // The next call repeats the history, and the user says "yes" again: a new message.
        transcript.add(list(json!([{"role": "system", "content": "be brief"}, user, answer, user])));
        let roles: Vec<String> = transcript.finish().iter().map(|m| format!("{}:{}", m.role, m.text())).collect();
        assert_eq!(roles, ["system:be brief", "user:yes", "assistant:Sure?", "user:yes"]);
    }

    #[test]
    fn a_tool_call_recorded_twice_is_one_call_and_results_link_without_ids() {
        let mut transcript = Transcript::default();
        // The model's output calls a tool without an id (some loggers drop it) ...
        transcript.add(list(json!([{"role": "assistant", "tool_calls": [
            {"function": {"name": "search", "arguments": {"q": "x"}}}]}])));
        // ... and the tool's own span records the same call, arguments spaced otherwise.
        transcript.tool(None, "search".into(), "{ \"q\" : \"x\" }".into(), Some(json!({"hits": 2})));
        // The next model call repeats both in its history.
        transcript.add(list(json!([
            {"role": "assistant", "tool_calls": [{"function": {"name": "search", "arguments": "{\"q\":\"x\"}"}}]},
            {"role": "tool", "content": "{\"hits\":2}"},
            {"role": "assistant", "content": "Two hits."}])));
        let messages = transcript.finish();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert_eq!(messages[0].tool_calls[0].id, "call_1");
        assert_eq!(messages[1].tool_call_id.as_deref(), Some("call_1"));
        assert_eq!(messages[1].text(), "{\"hits\":2}");
    }

    /// Interleaved traces: each is assembled at its last line, not held to the end.
    #[test]
    fn a_trace_comes_out_at_its_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.jsonl");
        let run = |id: &str, trace: &str, text: &str| {
            json!({"id": id, "trace_id": trace, "parent_run_id": trace, "run_type": "llm",
                   "inputs": {"messages": [{"role": "user", "content": text}]}})
            .to_string()
        };
        let lines = [run("a1", "A", "a"), run("b1", "B", "b"), run("a2", "A", "a2"), run("b2", "B", "b2")];
        std::fs::write(&path, lines.join("\n")).unwrap();
        let ends = trace_ends(&path, None).unwrap();
        assert!(ends.is_some());
        let mut converter = Converter::new(None, ends);
        let mut out = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            let Value::Object(fields) = serde_json::from_str(line).unwrap() else { unreachable!() };
            for (first, fields) in converter.record(index as u64 + 1, fields).unwrap() {
                out.push((index + 1, first, fields["id"].clone()));
            }
        }
        assert_eq!(out, [(3, 1, json!("A")), (4, 2, json!("B"))]);
        assert!(converter.finish().is_empty());
        // A file of items needs no such pass.
        std::fs::write(&path, "{\"output\": \"x\"}\n").unwrap();
        assert_eq!(trace_ends(&path, None).unwrap(), None);
    }

    #[test]
    fn the_same_call_twice_in_a_loop_stays_two_calls() {
        let mut transcript = Transcript::default();
        for _ in 0..2 {
            transcript.tool(None, "search".into(), "{}".into(), Some(json!("nothing")));
        }
        let steps = crate::model::conversation::steps(&transcript.finish());
        let ids: Vec<_> = steps.iter().map(|s| (s.kind.name(), s.call_id.clone().unwrap_or_default())).collect();
        assert_eq!(
            ids,
            [("tool_call", "call_1"), ("tool_result", "call_1"), ("tool_call", "call_2"), ("tool_result", "call_2")]
                .map(|(k, id)| (k, id.to_string()))
        );
    }
}
