//! Pairwise preferences: win rates with ties as half, a Bradley-Terry fit on the Elo scale,
//! bootstrap intervals that resample prompts, and position bias.
//!
//! References: R. A. Bradley & M. E. Terry (1952), "Rank analysis of incomplete block
//! designs: I. The method of paired comparisons", Biometrika 39; D. R. Hunter (2004),
//! "MM algorithms for generalized Bradley-Terry models", Annals of Statistics 32 (the
//! likelihood, and when its maximum exists: Assumption 1, every split of the models has a
//! win across it); W.-L. Chiang et al. (2024), "Chatbot Arena: an open platform for
//! evaluating LLMs by human preference" (scores as 400 log10 odds anchored at 1000,
//! bootstrap intervals, ties as half a win and half a loss).
//!
//! Votes on one prompt are not independent (the same question is easy or hard for every
//! model), so intervals resample prompts with all their votes. Prompts with the same
//! votes are interchangeable, so the resample is a multinomial over distinct prompt
//! patterns ([`crate::stats::bootstrap::pattern_intervals`]), cheap at a million votes.

use super::bootstrap::{Interval, Patterns, pattern_intervals};

/// What one vote said, in the vote's own order: `A` is its first contender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    A,
    B,
    Tie,
    BothBad,
}

impl Outcome {
    /// The outcome of a preference value: `a`, `a_much` and `a_slightly` are wins for
    /// `a`, likewise for `b`; `tie`; `both_bad`. Anything else is `None`.
    pub fn from_value(value: &str) -> Option<Outcome> {
        match value {
            "a" | "a_much" | "a_slightly" => Some(Outcome::A),
            "b" | "b_much" | "b_slightly" => Some(Outcome::B),
            "tie" => Some(Outcome::Tie),
            "both_bad" => Some(Outcome::BothBad),
            _ => None,
        }
    }

    /// The outcome with the contenders' order swapped.
    pub fn swapped(self) -> Outcome {
        match self {
            Outcome::A => Outcome::B,
            Outcome::B => Outcome::A,
            other => other,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Outcome::A => "a",
            Outcome::B => "b",
            Outcome::Tie => "tie",
            Outcome::BothBad => "both_bad",
        }
    }

    fn is_decisive(self) -> bool {
        matches!(self, Outcome::A | Outcome::B)
    }
}

/// One vote: on `prompt`, contender `a` against contender `b` (indices below the number
/// of contenders, `a != b`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vote {
    pub prompt: u32,
    pub a: u32,
    pub b: u32,
    pub outcome: Outcome,
}

/// Counts per unordered pair of contenders `i < j`: wins of `i`, wins of `j`, ties,
/// both bad. Counts are `f64` so that a bootstrap replicate can weigh them.
#[derive(Debug, Clone, PartialEq)]
pub struct Tallies {
    m: usize,
    /// Four slots per pair, pairs in the order of [`pair_index`].
    counts: Vec<f64>,
}

/// The index of the unordered pair `i < j` among `m` contenders, row by row.
fn pair_index(m: usize, i: usize, j: usize) -> usize {
    debug_assert!(i < j && j < m);
    i * (2 * m - i - 1) / 2 + (j - i - 1)
}

/// The counter slot a vote adds to: its pair's slot for the winner, a tie or both bad.
fn slot(m: usize, vote: &Vote) -> usize {
    let (a, b) = (vote.a as usize, vote.b as usize);
    let (i, j, outcome) = if a < b { (a, b, vote.outcome) } else { (b, a, vote.outcome.swapped()) };
    let within = match outcome {
        Outcome::A => 0,
        Outcome::B => 1,
        Outcome::Tie => 2,
        Outcome::BothBad => 3,
    };
    pair_index(m, i, j) * 4 + within
}

/// One pair's counts, `i` against `j`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PairCounts {
    pub wins_i: f64,
    pub wins_j: f64,
    pub ties: f64,
    pub both_bad: f64,
}

impl PairCounts {
    pub fn total(&self) -> f64 {
        self.wins_i + self.wins_j + self.ties + self.both_bad
    }

    /// `i`'s win rate against `j`: (wins + half of ties and both-bad) / votes; `None`
    /// without votes. Both bad counts as a tie, as Chatbot Arena counts "tie (bothbad)".
    pub fn win_rate_i(&self) -> Option<f64> {
        let total = self.total();
        (total > 0.0).then(|| (self.wins_i + 0.5 * (self.ties + self.both_bad)) / total)
    }
}

