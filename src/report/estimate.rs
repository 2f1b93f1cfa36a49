//! `tally estimate`: what a rate or mean really is, from the judge on every item plus the
//! humans on a few (prediction-powered inference, [`crate::stats::ppi`]).
//!
//! Per binary criterion the failure rate (the share of items whose consensus is the second,
//! failing option), per ordinal or number criterion the mean; each four ways: the humans
//! alone on the labeled items, the judge alone on every judged item (biased by whatever
//! bias the judge has), PPI and PPI++, with the effective number of human labels PPI++ is
//! worth. A human value is the item's consensus as `export` makes it
//! ([`decide_item`], majority, adjudication wins); golden sets imported back are not
//! raters ([`Store::rater_labels`]).
//!
//! PPI needs the labeled items to be a uniform sample of the dataset, so labels on items
//! that were chosen rather than sampled do not count as labeled: honeypots (chosen for
//! their known answers) and items only a reviewer adjudicated (chosen by the reviewer).
//! Their judge scores still count among the unlabeled items, as every item of the dataset.
//! With a batch, the population is the batch's items: labels and judge scores alike are
//! read only on them.
//!
//! A binary judge score is the judge's value for the criterion, or its probability of the
//! first option (`<criterion>_prob`, as `report judge` reads it) when every judged item
//! carries one: the judge must be the same on the labeled and the unlabeled items.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::errors::Compare;
use super::judge::{bounds_cell, group_of, number};
use super::table::{Document, Table};
use super::{Rendered, csv_rows, figure};
use crate::model::consensus::{Method as Consensus, decide_item};
use crate::model::{Criterion, Item, Kind, LabelValue};
use crate::stats::ppi::{Estimate, classical_mean, effective_n, power_tuning_lambda, ppi_mean};
use crate::store::{Batch, LabelRef, LabelScope, LabelSet, Store, StoreError, StoredRubric};

/// Below this many qualifying labeled items the normal intervals are rough: say so.
pub const SMALL_SAMPLE: usize = 30;
/// The one slice without `--by`.
const ALL: &str = "all";

/// Which estimates to compute (`--method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    PpiPlusPlus,
    Ppi,
    Human,
    Judge,
    All,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::PpiPlusPlus => "ppi++",
            Method::Ppi => "ppi",
            Method::Human => "human",
            Method::Judge => "judge",
            Method::All => "all",
        }
    }

    fn shows(self, method: Method) -> bool {
        self == Method::All || self == method
    }
}

/// What to estimate, and over which items.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Only this criterion (default: every binary, ordinal and number criterion).
    pub criterion: Option<&'a str>,
    /// Slice the items by this metadata field (or `dataset`).
    pub by: Option<&'a str>,
    /// Only the items of this dataset (default: every item).
    pub dataset: Option<&'a str>,
    /// Only the items of this batch, labeled and judged alike (default: every item).
    pub batch: Option<&'a Batch>,
    pub method: Method,
    pub confidence: f64,
    /// Slice A of a field against slice B (`--compare model=v1,v2`).
    pub compare: Option<&'a Compare>,
}

#[derive(Debug, thiserror::Error)]
pub enum EstimateError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `--criterion` names nothing estimable: the user's mistake.
    #[error("{0}")]
    Criterion(String),
    /// A slice named by `--compare` has no judged or labeled item: the user's mistake.
    #[error("{0}")]
    EmptySlice(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstimateReport {
    pub rubric: String,
    pub rubric_version: u32,
    pub dataset: Option<String>,
    /// The batch whose items alone were read (`--batch`).
    pub batch: Option<String>,
    pub by: Option<String>,
    pub method: &'static str,
    pub confidence: f64,
    pub validity: Validity,
    pub criteria: Vec<CriterionEstimate>,
    /// With `--compare`: each estimate of slice A minus slice B.
    pub comparison: Option<Comparison>,
    /// Golden-set labels not counted (golden sets are not raters).
    pub golden_labels_left_out: usize,
    pub warnings: Vec<String>,
}

/// Which labeled items count as the uniform sample PPI needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validity {
    /// Items with labels from raters (in the dataset and the batch, when named).
    pub labeled_items: usize,
    /// Of those, the ones that count as labeled.
    pub qualifying_items: usize,
    /// Labeled honeypots left out: chosen for their known answers, not sampled.
    pub honeypots_left_out: usize,
    /// Items only a reviewer adjudicated, left out: chosen by the reviewer, not sampled.
    pub adjudicated_only_left_out: usize,
    /// Fewer qualifying items than this make rough intervals.
    pub small_sample_below: usize,
}

