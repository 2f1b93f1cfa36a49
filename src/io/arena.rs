//! Chatbot Arena and MT-Bench pairwise votes, read as comparison items.
//!
//! The record shape is the one LMSYS publishes in its Hugging Face datasets
//! `lmsys/chatbot_arena_conversations` and `lmsys/mt_bench_human_judgments` (dataset
//! cards: <https://huggingface.co/datasets/lmsys/chatbot_arena_conversations>,
//! <https://huggingface.co/datasets/lmsys/mt_bench_human_judgments>; paper: Zheng et al.
//! 2023, "Judging LLM-as-a-judge with MT-Bench and Chatbot Arena", arXiv:2306.05685):
//! one vote a record, with `question_id`, `model_a`, `model_b`, `winner` (`model_a`,
//! `model_b`, `tie` or `tie (bothbad)`), `judge` (a rater id such as `arena_user_973` or
//! `expert_12`, or for an LLM judge FastChat's `["gpt-4", "pair-v2"]`), `conversation_a`
//! and `conversation_b` (lists of `{role, content}` messages), `turn`, and per-vote extras
//! (`tstamp`, `anony`, `language`, `openai_moderation`, `toxic_chat_tag`).
//!
//! Every vote on one question and one pair of models is one item, whichever model was
//! `model_a`: the candidates are the two models in name order (their ids are the model
//! names), and a vote is mirrored into those terms, so `a` is always the first candidate.
//! Arena showed `model_a` on the left, so each vote keeps which model its judge saw there.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::model::comparison::Candidate;
use crate::model::conversation::{self, Message};
use crate::model::{Item, Shape};

/// The fields that only say something about one vote: they do not go into the item.
const PER_VOTE: [&str; 6] = ["winner", "judge", "tstamp", "anony", "openai_moderation", "toxic_chat_tag"];

/// Judge names that are LLMs rather than people, by prefix (FastChat's judges are
/// `gpt-4`, `gpt-3.5-turbo`, `claude-v1`; a list judge is always an LLM).
const LLM_JUDGE_PREFIXES: [&str; 8] = ["gpt-", "gpt4", "claude", "gemini", "llama", "mistral", "qwen", "deepseek"];

/// Whether a record is an Arena/MT-Bench vote rather than an item.
pub fn is_arena(fields: &Map<String, Value>) -> bool {
    ["model_a", "model_b", "conversation_a", "conversation_b"].iter().all(|key| fields.contains_key(*key))
}

/// One vote, in the item's candidate terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub line: u64,
    pub judge: String,
    /// An LLM judge: its vote is the item's judge value, not a label.
    pub llm: bool,
    /// `a`, `b`, `tie` or `both_bad`.
    pub value: &'static str,
    /// The candidate (model) shown on the left: the record's `model_a`.
    pub left: String,
}

/// One comparison item and the votes on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub item: Item,
    /// The line of its first record.
    pub line: u64,
    pub votes: Vec<Vote>,
}

/// Gathers Arena records, in any order, into one item per question and model pair.
#[derive(Debug, Default)]
pub struct Grouper {
    comparisons: Vec<Comparison>,
    index: HashMap<String, usize>,
    /// Items whose LLM votes disagreed, so they carry no judge value.
    pub judge_disagreed: u64,
}

impl Grouper {
    pub fn is_empty(&self) -> bool {
        self.comparisons.is_empty()
    }

