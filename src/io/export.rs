//! Golden sets: labeled items with their consensus labels, as JSONL, plus a manifest
//! that pins down exactly what went into them. Same store and arguments, same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::Error;
use super::atomic::AtomicFile;
use crate::model::comparison::Candidate;
use crate::model::consensus::{Decision, Method, RaterValues, decide_item, decide_steps, item_agreement};
use crate::model::conversation::Message;
use crate::model::label::split_step_key;
use crate::model::{Criterion, Item, Kind, LabelValue, Rubric};
use crate::store::{Batch, CurrentLabel, LabelScope, Store, StoredRubric};

/// The file a golden set is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileFormat {
    #[default]
    Jsonl,
    /// One row per item; JSON-valued fields (context, metadata, judge) as JSON text.
    Csv,
    /// For another tool: a harness (Inspect AI, OpenAI evals, promptfoo, a Hugging Face
    /// dataset) or a tracing tool (Langfuse scores, OpenTelemetry events).
    Harness(super::harness::Harness),
}

impl FileFormat {
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Jsonl | FileFormat::Harness(_) => "jsonl",
            FileFormat::Csv => "csv",
        }
    }

    /// The manifest's `file_format`.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Harness(harness) => harness.tool.name(),
            other => other.extension(),
        }
    }
}

/// Which items make it into the golden set.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Filters {
    /// Items labeled by fewer raters are left out.
    pub min_raters: usize,
    /// Items whose rater pairs agree less often are left out (and items with one rater,
    /// whose agreement is undefined).
    pub min_agreement: Option<f64>,
    /// Items a rater has flagged for review are left out.
    pub exclude_flagged: bool,
}

/// Where the golden set goes.
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    /// This file, its manifest beside it ([`manifest_path`]).
    File(&'a Path),
    /// `DIR/NAME-vN.EXT`, N one more than the newest version in DIR.
    Versioned { dir: &'a Path, name: &'a str },
}

pub struct ExportRequest<'a> {
    pub rubric: &'a StoredRubric,
    pub batch: Option<&'a Batch>,
    pub consensus: Method,
    pub destination: Destination<'a>,
    pub format: FileFormat,
    pub filters: Filters,
    /// Each rater's own values per item, beside the consensus.
    pub with_raters: bool,
    /// Rater names as they are, rather than as this store's salted hashes.
    pub reveal_raters: bool,
    /// The agreement summary to record in the manifest.
    pub agreement: Value,
    /// Count golden sets imported back (`golden import`) as raters; by default they are
    /// the consensus, not raters, and are left out.
    pub include_golden: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportSummary {
    pub file: PathBuf,
    pub manifest: PathBuf,
    pub sha256: String,
    pub items: usize,
    pub ties: usize,
    pub excluded: Excluded,
    pub golden_labels_left_out: usize,
    /// The version written, for a versioned golden set.
    pub version: Option<u32>,
    /// A versioned export whose content equals the newest version writes nothing new;
    /// this is that version's file.
    pub unchanged_since: Option<PathBuf>,
}

/// Items left out, by the first filter they failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Excluded {
    pub flagged: usize,
    pub min_raters: usize,
    pub min_agreement: usize,
    /// Items another tool cannot take: no target (a tie, no reference), or no trace ids.
    #[serde(skip_serializing_if = "is_zero")]
    pub no_target: usize,
    /// Comparison items whose consensus is a tie, or both bad: no preference pair.
    #[serde(skip_serializing_if = "is_zero")]
    pub tie: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub both_bad: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One exported item: its fields, the consensus per criterion and how it was reached.
