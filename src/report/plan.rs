//! `tally plan`: how many items to label, printed with the assumptions it used
//! ([`crate::stats::plan`] does the arithmetic).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::table::{Document, Table};
use super::{Rendered, csv_rows};
use crate::stats::plan::{correlation_n, kappa_interval_n, kappa_test_n, rate_n, with_judge};

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
        question: format!("a rate near {p} to ±{half_width}"),
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
            (n, format!("testing kappa = {kappa0} when it is {kappa1}"))
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
            (n, format!("kappa near {kappa1} to ±{half_width}"))
        }
    };
    assumptions.insert("n_exact", json!(n));
    Ok(Plan { n: whole(n), n_with_judge: None, assumptions, question })
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
            table.row(vec![key.to_string(), cell(value)]);
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