/// One criterion in one slice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionEstimate {
    pub criterion: String,
    pub kind: &'static str,
    /// `failure_rate` (binary) or `mean` (ordinal, number).
    pub measure: &'static str,
    /// The failing option a rate counts; `null` for a mean.
    pub value: Option<String>,
    pub slice: String,
    /// The judge key read: the criterion id, or `<criterion>_prob`.
    pub judge_key: String,
    /// The humans alone, on the qualifying labeled items.
    pub human: Option<Interval>,
    /// The judge alone, on every judged item: biased by the judge's bias.
    pub judge: Option<Interval>,
    pub ppi: Option<Interval>,
    pub ppi_plus_plus: Option<Interval>,
    /// PPI++'s weight of the judge, in [0, 1] (0: the judge adds nothing).
    pub lambda: Option<f64>,
    /// The human-only sample size whose interval is as narrow as PPI++'s.
    pub effective_n: Option<f64>,
    /// Pearson correlation of the judge with the humans on the labeled items: what
    /// `plan rate --from-store` sizes the judge's help with.
    pub rho: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    pub estimate: f64,
    pub ci: [f64; 2],
    pub n_labeled: usize,
    pub n_unlabeled: usize,
    /// Standard error (before a rate's interval is cut to [0, 1]).
    pub se: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub field: String,
    pub a: String,
    pub b: String,
    pub criteria: Vec<CriterionDifference>,
}

/// One criterion's estimates in slice A minus slice B: the two slices are independent
/// samples, so the variances add (normal interval).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionDifference {
    pub criterion: String,
    pub measure: &'static str,
    pub human: Option<Difference>,
    pub judge: Option<Difference>,
    pub ppi: Option<Difference>,
    pub ppi_plus_plus: Option<Difference>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// A minus B.
    pub estimate: f64,
    pub ci: [f64; 2],
    pub a: f64,
    pub b: f64,
}

fn difference(a: Option<&Interval>, b: Option<&Interval>, confidence: f64) -> Option<Difference> {
    let (a, b) = (a?, b?);
    let estimate = a.estimate - b.estimate;
    let half = crate::stats::correlation::z_critical(confidence) * (a.se * a.se + b.se * b.se).sqrt();
    Some(Difference { estimate, ci: [estimate - half, estimate + half], a: a.estimate, b: b.estimate })
}

impl Interval {
    /// A rate's interval is cut to [0, 1]: the normal interval can overshoot near 0 or 1.
    fn new(estimate: Estimate, rate: bool) -> Interval {
        let (low, high) = if rate {
            (estimate.ci_low.clamp(0.0, 1.0), estimate.ci_high.clamp(0.0, 1.0))
        } else {
            (estimate.ci_low, estimate.ci_high)
        };
        Interval {
            estimate: estimate.estimate,
            ci: [low, high],
            n_labeled: estimate.n_labeled,
            n_unlabeled: estimate.n_unlabeled,
            se: estimate.se,
        }
    }
}

/// A labeled item's place in the estimate.
struct Member {
    slice: String,
    /// The item's value of the `--compare` field.
    compared: Option<String>,
    /// The judge's scores per estimated criterion (in `criteria` order).
    judge: Vec<Scores>,
    /// Whether the item carries any judge score.
    judged: bool,
    /// The human consensus per criterion id, as a number (1 = fail for a binary one);
    /// `None` when the item does not count as labeled.
    human: Option<BTreeMap<String, f64>>,
}

type Map = serde_json::Map<String, Value>;

/// One criterion's judge scores on one item: the judge's value and its
/// `<criterion>_prob` (binary criteria only), as scores.
#[derive(Debug, Clone, Copy, Default)]
struct Scores {
    /// The item has the criterion's judge key.
    present: bool,
    value: Option<f64>,
    /// The item has `<criterion>_prob`, and it is a number.
    has_probability: bool,
    /// The probability of failing (1 - the probability of the first option), when in [0, 1].
    probability: Option<f64>,
}

/// A `<criterion>_prob` judge value: whether it is a number, and the probability of
/// failing it gives when in [0, 1].
fn probability_score(value: &Value) -> (bool, Option<f64>) {
    let probability = value.as_f64();
    (probability.is_some(), probability.filter(|p| (0.0..=1.0).contains(p)).map(|p| 1.0 - p))
}

fn judge_scores(criteria: &[&Criterion], judge: &Map) -> (Vec<Scores>, bool) {
    let scores = criteria
        .iter()
        .map(|criterion| {
            let value = judge.get(&criterion.id);
            let (has_probability, probability) = if criterion.kind == Kind::Binary {
                judge.get(&format!("{}_prob", criterion.id)).map_or((false, None), probability_score)
            } else {
                (false, None)
            };
            Scores {
                present: value.is_some(),
                value: value.and_then(|value| score(criterion, value)),
                has_probability,
                probability,
            }
        })
        .collect();
    (scores, !judge.is_empty())
}