#[derive(Serialize)]
pub(crate) struct GoldenItem<'a> {
    pub(crate) id: &'a str,
    pub(crate) dataset: &'a str,
    pub(crate) input: &'a str,
    pub(crate) output: &'a str,
    pub(crate) reference: Option<&'a str>,
    pub(crate) context: &'a [String],
    pub(crate) metadata: &'a Map<String, Value>,
    pub(crate) judge: &'a Map<String, Value>,
    /// A conversation's messages, or a comparison's candidates; absent for a single
    /// answer, so its line is what it always was.
    #[serde(skip_serializing_if = "<[Message]>::is_empty")]
    pub(crate) messages: &'a [Message],
    #[serde(skip_serializing_if = "<[Candidate]>::is_empty")]
    pub(crate) candidates: &'a [Candidate],
    /// Consensus value per criterion; `null` where raters tied.
    pub(crate) labels: BTreeMap<&'a str, Value>,
    /// A conversation's step-scope consensus: step number, then criterion, to value
    /// (`null` where raters tied). Absent when no step was labeled.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) step_labels: BTreeMap<u32, BTreeMap<&'a str, Value>>,
    pub(crate) consensus: BTreeMap<&'a str, Decision>,
    /// Share of agreeing rater pairs over the item's criteria; `null` with one rater.
    pub(crate) agreement: Option<f64>,
    /// The raters who labeled the item (salted hashes unless revealed).
    pub(crate) raters: BTreeSet<String>,
    /// Each rater's own values, with `--with-raters`.
    #[serde(skip_serializing_if = "Option::is_none")]
    rater_labels: Option<BTreeMap<String, BTreeMap<&'a str, Value>>>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    format: &'static str,
    name: String,
    file: String,
    file_format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    /// The version this one follows, for a versioned golden set.
    #[serde(skip_serializing_if = "Option::is_none")]
    previous: Option<Previous>,
    sha256: String,
    bytes: u64,
    tally_version: &'static str,
    rubric: RubricRef<'a>,
    batch: Option<&'a str>,
    consensus: &'static str,
    filters: &'a Filters,
    /// `hashed` (salted, stable for one store) or `revealed`.
    rater_names: &'static str,
    with_raters: bool,
    counts: Counts,
    excluded: Excluded,
    agreement: Value,
    provenance: Provenance,
}

#[derive(Serialize, Deserialize, Clone)]
struct Previous {
    file: String,
    sha256: String,
}

#[derive(Serialize)]
struct RubricRef<'a> {
    name: &'a str,
    version: u32,
    hash: &'a str,
}

#[derive(Serialize, Default)]
struct Counts {
    items: usize,
    labels: usize,
    raters: usize,
    /// (item, criterion) pairs whose consensus is a tie (no value, or tied tags).
    ties: usize,
    adjudicated: usize,
    /// Labels of golden sets imported back, not counted as a rater's.
    golden_labels_left_out: usize,
}

#[derive(Serialize)]
struct Provenance {
    /// Items per dataset.
    datasets: BTreeMap<String, usize>,
    /// The newest label event included: labels recorded later are not in this file.
    last_label_event: Option<i64>,
    store_schema_version: i64,
}

