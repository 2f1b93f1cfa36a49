//! LLM judge against the humans, per criterion: correlations of the judge's score with
//! the human consensus (item level, and per group then averaged), Cohen's kappa and the
//! confusion matrix for categorical criteria, the judge's bias, and the calibration of
//! the judge's probabilities.
//!
//! Conventions: choices become numbers as their option values when every option is a
//! number, else as ranks from 1; a binary criterion's first option is 1 and its second 0
//! (so `pass` = 1 in `pass`/`fail`). A judge probability for a binary criterion is the
//! judge key `<criterion>_prob`, the probability of the first option.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use super::agreement::Bootstrap;
use super::chart::Chart;
use super::figures::{Figure, Heatmap, Reliability};
use super::table::{Document, Table};
use super::{Rendered, csv_rows, figure};
use crate::model::consensus::{Method, decide_item};
use crate::model::label::split_step_key;
use crate::model::rubric::Scope;
use crate::model::{Criterion, Item, Kind, LabelValue, Rubric};
use crate::stats::bootstrap::{Patterns, pattern_intervals, percentile_intervals};
use crate::stats::calibration::{Calibration, calibration};
use crate::stats::categorical::{Contingency, Weighting, weights};
use crate::stats::consensus::{majority, median, median_category};
use crate::stats::correlation::PairPatterns;
use crate::stats::correlation::{Correlation, kendall, mean_difference, pearson, pearson_r, spearman, spearman_rho};
use crate::store::{Batch, LabelRef, LabelScope, LabelSet, Store, StoreError, StoredRubric};

/// How the humans' labels of one item become one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Human {
    Mean,
    Median,
    Majority,
}

impl Human {
    pub fn name(self) -> &'static str {
        match self {
            Human::Mean => "mean",
            Human::Median => "median",
            Human::Majority => "majority",
        }
    }
}

/// A test of one coefficient: its p-value, Fisher-z and bootstrap intervals, and n.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TestFigures {
    pub p: Option<f64>,
    /// t, exact or normal.
    pub p_method: &'static str,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub bootstrap_ci_low: Option<f64>,
    pub bootstrap_ci_high: Option<f64>,
    pub n: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PearsonFigures {
    pub r: Option<f64>,
    #[serde(flatten)]
    pub test: TestFigures,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SpearmanFigures {
    pub rho: Option<f64>,
    #[serde(flatten)]
    pub test: TestFigures,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KendallFigures {
    pub tau_b: Option<f64>,
    #[serde(flatten)]
    pub test: TestFigures,
}

/// Correlations computed within each group, then averaged over the groups where both
/// sides vary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Grouped {
    pub pearson: Option<f64>,
    pub spearman: Option<f64>,
    pub kendall: Option<f64>,
    pub groups_used: usize,
    pub groups_total: usize,
}

/// Pearson, Spearman and Kendall of paired scores.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Correlations {
    /// Pairs with both values.
    pub n: usize,
    /// With a grouping: the groups that entered the averages; otherwise `null`.
    pub groups_used: Option<usize>,
    pub pearson: PearsonFigures,
    pub spearman: SpearmanFigures,
    pub kendall: KendallFigures,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grouped: Option<Grouped>,
    /// Why a figure is `null`, by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub undefined: BTreeMap<&'static str, String>,
}

/// Correlations of `x` and `y` (same length), with bootstrap intervals over pairs, and per
/// group when `groups` gives each pair's group.
pub fn correlations(x: &[f64], y: &[f64], groups: Option<&[String]>, bootstrap: Bootstrap) -> Correlations {
    let confidence = bootstrap.confidence;
    let tests = [pearson(x, y, confidence), spearman(x, y, confidence), kendall(x, y, confidence)];
    let mut xs = Vec::with_capacity(x.len());
    let mut ys = Vec::with_capacity(y.len());
    let any_defined = tests.iter().any(|test| test.value.is_some());
    // Scores on a scale repeat: a replicate is then drawn as counts of distinct pairs.
    let patterns = any_defined.then(|| {
        let patterns = Patterns::group(x.len(), |i, key| key.extend([(x[i] + 0.0).to_bits(), (y[i] + 0.0).to_bits()]));
        let pairs = PairPatterns::new(x, y, patterns.representatives());
        (patterns, pairs)
    });
    let intervals = if let Some((patterns, Some(pairs))) = &patterns {
        pattern_intervals(patterns, bootstrap.replicates, bootstrap.seed, confidence, 3, |weights, out| {
            for (slot, value) in out.iter_mut().zip(pairs.correlations(weights)) {
                *slot = value;
            }
        })
    } else if any_defined {
        percentile_intervals(x.len(), bootstrap.replicates, bootstrap.seed, confidence, 3, |draw, out| {
            xs.clear();
            ys.clear();
            xs.extend(draw.iter().map(|&i| x[i]));
            ys.extend(draw.iter().map(|&i| y[i]));
            out[0] = pearson_r(&xs, &ys);
            out[1] = spearman_rho(&xs, &ys);
            out[2] = crate::stats::correlation::kendall_counts(&xs, &ys).tau_b();
        })
    } else {
        vec![None; 3]
    };
    let figures = |test: &Correlation, index: usize| TestFigures {
        p: test.p,
        p_method: test.p_method.name(),
        ci_low: test.ci.map(|ci| ci.0),
        ci_high: test.ci.map(|ci| ci.1),
        bootstrap_ci_low: test.value.and(intervals[index].map(|ci| ci.low)),
        bootstrap_ci_high: test.value.and(intervals[index].map(|ci| ci.high)),
        n: test.n,
    };
    let grouped = groups.map(|groups| grouped(x, y, groups));
    let mut undefined = BTreeMap::new();
    let why = if x.len() < 2 { "fewer than two pairs" } else { "no variation: x or y is constant" };
    for (name, test) in ["pearson", "spearman", "kendall"].into_iter().zip(&tests) {
        if test.value.is_none() {
            undefined.insert(name, why.to_string());
        } else if test.p.is_none() {
            undefined.insert(name, "p: fewer than three pairs".to_string());
        }
    }
    if grouped.as_ref().is_some_and(|g| g.groups_used == 0) {
        undefined.insert("grouped", "no group has two pairs with both sides varying".to_string());
    }
    Correlations {
        n: x.len(),
        undefined,
        groups_used: grouped.as_ref().map(|g| g.groups_used),
        pearson: PearsonFigures { r: tests[0].value, test: figures(&tests[0], 0) },
        spearman: SpearmanFigures { rho: tests[1].value, test: figures(&tests[1], 1) },
        kendall: KendallFigures { tau_b: tests[2].value, test: figures(&tests[2], 2) },
        grouped,
    }
}

