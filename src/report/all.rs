//! `tally report all`: every report over one scope, composed into one document to share
//! (HTML for people outside the terminal, Markdown for pull requests).

use super::agreement::{self, Bootstrap};
use super::judge::{self, Human};
use super::table::Document;
use super::{Rendered, errors, progress, raters};
use crate::store::{Batch, Store, StoreError, StoredRubric};

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

/// Agreement, judge, raters and progress over the labels of `batch` (or all labels under
/// `rubric`), under a header naming the store, rubric and scope; `by` slices the errors
/// and estimates sections. No timestamp: the same
/// store and arguments give the same bytes, so a report can be diffed and committed.
pub fn from_store(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    bootstrap: Bootstrap,
    by: Option<&str>,
    include_golden: bool,
) -> Result<AllReport, StoreError> {
    // In report order; a further report is one more line here.
    let mut sections = vec![
        Section::of("Agreement", &agreement::from_store(store, rubric, batch, None, bootstrap, include_golden)?),
        judge_section(store, rubric, batch, bootstrap, include_golden)?,
        Section::of(
            "Errors",
            &errors::from_store(store, rubric, batch, by, None, include_golden).map_err(errors_store_error)?,
        ),
        Section::of("Raters", &raters::from_store(store, rubric, batch.map(|b| b.id), include_golden)?),
        Section::of("Progress", &progress::from_store(store, batch.map(|batch| batch.name.as_str()))?),
    ];
    if let Some(section) = estimate_section(store, rubric, batch, by, bootstrap.confidence)? {
        sections.insert(3, section);
    }
    let title = format!("tally report: {} v{}", rubric.rubric.name, rubric.rubric.version);
    let mut document = Document::default();
    document.title(title.as_str());
    document.paragraph(header(store, rubric, batch));
    for section in sections {
        document.section(section.title);
        document.append(section.document);
    }
    Ok(AllReport { title, document })
}

/// Without `--compare` the errors report fails only in the store.
fn errors_store_error(error: errors::ErrorsError) -> StoreError {
    match error {
        errors::ErrorsError::Store(error) => error,
        other => StoreError::Invalid(other.to_string()),
    }
}

/// The estimates (`tally estimate`, every method, over the items of `batch` or all, one
/// table per slice of `by` as the errors section) when PPI has something to add: some
/// criterion has a PPI++ estimate, so there are judged items without human labels.
/// Without them the humans' rates are the errors section's.
fn estimate_section(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    by: Option<&str>,
    confidence: f64,
) -> Result<Option<Section>, StoreError> {
    use super::estimate::{EstimateError, Method, Request, from_store};
    let request = Request { criterion: None, by, dataset: None, batch, method: Method::All, confidence, compare: None };
    let report = match from_store(store, rubric, request) {
        Ok(report) => report,
        Err(EstimateError::Store(error)) => return Err(error),
        Err(other) => return Err(StoreError::Invalid(other.to_string())),
    };
    let applies = report.criteria.iter().any(|criterion| criterion.ppi_plus_plus.is_some());
    Ok(applies.then(|| Section::of("Estimates", &report)))
}

/// The judge report when some criterion has judge scores and human labels; otherwise a
/// line saying so (many stores have no LLM judge at all).
fn judge_section(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    bootstrap: Bootstrap,
    include_golden: bool,
) -> Result<Section, StoreError> {
    let report = judge::from_store(store, rubric, batch, Human::Mean, None, bootstrap, include_golden)?;
    Ok(if report.criteria.is_empty() {
        Section::note("Judge", "No judge scores: no item in scope carries an LLM judge score next to human labels.")
    } else {
        Section::of("Judge", &report)
    })
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
