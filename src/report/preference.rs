//! Pairwise preferences (`tally report preference`): per pair of contenders wins, losses,
//! ties and win rates; Bradley-Terry ratings on the Elo scale; position bias; agreement
//! between raters; the judge against the humans. Every interval resamples prompts.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::agreement::{Bootstrap, Bounds, CriterionAgreement, Rating, criterion_agreement};
use super::table::{Document, Table};
use super::{Rendered, csv_rows, figure};
use crate::model::{Criterion, Kind, LabelValue};
use crate::stats::bootstrap::Interval;
use crate::stats::categorical::{Contingency, Weighting, weights};
use crate::stats::consensus::majority;
use crate::stats::preference::{
    Outcome, PromptVotes, Resampling, Tallies, Vote, bradley_terry, decisive, left_share, percent_agreement,
    prompt_bootstrap,
};
use crate::store::{Batch, LabelScope, Store, StoreError, StoredRubric};

#[derive(Debug, thiserror::Error)]
pub enum PreferenceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request cannot be answered from this rubric or store (no preference criterion,
    /// an unknown anchor): the user's to fix.
    #[error("{0}")]
    Usage(String),
}

/// What to report.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub batch: Option<&'a Batch>,
    /// The preference criterion (default: the rubric's only one).
    pub criterion: Option<&'a str>,
    /// Also report per value of this field (`dataset` or a metadata key).
    pub by: Option<&'a str>,
    /// The contender scored 1000 (default: the first by name).
    pub anchor: Option<&'a str>,
    pub bootstrap: Bootstrap,
    pub include_golden: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreferenceReport {
    pub rubric: String,
    pub rubric_version: u32,
    pub batch: Option<String>,
    pub criterion: String,
    /// `preference` (a, b, tie, both_bad) or `strength` (a_much .. b_much).
    pub scale: &'static str,
    /// Votes counted (a rater's current value on a comparison item).
    pub n_votes: usize,
    /// Prompts those votes were on: the unit every interval resamples.
    pub n_prompts: usize,
    pub n_items: usize,
    /// Contenders (candidate model, else candidate id), by name.
    pub contenders: Vec<String>,
    /// The contender whose score is 1000.
    pub anchor: Option<String>,
    pub confidence: f64,
    pub bootstrap_replicates: usize,
    pub seed: u64,
    pub left_out: LeftOut,
    #[serde(flatten)]
    pub figures: Figures,
    pub position_bias: PositionBias,
    /// Agreement on the preference criterion as `report agreement` gives it, plus percent
    /// agreement with and without ties; `null` without votes.
    pub agreement: Option<PreferenceAgreement>,
    /// The judge's verdicts against the human majority; `null` when no item has one.
    pub judge: Option<JudgeAgreement>,
    /// The slicing field of `--by`, and the figures per value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slices: Vec<Slice>,
    /// Golden-set labels not counted (golden sets are not raters; `--include-golden`).
    pub golden_labels_left_out: usize,
}

/// Votes not counted, by reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LeftOut {
    /// Labels on items that are not comparisons.
    pub not_comparison: usize,
    /// Comparisons whose two candidates stand for the same contender.
    pub same_contender: usize,
    /// Comparisons of more than two candidates (import splits them into pairs).
    pub more_than_two_candidates: usize,
}

/// Pairs and ratings over a set of votes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub pairs: Vec<PairRow>,
    pub ratings: Vec<RatingRow>,
    /// Why there are no Bradley-Terry scores, when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratings_undefined: Option<&'static str>,
}

