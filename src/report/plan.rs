//! `tally plan`: how many items to label, printed with the assumptions it used
//! ([`crate::stats::plan`] does the arithmetic).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::table::{Document, Table};
use super::{Rendered, csv_rows};
use crate::model::Kind;
use crate::stats::alpha::Units;
use crate::stats::categorical::Contingency;
use crate::stats::plan::{alpha_n, correlation_n, kappa_interval_n, kappa_test_n, rate_n, with_judge};
use crate::store::{LabelScope, Store, StoreError, StoredRubric};

/// A sample size and what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Items to label (rounded up).
    pub n: u64,
    /// For a rate with `--rho`: human labels needed with the judge on every item (PPI++).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_with_judge: Option<u64>,
    pub assumptions: BTreeMap<&'static str, Value>,
    /// What the plan is for, in words.
    #[serde(skip)]
    pub question: String,
}

fn whole(n: f64) -> u64 {
    // Sizes are positive and far below u64's range; a tiny float excess is no extra item.
    (n - 1e-9).ceil().max(1.0) as u64
}

/// `plan rate`: a rate near `p` to ± `half_width`, and with a judge correlating `rho`.
pub fn rate(p: f64, half_width: f64, rho: Option<f64>, confidence: f64) -> Result<Plan, String> {
    let n = rate_n(p, half_width, confidence)
        .ok_or_else(|| format!("--half-width must be above 0 and --p between 0 and 1 (got {half_width} and {p})"))?;
    let n_with_judge = rho
        .map(|rho| with_judge(n, rho).ok_or_else(|| format!("--rho must be between -1 and 1, not {rho}")))
        .transpose()?;
    let mut assumptions = BTreeMap::from([
        ("p", json!(p)),
        ("half_width", json!(half_width)),
        ("confidence", json!(confidence)),
        ("method", json!("normal approximation: n = z^2 p (1 - p) / H^2")),
    ]);
    if let Some(rho) = rho {
        assumptions.insert("rho", json!(rho));
        assumptions.insert("with_judge", json!("PPI++ with many judged items: n (1 - rho^2)"));
    }
    Ok(Plan {
        n: whole(n),
        n_with_judge: n_with_judge.map(whole),
        assumptions,
        question: format!("a rate near {} to ±{}", short(p), short(half_width)),
    })
}

/// `plan correlation`: a Pearson correlation near `r` to ± `half_width` (Fisher z).
pub fn correlation(r: f64, half_width: f64, confidence: f64) -> Result<Plan, String> {
    let n = correlation_n(r, half_width, confidence).ok_or_else(|| {
        format!("--r must be strictly between -1 and 1 and --half-width between 0 and 1 (got {r} and {half_width})")
    })?;
    Ok(Plan {
        n,
        n_with_judge: None,
        assumptions: BTreeMap::from([
            ("r", json!(r)),
            ("half_width", json!(half_width)),
            ("confidence", json!(confidence)),
            ("method", json!("Fisher z interval, half of its width on the r scale")),
        ]),
        question: format!("a correlation near {r} to ±{half_width}"),
    })
}

/// What `plan kappa` is asked.
#[derive(Debug, Clone, Copy)]
pub enum KappaGoal {
    /// Test H0: kappa = kappa0 (`--kappa0`), with `alpha`, `power` and `sides`.
    Test { kappa0: f64, alpha: f64, power: f64, sides: u8 },
    /// A confidence interval of this half-width at this confidence.
    Interval { half_width: f64, confidence: f64 },
}