fn grouped(x: &[f64], y: &[f64], groups: &[String]) -> Grouped {
    let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, group) in groups.iter().enumerate() {
        members.entry(group).or_default().push(index);
    }
    let mut sums = [0.0; 3];
    let mut used = 0;
    for indices in members.values() {
        let gx: Vec<f64> = indices.iter().map(|&i| x[i]).collect();
        let gy: Vec<f64> = indices.iter().map(|&i| y[i]).collect();
        // Defined together: at least two pairs and neither side constant.
        if let (Some(r), Some(rho), Some(tau)) =
            (pearson_r(&gx, &gy), spearman_rho(&gx, &gy), crate::stats::correlation::kendall_counts(&gx, &gy).tau_b())
        {
            sums[0] += r;
            sums[1] += rho;
            sums[2] += tau;
            used += 1;
        }
    }
    let mean = |sum: f64| (used > 0).then(|| sum / used as f64);
    Grouped {
        pearson: mean(sums[0]),
        spearman: mean(sums[1]),
        kendall: mean(sums[2]),
        groups_used: used,
        groups_total: members.len(),
    }
}

/// The confusion matrix: rows the human consensus, columns the judge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confusion {
    pub labels: Vec<String>,
    pub counts: Vec<Vec<u64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionJudge {
    pub criterion: String,
    /// `item`, or `step` when each (item, step) is a unit.
    pub scope: Scope,
    pub kind: &'static str,
    pub human: &'static str,
    #[serde(flatten)]
    pub correlations: Correlations,
    /// Cohen's kappa of judge against human consensus category (categorical criteria).
    pub kappa: Option<f64>,
    /// none (unweighted) or quadratic (ordinal criteria).
    pub kappa_weights: Option<&'static str>,
    pub kappa_se: Option<f64>,
    pub kappa_ci_low: Option<f64>,
    pub kappa_ci_high: Option<f64>,
    pub kappa_n: usize,
    pub confusion: Option<Confusion>,
    /// Mean of judge minus human (in the criterion's numbers), with its t interval.
    pub bias: Option<f64>,
    pub bias_ci_low: Option<f64>,
    pub bias_ci_high: Option<f64>,
    pub bias_n: usize,
    /// Calibration of `<criterion>_prob` against the human majority.
    pub calibration: Option<Calibration>,
    /// Items with a judge score left out, by reason.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped: BTreeMap<&'static str, usize>,
    /// Whether correlations apply (not to unordered categories).
    #[serde(skip)]
    pub correlated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgeReport {
    pub rubric: String,
    pub rubric_version: u32,
    pub batch: Option<String>,
    pub group_by: Option<String>,
    pub confidence: f64,
    pub bootstrap_replicates: usize,
    pub criteria: Vec<CriterionJudge>,
    /// Golden-set labels not counted (golden sets are not raters; `--include-golden`).
    pub golden_labels_left_out: usize,
}

/// One item's humans' labels and judge score for one criterion.
pub struct Scored<'a> {
    pub humans: Vec<&'a Value>,
    pub judge: Option<&'a Value>,
    pub probability: Option<&'a Value>,
    pub group: Option<String>,
}

pub fn from_store(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    human: Human,
    group_by: Option<&str>,
    bootstrap: Bootstrap,
    include_golden: bool,
) -> Result<JudgeReport, StoreError> {
    let labels = store.label_set(LabelScope { rubric: &rubric.rubric.name, batch_id: batch.map(|b| b.id) })?;
    from_labels(store, rubric, batch, &labels, human, group_by, bootstrap, include_golden)
}

/// One unit of a criterion while the labels are read: its humans' values (a range of
/// the criterion's value arena), judge score, probability and group, as indices.
struct Unit {
    item_id: i64,
    /// 0 for an item-scope criterion.
    step: u32,
    humans: std::ops::Range<usize>,
    judge: Option<u32>,
    probability: Option<u32>,
    group: Option<u32>,
}

/// Values and group names, each stored once: what the units point to.
#[derive(Default)]
struct Interned {
    values: Vec<Value>,
    value_index: HashMap<String, u32>,
    groups: Vec<String>,
    group_index: HashMap<String, u32>,
}

impl Interned {
    /// Labels' values are the set's own indices; judge scores and adjudications follow.
    fn new(labels: &LabelSet) -> Interned {
        Interned { values: vec![Value::Null; labels.distinct_values()], ..Interned::default() }
    }

    fn label(&mut self, label: &LabelRef) -> u32 {
        if self.values[label.value_id as usize].is_null() {
            self.values[label.value_id as usize] = label.value.clone();
        }
        label.value_id
    }

