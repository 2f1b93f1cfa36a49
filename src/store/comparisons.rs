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
        let mut statement = self.conn.prepare_cached(
            "SELECT id,
                    CAST(coalesce(json_extract(metadata, '$.comparison_of'), json_extract(metadata, '$.question_id'), input) AS TEXT),
                    json_extract(shape, '$.candidates[0].id'), json_extract(shape, '$.candidates[0].model'),
                    json_extract(shape, '$.candidates[1].id'), json_extract(shape, '$.candidates[1].model'),
                    json_array_length(shape, '$.candidates'),
                    CASE WHEN ?1 IS NULL THEN NULL WHEN ?1 = 'dataset' THEN dataset
                         ELSE CAST(json_extract(metadata, ?2) AS TEXT) END,
                    CAST(json_extract(judge, ?3) AS TEXT)
             FROM items WHERE shape IS NOT NULL AND json_type(shape, '$.candidates') = 'array' ORDER BY id",
        )?;
        let by_path = by.map(key_path).unwrap_or_default();
        let mut rows = statement.query(params![by, by_path, key_path(criterion)])?;
        while let Some(row) = rows.next()? {
            let text = |index: usize| -> Result<Option<String>, StoreError> {
                Ok(match row.get_ref(index)? {
                    rusqlite::types::ValueRef::Null => None,
                    rusqlite::types::ValueRef::Text(text) => Some(String::from_utf8_lossy(text).into_owned()),
                    rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                    rusqlite::types::ValueRef::Real(x) => Some(x.to_string()),
                    rusqlite::types::ValueRef::Blob(_) => None,
                })
            };
            each(ComparisonRow {
                item_id: row.get(0)?,
                prompt: text(1)?.unwrap_or_default(),
                a: (text(2)?.unwrap_or_default(), text(3)?),
                b: (text(4)?.unwrap_or_default(), text(5)?),
                candidates: row.get::<_, Option<i64>>(6)?.unwrap_or(0).max(0) as usize,
                slice: text(7)?,
                judge: text(8)?,
            })?;
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
}
