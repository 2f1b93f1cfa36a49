//! Golden sets as a Hugging Face dataset folder: `train.jsonl` (one row per item, a
//! column per criterion), the manifest beside it, and a dataset card `README.md` whose
//! YAML header declares the licence, the data file and the features, with the
//! provenance from the manifest below it
//! (https://huggingface.co/docs/hub/datasets-cards,
//! https://huggingface.co/docs/hub/datasets-manual-configuration).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::Error;
use super::atomic::AtomicFile;
use super::export::GoldenItem;
use crate::model::{Kind, Rubric};

/// The data file inside the folder.
pub const DATA_FILE: &str = "train.jsonl";

/// Where the data goes for a dataset folder `dir`.
pub fn data_path(dir: &Path) -> PathBuf {
    dir.join(DATA_FILE)
}

/// The criteria that get a column, and the column's name.
fn columns(rubric: &Rubric) -> impl Iterator<Item = (&crate::model::Criterion, String)> {
    rubric.criteria.iter().filter(|c| c.kind != Kind::Text).map(|c| (c, format!("label_{}", c.id)))
}

/// One row: flat, with the same columns in every row (Arrow needs one schema), so
/// metadata and judge scores, whose keys vary, are JSON text.
pub(super) fn row(line: &GoldenItem, rubric: &Rubric) -> Value {
    let mut row = Map::new();
    row.insert("id".into(), Value::from(line.id));
    row.insert("dataset".into(), Value::from(line.dataset));
    row.insert("input".into(), Value::from(line.input));
    row.insert("output".into(), Value::from(line.output));
    row.insert("reference".into(), line.reference.map_or(Value::Null, Value::from));
    row.insert("context".into(), Value::from(line.context.to_vec()));
    row.insert("metadata".into(), Value::from(serde_json::to_string(line.metadata).unwrap_or_default()));
    row.insert("judge".into(), Value::from(serde_json::to_string(line.judge).unwrap_or_default()));
    for (criterion, column) in columns(rubric) {
        let value = line.labels.get(criterion.id.as_str()).cloned().unwrap_or(Value::Null);
        // Ordinal values are option names ("1".."5"): kept as text, one dtype per column.
        let value = match (criterion.kind, value) {
            (Kind::Number, Value::String(text)) => text.parse::<f64>().map_or(Value::Null, Value::from),
            (_, value) => value,
        };
        row.insert(column, value);
    }
    row.insert("agreement".into(), line.agreement.map_or(Value::Null, Value::from));
    row.insert("n_raters".into(), Value::from(line.raters.len()));
    Value::Object(row)
}

/// Writes `dir/README.md`, the dataset card, from the manifest written beside the data.
pub fn write_card(dir: &Path, manifest: &Path, rubric: &Rubric, license: &str) -> Result<PathBuf, Error> {
    let origin = manifest.display().to_string();
    let text = std::fs::read_to_string(manifest).map_err(|err| Error::file(manifest, err))?;
    let manifest: Value =
        serde_json::from_str(&text).map_err(|err| Error::at(&origin, Some(err.line() as u64), err.to_string()))?;
    let name = dir.file_name().map_or_else(|| "golden".into(), |n| n.to_string_lossy());
    let card = card(&name, &manifest, rubric, license);
    let path = dir.join("README.md");
    let mut file = AtomicFile::create(&path)?;
    file.write_all(card.as_bytes()).map_err(|err| file.error(err))?;
    file.commit()?;
    Ok(path)
}

/// A YAML string: JSON's double-quoted strings are YAML too, and escape everything.
fn yaml(text: &str) -> String {
    Value::from(text).to_string()
}