    fn value(&mut self, value: &Value) -> u32 {
        let text = value.to_string();
        if let Some(&index) = self.value_index.get(&text) {
            return index;
        }
        self.values.push(value.clone());
        let index = (self.values.len() - 1) as u32;
        self.value_index.insert(text, index);
        index
    }

    fn group(&mut self, group: String) -> u32 {
        if let Some(&index) = self.group_index.get(&group) {
            return index;
        }
        self.groups.push(group.clone());
        let index = (self.groups.len() - 1) as u32;
        self.group_index.insert(group, index);
        index
    }
}

/// The judge report over labels already read (`report all` reads them once).
#[allow(clippy::too_many_arguments)] // from_store's, and the labels
pub fn from_labels(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    labels: &LabelSet,
    human: Human,
    group_by: Option<&str>,
    bootstrap: Bootstrap,
    include_golden: bool,
) -> Result<JudgeReport, StoreError> {
    let scope = LabelScope { rubric: &rubric.rubric.name, batch_id: batch.map(|b| b.id) };
    let definition = &rubric.rubric;
    let golden_labels_left_out = labels.golden_left_out(include_golden);
    let adjudications = store.adjudications(scope)?;
    let adjudicated: HashMap<(i64, &str), &Value> =
        adjudications.iter().map(|a| ((a.item_id, a.criterion.as_str()), &a.value)).collect();
    let probability_keys: Vec<String> = definition.criteria.iter().map(|c| format!("{}_prob", c.id)).collect();
    // One item at a time: its judge scores are read, its units kept as indices, and
    // nothing else of it stays.
    let mut interned = Interned::new(labels);
    let mut units: Vec<Vec<Unit>> = definition.criteria.iter().map(|_| Vec::new()).collect();
    let mut humans: Vec<Vec<u32>> = definition.criteria.iter().map(|_| Vec::new()).collect();
    let mut judged = vec![false; definition.criteria.len()];
    labels.each_item(include_golden, |item_labels| -> Result<(), StoreError> {
        let item_id = item_labels[0].item_id;
        // Only the judge scores and the fields to group by: not the item's texts.
        let item = store.item_scores(item_id)?;
        let counted = asked(definition, item_labels, &adjudicated);
        let mut group = None;
        for (index, criterion) in definition.criteria.iter().enumerate() {
            let mut group_of_item = |interned: &mut Interned| {
                *group.get_or_insert_with(|| group_by.map(|field| interned.group(group_of(&item, field))))
            };
            let (units, humans) = (&mut units[index], &mut humans[index]);
            if criterion.scope == Scope::Step {
                let mut steps: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
                for label in item_labels {
                    if let (id, Some(step)) = split_step_key(label.criterion)
                        && id == criterion.id
                    {
                        steps.entry(step).or_default().push(interned.label(label));
                    }
                }
                for (step, mut values) in steps {
                    let key = crate::model::label::step_key(&criterion.id, step);
                    if let Some(adjudication) = adjudicated.get(&(item_id, key.as_str())) {
                        values = vec![interned.value(adjudication)];
                    }
                    let Some(judge) = step_score(&item, step, &criterion.id) else { continue };
                    let start = humans.len();
                    humans.extend(values);
                    units.push(Unit {
                        item_id,
                        step,
                        humans: start..humans.len(),
                        judge: Some(interned.value(judge)),
                        probability: step_score(&item, step, &probability_keys[index]).map(|p| interned.value(p)),
                        group: group_of_item(&mut interned),
                    });
                }
                continue;
            }
            judged[index] |= item.judge.contains_key(&criterion.id);
            let start = humans.len();
            for label in item_labels.iter().filter(|label| label.criterion == criterion.id) {
                if criterion.when.is_none() || counted.contains(&(label.rater, index)) {
                    humans.push(interned.label(label));
                }
            }
            if humans.len() == start {
                continue;
            }
            // A lead's adjudicated value stands for the humans on that item.
            if let Some(adjudication) = adjudicated.get(&(item_id, criterion.id.as_str())) {
                humans.truncate(start);
                humans.push(interned.value(adjudication));
            }
            units.push(Unit {
                item_id,
                step: 0,
                humans: start..humans.len(),
                judge: item.judge.get(&criterion.id).map(|value| interned.value(value)),
                probability: item.judge.get(&probability_keys[index]).map(|value| interned.value(value)),
                group: group_of_item(&mut interned),
            });
        }
        Ok(())
    })?;
    let mut criteria = Vec::new();
    for (index, criterion) in definition.criteria.iter().enumerate() {
        let (mut units, humans) = (std::mem::take(&mut units[index]), std::mem::take(&mut humans[index]));
        if criterion.scope == Scope::Item && !judged[index] {
            continue;
        }
        // In item id order (then step), as the report has always taken them.
        units.sort_unstable_by_key(|unit| (unit.item_id, unit.step));
        let scored: Vec<Scored> = units
            .iter()
            .map(|unit| Scored {
                humans: humans[unit.humans.clone()].iter().map(|&value| &interned.values[value as usize]).collect(),
                judge: unit.judge.map(|value| &interned.values[value as usize]),
                probability: unit.probability.map(|value| &interned.values[value as usize]),
                group: unit.group.map(|group| interned.groups[group as usize].clone()),
            })
            .collect();
        if criterion.scope == Scope::Step && scored.is_empty() {
            continue;
        }
        if let Some(mut judged) = criterion_judge(criterion, &scored, human, bootstrap) {
            judged.scope = criterion.scope;
            criteria.push(judged);
        }
    }
    Ok(JudgeReport {
        rubric: rubric.rubric.name.clone(),
        rubric_version: rubric.rubric.version,
        batch: batch.map(|b| b.name.clone()),
        group_by: group_by.map(str::to_string),
        confidence: bootstrap.confidence,
        bootstrap_replicates: bootstrap.replicates,
        criteria,
        golden_labels_left_out,
    })
}

