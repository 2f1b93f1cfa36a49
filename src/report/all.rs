//! `tally report all`: every report over one scope, composed into one document to share
//! (HTML for people outside the terminal, Markdown for pull requests).

use super::agreement::{self, AgreementReport, Bootstrap};
use super::chart::Chart;
use super::errors::ErrorsReport;
use super::estimate::{EstimateReport, MaxRate, Method};
use super::gate::{self, Check, Thresholds};
use super::golden::GoldenDiff;
use super::judge::{self, Human, JudgeReport};
use super::table::{Document, Table};
use super::{Rendered, errors, figure, progress, raters};
use crate::store::{Batch, LabelScope, LabelSet, Store, StoreError, StoredRubric};

/// One top-level section: a title over a report's document.
pub struct Section {
    title: String,
    document: Document,
}

impl Section {
    pub fn of(title: &str, report: &impl Rendered) -> Section {
        Section { title: title.to_string(), document: report.document() }
    }

    /// A section that only says why its report is not there.
    pub fn note(title: &str, text: &str) -> Section {
        let mut document = Document::default();
        document.paragraph(text);
        Section { title: title.to_string(), document }
    }
}

/// The whole report: its title (also the HTML page's) and the document.
pub struct AllReport {
    pub title: String,
    pub document: Document,
}

/// What the summary opening the report needs beyond the sections: the gate's thresholds
/// (the gate's own flags) and what changed in the golden set.
pub struct SummaryRequest<'a> {
    pub thresholds: Thresholds,
    pub max_rates: &'a [MaxRate],
    /// How `max_rates` estimate a rate (ppi++, ppi or human), as `gate --estimate`.
    pub rate_method: Method,
    /// The two newest versions compared, or the sentence saying why there is nothing to
    /// compare (no golden set named, one version only).
    pub golden: Result<GoldenDiff, String>,
}

impl SummaryRequest<'_> {
    fn any_threshold(&self) -> bool {
        self.thresholds.any() || !self.max_rates.is_empty()
    }
}

/// A summary a release meeting can act on (the gate's verdict, the headline numbers with
/// their intervals, what changed in the golden set), then agreement, judge, raters and
/// progress over the labels of `batch` (or all labels under `rubric`), under a header
/// naming the store, rubric and scope; `by` slices the errors and estimates sections. No
/// timestamp: the same store and arguments give the same bytes, so a report can be
/// diffed and committed.
pub fn from_store(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    bootstrap: Bootstrap,
    by: Option<&str>,
    include_golden: bool,
    summary: SummaryRequest<'_>,
) -> Result<AllReport, StoreError> {
    // The labels read once for every report; each report once: its section shows it and
    // the summary reads its figures.
    let labels = store.label_set(LabelScope { rubric: &rubric.rubric.name, batch_id: batch.map(|b| b.id) })?;
    let agreement = agreement::from_labels(rubric, batch, &labels, None, bootstrap, include_golden);
    let judge = judge::from_labels(store, rubric, batch, &labels, Human::Mean, None, bootstrap, include_golden)?;
    let errors =
        errors::from_labels(store, rubric, batch, &labels, by, None, include_golden).map_err(errors_store_error)?;
    let estimate = estimate_report(store, rubric, batch, &labels, by, bootstrap.confidence)?;
    let checks =
        checks(store, rubric, batch, &labels, bootstrap, include_golden, &summary, &agreement, &judge, &estimate)?;
    // In report order; a further report is one more line here.
    let mut sections = vec![
        Section::of("Agreement", &agreement),
        judge_section(&judge),
        Section::of("Errors", &errors),
        Section::of("Raters", &raters::from_labels(store, rubric, batch.map(|b| b.id), &labels, include_golden)?),
        Section::of("Progress", &progress::from_store(store, batch.map(|batch| batch.name.as_str()))?),
    ];
    // PPI has something to add when some criterion has a PPI++ estimate: judged items
    // without human labels. Without them the humans' rates are the errors section's.
    if estimate.criteria.iter().any(|criterion| criterion.ppi_plus_plus.is_some()) {
        sections.insert(3, Section::of("Estimates", &estimate));
    }
    let title = format!("tally report: {} v{}", rubric.rubric.name, rubric.rubric.version);
    let mut document = Document::default();
    document.title(title.as_str());
    document.paragraph(header(store, rubric, batch));
    document.section("Summary");
    document.append(summary_document(checks.as_deref(), &agreement, &judge, &errors, summary.golden));
    for section in sections {
        document.section(section.title);
        document.append(section.document);
    }
    Ok(AllReport { title, document })
}