fn card(name: &str, manifest: &Value, rubric: &Rubric, license: &str) -> String {
    let items = manifest["counts"]["items"].as_u64().unwrap_or(0);
    let mut features = vec![
        ("id", "dtype: string"),
        ("dataset", "dtype: string"),
        ("input", "dtype: string"),
        ("output", "dtype: string"),
        ("reference", "dtype: string"),
        ("context", "sequence: string"),
        ("metadata", "dtype: string"),
        ("judge", "dtype: string"),
    ]
    .into_iter()
    .map(|(name, kind)| (name.to_string(), kind))
    .collect::<Vec<_>>();
    for (criterion, column) in columns(rubric) {
        let kind = match criterion.kind {
            Kind::Tags => "sequence: string",
            Kind::Number => "dtype: float64",
            _ => "dtype: string",
        };
        features.push((column, kind));
    }
    features.push(("agreement".into(), "dtype: float64"));
    features.push(("n_raters".into(), "dtype: int64"));

    let mut out = String::from("---\n");
    out.push_str(&format!("license: {}\n", yaml(license)));
    out.push_str(&format!("pretty_name: {}\n", yaml(name)));
    out.push_str("tags:\n- evaluation\n- human-annotation\n- golden-set\n- tally\n");
    out.push_str(&format!(
        "configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: {DATA_FILE}\n"
    ));
    out.push_str("dataset_info:\n  features:\n");
    for (name, kind) in &features {
        out.push_str(&format!("  - name: {name}\n    {kind}\n"));
    }
    // `datasets` wants both sizes to take the split as declared.
    let bytes = manifest["bytes"].as_u64().unwrap_or(0);
    out.push_str(&format!("  splits:\n  - name: train\n    num_bytes: {bytes}\n    num_examples: {items}\n"));
    out.push_str("---\n\n");

    out.push_str(&format!("# {}\n\n", markdown_cell(name)));
    out.push_str(&format!(
        "Model outputs labeled by people against the rubric `{}` (version {}), exported by tally {} as a \
         golden set: {items} items, each with its consensus label per criterion (`label_*` columns; `null` where \
         the raters tied), the share of agreeing rater pairs (`agreement`) and the number of raters.\n\n",
        manifest["rubric"]["name"].as_str().unwrap_or(&rubric.name),
        manifest["rubric"]["version"],
        manifest["tally_version"].as_str().unwrap_or(""),
    ));
    out.push_str("## Criteria\n\n| column | kind | question |\n|---|---|---|\n");
    for (criterion, column) in columns(rubric) {
        out.push_str(&format!("| `{column}` | {} | {} |\n", criterion.kind.name(), markdown_cell(&criterion.question)));
    }
    out.push_str("\n## Agreement\n\nKrippendorff's alpha per criterion over all labels of the rubric:\n\n");
    out.push_str("| criterion | alpha | n units |\n|---|---|---|\n");
    for row in manifest["agreement"].as_array().into_iter().flatten() {
        let alpha = row["alpha"].as_f64().map_or_else(|| "undefined".to_string(), |a| format!("{a:.3}"));
        out.push_str(&format!(
            "| {} | {alpha} | {} |\n",
            markdown_cell(row["criterion"].as_str().unwrap_or("")),
            row["n_units"]
        ));
    }
    out.push_str("\n## Provenance\n\n");
    out.push_str(&format!(
        "- data file: `{DATA_FILE}`, sha256 `{}`\n- rubric hash: `{}`\n- consensus: {}\n- rater names: {}\n- \
         manifest: `{}` beside the data, with counts, filters and the datasets the items came from\n",
        manifest["sha256"].as_str().unwrap_or(""),
        manifest["rubric"]["hash"].as_str().unwrap_or(""),
        manifest["consensus"].as_str().unwrap_or(""),
        manifest["rater_names"].as_str().unwrap_or(""),
        super::export::manifest_path(Path::new(DATA_FILE)).display(),
    ));
    out
}

/// Text in a Markdown table cell: no line breaks, no pipes, no HTML.
fn markdown_cell(text: &str) -> String {
    text.replace(['\n', '\r'], " ").replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;")
}
