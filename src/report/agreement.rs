//! Inter-annotator agreement per criterion, from the store or from a ratings file:
//! Krippendorff's alpha, percent agreement, Fleiss' kappa, Gwet's AC1/AC2, Cohen's kappa
//! for every rater pair and for each rater against the others, with bootstrap intervals.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::chart::Chart;
use super::table::{Document, Table};
use super::{Rendered, csv_rows, figure};
use crate::io::ratings::RatingsTable;
use crate::model::label::split_step_key;
use crate::model::rubric::{NO_STEP, Scope};
use crate::model::{Criterion, Kind, LabelValue};
use crate::stats::alpha::{AlphaPatterns, alpha_by_distance};
use crate::stats::bootstrap::{Patterns, pattern_intervals, percentile_interval};
use crate::stats::categorical::{
    Categorical, Contingency, Kappa, MISSING, MultiRater, Weighting, consensus_table, consensus_without, pair_table,
    weights,
};
use crate::stats::{Alpha, Level, Units, krippendorff_alpha, masi_distance};
use crate::store::{Batch, LabelScope, LabelSet, Store, StoreError, StoredRubric};

/// How the confidence interval is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    pub replicates: usize,
    pub seed: u64,
    pub confidence: f64,
}

impl Default for Bootstrap {
    fn default() -> Bootstrap {
        Bootstrap { replicates: 1000, seed: 1, confidence: 0.95 }
    }
}

/// Kappa-family coefficients need categories; beyond this many distinct numbers a
/// criterion is continuous and only alpha is reported.
pub const MAX_CATEGORIES: usize = 100;

/// Alpha with its interval and its n.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AlphaFigures {
    /// `null` when undefined; `undefined_reason` says why.
    pub alpha: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Units (items) with at least one rating.
    pub n_units: usize,
    /// Ratings in units with two or more ratings (Krippendorff's n).
    pub n_pairable: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undefined_reason: Option<&'static str>,
}

/// A bootstrap interval as `[low, high]`, `null` when there is none.
pub type Bounds = Option<[f64; 2]>;