/// Scores of judge values read as JSON text ([`Store::each_judged`]): a key of a million
/// items has a handful of distinct texts (`"fail"`, `0.9`), so the last few are
/// remembered rather than parsed again.
#[derive(Default)]
struct Memo<T> {
    seen: Vec<(Box<str>, T)>,
}

impl<T: Copy> Memo<T> {
    const SIZE: usize = 16;

    fn get(&mut self, text: &str, score: impl FnOnce(&Value) -> T) -> Result<T, StoreError> {
        if let Some((_, known)) = self.seen.iter().find(|(seen, _)| **seen == *text) {
            return Ok(*known);
        }
        let value: Value =
            serde_json::from_str(text).map_err(|cause| StoreError::Json { column: "items.judge", cause })?;
        let scored = score(&value);
        if self.seen.len() < Self::SIZE {
            self.seen.push((text.into(), scored));
        }
        Ok(scored)
    }
}

/// The numbers one criterion's estimates take in one group of items (a slice or a
/// compared side), with the judge read one way (its value or its probability).
#[derive(Debug, Default)]
struct Inputs {
    /// The human values of the labeled items.
    y: Vec<f64>,
    /// The human values of the labeled items the judge scored, and the judge's scores.
    y_judged: Vec<f64>,
    f_labeled: Vec<f64>,
    f_unlabeled: Vec<f64>,
    /// The judge's scores on every item.
    f_all: Vec<f64>,
}

impl Inputs {
    /// One item, in item order (sums over the same items in the same order give the same
    /// figures to the last digit). `labeled`: the item has qualifying human labels.
    fn add(&mut self, human: Option<f64>, judge: Option<f64>, labeled: bool) {
        if let Some(judge) = judge {
            self.f_all.push(judge);
        }
        match (human, judge) {
            (Some(human), Some(judge)) => {
                self.y.push(human);
                self.y_judged.push(human);
                self.f_labeled.push(judge);
            }
            (Some(human), None) => self.y.push(human),
            // An item counts as unlabeled only when it has no qualifying human labels
            // at all: a tie among the raters is no random gap.
            (None, Some(judge)) if !labeled => self.f_unlabeled.push(judge),
            (None, _) => {}
        }
    }
}

/// Per estimated criterion, its [`Inputs`] reading the judge's value and (binary
/// criteria) its probability: which one counts is known only once every item is read.
#[derive(Debug, Default)]
struct Group {
    members: usize,
    inputs: Vec<[Inputs; 2]>,
}

impl Group {
    fn add(&mut self, criteria: &[&Criterion], judge: &[Scores], human: Option<&BTreeMap<String, f64>>) {
        if self.inputs.is_empty() {
            self.inputs = criteria.iter().map(|_| Default::default()).collect();
        }
        self.members += 1;
        for (index, criterion) in criteria.iter().enumerate() {
            let value = human.and_then(|numbers| numbers.get(&criterion.id)).copied();
            let [by_value, by_probability] = &mut self.inputs[index];
            by_value.add(value, judge[index].value, human.is_some());
            if criterion.kind == Kind::Binary {
                by_probability.add(value, judge[index].probability, human.is_some());
            }
        }
    }

    fn inputs(&self, index: usize, use_probability: bool) -> &Inputs {
        &self.inputs[index][usize::from(use_probability)]
    }
}

/// Every item's judge scores and human values gathered, one item at a time and in item
/// order, into the groups the estimates are made over.
struct Gather<'a> {
    criteria: &'a [&'a Criterion],
    /// Per criterion: items with its judge key, with `<criterion>_prob` among those, and
    /// whether any item has `<criterion>_prob`.
    present: Vec<(usize, usize, bool)>,
    /// Some item with no qualifying human label has a judge score.
    unlabeled_judged: bool,
    slices: BTreeMap<String, Group>,
    /// The `--compare` sides A and B, and every value of the compared field seen.
    sides: [Group; 2],
    compared_values: BTreeSet<String>,
}

impl Gather<'_> {
    fn add(
        &mut self,
        slice: &str,
        compared: Option<&str>,
        judge: &[Scores],
        judged: bool,
        human: Option<&BTreeMap<String, f64>>,
        compare: Option<&Compare>,
    ) {
        for (counts, scores) in self.present.iter_mut().zip(judge) {
            counts.0 += usize::from(scores.present);
            counts.1 += usize::from(scores.present && scores.has_probability);
            counts.2 |= scores.has_probability;
        }
        self.unlabeled_judged |= human.is_none() && judged;
        if let Some(compared) = compared
            && !self.compared_values.contains(compared)
        {
            self.compared_values.insert(compared.to_string());
        }
        // A left-out item without judge scores has nothing to add to any group.
        if human.is_none() && !judged {
            return;
        }
        match self.slices.get_mut(slice) {
            Some(group) => group.add(self.criteria, judge, human),
            None => {
                let mut group = Group::default();
                group.add(self.criteria, judge, human);
                self.slices.insert(slice.to_string(), group);
            }
        }
        if let (Some(compare), Some(compared)) = (compare, compared) {
            for (side, value) in self.sides.iter_mut().zip([&compare.a, &compare.b]) {
                if compared == value {
                    side.add(self.criteria, judge, human);
                }
            }
        }
    }

    fn add_member(&mut self, member: &Member, compare: Option<&Compare>) {
        self.add(
            &member.slice,
            member.compared.as_deref(),
            &member.judge,
            member.judged,
            member.human.as_ref(),
            compare,
        );
    }
}