/// The judge's score of step `step` for `criterion`: `judge.steps["3"].tool_ok`.
fn step_score<'i>(item: &'i Item, step: u32, key: &str) -> Option<&'i Value> {
    item.judge.get("steps")?.get(step.to_string())?.get(key)
}

/// Where a criterion with `when` applies on one item, by the one consensus of every
/// report ([`decide_item`]): where the item's consensus satisfies `when`, and there only
/// for the raters for whom it held (the others were not asked). The (rater, criterion
/// index) pairs that count. Step-scope labels count as given (`labels import` and the
/// label screen refuse a step value whose `when` does not hold).
fn asked<'l>(
    rubric: &Rubric,
    item_labels: &[LabelRef<'l>],
    adjudicated: &HashMap<(i64, &str), &Value>,
) -> HashSet<(&'l str, usize)> {
    let mut counted = HashSet::new();
    if rubric.criteria.iter().all(|criterion| criterion.when.is_none()) {
        return counted;
    }
    let item_id = item_labels[0].item_id;
    let mut raters: ByRater = BTreeMap::new();
    for label in item_labels {
        let Some(criterion) = rubric.criterion(label.criterion) else { continue };
        if let Ok(value) = criterion.parse_json(label.value) {
            raters.entry(label.rater).or_default().insert(criterion.id.clone(), value);
        }
    }
    if raters.is_empty() {
        return counted;
    }
    let adjudications: Vec<Option<&Value>> =
        rubric.criteria.iter().map(|c| adjudicated.get(&(item_id, c.id.as_str())).copied()).collect();
    let decisions = decide_item(rubric, &raters.values().collect::<Vec<_>>(), &adjudications, Method::Majority);
    for (index, criterion) in rubric.criteria.iter().enumerate() {
        if criterion.when.is_none() || decisions[index].is_none() {
            continue;
        }
        for (rater, values) in &raters {
            if rubric.applies(index, values) {
                counted.insert((*rater, index));
            }
        }
    }
    counted
}

/// Each rater's values on one item, by criterion id.
type ByRater<'a> = BTreeMap<&'a str, BTreeMap<String, LabelValue>>;

/// An item's group: a metadata field (`doc_id` or `metadata.doc_id`), or `dataset`.
/// Items without the field form the group `(none)`.
pub(super) fn group_of(item: &Item, field: &str) -> String {
    let key = field.strip_prefix("metadata.").unwrap_or(field);
    if field == "dataset" {
        return item.dataset.clone();
    }
    match item.metadata.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => "(none)".to_string(),
        Some(other) => other.to_string(),
    }
}

/// A human label or judge score as a category code, when the criterion has categories.
fn category(criterion: &Criterion, value: &Value) -> Option<usize> {
    match value {
        Value::String(text) => criterion.choice_index(text).or_else(|| {
            let number: f64 = text.trim().parse().ok()?;
            numeric_choice(criterion, number)
        }),
        Value::Number(number) => numeric_choice(criterion, number.as_f64()?),
        Value::Bool(flag) if criterion.kind == Kind::Binary => Some(if *flag { 0 } else { 1 }),
        _ => None,
    }
}

fn numeric_choice(criterion: &Criterion, number: f64) -> Option<usize> {
    criterion.options.iter().position(|choice| choice.value.parse::<f64>().is_ok_and(|value| value == number))
}

/// The number a category stands for (see the module conventions).
fn category_number(criterion: &Criterion, code: usize) -> f64 {
    if criterion.kind == Kind::Binary {
        return if code == 0 { 1.0 } else { 0.0 };
    }
    let numeric = criterion.options.iter().all(|choice| choice.value.parse::<f64>().is_ok());
    if numeric { criterion.options[code].value.parse().unwrap_or(f64::NAN) } else { code as f64 + 1.0 }
}

pub(super) fn number(criterion: &Criterion, value: &Value) -> Option<f64> {
    match criterion.kind {
        Kind::Number => match value {
            Value::Number(number) => number.as_f64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        },
        Kind::Binary | Kind::Ordinal | Kind::Nominal | Kind::Preference => {
            Some(category_number(criterion, category(criterion, value)?))
        }
        Kind::Tags | Kind::Text | Kind::Step => None,
    }
}