/// Cohen's kappa three ways, for a pair of raters or a rater against the others.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KappaFigures {
    pub cohen_kappa: Option<f64>,
    pub cohen_kappa_linear: Option<f64>,
    pub cohen_kappa_quadratic: Option<f64>,
    /// Asymptotic standard errors (Fleiss, Cohen & Everitt 1969) of the three.
    pub se: Option<f64>,
    pub se_linear: Option<f64>,
    pub se_quadratic: Option<f64>,
    /// Units both sides rated.
    pub n: usize,
    /// Bootstrap intervals by coefficient name.
    pub intervals: BTreeMap<&'static str, Bounds>,
    /// Why a coefficient is `null`, by coefficient name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub undefined: BTreeMap<&'static str, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairAgreement {
    pub raters: [String; 2],
    #[serde(flatten)]
    pub kappas: KappaFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaterAgreement {
    /// This rater against the consensus of the others (majority, or median for ordered
    /// categories; units where the others tie are left out).
    pub rater: String,
    #[serde(flatten)]
    pub kappas: KappaFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionAgreement {
    pub criterion: String,
    /// `item`, or `step` when each (item, step) is a unit.
    pub scope: Scope,
    /// nominal, ordinal, interval, ratio, or masi for tag sets.
    pub level: &'static str,
    #[serde(flatten)]
    pub figures: AlphaFigures,
    pub n_raters: usize,
    pub n_ratings: usize,
    pub confidence: f64,
    pub bootstrap_replicates: usize,
    /// The categories of the kappa-family coefficients, in order.
    pub categories: Vec<String>,
    /// Mean over units rated twice or more of the share of agreeing rating pairs.
    pub percent_agreement: Option<f64>,
    pub fleiss_kappa: Option<f64>,
    pub gwet_ac1: Option<f64>,
    pub gwet_ac2_linear: Option<f64>,
    pub gwet_ac2_quadratic: Option<f64>,
    /// Units rated twice or more: the n of the coefficients above.
    pub n_pairable_units: usize,
    /// Bootstrap intervals of the coefficients above, by name.
    pub intervals: BTreeMap<&'static str, Bounds>,
    /// Why a coefficient is `null`, by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub undefined: BTreeMap<&'static str, String>,
    pub pairwise: Vec<PairAgreement>,
    pub leave_one_out: Vec<RaterAgreement>,
    /// For tags criteria: nominal alpha of each tag's presence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub per_tag: Vec<TagAgreement>,
    /// For `step` criteria: how often two raters chose steps at most one apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within_one_step: Option<WithinOneStep>,
}

/// The share of rater pairs on one item whose chosen steps are at most one apart (both
/// `none` agrees; `none` and a step do not).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WithinOneStep {
    pub share: Option<f64>,
    /// Rater pairs on the same item.
    pub n_pairs: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagAgreement {
    pub tag: String,
    #[serde(flatten)]
    pub figures: AlphaFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementReport {
    pub rubric: String,
    pub rubric_version: u32,
    pub batch: Option<String>,
    pub items: usize,
    pub raters: Vec<String>,
    pub criteria: Vec<CriterionAgreement>,
    /// Golden-set labels not counted (golden sets are not raters; `--include-golden`).
    pub golden_labels_left_out: usize,
}

/// Ratings as category codes with the categories' names, or why there are no categories.
type CategoryGrid = Result<(Categorical, Vec<String>), String>;

/// Per distinct value of a ratings file its category code, then the categories' values
/// and names; or why there are no categories.
type ValueCategories = Result<(Vec<u32>, Vec<f64>, Vec<String>), String>;

/// One rating: (unit index, rater index, value).
pub type Rating = (usize, usize, LabelValue);

const MULTI_NAMES: [&str; 5] =
    ["percent_agreement", "fleiss_kappa", "gwet_ac1", "gwet_ac2_linear", "gwet_ac2_quadratic"];
const KAPPA_NAMES: [&str; 3] = ["cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic"];

/// Agreement on every criterion of `rubric` (text criteria have none) over the labels in
/// `batch`, or over all labels made under the rubric.
pub fn from_store(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    level: Option<Level>,
    bootstrap: Bootstrap,
    include_golden: bool,
) -> Result<AgreementReport, StoreError> {
    // The labels go once their ratings are taken: the statistics need only those.
    let labels = store.label_set(LabelScope { rubric: &rubric.rubric.name, batch_id: batch.map(|b| b.id) })?;
    let gathered = gather(rubric, &labels, include_golden);
    drop(labels);
    Ok(report(rubric, batch, gathered, level, bootstrap))
}

/// The agreement report over labels already read (`report all` reads them once).
pub fn from_labels(
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    labels: &LabelSet,
    level: Option<Level>,
    bootstrap: Bootstrap,
    include_golden: bool,
) -> AgreementReport {
    report(rubric, batch, gather(rubric, labels, include_golden), level, bootstrap)
}

/// The labels as ratings per criterion, raters numbered in name order.
struct Gathered {
    items: usize,
    raters: Vec<String>,
    ratings: Vec<Vec<Rating>>,
    golden_labels_left_out: usize,
}

fn gather(rubric: &StoredRubric, labels: &LabelSet, include_golden: bool) -> Gathered {
    let rubric_criteria = &rubric.rubric.criteria;
    // One pass over the labels, each kept only as its ratings (unit, rater, value): units
    // by first appearance (external id order), raters interned by first appearance, then
    // renumbered in name order.
    let mut units: HashMap<i64, usize> = HashMap::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    // Sized first: grown by doubling, a criterion's ratings would hold up to twice the
    // room they need while the labels are held too.
    let mut sizes = vec![0; rubric_criteria.len()];
    for label in labels.labels(include_golden) {
        if let Some(index) = rubric_criteria.iter().position(|c| c.id == split_step_key(label.criterion).0) {
            sizes[index] += 1;
        }
    }
    let mut ratings: Vec<Vec<Rating>> = sizes.into_iter().map(Vec::with_capacity).collect();
    // A step-scope criterion's units are (item, step) pairs, numbered per criterion.
    let mut step_units: Vec<HashMap<(i64, u32), usize>> = vec![HashMap::new(); rubric_criteria.len()];
    let golden_labels_left_out = labels.golden_left_out(include_golden);
    for label in labels.labels(include_golden) {
        let next = units.len();
        let item_unit = *units.entry(label.item_id).or_insert(next);
        let rater = match first_seen.get(label.rater) {
            Some(&rater) => rater,
            None => {
                first_seen.insert(label.rater.to_string(), first_seen.len());
                first_seen.len() - 1
            }
        };
        // Values an older rubric version allowed but this one does not are left out.
        let (criterion_id, step) = split_step_key(label.criterion);
        if let Some(index) = rubric_criteria.iter().position(|c| c.id == criterion_id)
            && let Ok(value) = rubric_criteria[index].parse_json(label.value)
        {
            let unit = match (rubric_criteria[index].scope, step) {
                (Scope::Item, None) => Some(item_unit),
                (Scope::Step, Some(step)) => {
                    let units = &mut step_units[index];
                    let next = units.len();
                    Some(*units.entry((label.item_id, step)).or_insert(next))
                }
                // A label of another scope than the criterion now has: an older version's.
                _ => None,
            };
            if let Some(unit) = unit {
                ratings[index].push((unit, rater, value));
            }
        }
    }
    let mut by_name: Vec<(String, usize)> = first_seen.into_iter().collect();
    by_name.sort();
    let mut renumber = vec![0; by_name.len()];
    for (sorted, (_, first)) in by_name.iter().enumerate() {
        renumber[*first] = sorted;
    }
    let raters: Vec<String> = by_name.into_iter().map(|(name, _)| name).collect();
    for rating in ratings.iter_mut().flatten() {
        rating.1 = renumber[rating.1];
    }
    Gathered { items: units.len(), raters, ratings, golden_labels_left_out }
}

fn report(
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    gathered: Gathered,
    level: Option<Level>,
    bootstrap: Bootstrap,
) -> AgreementReport {
    let mut criteria = Vec::new();
    for (criterion, ratings) in rubric.rubric.criteria.iter().zip(gathered.ratings) {
        if let Some(mut agreement) = criterion_agreement(criterion, &ratings, &gathered.raters, level, bootstrap) {
            agreement.scope = criterion.scope;
            criteria.push(agreement);
        }
    }
    AgreementReport {
        rubric: rubric.rubric.name.clone(),
        rubric_version: rubric.rubric.version,
        batch: batch.map(|b| b.name.clone()),
        items: gathered.items,
        raters: gathered.raters,
        criteria,
        golden_labels_left_out: gathered.golden_labels_left_out,
    }
}

/// Agreement on one criterion; `None` for text criteria. `level` overrides the level the
/// kind implies (tags always use MASI). `raters` names the rater indices.
pub fn criterion_agreement(
    criterion: &Criterion,
    ratings: &[Rating],
    raters: &[String],
    level: Option<Level>,
    bootstrap: Bootstrap,
) -> Option<CriterionAgreement> {
    let n_units = ratings.iter().map(|(unit, _, _)| unit + 1).max().unwrap_or(0);
    if criterion.kind == Kind::Tags {
        let sets = group(n_units, ratings, |value| match value {
            LabelValue::Tags(tags) => Some(tags.clone()),
            _ => None,
        });
        let masi = |units: &Units<_>| alpha_by_distance(units, Ord::cmp, masi_distance);
        let mut agreement =
            empty_agreement(&criterion.id, "masi", ratings_count(ratings), distinct_raters(ratings), bootstrap);
        agreement.figures = alpha_figures(&sets, bootstrap, masi, Ord::cmp, |representatives| {
            AlphaPatterns::with_distance(&sets, representatives, Ord::cmp, masi_distance)
        });
        for name in MULTI_NAMES {
            agreement.undefined.insert(name, "tag sets: see the per-tag alpha".into());
        }
        agreement.per_tag = criterion
            .options
            .iter()
            .map(|tag| {
                let presence = group(n_units, ratings, |value| match value {
                    LabelValue::Tags(tags) => Some(f64::from(u8::from(tags.contains(&tag.value)))),
                    _ => None,
                });
                TagAgreement {
                    tag: tag.value.clone(),
                    figures: alpha_figures(
                        &presence,
                        bootstrap,
                        |units| krippendorff_alpha(units, Level::Nominal),
                        f64::total_cmp,
                        |representatives| AlphaPatterns::new(&presence, representatives, Level::Nominal),
                    ),
                }
            })
            .collect();
        return Some(agreement);
    }
    if criterion.kind == Kind::Step {
        return step_agreement(criterion, ratings, raters, level, bootstrap);
    }
    let level = level.or_else(|| criterion.level())?;
    let numeric_options = criterion.options.iter().all(|choice| choice.value.parse::<f64>().is_ok());
    let values = group(n_units, ratings, |value| match value {
        LabelValue::Number(number) => Some(number + 0.0),
        LabelValue::Choice(choice) => {
            let index = criterion.choice_index(choice)?;
            match level {
                Level::Nominal | Level::Ordinal => Some(index as f64),
                // Interval and ratio need magnitudes: the option values when they are
                // numbers, else ranks from 1.
                Level::Interval | Level::Ratio if numeric_options => choice.parse().ok(),
                Level::Interval | Level::Ratio => Some(index as f64 + 1.0),
            }
        }
        _ => None,
    });
    let categories = match criterion.kind {
        // The rubric declares the categories, including any nobody chose.
        Kind::Binary | Kind::Nominal | Kind::Ordinal | Kind::Preference => {
            let labels: Vec<String> = criterion.options.iter().map(|choice| choice.value.clone()).collect();
            let magnitudes: Vec<f64> = if numeric_options {
                labels.iter().map(|value| value.parse().unwrap_or(f64::NAN)).collect()
            } else {
                (1..=labels.len()).map(|rank| rank as f64).collect()
            };
            let mut grid = Categorical::new(n_units, raters.len(), magnitudes);
            for (unit, rater, value) in ratings {
                if let LabelValue::Choice(choice) = value
                    && let Some(code) = criterion.choice_index(choice)
                {
                    grid.set(*unit, *rater, code as u32);
                }
            }
            Ok((grid, labels))
        }
        _ => {
            let numbers: Vec<(usize, usize, f64)> = ratings
                .iter()
                .filter_map(|(unit, rater, value)| match value {
                    LabelValue::Number(number) => Some((*unit, *rater, number + 0.0)),
                    _ => None,
                })
                .collect();
            numeric_categories(n_units, raters.len(), &numbers)
        }
    };
    Some(build(
        &criterion.id,
        level,
        &values,
        categories,
        raters,
        ratings_count(ratings),
        distinct_raters(ratings),
        bootstrap,
    ))
}

/// Agreement on a `step` criterion ("which step went wrong?"): nominal alpha (and the
/// kappa family) over the step chosen, `none` being a category of its own, plus the share
/// of rater pairs within one step of each other.
fn step_agreement(
    criterion: &Criterion,
    ratings: &[Rating],
    raters: &[String],
    level: Option<Level>,
    bootstrap: Bootstrap,
) -> Option<CriterionAgreement> {
    // `none` is step 0: no real step is within one of it, since steps start at 1 and the
    // pair test below treats 0 apart.
    let as_step = |value: &LabelValue| match value {
        LabelValue::Choice(choice) if choice == NO_STEP => Some(0.0),
        LabelValue::Choice(choice) => choice.parse::<f64>().ok(),
        _ => None,
    };
    let numbers: Vec<Rating> = ratings
        .iter()
        .filter_map(|(unit, rater, value)| Some((*unit, *rater, LabelValue::Number(as_step(value)?))))
        .collect();
    let as_number = Criterion { kind: Kind::Number, ..criterion.clone() };
    let mut agreement = criterion_agreement(&as_number, &numbers, raters, level.or(Some(Level::Nominal)), bootstrap)?;
    let n_units = numbers.iter().map(|(unit, _, _)| unit + 1).max().unwrap_or(0);
    let mut by_unit: Vec<Vec<f64>> = vec![Vec::new(); n_units];
    for (unit, _, value) in &numbers {
        if let LabelValue::Number(step) = value {
            by_unit[*unit].push(*step);
        }
    }
    let (mut close, mut pairs) = (0usize, 0usize);
    for steps in &by_unit {
        for (i, a) in steps.iter().enumerate() {
            for b in &steps[i + 1..] {
                pairs += 1;
                let both_none = *a == 0.0 && *b == 0.0;
                let both_steps = *a > 0.0 && *b > 0.0;
                close += usize::from(both_none || (both_steps && (a - b).abs() <= 1.0));
            }
        }
    }
    agreement.within_one_step =
        Some(WithinOneStep { share: (pairs > 0).then(|| close as f64 / pairs as f64), n_pairs: pairs });
    Some(agreement)
}

/// Agreement from a ratings file: numbers, or category names (nominal only). The level
/// defaults to interval for numbers and nominal for names. Categories are the values
/// observed in the file.
pub fn from_ratings(
    table: &RatingsTable,
    name: &str,
    level: Option<Level>,
    bootstrap: Bootstrap,
) -> Result<CriterionAgreement, String> {
    // `+ 0.0` makes -0 the same category as 0.
    let numbers: Option<Vec<f64>> =
        table.values.iter().map(|value| value.parse::<f64>().ok().filter(|v| v.is_finite()).map(|v| v + 0.0)).collect();
    let level = level.unwrap_or(if numbers.is_some() { Level::Interval } else { Level::Nominal });
    let n_units = table.units.len();
    let n_raters = table.raters.len();
    // Per distinct value: the number alpha sees, and the category code.
    let (alpha_value, categories): (Vec<f64>, ValueCategories) = match numbers {
        Some(numbers) => {
            let categories = number_categories(&numbers).map(|distinct| {
                let codes = numbers
                    .iter()
                    .map(|number| distinct.binary_search_by(|probe| probe.total_cmp(number)).unwrap_or(0) as u32)
                    .collect();
                let labels = distinct.iter().map(|value| crate::model::label::format_number(*value)).collect();
                (codes, distinct, labels)
            });
            (numbers, categories)
        }
        None if level == Level::Nominal => {
            // Names sort into codes; their ranks stand in for values in the weights.
            let mut order: Vec<usize> = (0..table.values.len()).collect();
            order.sort_by(|&a, &b| table.values[a].cmp(&table.values[b]));
            let mut code_of = vec![0u32; table.values.len()];
            for (code, &value) in order.iter().enumerate() {
                code_of[value] = code as u32;
            }
            let labels: Vec<String> = order.iter().map(|&value| table.values[value].clone()).collect();
            let ranks = (1..=labels.len()).map(|rank| rank as f64).collect();
            (code_of.iter().map(|&code| f64::from(code)).collect(), Ok((code_of, ranks, labels)))
        }
        None => {
            let example = table.values.iter().find(|value| value.parse::<f64>().is_err());
            return Err(format!(
                "value `{}` is not a number: --level {level} needs numeric ratings (category names work only with --level nominal)",
                example.map_or("", String::as_str)
            ));
        }
    };
    let categories = categories.map(|(codes, magnitudes, labels)| {
        let mut grid = Categorical::new(n_units, n_raters, magnitudes);
        for rating in &table.ratings {
            grid.set(rating.unit as usize, rating.rater as usize, codes[rating.value as usize]);
        }
        (grid, labels)
    });
    // Group the values by unit without a vector per unit: count, then place.
    let mut starts = vec![0usize; n_units + 1];
    for rating in &table.ratings {
        starts[rating.unit as usize + 1] += 1;
    }
    for unit in 0..n_units {
        starts[unit + 1] += starts[unit];
    }
    let mut next = starts.clone();
    let mut flat = vec![0.0; table.ratings.len()];
    for rating in &table.ratings {
        let slot = &mut next[rating.unit as usize];
        flat[*slot] = alpha_value[rating.value as usize];
        *slot += 1;
    }
    let mut values = Units::new();
    for unit in 0..n_units {
        values.push_unit(flat[starts[unit]..starts[unit + 1]].iter().copied());
    }
    let rated_by: BTreeSet<u32> = table.ratings.iter().map(|rating| rating.rater).collect();
    Ok(build(name, level, &values, categories, &table.raters, table.ratings.len(), rated_by.len(), bootstrap))
}

/// The distinct numbers in ascending order, when there are few enough to be categories.
fn number_categories(numbers: &[f64]) -> Result<Vec<f64>, String> {
    let mut distinct = numbers.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() > MAX_CATEGORIES {
        return Err(format!(
            "{} distinct values: too many categories for the kappa family (at most {MAX_CATEGORIES})",
            distinct.len()
        ));
    }
    Ok(distinct)
}

/// Distinct numbers as categories, in ascending order, when there are few enough.
fn numeric_categories(n_units: usize, n_raters: usize, ratings: &[(usize, usize, f64)]) -> CategoryGrid {
    let numbers: Vec<f64> = ratings.iter().map(|rating| rating.2).collect();
    let distinct = number_categories(&numbers)?;
    let mut grid = Categorical::new(n_units, n_raters, distinct.clone());
    for &(unit, rater, value) in ratings {
        if let Ok(code) = distinct.binary_search_by(|probe| probe.total_cmp(&value)) {
            grid.set(unit, rater, code as u32);
        }
    }
    Ok((grid, distinct.iter().map(|value| crate::model::label::format_number(*value)).collect()))
}

fn ratings_count(ratings: &[Rating]) -> usize {
    ratings.len()
}

fn distinct_raters(ratings: &[Rating]) -> usize {
    ratings.iter().map(|(_, rater, _)| *rater).collect::<BTreeSet<_>>().len()
}

fn empty_agreement(
    criterion: &str,
    level: &'static str,
    n_ratings: usize,
    n_raters: usize,
    bootstrap: Bootstrap,
) -> CriterionAgreement {
    CriterionAgreement {
        criterion: criterion.to_string(),
        scope: Scope::Item,
        level,
        figures: AlphaFigures::default(),
        n_raters,
        n_ratings,
        confidence: bootstrap.confidence,
        bootstrap_replicates: bootstrap.replicates,
        categories: Vec::new(),
        percent_agreement: None,
        fleiss_kappa: None,
        gwet_ac1: None,
        gwet_ac2_linear: None,
        gwet_ac2_quadratic: None,
        n_pairable_units: 0,
        intervals: BTreeMap::new(),
        undefined: BTreeMap::new(),
        pairwise: Vec::new(),
        leave_one_out: Vec::new(),
        per_tag: Vec::new(),
        within_one_step: None,
    }
}

/// Fills a replicate's statistics from its pattern weights.
type Replicate<'a> = dyn FnMut(&[f64], &mut [Option<f64>]) + 'a;

/// Everything for one non-tag criterion: alpha over `values` at `level`, and the kappa
/// family over `categories` (or the reason there is none), with one bootstrap for all.
#[allow(clippy::too_many_arguments)]
fn build(
    name: &str,
    level: Level,
    values: &Units<f64>,
    categories: CategoryGrid,
    raters: &[String],
    n_ratings: usize,
    n_raters: usize,
    bootstrap: Bootstrap,
) -> CriterionAgreement {
    let mut agreement = empty_agreement(name, level.name(), n_ratings, n_raters, bootstrap);
    let alpha = krippendorff_alpha(values, level);
    let (grid, labels) = match categories {
        Ok(categories) => categories,
        Err(reason) => {
            agreement.figures = alpha_figures(
                values,
                bootstrap,
                |units| krippendorff_alpha(units, level),
                f64::total_cmp,
                |representatives| AlphaPatterns::new(values, representatives, level),
            );
            for name in MULTI_NAMES {
                agreement.undefined.insert(name, reason.clone());
            }
            return agreement;
        }
    };
    agreement.categories = labels;
    // Weights need an order: for unordered categories beyond two they mean nothing.
    let weighted_ok = level != Level::Nominal || grid.n_categories() <= 2;
    let ordered = level != Level::Nominal;
    let multi = MultiRater::new(&grid);
    let coefficients = multi.coefficients();
    agreement.n_pairable_units = coefficients.n_pairable_units;
    let slots = [
        &mut agreement.percent_agreement,
        &mut agreement.fleiss_kappa,
        &mut agreement.gwet_ac1,
        &mut agreement.gwet_ac2_linear,
        &mut agreement.gwet_ac2_quadratic,
    ];
    for (index, (slot, value)) in slots.into_iter().zip(coefficients.as_array()).enumerate() {
        let value = if index >= 3 && !weighted_ok { Err(UNORDERED) } else { value.map_err(|why| why.reason()) };
        match value {
            Ok(value) => *slot = Some(value),
            Err(reason) => {
                agreement.undefined.insert(MULTI_NAMES[index], reason.to_string());
            }
        }
    }
    let weight_sets = Weighting::ALL.map(|weighting| weights(grid.values(), weighting));
    // Every pair and every rater is listed, with n = 0 and null where they share no unit.
    let pairs: Vec<(usize, usize)> =
        (0..raters.len()).flat_map(|a| (a + 1..raters.len()).map(move |b| (a, b))).collect();
    let all_units = || 0..grid.n_units();
    for &(a, b) in &pairs {
        let table = pair_table(&grid, a, b, all_units());
        agreement.pairwise.push(PairAgreement {
            raters: [raters[a].clone(), raters[b].clone()],
            kappas: kappa_figures(&weight_sets.each_ref().map(|w| table.kappa(w)), weighted_ok),
        });
    }
    let rated: Vec<usize> = if raters.len() >= 2 { (0..raters.len()).collect() } else { Vec::new() };
    let consensus: Vec<Vec<Option<u32>>> =
        rated.iter().map(|&rater| consensus_without(&grid, Some(rater), ordered)).collect();
    for (&rater, others) in rated.iter().zip(&consensus) {
        let table = consensus_table(&grid, rater, others, all_units());
        agreement.leave_one_out.push(RaterAgreement {
            rater: raters[rater].clone(),
            kappas: kappa_figures(&weight_sets.each_ref().map(|w| table.kappa(w)), weighted_ok),
        });
    }
    // Resampling cannot define what the full sample leaves undefined.
    let pair_defined: Vec<bool> = agreement.pairwise.iter().map(|pair| pair.kappas.cohen_kappa.is_some()).collect();
    let rater_defined: Vec<bool> =
        agreement.leave_one_out.iter().map(|rater| rater.kappas.cohen_kappa.is_some()).collect();
    // A bootstrap over the rated units. Units that look the same to a statistic are
    // interchangeable for it, so each family of statistics resamples its own patterns:
    // alpha and the multi-rater coefficients see a unit's multiset of ratings, a pair's
    // kappas its two raters' ratings, a rater's kappas its rating and the others'
    // consensus. Each interval is that of resampling units; with few units all draw the
    // same units from the same seed, as one bootstrap did before.
    let rated_units: Vec<usize> = (0..values.len()).filter(|&unit| !values.unit(unit).is_empty()).collect();
    let representatives_of = |patterns: &Patterns| -> Vec<usize> {
        patterns.representatives().iter().map(|&index| rated_units[index]).collect()
    };
    let intervals_of = |patterns: &Patterns, k: usize, statistics: &mut Replicate| {
        pattern_intervals(patterns, bootstrap.replicates, bootstrap.seed, bootstrap.confidence, k, statistics)
    };
    let mut intervals = Vec::new();
    let patterns = unit_patterns(values, &rated_units, |unit, key| {
        key.extend(grid.row(unit).iter().filter(|&&code| code != MISSING).map(|&code| u64::from(code)));
        key.sort_unstable();
    });
    let representatives = representatives_of(&patterns);
    let alpha_patterns = if alpha.value.is_some() { AlphaPatterns::new(values, &representatives, level) } else { None };
    intervals.extend(intervals_of(&patterns, 1 + MULTI_NAMES.len(), &mut |weights, out| {
        if let Some(alpha_patterns) = &alpha_patterns {
            out[0] = alpha_patterns.alpha(weights);
        }
        let drawn = representatives.iter().copied().zip(weights.iter().copied());
        for (slot, value) in out[1..6].iter_mut().zip(multi.coefficients_weighted(drawn).as_array()) {
            *slot = value.ok();
        }
    }));
    // A cell of the table, or one past the last cell for a unit the table leaves out.
    let q = grid.n_categories();
    let mut kappa_intervals = |key: &dyn Fn(usize) -> (Option<u32>, Option<u32>)| {
        let patterns = Patterns::dense(rated_units.len(), q * q + 1, |index| match key(rated_units[index]) {
            (Some(row), Some(column)) => row as usize * q + column as usize,
            _ => q * q,
        });
        let representatives = representatives_of(&patterns);
        intervals.extend(intervals_of(&patterns, KAPPA_NAMES.len(), &mut |weights, out| {
            let mut table = Contingency::new(grid.n_categories());
            for (&unit, &weight) in representatives.iter().zip(weights) {
                if let (Some(row), Some(column)) = key(unit) {
                    table.add_weighted(row, column, weight);
                }
            }
            for (slot, w) in out.iter_mut().zip(&weight_sets) {
                *slot = table.kappa(w).value.ok();
            }
        }));
    };
    for (&(a, b), _) in pairs.iter().zip(&pair_defined).filter(|(_, defined)| **defined) {
        kappa_intervals(&|unit| (grid.get(unit, a), grid.get(unit, b)));
    }
    for ((&rater, others), _) in rated.iter().zip(&consensus).zip(&rater_defined).filter(|(_, defined)| **defined) {
        kappa_intervals(&|unit| (grid.get(unit, rater), others[unit]));
    }
    let bounds = |index: usize| intervals[index].map(|interval| [interval.low, interval.high]);
    agreement.figures = AlphaFigures {
        alpha: alpha.value,
        ci_low: bounds(0).map(|b| b[0]),
        ci_high: bounds(0).map(|b| b[1]),
        n_units: alpha.n_units,
        n_pairable: alpha.n_pairable,
        undefined_reason: alpha.undefined.map(|why| why.reason()),
    };
    let defined = [
        agreement.percent_agreement,
        agreement.fleiss_kappa,
        agreement.gwet_ac1,
        agreement.gwet_ac2_linear,
        agreement.gwet_ac2_quadratic,
    ];
    for (index, name) in MULTI_NAMES.iter().enumerate() {
        agreement.intervals.insert(name, defined[index].and(bounds(1 + index)));
    }
    let mut next = 6;
    let kappas = agreement
        .pairwise
        .iter_mut()
        .map(|pair| &mut pair.kappas)
        .chain(agreement.leave_one_out.iter_mut().map(|rater| &mut rater.kappas));
    for figures in kappas {
        if figures.cohen_kappa.is_none() {
            for name in KAPPA_NAMES {
                figures.intervals.insert(name, None);
            }
            continue;
        }
        let values = [figures.cohen_kappa, figures.cohen_kappa_linear, figures.cohen_kappa_quadratic];
        for (value, name) in values.iter().zip(KAPPA_NAMES) {
            figures.intervals.insert(name, value.and(bounds(next)));
            next += 1;
        }
    }
    agreement
}

const UNORDERED: &str = "unordered categories: weights need an order";

fn kappa_figures(kappas: &[Kappa; 3], weighted_ok: bool) -> KappaFigures {
    let mut figures = KappaFigures { n: kappas[0].n, ..KappaFigures::default() };
    if figures.n == 0 {
        for name in KAPPA_NAMES {
            figures.undefined.insert(name, "no unit rated by both".to_string());
        }
        return figures;
    }
    let slots = [
        (&mut figures.cohen_kappa, &mut figures.se),
        (&mut figures.cohen_kappa_linear, &mut figures.se_linear),
        (&mut figures.cohen_kappa_quadratic, &mut figures.se_quadratic),
    ];
    for (index, ((value, se), kappa)) in slots.into_iter().zip(kappas).enumerate() {
        let result: Result<f64, &str> =
            if index > 0 && !weighted_ok { Err(UNORDERED) } else { kappa.value.map_err(|why| why.reason()) };
        match result {
            Ok(number) => {
                *value = Some(number);
                *se = kappa.se;
            }
            Err(reason) => {
                figures.undefined.insert(KAPPA_NAMES[index], reason.to_string());
            }
        }
    }
    figures
}

/// Ratings grouped by unit, in unit order, keeping the values `extract` accepts.
fn group<T>(n_units: usize, ratings: &[Rating], extract: impl Fn(&LabelValue) -> Option<T>) -> Units<T> {
    let mut per_unit: Vec<Vec<T>> = (0..n_units).map(|_| Vec::new()).collect();
    for (unit, _, value) in ratings {
        if let Some(value) = extract(value) {
            per_unit[*unit].push(value);
        }
    }
    let mut units = Units::new();
    for values in per_unit {
        units.push_unit(values);
    }
    units
}

/// Alpha and its percentile bootstrap interval over the units that have ratings.
/// `patterns_of` reduces the units to what alpha needs per pattern of values (`None`
/// when it cannot: then each replicate copies its units).
fn alpha_figures<T: Clone>(
    units: &Units<T>,
    bootstrap: Bootstrap,
    compute: impl Fn(&Units<T>) -> Alpha,
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering,
    patterns_of: impl FnOnce(&[usize]) -> Option<AlphaPatterns>,
) -> AlphaFigures {
    let point = compute(units);
    let rated: Vec<usize> = (0..units.len()).filter(|&index| !units.unit(index).is_empty()).collect();
    let interval = point.value.and_then(|_| {
        let patterns = unit_patterns_by(units, &rated, &cmp);
        let representatives: Vec<usize> = patterns.representatives().iter().map(|&index| rated[index]).collect();
        match patterns_of(&representatives) {
            Some(alpha_patterns) => pattern_intervals(
                &patterns,
                bootstrap.replicates,
                bootstrap.seed,
                bootstrap.confidence,
                1,
                |weights, out| out[0] = alpha_patterns.alpha(weights),
            )[0],
            None => {
                percentile_interval(rated.len(), bootstrap.replicates, bootstrap.seed, bootstrap.confidence, |draw| {
                    let picked: Vec<usize> = draw.iter().map(|&index| rated[index]).collect();
                    compute(&units.select(&picked)).value
                })
            }
        }
    });
    AlphaFigures {
        alpha: point.value,
        ci_low: interval.map(|ci| ci.low),
        ci_high: interval.map(|ci| ci.high),
        n_units: point.n_units,
        n_pairable: point.n_pairable,
        undefined_reason: point.undefined.map(|why| why.reason()),
    }
}

/// The units `rated` grouped by their multiset of numeric values plus whatever `extra`
/// writes into the key for a unit (its raters' codes, for the kappas).
fn unit_patterns(values: &Units<f64>, rated: &[usize], mut extra: impl FnMut(usize, &mut Vec<u64>)) -> Patterns {
    Patterns::group(rated.len(), |index, key| {
        let unit = rated[index];
        extra(unit, key);
        key.push(u64::MAX);
        let start = key.len();
        key.extend(values.unit(unit).iter().map(|value| value.to_bits()));
        key[start..].sort_unstable();
    })
}

/// The units `rated` grouped by their multiset of values of any type ordered by `cmp`:
/// values are keyed by their rank among the distinct values.
fn unit_patterns_by<T>(units: &Units<T>, rated: &[usize], cmp: &impl Fn(&T, &T) -> std::cmp::Ordering) -> Patterns {
    let mut distinct: Vec<&T> = rated.iter().flat_map(|&unit| units.unit(unit)).collect();
    distinct.sort_by(|a, b| cmp(a, b));
    distinct.dedup_by(|a, b| cmp(a, b) == std::cmp::Ordering::Equal);
    Patterns::group(rated.len(), |index, key| {
        key.extend(
            units
                .unit(rated[index])
                .iter()
                .map(|value| distinct.binary_search_by(|probe| cmp(probe, value)).unwrap_or(0) as u64),
        );
        key.sort_unstable();
    })
}

/// `0.765` for a value, `undef.` when the reason map has one, `-` otherwise.
fn cell(value: Option<f64>, undefined: bool) -> String {
    match value {
        Some(_) => figure(value),
        None if undefined => "undef.".to_string(),
        None => "-".to_string(),
    }
}

fn interval_cell(bounds: Bounds) -> String {
    bounds.map_or_else(|| "-".to_string(), |[low, high]| format!("{low:.3} to {high:.3}"))
}

impl Rendered for AgreementReport {
    fn document(&self) -> Document {
        let scope = match &self.batch {
            Some(batch) => format!("batch {batch}"),
            None => "all labels".to_string(),
        };
        let mut document = Document::default();
        document.heading(format!("Agreement: rubric {} v{}, {scope}", self.rubric, self.rubric_version));
        document.paragraph(format!("{} items, {} raters: {}", self.items, self.raters.len(), self.raters.join(", ")));
        if let Some(note) = super::golden_note(self.golden_labels_left_out) {
            document.paragraph(note);
        }
        criteria_document(&mut document, &self.criteria, true);
        document
    }

    fn csv(&self) -> String {
        csv_rows(CSV_HEADER, self.criteria.iter().flat_map(CriterionAgreement::csv_records))
    }
}

impl Rendered for CriterionAgreement {
    fn document(&self) -> Document {
        let mut document = Document::default();
        // One criterion: its single bar would add nothing to the row above it.
        criteria_document(&mut document, std::slice::from_ref(self), false);
        document
    }

    fn csv(&self) -> String {
        csv_rows(CSV_HEADER, self.csv_records())
    }
}

impl CriterionAgreement {
    /// Long rows: criterion, statistic, subject (rater pair, rater, tag), value, interval,
    /// standard error, n, and why a value is missing.
    fn csv_records(&self) -> Vec<Vec<String>> {
        let mut figures: Vec<CsvFigure> = Vec::new();
        let alpha = &self.figures;
        let alpha_bounds = alpha.ci_low.zip(alpha.ci_high).map(|(low, high)| [low, high]);
        figures.push(CsvFigure {
            statistic: if self.level == "masi" { "alpha_masi" } else { "alpha" },
            subject: String::new(),
            value: alpha.alpha,
            bounds: alpha_bounds,
            se: None,
            n: alpha.n_pairable,
            note: alpha.undefined_reason.unwrap_or("").to_string(),
        });
        let values =
            [self.percent_agreement, self.fleiss_kappa, self.gwet_ac1, self.gwet_ac2_linear, self.gwet_ac2_quadratic];
        for (name, value) in MULTI_NAMES.iter().zip(values) {
            figures.push(CsvFigure {
                statistic: name,
                subject: String::new(),
                value,
                bounds: self.intervals.get(name).copied().flatten(),
                se: None,
                n: self.n_pairable_units,
                note: self.undefined.get(name).cloned().unwrap_or_default(),
            });
        }
        let subjects = self
            .pairwise
            .iter()
            .map(|pair| (format!("{} ~ {}", pair.raters[0], pair.raters[1]), &pair.kappas))
            .chain(self.leave_one_out.iter().map(|rater| (format!("{} vs others", rater.rater), &rater.kappas)));
        for (subject, kappas) in subjects {
            let values = [
                (kappas.cohen_kappa, kappas.se),
                (kappas.cohen_kappa_linear, kappas.se_linear),
                (kappas.cohen_kappa_quadratic, kappas.se_quadratic),
            ];
            for (name, (value, se)) in KAPPA_NAMES.iter().zip(values) {
                figures.push(CsvFigure {
                    statistic: name,
                    subject: subject.clone(),
                    value,
                    bounds: kappas.intervals.get(name).copied().flatten(),
                    se,
                    n: kappas.n,
                    note: kappas.undefined.get(name).cloned().unwrap_or_default(),
                });
            }
        }
        for tag in &self.per_tag {
            figures.push(CsvFigure {
                statistic: "alpha",
                subject: format!("tag {}", tag.tag),
                value: tag.figures.alpha,
                bounds: tag.figures.ci_low.zip(tag.figures.ci_high).map(|(low, high)| [low, high]),
                se: None,
                n: tag.figures.n_pairable,
                note: tag.figures.undefined_reason.unwrap_or("").to_string(),
            });
        }
        let number = |value: Option<f64>| value.map_or_else(String::new, |v| v.to_string());
        figures
            .into_iter()
            .map(|figure| {
                vec![
                    self.criterion.clone(),
                    figure.statistic.to_string(),
                    figure.subject,
                    number(figure.value),
                    number(figure.bounds.map(|b| b[0])),
                    number(figure.bounds.map(|b| b[1])),
                    number(figure.se),
                    figure.n.to_string(),
                    figure.note,
                ]
            })
            .collect()
    }
}

/// One line of the CSV form.
struct CsvFigure {
    statistic: &'static str,
    subject: String,
    value: Option<f64>,
    bounds: Bounds,
    se: Option<f64>,
    n: usize,
    note: String,
}

const CSV_HEADER: &[&str] = &["criterion", "statistic", "subject", "value", "ci_low", "ci_high", "se", "n", "note"];

/// Alpha of every criterion and tag with its interval, on [0, 1] unless a figure is
/// negative, with Krippendorff's (2004) thresholds for tentative (0.667) and reliable (0.8)
/// conclusions.
fn alpha_chart(criteria: &[CriterionAgreement], confidence: f64) -> Chart {
    let mut rows: Vec<(String, &AlphaFigures)> = Vec::new();
    for criterion in criteria {
        rows.push((criterion.criterion.clone(), &criterion.figures));
        for tag in &criterion.per_tag {
            rows.push((format!("{}: {}", criterion.criterion, tag.tag), &tag.figures));
        }
    }
    let negative = rows.iter().any(|(_, figures)| figures.alpha.into_iter().chain(figures.ci_low).any(|v| v < 0.0));
    let low = if negative { -1.0 } else { 0.0 };
    let title =
        format!("Krippendorff's alpha, {:.0}% CI; lines at 0.667 (tentative) and 0.8 (reliable)", confidence * 100.0);
    let mut chart = Chart::new(title, low, 1.0).reference(0.667).reference(0.8);
    for (label, figures) in rows {
        chart.row(&label, figures.alpha, figures.ci_low.zip(figures.ci_high));
    }
    chart
}

fn criteria_document(document: &mut Document, criteria: &[CriterionAgreement], with_chart: bool) {
    let confidence = criteria.first().map_or(0.95, |c| c.confidence);
    let replicates = criteria.first().map_or(0, |c| c.bootstrap_replicates);
    let ci_header = format!(">{:.0}% CI", confidence * 100.0);
    let mut summary = Table::new(&["criterion", "level", ">alpha", &ci_header, ">units", ">pairable", ">raters"]);
    let mut notes: Vec<String> = Vec::new();
    let mut add = |table: &mut Table, name: String, level: &str, figures: &AlphaFigures, raters: String| {
        if let Some(reason) = figures.undefined_reason {
            notes.push(format!("{}: alpha undefined: {reason}", name.trim()));
        }
        let bounds = figures.ci_low.zip(figures.ci_high).map(|(low, high)| [low, high]);
        table.row(vec![
            name,
            level.to_string(),
            cell(figures.alpha, figures.undefined_reason.is_some()),
            interval_cell(bounds),
            figures.n_units.to_string(),
            figures.n_pairable.to_string(),
            raters,
        ]);
    };
    for criterion in criteria {
        add(
            &mut summary,
            criterion.criterion.clone(),
            criterion.level,
            &criterion.figures,
            criterion.n_raters.to_string(),
        );
        for tag in &criterion.per_tag {
            add(&mut summary, format!("  {}", tag.tag), "nominal", &tag.figures, String::new());
        }
    }
    document.table(summary);
    let mut legend = format!(
        "alpha: Krippendorff's; CI: percentile bootstrap over units, {replicates} replicates.\n\
         pairable: ratings in units rated at least twice."
    );
    for note in notes {
        legend.push('\n');
        legend.push_str(&note);
    }
    document.paragraph(legend);
    if with_chart && !criteria.is_empty() {
        document.chart(alpha_chart(criteria, confidence));
    }
    for criterion in criteria.iter().filter(|criterion| criterion.per_tag.is_empty()) {
        criterion_details(document, criterion, &ci_header);
    }
}

/// The kappa family of one criterion: the multi-rater coefficients, then each pair and
/// each rater against the others.
fn criterion_details(document: &mut Document, criterion: &CriterionAgreement, ci_header: &str) {
    let categories = if criterion.categories.is_empty() {
        String::new()
    } else {
        format!(", categories {}", criterion.categories.join(" < "))
    };
    let categories = if criterion.level == "nominal" { categories.replace(" < ", ", ") } else { categories };
    document.heading(format!("{} ({}{categories})", criterion.criterion, criterion.level));
    let mut coefficients = Table::new(&["coefficient", ">value", ci_header, ">units"]);
    let values = [
        ("percent agreement", criterion.percent_agreement),
        ("Fleiss' kappa", criterion.fleiss_kappa),
        ("Gwet's AC1", criterion.gwet_ac1),
        ("Gwet's AC2, linear", criterion.gwet_ac2_linear),
        ("Gwet's AC2, quadratic", criterion.gwet_ac2_quadratic),
    ];
    let mut notes: Vec<String> = Vec::new();
    for ((label, value), name) in values.into_iter().zip(MULTI_NAMES) {
        let reason = criterion.undefined.get(name);
        if let Some(reason) = reason
            && !notes.contains(reason)
        {
            notes.push(reason.clone());
        }
        coefficients.row(vec![
            label.to_string(),
            cell(value, reason.is_some()),
            interval_cell(criterion.intervals.get(name).copied().flatten()),
            criterion.n_pairable_units.to_string(),
        ]);
    }
    document.table(coefficients);
    let mut disjoint = 0;
    if !criterion.pairwise.is_empty() || !criterion.leave_one_out.is_empty() {
        let mut kappas =
            Table::new(&["Cohen's kappa", ">kappa", ">se", ">linear", ">se", ">quadratic", ">se", ">units"]);
        let mut row = |subject: String, figures: &KappaFigures| {
            if figures.n == 0 {
                disjoint += 1;
                return;
            }
            let has = |name: &str| figures.undefined.contains_key(name);
            kappas.row(vec![
                subject,
                cell(figures.cohen_kappa, has("cohen_kappa")),
                figure(figures.se),
                cell(figures.cohen_kappa_linear, has("cohen_kappa_linear")),
                figure(figures.se_linear),
                cell(figures.cohen_kappa_quadratic, has("cohen_kappa_quadratic")),
                figure(figures.se_quadratic),
                figures.n.to_string(),
            ]);
        };
        for pair in &criterion.pairwise {
            row(format!("{} ~ {}", pair.raters[0], pair.raters[1]), &pair.kappas);
        }
        for rater in &criterion.leave_one_out {
            row(format!("{} vs others", rater.rater), &rater.kappas);
        }
        document.table(kappas);
    }
    let mut legend = String::from(
        "units: rated at least twice (pairs: by both). se: asymptotic (Fleiss, Cohen &\n\
         Everitt 1969); bootstrap CIs of the kappas are in --format json and csv.",
    );
    for note in notes {
        legend.push_str("\nundef.: ");
        legend.push_str(&note);
    }
    if disjoint > 0 {
        legend.push_str(&format!("\nNot shown: {disjoint} pairs or raters with no unit in common."));
    }
    document.paragraph(legend);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krippendorff_2011_csv() -> RatingsTable {
        // Krippendorff (2011), section C, as a wide file: one row per unit.
        let csv = "unit,A,B,C,D\n1,1,1,,1\n2,2,2,3,2\n3,3,3,3,3\n4,3,3,3,3\n5,2,2,2,2\n6,1,2,3,4\n\
                   7,4,4,4,4\n8,1,1,2,1\n9,2,2,2,2\n10,,5,5,5\n11,,,1,1\n12,,3,,\n";
        crate::io::ratings::read(csv.as_bytes(), "k.csv").unwrap()
    }

    #[test]
    fn ratings_file_reproduces_the_published_example() {
        let table = krippendorff_2011_csv();
        let quick = Bootstrap { replicates: 200, ..Bootstrap::default() };
        for (level, expected) in
            [(Level::Nominal, "0.743"), (Level::Ordinal, "0.815"), (Level::Interval, "0.849"), (Level::Ratio, "0.797")]
        {
            let result = from_ratings(&table, "k", Some(level), quick).unwrap();
            assert_eq!(figure(result.figures.alpha), expected, "{level}");
            assert_eq!((result.figures.n_units, result.figures.n_pairable), (12, 40));
            let (low, high) = (result.figures.ci_low.unwrap(), result.figures.ci_high.unwrap());
            assert!(low <= result.figures.alpha.unwrap() && result.figures.alpha.unwrap() <= high);
            assert_eq!(result.pairwise.len(), 6);
            assert_eq!(result.leave_one_out.len(), 4);
        }
    }

    #[test]
    fn small_samples_keep_the_unit_copy_intervals_of_their_seed() {
        // Few units per pattern: every family draws units one by one from the seed, so
        // the intervals are those of copying the drawn units, as before patterns.
        use crate::stats::bootstrap::percentile_intervals;
        let table = krippendorff_2011_csv();
        let bootstrap = Bootstrap { replicates: 300, seed: 4, confidence: 0.9 };
        for level in Level::ALL {
            let result = from_ratings(&table, "k", Some(level), bootstrap).unwrap();
            let values = {
                let mut units = Units::new();
                for unit in 0..table.units.len() {
                    let mut unit_values: Vec<f64> = Vec::new();
                    for rating in table.ratings.iter().filter(|rating| rating.unit as usize == unit) {
                        unit_values.push(table.values[rating.value as usize].parse().unwrap());
                    }
                    units.push_unit(unit_values);
                }
                units
            };
            let grid = {
                let mut grid = Categorical::new(12, 4, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
                for rating in &table.ratings {
                    let value: u32 = table.values[rating.value as usize].parse().unwrap();
                    grid.set(rating.unit as usize, rating.rater as usize, value - 1);
                }
                grid
            };
            let multi = MultiRater::new(&grid);
            let identity = weights(grid.values(), Weighting::Identity);
            let copies = percentile_intervals(12, 300, 4, 0.9, 3, |draw, out| {
                out[0] = krippendorff_alpha(&values.select(draw), level).value;
                out[1] = multi.coefficients_of(draw.iter().copied()).fleiss_kappa.ok();
                out[2] = pair_table(&grid, 0, 1, draw.iter().copied()).kappa(&identity).value.ok();
            });
            let close = |a: Option<[f64; 2]>, b: Option<crate::stats::bootstrap::Interval>| {
                let (a, b) = (a.unwrap(), b.unwrap());
                (a[0] - b.low).abs() < 1e-12 && (a[1] - b.high).abs() < 1e-12
            };
            let alpha = result.figures.ci_low.zip(result.figures.ci_high).map(|(low, high)| [low, high]);
            assert!(close(alpha, copies[0]), "{level}: {alpha:?} vs {:?}", copies[0]);
            assert!(close(result.intervals["fleiss_kappa"], copies[1]), "{level}");
            assert_eq!(result.pairwise[0].raters, ["A", "B"]);
            assert!(close(result.pairwise[0].kappas.intervals["cohen_kappa"], copies[2]), "{level}");
        }
    }

    #[test]
    fn category_names_work_for_nominal_only() {
        let table = crate::io::ratings::read("unit,a,b\n1,yes,yes\n2,no,yes\n3,no,no\n".as_bytes(), "c.csv").unwrap();
        let nominal = from_ratings(&table, "c", None, Bootstrap::default()).unwrap();
        assert_eq!(nominal.level, "nominal");
        assert_eq!(nominal.categories, ["no", "yes"]);
        let err = from_ratings(&table, "c", Some(Level::Interval), Bootstrap::default()).unwrap_err();
        assert!(err.contains("`yes` is not a number"), "{err}");
    }

    #[test]
    fn no_variation_is_undefined_with_a_reason() {
        let table = crate::io::ratings::read("unit,a,b\n1,3,3\n2,3,3\n".as_bytes(), "c.csv").unwrap();
        let result = from_ratings(&table, "c", None, Bootstrap::default()).unwrap();
        assert_eq!(result.figures.alpha, None);
        assert_eq!((result.figures.ci_low, result.figures.ci_high), (None, None));
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["alpha"], serde_json::Value::Null);
        assert!(json["undefined_reason"].as_str().unwrap().contains("no variation"));
        assert_eq!(json["fleiss_kappa"], serde_json::Value::Null);
        assert!(json["undefined"]["fleiss_kappa"].as_str().unwrap().contains("no variation"));
        assert_eq!(json["pairwise"][0]["cohen_kappa"], serde_json::Value::Null);
        assert!(result.document().render().contains("undef."));
    }

    #[test]
    fn alpha_chart_has_a_row_per_criterion_and_a_negative_axis_only_when_needed() {
        let quiet = Bootstrap { replicates: 0, ..Bootstrap::default() };
        let agree = crate::io::ratings::read("unit,a,b\n1,1,1\n2,2,2\n3,1,2\n4,2,2\n".as_bytes(), "a.csv").unwrap();
        let disagree = crate::io::ratings::read("unit,a,b\n1,1,2\n2,2,1\n3,1,2\n".as_bytes(), "d.csv").unwrap();
        let first = from_ratings(&agree, "agree", None, quiet).unwrap();
        let chart = alpha_chart(std::slice::from_ref(&first), 0.95);
        assert!(chart.render_text().lines().last().is_some_and(|axis| axis.trim_start().starts_with('0')));
        let second = from_ratings(&disagree, "disagree", None, quiet).unwrap();
        assert!(second.figures.alpha.is_some_and(|alpha| alpha < 0.0));
        let text = alpha_chart(&[first, second], 0.95).render_text();
        assert!(text.lines().last().is_some_and(|axis| axis.trim_start().starts_with("-1")), "{text}");
        assert!(text.lines().nth(1).is_some_and(|line| line.starts_with("agree ")), "{text}");
        assert!(text.contains("0.667 (tentative)") && text.contains('┆'), "{text}");
    }

    #[test]
    fn unordered_categories_have_no_weighted_coefficients() {
        let table = crate::io::ratings::read("unit,a,b\n1,x,y\n2,y,y\n3,z,z\n4,x,x\n".as_bytes(), "c.csv").unwrap();
        let result = from_ratings(&table, "c", None, Bootstrap { replicates: 0, ..Bootstrap::default() }).unwrap();
        assert!(result.fleiss_kappa.is_some());
        assert_eq!(result.gwet_ac2_linear, None);
        assert_eq!(result.undefined["gwet_ac2_linear"], UNORDERED);
        assert_eq!(result.pairwise[0].kappas.cohen_kappa_quadratic, None);
    }

    #[test]
    fn pairs_without_a_shared_unit_are_listed_as_undefined() {
        let csv = "unit,a,b,c\n1,1,1,\n2,2,2,\n3,,1,2\n4,,2,2\n";
        let table = crate::io::ratings::read(csv.as_bytes(), "d.csv").unwrap();
        let result = from_ratings(&table, "d", None, Bootstrap { replicates: 20, ..Bootstrap::default() }).unwrap();
        let ac = &result.pairwise[1];
        assert_eq!((ac.raters[0].as_str(), ac.raters[1].as_str(), ac.kappas.n), ("a", "c", 0));
        assert_eq!(ac.kappas.cohen_kappa, None);
        assert_eq!(ac.kappas.undefined["cohen_kappa"], "no unit rated by both");
        assert_eq!(ac.kappas.intervals["cohen_kappa"], None);
        let text = result.document().render();
        assert!(!text.contains("a ~ c") && text.contains("Not shown: 1 pairs"), "{text}");
        // b and c: c rates 2 throughout, so kappa is 0 with a standard error of exactly 0.
        let bc = &result.pairwise[2].kappas;
        assert_eq!((bc.cohen_kappa, bc.se), (Some(0.0), Some(0.0)));
    }

    #[test]
    fn table_fits_80_columns_and_markdown_and_csv_agree() {
        let result = from_ratings(&krippendorff_2011_csv(), "k", Some(Level::Ordinal), Bootstrap::default()).unwrap();
        let text = result.document().render();
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{line}");
        }
        assert!(text.contains("Fleiss' kappa"), "{text}");
        assert!(result.document().render_markdown().contains("| coefficient | value |"));
        let csv = result.csv();
        assert!(csv.starts_with("criterion,statistic,subject,value,ci_low,ci_high,se,n,note\n"));
        assert!(csv.contains("k,cohen_kappa,A ~ B,"), "{csv}");
    }
}
