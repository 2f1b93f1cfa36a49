//! Comparison items as a preference report reads them: the prompt, the two candidates and
//! whom they stand for, a slice value and the judge's verdict, without the texts.

use rusqlite::params;

use super::{Store, StoreError};

/// One comparison item, its candidates' outputs left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparisonRow {
    pub item_id: i64,
    /// What a bootstrap resamples: `metadata.comparison_of`, else `metadata.question_id`,
    /// else the input text.
    pub prompt: String,
    /// The first (`a`) and second (`b`) candidates: (id, model).
    pub a: (String, Option<String>),
    pub b: (String, Option<String>),
    /// How many candidates the item holds (a split comparison holds two).
    pub candidates: usize,
    /// The item's value of the slicing field (`dataset` or a metadata key), as text.
    pub slice: Option<String>,
    /// The judge's value for the criterion, as text.
    pub judge: Option<String>,
}

/// A JSON path naming one object key, whatever characters it holds.
fn key_path(key: &str) -> String {
    format!("$.\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Store {
    /// Calls `each` on every comparison item, in id order. `by` names the slicing field
    /// (`dataset`, else a metadata key); `criterion` the judge key to read.
    pub fn each_comparison(
        &self,
        by: Option<&str>,
        criterion: &str,
        mut each: impl FnMut(ComparisonRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // The candidates' ids and models come from the shape text parsed here, their
        // outputs skipped unbuilt: SQLite's JSON functions would parse it once per field.
        #[derive(serde::Deserialize)]
        struct Light {
            #[serde(default)]
            candidates: Vec<LightCandidate>,
        }
        #[derive(serde::Deserialize)]
        struct LightCandidate {
            #[serde(default)]
            id: String,
            #[serde(default)]
            model: Option<String>,
        }
        let mut statement = self.conn.prepare_cached(
            "SELECT id,
                    CAST(coalesce(json_extract(metadata, '$.comparison_of'), json_extract(metadata, '$.question_id'), input) AS TEXT),
                    shape,
                    CASE WHEN ?1 IS NULL THEN NULL WHEN ?1 = 'dataset' THEN dataset
                         ELSE CAST(json_extract(metadata, ?2) AS TEXT) END,
                    CAST(json_extract(judge, ?3) AS TEXT)
             FROM items WHERE shape IS NOT NULL ORDER BY id",
        )?;
        let by_path = by.map(key_path).unwrap_or_default();
        let mut rows = statement.query(params![by, by_path, key_path(criterion)])?;
        while let Some(row) = rows.next()? {
            let text = |index: usize| -> Result<Option<String>, StoreError> {
                Ok(match row.get_ref(index)? {
                    rusqlite::types::ValueRef::Text(text) => Some(String::from_utf8_lossy(text).into_owned()),
                    rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                    rusqlite::types::ValueRef::Real(x) => Some(x.to_string()),
                    rusqlite::types::ValueRef::Null | rusqlite::types::ValueRef::Blob(_) => None,
                })
            };
            let shape = row.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
            let light: Light =
                serde_json::from_str(shape).map_err(|cause| StoreError::Json { column: "items.shape", cause })?;
            // A conversation has messages, not candidates.
            if light.candidates.is_empty() {
                continue;
            }
            let mut candidates = light.candidates.into_iter().map(|candidate| (candidate.id, candidate.model));
            let (a, b) = (candidates.next().unwrap_or_default(), candidates.next().unwrap_or_default());
            each(ComparisonRow {
                item_id: row.get(0)?,
                prompt: text(1)?.unwrap_or_default(),
                candidates: 2 + candidates.count(),
                a,
                b,
                slice: text(3)?,
                judge: text(4)?,
            })?;
        }
        Ok(())
    }
}

impl Store {
    /// Calls `each` with the current value (JSON text) of `criterion` by each rater on
    /// each item in `scope`, in no particular order, leaving golden-set raters out unless
    /// `include_golden`; returns how many golden labels were left out. The same labels as
    /// [`Store::each_rater_label`] gives for the criterion (the newest event of each
    /// item, rater and criterion under the rubric's name, unless it retracts), read
    /// without joining the items or sorting by their ids: a preference report reads a
    /// million of them.
    pub fn each_criterion_label(
        &self,
        scope: super::LabelScope,
        criterion: &str,
        include_golden: bool,
        mut each: impl FnMut(i64, &str, &str) -> Result<(), StoreError>,
    ) -> Result<usize, StoreError> {
        let golden = if include_golden { Default::default() } else { self.golden_raters()? };
        let mut statement = self.conn.prepare_cached(
            "SELECT item_id, rater, value FROM (
                 SELECT e.item_id, e.rater, e.value,
                        row_number() OVER (PARTITION BY e.item_id, e.rater ORDER BY e.created_at DESC, e.id DESC) AS newest
                 FROM label_events e JOIN rubrics r ON r.id = e.rubric_id
                 WHERE r.name = ?1 AND e.criterion = ?3
                   AND (?2 IS NULL OR e.item_id IN (SELECT item_id FROM batch_items WHERE batch_id = ?2)))
             WHERE newest = 1 AND value IS NOT NULL",
        )?;
        let mut rows = statement.query(params![scope.rubric, scope.batch_id, criterion])?;
        let mut left_out = 0;
        while let Some(row) = rows.next()? {
            let text = |index: usize| row.get_ref(index).and_then(|value| Ok(value.as_str()?));
            let rater = text(1)?;
            if golden.contains(rater) {
                left_out += 1;
                continue;
            }
            each(row.get(0)?, rater, text(2)?)?;
        }
        Ok(left_out)
    }

    /// Calls `each` with every recorded side (item id, rater, the candidate shown on the
    /// left), without holding them all: a million votes have a million sides.
    pub fn each_side(&self, mut each: impl FnMut(i64, &str, &str)) -> Result<(), StoreError> {
        let mut statement = self.conn.prepare_cached("SELECT item_id, rater, left_candidate FROM comparison_sides")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let text = |index: usize| row.get_ref(index).and_then(|value| Ok(value.as_str()?));
            each(row.get(0)?, text(1)?, text(2)?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::comparison::Candidate;
    use crate::model::{Item, Shape};
    use crate::store::OnConflict;

    fn candidate(id: &str, model: Option<&str>) -> Candidate {
        Candidate {
            id: id.into(),
            output: format!("answer {id}"),
            model: model.map(str::to_string),
            ..Candidate::default()
        }
    }

    #[test]
    fn comparisons_carry_prompt_candidates_slice_and_judge() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("t.db")).unwrap();
        let mut split = Item {
            id: "q1~v1~v2".into(),
            dataset: "d".into(),
            input: "Why?".into(),
            shape: Shape::Comparison { candidates: vec![candidate("v1", Some("m-1")), candidate("v2", None)] },
            ..Item::default()
        };
        split.metadata.insert("comparison_of".into(), "q1".into());
        split.metadata.insert("the \"lang\"".into(), "en".into());
        split.judge.insert("pref".into(), "a".into());
        let mut arena = split.clone();
        arena.id = "battle-7".into();
        arena.metadata.clear();
        arena.metadata.insert("question_id".into(), 81.into());
        arena.judge.clear();
        let plain = Item { id: "single".into(), dataset: "d".into(), input: "Hi".into(), ..Item::default() };
        store
            .write(|tx| {
                for (line, item) in [&split, &arena, &plain].into_iter().enumerate() {
                    tx.upsert_item(item, "f", line as u64 + 1, OnConflict::Error)?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let mut rows = Vec::new();
        store
            .each_comparison(Some("the \"lang\""), "pref", |row| {
                rows.push(row);
                Ok(())
            })
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].prompt, "q1");
        assert_eq!(rows[0].a, ("v1".to_string(), Some("m-1".to_string())));
        assert_eq!(rows[0].b, ("v2".to_string(), None));
        assert_eq!(
            (rows[0].candidates, rows[0].slice.as_deref(), rows[0].judge.as_deref()),
            (2, Some("en"), Some("a"))
        );
        assert_eq!((rows[1].prompt.as_str(), rows[1].slice.as_deref(), rows[1].judge.as_deref()), ("81", None, None));
        let mut datasets = Vec::new();
        store
            .each_comparison(Some("dataset"), "pref", |row| {
                datasets.push(row.slice);
                Ok(())
            })
            .unwrap();
        assert_eq!(datasets, [Some("d".to_string()), Some("d".to_string())]);
    }

    #[test]
    fn criterion_labels_are_the_rater_labels_of_that_criterion() {
        use crate::store::{LabelScope, NewLabel};
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("t.db")).unwrap();
        let toml = "name = \"r\"\nversion = 1\n\n[[criteria]]\nid = \"pref\"\nkind = \"preference\"\n\n[[criteria]]\nid = \"ok\"\nkind = \"binary\"\noptions = [{ value = \"pass\" }, { value = \"fail\" }]\n";
        let rubric = crate::model::Rubric::from_toml(toml, "r.toml").unwrap();
        store
            .write(|tx| {
                let (rubric_id, _) = tx.add_rubric(&rubric, toml, "")?;
                for n in 1..=3 {
                    let item = Item { id: format!("i{n}"), dataset: "d".into(), ..Item::default() };
                    tx.upsert_item(&item, "f", n, OnConflict::Error)?;
                }
                // ana changes her mind on i1, retracts i2; ben votes; a golden set votes;
                // `ok` is another criterion.
                let events: [(i64, &str, &str, Option<&str>, &str); 7] = [
                    (1, "ana", "pref", Some("a"), "label"),
                    (1, "ana", "pref", Some("b"), "label"),
                    (2, "ana", "pref", Some("tie"), "label"),
                    (2, "ana", "pref", None, "label"),
                    (1, "ben", "pref", Some("a"), "label"),
                    (3, "golden:v1", "pref", Some("a"), "golden:v1.jsonl:3"),
                    (3, "ben", "ok", Some("pass"), "label"),
                ];
                for (item_id, rater, criterion, value, source) in events {
                    let value = value.map(serde_json::Value::from);
                    tx.append_label(&NewLabel {
                        item_id,
                        rater,
                        criterion,
                        value: value.as_ref(),
                        comment: None,
                        rubric_id,
                        batch_id: None,
                        duration_ms: None,
                        source,
                    })?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let scope = LabelScope { rubric: "r", batch_id: None };
        for include_golden in [false, true] {
            let mut expected = Vec::new();
            let left_out = store
                .each_rater_label(scope, include_golden, |label| {
                    if label.criterion == "pref" {
                        expected.push((label.item_id, label.rater.to_string(), label.value.to_string()));
                    }
                    Ok::<_, StoreError>(())
                })
                .unwrap();
            let mut got = Vec::new();
            let ours = store
                .each_criterion_label(scope, "pref", include_golden, |item_id, rater, value| {
                    got.push((item_id, rater.to_string(), value.to_string()));
                    Ok(())
                })
                .unwrap();
            expected.sort();
            got.sort();
            assert_eq!(got, expected);
            assert_eq!(ours, left_out);
        }
        assert_eq!(
            {
                let mut got = Vec::new();
                store
                    .each_criterion_label(scope, "pref", false, |i, r, v| {
                        got.push((i, r.to_string(), v.to_string()));
                        Ok(())
                    })
                    .unwrap();
                got.sort();
                got
            },
            [(1, "ana".to_string(), "\"b\"".to_string()), (1, "ben".to_string(), "\"a\"".to_string())]
        );
    }
}
