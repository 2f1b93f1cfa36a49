//! Rubrics: what raters answer for each item, parsed from TOML and validated.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::label::{LabelValue, format_number};
use crate::stats::Level;

/// Keys the label screen keeps for itself; no option may use them.
pub const RESERVED_KEYS: [char; 3] = ['q', '?', '/'];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rubric {
    pub name: String,
    pub version: u32,
    pub description: Option<String>,
    /// File name of the Markdown guidelines, relative to the TOML file.
    pub guidelines: Option<String>,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criterion {
    pub id: String,
    pub kind: Kind,
    pub question: String,
    pub required: bool,
    /// In order; for ordinal criteria, lowest first.
    pub options: Vec<Choice>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub when: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    pub value: String,
    pub key: char,
    pub label: Option<String>,
}

/// The criterion is asked only when `criterion` has one of `any_of`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub criterion: String,
    pub any_of: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Binary,
    Ordinal,
    Nominal,
    Tags,
    Number,
    Text,
}

impl Kind {
    const ALL: [(&'static str, Kind); 6] = [
        ("binary", Kind::Binary),
        ("ordinal", Kind::Ordinal),
        ("nominal", Kind::Nominal),
        ("tags", Kind::Tags),
        ("number", Kind::Number),
        ("text", Kind::Text),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, kind)| *kind == self).map_or("", |(name, _)| name)
    }

    /// Binary, ordinal and nominal criteria take exactly one of their options.
    pub fn is_choice(self) -> bool {
        matches!(self, Kind::Binary | Kind::Ordinal | Kind::Nominal)
    }
}

/// A rubric that failed to parse or validate, naming the file and the criterion or option
/// at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct RubricError {
    pub origin: String,
    pub at: Option<String>,
    pub message: String,
}

impl fmt::Display for RubricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{}: {}: {}", self.origin, at, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRubric {
    name: String,
    version: u32,
    description: Option<String>,
    guidelines: Option<String>,
    #[serde(default)]
    criteria: Vec<RawCriterion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: String,
    kind: String,
    question: Option<String>,
    #[serde(default)]
    required: bool,
    options: Option<Vec<RawChoice>>,
    min: Option<f64>,
    max: Option<f64>,
    when: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    value: Scalar,
    key: String,
    label: Option<String>,
}

/// Option values may be written as `"3"` or `3`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Integer(i64),
    Float(f64),
}

impl Scalar {
    fn into_string(self) -> String {
        match self {
            Scalar::Text(text) => text,
            Scalar::Integer(number) => number.to_string(),
            Scalar::Float(number) => format_number(number),
        }
    }
}

impl Rubric {
    /// Parses and validates a rubric. `origin` names the file in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Rubric, RubricError> {
        let raw: RawRubric = toml::from_str(text).map_err(|err| RubricError {
            origin: origin.to_string(),
            at: None,
            message: err.to_string().trim_end().to_string(),
        })?;
        Validator { origin }.rubric(raw)
    }

    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|criterion| criterion.id == id)
    }

    /// The (criterion index, option index) an option hotkey selects.
    pub fn hotkey(&self, key: char) -> Option<(usize, usize)> {
        self.criteria.iter().enumerate().find_map(|(ci, criterion)| {
            criterion.options.iter().position(|choice| choice.key == key).map(|oi| (ci, oi))
        })
    }

    /// Whether criterion `index` is asked, given the answers so far: its `when` holds
    /// and the criterion that `when` names is itself asked.
    pub fn applies(&self, index: usize, values: &BTreeMap<String, LabelValue>) -> bool {
        let Some(condition) = &self.criteria[index].when else {
            return true;
        };
        let Some(parent) = self.criteria.iter().position(|c| c.id == condition.criterion) else {
            return false;
        };
        // Validation puts the parent before the child, so this recursion ends.
        parent < index
            && self.applies(parent, values)
            && matches!(values.get(&condition.criterion),
                Some(LabelValue::Choice(value)) if condition.any_of.contains(value))
    }

    /// Required criteria that are asked but not answered, in rubric order.
    pub fn missing_required(&self, values: &BTreeMap<String, LabelValue>) -> Vec<&str> {
        self.criteria
            .iter()
            .enumerate()
            .filter(|(index, criterion)| {
                criterion.required && !values.contains_key(&criterion.id) && self.applies(*index, values)
            })
            .map(|(_, criterion)| criterion.id.as_str())
            .collect()
    }

    /// The hash that identifies this exact version: canonical JSON of the parsed rubric
    /// plus the guidelines text, so reformatting the TOML does not make a new version
    /// but any change of meaning does.
    pub fn content_hash(&self, guidelines_text: &str) -> String {
        #[derive(Serialize)]
        struct Hashed<'a> {
            rubric: &'a Rubric,
            guidelines_text: &'a str,
        }
        let json = serde_json::to_vec(&Hashed { rubric: self, guidelines_text }).unwrap_or_default();
        super::sha256_hex(&json)
    }
}