pub fn from_store(store: &Store, rubric: &StoredRubric, request: Request) -> Result<EstimateReport, EstimateError> {
    from_labels(store, rubric, None, request)
}

/// The estimates over the labels of the request's scope already read (`report all`
/// reads them once), or read here when `labels` is `None`.
pub fn from_labels(
    store: &Store,
    rubric: &StoredRubric,
    labels: Option<&LabelSet>,
    request: Request,
) -> Result<EstimateReport, EstimateError> {
    let definition = &rubric.rubric;
    let criteria: Vec<&Criterion> = definition
        .criteria
        .iter()
        .filter(|c| matches!(c.kind, Kind::Binary | Kind::Ordinal | Kind::Number))
        .filter(|c| request.criterion.is_none_or(|wanted| c.id == wanted))
        .collect();
    if let Some(wanted) = request.criterion
        && criteria.is_empty()
    {
        let known: Vec<&str> = definition
            .criteria
            .iter()
            .filter(|c| matches!(c.kind, Kind::Binary | Kind::Ordinal | Kind::Number))
            .map(|c| c.id.as_str())
            .collect();
        return Err(EstimateError::Criterion(format!(
            "--criterion {wanted}: rubric {} has no binary, ordinal or number criterion of that id (estimable: {})",
            definition.name,
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        )));
    }

    let batch_id = request.batch.map(|batch| batch.id);
    let scope = LabelScope { rubric: &definition.name, batch_id };
    let read;
    let labels = match labels {
        Some(labels) => labels,
        None => {
            read = store.label_set(scope)?;
            &read
        }
    };
    let golden_labels_left_out = labels.golden_left_out(false);
    let adjudications = store.adjudications(scope)?;
    let adjudicated: BTreeMap<(i64, &str), &Value> =
        adjudications.iter().map(|a| ((a.item_id, a.criterion.as_str()), &a.value)).collect();
    let honeypots = store.gold_item_ids()?;
    let slice_of = |item: &Item| request.by.map_or_else(|| ALL.to_string(), |field| group_of(item, field));
    let compared_of = |item: &Item| request.compare.map(|compare| group_of(item, &compare.field));

    let mut members: BTreeMap<i64, Member> = BTreeMap::new();
    let mut validity = Validity {
        labeled_items: 0,
        qualifying_items: 0,
        honeypots_left_out: 0,
        adjudicated_only_left_out: 0,
        small_sample_below: SMALL_SAMPLE,
    };
    let mut rater_labeled: BTreeSet<i64> = BTreeSet::new();
    // Labels come sorted by item external id, so each item's labels are contiguous.
    labels.each_item(false, |item_labels| -> Result<(), StoreError> {
        let item_id = item_labels[0].item_id;
        // The dataset, metadata and judge scores: not the texts.
        let item = store.item_scores(item_id)?;
        if request.dataset.is_some_and(|dataset| item.dataset != dataset) {
            return Ok(());
        }
        rater_labeled.insert(item_id);
        validity.labeled_items += 1;
        let human = if honeypots.contains(&item_id) {
            validity.honeypots_left_out += 1;
            None
        } else {
            validity.qualifying_items += 1;
            Some(consensus_numbers(definition, &criteria, item_id, item_labels, &adjudicated))
        };
        let (slice, compared) = (slice_of(&item), compared_of(&item));
        let (judge, judged) = judge_scores(&criteria, &item.judge);
        members.insert(item_id, Member { slice, compared, judge, judged, human });
        Ok(())
    })?;
    let adjudicated_items: BTreeSet<i64> = adjudications.iter().map(|a| a.item_id).collect();
    for item_id in adjudicated_items.difference(&rater_labeled) {
        let dataset_matches = match request.dataset {
            Some(dataset) => store.item(*item_id)?.dataset == dataset,
            None => true,
        };
        validity.adjudicated_only_left_out += usize::from(dataset_matches);
    }
    let mut gather = Gather {
        criteria: &criteria,
        present: vec![(0, 0, false); criteria.len()],
        unlabeled_judged: false,
        slices: BTreeMap::new(),
        sides: Default::default(),
        compared_values: BTreeSet::new(),
    };
    // The judge keys read: each criterion's, and a binary one's `<criterion>_prob`;
    // `keys[k]` is criterion `criterion_of[k]`'s value (false) or probability (true).
    let mut keys: Vec<String> = Vec::new();
    let mut key_of: Vec<(usize, bool)> = Vec::new();
    for (index, criterion) in criteria.iter().enumerate() {
        keys.push(criterion.id.clone());
        key_of.push((index, false));
        if criterion.kind == Kind::Binary {
            keys.push(format!("{}_prob", criterion.id));
            key_of.push((index, true));
        }
    }
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut values: Vec<Memo<Option<f64>>> = criteria.iter().map(|_| Memo::default()).collect();
    let mut probabilities: Vec<Memo<(bool, Option<f64>)>> = criteria.iter().map(|_| Memo::default()).collect();
    let mut scores = vec![Scores::default(); criteria.len()];
    // Labeled items join the judged ones in item order (see `Inputs::add`).
    let mut labeled = members.iter().peekable();
    let compare = request.compare;
    // Metadata is read only to slice by it.
    let with_metadata = request.by.is_some() || request.compare.is_some();
    store.each_judged(request.dataset, batch_id, &key_refs, with_metadata, |row| -> Result<(), EstimateError> {
        while let Some((_, member)) = labeled.next_if(|(item_id, _)| **item_id < row.id) {
            gather.add_member(member, compare);
        }
        if let Some((_, member)) = labeled.next_if(|(item_id, _)| **item_id == row.id) {
            gather.add_member(member, compare);
            return Ok(());
        }
        scores.fill(Scores::default());
        for (text, &(index, probability)) in row.scores.iter().zip(&key_of) {
            let Some(text) = text else { continue };
            let slot = &mut scores[index];
            if probability {
                (slot.has_probability, slot.probability) = probabilities[index].get(text, probability_score)?;
            } else {
                slot.present = true;
                slot.value = values[index].get(text, |value| score(criteria[index], value))?;
            }
        }
        let (slice, compared) = match row.item {
            Some(item) => (Some(slice_of(item)), compared_of(item)),
            None => (None, None),
        };
        gather.add(slice.as_deref().unwrap_or(ALL), compared.as_deref(), &scores, true, None, compare);
        Ok(())
    })?;
    for (_, member) in labeled {
        gather.add_member(member, compare);
    }

    let mut warnings = Vec::new();
    if validity.qualifying_items < SMALL_SAMPLE {
        warnings.push(format!(
            "only {} labeled items qualify (fewer than {SMALL_SAMPLE}): rough intervals",
            validity.qualifying_items
        ));
    }
    if !gather.unlabeled_judged {
        warnings.push("no unlabeled item has a judge score: nothing for PPI to add".to_string());
    }
    if let Some(compare) = request.compare {
        for (value, side) in [&compare.a, &compare.b].into_iter().zip(&gather.sides) {
            if side.members == 0 {
                let known: Vec<&str> = gather.compared_values.iter().map(String::as_str).take(10).collect();
                return Err(EstimateError::EmptySlice(format!(
                    "--compare {}={},{}: no judged or labeled item has {} = `{value}` (values found: {})",
                    compare.field,
                    compare.a,
                    compare.b,
                    compare.field,
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                )));
            }
        }
    }
    let mut differences = Vec::new();
    let mut estimates = Vec::new();
    for (index, criterion) in criteria.iter().enumerate() {
        let probability_key = format!("{}_prob", criterion.id);
        let (present, with_probability, any_probability) = gather.present[index];
        let use_probability = criterion.kind == Kind::Binary && present > 0 && with_probability == present;
        if criterion.kind == Kind::Binary && !use_probability && any_probability {
            warnings.push(format!(
                "{}: not every judged item has {probability_key}; judge values used instead",
                criterion.id
            ));
        }
        let judge_key = if use_probability { probability_key.clone() } else { criterion.id.clone() };
        for (slice, group) in &gather.slices {
            estimates.push(estimate(criterion, slice, group.inputs(index, use_probability), &judge_key, request));
        }
        if request.compare.is_some() {
            let [a, b] = &gather.sides;
            let a = estimate(criterion, "a", a.inputs(index, use_probability), &judge_key, request);
            let b = estimate(criterion, "b", b.inputs(index, use_probability), &judge_key, request);
            let confidence = request.confidence;
            differences.push(CriterionDifference {
                criterion: criterion.id.clone(),
                measure: a.measure,
                human: difference(a.human.as_ref(), b.human.as_ref(), confidence),
                judge: difference(a.judge.as_ref(), b.judge.as_ref(), confidence),
                ppi: difference(a.ppi.as_ref(), b.ppi.as_ref(), confidence),
                ppi_plus_plus: difference(a.ppi_plus_plus.as_ref(), b.ppi_plus_plus.as_ref(), confidence),
            });
        }
    }
    let comparison = request.compare.map(|compare| Comparison {
        field: compare.field.clone(),
        a: compare.a.clone(),
        b: compare.b.clone(),
        criteria: differences,
    });
    Ok(EstimateReport {
        rubric: definition.name.clone(),
        rubric_version: definition.version,
        dataset: request.dataset.map(str::to_string),
        batch: request.batch.map(|batch| batch.name.clone()),
        by: request.by.map(str::to_string),
        method: request.method.name(),
        confidence: request.confidence,
        validity,
        criteria: estimates,
        comparison,
        golden_labels_left_out,
        warnings,
    })
}