/// The gate's checks over the reports already computed (`None` without thresholds);
/// only `--min-win-rate` needs one more report (the preferences), and `--max-rate` with
/// `--by` the unsliced estimates.
#[allow(clippy::too_many_arguments)] // the reports the checks read
fn checks(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    labels: &LabelSet,
    bootstrap: Bootstrap,
    include_golden: bool,
    summary: &SummaryRequest<'_>,
    agreement: &AgreementReport,
    judge: &JudgeReport,
    estimate: &EstimateReport,
) -> Result<Option<Vec<Check>>, StoreError> {
    if !summary.any_threshold() {
        return Ok(None);
    }
    let mut checks = gate::evaluate(&summary.thresholds, &[], agreement, Some(judge));
    if summary.thresholds.min_win_rate.is_set() {
        let request =
            super::preference::Request { batch, criterion: None, by: None, anchor: None, bootstrap, include_golden };
        let report = match super::preference::from_store(store, rubric, request) {
            Ok(report) => report,
            Err(super::preference::PreferenceError::Store(error)) => return Err(error),
            Err(other) => return Err(StoreError::Invalid(other.to_string())),
        };
        checks.extend(gate::win_rate_checks(&summary.thresholds.min_win_rate, &report));
    }
    if !summary.max_rates.is_empty() {
        // A threshold is on the whole scope's rate, as the gate's; sliced estimates (--by)
        // have no whole-scope row, so that one is computed for the check.
        let unsliced;
        let estimate = match estimate.by {
            None => estimate,
            Some(_) => {
                unsliced = estimate_report(store, rubric, batch, labels, None, bootstrap.confidence)?;
                &unsliced
            }
        };
        let rates = super::estimate::rate_checks(estimate, &rubric.rubric, summary.max_rates, summary.rate_method);
        checks.extend(rates.map_err(StoreError::Invalid)?);
    }
    Ok(Some(checks))
}

/// Rows of golden-set changes the summary lists; `golden diff` has them all.
const SUMMARY_ROWS: usize = 20;

/// Verdict, headline numbers, golden-set changes: the part of the report people act on.
fn summary_document(
    checks: Option<&[Check]>,
    agreement: &AgreementReport,
    judge: &JudgeReport,
    errors: &ErrorsReport,
    golden: Result<GoldenDiff, String>,
) -> Document {
    let mut document = Document::default();
    match checks {
        None => {
            document.verdict(None, "Verdict: no thresholds given");
            document.paragraph(
                "Give the gate's flags (e.g. --min-alpha 0.7, --min-judge-spearman 0.6, --max-judge-bias 0.5, \
                 --max-rate correct=fail:0.15, --min-win-rate MODEL=0.5) for a PASS/FAIL verdict.",
            );
        }
        Some(checks) => {
            let failed = checks.iter().filter(|check| !check.passed).count();
            document.verdict(
                Some(failed == 0),
                if failed == 0 {
                    format!("Verdict: PASS ({} checks hold)", checks.len())
                } else {
                    format!("Verdict: FAIL ({failed} of {} checks fail)", checks.len())
                },
            );
            let mut table = Table::new(&["check", "criterion", "statistic", ">value", ">threshold", ">by"]);
            for check in checks {
                let bound = if check.minimum { "min" } else { "max" };
                let value = check.value.map_or_else(
                    || format!("undefined ({})", check.note.as_deref().unwrap_or("no value")),
                    |value| format!("{value:.3}"),
                );
                table.row(vec![
                    if check.passed { "PASS" } else { "FAIL" }.to_string(),
                    check.criterion.clone(),
                    check.statistic.clone(),
                    value,
                    format!("{bound} {}", check.threshold),
                    check
                        .value
                        .map_or_else(|| "-".to_string(), |value| format!("{:.3}", (value - check.threshold).abs())),
                ]);
            }
            document.table(table);
        }
    }
    headline(&mut document, agreement, judge, errors);
    document.heading("Golden set: what changed");
    match golden {
        Ok(diff) => document.append(diff.document_at_most(SUMMARY_ROWS)),
        Err(why) => document.paragraph(why),
    }
    document
}