impl Criterion {
    /// The level of measurement agreement uses by default; `None` for text (no agreement)
    /// and tags (measured per tag and with MASI instead).
    pub fn level(&self) -> Option<Level> {
        match self.kind {
            Kind::Binary | Kind::Nominal => Some(Level::Nominal),
            Kind::Ordinal => Some(Level::Ordinal),
            Kind::Number => Some(Level::Interval),
            Kind::Tags | Kind::Text => None,
        }
    }

    pub fn choice_index(&self, value: &str) -> Option<usize> {
        self.options.iter().position(|choice| choice.value == value)
    }

    /// Parses a value written as text (a CSV cell): an option value, tags joined by `;`
    /// (empty for none), a number, or free text.
    pub fn parse_text(&self, raw: &str) -> Result<LabelValue, String> {
        match self.kind {
            Kind::Binary | Kind::Ordinal | Kind::Nominal => {
                let value = raw.trim();
                if self.choice_index(value).is_some() {
                    Ok(LabelValue::Choice(value.to_string()))
                } else {
                    Err(format!("`{value}` is not an option (expected one of {})", self.option_list()))
                }
            }
            Kind::Tags => {
                let mut tags = BTreeSet::new();
                for tag in raw.split(';').map(str::trim).filter(|tag| !tag.is_empty()) {
                    if self.choice_index(tag).is_none() {
                        return Err(format!("`{tag}` is not a tag (expected some of {})", self.option_list()));
                    }
                    tags.insert(tag.to_string());
                }
                Ok(LabelValue::Tags(tags))
            }
            Kind::Number => {
                let number: f64 = raw.trim().parse().map_err(|_| format!("`{}` is not a number", raw.trim()))?;
                self.check_number(number)
            }
            Kind::Text => Ok(LabelValue::Text(raw.to_string())),
        }
    }

    /// Parses a JSON value: a string as [`Criterion::parse_text`] does, a number, or an
    /// array of tags.
    pub fn parse_json(&self, value: &Value) -> Result<LabelValue, String> {
        match (self.kind, value) {
            (_, Value::String(text)) => self.parse_text(text),
            (Kind::Number, Value::Number(number)) => self.check_number(number.as_f64().ok_or("number out of range")?),
            (kind, Value::Number(number)) if kind.is_choice() => self.parse_text(&number.to_string()),
            (Kind::Tags, Value::Array(items)) => {
                let mut tags = Vec::with_capacity(items.len());
                for item in items {
                    tags.push(item.as_str().ok_or_else(|| format!("tag {item} is not a string"))?);
                }
                self.parse_text(&tags.join(";"))
            }
            (kind, other) => Err(format!("{other} is not a valid {} value", kind.name())),
        }
    }

    fn check_number(&self, number: f64) -> Result<LabelValue, String> {
        if !number.is_finite() {
            return Err(format!("`{number}` is not a finite number"));
        }
        if let Some(min) = self.min.filter(|min| number < *min) {
            return Err(format!("{} is below the minimum {}", format_number(number), format_number(min)));
        }
        if let Some(max) = self.max.filter(|max| number > *max) {
            return Err(format!("{} is above the maximum {}", format_number(number), format_number(max)));
        }
        Ok(LabelValue::Number(number))
    }

    fn option_list(&self) -> String {
        self.options.iter().map(|choice| choice.value.as_str()).collect::<Vec<_>>().join(", ")
    }
}

struct Validator<'a> {
    origin: &'a str,
}