/// The item's consensus on each estimated criterion as a number.
fn consensus_numbers(
    definition: &crate::model::Rubric,
    criteria: &[&Criterion],
    item_id: i64,
    item_labels: &[LabelRef],
    adjudicated: &BTreeMap<(i64, &str), &Value>,
) -> BTreeMap<String, f64> {
    let mut by_rater: BTreeMap<&str, BTreeMap<String, LabelValue>> = BTreeMap::new();
    for label in item_labels {
        if let Some(criterion) = definition.criterion(label.criterion)
            && let Ok(value) = criterion.parse_json(label.value)
        {
            by_rater.entry(label.rater).or_default().insert(criterion.id.clone(), value);
        }
    }
    let adjudications: Vec<Option<&Value>> =
        definition.criteria.iter().map(|c| adjudicated.get(&(item_id, c.id.as_str())).copied()).collect();
    let decisions =
        decide_item(definition, &by_rater.values().collect::<Vec<_>>(), &adjudications, Consensus::Majority);
    let mut numbers = BTreeMap::new();
    for (criterion, decision) in definition.criteria.iter().zip(decisions) {
        if !criteria.iter().any(|c| c.id == criterion.id) {
            continue;
        }
        // A tie (`null`) is no consensus.
        if let Some(value) = decision.as_ref().and_then(|d| score(criterion, &d.value)) {
            numbers.insert(criterion.id.clone(), value);
        }
    }
    numbers
}