    /// Adds one record (its `line`); errors name the field.
    pub fn add(&mut self, line: u64, mut fields: Map<String, Value>, dataset: &str) -> Result<(), String> {
        let question = match fields.get("question_id") {
            Some(Value::String(id)) if !id.trim().is_empty() => id.clone(),
            Some(Value::Number(id)) => id.to_string(),
            _ => return Err("field `question_id`: expected a non-empty string or a number".into()),
        };
        let model = |fields: &Map<String, Value>, name: &str| match fields.get(name) {
            Some(Value::String(model)) if !model.trim().is_empty() => Ok(model.clone()),
            _ => Err(format!("field `{name}`: expected the model's name")),
        };
        let (model_a, model_b) = (model(&fields, "model_a")?, model(&fields, "model_b")?);
        if model_a == model_b {
            return Err(format!("fields `model_a` and `model_b`: both are `{model_a}`; a vote compares two models"));
        }
        let conversation = |fields: &mut Map<String, Value>, name: &str| -> Result<Vec<Message>, String> {
            let messages: Vec<Message> = serde_json::from_value(fields.remove(name).unwrap_or(Value::Null))
                .map_err(|err| format!("field `{name}`: expected a list of {{role, content}} messages: {err}"))?;
            if messages.is_empty() {
                return Err(format!("field `{name}`: the conversation is empty"));
            }
            Ok(messages)
        };
        let (conversation_a, conversation_b) =
            (conversation(&mut fields, "conversation_a")?, conversation(&mut fields, "conversation_b")?);
        let winner = match fields.get("winner") {
            None | Some(Value::Null) => None,
            Some(Value::String(winner)) => Some(match winner.as_str() {
                "model_a" => "a",
                "model_b" => "b",
                "tie" => "tie",
                "tie (bothbad)" => "both_bad",
                other => {
                    return Err(format!(
                        "field `winner`: `{other}` is not one of model_a, model_b, tie, tie (bothbad)"
                    ));
                }
            }),
            Some(_) => return Err("field `winner`: expected model_a, model_b, tie or tie (bothbad)".into()),
        };
        let judge = match fields.get("judge") {
            None | Some(Value::Null) => None,
            Some(Value::String(judge)) if !judge.trim().is_empty() => {
                let lower = judge.to_ascii_lowercase();
                Some((judge.clone(), LLM_JUDGE_PREFIXES.iter().any(|prefix| lower.starts_with(prefix))))
            }
            Some(Value::Array(parts)) if !parts.is_empty() && parts.iter().all(Value::is_string) => {
                Some((parts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("/"), true))
            }
            Some(_) => {
                return Err("field `judge`: expected a rater id or a list such as [\"gpt-4\", \"pair-v2\"]".into());
            }
        };
        let turn = match fields.get("turn") {
            None | Some(Value::Null) => None,
            Some(Value::Number(turn)) => turn.as_u64(),
            Some(_) => return Err("field `turn`: expected a number".into()),
        };

        // Candidates in model-name order; a vote for `model_a` is mirrored when it comes second.
        let mirrored = model_b < model_a;
        let (first, second) = if mirrored {
            ((model_b.clone(), conversation_b), (model_a.clone(), conversation_a))
        } else {
            ((model_a.clone(), conversation_a), (model_b.clone(), conversation_b))
        };
        // MT-Bench judges the first and second turn of one conversation separately.
        let turn_suffix = turn.filter(|turn| *turn > 1).map(|turn| format!("~turn{turn}")).unwrap_or_default();
        let id = format!("{question}~{}~{}{turn_suffix}", first.0, second.0);
        let vote = match (winner, judge) {
            (Some(value), Some((judge, llm))) => {
                let value = match (mirrored, value) {
                    (true, "a") => "b",
                    (true, "b") => "a",
                    (_, value) => value,
                };
                Some(Vote { line, judge, llm, value, left: model_a.clone() })
            }
            (Some(_), None) => return Err("field `judge` is missing: a vote needs the rater who gave it".into()),
            (None, _) => None,
        };

        let candidate = |(model, messages): (String, Vec<Message>)| Candidate {
            id: model.clone(),
            output: String::new(),
            messages,
            model: Some(model),
        };
        let candidates = vec![candidate(first), candidate(second)];
        if let Some(&index) = self.index.get(&id) {
            let comparison = &mut self.comparisons[index];
            if comparison.item.shape.candidates() != candidates {
                return Err(format!(
                    "fields `conversation_a`, `conversation_b`: question `{question}` with `{model_a}` and \
                     `{model_b}` has other conversations than on line {}",
                    comparison.line
                ));
            }
            comparison.votes.extend(vote);
            return Ok(());
        }
        for key in PER_VOTE.iter().chain(&["model_a", "model_b"]) {
            fields.remove(*key);
        }
        let input = conversation::first_user_text(&candidates[0].messages);
        let item = Item {
            id: id.clone(),
            dataset: dataset.to_string(),
            input,
            // The rest (question_id, turn, language, category, ...) describes the question.
            metadata: fields,
            shape: Shape::Comparison { candidates },
            ..Item::default()
        };
        self.index.insert(id, self.comparisons.len());
        self.comparisons.push(Comparison { item, line, votes: vote.into_iter().collect() });
        Ok(())
    }