impl Tallies {
    pub fn new(m: usize) -> Tallies {
        Tallies { m, counts: vec![0.0; m * m.saturating_sub(1) / 2 * 4] }
    }

    /// The counts of `votes` among `m` contenders.
    pub fn of(m: usize, votes: &[Vote]) -> Tallies {
        let mut tallies = Tallies::new(m);
        for vote in votes {
            tallies.counts[slot(m, vote)] += 1.0;
        }
        tallies
    }

    pub fn contenders(&self) -> usize {
        self.m
    }

    /// `i` against `j` (either order).
    pub fn pair(&self, i: usize, j: usize) -> PairCounts {
        if i == j {
            return PairCounts::default();
        }
        let (low, high) = (i.min(j), i.max(j));
        let at = pair_index(self.m, low, high) * 4;
        let [w_low, w_high, ties, both_bad] = [0, 1, 2, 3].map(|k| self.counts[at + k]);
        let (wins_i, wins_j) = if i < j { (w_low, w_high) } else { (w_high, w_low) };
        PairCounts { wins_i, wins_j, ties, both_bad }
    }

    /// `i`'s win rate against all others pooled (ties and both bad as half).
    pub fn pooled_win_rate(&self, i: usize) -> Option<f64> {
        let (mut won, mut total) = (0.0, 0.0);
        for j in (0..self.m).filter(|&j| j != i) {
            let pair = self.pair(i, j);
            won += pair.wins_i + 0.5 * (pair.ties + pair.both_bad);
            total += pair.total();
        }
        (total > 0.0).then(|| won / total)
    }

    /// Votes that involve `i`.
    pub fn votes_of(&self, i: usize) -> f64 {
        (0..self.m).filter(|&j| j != i).map(|j| self.pair(i, j).total()).sum()
    }

    /// `w[i * m + j]`: what `i` scored against `j` (wins plus half of ties and both bad).
    fn scored(&self) -> Vec<f64> {
        let m = self.m;
        let mut w = vec![0.0; m * m];
        for i in 0..m {
            for j in i + 1..m {
                let pair = self.pair(i, j);
                let shared = 0.5 * (pair.ties + pair.both_bad);
                w[i * m + j] = pair.wins_i + shared;
                w[j * m + i] = pair.wins_j + shared;
            }
        }
        w
    }
}

/// Why a Bradley-Terry fit has no finite maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoFit {
    /// Fewer than two contenders have votes.
    TooFew,
    /// Some group of contenders never lost (nor tied) to the rest: their scores would be
    /// infinite (Hunter 2004, Assumption 1), or two groups never met.
    NotConnected,
}

impl NoFit {
    pub fn reason(self) -> &'static str {
        match self {
            NoFit::TooFew => "fewer than two contenders with votes",
            NoFit::NotConnected => {
                "some contenders never lost or tied to the others (or never met them): their scores would be infinite"
            }
        }
    }
}

/// The Elo-scale constant: a score difference of 400 is odds of 10 to 1.
const ELO: f64 = 400.0 / std::f64::consts::LN_10;
/// Where the anchor sits.
pub const ANCHOR_SCORE: f64 = 1000.0;