/// `plan kappa`: Cohen's kappa of two raters on a binary rating (Cantor 1996, as irr).
pub fn kappa(kappa1: f64, prevalence: f64, goal: KappaGoal) -> Result<Plan, String> {
    let mut assumptions = BTreeMap::from([
        ("kappa1", json!(kappa1)),
        ("prevalence", json!(prevalence)),
        ("raters", json!(2)),
        ("categories", json!(2)),
    ]);
    let unreachable = || {
        format!(
            "no 2x2 table has kappa {kappa1} with prevalence {prevalence} for both raters; \
             --prevalence must be between 0 and 1, and --kappa0/--kappa1 within what it allows"
        )
    };
    let (n, question) = match goal {
        KappaGoal::Test { kappa0, alpha, power, sides } => {
            if kappa0 == kappa1 {
                return Err(format!("--kappa0 and --kappa1 must differ (both {kappa0})"));
            }
            if !(alpha > 0.0 && alpha < 1.0 && power > 0.0 && power < 1.0) {
                return Err(format!("--alpha and --power must be between 0 and 1 (got {alpha} and {power})"));
            }
            assumptions.extend([
                ("kappa0", json!(kappa0)),
                ("alpha", json!(alpha)),
                ("power", json!(power)),
                ("sides", json!(sides)),
                ("method", json!("Cantor 1996, as R irr::N.cohen.kappa")),
            ]);
            let n = kappa_test_n(kappa0, kappa1, prevalence, alpha, power, sides).ok_or_else(unreachable)?;
            (n, format!("testing kappa = {} when it is {}", short(kappa0), short(kappa1)))
        }
        KappaGoal::Interval { half_width, confidence } => {
            assumptions.extend([
                ("half_width", json!(half_width)),
                ("confidence", json!(confidence)),
                ("method", json!("normal interval with Cantor's 1996 variance of kappa")),
            ]);
            if half_width <= 0.0 || half_width.is_nan() {
                return Err(format!("--half-width must be above 0, not {half_width}"));
            }
            let n = kappa_interval_n(kappa1, prevalence, half_width, confidence).ok_or_else(unreachable)?;
            (n, format!("kappa near {} to ±{}", short(kappa1), short(half_width)))
        }
    };
    assumptions.insert("n_exact", json!(n));
    Ok(Plan { n: whole(n), n_with_judge: None, assumptions, question })
}

/// What `plan kappa --from-store` takes from the labels in the store: two raters' values
/// of a binary criterion on the items both labeled.
#[derive(Debug, Clone, PartialEq)]
pub struct KappaPilot {
    pub criterion: String,
    /// The option whose share is the prevalence: the criterion's failing one.
    pub positive: String,
    /// The pair of raters with the most items in common (the first such pair by name).
    pub raters: [String; 2],
    /// Items both labeled.
    pub items: usize,
    /// Cohen's kappa of the two on those items.
    pub kappa: f64,
    /// The share of those items the two call failing (the second option), averaged over
    /// the two: Cantor's model gives both raters one prevalence.
    pub prevalence: f64,
}

/// The pilot of `plan kappa --from-store`: `criterion` (default: the rubric's first
/// binary criterion), the two raters with the most items in common, golden sets left
/// out as every report leaves them. `Err` says what the user can change.
pub fn kappa_pilot(
    store: &Store,
    rubric: &StoredRubric,
    criterion: Option<&str>,
) -> Result<Result<KappaPilot, String>, StoreError> {
    let definition = &rubric.rubric;
    let binary = definition.criteria.iter().filter(|c| c.kind == Kind::Binary);
    let Some(criterion) = binary.clone().find(|c| criterion.is_none_or(|wanted| c.id == wanted)) else {
        let known: Vec<&str> = binary.map(|c| c.id.as_str()).collect();
        return Ok(Err(format!(
            "--from-store: rubric {} has no binary criterion{} (binary: {})",
            definition.name,
            criterion.map_or_else(String::new, |name| format!(" `{name}`")),
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        )));
    };
    let scope = LabelScope { rubric: &definition.name, batch_id: None };
    let (labels, _) = store.rater_labels(scope, false)?;
    // Per rater, per item: whether the rater failed it.
    let mut values: BTreeMap<&str, BTreeMap<i64, bool>> = BTreeMap::new();
    for label in labels.iter().filter(|label| label.criterion == criterion.id) {
        // The first option is 1, the failing one 0 (as `report judge` numbers them).
        if let Some(number) = super::judge::number(criterion, &label.value) {
            values.entry(&label.rater).or_default().insert(label.item_id, number == 0.0);
        }
    }
    let raters: Vec<&str> = values.keys().copied().collect();
    let mut best: Option<(usize, &str, &str)> = None;
    for (index, a) in raters.iter().enumerate() {
        for b in &raters[index + 1..] {
            let common = values[a].keys().filter(|item| values[b].contains_key(item)).count();
            if common > 0 && best.is_none_or(|(most, _, _)| common > most) {
                best = Some((common, a, b));
            }
        }
    }
    let Some((items, a, b)) = best else {
        return Ok(Err(format!(
            "--from-store: no two raters labeled the same item on `{}` (raters: {})",
            criterion.id,
            if raters.is_empty() { "none".to_string() } else { raters.join(", ") }
        )));
    };
    let mut table = Contingency::new(2);
    let (mut a_fails, mut b_fails) = (0usize, 0usize);
    for (item, &a_failed) in &values[a] {
        if let Some(&b_failed) = values[b].get(item) {
            table.add(u32::from(a_failed), u32::from(b_failed));
            a_fails += usize::from(a_failed);
            b_fails += usize::from(b_failed);
        }
    }
    let Ok(kappa) = table.kappa(&[1.0, 0.0, 0.0, 1.0]).value else {
        return Ok(Err(format!(
            "--from-store: kappa of {a} and {b} on `{}` is undefined (on their {items} common items \
             both always gave one value); give --kappa1 and --prevalence",
            criterion.id
        )));
    };
    Ok(Ok(KappaPilot {
        criterion: criterion.id.clone(),
        positive: criterion.options.get(1).map(|option| option.value.clone()).unwrap_or_default(),
        raters: [a.to_string(), b.to_string()],
        items,
        kappa,
        prevalence: (a_fails + b_fails) as f64 / (2 * items) as f64,
    }))
}

