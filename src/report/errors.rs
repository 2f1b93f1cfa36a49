//! `tally report errors`: where and how the model fails. Per slice of the items (a
//! metadata field, or the dataset): the rate of failing each binary criterion and of each
//! defect tag with Wilson intervals; two slices compared (Newcombe's interval of the
//! difference and the two-proportion z-test); the most frequent tag combinations; and
//! clusters of the comments raters left on failed items.
//!
//! A step-scope criterion counts (item, step) units: its rates are over the steps it was
//! given on, and `--by tool` / `--by step_kind` slice those steps by the tool they call
//! (or answer) and by their kind; item-scope rates have no tool and are left out then.
//!
//! Every value is an item's consensus ([`crate::model::consensus::decide_item`], majority,
//! adjudication wins, `when` honoured): a binary criterion fails when its consensus is its second option,
//! a tag counts when it is in the consensus tag set and the tags criterion applies (its
//! `when` holds for the consensus values).

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;

use super::judge::{bounds_cell, group_of, p_cell};
use super::table::{Document, Table};
use super::{Rendered, csv_rows, figure};
use crate::model::consensus::{Method, RaterValues, decide_item, decide_steps};
use crate::model::label::split_step_key;
use crate::model::rubric::Scope;
use crate::model::{Kind, LabelValue};
use crate::stats::proportion::{newcombe_difference, two_proportion_z_test, wilson};
use crate::stats::text_clusters::cluster_texts;
use crate::store::{Batch, LabelScope, LabelSet, Store, StoreError, StoredRubric};

/// `--by` values that slice steps rather than items.
pub const STEP_FIELDS: [&str; 2] = ["tool", "step_kind"];

/// Confidence level of every interval in the report.
pub const CONFIDENCE: f64 = 0.95;
/// Two comments (or clusters, on average) at least this alike in words (Jaccard) group.
pub const SIMILARITY_THRESHOLD: f64 = 0.3;
const TOP_COMBINATIONS: usize = 10;
const TOP_CLUSTERS: usize = 10;
/// Example item ids per tag combination, and representative comments per cluster.
const EXAMPLES: usize = 3;
/// The one slice without `--by` (items without the `--by` field are the slice `(none)`).
const ALL: &str = "all";

/// `--compare FIELD=A,B`: slice A of FIELD against slice B.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compare {
    pub field: String,
    pub a: String,
    pub b: String,
}

impl FromStr for Compare {
    type Err = String;