impl Validator<'_> {
    fn error(&self, at: Option<String>, message: impl Into<String>) -> RubricError {
        RubricError { origin: self.origin.to_string(), at, message: message.into() }
    }

    fn rubric(&self, raw: RawRubric) -> Result<Rubric, RubricError> {
        if raw.name.is_empty() || !raw.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            return Err(self.error(
                None,
                format!("name `{}` must be non-empty and use only letters, digits, `-`, `_` and `.`", raw.name),
            ));
        }
        if raw.version == 0 {
            return Err(self.error(None, "version must be 1 or more"));
        }
        if raw.criteria.is_empty() {
            return Err(self.error(None, "a rubric needs at least one [[criteria]]"));
        }
        let mut criteria: Vec<Criterion> = Vec::with_capacity(raw.criteria.len());
        let mut key_owner: HashMap<char, String> = HashMap::new();
        for raw_criterion in raw.criteria {
            let criterion = self.criterion(raw_criterion, &criteria)?;
            for choice in &criterion.options {
                let owner = format!("criterion `{}`, option `{}`", criterion.id, choice.value);
                if let Some(first) = key_owner.insert(choice.key, owner.clone()) {
                    return Err(
                        self.error(Some(owner), format!("duplicate hotkey `{}` (already used by {first})", choice.key))
                    );
                }
            }
            criteria.push(criterion);
        }
        Ok(Rubric {
            name: raw.name,
            version: raw.version,
            description: raw.description,
            guidelines: raw.guidelines,
            criteria,
        })
    }

    fn criterion(&self, raw: RawCriterion, earlier: &[Criterion]) -> Result<Criterion, RubricError> {
        let at = Some(format!("criterion `{}`", raw.id));
        if raw.id.is_empty() || !raw.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(self.error(at, "id must be non-empty and use only letters, digits, `_` and `-`"));
        }
        if earlier.iter().any(|c| c.id == raw.id) {
            return Err(self.error(at, "duplicate criterion id"));
        }
        let kind = Kind::ALL.iter().find(|(name, _)| *name == raw.kind).map(|(_, kind)| *kind).ok_or_else(|| {
            let names: Vec<_> = Kind::ALL.iter().map(|(name, _)| *name).collect();
            self.error(at.clone(), format!("unknown kind `{}` (expected one of {})", raw.kind, names.join(", ")))
        })?;

        let options = match (kind, raw.options) {
            (Kind::Number | Kind::Text, Some(_)) => {
                return Err(self.error(at, format!("{} criteria take no options", kind.name())));
            }
            (Kind::Number | Kind::Text, None) => Vec::new(),
            // A binary criterion with no options is the usual pass/fail.
            (Kind::Binary, None) => vec![
                Choice { value: "pass".into(), key: 'y', label: None },
                Choice { value: "fail".into(), key: 'n', label: None },
            ],
            (_, None) => {
                return Err(self.error(at, format!("{} criteria need options", kind.name())));
            }
            (_, Some(raw_options)) => self.options(&raw.id, kind, raw_options)?,
        };

        if kind != Kind::Number && (raw.min.is_some() || raw.max.is_some()) {
            return Err(self.error(at, "only number criteria take min and max"));
        }
        // TOML allows nan and inf; a bound that is not a number checks nothing (every
        // comparison with NaN is false), and an infinite one is no bound.
        for (field, bound) in [("min", raw.min), ("max", raw.max)] {
            if let Some(bound) = bound.filter(|bound| !bound.is_finite()) {
                return Err(self.error(at, format!("`{field}` must be a finite number, not {bound}")));
            }
        }
        if let (Some(min), Some(max)) = (raw.min, raw.max)
            && min >= max
        {
            return Err(self.error(at, format!("min ({min}) must be below max ({max})")));
        }

        let when = match raw.when {
            None => None,
            Some(table) => Some(self.condition(&raw.id, table, earlier)?),
        };

        Ok(Criterion {
            question: raw.question.unwrap_or_else(|| raw.id.clone()),
            id: raw.id,
            kind,
            required: raw.required,
            options,
            min: raw.min,
            max: raw.max,
            when,
        })
    }

    fn options(&self, criterion: &str, kind: Kind, raw: Vec<RawChoice>) -> Result<Vec<Choice>, RubricError> {
        let at = Some(format!("criterion `{criterion}`"));
        let needed = match kind {
            Kind::Tags => 1,
            _ => 2,
        };
        if raw.len() < needed {
            return Err(self.error(at, format!("{} criteria need at least {needed} options", kind.name())));
        }
        if kind == Kind::Binary && raw.len() != 2 {
            return Err(self.error(at, "binary criteria have exactly 2 options"));
        }
        let mut options: Vec<Choice> = Vec::with_capacity(raw.len());
        for raw_choice in raw {
            let value = raw_choice.value.into_string();
            let at = Some(format!("criterion `{criterion}`, option `{value}`"));
            if value.trim().is_empty() || value.trim() != value {
                return Err(self.error(at, "option values must be non-empty, with no surrounding spaces"));
            }
            if kind == Kind::Tags && value.contains(';') {
                return Err(self.error(at, "tag values may not contain `;` (it separates tags)"));
            }
            if options.iter().any(|choice| choice.value == value) {
                return Err(self.error(at, "duplicate option value"));
            }
            let mut chars = raw_choice.key.chars();
            let key = match (chars.next(), chars.next()) {
                (Some(key), None) if !key.is_whitespace() && !key.is_control() => key,
                _ => {
                    return Err(
                        self.error(at, format!("key `{}` must be exactly one visible character", raw_choice.key))
                    );
                }
            };
            if RESERVED_KEYS.contains(&key) {
                return Err(self.error(at, format!("key `{key}` is reserved by the label screen")));
            }
            options.push(Choice { value, key, label: raw_choice.label });
        }
        Ok(options)
    }

    fn condition(&self, criterion: &str, table: toml::Table, earlier: &[Criterion]) -> Result<Condition, RubricError> {
        let at = Some(format!("criterion `{criterion}`"));
        let mut entries = table.into_iter();
        let (parent_id, wanted) = match (entries.next(), entries.next()) {
            (Some(entry), None) => entry,
            _ => {
                return Err(self.error(at, "`when` names exactly one criterion, e.g. when = { correct = \"fail\" }"));
            }
        };
        let Some(parent) = earlier.iter().find(|c| c.id == parent_id) else {
            return Err(self.error(
                at,
                format!("`when` refers to `{parent_id}`, which is not a criterion defined above this one"),
            ));
        };
        if !parent.kind.is_choice() {
            return Err(self.error(
                at,
                format!(
                    "`when` refers to `{parent_id}`, a {} criterion; it must be binary, ordinal or nominal",
                    parent.kind.name()
                ),
            ));
        }
        let values: Vec<toml::Value> = match wanted {
            toml::Value::Array(values) => values,
            single => vec![single],
        };
        let mut any_of = Vec::with_capacity(values.len());
        for value in values {
            let value = match value {
                toml::Value::String(text) => text,
                toml::Value::Integer(number) => number.to_string(),
                other => {
                    return Err(self.error(at, format!("`when` value {other} must be an option value")));
                }
            };
            if parent.choice_index(&value).is_none() {
                return Err(self.error(at, format!("`when` value `{value}` is not an option of `{parent_id}`")));
            }
            any_of.push(value);
        }
        if any_of.is_empty() {
            return Err(self.error(at, "`when` needs at least one value"));
        }
        Ok(Condition { criterion: parent_id, any_of })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../guidelines/rag-answer-quality.toml");

    fn error_of(toml: &str) -> String {
        Rubric::from_toml(toml, "r.toml").map(|_| ()).unwrap_err().to_string()
    }

    #[test]
    fn shipped_rubric_is_valid() {
        let rubric = Rubric::from_toml(SHIPPED, "rag-answer-quality.toml").unwrap();
        assert_eq!(rubric.name, "rag-answer-quality");
        assert_eq!(rubric.hotkey('n'), Some((0, 1)));
        assert_eq!(rubric.criterion("defects").unwrap().kind, Kind::Tags);
    }

    #[test]
    fn all_six_kinds_and_defaults() {
        let rubric = Rubric::from_toml(
            r#"
name = "all"
version = 2
[[criteria]]
id = "ok"
kind = "binary"
required = true
[[criteria]]
id = "topic"
kind = "nominal"
options = [{ value = "billing", key = "b" }, { value = "auth", key = "a" }]
[[criteria]]
id = "stars"
kind = "ordinal"
options = [{ value = 1, key = "1" }, { value = 2, key = "2" }]
[[criteria]]
id = "why"
kind = "tags"
when = { ok = ["fail"] }
options = [{ value = "x", key = "x" }]
[[criteria]]
id = "score"
kind = "number"
min = 0
max = 10
[[criteria]]
id = "note"
kind = "text"
"#,
            "all.toml",
        )
        .unwrap();
        let kinds: Vec<_> = rubric.criteria.iter().map(|c| c.kind.name()).collect();
        assert_eq!(kinds, ["binary", "nominal", "ordinal", "tags", "number", "text"]);
        assert_eq!(rubric.criteria[0].options[0].value, "pass");
        assert_eq!(rubric.criteria[2].options[1].value, "2");
        assert_eq!(rubric.criteria[1].question, "topic");
    }

    #[test]
    fn when_controls_what_is_asked_and_required() {
        let rubric = Rubric::from_toml(SHIPPED, "r.toml").unwrap();
        let defects = rubric.criteria.iter().position(|c| c.id == "defects").unwrap();
        let mut values = BTreeMap::new();
        assert!(!rubric.applies(defects, &values));
        values.insert("correct".to_string(), LabelValue::Choice("fail".into()));
        assert!(rubric.applies(defects, &values));
        assert_eq!(rubric.missing_required(&values), ["grounded", "helpfulness"]);
        values.insert("correct".to_string(), LabelValue::Choice("pass".into()));
        assert!(!rubric.applies(defects, &values));
    }

    #[test]
    fn bounds_must_be_finite() {
        for (bound, value) in [("min", "nan"), ("max", "inf"), ("min", "-inf")] {
            let err = error_of(&format!(
                "name = \"r\"\nversion = 1\n[[criteria]]\nid = \"s\"\nkind = \"number\"\n{bound} = {value}\n"
            ));
            assert!(err.starts_with(&format!("r.toml: criterion `s`: `{bound}` must be a finite number")), "{err}");
        }
    }

    #[test]
    fn errors_name_file_criterion_and_option() {
        let dup_key = error_of(
            r#"name = "r"
version = 1
[[criteria]]
id = "a"
kind = "binary"
options = [{ value = "pass", key = "y" }, { value = "fail", key = "y" }]"#,
        );
        assert_eq!(
            dup_key,
            "r.toml: criterion `a`, option `fail`: duplicate hotkey `y` (already used by criterion `a`, option `pass`)"
        );

        let unknown_kind = error_of("name = \"r\"\nversion = 1\n[[criteria]]\nid = \"a\"\nkind = \"likert\"\n");
        assert!(unknown_kind.starts_with("r.toml: criterion `a`: unknown kind `likert`"), "{unknown_kind}");

        let bad_when = error_of(
            "name = \"r\"\nversion = 1\n[[criteria]]\nid = \"tags\"\nkind = \"tags\"\nwhen = { missing = \"x\" }\noptions = [{ value = \"t\", key = \"t\" }]\n",
        );
        assert!(bad_when.contains("criterion `tags`: `when` refers to `missing`"), "{bad_when}");

        let reserved = error_of(
            "name = \"r\"\nversion = 1\n[[criteria]]\nid = \"a\"\nkind = \"nominal\"\noptions = [{ value = \"x\", key = \"q\" }, { value = \"y\", key = \"w\" }]\n",
        );
        assert!(reserved.contains("option `x`: key `q` is reserved"), "{reserved}");

        let bad_value = error_of(
            "name = \"r\"\nversion = 1\n[[criteria]]\nid = \"a\"\nkind = \"binary\"\n[[criteria]]\nid = \"b\"\nkind = \"tags\"\nwhen = { a = \"maybe\" }\noptions = [{ value = \"t\", key = \"t\" }]\n",
        );
        assert!(bad_value.contains("`when` value `maybe` is not an option of `a`"), "{bad_value}");
    }

    #[test]
    fn toml_syntax_errors_carry_the_line() {
        let message = error_of("name = \"r\"\nversion = 1\n[[criteria]]\nid = \"a\"\nkind = \"binary\"\nquestion = \n");
        assert!(message.starts_with("r.toml: TOML parse error at line 6"), "{message}");
        let unknown_field =
            error_of("name = \"r\"\nversion = 1\n[[criteria]]\nid = \"a\"\nkind = \"binary\"\nrequird = true\n");
        assert!(unknown_field.contains("line 6") && unknown_field.contains("requird"), "{unknown_field}");
    }

    #[test]
    fn values_are_checked_against_the_criterion() {
        let rubric = Rubric::from_toml(SHIPPED, "r.toml").unwrap();
        let helpfulness = rubric.criterion("helpfulness").unwrap();
        assert_eq!(helpfulness.parse_json(&serde_json::json!(4)), Ok(LabelValue::Choice("4".into())));
        assert!(helpfulness.parse_text("6").unwrap_err().contains("not an option"));
        let defects = rubric.criterion("defects").unwrap();
        assert_eq!(defects.parse_text("hallucination; incomplete").unwrap().display(), "hallucination, incomplete");
        assert_eq!(defects.parse_text("").unwrap(), LabelValue::Tags(BTreeSet::new()));
        assert!(defects.parse_text("typo").is_err());
    }

    #[test]
    fn hash_changes_with_meaning_not_formatting() {
        let a = Rubric::from_toml(SHIPPED, "a").unwrap();
        let reformatted = SHIPPED.replace("version = 1", "version    =    1");
        let b = Rubric::from_toml(&reformatted, "b").unwrap();
        assert_eq!(a.content_hash("g"), b.content_hash("g"));
        assert_ne!(a.content_hash("g"), a.content_hash("g2"));
    }
}
