//! Golden sets for the harnesses teams run (Inspect AI, OpenAI evals, promptfoo, a
//! Hugging Face dataset): what they share. Each tool's own shape lives in its own file
//! (`export_inspect.rs`, ...); the golden-set core (`export.rs`) and its manifest are
//! the same for all.

use serde_json::Value;

use super::export::GoldenItem;
use crate::model::{Kind, Rubric};

/// The tool a file is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Inspect,
    OpenaiEvals,
    Promptfoo,
    Hf,
    LangfuseScores,
    Otel,
    /// Preference pairs (`prompt`, `chosen`, `rejected`) from comparison items.
    Dpo,
}

impl Tool {
    /// The name `--format` and the manifest's `file_format` use.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Inspect => "inspect",
            Tool::OpenaiEvals => "openai-evals",
            Tool::Promptfoo => "promptfoo",
            Tool::Hf => "hf",
            Tool::LangfuseScores => "langfuse-scores",
            Tool::Otel => "otel",
            Tool::Dpo => "dpo",
        }
    }
}

/// What a sample's target (Inspect `target`, OpenAI evals `ideal`, promptfoo assertion)
/// is: the consensus value of a criterion (the set then grades a judge: the sample shows
/// the question, passages and answer, the target is the humans' verdict), or the item's
/// reference answer (the set then tests a model: the sample is the question).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// An index into the rubric's criteria.
    Criterion(usize),
    Reference,
}

impl Target {
    /// `--target`: `reference`, a criterion id, or by default the rubric's first binary
    /// criterion (the pass/fail verdict a judge is most often checked against).
    pub fn parse(given: Option<&str>, rubric: &Rubric) -> Result<Target, String> {
        let criteria: Vec<&str> = rubric
            .criteria
            .iter()
            .filter(|c| Target::fits(c.kind))
            .map(|c| c.id.as_str())
            .chain(["reference"])
            .collect();
        match given {
            Some("reference") => Ok(Target::Reference),
            Some(id) => match rubric.criteria.iter().position(|c| c.id == id) {
                Some(index) if Target::fits(rubric.criteria[index].kind) => Ok(Target::Criterion(index)),
                Some(index) => Err(format!(
                    "--target {id}: a target is one value, and `{id}` is a {} criterion (use one of {})",
                    rubric.criteria[index].kind.name(),
                    criteria.join(", ")
                )),
                None => Err(format!(
                    "--target {id}: rubric `{}` has no such criterion (use one of {})",
                    rubric.name,
                    criteria.join(", ")
                )),
            },
            None => {
                rubric.criteria.iter().position(|c| c.kind == Kind::Binary).map(Target::Criterion).ok_or_else(|| {
                    format!("rubric `{}` has no binary criterion: say --target ({})", rubric.name, criteria.join(", "))
                })
            }
        }
    }

    /// Kinds whose consensus is one value a harness can compare with.
    fn fits(kind: Kind) -> bool {
        matches!(kind, Kind::Binary | Kind::Nominal | Kind::Ordinal | Kind::Number)
    }

    /// The target of one item, as text; `None` where there is none (a tie, no reference).
    pub(super) fn value(self, line: &GoldenItem, rubric: &Rubric) -> Option<String> {
        match self {
            Target::Reference => line.reference.map(str::to_string),
            Target::Criterion(index) => match line.labels.get(rubric.criteria.get(index)?.id.as_str())? {
                Value::String(text) => Some(text.clone()),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            },
        }
    }
}

/// Where an item came from in a tracing tool: (trace id, span or observation id), from
/// its metadata as the trace importers keep it or as given (`traceId`/`observationId`,
/// `trace_id`/`span_id`).
pub(super) fn trace_ids(line: &GoldenItem) -> Option<(String, Option<String>)> {
    let text =
        |keys: &[&str]| keys.iter().find_map(|key| line.metadata.get(*key).and_then(Value::as_str)).map(str::to_string);
    let trace = text(&["traceId", "trace_id"])?;
    Some((trace, text(&["observationId", "observation_id", "spanId", "span_id"])))
}