/// Writes the golden set and its manifest. Files are written under a temporary name and
/// renamed, so a reader never sees half of one. `progress` is told how many labeled items
/// have been gone through (written or left out), for the CLI to show.
pub fn export(store: &Store, request: &ExportRequest, progress: &mut dyn FnMut(u64)) -> Result<ExportSummary, Error> {
    let rubric = &request.rubric.rubric;
    let scope = LabelScope { rubric: &rubric.name, batch_id: request.batch.map(|b| b.id) };
    let adjudicated: BTreeMap<(i64, String), Value> =
        store.adjudications(scope)?.into_iter().map(|a| ((a.item_id, a.criterion), a.value)).collect();
    let flagged: BTreeSet<i64> = if request.filters.exclude_flagged {
        store.item_marks(scope.batch_id)?.into_iter().filter(|mark| mark.flagged).map(|mark| mark.item_id).collect()
    } else {
        BTreeSet::new()
    };
    let salt = store.rater_salt()?;
    let rater_id = |name: &str| match request.reveal_raters {
        true => name.to_string(),
        false => format!("r-{}", &crate::model::sha256_hex(format!("{salt}\0{name}").as_bytes())[..12]),
    };

    let (out, version, previous) = target(request.destination, request.format)?;
    let origin = out.display().to_string();
    let stem = out.file_stem().map_or_else(|| "golden".to_string(), |s| s.to_string_lossy().into_owned());
    let manifest_path = self::manifest_path(&out);
    // On any error below, dropping the unfinished file removes it: no debris.
    let mut writer = HashingWriter { inner: AtomicFile::create(&out)?, hasher: Sha256::new(), bytes: 0 };
    let csv_columns = match request.format {
        FileFormat::Csv => {
            let header = csv_header(rubric, request.with_raters);
            writer.write_all(&csv_line(&header, &origin)?).map_err(|err| writer.inner.error(err))?;
            Some(header.len())
        }
        FileFormat::Jsonl | FileFormat::Harness(_) => None,
    };

    let mut counts = Counts::default();
    let mut excluded = Excluded::default();
    let mut all_raters: BTreeSet<String> = BTreeSet::new();
    let mut datasets: BTreeMap<String, usize> = BTreeMap::new();
    // Labels come sorted by item external id, so each item's labels are contiguous: one
    // item's labels are held at a time, not the whole store's.
    let mut write_item = |item_labels: &[CurrentLabel]| -> Result<(), Error> {
        let item_id = item_labels[0].item_id;
        let raters: BTreeSet<&str> = item_labels.iter().map(|label| label.rater.as_str()).collect();
        let values_of = |criterion: &Criterion| -> Vec<LabelValue> {
            item_labels
                .iter()
                .filter(|label| label.criterion == criterion.id)
                .filter_map(|label| criterion.parse_json(&label.value).ok())
                .collect()
        };
        let values: Vec<Vec<LabelValue>> = rubric.criteria.iter().map(values_of).collect();
        let agreement = item_agreement(values.iter().map(Vec::as_slice));
        if flagged.contains(&item_id) {
            excluded.flagged += 1;
            return Ok(());
        }
        if raters.len() < request.filters.min_raters {
            excluded.min_raters += 1;
            return Ok(());
        }
        if let Some(minimum) = request.filters.min_agreement
            && agreement.is_none_or(|agreement| agreement < minimum)
        {
            excluded.min_agreement += 1;
            return Ok(());
        }

        let item = store.item(item_id)?;
        let mut line = GoldenItem::new(&item);
        line.agreement = agreement;
        let mut by_rater: RaterValues = BTreeMap::new();
        let mut by_step: BTreeMap<u32, RaterValues> = BTreeMap::new();
        for label in item_labels {
            let (criterion_id, step) = split_step_key(&label.criterion);
            let Some(criterion) = rubric.criterion(criterion_id) else { continue };
            let Ok(value) = criterion.parse_json(&label.value) else { continue };
            let values = match step {
                None => by_rater.entry(&label.rater).or_default(),
                Some(step) => by_step.entry(step).or_default().entry(&label.rater).or_default(),
            };
            values.insert(criterion.id.clone(), value);
        }
        let adjudications: Vec<Option<&Value>> =
            rubric.criteria.iter().map(|c| adjudicated.get(&(item_id, c.id.clone()))).collect();
        let decisions = decide_item(rubric, &by_rater.values().collect::<Vec<_>>(), &adjudications, request.consensus);
        // Counted once the item is known to be written (a harness may leave it out).
        let (mut adjudicated_here, mut ties_here) = (0, 0);
        for (criterion, decision) in rubric.criteria.iter().zip(decisions) {
            let Some(decision) = decision else { continue };
            adjudicated_here += usize::from(decision.method == "adjudicated");
            ties_here += usize::from(decision.is_tie());
            line.labels.insert(&criterion.id, decision.value.clone());
            line.consensus.insert(&criterion.id, decision);
        }
        let adjudicated_step = |step: u32, index: usize| {
            adjudicated.get(&(item_id, crate::model::label::step_key(&rubric.criteria[index].id, step)))
        };
        for (step, decisions) in decide_steps(rubric, &by_rater, &by_step, adjudicated_step, request.consensus) {
            for (criterion, decision) in rubric.criteria.iter().zip(decisions) {
                let Some(decision) = decision else { continue };
                ties_here += usize::from(decision.is_tie());
                line.step_labels.entry(step).or_default().insert(&criterion.id, decision.value);
            }
        }
        line.raters = raters.iter().map(|name| rater_id(name)).collect();
        if request.with_raters {
            let mut by_rater: BTreeMap<String, BTreeMap<&str, Value>> = BTreeMap::new();
            for label in item_labels {
                by_rater.entry(rater_id(&label.rater)).or_default().insert(&label.criterion, label.value.clone());
            }
            line.rater_labels = Some(by_rater);
        }
        let harness_line = match request.format {
            FileFormat::Harness(harness) if harness.tool == super::harness::Tool::Dpo => {
                match harness.dpo_pair(&line, rubric) {
                    Ok(value) => Some(value),
                    Err(left_out) => {
                        use super::export_dpo::LeftOut;
                        *match left_out {
                            LeftOut::Tie => &mut excluded.tie,
                            LeftOut::BothBad => &mut excluded.both_bad,
                            LeftOut::NoTarget => &mut excluded.no_target,
                        } += 1;
                        return Ok(());
                    }
                }
            }
            FileFormat::Harness(harness) => match harness.line(&line, rubric) {
                Some(value) => Some(value),
                None => {
                    excluded.no_target += 1;
                    return Ok(());
                }
            },
            _ => None,
        };
        counts.adjudicated += adjudicated_here;
        counts.ties += ties_here;
        all_raters.extend(raters.into_iter().map(str::to_string));
        counts.items += 1;
        counts.labels += item_labels.len();
        *datasets.entry(item.dataset.clone()).or_default() += 1;
        let bytes = match csv_columns {
            Some(columns) => csv_line(&csv_record(&line, rubric, columns), &origin)?,
            None => {
                let json = match &harness_line {
                    // Some tools take several lines per item (a score per criterion).
                    Some(Value::Array(lines)) => lines
                        .iter()
                        .map(serde_json::to_vec)
                        .collect::<Result<Vec<_>, _>>()
                        .map(|lines| lines.join(&b'\n')),
                    Some(value) => serde_json::to_vec(value),
                    None => serde_json::to_vec(&line),
                };
                let mut json = json.map_err(|err| Error::at(&origin, None, err.to_string()))?;
                json.push(b'\n');
                json
            }
        };
        writer.write_all(&bytes).map_err(|err| writer.inner.error(err))?;
        Ok(())
    };
    // The labels read once (a fraction of the time of the current-labels query), then
    // one item's held as owned labels at a time.
    let labels = store.label_set(scope)?;
    let golden_labels_left_out = labels.golden_left_out(request.include_golden);
    let mut held: Vec<CurrentLabel> = Vec::new();
    let mut gone_through = 0;
    labels.each_item(request.include_golden, |item_labels| {
        held.clear();
        held.extend(item_labels.iter().map(|label| CurrentLabel {
            item_id: label.item_id,
            item: label.item.to_string(),
            rater: label.rater.to_string(),
            criterion: label.criterion.to_string(),
            value: label.value.clone(),
            at: label.at,
        }));
        write_item(&held)?;
        gone_through += 1;
        progress(gone_through);
        Ok::<_, Error>(())
    })?;
    drop(labels);
    counts.golden_labels_left_out = golden_labels_left_out;
    counts.raters = all_raters.len();
    let sha256 = crate::model::hex(&writer.hasher.finalize());

    if let Some(previous) = previous.as_ref().filter(|previous| previous.sha256 == sha256) {
        drop(writer.inner); // nothing new to write: the unfinished file goes
        let file = out.with_file_name(&previous.file);
        let manifest = self::manifest_path(&file);
        return Ok(ExportSummary {
            file: file.clone(),
            manifest,
            sha256,
            items: counts.items,
            ties: counts.ties,
            excluded,
            golden_labels_left_out,
            version: version.map(|v| v - 1),
            unchanged_since: Some(file),
        });
    }

    let manifest = Manifest {
        format: "tally-golden-set/1",
        name: stem.clone(),
        file: out.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        file_format: request.format.name(),
        version,
        previous,
        sha256: sha256.clone(),
        bytes: writer.bytes,
        tally_version: env!("CARGO_PKG_VERSION"),
        rubric: RubricRef { name: &rubric.name, version: rubric.version, hash: &request.rubric.hash },
        batch: request.batch.map(|b| b.name.as_str()),
        consensus: request.consensus.name(),
        filters: &request.filters,
        rater_names: if request.reveal_raters { "revealed" } else { "hashed" },
        with_raters: request.with_raters,
        counts,
        excluded: excluded.clone(),
        agreement: match request.reveal_raters {
            true => request.agreement.clone(),
            false => {
                let names: BTreeSet<&str> = all_raters.iter().map(String::as_str).collect();
                hash_raters(&request.agreement, false, &names, &rater_id)
            }
        },
        provenance: Provenance {
            datasets,
            last_label_event: store.last_label_event(scope)?,
            store_schema_version: store.schema_version()?,
        },
    };
    let items = manifest.counts.items;
    let ties = manifest.counts.ties;
    let mut manifest_json = serde_json::to_string_pretty(&manifest)
        .map_err(|err| Error::at(&manifest_path.display().to_string(), None, err.to_string()))?;
    manifest_json.push('\n');
    let mut manifest_file = AtomicFile::create(&manifest_path)?;
    manifest_file.write_all(manifest_json.as_bytes()).map_err(|err| manifest_file.error(err))?;
    // Both are complete before either is put in place.
    writer.inner.commit()?;
    manifest_file.commit()?;
    Ok(ExportSummary {
        file: out,
        manifest: manifest_path,
        sha256,
        items,
        ties,
        excluded,
        golden_labels_left_out,
        version,
        unchanged_since: None,
    })
}