/// The report for one criterion; `None` when no item has both a judge score and a label.
pub fn criterion_judge(
    criterion: &Criterion,
    items: &[Scored],
    human: Human,
    bootstrap: Bootstrap,
) -> Option<CriterionJudge> {
    if matches!(criterion.kind, Kind::Tags | Kind::Text) {
        return None;
    }
    let categorical = matches!(criterion.kind, Kind::Binary | Kind::Nominal | Kind::Ordinal);
    let ordered = matches!(criterion.kind, Kind::Ordinal);
    let correlated = criterion.kind != Kind::Nominal || criterion.options.len() <= 2;
    let mut skipped: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut judge_numbers = Vec::new();
    let mut human_numbers = Vec::new();
    let mut groups = Vec::new();
    let mut judge_codes = Vec::new();
    let mut human_codes = Vec::new();
    let mut probabilities = Vec::new();
    for item in items {
        let Some(judge_value) = item.judge else { continue };
        let Some(judge) = number(criterion, judge_value) else {
            *skipped.entry("judge value not on the rubric's scale").or_default() += 1;
            continue;
        };
        let codes: Vec<usize> = item.humans.iter().filter_map(|value| category(criterion, value)).collect();
        let numbers: Vec<f64> = item.humans.iter().filter_map(|value| number(criterion, value)).collect();
        // The categorical consensus: majority, or the median on an ordered scale unless
        // --human majority asks otherwise; none on a tie or between two categories.
        let consensus_code = if !categorical {
            None
        } else if ordered && human != Human::Majority {
            median_category(&codes)
        } else {
            majority(&codes).winner
        };
        let consensus_number = match human {
            Human::Mean if !numbers.is_empty() => Some(numbers.iter().sum::<f64>() / numbers.len() as f64),
            Human::Median => median(&numbers),
            Human::Majority if categorical => consensus_code.map(|code| category_number(criterion, code)),
            Human::Majority => {
                majority(&numbers.iter().map(|n| n.to_bits()).collect::<Vec<_>>()).winner.map(f64::from_bits)
            }
            Human::Mean => None,
        };
        if let (Some(code), Some(judge_code)) = (consensus_code, category(criterion, judge_value)) {
            judge_codes.push(judge_code as u32);
            human_codes.push(code as u32);
            if criterion.kind == Kind::Binary
                && let Some(probability) = item.probability.and_then(Value::as_f64)
                && (0.0..=1.0).contains(&probability)
            {
                probabilities.push((probability, code == 0));
            }
        }
        let Some(human_value) = consensus_number else {
            *skipped.entry("no human consensus (a tie)").or_default() += 1;
            continue;
        };
        judge_numbers.push(judge);
        human_numbers.push(human_value);
        groups.push(item.group.clone().unwrap_or_default());
    }
    if judge_numbers.is_empty() && judge_codes.is_empty() {
        return None;
    }
    let has_groups = items.iter().any(|item| item.group.is_some());
    let correlations = if correlated {
        correlations(&human_numbers, &judge_numbers, has_groups.then_some(groups.as_slice()), bootstrap)
    } else {
        let mut none = Correlations { n: human_numbers.len(), ..Correlations::default() };
        for name in ["pearson", "spearman", "kendall", "bias"] {
            none.undefined.insert(name, "unordered categories: see kappa and the confusion matrix".into());
        }
        none
    };
    let mut report = CriterionJudge {
        criterion: criterion.id.clone(),
        scope: Scope::Item,
        kind: criterion.kind.name(),
        human: human.name(),
        correlations,
        kappa: None,
        kappa_weights: None,
        kappa_se: None,
        kappa_ci_low: None,
        kappa_ci_high: None,
        kappa_n: 0,
        confusion: None,
        bias: None,
        bias_ci_low: None,
        bias_ci_high: None,
        bias_n: 0,
        calibration: None,
        skipped,
        correlated,
    };
    if correlated {
        let differences: Vec<f64> = judge_numbers.iter().zip(&human_numbers).map(|(j, h)| j - h).collect();
        let bias = mean_difference(&differences, bootstrap.confidence);
        report.bias = bias.mean;
        report.bias_ci_low = bias.ci.map(|ci| ci.0);
        report.bias_ci_high = bias.ci.map(|ci| ci.1);
        report.bias_n = bias.n;
    }
    if categorical && !judge_codes.is_empty() {
        let q = criterion.options.len();
        let labels: Vec<String> = criterion.options.iter().map(|choice| choice.value.clone()).collect();
        let magnitudes: Vec<f64> = (0..q).map(|code| category_number(criterion, code)).collect();
        let weighting = if ordered { Weighting::Quadratic } else { Weighting::Identity };
        let matrix = weights(&magnitudes, weighting);
        let table_of = |indices: &mut dyn Iterator<Item = usize>| {
            let mut table = Contingency::new(q);
            for index in indices {
                table.add(human_codes[index], judge_codes[index]);
            }
            table
        };
        let table = table_of(&mut (0..human_codes.len()));
        let kappa = table.kappa(&matrix);
        report.kappa_weights = Some(if ordered { "quadratic" } else { "none" });
        report.kappa_n = kappa.n;
        match kappa.value {
            Ok(value) => {
                report.kappa = Some(value);
                report.kappa_se = kappa.se;
                // A replicate is drawn as counts of the q x q (human, judge) cells.
                let patterns = Patterns::dense(human_codes.len(), q * q, |index| {
                    human_codes[index] as usize * q + judge_codes[index] as usize
                });
                let interval = pattern_intervals(
                    &patterns,
                    bootstrap.replicates,
                    bootstrap.seed,
                    bootstrap.confidence,
                    1,
                    |weights, out| {
                        let mut table = Contingency::new(q);
                        for (&index, &weight) in patterns.representatives().iter().zip(weights) {
                            table.add_weighted(human_codes[index], judge_codes[index], weight);
                        }
                        out[0] = table.kappa(&matrix).value.ok();
                    },
                )[0];
                report.kappa_ci_low = interval.map(|ci| ci.low);
                report.kappa_ci_high = interval.map(|ci| ci.high);
            }
            Err(why) => {
                report.correlations.undefined.insert("kappa", why.reason().to_string());
            }
        }
        let counts = (0..q).map(|row| (0..q).map(|column| table.counts[row * q + column] as u64).collect()).collect();
        report.confusion = Some(Confusion { labels, counts });
    }
    if !probabilities.is_empty() {
        report.calibration = Some(calibration(&probabilities, 10));
    }
    Some(report)
}

pub(super) fn bounds_cell(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(low), Some(high)) => format!("{low:.3} to {high:.3}"),
        _ => "-".to_string(),
    }
}