/// `plan kappa`, with the kappa and the prevalence not given taken from `pilot`, saying
/// in the assumptions which were taken and from what.
pub fn kappa_from(
    kappa1: Option<f64>,
    prevalence: Option<f64>,
    pilot: Option<&KappaPilot>,
    goal: KappaGoal,
) -> Result<Plan, String> {
    let taken: Vec<&str> = [("kappa1", kappa1), ("prevalence", prevalence)]
        .into_iter()
        .filter(|(_, given)| given.is_none())
        .map(|(name, _)| name)
        .collect();
    let (Some(kappa1), Some(prevalence)) =
        (kappa1.or(pilot.map(|p| p.kappa)), prevalence.or(pilot.map(|p| p.prevalence)))
    else {
        return Err("give --kappa1 and --prevalence, or --from-store to take them from the labels".to_string());
    };
    let mut plan = kappa(kappa1, prevalence, goal)?;
    if let Some(pilot) = pilot {
        plan.assumptions.extend([
            ("from_store", json!(if taken.is_empty() { "nothing (both given)".to_string() } else { taken.join(", ") })),
            ("pilot_criterion", json!(format!("{} (prevalence: share of {})", pilot.criterion, pilot.positive))),
            ("pilot_raters", json!(pilot.raters.join(", "))),
            ("pilot_items", json!(pilot.items)),
            ("pilot_kappa", json!(pilot.kappa)),
            ("pilot_prevalence", json!(pilot.prevalence)),
        ]);
    }
    Ok(plan)
}

/// What `plan alpha` is asked: the criterion (default: the rubric's first with a level
/// of measurement), raters per unit, the half-width, and the simulation's size and seed.
#[derive(Debug, Clone, Copy)]
pub struct AlphaRequest<'a> {
    pub criterion: Option<&'a str>,
    pub raters: usize,
    pub half_width: f64,
    pub confidence: f64,
    pub replicates: usize,
    pub seed: u64,
}

/// Units the simulation may propose at most (beyond, the plan says it cannot be reached).
const MAX_ALPHA_UNITS: usize = 1_000_000;