/// The Bradley-Terry maximum-likelihood scores of the contenders on the Elo scale
/// (P(i beats j) = 1 / (1 + 10^((s_j - s_i) / 400))), with ties and both-bad votes as
/// half a win and half a loss, anchored so that `anchor` scores 1000. Contenders without
/// votes get `None`. `start` (natural-log strengths, as returned in [`Fit::log_strengths`])
/// warms up the search, e.g. a bootstrap replicate from the point estimate.
///
/// Newton's method on the concave log-likelihood sum_ij w_ij log sigma(t_i - t_j) with
/// step halving, the anchor's strength held at 0; the maximum exists exactly when every
/// split of the contenders with votes has a win across it both ways (Hunter 2004).
pub fn bradley_terry(tallies: &Tallies, anchor: usize, start: Option<&[f64]>) -> Result<Fit, NoFit> {
    let m = tallies.m;
    let w = tallies.scored();
    let active: Vec<usize> = (0..m).filter(|&i| (0..m).any(|j| w[i * m + j] + w[j * m + i] > 0.0)).collect();
    if active.len() < 2 {
        return Err(NoFit::TooFew);
    }
    if !strongly_connected(m, &w, &active) {
        return Err(NoFit::NotConnected);
    }
    // The anchor when it has votes, else the first contender that has; scores are moved
    // to the anchor at the end.
    let pivot = if active.contains(&anchor) { anchor } else { active[0] };
    let free: Vec<usize> = active.iter().copied().filter(|&i| i != pivot).collect();
    let mut theta = vec![0.0; m];
    if let Some(start) = start.filter(|start| start.len() == m && start.iter().all(|x| x.is_finite())) {
        for &i in &active {
            theta[i] = start[i] - start[pivot];
        }
    }
    let pairs: Vec<(usize, usize, f64, f64)> = active
        .iter()
        .flat_map(|&i| active.iter().map(move |&j| (i, j)))
        .filter(|&(i, j)| i < j && w[i * m + j] + w[j * m + i] > 0.0)
        .map(|(i, j)| (i, j, w[i * m + j], w[j * m + i]))
        .collect();
    let log_likelihood = |theta: &[f64]| -> f64 {
        pairs
            .iter()
            .map(|&(i, j, wij, wji)| wij * log_sigmoid(theta[i] - theta[j]) + wji * log_sigmoid(theta[j] - theta[i]))
            .sum()
    };
    let k = free.len();
    let mut position = vec![usize::MAX; m];
    for (index, &i) in free.iter().enumerate() {
        position[i] = index;
    }
    let mut current = log_likelihood(&theta);
    let mut gradient = vec![0.0; k];
    let mut information = vec![0.0; k * k];
    for _ in 0..200 {
        gradient.fill(0.0);
        information.fill(0.0);
        for &(i, j, wij, wji) in &pairs {
            let p = sigmoid(theta[i] - theta[j]);
            // d/dt_i of the pair's log-likelihood, and its curvature.
            let g = wij - (wij + wji) * p;
            let h = (wij + wji) * p * (1.0 - p);
            let (pi, pj) = (position[i], position[j]);
            if pi != usize::MAX {
                gradient[pi] += g;
                information[pi * k + pi] += h;
            }
            if pj != usize::MAX {
                gradient[pj] -= g;
                information[pj * k + pj] += h;
            }
            if pi != usize::MAX && pj != usize::MAX {
                information[pi * k + pj] -= h;
                information[pj * k + pi] -= h;
            }
        }
        let Some(step) = solve_positive_definite(&mut information, &gradient, k) else {
            return Err(NoFit::NotConnected);
        };
        let mut scale = 1.0;
        let mut improved = false;
        let mut trial = theta.clone();
        for _ in 0..40 {
            for (index, &i) in free.iter().enumerate() {
                trial[i] = theta[i] + scale * step[index];
            }
            let value = log_likelihood(&trial);
            if value >= current - 1e-12 * current.abs().max(1.0) {
                improved = true;
                current = value;
                break;
            }
            scale *= 0.5;
        }
        if !improved {
            break;
        }
        let largest = step.iter().map(|s| (s * scale).abs()).fold(0.0, f64::max);
        theta.clone_from(&trial);
        if largest < 1e-10 {
            break;
        }
    }
    let base = if active.contains(&anchor) { theta[anchor] } else { theta[pivot] };
    let scores =
        (0..m).map(|i| active.contains(&i).then(|| ANCHOR_SCORE + ELO * (theta[i] - base))).collect::<Vec<_>>();
    Ok(Fit { scores, log_strengths: theta })
}

/// A Bradley-Terry fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Elo-scale scores; `None` for contenders without votes.
    pub scores: Vec<Option<f64>>,
    /// Natural-log strengths (0 for contenders without votes), to warm-start a refit.
    pub log_strengths: Vec<f64>,
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// log(sigmoid(x)), without overflow.
fn log_sigmoid(x: f64) -> f64 {
    if x >= 0.0 { -(-x).exp().ln_1p() } else { x - x.exp().ln_1p() }
}