/// The file to write, its version and the version before it.
fn target(destination: Destination, format: FileFormat) -> Result<(PathBuf, Option<u32>, Option<Previous>), Error> {
    match destination {
        Destination::File(path) => Ok((path.to_path_buf(), None, None)),
        Destination::Versioned { dir, name } => {
            // The name becomes file names and is echoed to terminals: no control characters.
            let shown = format!("--name \"{}\"", name.escape_debug());
            if let Some(control) = name.chars().find(|c| c.is_control()) {
                return Err(Error::at(
                    &shown,
                    None,
                    format!("a golden set's name cannot hold a control character (U+{:04X})", u32::from(control)),
                ));
            }
            if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
                return Err(Error::at(
                    &shown,
                    None,
                    "a golden set's name is a plain file name, without `/`, `\\` or a leading `.`",
                ));
            }
            let newest = versions(dir, name)?.into_iter().next_back();
            let previous = match newest {
                Some(version) => {
                    let jsonl = dir.join(format!("{name}-v{version}.manifest.json"));
                    let csv = dir.join(format!("{name}-v{version}.csv.manifest.json"));
                    let path = if jsonl.exists() || !csv.exists() { jsonl } else { csv };
                    let text = std::fs::read_to_string(&path).map_err(|err| Error::file(&path, err))?;
                    let previous: Previous = serde_json::from_str(&text).map_err(|err| {
                        Error::at(&path.display().to_string(), Some(err.line() as u64), err.to_string())
                    })?;
                    Some(previous)
                }
                None => None,
            };
            let version = newest.map_or(1, |v| v + 1);
            Ok((dir.join(format!("{name}-v{version}.{}", format.extension())), Some(version), previous))
        }
    }
}