/// A human or judge value as the number estimated: 1 for the failing option of a binary
/// criterion and 0 for the passing one; the scale value of an ordinal or number one.
fn score(criterion: &Criterion, value: &Value) -> Option<f64> {
    let number = number(criterion, value)?;
    Some(if criterion.kind == Kind::Binary { 1.0 - number } else { number })
}

/// One criterion over one group of items.
fn estimate(
    criterion: &Criterion,
    slice: &str,
    inputs: &Inputs,
    judge_key: &str,
    request: Request,
) -> CriterionEstimate {
    let Inputs { y, y_judged, f_labeled, f_unlabeled, f_all } = inputs;
    let rate = criterion.kind == Kind::Binary;
    let confidence = request.confidence;
    let human = request.method.shows(Method::Human).then(|| classical_mean(y, confidence)).flatten();
    let judge = request
        .method
        .shows(Method::Judge)
        .then(|| classical_mean(f_all, confidence))
        .flatten()
        .map(|estimate| Estimate { n_labeled: 0, n_unlabeled: f_all.len(), ..estimate });
    let ppi = request.method.shows(Method::Ppi).then(|| ppi_mean(y_judged, f_labeled, f_unlabeled, 1.0, confidence));
    let lambda = power_tuning_lambda(y_judged, f_labeled, f_unlabeled);
    let plus = lambda.and_then(|lambda| ppi_mean(y_judged, f_labeled, f_unlabeled, lambda, confidence));
    let shows_plus = request.method.shows(Method::PpiPlusPlus);
    CriterionEstimate {
        criterion: criterion.id.clone(),
        kind: criterion.kind.name(),
        measure: if rate { "failure_rate" } else { "mean" },
        value: if rate { criterion.options.get(1).map(|option| option.value.clone()) } else { None },
        slice: slice.to_string(),
        judge_key: judge_key.to_string(),
        human: human.map(|e| Interval::new(e, rate)),
        judge: judge.map(|e| Interval::new(e, rate)),
        ppi: ppi.flatten().map(|e| Interval::new(e, rate)),
        ppi_plus_plus: plus.filter(|_| shows_plus).map(|e| Interval::new(e, rate)),
        lambda: lambda.filter(|_| shows_plus),
        effective_n: plus.filter(|_| shows_plus).and_then(|e| effective_n(y_judged, e.se)),
        rho: crate::stats::correlation::pearson_r(y_judged, f_labeled),
    }
}