/// Alpha and the judge's Spearman per criterion, and the failure rates of binary criteria,
/// each with its interval, taken from the sections' reports.
fn headline(document: &mut Document, agreement: &AgreementReport, judge: &JudgeReport, errors: &ErrorsReport) {
    let interval = |low: Option<f64>, high: Option<f64>| match (low, high) {
        (Some(low), Some(high)) => format!("{low:.3} to {high:.3}"),
        _ => "-".to_string(),
    };
    let percent = (agreement.criteria.first().map(|c| c.confidence))
        .or(Some(judge.confidence))
        .map_or(95.0, |confidence| confidence * 100.0);
    document.heading("Headline numbers");
    let ci = format!(">{percent:.0}% CI");
    let mut table = Table::new(&["criterion", ">alpha", &ci, ">judge spearman", &ci]);
    for criterion in &agreement.criteria {
        let figures = &criterion.figures;
        let judged = judge.criteria.iter().find(|judged| judged.criterion == criterion.criterion);
        let spearman = judged.map(|judged| &judged.correlations.spearman);
        table.row(vec![
            criterion.criterion.clone(),
            figure(figures.alpha),
            interval(figures.ci_low, figures.ci_high),
            figure(spearman.and_then(|s| s.rho)),
            spearman.map_or_else(|| "-".to_string(), |s| interval(s.test.ci_low, s.test.ci_high)),
        ]);
    }
    document.table(table);
    let rates: Vec<(&str, &errors::Rate)> = errors
        .slices
        .iter()
        .flat_map(|slice| slice.rates.iter().map(move |rate| (slice.slice.as_str(), rate)))
        .filter(|(_, rate)| rate.kind == "binary")
        .collect();
    if rates.is_empty() {
        document.paragraph("No failure rates: no binary criterion has a consensus in scope.");
        return;
    }
    let failure_of = |rate: &errors::Rate| format!("{}={}", rate.criterion, rate.value);
    let wilson = format!(">{:.0}% CI (Wilson)", errors.confidence * 100.0);
    let mut table = Table::new(&["slice", "failure", ">rate", &wilson, ">n"]);
    for (slice, rate) in &rates {
        table.row(vec![
            slice.to_string(),
            failure_of(rate),
            figure(rate.rate),
            interval(rate.ci_low, rate.ci_high),
            format!("{} of {}", rate.count, rate.n),
        ]);
    }
    document.table(table);
    // Unsliced, one chart with a bar per failure; sliced, a chart per failure with a bar
    // per slice, so that labels stay short enough to read.
    if errors.by.is_none() {
        let mut chart = Chart::new("failure rates", 0.0, 1.0);
        for (_, rate) in &rates {
            chart.row(&failure_of(rate), rate.rate, rate.ci_low.zip(rate.ci_high));
        }
        document.chart(chart);
        return;
    }
    let mut failures: Vec<String> = Vec::new();
    for (_, rate) in &rates {
        if !failures.contains(&failure_of(rate)) {
            failures.push(failure_of(rate));
        }
    }
    for failure in failures {
        let mut chart = Chart::new(format!("{failure} rate per slice"), 0.0, 1.0);
        for (slice, rate) in rates.iter().filter(|(_, rate)| failure_of(rate) == failure) {
            chart.row(slice, rate.rate, rate.ci_low.zip(rate.ci_high));
        }
        document.chart(chart);
    }
}

/// Without `--compare` the errors report fails only in the store.
fn errors_store_error(error: errors::ErrorsError) -> StoreError {
    match error {
        errors::ErrorsError::Store(error) => error,
        other => StoreError::Invalid(other.to_string()),
    }
}

/// The estimates (`tally estimate`, every method, over the items of `batch` or all, one
/// table per slice of `by` as the errors section).
fn estimate_report(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    labels: &LabelSet,
    by: Option<&str>,
    confidence: f64,
) -> Result<EstimateReport, StoreError> {
    use super::estimate::{EstimateError, Request, from_labels};
    let request = Request { criterion: None, by, dataset: None, batch, method: Method::All, confidence, compare: None };
    match from_labels(store, rubric, Some(labels), request) {
        Ok(report) => Ok(report),
        Err(EstimateError::Store(error)) => Err(error),
        Err(other) => Err(StoreError::Invalid(other.to_string())),
    }
}

/// The judge report when some criterion has judge scores and human labels; otherwise a
/// line saying so (many stores have no LLM judge at all).
fn judge_section(report: &JudgeReport) -> Section {
    if report.criteria.is_empty() {
        Section::note("Judge", "No judge scores: no item in scope carries an LLM judge score next to human labels.")
    } else {
        Section::of("Judge", report)
    }
}

/// Store file name (not its folder: the report is shared), rubric, scope, tally version.
fn header(store: &Store, rubric: &StoredRubric, batch: Option<&Batch>) -> String {
    let store_name = store
        .path()
        .and_then(|path| path.file_name())
        .map_or_else(|| ":memory:".to_string(), |name| name.to_string_lossy().into_owned());
    let hash: String = rubric.hash.chars().take(12).collect();
    let scope =
        batch.map_or_else(|| "all labels under the rubric".to_string(), |batch| format!("batch {}", batch.name));
    format!(
        "store: {store_name}\nrubric: {} v{} ({hash})\nscope: {scope}\ngenerated by tally {}",
        rubric.rubric.name,
        rubric.rubric.version,
        env!("CARGO_PKG_VERSION")
    )
}