pub(super) fn p_cell(p: Option<f64>) -> String {
    match p {
        None => "-".to_string(),
        Some(p) if p < 0.001 => "<0.001".to_string(),
        Some(p) => format!("{p:.3}"),
    }
}

/// The correlations as table rows: coefficient, value, p, Fisher CI, bootstrap CI, n.
pub fn correlation_table(correlations: &Correlations, confidence: f64) -> Table {
    let percent = format!("{:.0}%", confidence * 100.0);
    let fisher = format!(">{percent} CI (z)");
    let boot = format!(">{percent} CI (boot)");
    let mut table = Table::new(&["coefficient", ">value", ">p", &fisher, &boot, ">n"]);
    let rows = [
        ("Pearson r", correlations.pearson.r, &correlations.pearson.test),
        ("Spearman rho", correlations.spearman.rho, &correlations.spearman.test),
        ("Kendall tau-b", correlations.kendall.tau_b, &correlations.kendall.test),
    ];
    for (name, value, test) in rows {
        let p = if test.p_method == "exact" { format!("{} ex", p_cell(test.p)) } else { p_cell(test.p) };
        table.row(vec![
            name.to_string(),
            figure(value),
            p,
            bounds_cell(test.ci_low, test.ci_high),
            bounds_cell(test.bootstrap_ci_low, test.bootstrap_ci_high),
            test.n.to_string(),
        ]);
    }
    if let Some(grouped) = &correlations.grouped {
        let used = format!("{} of {} groups", grouped.groups_used, grouped.groups_total);
        for (name, value) in [
            ("Pearson, grouped", grouped.pearson),
            ("Spearman, grouped", grouped.spearman),
            ("Kendall, grouped", grouped.kendall),
        ] {
            table.row(vec![name.to_string(), figure(value), String::new(), String::new(), used.clone(), String::new()]);
        }
    }
    table
}

pub const CORRELATION_LEGEND: &str = "p: two-sided (t for Pearson and Spearman; Kendall exact, \"ex\", without ties\n\
     and n <= 33, else normal). CI (z): Fisher z. CI (boot): percentile bootstrap.";

/// CSV rows of the correlations: statistic, value, p, intervals, n.
pub fn correlation_records(subject: &str, correlations: &Correlations) -> Vec<Vec<String>> {
    let number = |value: Option<f64>| value.map_or_else(String::new, |v| v.to_string());
    let mut rows = Vec::new();
    for (name, value, test) in [
        ("pearson", correlations.pearson.r, &correlations.pearson.test),
        ("spearman", correlations.spearman.rho, &correlations.spearman.test),
        ("kendall_tau_b", correlations.kendall.tau_b, &correlations.kendall.test),
    ] {
        rows.push(vec![
            subject.to_string(),
            name.to_string(),
            number(value),
            number(test.p),
            number(test.ci_low),
            number(test.ci_high),
            number(test.bootstrap_ci_low),
            number(test.bootstrap_ci_high),
            test.n.to_string(),
        ]);
    }
    if let Some(grouped) = &correlations.grouped {
        for (name, value) in [
            ("pearson_grouped", grouped.pearson),
            ("spearman_grouped", grouped.spearman),
            ("kendall_grouped", grouped.kendall),
        ] {
            let n = grouped.groups_used.to_string();
            rows.push(vec![
                subject.to_string(),
                name.to_string(),
                number(value),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                n,
            ]);
        }
    }
    rows
}

pub const CORRELATION_CSV_HEADER: &[&str] =
    &["criterion", "statistic", "value", "p", "ci_low", "ci_high", "bootstrap_ci_low", "bootstrap_ci_high", "n"];

impl Rendered for JudgeReport {
    fn document(&self) -> Document {
        let scope = match &self.batch {
            Some(batch) => format!("batch {batch}"),
            None => "all labels".to_string(),
        };
        let mut document = Document::default();
        document.heading(format!("Judge vs humans: rubric {} v{}, {scope}", self.rubric, self.rubric_version));
        if let Some(note) = super::golden_note(self.golden_labels_left_out) {
            document.paragraph(note);
        }
        if self.criteria.is_empty() {
            document.paragraph("No criterion has both judge scores and human labels.");
        }
        if self.criteria.iter().any(|criterion| criterion.correlated) {
            document.chart(self.rank_chart());
        }
        for criterion in &self.criteria {
            criterion.add_to(&mut document, self.confidence);
        }
        let mut legend = CORRELATION_LEGEND.to_string();
        if let Some(field) = &self.group_by {
            legend.push_str(&format!(
                "\ngrouped: computed within each {field}, then averaged over groups where both vary."
            ));
        }
        legend.push_str("\nbias: mean of judge minus human, with its t interval. kappa: judge against the\nhuman majority (median on ordinal scales, quadratic weights).");
        document.paragraph(legend);
        document
    }

    fn csv(&self) -> String {
        let mut rows = Vec::new();
        for criterion in &self.criteria {
            rows.extend(criterion.csv_records());
        }
        csv_rows(CORRELATION_CSV_HEADER, rows)
    }
}

impl JudgeReport {
    /// Spearman and Kendall of every criterion that has correlations, with bootstrap
    /// intervals: how well the judge ranks items as the humans do, at a glance.
    fn rank_chart(&self) -> Chart {
        let title = format!("Judge vs human rank correlation, {:.0}% bootstrap CI", self.confidence * 100.0);
        let mut chart = Chart::new(title, -1.0, 1.0);
        for criterion in self.criteria.iter().filter(|criterion| criterion.correlated) {
            let (spearman, kendall) = (&criterion.correlations.spearman, &criterion.correlations.kendall);
            let interval = |test: &TestFigures| test.bootstrap_ci_low.zip(test.bootstrap_ci_high);
            chart.row(&format!("{} Spearman", criterion.criterion), spearman.rho, interval(&spearman.test));
            chart.row(&format!("{} Kendall", criterion.criterion), kendall.tau_b, interval(&kendall.test));
        }
        chart
    }
}