impl CriterionEstimate {
    fn name(&self) -> String {
        match &self.value {
            Some(value) => format!("{}={value}", self.criterion),
            None => format!("{} mean", self.criterion),
        }
    }

    /// (method label, interval) in the order a lead reads them.
    fn rows(&self) -> Vec<(String, &'static str, &Interval)> {
        let mut rows = Vec::new();
        if let Some(interval) = &self.human {
            rows.push(("human".to_string(), "human", interval));
        }
        if let Some(interval) = &self.judge {
            rows.push(("judge (biased)".to_string(), "judge", interval));
        }
        if let Some(interval) = &self.ppi {
            rows.push(("ppi".to_string(), "ppi", interval));
        }
        if let Some(interval) = &self.ppi_plus_plus {
            let label = self.lambda.map_or_else(|| "ppi++".to_string(), |lambda| format!("ppi++ λ {lambda:.2}"));
            rows.push((label, "ppi_plus_plus", interval));
        }
        rows
    }
}

fn count(n: usize) -> String {
    if n == 0 { "-".to_string() } else { n.to_string() }
}

impl Rendered for EstimateReport {
    fn document(&self) -> Document {
        let mut title = format!("Estimates: rubric {} v{}", self.rubric, self.rubric_version);
        if let Some(dataset) = &self.dataset {
            title.push_str(&format!(", dataset {dataset}"));
        }
        if let Some(batch) = &self.batch {
            title.push_str(&format!(", batch {batch}"));
        }
        if let Some(by) = &self.by {
            title.push_str(&format!(", by {by}"));
        }
        let mut document = Document::default();
        document.heading(title);
        let validity = &self.validity;
        document.paragraph(format!(
            "{} labeled items, {} qualify as a uniform sample ({} honeypots left out;\n\
             {} items only a reviewer adjudicated left out).",
            validity.labeled_items,
            validity.qualifying_items,
            validity.honeypots_left_out,
            validity.adjudicated_only_left_out
        ));
        if let Some(note) = super::golden_note(self.golden_labels_left_out) {
            document.paragraph(note);
        }
        for warning in &self.warnings {
            document.paragraph(format!("warning: {warning}"));
        }
        let percent = format!(">{:.0}% CI", self.confidence * 100.0);
        let mut slices: Vec<&str> = self.criteria.iter().map(|c| c.slice.as_str()).collect();
        slices.dedup();
        let slices: Vec<&str> = slices.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
        for slice in slices {
            if self.by.is_some() {
                document.heading(format!("{} = {slice}", self.by.as_deref().unwrap_or_default()));
            }
            let mut table = Table::new(&["estimate", "method", ">value", &percent, ">human", ">judge", ">eff n"]);
            for criterion in self.criteria.iter().filter(|c| c.slice == slice) {
                let rows = criterion.rows();
                if rows.is_empty() {
                    table.row(vec![
                        criterion.name(),
                        "-".to_string(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                    ]);
                }
                for (index, (label, key, interval)) in rows.into_iter().enumerate() {
                    table.row(vec![
                        if index == 0 { criterion.name() } else { String::new() },
                        label,
                        figure(Some(interval.estimate)),
                        bounds_cell(Some(interval.ci[0]), Some(interval.ci[1])),
                        count(interval.n_labeled),
                        count(interval.n_unlabeled),
                        if key == "ppi_plus_plus" {
                            criterion.effective_n.map_or_else(|| "-".into(), |n| format!("{n:.0}"))
                        } else {
                            String::new()
                        },
                    ]);
                }
            }
            document.table(table);
        }
        if let Some(comparison) = &self.comparison {
            document.heading(format!("{} = {} (A) against {} (B)", comparison.field, comparison.a, comparison.b));
            let mut table = Table::new(&["estimate", "method", ">A", ">B", ">A - B", &percent]);
            for criterion in &comparison.criteria {
                let name = match criterion.measure {
                    "mean" => format!("{} mean", criterion.criterion),
                    _ => format!("{} rate", criterion.criterion),
                };
                let rows = [
                    ("human", &criterion.human),
                    ("judge (biased)", &criterion.judge),
                    ("ppi", &criterion.ppi),
                    ("ppi++", &criterion.ppi_plus_plus),
                ];
                let mut first = true;
                for (label, difference) in rows {
                    let Some(difference) = difference else { continue };
                    table.row(vec![
                        if first { name.clone() } else { String::new() },
                        label.to_string(),
                        figure(Some(difference.a)),
                        figure(Some(difference.b)),
                        format!("{:+.3}", difference.estimate),
                        bounds_cell(Some(difference.ci[0]), Some(difference.ci[1])),
                    ]);
                    first = false;
                }
            }
            document.table(table);
        }
        document.paragraph(
            "human: items whose human labels were used; judge: items whose judge score\n\
             alone was used.\n\
             PPI corrects the judge's mean by its error on the labeled items; PPI++ weighs\n\
             the judge by λ (0: no help). eff n: human labels alone for as narrow a CI.",
        );
        document
    }

    fn csv(&self) -> String {
        let header = [
            "slice",
            "criterion",
            "measure",
            "method",
            "estimate",
            "ci_low",
            "ci_high",
            "n_labeled",
            "n_unlabeled",
            "lambda",
            "effective_n",
        ];
        let mut records = Vec::new();
        for criterion in &self.criteria {
            for (_, key, interval) in criterion.rows() {
                let plus = key == "ppi_plus_plus";
                let optional = |value: Option<f64>| value.filter(|_| plus).map_or_else(String::new, |v| v.to_string());
                records.push(vec![
                    criterion.slice.clone(),
                    criterion.criterion.clone(),
                    criterion.measure.to_string(),
                    key.to_string(),
                    interval.estimate.to_string(),
                    interval.ci[0].to_string(),
                    interval.ci[1].to_string(),
                    interval.n_labeled.to_string(),
                    interval.n_unlabeled.to_string(),
                    optional(criterion.lambda),
                    optional(criterion.effective_n),
                ]);
            }
        }
        csv_rows(&header, records)
    }
}

/// `gate --max-rate CRITERION=VALUE:X`: the rate of VALUE (a binary criterion's failing
/// option) may not exceed X, judged by the upper bound of its interval.
#[derive(Debug, Clone, PartialEq)]
pub struct MaxRate {
    pub criterion: String,
    pub value: String,
    pub max: f64,
}

impl std::str::FromStr for MaxRate {
    type Err = String;

