//! Reading golden sets back: their labels, to compare two versions, and their items and
//! labels, to import one as a dataset.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::lines::{Record, for_each_record};
use super::{Error, Format};
use crate::model::Kind;
use crate::model::label::step_key;
use crate::model::rubric::Scope;
use crate::store::{NewLabel, OnConflict, Store, StoredRubric};

/// One item of a golden set: its id, its consensus labels, and the rest of its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldenLine {
    pub line: u64,
    pub id: String,
    /// Criterion to consensus value (`null` on a tie).
    pub labels: Map<String, Value>,
    /// A conversation's step-scope consensus: (step, criterion, value).
    pub step_labels: Vec<(u32, String, Value)>,
    /// The item's own fields (input, output, ...), as an items file has them.
    pub fields: Map<String, Value>,
}

/// What a golden set's manifest says of the file (the parts a reader checks).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ManifestRef {
    pub sha256: String,
    pub rubric: RubricRef,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct RubricRef {
    pub name: String,
    pub hash: String,
}

/// Fields an export adds to an item; they are not the item's own.
const EXPORT_FIELDS: &[&str] = &["dataset", "consensus", "agreement", "raters", "rater_labels"];

/// The lines of a JSONL golden set, in file order.
pub fn read(path: &Path) -> Result<Vec<GoldenLine>, Error> {
    let (reader, format) = super::open(path)?;
    let origin = path.display().to_string();
    if format != Format::Jsonl {
        return Err(Error::at(&origin, None, "golden sets are read from JSONL (export with --format jsonl)"));
    }
    read_lines(reader, &origin)
}

fn read_lines(reader: impl BufRead, origin: &str) -> Result<Vec<GoldenLine>, Error> {
    let mut lines = Vec::new();
    for_each_record(
        reader,
        Format::Jsonl,
        origin,
        |_, _| None,
        |Record { line, mut fields }| {
            let at = |message: &str| Error::at(origin, Some(line), message);
            let id = match fields.get("id") {
                Some(Value::String(id)) if !id.is_empty() => id.clone(),
                _ => return Err(at("field `id`: a golden set's items have a string id")),
            };
            let labels = match fields.remove("labels") {
                Some(Value::Object(labels)) => labels,
                _ => {
                    return Err(at("field `labels`: expected an object of criterion to value (is this a golden set?)"));
                }
            };
            let mut step_labels = Vec::new();
            match fields.remove("step_labels") {
                None | Some(Value::Null) => {}
                Some(Value::Object(steps)) => {
                    for (step, values) in steps {
                        let number = step
                            .parse::<u32>()
                            .ok()
                            .filter(|n| *n >= 1)
                            .ok_or_else(|| at(&format!("field `step_labels`: `{step}` is not a step number")))?;
                        let Value::Object(values) = values else {
                            return Err(at(&format!(
                                "field `step_labels.{step}`: expected an object of criterion to value"
                            )));
                        };
                        step_labels.extend(values.into_iter().map(|(criterion, value)| (number, criterion, value)));
                    }
                }
                Some(_) => return Err(at("field `step_labels`: expected an object of step to labels")),
            }
            for field in EXPORT_FIELDS {
                fields.remove(*field);
            }
            lines.push(GoldenLine { line, id, labels, step_labels, fields });
            Ok(())
        },
    )?;
    Ok(lines)
}

/// The manifest beside `file` ([`super::export::manifest_path`]), with the file's sha256
/// checked.
pub fn checked_manifest(file: &Path) -> Result<ManifestRef, Error> {
    let path = super::export::manifest_path(file);
    let text = std::fs::read_to_string(&path).map_err(|err| Error::file(&path, err))?;
    let origin = path.display().to_string();
    let manifest: ManifestRef =
        serde_json::from_str(&text).map_err(|err| Error::at(&origin, Some(err.line() as u64), err.to_string()))?;
    let bytes = std::fs::read(file).map_err(|err| Error::file(file, err))?;
    let actual = crate::model::sha256_hex(&bytes);
    if actual != manifest.sha256 {
        return Err(Error::at(
            &file.display().to_string(),
            None,
            format!("sha256 is {actual}, but {origin} says {}: the file changed after export", manifest.sha256),
        ));
    }
    Ok(manifest)
}