/// The versions of golden set `name` in `dir` (from their manifests), oldest first.
pub fn versions(dir: &Path, name: &str) -> Result<Vec<u32>, Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(Error::file(dir, err)),
    };
    let prefix = format!("{name}-v");
    let mut versions = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| Error::file(dir, err))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if let Some(number) = file_name.strip_prefix(&prefix).and_then(|rest| rest.strip_suffix(".manifest.json"))
            && let Ok(number) = number.strip_suffix(".csv").unwrap_or(number).parse::<u32>()
        {
            versions.push(number);
        }
    }
    versions.sort_unstable();
    versions.dedup();
    Ok(versions)
}

/// The manifest beside a golden set: `STEM.manifest.json` for JSONL (as documented), and
/// `STEM.csv.manifest.json` for CSV, so a CSV and a JSONL of one stem keep their own.
pub fn manifest_path(file: &Path) -> PathBuf {
    let csv = file.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
    let name = match csv {
        true => file.file_name(),
        false => file.file_stem(),
    };
    let name = name.map_or_else(|| "golden".to_string(), |n| n.to_string_lossy().into_owned());
    file.with_file_name(format!("{name}.manifest.json"))
}

/// CSV columns: the item's fields, then per criterion its value (`label_ID`) and how it
/// was reached (`consensus_ID`), then agreement and raters.
fn csv_header(rubric: &Rubric, with_raters: bool) -> Vec<String> {
    let mut header: Vec<String> =
        ["id", "dataset", "input", "output", "reference", "context", "metadata", "judge"].map(String::from).into();
    for criterion in rubric.criteria.iter().filter(|c| c.kind != Kind::Text) {
        header.push(format!("label_{}", criterion.id));
        header.push(format!("consensus_{}", criterion.id));
    }
    header.push("agreement".into());
    header.push("raters".into());
    if with_raters {
        header.push("rater_labels".into());
    }
    header
}

