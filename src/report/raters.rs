//! `tally report raters`: each rater's quality. Honeypot accuracy (known-answer items)
//! with its Wilson interval; agreement with the consensus of the other raters (the share
//! of their categorical labels that match the others' majority, or median on ordinal
//! scales) with its interval; the drift of that agreement (later half of the rater's
//! labels against the earlier half, by time); and the median time on an item.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::table::{Document, Table};
use super::{Rendered, csv_rows, figure};
use crate::model::Kind;
use crate::stats::consensus::{majority, median_category};
use crate::stats::proportion::wilson;
use crate::store::{LabelScope, LabelSet, Store, StoreError, StoredRubric};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rate {
    pub n: u64,
    pub hits: u64,
    pub rate: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

impl Rate {
    fn of(hits: u64, n: u64) -> Rate {
        let interval = wilson(hits, n, 0.95);
        Rate {
            n,
            hits,
            rate: (n > 0).then(|| hits as f64 / n as f64),
            ci_low: interval.map(|ci| ci.0),
            ci_high: interval.map(|ci| ci.1),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaterQuality {
    pub rater: String,
    /// Answers on honeypots that match the known answer.
    pub honeypot_accuracy: Rate,
    /// Labels that match the other raters' consensus.
    pub agreement_with_others: Rate,
    /// Agreement in the earlier and the later half of the rater's labels, and the change.
    pub agreement_first_half: Option<f64>,
    pub agreement_second_half: Option<f64>,
    pub drift: Option<f64>,
    pub median_seconds_per_item: Option<f64>,
    pub items_timed: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatersReport {
    pub rubric: String,
    pub raters: Vec<RaterQuality>,
    /// Golden-set labels not counted (golden sets are not raters; `--include-golden`).
    pub golden_labels_left_out: usize,
}

/// Each rater's quality under `rubric`, over the labels, honeypots and timings of one
/// batch (`batch_id`) or of all.
pub fn from_store(
    store: &Store,
    rubric: &StoredRubric,
    batch_id: Option<i64>,
    include_golden: bool,
) -> Result<RatersReport, StoreError> {
    let labels = store.label_set(LabelScope { rubric: &rubric.rubric.name, batch_id })?;
    from_labels(store, rubric, batch_id, &labels, include_golden)
}

/// The raters report over labels already read (`report all` reads them once).
pub fn from_labels(
    store: &Store,
    rubric: &StoredRubric,
    batch_id: Option<i64>,
    labels: &LabelSet,
    include_golden: bool,
) -> Result<RatersReport, StoreError> {
    let golden_labels_left_out = labels.golden_left_out(include_golden);
    // Per rater: (time, item, criterion, matched) for every label compared with the
    // others' consensus on the same item and criterion.
    let mut compared: BTreeMap<&str, Vec<(i64, i64, &str, bool)>> = BTreeMap::new();
    let mut names: BTreeSet<String> = BTreeSet::new();
    labels.each_item(include_golden, |item_labels| -> Result<(), StoreError> {
        // criterion -> [(rater, category code, time)] for categorical criteria.
        let mut cells: BTreeMap<&str, Vec<(&str, usize, i64)>> = BTreeMap::new();
        for label in item_labels {
            if !names.contains(label.rater) {
                names.insert(label.rater.to_string());
            }
            let Some(criterion) = rubric.rubric.criterion(label.criterion) else { continue };
            if !matches!(criterion.kind, Kind::Binary | Kind::Nominal | Kind::Ordinal) {
                continue;
            }
            let Some(code) = label.value.as_str().and_then(|value| criterion.choice_index(value)) else { continue };
            cells.entry(label.criterion).or_default().push((label.rater, code, label.at));
        }
        let item_id = item_labels[0].item_id;
        for (criterion, ratings) in &cells {
            let ordered = rubric.rubric.criterion(criterion).is_some_and(|c| c.kind == Kind::Ordinal);
            for (index, (rater, code, at)) in ratings.iter().enumerate() {
                let others: Vec<usize> =
                    ratings.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, (_, c, _))| *c).collect();
                if others.is_empty() {
                    continue;
                }
                let consensus = if ordered { median_category(&others) } else { majority(&others).winner };
                if let Some(consensus) = consensus {
                    compared.entry(rater).or_default().push((*at, item_id, criterion, consensus == *code));
                }
            }
        }
        Ok(())
    })?;
    // By time; labels given at the same time by item id, then criterion.
    let compared: BTreeMap<&str, Vec<(i64, bool)>> = compared
        .into_iter()
        .map(|(rater, mut matches)| {
            matches.sort_unstable_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
            (rater, matches.into_iter().map(|(at, _, _, hit)| (at, hit)).collect())
        })
        .collect();
    let mut honeypots: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (rater, criterion, gold, answer) in store.honeypot_answers(batch_id)? {
        let Some(answer) = answer else { continue };
        let Some(definition) = rubric.rubric.criterion(&criterion) else { continue };
        // Compare as the rubric reads values, so `4` and `"4"` are the same answer.
        let read = |json: &str| serde_json::from_str(json).ok().and_then(|v| definition.parse_json(&v).ok());
        let entry = honeypots.entry(rater).or_default();
        entry.0 += 1;
        entry.1 += u64::from(read(&gold).is_some() && read(&gold) == read(&answer));
    }
    let mut times: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (rater, ms) in store.confirm_times(batch_id)? {
        times.entry(rater).or_default().push(ms as f64 / 1000.0);
    }
    names.extend(honeypots.keys().cloned());
    names.extend(times.keys().cloned());
    let raters = names
        .into_iter()
        .map(|rater| {
            let matches = compared.get(rater.as_str()).cloned().unwrap_or_default();
            let hits = |part: &[(i64, bool)]| part.iter().filter(|(_, hit)| *hit).count() as u64;
            let half = matches.len() / 2;
            let share = |part: &[(i64, bool)]| (!part.is_empty()).then(|| hits(part) as f64 / part.len() as f64);
            let (first, second) =
                if matches.len() >= 4 { (share(&matches[..half]), share(&matches[half..])) } else { (None, None) };
            let (answered, correct) = honeypots.get(&rater).copied().unwrap_or_default();
            let mut seconds = times.get(&rater).cloned().unwrap_or_default();
            seconds.sort_by(f64::total_cmp);
            RaterQuality {
                honeypot_accuracy: Rate::of(correct, answered),
                agreement_with_others: Rate::of(hits(&matches), matches.len() as u64),
                agreement_first_half: first,
                agreement_second_half: second,
                drift: first.zip(second).map(|(a, b)| b - a),
                median_seconds_per_item: crate::stats::consensus::median(&seconds),
                items_timed: seconds.len(),
                rater,
            }
        })
        .collect();
    Ok(RatersReport { rubric: rubric.rubric.name.clone(), raters, golden_labels_left_out })
}

fn rate_cells(rate: &Rate) -> [String; 3] {
    let interval = match (rate.ci_low, rate.ci_high) {
        (Some(low), Some(high)) => format!("{low:.2}-{high:.2}"),
        _ => "-".to_string(),
    };
    [figure(rate.rate), interval, rate.n.to_string()]
}

impl Rendered for RatersReport {
    fn document(&self) -> Document {
        let mut document = Document::default();
        document.heading(format!("Raters: rubric {}", self.rubric));
        if let Some(note) = super::golden_note(self.golden_labels_left_out) {
            document.paragraph(note);
        }
        let mut table =
            Table::new(&["rater", ">honeypots", ">95% CI", ">n", ">agree", ">95% CI", ">n", ">drift", ">s/item"]);
        for rater in &self.raters {
            let [honey, honey_ci, honey_n] = rate_cells(&rater.honeypot_accuracy);
            let [agree, agree_ci, agree_n] = rate_cells(&rater.agreement_with_others);
            table.row(vec![
                rater.rater.clone(),
                honey,
                honey_ci,
                honey_n,
                agree,
                agree_ci,
                agree_n,
                rater.drift.map_or("-".into(), |d| format!("{d:+.2}")),
                rater.median_seconds_per_item.map_or("-".into(), |s| format!("{s:.0}")),
            ]);
        }
        document.table(table);
        document.paragraph(
            "honeypots: share of known-answer items answered right. agree: share of labels\n\
             matching the others' majority (median on ordinal scales). CI: Wilson 95%.\n\
             drift: agreement in the later half of the rater's labels minus the earlier half.\n\
             s/item: median seconds on a confirmed item.",
        );
        document
    }

    fn csv(&self) -> String {
        let number = |value: Option<f64>| value.map_or_else(String::new, |v| v.to_string());
        csv_rows(
            &[
                "rater",
                "honeypot_accuracy",
                "honeypot_ci_low",
                "honeypot_ci_high",
                "honeypot_n",
                "agreement",
                "agreement_ci_low",
                "agreement_ci_high",
                "agreement_n",
                "drift",
                "median_seconds_per_item",
            ],
            self.raters.iter().map(|r| {
                vec![
                    r.rater.clone(),
                    number(r.honeypot_accuracy.rate),
                    number(r.honeypot_accuracy.ci_low),
                    number(r.honeypot_accuracy.ci_high),
                    r.honeypot_accuracy.n.to_string(),
                    number(r.agreement_with_others.rate),
                    number(r.agreement_with_others.ci_low),
                    number(r.agreement_with_others.ci_high),
                    r.agreement_with_others.n.to_string(),
                    number(r.drift),
                    number(r.median_seconds_per_item),
                ]
            }),
        )
    }
}