/// The file of version `version` (`v3` or `3`) of golden set `name` in `dir`.
pub fn version_path(dir: &Path, name: &str, version: &str) -> Result<PathBuf, Error> {
    let number = version.strip_prefix('v').unwrap_or(version);
    let number: u32 =
        number.parse().map_err(|_| Error::at(version, None, "a version is written v1, v2, ... (or 1, 2, ...)"))?;
    for extension in ["jsonl", "csv"] {
        let path = dir.join(format!("{name}-v{number}.{extension}"));
        if path.exists() {
            return Ok(path);
        }
    }
    let known = super::export::versions(dir, name)?;
    let known: Vec<String> = known.iter().map(|v| format!("v{v}")).collect();
    Err(Error::at(
        &dir.join(format!("{name}-v{number}.jsonl")).display().to_string(),
        None,
        match known.is_empty() {
            true => format!("no such golden set version (no versions of `{name}` in {})", dir.display()),
            false => format!("no such golden set version (there are {})", known.join(", ")),
        },
    ))
}

/// What changed in one item between two versions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChangedItem {
    pub id: String,
    /// Criterion to its old and new value; absent is `null`.
    pub labels: BTreeMap<String, Change>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Change {
    pub old: Value,
    pub new: Value,
}

/// Items added, removed and changed between two versions, each sorted by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Differences {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<ChangedItem>,
    pub unchanged: usize,
}