impl CriterionJudge {
    fn add_to(&self, document: &mut Document, confidence: f64) {
        let skipped: usize = self.skipped.values().sum();
        let skipped = if skipped > 0 { format!(", {skipped} skipped") } else { String::new() };
        document.heading(format!(
            "{} ({}): {} items with judge and human (human = {}){skipped}",
            self.criterion, self.kind, self.correlations.n, self.human
        ));
        if self.correlated {
            document.table(correlation_table(&self.correlations, confidence));
        }
        let mut other = Table::new(&["statistic", ">value", &format!(">{:.0}% CI", confidence * 100.0), ">se", ">n"]);
        if self.bias_n > 0 {
            other.row(vec![
                "bias (judge - human)".into(),
                format!("{:+.3}", self.bias.unwrap_or(f64::NAN)),
                bounds_cell(self.bias_ci_low, self.bias_ci_high),
                String::new(),
                self.bias_n.to_string(),
            ]);
        }
        if let Some(weights) = self.kappa_weights {
            let name = if weights == "quadratic" { "kappa, quadratic" } else { "Cohen's kappa" };
            let value = match self.kappa {
                Some(_) => figure(self.kappa),
                None => "undef.".to_string(),
            };
            other.row(vec![
                name.into(),
                value,
                bounds_cell(self.kappa_ci_low, self.kappa_ci_high),
                figure(self.kappa_se),
                self.kappa_n.to_string(),
            ]);
        }
        if let Some(calibration) = &self.calibration {
            other.row(vec![
                format!("ECE of {}_prob", self.criterion),
                figure(calibration.ece),
                "-".into(),
                String::new(),
                calibration.n.to_string(),
            ]);
        }
        document.table(other);
        if let Some(confusion) = &self.confusion {
            let mut headers: Vec<String> = vec!["human \\ judge".to_string()];
            headers.extend(confusion.labels.iter().map(|label| format!(">{label}")));
            let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
            let mut table = Table::new(&header_refs);
            for (label, row) in confusion.labels.iter().zip(&confusion.counts) {
                let mut cells = vec![label.clone()];
                cells.extend(row.iter().map(u64::to_string));
                table.row(cells);
            }
            document.table(table);
            let title = format!("{}: human consensus by judge", self.criterion);
            document.figure(Figure::Heatmap(Heatmap::new(
                &title,
                "human",
                "judge",
                &confusion.labels,
                &confusion.counts,
            )));
        }
        if let Some(calibration) = &self.calibration {
            let mut table = Table::new(&["judge probability", ">items", ">mean prob.", ">human rate"]);
            for bin in calibration.bins.iter().filter(|bin| bin.n > 0) {
                table.row(vec![
                    format!("{:.1} to {:.1}", bin.low, bin.high),
                    bin.n.to_string(),
                    figure(bin.mean_predicted),
                    figure(bin.observed_rate),
                ]);
            }
            document.table(table);
            let title = format!("{}: reliability of {}_prob", self.criterion, self.criterion);
            document.figure(Figure::Reliability(Reliability::new(&title, calibration)));
        }
        for (reason, count) in &self.skipped {
            document.paragraph(format!("skipped {count}: {reason}"));
        }
    }

    fn csv_records(&self) -> Vec<Vec<String>> {
        let number = |value: Option<f64>| value.map_or_else(String::new, |v| v.to_string());
        let mut rows = correlation_records(&self.criterion, &self.correlations);
        if self.bias_n > 0 {
            rows.push(vec![
                self.criterion.clone(),
                "bias".into(),
                number(self.bias),
                String::new(),
                number(self.bias_ci_low),
                number(self.bias_ci_high),
                String::new(),
                String::new(),
                self.bias_n.to_string(),
            ]);
        }
        if self.kappa_weights.is_some() {
            rows.push(vec![
                self.criterion.clone(),
                "kappa".into(),
                number(self.kappa),
                String::new(),
                String::new(),
                String::new(),
                number(self.kappa_ci_low),
                number(self.kappa_ci_high),
                self.kappa_n.to_string(),
            ]);
        }
        if let Some(calibration) = &self.calibration {
            let row = vec![
                self.criterion.clone(),
                "ece".into(),
                number(calibration.ece),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                calibration.n.to_string(),
            ];
            rows.push(row);
        }
        rows
    }
}

/// The store-free calculator's answer: correlations of two columns of a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedReport {
    pub criterion: String,
    pub x: String,
    pub y: String,
    /// Rows left out because a value was missing.
    pub skipped: usize,
    #[serde(flatten)]
    pub correlations: Correlations,
    #[serde(skip)]
    pub confidence: f64,
}

impl Rendered for PairedReport {
    fn document(&self) -> Document {
        let mut document = Document::default();
        let skipped = if self.skipped > 0 {
            format!(", {} rows with a missing value skipped", self.skipped)
        } else {
            String::new()
        };
        document.heading(format!("{} vs {}: {} pairs{skipped}", self.y, self.x, self.correlations.n));
        document.table(correlation_table(&self.correlations, self.confidence));
        document.paragraph(CORRELATION_LEGEND);
        document
    }