    fn from_str(text: &str) -> Result<Compare, String> {
        let expected = || format!("expected FIELD=A,B (e.g. model=v1,v2), got `{text}`");
        let (field, values) = text.split_once('=').ok_or_else(expected)?;
        let (a, b) = values.split_once(',').ok_or_else(expected)?;
        let (field, a, b) = (field.trim(), a.trim(), b.trim());
        if field.is_empty() || a.is_empty() || b.is_empty() || b.contains(',') {
            return Err(expected());
        }
        if a == b {
            return Err(format!("compare two different values of {field}, not `{a}` with itself"));
        }
        Ok(Compare { field: field.to_string(), a: a.to_string(), b: b.to_string() })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ErrorsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A slice named by `--compare` has no labeled items: the user's mistake, not the data's.
    #[error("{0}")]
    EmptySlice(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorsReport {
    pub rubric: String,
    pub rubric_version: u32,
    pub batch: Option<String>,
    /// The field the slices are values of; `null` for the one slice `all`.
    pub by: Option<String>,
    pub confidence: f64,
    /// Items with at least one label.
    pub items: usize,
    /// Items failing a binary criterion or with a defect tag.
    pub failed_items: usize,
    /// (item, step) units with a step-scope label.
    pub steps: usize,
    pub slices: Vec<Slice>,
    pub comparison: Option<Comparison>,
    pub tag_combinations: Vec<TagCombination>,
    /// Comments and text answers on failed items, all of which were clustered.
    pub comments: usize,
    pub similarity_threshold: f64,
    /// Clusters of two comments or more, largest first.
    pub comment_clusters: Vec<CommentCluster>,
    /// Golden-set labels not counted (golden sets are not raters; `--include-golden`).
    pub golden_labels_left_out: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slice {
    pub slice: String,
    pub items: usize,
    pub failed_items: usize,
    /// (item, step) units with a step-scope label in the slice.
    pub steps: usize,
    pub rates: Vec<Rate>,
}

/// How often one thing goes wrong in a slice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rate {
    pub criterion: String,
    /// `item`, or `step` when the rate is over (item, step) units.
    pub scope: Scope,
    /// `binary` (failing the criterion) or `tags` (having the tag).
    pub kind: &'static str,
    /// The fail value of a binary criterion, or the tag.
    pub value: String,
    pub count: u64,
    /// Items with a consensus on the binary criterion; for tags, the labeled items.
    pub n: u64,
    pub rate: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub field: String,
    pub a: String,
    pub b: String,
    pub items_a: usize,
    pub items_b: usize,
    pub rates: Vec<RateDifference>,
}

/// One rate in slice A against slice B: `difference` = rate A - rate B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateDifference {
    pub criterion: String,
    pub kind: &'static str,
    pub value: String,
    pub count_a: u64,
    pub n_a: u64,
    pub rate_a: Option<f64>,
    pub count_b: u64,
    pub n_b: u64,
    pub rate_b: Option<f64>,
    pub difference: Option<f64>,
    /// Newcombe's hybrid score interval of the difference.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Two-proportion z-test, pooled standard error; two-sided p.
    pub z: Option<f64>,
    pub p_value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagCombination {
    /// The tags, sorted (prefixed `criterion:` when the rubric has several tags criteria).
    pub tags: Vec<String>,
    /// Failed items whose consensus tags are exactly these.
    pub count: usize,
    /// Up to three of their ids, sorted.
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommentCluster {
    /// Comments in the cluster.
    pub size: usize,
    /// Distinct items they are on.
    pub items: usize,
    pub top_terms: Vec<String>,
    /// Up to three distinct comments, most central first.
    pub comments: Vec<ClusterComment>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterComment {
    pub item: String,
    pub text: String,
}

/// One item's consensus outcome.
struct Outcome {
    id: String,
    slice: String,
    compared: Option<String>,
    /// Per binary criterion (rubric order): whether its consensus is the fail value;
    /// `None` without a consensus.
    fails: Vec<Option<bool>>,
    /// Per tags criterion (rubric order): the consensus tags, empty where it does not apply.
    tags: Vec<BTreeSet<String>>,
    /// Text answers (text criteria) given on the item.
    texts: Vec<String>,
}

impl Outcome {
    fn failed(&self) -> bool {
        self.fails.contains(&Some(true)) || self.tags.iter().any(|tags| !tags.is_empty())
    }
}

/// What a rate counts: the fail value of the `index`-th binary criterion, or a tag of the
/// `index`-th tags criterion.
struct RateKey {
    criterion: String,
    scope: Scope,
    kind: Kind,
    index: usize,
    value: String,
}

impl RateKey {
    /// (count, n) over `outcomes`.
    fn count<'a>(&self, outcomes: impl IntoIterator<Item = &'a Outcome>) -> (u64, u64) {
        let (mut count, mut n) = (0, 0);
        for outcome in outcomes {
            match self.kind {
                Kind::Binary => {
                    if let Some(fail) = outcome.fails[self.index] {
                        n += 1;
                        count += u64::from(fail);
                    }
                }
                _ => {
                    n += 1;
                    count += u64::from(outcome.tags[self.index].contains(&self.value));
                }
            }
        }
        (count, n)
    }

    fn rate(&self, count: u64, n: u64) -> Rate {
        let interval = wilson(count, n, CONFIDENCE);
        Rate {
            criterion: self.criterion.clone(),
            scope: self.scope,
            kind: self.kind.name(),
            value: self.value.clone(),
            count,
            n,
            rate: (n > 0).then(|| count as f64 / n as f64),
            ci_low: interval.map(|ci| ci.0),
            ci_high: interval.map(|ci| ci.1),
        }
    }
}

pub fn from_store(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    by: Option<&str>,
    compare: Option<&Compare>,
    include_golden: bool,
) -> Result<ErrorsReport, ErrorsError> {
    let labels = store.label_set(LabelScope { rubric: &rubric.rubric.name, batch_id: batch.map(|b| b.id) })?;
    from_labels(store, rubric, batch, &labels, by, compare, include_golden)
}

/// The errors report over labels already read (`report all` reads them once).
pub fn from_labels(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    labels: &LabelSet,
    by: Option<&str>,
    compare: Option<&Compare>,
    include_golden: bool,
) -> Result<ErrorsReport, ErrorsError> {
    let definition = &rubric.rubric;
    let scope = LabelScope { rubric: &definition.name, batch_id: batch.map(|b| b.id) };
    let golden_labels_left_out = labels.golden_left_out(include_golden);
    let adjudicated: BTreeMap<(i64, String), Value> =
        store.adjudications(scope)?.into_iter().map(|a| ((a.item_id, a.criterion), a.value)).collect();
    let tags_criteria = definition.criteria.iter().filter(|c| c.kind == Kind::Tags).count();

    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut step_outcomes: Vec<Outcome> = Vec::new();
    // Labels come sorted by item external id, so each item's labels are contiguous.
    labels.each_item(include_golden, |item_labels| -> Result<(), ErrorsError> {
        let item_id = item_labels[0].item_id;
        // The fields to slice by, not the texts: those only for the steps.
        let item = store.item_scores(item_id)?;
        let mut by_rater: RaterValues = BTreeMap::new();
        // Step-scope values by step, then rater, under their plain criterion ids.
        let mut by_step: BTreeMap<u32, RaterValues> = BTreeMap::new();
        let mut texts = Vec::new();
        for label in item_labels {
            let (criterion_id, step) = split_step_key(label.criterion);
            let Some(criterion) = definition.criterion(criterion_id) else { continue };
            match (criterion.parse_json(label.value), step) {
                (Ok(LabelValue::Text(text)), _) if !text.trim().is_empty() => texts.push(text),
                (Ok(value), None) if criterion.scope == Scope::Item => {
                    by_rater.entry(label.rater).or_default().insert(criterion.id.clone(), value);
                }
                (Ok(value), Some(step)) if criterion.scope == Scope::Step => {
                    by_step
                        .entry(step)
                        .or_default()
                        .entry(label.rater)
                        .or_default()
                        .insert(criterion.id.clone(), value);
                }
                _ => {}
            }
        }
        if !by_step.is_empty() {
            let steps = store.item(item_id)?.steps();
            let adjudicated_step = |step: u32, index: usize| {
                let criterion = &definition.criteria[index];
                adjudicated.get(&(item_id, crate::model::label::step_key(&criterion.id, step)))
            };
            for (step, decisions) in decide_steps(definition, &by_rater, &by_step, adjudicated_step, Method::Majority) {
                let known = steps.get(step as usize - 1);
                let slice = match by {
                    Some("tool") => known.and_then(|s| s.tool.clone()).unwrap_or_else(|| "(none)".to_string()),
                    Some("step_kind") => known.map_or("(none)", |s| s.kind.name()).to_string(),
                    Some(field) => group_of(&item, field),
                    None => ALL.to_string(),
                };
                step_outcomes.push(outcome_of(
                    definition,
                    decisions,
                    Scope::Step,
                    format!("{}@{step}", item.id),
                    slice,
                    compare.map(|compare| group_of(&item, &compare.field)),
                    Vec::new(),
                ));
            }
        }
        let adjudications: Vec<Option<&Value>> =
            definition.criteria.iter().map(|c| adjudicated.get(&(item_id, c.id.clone()))).collect();
        if by_rater.is_empty() && texts.is_empty() {
            return Ok(()); // Only step labels: no item outcome.
        }
        let decisions =
            decide_item(definition, &by_rater.values().collect::<Vec<_>>(), &adjudications, Method::Majority);
        let slice = by.map_or_else(|| ALL.to_string(), |field| group_of(&item, field));
        let compared = compare.map(|compare| group_of(&item, &compare.field));
        outcomes.push(outcome_of(definition, decisions, Scope::Item, item.id, slice, compared, texts));
        Ok(())
    })?;

    let mut keys = Vec::new();
    let (mut binary_index, mut tags_index) = (0, 0);
    for criterion in &definition.criteria {
        match criterion.kind {
            Kind::Binary => {
                if let Some(fail) = criterion.options.get(1) {
                    let (id, kind, value) = (criterion.id.clone(), Kind::Binary, fail.value.clone());
                    keys.push(RateKey { criterion: id, scope: criterion.scope, kind, index: binary_index, value });
                }
                binary_index += 1;
            }
            Kind::Tags => {
                for option in &criterion.options {
                    let (id, kind, value) = (criterion.id.clone(), Kind::Tags, option.value.clone());
                    keys.push(RateKey { criterion: id, scope: criterion.scope, kind, index: tags_index, value });
                }
                tags_index += 1;
            }
            _ => {}
        }
    }

    // Slicing steps by tool or kind: the item-scope rates have no such slice.
    if by.is_some_and(|field| STEP_FIELDS.contains(&field)) {
        keys.retain(|key| key.scope == Scope::Step);
    }
    let mut by_slice: BTreeMap<&str, (Vec<&Outcome>, Vec<&Outcome>)> = BTreeMap::new();
    let slicing_steps = by.is_some_and(|field| STEP_FIELDS.contains(&field));
    for outcome in outcomes.iter().filter(|_| !slicing_steps) {
        by_slice.entry(&outcome.slice).or_default().0.push(outcome);
    }
    for outcome in &step_outcomes {
        by_slice.entry(&outcome.slice).or_default().1.push(outcome);
    }
    let slices = by_slice
        .into_iter()
        .map(|(name, (items, steps))| Slice {
            slice: name.to_string(),
            items: items.len(),
            failed_items: items.iter().filter(|outcome| outcome.failed()).count(),
            steps: steps.len(),
            rates: keys
                .iter()
                .map(|key| {
                    let members = if key.scope == Scope::Step { &steps } else { &items };
                    let (count, n) = key.count(members.iter().copied());
                    key.rate(count, n)
                })
                .collect(),
        })
        .collect();

    let comparison = compare.map(|compare| comparison(compare, &outcomes, &keys)).transpose()?;
    let failed: Vec<&Outcome> = outcomes.iter().filter(|outcome| outcome.failed()).collect();
    let (comments, comment_clusters) = comment_clusters(labels, &failed);
    Ok(ErrorsReport {
        rubric: definition.name.clone(),
        rubric_version: definition.version,
        batch: batch.map(|b| b.name.clone()),
        by: by.map(str::to_string),
        confidence: CONFIDENCE,
        items: outcomes.len(),
        failed_items: failed.len(),
        steps: step_outcomes.len(),
        slices,
        comparison,
        tag_combinations: tag_combinations(definition, &failed, tags_criteria > 1),
        comments,
        similarity_threshold: SIMILARITY_THRESHOLD,
        comment_clusters,
        golden_labels_left_out,
    })
}

/// An item's (or a step's) outcome from its consensus decisions: the criteria of `scope`
/// only, so a step's outcome counts its step-scope rates and an item's its item rates.
fn outcome_of(
    definition: &crate::model::Rubric,
    decisions: Vec<Option<crate::model::consensus::Decision>>,
    scope: Scope,
    id: String,
    slice: String,
    compared: Option<String>,
    texts: Vec<String>,
) -> Outcome {
    let mut consensus: BTreeMap<String, LabelValue> = BTreeMap::new();
    for (criterion, decision) in definition.criteria.iter().zip(decisions) {
        // A tie has no value (`null`), so it is no consensus.
        if let Some(value) = decision.and_then(|decision| criterion.parse_json(&decision.value).ok()) {
            consensus.insert(criterion.id.clone(), value);
        }
    }
    let mut fails = Vec::new();
    let mut tags = Vec::new();
    for (index, criterion) in definition.criteria.iter().enumerate() {
        let in_scope = criterion.scope == scope;
        match criterion.kind {
            Kind::Binary => fails.push(match (consensus.get(&criterion.id), criterion.options.get(1)) {
                (Some(LabelValue::Choice(value)), Some(fail)) if in_scope => Some(*value == fail.value),
                _ => None,
            }),
            Kind::Tags => tags.push(match consensus.get(&criterion.id) {
                Some(LabelValue::Tags(chosen)) if in_scope && definition.applies(index, &consensus) => chosen.clone(),
                _ => BTreeSet::new(),
            }),
            _ => {}
        }
    }
    Outcome { id, slice, compared, fails, tags, texts }
}

fn comparison(compare: &Compare, outcomes: &[Outcome], keys: &[RateKey]) -> Result<Comparison, ErrorsError> {
    let members = |value: &str| -> Vec<&Outcome> {
        outcomes.iter().filter(|outcome| outcome.compared.as_deref() == Some(value)).collect()
    };
    let (a, b) = (members(&compare.a), members(&compare.b));
    for (value, found) in [(&compare.a, &a), (&compare.b, &b)] {
        if found.is_empty() {
            let known: BTreeSet<&str> = outcomes.iter().filter_map(|outcome| outcome.compared.as_deref()).collect();
            let known: Vec<&str> = known.into_iter().collect();
            let shown = if known.len() > 10 { format!("{}, ...", known[..10].join(", ")) } else { known.join(", ") };
            return Err(ErrorsError::EmptySlice(format!(
                "--compare {}={},{}: no labeled item has {} = `{value}` (values found: {})",
                compare.field,
                compare.a,
                compare.b,
                compare.field,
                if shown.is_empty() { "none".to_string() } else { shown }
            )));
        }
    }
    let rates = keys
        .iter()
        .map(|key| {
            let (count_a, n_a) = key.count(a.iter().copied());
            let (count_b, n_b) = key.count(b.iter().copied());
            let difference = newcombe_difference(count_a, n_a, count_b, n_b, CONFIDENCE);
            let test = two_proportion_z_test(count_a, n_a, count_b, n_b);
            RateDifference {
                criterion: key.criterion.clone(),
                kind: key.kind.name(),
                value: key.value.clone(),
                count_a,
                n_a,
                rate_a: (n_a > 0).then(|| count_a as f64 / n_a as f64),
                count_b,
                n_b,
                rate_b: (n_b > 0).then(|| count_b as f64 / n_b as f64),
                difference: difference.map(|d| d.estimate),
                ci_low: difference.map(|d| d.ci_low),
                ci_high: difference.map(|d| d.ci_high),
                z: test.map(|t| t.z),
                p_value: test.map(|t| t.p_value),
            }
        })
        .collect();
    Ok(Comparison {
        field: compare.field.clone(),
        a: compare.a.clone(),
        b: compare.b.clone(),
        items_a: a.len(),
        items_b: b.len(),
        rates,
    })
}

/// The failed items' tag sets, most frequent first, ties by the combination's text.
fn tag_combinations(definition: &crate::model::Rubric, failed: &[&Outcome], prefixed: bool) -> Vec<TagCombination> {
    let names: Vec<&str> = definition.criteria.iter().filter(|c| c.kind == Kind::Tags).map(|c| c.id.as_str()).collect();
    let mut combinations: BTreeMap<Vec<String>, Vec<&str>> = BTreeMap::new();
    for outcome in failed {
        let mut tags: Vec<String> = Vec::new();
        for (criterion, chosen) in names.iter().zip(&outcome.tags) {
            tags.extend(chosen.iter().map(|tag| if prefixed { format!("{criterion}:{tag}") } else { tag.clone() }));
        }
        if !tags.is_empty() {
            tags.sort();
            // Outcomes are in item id order, so the examples are too.
            combinations.entry(tags).or_default().push(&outcome.id);
        }
    }
    let mut combinations: Vec<TagCombination> = combinations
        .into_iter()
        .map(|(tags, items)| TagCombination {
            count: items.len(),
            examples: items.iter().take(EXAMPLES).map(|id| id.to_string()).collect(),
            tags,
        })
        .collect();
    combinations.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| combination_text(a).cmp(&combination_text(b))));
    combinations.truncate(TOP_COMBINATIONS);
    combinations
}

fn combination_text(combination: &TagCombination) -> String {
    combination.tags.join(" + ")
}

/// Raters' comments and text answers on failed items, clustered; the count of texts and
/// the clusters of two or more.
fn comment_clusters<'a>(labels: &'a LabelSet, failed: &[&'a Outcome]) -> (usize, Vec<CommentCluster>) {
    let failed_ids: BTreeSet<&str> = failed.iter().map(|outcome| outcome.id.as_str()).collect();
    // Every rater's comments, golden sets' too; blank ones (spaces, as SQLite's trim
    // reads blank) say nothing.
    let mut texts: Vec<(&str, &str)> = labels
        .labels(true)
        .filter_map(|label| Some((label.item, label.comment.filter(|text| !text.trim_matches(' ').is_empty())?)))
        .filter(|(item, _)| failed_ids.contains(item))
        .collect();
    for outcome in failed {
        texts.extend(outcome.texts.iter().map(|text| (outcome.id.as_str(), text.as_str())));
    }
    let clusters = cluster_texts(&texts, SIMILARITY_THRESHOLD)
        .into_iter()
        .filter(|cluster| cluster.members.len() >= 2)
        .take(TOP_CLUSTERS)
        .map(|cluster| {
            let items: BTreeSet<&str> = cluster.members.iter().map(|index| texts[*index].0).collect();
            let mut shown: Vec<ClusterComment> = Vec::new();
            for (item, text) in cluster.members.iter().map(|index| texts[*index]) {
                if shown.len() < EXAMPLES && !shown.iter().any(|comment| comment.text == text) {
                    shown.push(ClusterComment { item: item.to_string(), text: text.to_string() });
                }
            }
            CommentCluster {
                size: cluster.members.len(),
                items: items.len(),
                top_terms: cluster.top_terms,
                comments: shown,
            }
        })
        .collect();
    (texts.len(), clusters)
}

/// "correct: fail", "defects: hallucination".
fn rate_name(criterion: &str, value: &str) -> String {
    format!("{criterion}: {value}")
}

fn signed(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |value| format!("{value:+.3}"))
}

/// Comments are cut, at a word, for the table view (80 columns); JSON carries them whole.
fn shortened(text: &str) -> String {
    const LIMIT: usize = 56;
    let mut out = String::new();
    for word in text.split_whitespace() {
        let length = out.chars().count() + usize::from(!out.is_empty()) + word.chars().count();
        if length > LIMIT {
            // A first word longer than the limit is cut inside.
            if out.is_empty() {
                out = word.chars().take(LIMIT - 1).collect();
            }
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

impl Rendered for ErrorsReport {
    fn document(&self) -> Document {
        let scope = match &self.batch {
            Some(batch) => format!("batch {batch}"),
            None => "all labels".to_string(),
        };
        let by = self.by.as_ref().map_or_else(String::new, |field| format!(", by {field}"));
        let mut document = Document::default();
        document.heading(format!("Errors: rubric {} v{}, {scope}{by}", self.rubric, self.rubric_version));
        document.paragraph(format!(
            "{} labeled items, {} failed (a failed binary criterion or a defect tag).\n\
             Values are each item's consensus: the raters' majority, or an adjudication.",
            self.items, self.failed_items
        ));
        if let Some(note) = super::golden_note(self.golden_labels_left_out) {
            document.paragraph(note);
        }

        let with_steps = self.steps > 0;
        // Slicing steps by tool or kind: the slices hold steps only, and a criterion asked
        // of other kinds of step has no rate in them.
        let slicing_steps = self.by.as_deref().is_some_and(|by| STEP_FIELDS.contains(&by));
        let columns: &[&str] = match (slicing_steps, with_steps) {
            (true, _) => &["slice", ">steps"],
            (false, true) => &["slice", ">items", ">failed", ">steps"],
            (false, false) => &["slice", ">items", ">failed"],
        };
        let mut table = Table::new(columns);
        for slice in &self.slices {
            let mut row = vec![slice.slice.clone()];
            if !slicing_steps {
                row.extend([slice.items.to_string(), slice.failed_items.to_string()]);
            }
            if with_steps {
                row.push(slice.steps.to_string());
            }
            table.row(row);
        }
        document.table(table);

        let mut table = Table::new(&["slice", "failure", ">rate", ">95% CI", ">k/n"]);
        for slice in &self.slices {
            let shown = slice.rates.iter().filter(|rate| !(slicing_steps && rate.n == 0));
            for (index, rate) in shown.enumerate() {
                let name = if index == 0 { slice.slice.clone() } else { String::new() };
                table.row(vec![
                    name,
                    match rate.scope {
                        Scope::Item => rate_name(&rate.criterion, &rate.value),
                        Scope::Step => format!("{} (steps)", rate_name(&rate.criterion, &rate.value)),
                    },
                    figure(rate.rate),
                    bounds_cell(rate.ci_low, rate.ci_high),
                    format!("{}/{}", rate.count, rate.n),
                ]);
            }
        }
        document.table(table);
        document.paragraph(
            "rate: share of items failing the criterion (n: items with a consensus on it)\n\
             or having the tag (n: labeled items). CI: Wilson 95%.",
        );
        if with_steps {
            document.paragraph(
                "(steps): a step-scope criterion, counted over the (item, step) units it was\n\
                 given on; --by tool or --by step_kind slices those steps.",
            );
        }

        if let Some(comparison) = &self.comparison {
            document.heading(format!(
                "{} = {} (A, {} items) against {} (B, {} items)",
                comparison.field, comparison.a, comparison.items_a, comparison.b, comparison.items_b
            ));
            let mut table = Table::new(&["failure", ">A", ">B", ">A - B", ">95% CI", ">z", ">p"]);
            for rate in &comparison.rates {
                table.row(vec![
                    rate_name(&rate.criterion, &rate.value),
                    figure(rate.rate_a),
                    figure(rate.rate_b),
                    signed(rate.difference),
                    bounds_cell(rate.ci_low, rate.ci_high),
                    rate.z.map_or_else(|| "-".to_string(), |z| format!("{z:.2}")),
                    p_cell(rate.p_value),
                ]);
            }
            document.table(table);
            document.paragraph(
                "CI: Newcombe's hybrid score interval of the difference. z, p: two-proportion\n\
                 z-test (pooled), two-sided; k/n of each side in --format json or csv.",
            );
        }

        document.heading("Defect tag combinations on failed items");
        if self.tag_combinations.is_empty() {
            document.paragraph("No failed item has a defect tag.");
        } else {
            let mut table = Table::new(&["tags", ">items", "examples"]);
            for combination in &self.tag_combinations {
                table.row(vec![
                    combination_text(combination),
                    combination.count.to_string(),
                    combination.examples.join(", "),
                ]);
            }
            document.table(table);
        }

        document.heading(format!(
            "Comment clusters: {} comments on failed items, average-link Jaccard >= {}",
            self.comments, self.similarity_threshold
        ));
        if self.comment_clusters.is_empty() {
            document.paragraph("No two comments are alike enough to group.");
        } else {
            let mut table = Table::new(&[">#", ">size", "item", "comment (most central first)"]);
            for (number, cluster) in self.comment_clusters.iter().enumerate() {
                for (index, comment) in cluster.comments.iter().enumerate() {
                    let (number, size) = if index == 0 {
                        ((number + 1).to_string(), cluster.size.to_string())
                    } else {
                        Default::default()
                    };
                    table.row(vec![number, size, comment.item.clone(), shortened(&comment.text)]);
                }
                let items = if cluster.items == 1 { "1 item".to_string() } else { format!("{} items", cluster.items) };
                let terms = match cluster.top_terms.as_slice() {
                    [] => format!("({items})"),
                    terms => format!("({items}; terms: {})", terms.join(", ")),
                };
                table.row(vec![String::new(), String::new(), String::new(), terms]);
            }
            document.table(table);
            document.paragraph("size: comments in the cluster; up to three distinct ones are shown.");
        }
        document
    }

    fn csv(&self) -> String {
        let number = |value: Option<f64>| value.map_or_else(String::new, |v| v.to_string());
        let mut records = Vec::new();
        for slice in &self.slices {
            for rate in &slice.rates {
                records.push(vec![
                    "rate".to_string(),
                    slice.slice.clone(),
                    rate.criterion.clone(),
                    rate.value.clone(),
                    rate.count.to_string(),
                    rate.n.to_string(),
                    number(rate.rate),
                    number(rate.ci_low),
                    number(rate.ci_high),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
        }
        if let Some(comparison) = &self.comparison {
            let slice = format!("{}={} - {}={}", comparison.field, comparison.a, comparison.field, comparison.b);
            for rate in &comparison.rates {
                records.push(vec![
                    "difference".to_string(),
                    slice.clone(),
                    rate.criterion.clone(),
                    rate.value.clone(),
                    format!("{} - {}", rate.count_a, rate.count_b),
                    format!("{} - {}", rate.n_a, rate.n_b),
                    number(rate.difference),
                    number(rate.ci_low),
                    number(rate.ci_high),
                    number(rate.z),
                    number(rate.p_value),
                    String::new(),
                ]);
            }
        }
        for combination in &self.tag_combinations {
            records.push(vec![
                "tag_combination".to_string(),
                ALL.to_string(),
                String::new(),
                combination.tags.join(";"),
                combination.count.to_string(),
                self.failed_items.to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                combination.examples.join(";"),
            ]);
        }
        for cluster in &self.comment_clusters {
            records.push(vec![
                "comment_cluster".to_string(),
                ALL.to_string(),
                String::new(),
                cluster.top_terms.join(";"),
                cluster.size.to_string(),
                self.comments.to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                cluster.comments.iter().map(|comment| comment.item.as_str()).collect::<Vec<_>>().join(";"),
            ]);
        }
        csv_rows(
            &[
                "section",
                "slice",
                "criterion",
                "value",
                "count",
                "n",
                "estimate",
                "ci_low",
                "ci_high",
                "z",
                "p_value",
                "examples",
            ],
            records,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_parses_field_and_two_values() {
        let parsed: Compare = "model=v1, v2".parse().unwrap();
        assert_eq!(parsed, Compare { field: "model".into(), a: "v1".into(), b: "v2".into() });
        for bad in ["model", "model=v1", "=a,b", "model=a,", "model=a,b,c"] {
            assert!(bad.parse::<Compare>().unwrap_err().contains("FIELD=A,B"), "{bad}");
        }
        assert!("model=a,a".parse::<Compare>().unwrap_err().contains("itself"));
    }

    #[test]
    fn long_comments_are_shortened_for_the_table() {
        assert_eq!(shortened("short\n  one"), "short one");
        let cut = shortened(&"word ".repeat(30));
        assert_eq!(cut, format!("{}…", ["word"; 11].join(" ")));
        assert_eq!(shortened(&"x".repeat(80)).chars().count(), 56);
    }
}