pub fn differences(old: &[GoldenLine], new: &[GoldenLine]) -> Differences {
    let old: BTreeMap<&str, &GoldenLine> = old.iter().map(|line| (line.id.as_str(), line)).collect();
    let new: BTreeMap<&str, &GoldenLine> = new.iter().map(|line| (line.id.as_str(), line)).collect();
    let mut differences = Differences {
        added: new.keys().filter(|id| !old.contains_key(*id)).map(|id| id.to_string()).collect(),
        removed: old.keys().filter(|id| !new.contains_key(*id)).map(|id| id.to_string()).collect(),
        ..Default::default()
    };
    for (id, before) in &old {
        let Some(after) = new.get(id) else { continue };
        let mut labels = BTreeMap::new();
        for criterion in before.labels.keys().chain(after.labels.keys()) {
            let was = before.labels.get(criterion).cloned().unwrap_or(Value::Null);
            let now = after.labels.get(criterion).cloned().unwrap_or(Value::Null);
            if was != now {
                labels.insert(criterion.clone(), Change { old: was, new: now });
            }
        }
        if labels.is_empty() {
            differences.unchanged += 1;
        } else {
            differences.changed.push(ChangedItem { id: id.to_string(), labels });
        }
    }
    differences
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GoldenImportSummary {
    pub file: String,
    pub dataset: String,
    pub rater: String,
    pub rubric: String,
    pub items: u64,
    pub items_inserted: u64,
    pub labels_recorded: u64,
    /// Ties (no consensus value) and values the rubric cannot hold (a mean of an
    /// ordinal scale), which are not labels.
    pub values_skipped: u64,
}

/// Imports a golden set as a dataset, its labels as rater `rater`'s, in one transaction.
/// The file must match its manifest, and the manifest's rubric must be in the store.
pub fn import(
    store: &mut Store,
    file: &Path,
    dataset: &str,
    rater: &str,
) -> Result<(GoldenImportSummary, StoredRubric), Error> {
    let manifest = checked_manifest(file)?;
    let origin = file.display().to_string();
    let rubric = store.rubric_by_hash(&manifest.rubric.hash)?.ok_or_else(|| {
        Error::at(
            &origin,
            None,
            format!(
                "its rubric `{}` ({}) is not in the store; add it first with `tally rubric add`",
                manifest.rubric.name, manifest.rubric.hash
            ),
        )
    })?;
    let lines = read(file)?;
    let mut summary = GoldenImportSummary {
        file: origin.clone(),
        dataset: dataset.to_string(),
        rater: rater.to_string(),
        rubric: rubric.rubric.name.clone(),
        ..Default::default()
    };
    store.write(|tx| {
        for line in &lines {
            let at = |message: String| Error::at(&origin, Some(line.line), message);
            let item = super::items::item_from_fields(line.fields.clone(), &[], dataset).map_err(at)?;
            summary.items += 1;
            if let crate::store::Upsert::Inserted = tx.upsert_item(&item, &origin, line.line, OnConflict::Skip)? {
                summary.items_inserted += 1;
            }
            let item_id =
                tx.item_id(&item.id)?.ok_or_else(|| at(format!("field `id`: `{}` was not stored", item.id)))?;
            // Marked as a golden set's, so reports tell it from human raters.
            let source = format!("golden:{origin}:{}", line.line);
            let item_labels = line.labels.iter().map(|(criterion, value)| (None, criterion, value));
            let step_labels = line.step_labels.iter().map(|(step, criterion, value)| (Some(*step), criterion, value));
            for (step, criterion_id, value) in item_labels.chain(step_labels) {
                let field = match step {
                    None => format!("labels.{criterion_id}"),
                    Some(step) => format!("step_labels.{step}.{criterion_id}"),
                };
                let criterion = rubric.rubric.criterion(criterion_id).ok_or_else(|| {
                    at(format!("field `{field}`: rubric `{}` has no such criterion", rubric.rubric.name))
                })?;
                let wanted = if step.is_some() { Scope::Step } else { Scope::Item };
                if criterion.scope != wanted {
                    return Err(at(format!(
                        "field `{field}`: criterion `{criterion_id}` has scope `{}` in rubric `{}`",
                        if criterion.scope == Scope::Step { "step" } else { "item" },
                        rubric.rubric.name
                    )));
                }
                let key = match step {
                    None => criterion.id.clone(),
                    Some(step) => step_key(&criterion.id, step),
                };
                let parsed = match criterion.parse_json(value) {
                    Ok(parsed) if !value.is_null() && criterion.kind != Kind::Text => parsed,
                    _ => {
                        summary.values_skipped += 1;
                        continue;
                    }
                };
                let json = parsed.to_json();
                let recorded = tx.record_label(&NewLabel {
                    item_id,
                    rater,
                    criterion: &key,
                    value: Some(&json),
                    comment: None,
                    rubric_id: rubric.id,
                    batch_id: None,
                    duration_ms: None,
                    source: &source,
                })?;
                summary.labels_recorded += u64::from(recorded);
            }
        }
        Ok::<_, Error>(())
    })?;
    Ok((summary, rubric))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(id: &str, labels: Value) -> GoldenLine {
        let Value::Object(labels) = labels else { panic!("labels") };
        GoldenLine { line: 1, id: id.into(), labels, step_labels: Vec::new(), fields: Map::new() }
    }

    #[test]
    fn differences_list_added_removed_and_changed_labels() {
        let old = [line("a", json!({"correct": "pass"})), line("b", json!({"correct": "fail", "score": 3}))];
        let new = [line("b", json!({"correct": "pass", "score": 3})), line("c", json!({"correct": "pass"}))];
        let differences = differences(&old, &new);
        assert_eq!(differences.added, ["c"]);
        assert_eq!(differences.removed, ["a"]);
        assert_eq!(differences.changed.len(), 1);
        assert_eq!(differences.changed[0].id, "b");
        assert_eq!(
            differences.changed[0].labels,
            BTreeMap::from([("correct".to_string(), Change { old: json!("fail"), new: json!("pass") })])
        );
        assert_eq!(differences.unchanged, 0);
    }

    #[test]
    fn a_line_without_labels_is_not_a_golden_set() {
        let text = "{\"id\": \"a\", \"labels\": {}}\n{\"id\": \"b\", \"output\": \"x\"}\n";
        let error = read_lines(text.as_bytes(), "g.jsonl").unwrap_err().to_string();
        assert!(error.starts_with("g.jsonl:2: field `labels`"), "{error}");
    }
}