/// Each criterion's consensus as a score a tracing tool takes: (criterion, numeric value
/// or label, explanation). Ties, tags and notes are left out: one value per score.
pub(super) fn scores<'a>(
    line: &'a GoldenItem,
    rubric: &'a Rubric,
) -> impl Iterator<Item = (&'a crate::model::Criterion, Score, String)> + 'a {
    rubric.criteria.iter().filter(|c| Target::fits(c.kind)).filter_map(move |criterion| {
        let decision = line.consensus.get(criterion.id.as_str())?;
        let value = match line.labels.get(criterion.id.as_str())? {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            _ => return None,
        };
        let score = match criterion.kind {
            Kind::Number => Score::Number(value.parse().ok()?),
            // Ordinal options named by numbers (a 1-5 scale) are numbers to a dashboard.
            Kind::Ordinal => value.parse().map_or(Score::Label(value.clone()), Score::Number),
            _ => Score::Label(value),
        };
        let support = decision.support.map(|s| format!(", support {s:.2}")).unwrap_or_default();
        let why = format!("tally: human consensus ({}, {} raters{support})", decision.method, decision.n);
        Some((criterion, score, why))
    })
}

/// A score's value: a number or a category.
pub(super) enum Score {
    Number(f64),
    Label(String),
}

/// A golden set's target file: the tool and what its target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Harness {
    pub tool: Tool,
    pub target: Target,
}

impl Harness {
    /// One item as a line of the tool's file, or `None` when it has no target (a
    /// dataset folder keeps every item: its rows carry all the labels, no target).
    pub(super) fn line(self, line: &GoldenItem, rubric: &Rubric) -> Option<Value> {
        match self.tool {
            Tool::Hf => return Some(super::export_hf::row(line, rubric)),
            // Labels sent back to the traces they came from: items without ids have none.
            Tool::LangfuseScores => return super::export_langfuse::scores(line, rubric),
            Tool::Otel => return super::export_otel::events(line, rubric),
            Tool::Dpo => return self.dpo_pair(line, rubric).ok(),
            _ => {}
        }
        let value = self.target.value(line, rubric)?;
        let sample = Sample { line, rubric, target: self.target, value };
        Some(match self.tool {
            Tool::Inspect => super::export_inspect::sample(&sample),
            Tool::OpenaiEvals => super::export_openai_evals::sample(&sample),
            _ => super::export_promptfoo::test_case(&sample),
        })
    }
}

impl Harness {
    /// A DPO pair, or why the item has none; the preference criterion is the target's.
    pub(super) fn dpo_pair(self, line: &GoldenItem, rubric: &Rubric) -> Result<Value, super::export_dpo::LeftOut> {
        match self.target {
            Target::Criterion(index) => super::export_dpo::pair(line, rubric, index),
            Target::Reference => Err(super::export_dpo::LeftOut::NoTarget),
        }
    }
}

/// What an exporter turns into its tool's record.
pub(super) struct Sample<'a> {
    pub line: &'a GoldenItem<'a>,
    pub rubric: &'a Rubric,
    pub target: Target,
    /// The target's value for this item.
    pub value: String,
}

impl Sample<'_> {
    /// What the model under test is asked: for a judge set, the question, passages,
    /// reference and answer to grade (the grader's own instructions are the harness's);
    /// for a reference set, the question.
    pub fn prompt(&self) -> String {
        let line = self.line;
        if self.target == Target::Reference {
            return line.input.to_string();
        }
        let mut text = String::new();
        if !line.input.is_empty() {
            text.push_str(&format!("Question:\n{}\n\n", line.input));
        }
        if !line.context.is_empty() {
            text.push_str("Context:\n");
            for (index, passage) in line.context.iter().enumerate() {
                text.push_str(&format!("[{}] {passage}\n", index + 1));
            }
            text.push('\n');
        }
        if let Some(reference) = line.reference {
            text.push_str(&format!("Reference answer:\n{reference}\n\n"));
        }
        text.push_str(&format!("Answer:\n{}", line.output));
        text
    }

    /// The criterion a judge set grades, when it does.
    pub fn criterion(&self) -> Option<&crate::model::Criterion> {
        match self.target {
            Target::Criterion(index) => self.rubric.criteria.get(index),
            Target::Reference => None,
        }
    }

    /// What a harness keeps beside the sample: where it came from and how the humans
    /// decided (every criterion's consensus and the item's agreement).
    pub fn metadata(&self) -> Value {
        let line = self.line;
        let mut metadata = serde_json::Map::new();
        metadata.insert("dataset".into(), Value::from(line.dataset));
        if self.target != Target::Reference {
            metadata.insert("input".into(), Value::from(line.input));
            metadata.insert("output".into(), Value::from(line.output));
        }
        if let Some(criterion) = self.criterion() {
            metadata.insert("criterion".into(), Value::from(criterion.id.as_str()));
            metadata.insert("question".into(), Value::from(criterion.question.as_str()));
        }
        metadata.insert("item_metadata".into(), Value::Object(line.metadata.clone()));
        let labels: serde_json::Map<String, Value> =
            line.labels.iter().map(|(id, value)| (id.to_string(), value.clone())).collect();
        metadata.insert("labels".into(), Value::Object(labels));
        metadata.insert("agreement".into(), line.agreement.map_or(Value::Null, Value::from));
        metadata.insert("raters".into(), Value::from(line.raters.len()));
        Value::Object(metadata)
    }
}
