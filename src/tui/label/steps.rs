//! Judging a conversation step by step: the form holds the item's criteria and, for the
//! focused step, the step-scope criteria that apply to its kind, under their stored keys
//! (`tool_ok@3`, see [`step_key`]). So option keys, focus, `when`, undo and the
//! background writer work on a step's values exactly as on an item's.

use std::collections::{BTreeMap, BTreeSet};

use super::{Effect, LabelScreen, Tone};
use crate::model::conversation::StepKind;
use crate::model::label::{split_step_key, step_key};
use crate::model::rubric::{Kind, Scope};
use crate::model::{LabelValue, Rubric};

/// The form for one step of an item (`None`: not a conversation): the item criteria,
/// then the step-scope criteria asked of a step of that kind, renamed to their keys for
/// step `n`. A `when` naming a step criterion names the same step's value; one naming an
/// item criterion, the item's (as `model::consensus::decide_steps` merges them).
/// `required` is not enforced per step: a 40-step trace would need 40 answers to confirm.
pub(super) fn form_for(full: &Rubric, step: Option<(u32, StepKind)>) -> Rubric {
    let mut form = full.clone();
    form.criteria.retain(|criterion| criterion.scope == Scope::Item);
    let Some((n, kind)) = step else { return form };
    let step_ids: BTreeSet<&str> =
        full.criteria.iter().filter(|c| c.scope == Scope::Step).map(|c| c.id.as_str()).collect();
    for criterion in full.criteria.iter().filter(|criterion| criterion.applies_to_step(kind)) {
        let mut asked = criterion.clone();
        asked.id = step_key(&criterion.id, n);
        asked.required = false;
        if let Some(when) = &mut asked.when
            && step_ids.contains(when.criterion.as_str())
        {
            when.criterion = step_key(&when.criterion, n);
        }
        form.criteria.push(asked);
    }
    form
}

impl LabelScreen {
    /// The focused step's number and kind, on a conversation item.
    pub(super) fn focused_step(&self) -> Option<(u32, StepKind)> {
        let step = self.transcript.focused_step()?;
        Some((u32::try_from(step.n).ok()?, step.kind))
    }

    /// Rebuilds the form for the focused step. Focus on an item criterion stays there;
    /// focus on a step criterion moves to the new step's first criterion, so `] y ] n`
    /// judges two steps in a row.
    pub(super) fn reform(&mut self) {
        let focused = self.rubric.criteria.get(self.focus).map(|c| (c.id.clone(), c.scope));
        self.rubric = form_for(&self.full_rubric, self.focused_step());
        let items = self.rubric.criteria.iter().filter(|c| c.scope == Scope::Item).count();
        match focused {
            Some((id, Scope::Item)) => {
                self.focus = self.rubric.criteria.iter().position(|c| c.id == id).unwrap_or(0);
                // The item field being typed in is the same field: keep what is typed.
                return;
            }
            Some((_, Scope::Step)) if items < self.rubric.criteria.len() => self.focus = items,
            _ => self.focus = self.first_focus(),
        }
        self.editor = self.editor_for(self.focus);
    }

    /// Values of steps other than the focused one that stop applying once `values`
    /// changed (their `when` names an item criterion, or a criterion of their step).
    pub(super) fn stale_step_values(&self) -> Vec<String> {
        let steps: BTreeSet<u32> = self.values.keys().filter_map(|key| split_step_key(key).1).collect();
        let mut stale = Vec::new();
        for n in steps {
            let Some(kind) = self.transcript.step_kind(n) else { continue };
            let form = form_for(&self.full_rubric, Some((n, kind)));
            for (index, criterion) in form.criteria.iter().enumerate() {
                if criterion.scope == Scope::Step
                    && self.values.contains_key(&criterion.id)
                    && !form.applies(index, &self.values)
                {
                    stale.push(criterion.id.clone());
                }
            }
            // A value of a criterion that is not asked of this step's kind at all.
            stale.extend(
                self.values
                    .keys()
                    .filter(|key| {
                        let (id, step) = split_step_key(key);
                        step == Some(n)
                            && !form.criteria.iter().any(|c| c.id == **key)
                            && self.full_rubric.criterion(id).is_some()
                    })
                    .cloned(),
            );
        }
        stale.sort();
        stale.dedup();
        stale
    }