/// One CSV line; no cell starts as a spreadsheet formula would (item text is untrusted).
fn csv_line(record: &[String], origin: &str) -> Result<Vec<u8>, Error> {
    let mut row = csv::Writer::from_writer(Vec::new());
    let cells = record.iter().map(|cell| crate::model::text::spreadsheet_safe(cell).into_owned());
    row.write_record(cells).map_err(|err| Error::at(origin, None, err.to_string()))?;
    row.into_inner().map_err(|err| Error::at(origin, None, err.to_string()))
}

fn csv_record(line: &GoldenItem, rubric: &Rubric, columns: usize) -> Vec<String> {
    let mut record = vec![
        line.id.to_string(),
        line.dataset.to_string(),
        line.input.to_string(),
        line.output.to_string(),
        line.reference.unwrap_or_default().to_string(),
        json_text(&line.context),
        json_text(line.metadata),
        json_text(line.judge),
    ];
    for criterion in rubric.criteria.iter().filter(|c| c.kind != Kind::Text) {
        let value = line.labels.get(criterion.id.as_str());
        record.push(match value {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Array(tags)) => tags.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(";"),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        });
        record.push(line.consensus.get(criterion.id.as_str()).map_or_else(String::new, |d| d.method.to_string()));
    }
    record.push(line.agreement.map_or_else(String::new, |a| a.to_string()));
    record.push(line.raters.iter().cloned().collect::<Vec<_>>().join(";"));
    if let Some(rater_labels) = &line.rater_labels {
        record.push(json_text(rater_labels));
    }
    debug_assert_eq!(record.len(), columns);
    record
}

/// `value` with every rater name (in `rater`, `raters` and `adjudicator` fields, and keys
/// of per-rater maps among `names`) passed through `rater_id`: the manifest says names
/// are hashed, so no section of it may hold one in the clear.
fn hash_raters(
    value: &Value,
    under_rater_key: bool,
    names: &BTreeSet<&str>,
    rater_id: &impl Fn(&str) -> String,
) -> Value {
    match value {
        Value::String(name) if under_rater_key => Value::String(rater_id(name)),
        Value::Array(values) => {
            Value::Array(values.iter().map(|value| hash_raters(value, under_rater_key, names, rater_id)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let names_raters = matches!(key.as_str(), "rater" | "raters" | "adjudicator");
                    let key = if names.contains(key.as_str()) { rater_id(key) } else { key.clone() };
                    (key, hash_raters(value, names_raters, names, rater_id))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A value built from JSON as compact JSON text (such values always serialise).
fn json_text(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

impl<'a> GoldenItem<'a> {
    pub(crate) fn new(item: &'a Item) -> GoldenItem<'a> {
        GoldenItem {
            id: &item.id,
            dataset: &item.dataset,
            input: &item.input,
            output: &item.output,
            reference: item.reference.as_deref(),
            context: &item.context,
            metadata: &item.metadata,
            judge: &item.judge,
            messages: item.shape.messages(),
            candidates: item.shape.candidates(),
            labels: BTreeMap::new(),
            step_labels: BTreeMap::new(),
            consensus: BTreeMap::new(),
            agreement: None,
            raters: BTreeSet::new(),
            rater_labels: None,
        }
    }
}

/// Hashes and counts what it writes, so the file is read once.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