    /// The items, in the order of their first records, each with the LLM judges' vote as
    /// its judge value for `criterion` when they agree (when they disagree it has none, and
    /// `judge_disagreed` counts it).
    pub fn finish(mut self, criterion: &str) -> (Vec<Comparison>, u64) {
        for comparison in &mut self.comparisons {
            let mut llm_values = comparison.votes.iter().filter(|vote| vote.llm).map(|vote| vote.value);
            if let Some(value) = llm_values.next() {
                if llm_values.all(|other| other == value) {
                    comparison.item.judge.insert(criterion.to_string(), value.into());
                } else {
                    self.judge_disagreed += 1;
                }
            }
        }
        (self.comparisons, self.judge_disagreed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Records written from the dataset cards cited at the top of this file: a Chatbot
    /// Arena vote (`arena_user_*` judge, `tie (bothbad)`), the same question seen with the
    /// models the other way round, and MT-Bench human and GPT-4 pair judgments.
    fn records() -> Vec<Value> {
        let conversation = |answer: &str| {
            json!([{"role": "user", "content": "What is the capital of France?"},
                   {"role": "assistant", "content": answer}])
        };
        vec![
            json!({"question_id": "58210e39b3fd4441a2bd4a518bb44c2d", "model_a": "vicuna-13b",
                   "model_b": "koala-13b", "winner": "model_a", "judge": "arena_user_973",
                   "conversation_a": conversation("Paris."), "conversation_b": conversation("Lyon."),
                   "turn": 1, "anony": true, "language": "English", "tstamp": 1682351591.1322}),
            json!({"question_id": "58210e39b3fd4441a2bd4a518bb44c2d", "model_a": "koala-13b",
                   "model_b": "vicuna-13b", "winner": "tie (bothbad)", "judge": "arena_user_12",
                   "conversation_a": conversation("Lyon."), "conversation_b": conversation("Paris."),
                   "turn": 1, "anony": true, "language": "English", "tstamp": 1682351600.0}),
            json!({"question_id": 81, "model_a": "gpt-4", "model_b": "alpaca-13b", "winner": "model_a",
                   "judge": ["gpt-4", "pair-v2"], "conversation_a": conversation("Paris."),
                   "conversation_b": conversation("Marseille."), "turn": 1}),
            json!({"question_id": 81, "model_a": "alpaca-13b", "model_b": "gpt-4", "winner": "model_b",
                   "judge": "expert_0", "conversation_a": conversation("Marseille."),
                   "conversation_b": conversation("Paris."), "turn": 2}),
        ]
    }

    fn group(records: Vec<Value>) -> Result<(Vec<Comparison>, u64), String> {
        let mut grouper = Grouper::default();
        for (index, record) in records.into_iter().enumerate() {
            let Value::Object(fields) = record else { unreachable!() };
            assert!(is_arena(&fields));
            grouper.add(index as u64 + 1, fields, "arena")?;
        }
        Ok(grouper.finish("preference"))
    }

    #[test]
    fn votes_on_one_question_and_pair_are_one_item_in_model_name_order() {
        let (comparisons, disagreed) = group(records()).unwrap();
        assert_eq!(disagreed, 0);
        let ids: Vec<_> = comparisons.iter().map(|c| c.item.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "58210e39b3fd4441a2bd4a518bb44c2d~koala-13b~vicuna-13b",
                "81~alpaca-13b~gpt-4",
                "81~alpaca-13b~gpt-4~turn2"
            ]
        );
        let arena = &comparisons[0];
        assert_eq!(arena.item.input, "What is the capital of France?");
        let [a, b] = arena.item.shape.candidates() else { panic!("two candidates") };
        assert_eq!((a.contender(), a.text().as_str()), ("koala-13b", "Lyon."));
        assert_eq!((b.contender(), b.text().as_str()), ("vicuna-13b", "Paris."));
        // model_a (vicuna, the second candidate) won: `b`; both bad stays both bad.
        assert_eq!(
            arena.votes,
            [
                Vote { line: 1, judge: "arena_user_973".into(), llm: false, value: "b", left: "vicuna-13b".into() },
                Vote {
                    line: 2,
                    judge: "arena_user_12".into(),
                    llm: false,
                    value: "both_bad",
                    left: "koala-13b".into()
                },
            ]
        );
        assert_eq!(arena.item.metadata["question_id"], "58210e39b3fd4441a2bd4a518bb44c2d");
        assert_eq!(arena.item.metadata["language"], "English");
        for per_vote in ["winner", "judge", "tstamp", "anony", "model_a", "conversation_a"] {
            assert!(!arena.item.metadata.contains_key(per_vote), "{per_vote}");
        }
        assert!(arena.item.judge.is_empty());
        // The GPT-4 pair judgment is the item's judge value, mirrored: gpt-4 is `b`.
        let judged = &comparisons[1];
        assert_eq!(judged.item.judge["preference"], "b");
        assert!(judged.votes[0].llm);
        assert_eq!(judged.votes[0].judge, "gpt-4/pair-v2");
        // The expert voted model_b = gpt-4 = `b` on turn 2.
        assert_eq!(comparisons[2].votes[0].value, "b");
        assert_eq!(comparisons[2].votes[0].left, "alpaca-13b");
    }

    #[test]
    fn disagreeing_llm_votes_leave_no_judge_value() {
        let mut records = records();
        let mut other = records[2].clone();
        other["winner"] = json!("tie");
        records.push(other);
        let (comparisons, disagreed) = group(records).unwrap();
        assert_eq!(disagreed, 1);
        assert!(comparisons[1].item.judge.is_empty());
    }

    #[test]
    fn bad_records_name_the_field() {
        let base = records()[0].clone();
        for (field, value, expected) in [
            ("winner", json!("model_c"), "field `winner`: `model_c`"),
            ("model_b", json!("vicuna-13b"), "both are `vicuna-13b`"),
            ("conversation_b", json!([]), "field `conversation_b`: the conversation is empty"),
            ("conversation_a", json!("text"), "field `conversation_a`: expected a list"),
            ("question_id", json!(null), "field `question_id`"),
            ("judge", json!(null), "field `judge` is missing"),
        ] {
            let mut record = base.clone();
            record[field] = value;
            let err = group(vec![record]).unwrap_err();
            assert!(err.contains(expected), "{field}: {err}");
        }
        let mut changed = records();
        changed[1]["conversation_a"] = json!([{"role": "user", "content": "What is the capital of France?"},
                                             {"role": "assistant", "content": "Nice."}]);
        let err = group(changed).unwrap_err();
        assert!(err.contains("other conversations than on line 1"), "{err}");
    }
}