    fn from_str(text: &str) -> Result<MaxRate, String> {
        let expected = || format!("expected CRITERION=VALUE:X (e.g. correct=fail:0.15), got `{text}`");
        let (criterion, rest) = text.split_once('=').ok_or_else(expected)?;
        let (value, max) = rest.rsplit_once(':').ok_or_else(expected)?;
        let max: f64 = max.trim().parse().map_err(|_| expected())?;
        let (criterion, value) = (criterion.trim(), value.trim());
        if criterion.is_empty() || value.is_empty() || !(0.0..=1.0).contains(&max) {
            return Err(format!("{}; X is a rate between 0 and 1", expected()));
        }
        Ok(MaxRate { criterion: criterion.to_string(), value: value.to_string(), max })
    }
}

/// One gate check per limit: the upper bound of the rate's interval by `method` (not the
/// judge alone, which is biased) against the limit. A rate without that estimate fails,
/// saying why. `Err` names a limit that is not the failing option of a binary criterion.
pub fn rate_checks(
    report: &EstimateReport,
    rubric: &crate::model::Rubric,
    limits: &[MaxRate],
    method: Method,
) -> Result<Vec<super::gate::Check>, String> {
    let mut checks = Vec::new();
    for limit in limits {
        let criterion = rubric.criterion(&limit.criterion).filter(|c| c.kind == Kind::Binary).ok_or_else(|| {
            format!("--max-rate {}: rubric {} has no binary criterion of that id", limit.criterion, rubric.name)
        })?;
        let fail = criterion.options.get(1).map(|option| option.value.as_str()).unwrap_or_default();
        if limit.value != fail {
            return Err(format!(
                "--max-rate {}={}: a rate is of the failing option, `{fail}`",
                limit.criterion, limit.value
            ));
        }
        let estimate = report.criteria.iter().find(|c| c.criterion == limit.criterion);
        let chosen = estimate.and_then(|estimate| match method {
            Method::Ppi => estimate.ppi.as_ref(),
            Method::Human => estimate.human.as_ref(),
            _ => estimate.ppi_plus_plus.as_ref(),
        });
        // PPI needs judged items no human labeled; where there are none (every item
        // labeled), the humans' own rate is the whole answer, which is PPI++'s limit.
        let human = estimate.and_then(|estimate| estimate.human.as_ref());
        let (used, interval) = match (chosen, human) {
            (Some(interval), _) => (method.name(), Some(interval)),
            (None, Some(interval)) => ("human", Some(interval)),
            (None, None) => (method.name(), None),
        };
        let value = interval.map(|interval| interval.ci[1]);
        let note = if value.is_none() {
            Some(format!("no {used} estimate: it needs at least 2 labeled items"))
        } else if used != method.name() {
            Some(format!("no {} estimate (no unlabeled judged items): the human rate is used", method.name()))
        } else {
            None
        };
        checks.push(super::gate::Check {
            criterion: limit.criterion.clone(),
            statistic: format!("{used} rate of {} CI high", limit.value),
            value,
            threshold: limit.max,
            minimum: false,
            passed: value.is_some_and(|value| value <= limit.max),
            note,
        });
    }
    Ok(checks)
}