/// One pair of contenders, `a` before `b` by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairRow {
    pub a: String,
    pub b: String,
    pub wins_a: u64,
    pub wins_b: u64,
    pub ties: u64,
    pub both_bad: u64,
    /// (wins_a + (ties + both_bad) / 2) / n.
    pub win_rate_a: Option<f64>,
    pub ci: Bounds,
    /// Votes on this pair.
    pub n: u64,
    /// Prompts with votes on this pair.
    pub n_prompts: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingRow {
    pub model: String,
    /// Bradley-Terry score on the Elo scale; `null` when the fit has no maximum.
    pub score: Option<f64>,
    pub ci: Bounds,
    /// 1 + the number of contenders with a higher score.
    pub rank: Option<usize>,
    /// 1 + the number of contenders whose interval lies wholly above this one's, as
    /// Chatbot Arena ranks.
    pub rank_ub: Option<usize>,
    /// Win rate against all other contenders pooled, ties as half.
    pub win_rate: Option<f64>,
    pub win_rate_ci: Bounds,
    /// Votes involving this contender.
    pub n: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionBias {
    /// Share of decisive votes whose winner was shown on the left: 0.5 without bias.
    pub left_share: Option<f64>,
    pub ci: Bounds,
    /// Decisive votes with a recorded side.
    pub n: usize,
    /// Decisive votes left out because no side was recorded (labels made elsewhere).
    pub no_side: usize,
    pub raters: Vec<RaterBias>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaterBias {
    pub rater: String,
    pub left_share: Option<f64>,
    pub ci: Bounds,
    pub n: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreferenceAgreement {
    #[serde(flatten)]
    pub agreement: CriterionAgreement,
    /// Percent agreement over a, b, tie and both_bad (a strength value counts as its side).
    pub percent_agreement_with_ties: Option<f64>,
    pub n_units_with_ties: usize,
    /// Percent agreement over decisive votes only (ties and both_bad left out).
    pub percent_agreement_without_ties: Option<f64>,
    pub n_units_without_ties: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgeAgreement {
    /// Comparison items with a judge verdict.
    pub n_judged: usize,
    /// Judged items whose raters have a strict majority.
    pub n: usize,
    /// Share of those where the judge gave the majority's verdict (a, b, tie, both_bad).
    pub agreement: Option<f64>,
    /// Cohen's kappa of judge against majority over a, b, tie, both_bad.
    pub kappa: Option<f64>,
    pub kappa_se: Option<f64>,
    /// Prompts where the judge judged the same two contenders in both orders.
    pub n_both_orders: usize,
    /// Share of those where both orders named the same winner (or both a tie).
    pub swap_consistency: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slice {
    pub value: String,
    pub n_votes: usize,
    pub n_prompts: usize,
    /// The contender scored 1000 in this slice: the report's anchor when it has votes
    /// here, else the first by name that has.
    pub anchor: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A comparison item as the report needs it.
struct Comparison {
    prompt: u32,
    a: u32,
    b: u32,
    a_id: String,
    slice: Option<u32>,
    judge: Option<Outcome>,
}

/// One counted vote, with who made it.
struct RaterVote {
    vote: Vote,
    item: i64,
    rater: u32,
}

/// Strings to dense indices, by first appearance.
#[derive(Default)]
struct Interner {
    index: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn of(&mut self, name: &str) -> u32 {
        if let Some(&index) = self.index.get(name) {
            return index;
        }
        let index = self.names.len() as u32;
        self.index.insert(name.to_string(), index);
        self.names.push(name.to_string());
        index
    }

    /// The names sorted, and each first-appearance index's place among them.
    fn sorted(self) -> (Vec<String>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_by(|&x, &y| self.names[x as usize].cmp(&self.names[y as usize]));
        let mut place = vec![0; order.len()];
        for (sorted, &first) in order.iter().enumerate() {
            place[first as usize] = sorted as u32;
        }
        let names = order.iter().map(|&first| self.names[first as usize].clone()).collect();
        (names, place)
    }
}

/// The preference criterion the request names, or the rubric's only one.
pub fn preference_criterion<'r>(rubric: &'r StoredRubric, name: Option<&str>) -> Result<&'r Criterion, String> {
    let criteria = &rubric.rubric.criteria;
    match name {
        Some(name) => match criteria.iter().find(|c| c.id == name) {
            Some(criterion) if criterion.kind == Kind::Preference => Ok(criterion),
            Some(criterion) => Err(format!(
                "criterion `{name}` of rubric `{}` is {}, not preference",
                rubric.rubric.name,
                criterion.kind.name()
            )),
            None => Err(format!("rubric `{}` has no criterion `{name}`", rubric.rubric.name)),
        },
        None => {
            let mut preference = criteria.iter().filter(|c| c.kind == Kind::Preference);
            match (preference.next(), preference.next()) {
                (Some(criterion), None) => Ok(criterion),
                (None, _) => {
                    Err(format!("rubric `{}` has no preference criterion (kind = \"preference\")", rubric.rubric.name))
                }
                (Some(_), Some(_)) => Err(format!(
                    "rubric `{}` has several preference criteria: name one with --criterion",
                    rubric.rubric.name
                )),
            }
        }
    }
}

pub fn from_store(store: &Store, rubric: &StoredRubric, request: Request) -> Result<PreferenceReport, PreferenceError> {
    let criterion = preference_criterion(rubric, request.criterion).map_err(PreferenceError::Usage)?;
    let bootstrap = request.bootstrap;
    let resampling =
        Resampling { replicates: bootstrap.replicates, seed: bootstrap.seed, confidence: bootstrap.confidence };
    // Comparisons: contenders, prompts and slices interned; contenders renumbered by name.
    let mut contenders = Interner::default();
    let mut prompts = Interner::default();
    let mut slices = Interner::default();
    let mut comparisons: HashMap<i64, Comparison> = HashMap::new();
    let mut wide: std::collections::HashSet<i64> = std::collections::HashSet::new();
    store.each_comparison(request.by, &criterion.id, |row| {
        if row.candidates > 2 {
            wide.insert(row.item_id);
            return Ok(());
        }
        let contender = |(id, model): &(String, Option<String>)| model.clone().unwrap_or_else(|| id.clone());
        let comparison = Comparison {
            prompt: prompts.of(&row.prompt),
            a: contenders.of(&contender(&row.a)),
            b: contenders.of(&contender(&row.b)),
            a_id: row.a.0,
            slice: row.slice.as_deref().map(|value| slices.of(value)),
            judge: row.judge.as_deref().and_then(Outcome::from_value),
        };
        comparisons.insert(row.item_id, comparison);
        Ok(())
    })?;
    let (contender_names, place) = contenders.sorted();
    for comparison in comparisons.values_mut() {
        comparison.a = place[comparison.a as usize];
        comparison.b = place[comparison.b as usize];
    }
    let anchor = match request.anchor {
        Some(name) => Some(contender_names.iter().position(|c| c == name).ok_or_else(|| {
            PreferenceError::Usage(format!(
                "--anchor `{name}` is not a contender; contenders: {}",
                contender_names.join(", ")
            ))
        })?),
        None => None,
    };
    // The votes: one per rater and comparison item, with the ratings for agreement.
    let scope = LabelScope { rubric: &rubric.rubric.name, batch_id: request.batch.map(|b| b.id) };
    let mut left_out = LeftOut::default();
    let mut raters = Interner::default();
    let mut raw: Vec<(i64, u32, LabelValue, Outcome)> = Vec::new();
    let mut votes: Vec<RaterVote> = Vec::new();
    let mut units: HashMap<i64, usize> = HashMap::new();
    let mut ratings: Vec<Rating> = Vec::new();
    let golden_labels_left_out =
        store.each_criterion_label(scope, &criterion.id, request.include_golden, |item_id, rater, value| {
            // Values an older rubric version allowed but this one does not are left out.
            let Ok(value) =
                serde_json::from_str(value).map_err(|_| ()).and_then(|v| criterion.parse_json(&v).map_err(|_| ()))
            else {
                return Ok(());
            };
            let LabelValue::Choice(choice) = &value else { return Ok(()) };
            let Some(outcome) = Outcome::from_value(choice) else { return Ok(()) };
            let Some(comparison) = comparisons.get(&item_id) else {
                if wide.contains(&item_id) {
                    left_out.more_than_two_candidates += 1;
                } else {
                    left_out.not_comparison += 1;
                }
                return Ok(());
            };
            if comparison.a == comparison.b {
                left_out.same_contender += 1;
                return Ok(());
            }
            raw.push((item_id, raters.of(rater), value, outcome));
            Ok(())
        })?;
    let (rater_names, rater_place) = raters.sorted();
    // Labels come in no set order: units and votes in item then rater order keep the
    // figures (and the bootstrap's draws) the same whatever order the store returns.
    for label in &mut raw {
        label.1 = rater_place[label.1 as usize];
    }
    raw.sort_unstable_by_key(|label| (label.0, label.1));
    for (item_id, rater, value, outcome) in raw {
        let Some(comparison) = comparisons.get(&item_id) else { continue };
        let next = units.len();
        let unit = *units.entry(item_id).or_insert(next);
        ratings.push((unit, rater as usize, value));
        votes.push(RaterVote {
            vote: Vote { prompt: comparison.prompt, a: comparison.a, b: comparison.b, outcome },
            item: item_id,
            rater,
        });
    }
    let plain: Vec<Vote> = votes.iter().map(|v| v.vote).collect();
    if let Some(index) = anchor
        && !plain.iter().any(|vote| vote.a as usize == index || vote.b as usize == index)
    {
        return Err(PreferenceError::Usage(format!("--anchor `{}` has no votes", contender_names[index])));
    }
    let anchor = anchor_of(&plain, anchor);
    let figures = figures_of(&contender_names, &plain, anchor, resampling);
    let n_prompts = distinct(plain.iter().map(|v| v.prompt));
    let position_bias = position_bias(store, &comparisons, &votes, &rater_names, resampling)?;
    let agreement = (!ratings.is_empty())
        .then(|| preference_agreement(criterion, &ratings, &rater_names, units.len(), bootstrap))
        .flatten();
    let judge = judge_agreement(&comparisons, &votes);
    let mut slice_rows = Vec::new();
    if request.by.is_some() {
        let (slice_names, slice_place) = slices.sorted();
        let mut by_slice: Vec<Vec<Vote>> = vec![Vec::new(); slice_names.len()];
        for vote in &votes {
            if let Some(slice) = comparisons.get(&vote.item).and_then(|c| c.slice) {
                by_slice[slice_place[slice as usize] as usize].push(vote.vote);
            }
        }
        for (value, slice_votes) in slice_names.into_iter().zip(by_slice) {
            if slice_votes.is_empty() {
                continue;
            }
            let slice_anchor = anchor_of(&slice_votes, anchor);
            slice_rows.push(Slice {
                value,
                n_votes: slice_votes.len(),
                n_prompts: distinct(slice_votes.iter().map(|v| v.prompt)),
                anchor: slice_anchor.map(|index| contender_names[index].clone()),
                figures: figures_of(&contender_names, &slice_votes, slice_anchor, resampling),
            });
        }
    }
    let n_items = units.len();
    Ok(PreferenceReport {
        rubric: rubric.rubric.name.clone(),
        rubric_version: rubric.rubric.version,
        batch: request.batch.map(|b| b.name.clone()),
        criterion: criterion.id.clone(),
        scale: if criterion.is_strength_scale() { "strength" } else { "preference" },
        n_votes: plain.len(),
        n_prompts,
        n_items,
        anchor: anchor.map(|index| contender_names[index].clone()),
        contenders: contender_names,
        confidence: bootstrap.confidence,
        bootstrap_replicates: bootstrap.replicates,
        seed: bootstrap.seed,
        left_out,
        figures,
        position_bias,
        agreement,
        judge,
        by: request.by.map(str::to_string),
        slices: slice_rows,
        golden_labels_left_out,
    })
}

/// The contender scored 1000: `preferred` when it has votes, else the first by name that
/// has.
fn anchor_of(votes: &[Vote], preferred: Option<usize>) -> Option<usize> {
    let voted = |index: usize| votes.iter().any(|vote| vote.a as usize == index || vote.b as usize == index);
    preferred
        .filter(|&index| voted(index))
        .or_else(|| votes.iter().flat_map(|vote| [vote.a, vote.b]).min().map(|first| first as usize))
}

fn distinct(values: impl Iterator<Item = u32>) -> usize {
    let mut values: Vec<u32> = values.collect();
    values.sort_unstable();
    values.dedup();
    values.len()
}

fn bounds(interval: Option<Interval>) -> Bounds {
    interval.map(|interval| [interval.low, interval.high])
}

/// Pairs and ratings of `votes` among the contenders `names`, only those that have votes.
fn figures_of(names: &[String], votes: &[Vote], anchor: Option<usize>, resampling: Resampling) -> Figures {
    let m = names.len();
    let tallies = Tallies::of(m, votes);
    let prompt_votes = PromptVotes::new(m, votes);
    let anchor = anchor.unwrap_or(0);
    let intervals = prompt_bootstrap(&prompt_votes, anchor, resampling);
    // Prompts per pair: distinct (pair, prompt).
    let mut pair_prompts: Vec<(u32, u32, u32)> = votes.iter().map(|v| (v.a.min(v.b), v.a.max(v.b), v.prompt)).collect();
    pair_prompts.sort_unstable();
    pair_prompts.dedup();
    let mut prompts_of: HashMap<(u32, u32), usize> = HashMap::new();
    for (i, j, _) in pair_prompts {
        *prompts_of.entry((i, j)).or_default() += 1;
    }
    let mut pairs = Vec::new();
    for i in 0..m {
        for j in i + 1..m {
            let pair = tallies.pair(i, j);
            if pair.total() == 0.0 {
                continue;
            }
            pairs.push(PairRow {
                a: names[i].clone(),
                b: names[j].clone(),
                wins_a: pair.wins_i as u64,
                wins_b: pair.wins_j as u64,
                ties: pair.ties as u64,
                both_bad: pair.both_bad as u64,
                win_rate_a: pair.win_rate_i(),
                ci: bounds(intervals.pair(i, j, m)),
                n: pair.total() as u64,
                n_prompts: prompts_of.get(&(i as u32, j as u32)).copied().unwrap_or(0),
            });
        }
    }
    let fit = bradley_terry(&tallies, anchor, None);
    let scores: Vec<Option<f64>> = match &fit {
        Ok(fit) => fit.scores.clone(),
        Err(_) => vec![None; m],
    };
    let score_bounds: Vec<Bounds> = intervals.scores.iter().map(|&interval| bounds(interval)).collect();
    let mut ratings: Vec<RatingRow> = (0..m)
        .filter(|&i| tallies.votes_of(i) > 0.0)
        .map(|i| {
            let rank = scores[i].map(|score| 1 + scores.iter().flatten().filter(|&&other| other > score).count());
            let rank_ub = score_bounds[i]
                .map(|[_, high]| 1 + score_bounds.iter().flatten().filter(|[low, _]| *low > high).count());
            RatingRow {
                model: names[i].clone(),
                score: scores[i],
                ci: if scores[i].is_some() { score_bounds[i] } else { None },
                rank,
                rank_ub: if scores[i].is_some() { rank_ub } else { None },
                win_rate: tallies.pooled_win_rate(i),
                win_rate_ci: bounds(intervals.pooled[i]),
                n: tallies.votes_of(i) as u64,
            }
        })
        .collect();
    // Rank order: best first; contenders without a score last, by name.
    ratings.sort_by(|x, y| match (x.score, y.score) {
        (Some(sx), Some(sy)) => sy.total_cmp(&sx).then_with(|| x.model.cmp(&y.model)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => x.model.cmp(&y.model),
    });
    Figures { pairs, ratings, ratings_undefined: fit.err().map(|why| why.reason()) }
}

/// Position bias overall and per rater, from the sides recorded when raters labeled.
fn position_bias(
    store: &Store,
    comparisons: &HashMap<i64, Comparison>,
    votes: &[RaterVote],
    rater_names: &[String],
    resampling: Resampling,
) -> Result<PositionBias, StoreError> {
    // Whether each (item, rater) saw the first candidate on the left, sorted to search.
    let rater_index: HashMap<&str, u32> =
        rater_names.iter().enumerate().map(|(index, name)| (name.as_str(), index as u32)).collect();
    let mut a_on_left: Vec<((i64, u32), bool)> = Vec::new();
    store.each_side(|item_id, rater, left| {
        if let (Some(comparison), Some(&rater)) = (comparisons.get(&item_id), rater_index.get(rater)) {
            a_on_left.push(((item_id, rater), left == comparison.a_id));
        }
    })?;
    a_on_left.sort_unstable_by_key(|(key, _)| *key);
    let mut all: Vec<(u32, bool)> = Vec::new();
    let mut per_rater: Vec<Vec<(u32, bool)>> = vec![Vec::new(); rater_names.len()];
    let mut no_side = 0;
    for vote in votes.iter().filter(|v| decisive(v.vote.outcome)) {
        let Ok(found) = a_on_left.binary_search_by_key(&(vote.item, vote.rater), |(key, _)| *key) else {
            no_side += 1;
            continue;
        };
        let a_on_left = a_on_left[found].1;
        // With the first candidate (a) on the left, a win for a is a win for the left.
        let left_won = a_on_left == (vote.vote.outcome == Outcome::A);
        all.push((vote.vote.prompt, left_won));
        per_rater[vote.rater as usize].push((vote.vote.prompt, left_won));
    }
    let overall = left_share(&all, resampling);
    let raters = rater_names
        .iter()
        .zip(per_rater)
        .filter(|(_, votes)| !votes.is_empty())
        .map(|(name, votes)| {
            let share = left_share(&votes, resampling);
            RaterBias { rater: name.clone(), left_share: share.share, ci: bounds(share.interval), n: share.n }
        })
        .collect();
    Ok(PositionBias { left_share: overall.share, ci: bounds(overall.interval), n: overall.n, no_side, raters })
}

fn preference_agreement(
    criterion: &Criterion,
    ratings: &[Rating],
    rater_names: &[String],
    n_units: usize,
    bootstrap: Bootstrap,
) -> Option<PreferenceAgreement> {
    let agreement = criterion_agreement(criterion, ratings, rater_names, None, bootstrap)?;
    let mut outcomes: Vec<Vec<Outcome>> = vec![Vec::new(); n_units];
    for (unit, _, value) in ratings {
        if let LabelValue::Choice(choice) = value
            && let Some(outcome) = Outcome::from_value(choice)
        {
            outcomes[*unit].push(outcome);
        }
    }
    let (with_ties, n_with) = percent_agreement(&outcomes, |_| true);
    let (without_ties, n_without) = percent_agreement(&outcomes, decisive);
    Some(PreferenceAgreement {
        agreement,
        percent_agreement_with_ties: with_ties,
        n_units_with_ties: n_with,
        percent_agreement_without_ties: without_ties,
        n_units_without_ties: n_without,
    })
}

/// The judge against the strict majority of each item's raters, and whether the judge
/// names the same winner when the same two contenders come in the other order.
fn judge_agreement(comparisons: &HashMap<i64, Comparison>, votes: &[RaterVote]) -> Option<JudgeAgreement> {
    let judged: Vec<(&i64, &Comparison, Outcome)> =
        comparisons.iter().filter_map(|(id, c)| c.judge.map(|judge| (id, c, judge))).collect();
    if judged.is_empty() {
        return None;
    }
    let mut by_item: HashMap<i64, Vec<Outcome>> = HashMap::new();
    for vote in votes {
        by_item.entry(vote.item).or_default().push(vote.vote.outcome);
    }
    let code = |outcome: Outcome| outcome as u32;
    let mut table = Contingency::new(4);
    let mut agreeing = 0usize;
    for (id, _, judge) in &judged {
        let Some(human) = by_item.get(id).and_then(|outcomes| majority(outcomes).winner) else { continue };
        table.add(code(*judge), code(human));
        agreeing += usize::from(*judge == human);
    }
    let n = table.total() as usize;
    let kappa = table.kappa(&weights(&[1.0, 2.0, 3.0, 4.0], Weighting::Identity));
    // Both orders: the same prompt and two contenders, once as (x, y) and once as (y, x).
    let mut orders: BTreeMap<(u32, u32, u32), Outcome> = BTreeMap::new();
    let mut sorted = judged.clone();
    sorted.sort_by_key(|(id, _, _)| **id);
    for (_, comparison, judge) in &sorted {
        orders.entry((comparison.prompt, comparison.a, comparison.b)).or_insert(*judge);
    }
    let (mut both, mut consistent) = (0usize, 0usize);
    for (&(prompt, x, y), &forward) in &orders {
        if x < y
            && let Some(&backward) = orders.get(&(prompt, y, x))
        {
            both += 1;
            consistent += usize::from(forward == backward.swapped());
        }
    }
    Some(JudgeAgreement {
        n_judged: judged.len(),
        n,
        agreement: (n > 0).then(|| agreeing as f64 / n as f64),
        kappa: if n > 0 { kappa.value.ok() } else { None },
        kappa_se: if n > 0 { kappa.se } else { None },
        n_both_orders: both,
        swap_consistency: (both > 0).then(|| consistent as f64 / both as f64),
    })
}

fn interval_cell(bounds: Bounds) -> String {
    bounds.map_or_else(|| "-".to_string(), |[low, high]| format!("{low:.3} to {high:.3}"))
}

fn score_interval_cell(bounds: Bounds) -> String {
    bounds.map_or_else(|| "-".to_string(), |[low, high]| format!("{low:.0} to {high:.0}"))
}

fn figures_document(document: &mut Document, figures: &Figures, ci_header: &str) {
    let mut pairs =
        Table::new(&["a", "b", ">wins a", ">wins b", ">ties", ">both bad", ">win rate a", ci_header, ">n", ">prompts"]);
    for pair in &figures.pairs {
        pairs.row(vec![
            pair.a.clone(),
            pair.b.clone(),
            pair.wins_a.to_string(),
            pair.wins_b.to_string(),
            pair.ties.to_string(),
            pair.both_bad.to_string(),
            figure(pair.win_rate_a),
            interval_cell(pair.ci),
            pair.n.to_string(),
            pair.n_prompts.to_string(),
        ]);
    }
    document.table(pairs);
    let mut ratings = Table::new(&[">rank", "model", ">score", ci_header, ">rank (UB)", ">win rate", ci_header, ">n"]);
    for rating in &figures.ratings {
        ratings.row(vec![
            rating.rank.map_or("-".into(), |rank| rank.to_string()),
            rating.model.clone(),
            rating.score.map_or("-".into(), |score| format!("{score:.0}")),
            score_interval_cell(rating.ci),
            rating.rank_ub.map_or("-".into(), |rank| rank.to_string()),
            figure(rating.win_rate),
            interval_cell(rating.win_rate_ci),
            rating.n.to_string(),
        ]);
    }
    document.table(ratings);
    if let Some(reason) = figures.ratings_undefined {
        document.paragraph(format!("Bradley-Terry scores undefined: {reason}"));
    }
}

impl Rendered for PreferenceReport {
    fn document(&self) -> Document {
        let mut document = Document::default();
        let scope = self.batch.as_ref().map_or_else(|| "all labels".to_string(), |batch| format!("batch {batch}"));
        document.heading(format!(
            "Preferences: rubric {} v{}, criterion {}, {scope}",
            self.rubric, self.rubric_version, self.criterion
        ));
        let ci_header = format!(">{:.0}% CI", self.confidence * 100.0);
        document.paragraph(format!(
            "{} votes on {} items over {} prompts; {} contenders. Intervals: {} bootstrap replicates resampling prompts.",
            self.n_votes,
            self.n_items,
            self.n_prompts,
            self.contenders.len(),
            self.bootstrap_replicates
        ));
        let left_out = &self.left_out;
        let mut notes = Vec::new();
        if left_out.not_comparison > 0 {
            notes.push(format!("{} on items that are not comparisons", left_out.not_comparison));
        }
        if left_out.same_contender > 0 {
            notes.push(format!("{} comparing a contender with itself", left_out.same_contender));
        }
        if left_out.more_than_two_candidates > 0 {
            notes.push(format!("{} on comparisons of more than two candidates", left_out.more_than_two_candidates));
        }
        if !notes.is_empty() {
            document.paragraph(format!("Votes left out: {}.", notes.join("; ")));
        }
        if let Some(note) = super::golden_note(self.golden_labels_left_out) {
            document.paragraph(note);
        }
        if self.n_votes == 0 {
            document.paragraph(format!(
                "No votes on comparison items under criterion {}: import items with `candidates` and label them.",
                self.criterion
            ));
            return document;
        }
        figures_document(&mut document, &self.figures, &ci_header);
        document.paragraph(format!(
            "win rate: wins plus half of ties and both-bad, over votes. score: Bradley-Terry on the Elo scale \
             (400 log10 odds), {} = 1000. rank (UB): 1 + contenders whose interval lies wholly above.",
            self.anchor.as_deref().unwrap_or("-")
        ));
        let bias = &self.position_bias;
        let mut table = Table::new(&["rater", ">left share", &ci_header, ">n"]);
        table.row(vec!["(all)".into(), figure(bias.left_share), interval_cell(bias.ci), bias.n.to_string()]);
        for rater in &bias.raters {
            table.row(vec![
                rater.rater.clone(),
                figure(rater.left_share),
                interval_cell(rater.ci),
                rater.n.to_string(),
            ]);
        }
        document.heading("Position bias");
        document.table(table);
        let mut note = "left share: decisive votes whose winner was shown on the left (0.5: no bias).".to_string();
        if bias.no_side > 0 {
            note.push_str(&format!(" {} decisive votes have no recorded side and are left out.", bias.no_side));
        }
        document.paragraph(note);
        if let Some(agreement) = &self.agreement {
            document.heading("Agreement");
            document.append(agreement.agreement.document());
            document.paragraph(format!(
                "percent agreement with ties {} (n = {} items), without ties {} (n = {} items)",
                figure(agreement.percent_agreement_with_ties),
                agreement.n_units_with_ties,
                figure(agreement.percent_agreement_without_ties),
                agreement.n_units_without_ties
            ));
        }
        if let Some(judge) = &self.judge {
            document.heading("Judge against the human majority");
            let mut table = Table::new(&[">judged", ">n", ">agreement", ">kappa", ">both orders", ">swap consistency"]);
            table.row(vec![
                judge.n_judged.to_string(),
                judge.n.to_string(),
                figure(judge.agreement),
                figure(judge.kappa),
                judge.n_both_orders.to_string(),
                figure(judge.swap_consistency),
            ]);
            document.table(table);
        }
        for slice in &self.slices {
            document.heading(format!(
                "{} = {}: {} votes over {} prompts, {} = 1000",
                self.by.as_deref().unwrap_or(""),
                slice.value,
                slice.n_votes,
                slice.n_prompts,
                slice.anchor.as_deref().unwrap_or("-")
            ));
            figures_document(&mut document, &slice.figures, &ci_header);
        }
        document
    }

    fn csv(&self) -> String {
        let number = |value: Option<f64>| value.map_or_else(String::new, |v| v.to_string());
        let low = |b: Bounds| number(b.map(|b| b[0]));
        let high = |b: Bounds| number(b.map(|b| b[1]));
        let mut records: Vec<Vec<String>> = Vec::new();
        let mut add_figures = |slice: &str, figures: &Figures| {
            for pair in &figures.pairs {
                records.push(vec![
                    slice.to_string(),
                    "win_rate".into(),
                    format!("{} vs {}", pair.a, pair.b),
                    number(pair.win_rate_a),
                    low(pair.ci),
                    high(pair.ci),
                    pair.n.to_string(),
                    format!(
                        "wins {} losses {} ties {} both_bad {}",
                        pair.wins_a, pair.wins_b, pair.ties, pair.both_bad
                    ),
                ]);
            }
            for rating in &figures.ratings {
                records.push(vec![
                    slice.to_string(),
                    "score".into(),
                    rating.model.clone(),
                    number(rating.score),
                    low(rating.ci),
                    high(rating.ci),
                    rating.n.to_string(),
                    rating.rank.map_or_else(String::new, |rank| format!("rank {rank}")),
                ]);
                records.push(vec![
                    slice.to_string(),
                    "win_rate_vs_all".into(),
                    rating.model.clone(),
                    number(rating.win_rate),
                    low(rating.win_rate_ci),
                    high(rating.win_rate_ci),
                    rating.n.to_string(),
                    String::new(),
                ]);
            }
        };
        add_figures("", &self.figures);
        for slice in &self.slices {
            add_figures(&slice.value, &slice.figures);
        }
        let bias = &self.position_bias;
        records.push(vec![
            String::new(),
            "left_share".into(),
            "(all)".into(),
            number(bias.left_share),
            low(bias.ci),
            high(bias.ci),
            bias.n.to_string(),
            format!("{} without a side", bias.no_side),
        ]);
        for rater in &bias.raters {
            records.push(vec![
                String::new(),
                "left_share".into(),
                rater.rater.clone(),
                number(rater.left_share),
                low(rater.ci),
                high(rater.ci),
                rater.n.to_string(),
                String::new(),
            ]);
        }
        if let Some(agreement) = &self.agreement {
            let figures = &agreement.agreement.figures;
            records.push(vec![
                String::new(),
                "alpha".into(),
                agreement.agreement.level.into(),
                number(figures.alpha),
                number(figures.ci_low),
                number(figures.ci_high),
                figures.n_pairable.to_string(),
                figures.undefined_reason.unwrap_or("").into(),
            ]);
            for (name, value, n) in [
                ("percent_agreement_with_ties", agreement.percent_agreement_with_ties, agreement.n_units_with_ties),
                (
                    "percent_agreement_without_ties",
                    agreement.percent_agreement_without_ties,
                    agreement.n_units_without_ties,
                ),
            ] {
                records.push(figure_row(name, number(value), n));
            }
        }
        if let Some(judge) = &self.judge {
            for (name, value, n) in [
                ("judge_agreement", judge.agreement, judge.n),
                ("judge_kappa", judge.kappa, judge.n),
                ("judge_swap_consistency", judge.swap_consistency, judge.n_both_orders),
            ] {
                records.push(figure_row(name, number(value), n));
            }
        }
        csv_rows(&["slice", "statistic", "subject", "value", "ci_low", "ci_high", "n", "note"], records)
    }
}

/// A CSV record of one whole-report figure: no slice, subject, interval or note.
fn figure_row(name: &str, value: String, n: usize) -> Vec<String> {
    let empty = String::new;
    vec![empty(), name.into(), empty(), value, empty(), empty(), n.to_string(), empty()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::comparison::Candidate;
    use crate::model::{Item, Rubric, Shape};
    use crate::store::{NewLabel, OnConflict};

    const STRENGTH: &str = r#"name = "pairwise"
version = 1
guidelines = "pairwise.md"

[[criteria]]
id = "pref"
kind = "preference"
scale = "strength"
"#;

    fn comparison(id: &str, prompt: &str, first: &str, second: &str) -> Item {
        let candidate =
            |model: &str| Candidate { id: format!("c-{model}"), model: Some(model.into()), ..Candidate::default() };
        let mut item = Item {
            id: id.into(),
            dataset: "d".into(),
            input: prompt.into(),
            shape: Shape::Comparison { candidates: vec![candidate(first), candidate(second)] },
            ..Item::default()
        };
        item.metadata.insert("comparison_of".into(), prompt.into());
        item
    }

    #[test]
    fn position_bias_from_recorded_sides_overall_and_per_rater() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("t.db")).unwrap();
        let rubric = Rubric::from_toml(STRENGTH, "pairwise.toml").unwrap();
        // Eight prompts of x against y. `lefty` always picks the left side; `fair` always
        // picks x. Sides: x on the left on prompts 0..4, y on the left on 4..8, for both.
        // lefty: 8 decisive votes, all left: share 1. fair: x won 8 times, on the left 4
        // times: 0.5. Overall 12 of 16 = 0.75.
        let votes = store
            .write(|tx| {
                let (rubric_id, _) = tx.add_rubric(&rubric, STRENGTH, "")?;
                for p in 0..8 {
                    let item = comparison(&format!("p{p}"), &format!("prompt {p}"), "x", "y");
                    tx.upsert_item(&item, "f", p + 1, OnConflict::Error)?;
                    let item_id = tx.item_id(&item.id)?.unwrap();
                    let left = if p < 4 { "c-x" } else { "c-y" };
                    let lefty = if p < 4 { "a_much" } else { "b_slightly" };
                    for (rater, value) in [("lefty", lefty), ("fair", "a_slightly")] {
                        tx.record_side(item_id, rater, left)?;
                        let value = serde_json::json!(value);
                        tx.record_label(&NewLabel {
                            item_id,
                            rater,
                            criterion: "pref",
                            value: Some(&value),
                            comment: None,
                            rubric_id,
                            batch_id: None,
                            duration_ms: None,
                            source: "label",
                        })?;
                    }
                }
                Ok::<_, StoreError>(16)
            })
            .unwrap();
        let stored = store.rubric_latest("pairwise").unwrap().unwrap();
        let bootstrap = Bootstrap { replicates: 200, seed: 3, confidence: 0.95 };
        let request =
            Request { batch: None, criterion: None, by: None, anchor: None, bootstrap, include_golden: false };
        let report = from_store(&store, &stored, request).unwrap();
        assert_eq!((report.n_votes, report.scale), (votes, "strength"));
        let bias = &report.position_bias;
        assert_eq!((bias.left_share, bias.n, bias.no_side), (Some(0.75), 16, 0));
        let [low, high] = bias.ci.unwrap();
        assert!(low < 0.75 && 0.75 < high, "{bias:?}");
        let raters: Vec<(&str, Option<f64>, usize)> =
            bias.raters.iter().map(|r| (r.rater.as_str(), r.left_share, r.n)).collect();
        assert_eq!(raters, [("fair", Some(0.5), 8), ("lefty", Some(1.0), 8)]);
        // Strength values count as wins of their side: x won 4 (lefty) + 8 (fair) of 16.
        let pair = &report.figures.pairs[0];
        assert_eq!((pair.wins_a, pair.wins_b, pair.win_rate_a), (12, 4, Some(0.75)));
        // The strength scale is ordinal for agreement.
        assert_eq!(report.agreement.as_ref().unwrap().agreement.level, "ordinal");
    }

    #[test]
    fn the_default_anchor_is_the_first_contender_with_votes() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("t.db")).unwrap();
        let rubric = Rubric::from_toml(STRENGTH, "pairwise.toml").unwrap();
        store
            .write(|tx| {
                let (rubric_id, _) = tx.add_rubric(&rubric, STRENGTH, "")?;
                // `aaa` sorts first but nobody voted on its comparison.
                tx.upsert_item(&comparison("unvoted", "prompt u", "aaa", "x"), "f", 1, OnConflict::Error)?;
                for (p, value) in ["a_much", "b_much", "tie", "a_slightly"].into_iter().enumerate() {
                    let item = comparison(&format!("p{p}"), &format!("prompt {p}"), "x", "y");
                    tx.upsert_item(&item, "f", p as u64 + 2, OnConflict::Error)?;
                    let item_id = tx.item_id(&item.id)?.unwrap();
                    let value = serde_json::json!(value);
                    tx.record_label(&NewLabel {
                        item_id,
                        rater: "ana",
                        criterion: "pref",
                        value: Some(&value),
                        comment: None,
                        rubric_id,
                        batch_id: None,
                        duration_ms: None,
                        source: "label",
                    })?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let stored = store.rubric_latest("pairwise").unwrap().unwrap();
        let bootstrap = Bootstrap { replicates: 0, seed: 1, confidence: 0.95 };
        let request =
            Request { batch: None, criterion: None, by: None, anchor: None, bootstrap, include_golden: false };
        let report = from_store(&store, &stored, request).unwrap();
        assert_eq!(report.contenders, ["aaa", "x", "y"]);
        assert_eq!(report.anchor.as_deref(), Some("x"));
        // x scored 2.5 of 4 against y: odds 2.5 / 1.5, y at 1000 - 400 log10(5/3).
        let score = |model: &str| report.figures.ratings.iter().find(|r| r.model == model).unwrap().score.unwrap();
        assert!((score("x") - 1000.0).abs() < 1e-9);
        assert!((score("y") - (1000.0 - 400.0 * (2.5f64 / 1.5).log10())).abs() < 1e-6);
        assert_eq!(report.figures.ratings.len(), 2);
    }
}