    fn csv(&self) -> String {
        csv_rows(CORRELATION_CSV_HEADER, correlation_records(&self.criterion, &self.correlations))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Rubric;
    use serde_json::json;

    fn rubric() -> Rubric {
        Rubric::from_toml(
            r#"
name = "t"
version = 1
[[criteria]]
id = "ok"
kind = "binary"
options = [ { value = "pass", key = "y" }, { value = "fail", key = "n" } ]
[[criteria]]
id = "topic"
kind = "nominal"
options = [ { value = "a", key = "a" }, { value = "b", key = "b" }, { value = "c", key = "c" } ]
"#,
            "t.toml",
        )
        .unwrap()
    }

    #[test]
    fn binary_judge_gets_kappa_bias_and_calibration() {
        let rubric = rubric();
        let (pass, fail) = (json!("pass"), json!("fail"));
        let probabilities = [json!(0.9), json!(0.8), json!(0.3), json!(0.2)];
        let humans = [[&pass, &pass], [&pass, &fail], [&fail, &fail], [&fail, &fail]];
        let judges = [&pass, &pass, &pass, &fail];
        let items: Vec<Scored> = humans
            .iter()
            .zip(judges)
            .zip(&probabilities)
            .map(|((humans, judge), probability)| Scored {
                humans: humans.to_vec(),
                judge: Some(judge),
                probability: Some(probability),
                group: None,
            })
            .collect();
        let quiet = Bootstrap { replicates: 0, ..Bootstrap::default() };
        let report = criterion_judge(&rubric.criteria[0], &items, Human::Mean, quiet).unwrap();
        // Human means 1, 0.5, 0, 0 against judge 1, 1, 1, 0: bias = (0 + 0.5 + 1 + 0) / 4.
        assert_eq!(report.bias, Some(0.375));
        // The tie (item 2) has no majority: kappa over 3 items, pass/pass, fail/pass, fail/fail.
        assert_eq!(report.kappa_n, 3);
        assert_eq!(report.confusion.as_ref().unwrap().counts, vec![vec![1, 0], vec![1, 1]]);
        let calibration = report.calibration.unwrap();
        assert_eq!(calibration.n, 3);
        // Bins: 0.9 -> pass (1), 0.3 -> fail (0), 0.2 -> fail (0): |0.9-1| + |0.3-0| + |0.2-0|, / 3.
        assert!((calibration.ece.unwrap() - 0.6 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn unordered_categories_get_kappa_not_correlations() {
        let rubric = rubric();
        let values = [json!("a"), json!("b"), json!("c")];
        let items: Vec<Scored> = (0..6)
            .map(|i| Scored {
                humans: vec![&values[i % 3], &values[i % 3]],
                judge: Some(&values[(i + i / 3) % 3]),
                probability: None,
                group: None,
            })
            .collect();
        let quiet = Bootstrap { replicates: 0, ..Bootstrap::default() };
        let report = criterion_judge(&rubric.criteria[1], &items, Human::Majority, quiet).unwrap();
        assert_eq!(report.correlations.pearson.r, None);
        assert!(report.correlations.undefined["pearson"].starts_with("unordered"));
        assert_eq!(report.kappa_weights, Some("none"));
        assert_eq!(report.kappa_n, 6);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["bias"], serde_json::Value::Null);
    }

    #[test]
    fn chart_shows_rank_correlations_of_ordered_criteria_only() {
        let rubric = rubric();
        let (pass, fail) = (json!("pass"), json!("fail"));
        let binary: Vec<Scored> = [(&pass, &pass), (&fail, &fail), (&pass, &fail), (&fail, &pass), (&pass, &pass)]
            .into_iter()
            .map(|(human, judge)| Scored { humans: vec![human], judge: Some(judge), probability: None, group: None })
            .collect();
        let values = [json!("a"), json!("b"), json!("c")];
        let nominal: Vec<Scored> = (0..6)
            .map(|i| Scored {
                humans: vec![&values[i % 3]],
                judge: Some(&values[(i + 1) % 3]),
                probability: None,
                group: None,
            })
            .collect();
        let bootstrap = Bootstrap { replicates: 50, ..Bootstrap::default() };
        let report = JudgeReport {
            rubric: "t".into(),
            rubric_version: 1,
            batch: None,
            group_by: None,
            confidence: 0.95,
            bootstrap_replicates: 50,
            golden_labels_left_out: 0,
            criteria: vec![
                criterion_judge(&rubric.criteria[0], &binary, Human::Mean, bootstrap).unwrap(),
                criterion_judge(&rubric.criteria[1], &nominal, Human::Majority, bootstrap).unwrap(),
            ],
        };
        let html = report.document().render_html("judge");
        // Spearman and Kendall of the binary criterion; the unordered one has no correlation.
        assert_eq!(html.matches("<rect class=\"bar\"").count(), 2, "{html}");
        assert!(html.contains("Spearman") && html.contains("bootstrap CI"));
        assert!(!report.document().render().contains("bootstrap CI"), "no chart in plain text");
    }

    #[test]
    fn constant_scores_say_why_there_is_no_correlation() {
        let quiet = Bootstrap { replicates: 10, ..Bootstrap::default() };
        let result = correlations(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0], None, quiet);
        assert_eq!(result.spearman.rho, None);
        assert!(result.undefined["kendall"].contains("constant"));
        let groups: Vec<String> = ["a", "a", "b"].iter().map(|g| g.to_string()).collect();
        let grouped = correlations(&[1.0, 2.0, 3.0], &[1.0, 1.0, 2.0], Some(&groups), quiet);
        assert_eq!(grouped.groups_used, Some(0));
        assert!(grouped.undefined.contains_key("grouped"));
    }
}
