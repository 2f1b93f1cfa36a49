//! Rubrics: every version kept, identified by its content hash.

use rusqlite::params;

use super::{Store, StoreError, Tx, now_ms, optional};
use crate::model::Rubric;

#[derive(Debug, Clone)]
pub struct StoredRubric {
    pub id: i64,
    pub rubric: Rubric,
    pub hash: String,
    pub guidelines: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RubricSummary {
    pub name: String,
    pub version: u32,
    pub hash: String,
    pub criteria: usize,
    /// Label events (not retractions) recorded under this version.
    pub label_events: i64,
}

fn load(id: i64, source: &str, hash: String, guidelines: String) -> Result<StoredRubric, StoreError> {
    let rubric = Rubric::from_toml(source, &format!("stored rubric #{id}"))
        .map_err(|err| StoreError::Invalid(err.to_string()))?;
    Ok(StoredRubric { id, rubric, hash, guidelines })
}

impl Tx<'_> {
    /// Adds a rubric version; returns its id and whether it was new. The same content
    /// twice is one version; new content under an existing version number is refused.
    pub fn add_rubric(&self, rubric: &Rubric, source: &str, guidelines: &str) -> Result<(i64, bool), StoreError> {
        let hash = rubric.content_hash(guidelines);
        if let Some(id) =
            optional(self.tx.query_row("SELECT id FROM rubrics WHERE hash = ?1", [&hash], |row| row.get(0)))?
        {
            return Ok((id, false));
        }
        let clash: Option<String> = optional(self.tx.query_row(
            "SELECT hash FROM rubrics WHERE name = ?1 AND version = ?2",
            params![rubric.name, rubric.version],
            |row| row.get(0),
        ))?;
        if clash.is_some() {
            return Err(StoreError::Invalid(format!(
                "rubric `{}` version {} is already in the store with different content; \
                 raise `version` in the TOML to add it as a new version",
                rubric.name, rubric.version
            )));
        }
        self.tx.execute(
            "INSERT INTO rubrics (name, version, hash, source, guidelines, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![rubric.name, rubric.version, hash, source, guidelines, now_ms()],
        )?;
        Ok((self.tx.last_insert_rowid(), true))
    }
}

impl Store {
    /// The highest version of the rubric called `name`.
    pub fn rubric_latest(&self, name: &str) -> Result<Option<StoredRubric>, StoreError> {
        let row = optional(self.conn.query_row(
            "SELECT id, source, hash, guidelines FROM rubrics WHERE name = ?1 ORDER BY version DESC LIMIT 1",
            [name],
            |row| Ok((row.get(0)?, row.get::<_, String>(1)?, row.get(2)?, row.get(3)?)),
        ))?;
        row.map(|(id, source, hash, guidelines)| load(id, &source, hash, guidelines)).transpose()
    }

    /// The rubric version with this content hash (as a label or a manifest names it).
    pub fn rubric_by_hash(&self, hash: &str) -> Result<Option<StoredRubric>, StoreError> {
        let id: Option<i64> =
            optional(self.conn.query_row("SELECT id FROM rubrics WHERE hash = ?1", [hash], |row| row.get(0)))?;
        id.map(|id| self.rubric_by_id(id)).transpose()
    }

    pub fn rubric_by_id(&self, id: i64) -> Result<StoredRubric, StoreError> {
        let (source, hash, guidelines): (String, String, String) =
            self.conn.query_row("SELECT source, hash, guidelines FROM rubrics WHERE id = ?1", [id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?;
        load(id, &source, hash, guidelines)
    }

    /// Distinct rubric names, sorted.
    pub fn rubric_names(&self) -> Result<Vec<String>, StoreError> {
        let mut statement = self.conn.prepare("SELECT DISTINCT name FROM rubrics ORDER BY name")?;
        let names = statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
        Ok(names)
    }

    /// Every stored version, by name then version, with the labels made under it.
    pub fn rubrics(&self) -> Result<Vec<RubricSummary>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT r.id, r.source, r.hash, r.guidelines,
                    (SELECT count(*) FROM label_events e WHERE e.rubric_id = r.id AND e.value IS NOT NULL)
             FROM rubrics r ORDER BY r.name, r.version",
        )?;
        let rows: Vec<(i64, String, String, String, i64)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(id, source, hash, guidelines, label_events)| {
                let stored = load(id, &source, hash, guidelines)?;
                Ok(RubricSummary {
                    name: stored.rubric.name,
                    version: stored.rubric.version,
                    hash: stored.hash,
                    criteria: stored.rubric.criteria.len(),
                    label_events,
                })
            })
            .collect()
    }
}