/// `plan alpha`: Krippendorff's alpha to a half-width, by simulation from the labels in
/// the store as a pilot ([`alpha_n`]); golden sets are not raters. `Err` says what the
/// user can change.
pub fn alpha(store: &Store, rubric: &StoredRubric, request: AlphaRequest) -> Result<Result<Plan, String>, StoreError> {
    let definition = &rubric.rubric;
    let Some(criterion) = definition
        .criteria
        .iter()
        .filter(|c| c.level().is_some() && c.kind != Kind::Tags)
        .find(|c| request.criterion.is_none_or(|wanted| c.id == wanted))
    else {
        return Ok(Err(format!(
            "rubric {} has no binary, nominal, ordinal or number criterion{}",
            definition.name,
            request.criterion.map_or_else(String::new, |name| format!(" `{name}`"))
        )));
    };
    let Some(level) = criterion.level() else { return Ok(Err("no level of measurement".into())) };
    if request.raters < 2 || request.half_width.is_nan() || request.half_width <= 0.0 || request.replicates < 10 {
        return Ok(Err(format!(
            "--raters must be at least 2, --half-width above 0 and --replicates at least 10 (got {}, {} and {})",
            request.raters, request.half_width, request.replicates
        )));
    }
    let scope = LabelScope { rubric: &definition.name, batch_id: None };
    let (labels, _) = store.rater_labels(scope, false)?;
    let mut pilot = Units::new();
    for item_labels in labels.chunk_by(|a, b| a.item_id == b.item_id) {
        let values = item_labels
            .iter()
            .filter(|label| label.criterion == criterion.id)
            .filter_map(|label| super::judge::number(criterion, &label.value));
        pilot.push_unit(values);
    }
    let pairable = pilot.iter().filter(|unit| unit.len() >= 2).count();
    let found = alpha_n(
        &pilot,
        level,
        request.raters,
        request.half_width,
        request.confidence,
        request.replicates,
        request.seed,
        MAX_ALPHA_UNITS,
    );
    let Some(found) = found else {
        return Ok(Err(format!(
            "{}: no plan: the pilot's alpha is undefined (it needs units rated twice and some \
             variation; {pairable} units rated twice), or no size up to {MAX_ALPHA_UNITS} units reaches ±{}",
            criterion.id, request.half_width
        )));
    };
    Ok(Ok(Plan {
        n: found.n as u64,
        n_with_judge: None,
        assumptions: BTreeMap::from([
            ("criterion", json!(criterion.id)),
            ("level", json!(level.name())),
            ("raters", json!(request.raters)),
            ("half_width", json!(request.half_width)),
            ("confidence", json!(request.confidence)),
            ("replicates", json!(request.replicates)),
            ("seed", json!(request.seed)),
            ("pilot_units", json!(pairable)),
            ("pilot_alpha", json!(found.pilot_alpha)),
            ("simulated_half_width", json!(found.half_width)),
            ("method", json!("simulated studies of pilot units, --raters values each")),
        ]),
        question: format!("alpha of {} to ±{}", criterion.id, request.half_width),
    }))
}

/// A number as a person reads it: four decimals at most, no trailing zeros (a pilot's
/// rate is 0.2611, not 0.2611464968152866).
fn short(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

/// An assumption in a table: numbers shortened, as [`short`] does.
fn shown(value: &Value) -> String {
    match value.as_f64() {
        Some(number) if value.is_f64() => short(number),
        _ => cell(value),
    }
}

fn cell(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

impl Rendered for Plan {
    fn document(&self) -> Document {
        let mut document = Document::default();
        document.heading(format!("Plan: {}", self.question));
        let mut table = Table::new(&["items to label", ">n"]);
        table.row(vec!["humans only".to_string(), self.n.to_string()]);
        if let Some(n) = self.n_with_judge {
            table.row(vec!["humans plus the judge (PPI++)".to_string(), n.to_string()]);
        }
        document.table(table);
        let mut table = Table::new(&["assumption", "value"]);
        for (key, value) in &self.assumptions {
            table.row(vec![key.to_string(), shown(value)]);
        }
        document.table(table);
        document
    }

    fn csv(&self) -> String {
        let mut records = vec![vec!["n".to_string(), self.n.to_string()]];
        if let Some(n) = self.n_with_judge {
            records.push(vec!["n_with_judge".to_string(), n.to_string()]);
        }
        records.extend(self.assumptions.iter().map(|(key, value)| vec![key.to_string(), cell(value)]));
        csv_rows(&["key", "value"], records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_tables_are_short() {
        assert_eq!(short(0.2611464968152866), "0.2611");
        assert_eq!(short(0.05), "0.05");
        assert_eq!(short(2.0), "2");
        assert_eq!(short(-0.00001), "0");
        assert_eq!(shown(&json!(0.95)), "0.95");
        assert_eq!(shown(&json!(157)), "157");
        assert_eq!(shown(&json!("normal")), "normal");
    }
}