    /// `mark_step`: the focused step is the answer to the `step` criterion with focus,
    /// or to the only one asked.
    pub(super) fn mark_step(&mut self) -> Vec<Effect> {
        let Some((n, _)) = self.focused_step() else {
            self.message = Some((Tone::Error, "this item has no steps: it is not a conversation".into()));
            return Vec::new();
        };
        let asked: Vec<usize> = (0..self.rubric.criteria.len())
            .filter(|&index| self.rubric.criteria[index].kind == Kind::Step && self.rubric.applies(index, &self.values))
            .collect();
        let target = if asked.contains(&self.focus) { Some(self.focus) } else { asked.first().copied() };
        let Some(index) = target.filter(|_| asked.len() == 1 || asked.contains(&self.focus)) else {
            let text = if asked.is_empty() {
                "no `step` criterion is asked of this item".to_string()
            } else {
                "several `step` criteria: move to the one you mean first".to_string()
            };
            self.message = Some((Tone::Error, text));
            return Vec::new();
        };
        let id = self.rubric.criteria[index].id.clone();
        // Focus stays where it is: option keys go on answering the step's criteria.
        let effects = self.set(&id, Some(LabelValue::Choice(n.to_string())));
        if self.focus == index {
            self.editor = self.editor_for(index);
        }
        self.message = Some((Tone::Info, format!("{id} = step {n}")));
        effects
    }

    /// Per step, its values as shown beside its header in the transcript.
    pub(super) fn step_marks(&self) -> BTreeMap<u32, String> {
        let mut marks: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for (key, value) in &self.values {
            if let (id, Some(n)) = split_step_key(key) {
                marks.entry(n).or_default().push(format!("{id}={}", value.display()));
            }
        }
        // The `step` criterion's answer marks the step it names.
        for criterion in self.rubric.criteria.iter().filter(|c| c.kind == Kind::Step) {
            if let Some(LabelValue::Choice(chosen)) = self.values.get(&criterion.id)
                && let Ok(n) = chosen.parse::<u32>()
            {
                marks.entry(n).or_default().push(format!("← {}", criterion.id));
            }
        }
        marks.into_iter().map(|(n, values)| (n, values.join(" "))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUBRIC: &str = r#"name = "t"
version = 1
[[criteria]]
id = "task_success"
kind = "binary"
[[criteria]]
id = "tool_ok"
kind = "binary"
scope = "step"
steps = ["tool_call"]
required = true
options = [{ value = "good", key = "g" }, { value = "bad", key = "b" }]
[[criteria]]
id = "why"
kind = "nominal"
scope = "step"
steps = ["tool_call"]
when = { tool_ok = "bad" }
options = [{ value = "wrong_tool", key = "w" }, { value = "bad_arguments", key = "a" }]
[[criteria]]
id = "faithful"
kind = "binary"
scope = "step"
steps = ["assistant"]
when = { task_success = "fail" }
options = [{ value = "true", key = "t" }, { value = "false", key = "u" }]
"#;

    fn ids(form: &Rubric) -> Vec<&str> {
        form.criteria.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn the_form_holds_the_item_criteria_then_the_focused_steps_under_their_keys() {
        let full = Rubric::from_toml(RUBRIC, "t.toml").unwrap();
        assert_eq!(ids(&form_for(&full, None)), ["task_success"]);
        assert_eq!(ids(&form_for(&full, Some((1, StepKind::User)))), ["task_success"]);
        let call = form_for(&full, Some((3, StepKind::ToolCall)));
        assert_eq!(ids(&call), ["task_success", "tool_ok@3", "why@3"]);
        // Not enforced per step; `when` on a step criterion names the same step's value.
        assert!(!call.criteria[1].required);
        assert_eq!(call.criteria[2].when.as_ref().unwrap().criterion, "tool_ok@3");
        let mut values = BTreeMap::new();
        assert!(!call.applies(2, &values));
        values.insert("tool_ok@2".to_string(), LabelValue::Choice("bad".into()));
        assert!(!call.applies(2, &values), "step 2's value says nothing of step 3");
        values.insert("tool_ok@3".to_string(), LabelValue::Choice("bad".into()));
        assert!(call.applies(2, &values));
        // `when` on an item criterion names the item's value.
        let answer = form_for(&full, Some((6, StepKind::Assistant)));
        assert_eq!(ids(&answer), ["task_success", "faithful@6"]);
        assert!(!answer.applies(1, &values));
        values.insert("task_success".to_string(), LabelValue::Choice("fail".into()));
        assert!(answer.applies(1, &values));
    }
}
