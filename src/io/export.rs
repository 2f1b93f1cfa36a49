//! Golden sets: labeled items with their consensus labels, as JSONL, plus a manifest
//! that pins down exactly what went into them. Same store and arguments, same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::Error;
use crate::model::consensus::{Decision, Method, decide};
use crate::model::{Item, Kind, LabelValue};
use crate::store::{Batch, LabelScope, Store, StoredRubric};

pub struct ExportRequest<'a> {
    pub rubric: &'a StoredRubric,
    pub batch: Option<&'a Batch>,
    pub consensus: Method,
    pub out: &'a Path,
    /// The agreement summary to record in the manifest.
    pub agreement: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportSummary {
    pub file: PathBuf,
    pub manifest: PathBuf,
    pub sha256: String,
    pub items: usize,
    pub ties: usize,
}

#[derive(Serialize)]
struct GoldenItem<'a> {
    id: &'a str,
    dataset: &'a str,
    input: &'a str,
    output: &'a str,
    reference: Option<&'a str>,
    context: &'a [String],
    metadata: &'a Map<String, Value>,
    judge: &'a Map<String, Value>,
    /// Consensus value per criterion; `null` where raters tied.
    labels: BTreeMap<&'a str, Value>,
    consensus: BTreeMap<&'a str, Decision>,
    raters: BTreeSet<&'a str>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    format: &'static str,
    name: String,
    file: String,
    sha256: String,
    bytes: u64,
    tally_version: &'static str,
    rubric: RubricRef<'a>,
    batch: Option<&'a str>,
    consensus: &'static str,
    counts: Counts,
    agreement: Value,
    provenance: Provenance,
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
    /// (item, criterion) pairs with no consensus value because raters tied.
    ties: usize,
    adjudicated: usize,
}

#[derive(Serialize)]
struct Provenance {
    /// Items per dataset.
    datasets: BTreeMap<String, usize>,
    /// The newest label event included: labels recorded later are not in this file.
    last_label_event: Option<i64>,
    store_schema_version: i64,
}

/// Writes the golden set and its manifest (`NAME.manifest.json` beside `NAME.jsonl`).
/// Files are written under a temporary name and renamed, so a reader never sees half.
pub fn export(store: &Store, request: &ExportRequest) -> Result<ExportSummary, Error> {
    let rubric = &request.rubric.rubric;
    let scope = LabelScope { rubric: &rubric.name, batch_id: request.batch.map(|b| b.id) };
    let labels = store.current_labels(scope)?;
    let adjudicated: BTreeMap<(i64, String), Value> =
        store.adjudications(scope)?.into_iter().map(|(item, criterion, value)| ((item, criterion), value)).collect();

    let out = request.out;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|err| Error::file(parent, err))?;
    }
    let stem = out.file_stem().map_or_else(|| "golden".to_string(), |s| s.to_string_lossy().into_owned());
    let manifest_path = out.with_file_name(format!("{stem}.manifest.json"));
    let temporary = out.with_file_name(format!(".{stem}.jsonl.partial"));
    let file = std::fs::File::create(&temporary).map_err(|err| Error::file(&temporary, err))?;
    let mut writer = HashingWriter { inner: std::io::BufWriter::new(file), hasher: Sha256::new(), bytes: 0 };

    let mut counts = Counts::default();
    let mut all_raters: BTreeSet<&str> = BTreeSet::new();
    let mut datasets: BTreeMap<String, usize> = BTreeMap::new();
    // Labels come sorted by item external id, so each item's labels are contiguous.
    for item_labels in labels.chunk_by(|a, b| a.item_id == b.item_id) {
        let item_id = item_labels[0].item_id;
        let item = store.item(item_id)?;
        let mut line = GoldenItem::new(&item);
        for criterion in rubric.criteria.iter().filter(|c| c.kind != Kind::Text) {
            let values: Vec<LabelValue> = item_labels
                .iter()
                .filter(|label| label.criterion == criterion.id)
                .filter_map(|label| criterion.parse_json(&label.value).ok())
                .collect();
            let adjudication = adjudicated.get(&(item_id, criterion.id.clone()));
            let Some(decision) = decide(criterion, &values, adjudication, request.consensus) else {
                continue;
            };
            if decision.method == "adjudicated" {
                counts.adjudicated += 1;
            }
            if decision.is_tie() {
                counts.ties += 1;
            }
            line.labels.insert(&criterion.id, decision.value.clone());
            line.consensus.insert(&criterion.id, decision);
        }
        for label in item_labels {
            line.raters.insert(&label.rater);
            all_raters.insert(&label.rater);
        }
        counts.items += 1;
        counts.labels += item_labels.len();
        *datasets.entry(item.dataset.clone()).or_default() += 1;
        let json =
            serde_json::to_string(&line).map_err(|err| Error::at(&out.display().to_string(), None, err.to_string()))?;
        writeln!(writer, "{json}").map_err(|err| Error::file(&temporary, err))?;
    }
    writer.inner.flush().map_err(|err| Error::file(&temporary, err))?;
    writer.inner.get_ref().sync_all().map_err(|err| Error::file(&temporary, err))?;
    counts.raters = all_raters.len();
    let sha256 = crate::model::hex(&writer.hasher.finalize());

    let manifest = Manifest {
        format: "tally-golden-set/1",
        name: stem.clone(),
        file: out.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        sha256: sha256.clone(),
        bytes: writer.bytes,
        tally_version: env!("CARGO_PKG_VERSION"),
        rubric: RubricRef { name: &rubric.name, version: rubric.version, hash: &request.rubric.hash },
        batch: request.batch.map(|b| b.name.as_str()),
        consensus: request.consensus.name(),
        counts,
        agreement: request.agreement.clone(),
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
    let manifest_temporary = out.with_file_name(format!(".{stem}.manifest.json.partial"));
    std::fs::write(&manifest_temporary, manifest_json).map_err(|err| Error::file(&manifest_temporary, err))?;
    std::fs::rename(&temporary, out).map_err(|err| Error::file(out, err))?;
    std::fs::rename(&manifest_temporary, &manifest_path).map_err(|err| Error::file(&manifest_path, err))?;
    Ok(ExportSummary { file: out.to_path_buf(), manifest: manifest_path, sha256, items, ties })
}

impl<'a> GoldenItem<'a> {
    fn new(item: &'a Item) -> GoldenItem<'a> {
        GoldenItem {
            id: &item.id,
            dataset: &item.dataset,
            input: &item.input,
            output: &item.output,
            reference: item.reference.as_deref(),
            context: &item.context,
            metadata: &item.metadata,
            judge: &item.judge,
            labels: BTreeMap::new(),
            consensus: BTreeMap::new(),
            raters: BTreeSet::new(),
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