/// Whether every active contender reaches every other through "scored against" edges.
fn strongly_connected(m: usize, w: &[f64], active: &[usize]) -> bool {
    let reach = |forward: bool| {
        let mut seen = vec![false; m];
        let mut stack = vec![active[0]];
        seen[active[0]] = true;
        while let Some(i) = stack.pop() {
            for &j in active {
                let edge = if forward { w[i * m + j] } else { w[j * m + i] };
                if !seen[j] && edge > 0.0 {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        active.iter().all(|&i| seen[i])
    };
    reach(true) && reach(false)
}

/// Solves `a x = b` for a symmetric positive definite `a` (k x k, overwritten by its
/// Cholesky factor); `None` when `a` is not positive definite.
fn solve_positive_definite(a: &mut [f64], b: &[f64], k: usize) -> Option<Vec<f64>> {
    for j in 0..k {
        let mut diagonal = a[j * k + j];
        for p in 0..j {
            diagonal -= a[j * k + p] * a[j * k + p];
        }
        if diagonal.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        let root = diagonal.sqrt();
        a[j * k + j] = root;
        for i in j + 1..k {
            let mut value = a[i * k + j];
            for p in 0..j {
                value -= a[i * k + p] * a[j * k + p];
            }
            a[i * k + j] = value / root;
        }
    }
    let mut y = b.to_vec();
    for i in 0..k {
        for p in 0..i {
            y[i] -= a[i * k + p] * y[p];
        }
        y[i] /= a[i * k + i];
    }
    for i in (0..k).rev() {
        for p in i + 1..k {
            y[i] -= a[p * k + i] * y[p];
        }
        y[i] /= a[i * k + i];
    }
    Some(y)
}

/// Votes grouped by prompt: each prompt's counter slots and counts, prompts with the same
/// votes sharing one pattern.
#[derive(Debug, Clone)]
pub struct PromptVotes {
    m: usize,
    patterns: Patterns,
    /// Per pattern, its (slot, count) entries: `entries[starts[p]..starts[p + 1]]`.
    starts: Vec<usize>,
    entries: Vec<(u32, f64)>,
}

impl PromptVotes {
    /// Groups `votes` among `m` contenders by prompt; prompts are `0..n_prompts` and
    /// prompts without votes are left out (a resample draws only prompts that voted).
    pub fn new(m: usize, votes: &[Vote]) -> PromptVotes {
        // (prompt, slot) keys sorted, then run-length counted: one pass, no map per prompt.
        let mut keys: Vec<u64> =
            votes.iter().map(|vote| (u64::from(vote.prompt) << 32) | slot(m, vote) as u64).collect();
        keys.sort_unstable();
        let mut prompt_starts = Vec::new();
        let mut runs: Vec<(u32, u32)> = Vec::new();
        let mut previous_prompt = u64::MAX;
        for (index, &key) in keys.iter().enumerate() {
            let prompt = key >> 32;
            if prompt != previous_prompt {
                prompt_starts.push(runs.len());
                previous_prompt = prompt;
            }
            if index > 0 && keys[index - 1] == key {
                if let Some(last) = runs.last_mut() {
                    last.1 += 1;
                }
            } else {
                runs.push(((key & 0xFFFF_FFFF) as u32, 1));
            }
        }
        prompt_starts.push(runs.len());
        let n_prompts = prompt_starts.len() - 1;
        let patterns = Patterns::group(n_prompts, |prompt, key| {
            key.extend(
                runs[prompt_starts[prompt]..prompt_starts[prompt + 1]]
                    .iter()
                    .map(|&(slot, count)| (u64::from(slot) << 32) | u64::from(count)),
            );
        });
        let mut starts = vec![0];
        let mut entries = Vec::new();
        for &prompt in patterns.representatives() {
            entries.extend(
                runs[prompt_starts[prompt]..prompt_starts[prompt + 1]]
                    .iter()
                    .map(|&(slot, count)| (slot, f64::from(count))),
            );
            starts.push(entries.len());
        }
        PromptVotes { m, patterns, starts, entries }
    }

    /// Prompts that have votes.
    pub fn n_prompts(&self) -> usize {
        self.patterns.n_units()
    }

    /// The tallies of a resample that drew pattern `p` `weights[p]` times.
    fn tallies(&self, weights: &[f64], out: &mut Tallies) {
        out.counts.fill(0.0);
        for (pattern, &weight) in weights.iter().enumerate() {
            if weight == 0.0 {
                continue;
            }
            for &(slot, count) in &self.entries[self.starts[pattern]..self.starts[pattern + 1]] {
                out.counts[slot as usize] += weight * count;
            }
        }
    }
}

/// How a bootstrap runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resampling {
    pub replicates: usize,
    pub seed: u64,
    pub confidence: f64,
}

/// Intervals from one prompt bootstrap: every pair's win rate (pairs `i < j` in
/// [`pair_index`] order, the rate of `i`), each contender's win rate against all others
/// pooled, and each contender's Bradley-Terry score.
#[derive(Debug, Clone, PartialEq)]
pub struct PreferenceIntervals {
    pub pairs: Vec<Option<Interval>>,
    pub pooled: Vec<Option<Interval>>,
    pub scores: Vec<Option<Interval>>,
}

impl PreferenceIntervals {
    /// The interval of `i`'s win rate against `j`.
    pub fn pair(&self, i: usize, j: usize, m: usize) -> Option<Interval> {
        if i == j {
            return None;
        }
        let interval = self.pairs[pair_index(m, i.min(j), i.max(j))]?;
        Some(if i < j { interval } else { Interval { low: 1.0 - interval.high, high: 1.0 - interval.low, ..interval } })
    }
}

/// Percentile intervals of the win rates and Bradley-Terry scores over `resampling`
/// replicates that each draw as many prompts as there are, with replacement, each with
/// all its votes. The scores are anchored as in [`bradley_terry`]; a replicate whose fit
/// has no maximum counts as undefined for the scores.
pub fn prompt_bootstrap(votes: &PromptVotes, anchor: usize, resampling: Resampling) -> PreferenceIntervals {
    let m = votes.m;
    let n_pairs = m * m.saturating_sub(1) / 2;
    let mut full = Tallies::new(m);
    full.counts.fill(0.0);
    let ones: Vec<f64> = votes.patterns.counts().iter().map(|&count| count as f64).collect();
    votes.tallies(&ones, &mut full);
    let start = bradley_terry(&full, anchor, None).ok().map(|fit| fit.log_strengths);
    let mut replicate = Tallies::new(m);
    let intervals = pattern_intervals(
        &votes.patterns,
        resampling.replicates,
        resampling.seed,
        resampling.confidence,
        n_pairs + 2 * m,
        |weights, out| {
            votes.tallies(weights, &mut replicate);
            for i in 0..m {
                for j in i + 1..m {
                    out[pair_index(m, i, j)] = replicate.pair(i, j).win_rate_i();
                }
                out[n_pairs + i] = replicate.pooled_win_rate(i);
            }
            if let Ok(fit) = bradley_terry(&replicate, anchor, start.as_deref()) {
                for (slot, score) in out[n_pairs + m..].iter_mut().zip(fit.scores) {
                    *slot = score;
                }
            }
        },
    );
    PreferenceIntervals {
        pairs: intervals[..n_pairs].to_vec(),
        pooled: intervals[n_pairs..n_pairs + m].to_vec(),
        scores: intervals[n_pairs + m..].to_vec(),
    }
}

/// The share of decisive votes whose winner was shown on the left, with a prompt
/// bootstrap interval, and its n.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeftShare {
    pub share: Option<f64>,
    pub interval: Option<Interval>,
    /// Decisive votes with a recorded side.
    pub n: usize,
}

/// Position bias from decisive votes given as (prompt, whether the left side won):
/// 0.5 when the side shown does not matter.
pub fn left_share(votes: &[(u32, bool)], resampling: Resampling) -> LeftShare {
    let n = votes.len();
    let left = votes.iter().filter(|(_, left)| *left).count();
    let share = (n > 0).then(|| left as f64 / n as f64);
    // Per prompt: (left wins, decisive votes); prompts with the same counts are one pattern.
    let mut sorted: Vec<(u32, bool)> = votes.to_vec();
    sorted.sort_unstable();
    let mut per_prompt: Vec<(u64, u64)> = Vec::new();
    let mut previous = None;
    for (prompt, left) in sorted {
        if previous != Some(prompt) {
            per_prompt.push((0, 0));
            previous = Some(prompt);
        }
        if let Some(last) = per_prompt.last_mut() {
            last.0 += u64::from(left);
            last.1 += 1;
        }
    }
    let patterns = Patterns::group(per_prompt.len(), |prompt, key| {
        key.extend([per_prompt[prompt].0, per_prompt[prompt].1]);
    });
    let counts: Vec<(f64, f64)> = patterns
        .representatives()
        .iter()
        .map(|&prompt| (per_prompt[prompt].0 as f64, per_prompt[prompt].1 as f64))
        .collect();
    let interval = if share.is_some() {
        pattern_intervals(
            &patterns,
            resampling.replicates,
            resampling.seed,
            resampling.confidence,
            1,
            |weights, out| {
                let (left, total) = weights
                    .iter()
                    .zip(&counts)
                    .fold((0.0, 0.0), |(left, total), (w, (l, t))| (left + w * l, total + w * t));
                out[0] = (total > 0.0).then(|| left / total);
            },
        )[0]
    } else {
        None
    };
    LeftShare { share, interval, n }
}

/// Mean over units with two or more ratings of the share of agreeing rating pairs,
/// counting only the ratings `keep` accepts, and the number of such units. With `keep`
/// accepting every rating it is the usual percent agreement; with decisive outcomes only,
/// percent agreement without ties.
pub fn percent_agreement(units: &[Vec<Outcome>], keep: impl Fn(Outcome) -> bool) -> (Option<f64>, usize) {
    let mut sum = 0.0;
    let mut n = 0;
    for unit in units {
        let kept: Vec<Outcome> = unit.iter().copied().filter(|&outcome| keep(outcome)).collect();
        if kept.len() < 2 {
            continue;
        }
        let mut agreeing = 0usize;
        let mut pairs = 0usize;
        for (index, x) in kept.iter().enumerate() {
            for y in &kept[index + 1..] {
                pairs += 1;
                agreeing += usize::from(x == y);
            }
        }
        sum += agreeing as f64 / pairs as f64;
        n += 1;
    }
    ((n > 0).then(|| sum / n as f64), n)
}

/// Only decisive outcomes (a or b): for percent agreement without ties.
pub fn decisive(outcome: Outcome) -> bool {
    outcome.is_decisive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(prompt: u32, a: u32, b: u32, outcome: Outcome) -> Vote {
        Vote { prompt, a, b, outcome }
    }

    /// Votes with one prompt each, `count` of each kind.
    fn votes(spec: &[(u32, u32, Outcome, usize)]) -> Vec<Vote> {
        let mut out = Vec::new();
        for &(a, b, outcome, count) in spec {
            for _ in 0..count {
                out.push(vote(out.len() as u32, a, b, outcome));
            }
        }
        out
    }

    const RESAMPLING: Resampling = Resampling { replicates: 400, seed: 7, confidence: 0.95 };

    #[test]
    fn win_rates_count_ties_and_both_bad_as_half() {
        // Contender 0 against 1: 3 wins, 1 loss, 2 ties, 1 both bad, seven votes:
        // (3 + 0.5 * (2 + 1)) / 7 = 4.5 / 7 = 0.642857; 1's rate is (1 + 1.5) / 7 = 2.5 / 7.
        // A vote written the other way round (1 against 0, 1 wins) counts as 0's loss.
        let votes = votes(&[
            (0, 1, Outcome::A, 3),
            (1, 0, Outcome::A, 1),
            (0, 1, Outcome::Tie, 2),
            (1, 0, Outcome::BothBad, 1),
            (0, 2, Outcome::B, 2),
        ]);
        let tallies = Tallies::of(3, &votes);
        let pair = tallies.pair(0, 1);
        assert_eq!((pair.wins_i, pair.wins_j, pair.ties, pair.both_bad), (3.0, 1.0, 2.0, 1.0));
        assert!((pair.win_rate_i().unwrap() - 4.5 / 7.0).abs() < 1e-12);
        assert!((tallies.pair(1, 0).win_rate_i().unwrap() - 2.5 / 7.0).abs() < 1e-12);
        // Pooled: 0 scored 4.5 of 7 against 1 and 0 of 2 against 2: 4.5 / 9 = 0.5.
        assert!((tallies.pooled_win_rate(0).unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(tallies.pair(1, 2).win_rate_i(), None);
        assert_eq!(tallies.votes_of(0), 9.0);
    }

    #[test]
    fn strength_values_count_as_wins_of_their_side() {
        assert_eq!(Outcome::from_value("a_much"), Some(Outcome::A));
        assert_eq!(Outcome::from_value("a_slightly"), Some(Outcome::A));
        assert_eq!(Outcome::from_value("b_slightly"), Some(Outcome::B));
        assert_eq!(Outcome::from_value("tie"), Some(Outcome::Tie));
        assert_eq!(Outcome::from_value("both_bad"), Some(Outcome::BothBad));
        assert_eq!(Outcome::from_value("left"), None);
    }

    /// A (0) against B (1): 1 win, 2 ties (A scored 1 + 2/2 = 2, B 0 + 2/2 = 1);
    /// B against C (2): 2 wins, 1 loss; A against C: 4 wins, 1 loss.
    fn three_models() -> Vec<Vote> {
        votes(&[
            (0, 1, Outcome::A, 1),
            (0, 1, Outcome::Tie, 2),
            (1, 2, Outcome::A, 2),
            (2, 1, Outcome::A, 1),
            (0, 2, Outcome::A, 4),
            (0, 2, Outcome::B, 1),
        ])
    }

    #[test]
    fn bradley_terry_matches_the_fit_by_hand() {
        // Strengths p = (4, 2, 1) solve the likelihood equations W_i = sum_j N_ij p_i /
        // (p_i + p_j) (Hunter 2004, eq. 3), W the scores above:
        //   A: 3 * 4/6 + 5 * 4/5 = 2 + 4 = 6 = W_A (2 + 4)
        //   B: 3 * 2/6 + 3 * 2/3 = 1 + 2 = 3 = W_B (1 + 2)
        //   C: 3 * 1/3 + 5 * 1/5 = 1 + 1 = 2 = W_C (1 + 1)
        // so the MLE is p up to scale. On the Elo scale anchored at A: s_i = 1000 + 400
        // log10(p_i / p_A): A 1000, B 1000 - 400 log10 2 = 879.588, C 1000 - 800 log10 2
        // = 759.176.
        let fit = bradley_terry(&Tallies::of(3, &three_models()), 0, None).unwrap();
        let expected = [1000.0, 1000.0 - 400.0 * 2f64.log10(), 1000.0 - 800.0 * 2f64.log10()];
        for (score, expected) in fit.scores.iter().zip(expected) {
            assert!((score.unwrap() - expected).abs() < 1e-6, "{:?}", fit.scores);
        }
        assert!((expected[1] - 879.588).abs() < 1e-3 && (expected[2] - 759.176).abs() < 1e-3);
    }

    #[test]
    fn bradley_terry_differences_do_not_depend_on_the_anchor() {
        let tallies = Tallies::of(3, &three_models());
        let by_a = bradley_terry(&tallies, 0, None).unwrap().scores;
        let by_c = bradley_terry(&tallies, 2, None).unwrap().scores;
        assert!((by_c[2].unwrap() - 1000.0).abs() < 1e-9);
        for i in 0..3 {
            // Every score moves by the same amount: the anchor's old score minus 1000.
            let shift = by_a[2].unwrap() - 1000.0;
            assert!((by_c[i].unwrap() - (by_a[i].unwrap() - shift)).abs() < 1e-6, "{by_a:?} {by_c:?}");
        }
    }

    #[test]
    fn bradley_terry_has_no_fit_when_a_model_never_lost() {
        // 0 beat 1 every time and never tied: its score would be infinite.
        let tallies = Tallies::of(2, &votes(&[(0, 1, Outcome::A, 5)]));
        assert_eq!(bradley_terry(&tallies, 0, None), Err(NoFit::NotConnected));
        assert_eq!(bradley_terry(&Tallies::new(3), 0, None), Err(NoFit::TooFew));
        // A contender without votes has no score; the others still fit.
        let tallies = Tallies::of(3, &votes(&[(0, 1, Outcome::A, 2), (0, 1, Outcome::B, 1)]));
        let fit = bradley_terry(&tallies, 2, None).unwrap();
        assert_eq!(fit.scores[2], None);
        // 2 to 1: 400 log10 2 apart, the first contender with votes at 1000.
        assert!((fit.scores[0].unwrap() - 1000.0).abs() < 1e-9);
        assert!((fit.scores[1].unwrap() - (1000.0 - 400.0 * 2f64.log10())).abs() < 1e-6);
    }

    #[test]
    fn bootstrap_intervals_bracket_the_estimates() {
        // The three-model votes ten times over, each on its own prompt.
        let votes: Vec<Vote> = (0..10)
            .flat_map(|_| three_models())
            .enumerate()
            .map(|(index, vote)| Vote { prompt: index as u32, ..vote })
            .collect();
        let prompts = PromptVotes::new(3, &votes);
        assert_eq!(prompts.n_prompts(), votes.len());
        let intervals = prompt_bootstrap(&prompts, 0, RESAMPLING);
        let tallies = Tallies::of(3, &votes);
        let rate = tallies.pair(0, 2).win_rate_i().unwrap();
        let ci = intervals.pair(0, 2, 3).unwrap();
        assert!(ci.low <= rate && rate <= ci.high, "{ci:?}");
        let flipped = intervals.pair(2, 0, 3).unwrap();
        assert!((flipped.low - (1.0 - ci.high)).abs() < 1e-12);
        // The anchor's score is 1000 in every replicate.
        let anchor = intervals.scores[0].unwrap();
        assert_eq!((anchor.low, anchor.high), (1000.0, 1000.0));
        assert!(intervals.scores[1].unwrap().low < 879.6 && 879.5 < intervals.scores[1].unwrap().high);
        assert!(intervals.pooled[0].unwrap().high <= 1.0);
    }

    #[test]
    fn duplicated_votes_on_a_prompt_do_not_narrow_the_interval() {
        // 60 prompts, one vote each; then every prompt's vote three times. Resampling
        // prompts draws the same prompts from the same seed, and each prompt's votes move
        // together, so the intervals are the same; resampling single votes would narrow
        // them by about sqrt(3).
        let single = votes(&[(0, 1, Outcome::A, 30), (0, 1, Outcome::B, 20), (0, 1, Outcome::Tie, 10)]);
        let tripled: Vec<Vote> = single.iter().flat_map(|vote| [*vote; 3]).collect();
        let once = prompt_bootstrap(&PromptVotes::new(2, &single), 0, RESAMPLING);
        let thrice = prompt_bootstrap(&PromptVotes::new(2, &tripled), 0, RESAMPLING);
        let (a, b) = (once.pair(0, 1, 2).unwrap(), thrice.pair(0, 1, 2).unwrap());
        assert!((a.low - b.low).abs() < 1e-12 && (a.high - b.high).abs() < 1e-12, "{a:?} {b:?}");
        assert!(a.high - a.low > 0.1, "{a:?}");
        // Three votes on one prompt that all went one way are one unit, not three: the
        // same data as 180 prompts of one vote gives a narrower interval.
        let spread: Vec<Vote> =
            tripled.iter().enumerate().map(|(index, vote)| Vote { prompt: index as u32, ..*vote }).collect();
        let by_vote = prompt_bootstrap(&PromptVotes::new(2, &spread), 0, RESAMPLING).pair(0, 1, 2).unwrap();
        assert!(by_vote.high - by_vote.low < 0.8 * (a.high - a.low), "{by_vote:?} vs {a:?}");
    }

    #[test]
    fn position_bias_by_hand() {
        // 10 decisive votes, 7 for the left side: 0.7, n = 10.
        let votes: Vec<(u32, bool)> = (0..10).map(|prompt| (prompt, prompt < 7)).collect();
        let share = left_share(&votes, RESAMPLING);
        assert_eq!((share.share, share.n), (Some(0.7), 10));
        let ci = share.interval.unwrap();
        assert!(ci.low < 0.7 && 0.7 < ci.high && ci.low > 0.2, "{ci:?}");
        let none = left_share(&[], RESAMPLING);
        assert_eq!((none.share, none.interval, none.n), (None, None, 0));
    }

    #[test]
    fn percent_agreement_with_and_without_ties() {
        use Outcome::*;
        // Unit 1: a, a, tie: pairs (a,a) agree, two disagree: 1/3. Without ties: a, a: 1.
        // Unit 2: b, a: 0 both ways. Unit 3: tie, tie: 1 with ties; no decisive pair.
        let units = vec![vec![A, A, Tie], vec![B, A], vec![Tie, Tie]];
        let (all, n_all) = percent_agreement(&units, |_| true);
        assert!((all.unwrap() - (1.0 / 3.0 + 0.0 + 1.0) / 3.0).abs() < 1e-12);
        assert_eq!(n_all, 3);
        assert_eq!(percent_agreement(&units, decisive), (Some(0.5), 2));
    }
}
