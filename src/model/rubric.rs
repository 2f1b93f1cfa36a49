//! Rubrics: what raters answer for each item, parsed from TOML and validated.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::conversation::StepKind;
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
    /// Whether a rater gives one value per item or one per step of a conversation.
    /// Left out of the serialised form (and so of the rubric's hash) when `item`, so the
    /// hash of every rubric written before scopes is what it was.
    #[serde(skip_serializing_if = "Scope::is_item")]
    pub scope: Scope,
    /// For a step-scope criterion, the kinds of step it applies to; empty means every kind.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepKind>,
}

/// What one value of a criterion is about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    #[default]
    Item,
    Step,
}

impl Scope {
    pub fn is_item(&self) -> bool {
        *self == Scope::Item
    }
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
    /// Which of a comparison's first two candidates is better: `a`, `b`, `tie`,
    /// `both_bad`, or a strength scale from `a_much` to `b_much`.
    Preference,
    /// Which step of a conversation (the first that went wrong): a step number, or
    /// [`NO_STEP`].
    Step,
}

/// The value of a `step` criterion when no step went wrong.
pub const NO_STEP: &str = "none";

/// The values a preference criterion may take: the default options, and the strength
/// scale (`scale = "strength"`), weakest preference for `b` last.
pub const PREFERENCE_OPTIONS: [&str; 4] = ["a", "b", "tie", "both_bad"];
pub const PREFERENCE_STRENGTHS: [&str; 5] = ["a_much", "a_slightly", "tie", "b_slightly", "b_much"];

impl Kind {
    const ALL: [(&'static str, Kind); 8] = [
        ("binary", Kind::Binary),
        ("ordinal", Kind::Ordinal),
        ("nominal", Kind::Nominal),
        ("tags", Kind::Tags),
        ("number", Kind::Number),
        ("text", Kind::Text),
        ("preference", Kind::Preference),
        ("step", Kind::Step),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, kind)| *kind == self).map_or("", |(name, _)| name)
    }

    /// Binary, ordinal, nominal and preference criteria take exactly one of their options.
    pub fn is_choice(self) -> bool {
        matches!(self, Kind::Binary | Kind::Ordinal | Kind::Nominal | Kind::Preference)
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
    /// Preference criteria: `strength` for the five-point scale.
    scale: Option<String>,
    /// `item` (default) or `step`.
    scope: Option<String>,
    /// Step-scope criteria: the step kinds they apply to.
    steps: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    value: Scalar,
    /// Omitted: the next free key of the criterion's kind (see [`default_keys`]).
    key: Option<String>,
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
    fn to_text(&self) -> String {
        match self {
            Scalar::Text(text) => text.clone(),
            Scalar::Integer(number) => number.to_string(),
            Scalar::Float(number) => format_number(*number),
        }
    }
}

/// What an option key does with a given focus (see [`Rubric::key_target`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyTarget {
    /// (criterion index, option index).
    Option(usize, usize),
    /// Several criteria, none focused, have an option on the key.
    Ambiguous(Vec<usize>),
    /// No option uses the key.
    None,
}

/// Keys given, in order, to options written without one: `y`/`n` for binary criteria
/// (then digits), `1`..`9`, `0` for the rest. Letters would clash with screen keys.
fn default_keys(kind: Kind) -> Vec<char> {
    let digits = ('1'..='9').chain(['0']);
    match kind {
        Kind::Binary => ['y', 'n'].into_iter().chain(digits).collect(),
        _ => digits.collect(),
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

    /// The criteria (by index) that have an option on `key`.
    pub fn key_owners(&self, key: char) -> Vec<usize> {
        (0..self.criteria.len()).filter(|&ci| self.criteria[ci].key_option(key).is_some()).collect()
    }

    /// Whether any option of the rubric uses `key`: such a plain key is an option key on
    /// the screens, whatever the keymap says.
    pub fn is_option_key(&self, key: char) -> bool {
        self.criteria.iter().any(|criterion| criterion.key_option(key).is_some())
    }

    /// What an option key does with focus on criterion `focus`: the focused criterion's
    /// option when it has one on `key`, otherwise the option of the only criterion that
    /// has one.
    pub fn key_target(&self, key: char, focus: usize) -> KeyTarget {
        if let Some(option) = self.criteria.get(focus).and_then(|criterion| criterion.key_option(key)) {
            return KeyTarget::Option(focus, option);
        }
        match self.key_owners(key).as_slice() {
            [] => KeyTarget::None,
            [only] => self.criteria[*only].key_option(key).map_or(KeyTarget::None, |oi| KeyTarget::Option(*only, oi)),
            owners => KeyTarget::Ambiguous(owners.to_vec()),
        }
    }

    /// Keys that do nothing from some focus: shared by several criteria, pressed with
    /// focus on an option criterion that has none of them. One line per key, naming the
    /// criteria, for `rubric check`.
    pub fn ambiguous_keys(&self) -> Vec<String> {
        let mut keys: Vec<char> = self.criteria.iter().flat_map(|c| c.options.iter().map(|o| o.key)).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut found = Vec::new();
        for key in keys {
            let owners = self.key_owners(key);
            if owners.len() < 2 {
                continue;
            }
            let stranded: Vec<&str> = (0..self.criteria.len())
                .filter(|ci| !owners.contains(ci) && !self.criteria[*ci].options.is_empty())
                .map(|ci| self.criteria[ci].id.as_str())
                .collect();
            if stranded.is_empty() {
                continue;
            }
            let names: Vec<&str> = owners.iter().map(|&ci| self.criteria[ci].id.as_str()).collect();
            found.push(format!(
                "key `{key}` is an option of {}: with focus on {} it does nothing (the rater must move to one of them first)",
                names.join(", "),
                stranded.join(", ")
            ));
        }
        found
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
            Kind::Preference if self.is_strength_scale() => Some(Level::Ordinal),
            Kind::Preference | Kind::Step => Some(Level::Nominal),
            Kind::Number => Some(Level::Interval),
            Kind::Tags | Kind::Text => None,
        }
    }

    /// A preference criterion on the strength scale (its options are ordered).
    pub fn is_strength_scale(&self) -> bool {
        self.kind == Kind::Preference
            && self.options.iter().all(|choice| PREFERENCE_STRENGTHS.contains(&choice.value.as_str()))
    }

    /// The option on `key`, if this criterion has one.
    pub fn key_option(&self, key: char) -> Option<usize> {
        self.options.iter().position(|choice| choice.key == key)
    }

    /// The option keys as shown in a hint: `1-5` for a run of digits, else `y/n`.
    pub fn key_hint(&self) -> String {
        let keys: Vec<char> = self.options.iter().map(|choice| choice.key).collect();
        let run = keys.len() > 2
            && keys.iter().all(char::is_ascii_digit)
            && keys.windows(2).all(|pair| u32::from(pair[1]) == u32::from(pair[0]) + 1);
        match (run, keys.first(), keys.last()) {
            (true, Some(first), Some(last)) => format!("{first}-{last}"),
            _ => keys.iter().map(char::to_string).collect::<Vec<_>>().join("/"),
        }
    }

    pub fn choice_index(&self, value: &str) -> Option<usize> {
        self.options.iter().position(|choice| choice.value == value)
    }

    /// Parses a value written as text (a CSV cell): an option value, tags joined by `;`
    /// (empty for none), a number, or free text.
    pub fn parse_text(&self, raw: &str) -> Result<LabelValue, String> {
        match self.kind {
            Kind::Binary | Kind::Ordinal | Kind::Nominal | Kind::Preference => {
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
            Kind::Step => match raw.trim() {
                NO_STEP => Ok(LabelValue::Choice(NO_STEP.to_string())),
                step => match step.parse::<u32>() {
                    Ok(n) if n >= 1 => Ok(LabelValue::Choice(n.to_string())),
                    _ => Err(format!("`{step}` is not a step (expected a step number from 1, or `{NO_STEP}`)")),
                },
            },
        }
    }

    /// Whether this criterion is asked of a step of `kind`: step-scope criteria of the
    /// kinds they name (or of every kind), never item-scope ones.
    pub fn applies_to_step(&self, kind: StepKind) -> bool {
        self.scope == Scope::Step && (self.steps.is_empty() || self.steps.contains(&kind))
    }

    /// Parses a JSON value: a string as [`Criterion::parse_text`] does, a number, or an
    /// array of tags.
    pub fn parse_json(&self, value: &Value) -> Result<LabelValue, String> {
        match (self.kind, value) {
            (_, Value::String(text)) => self.parse_text(text),
            (Kind::Number, Value::Number(number)) => self.check_number(number.as_f64().ok_or("number out of range")?),
            (kind, Value::Number(number)) if kind.is_choice() || kind == Kind::Step => {
                self.parse_text(&number.to_string())
            }
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
        // Option keys may repeat across criteria (the focused criterion decides), not
        // within one: see `options`.
        for raw_criterion in raw.criteria {
            let criterion = self.criterion(raw_criterion, &criteria)?;
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
            (Kind::Number | Kind::Text | Kind::Step, Some(_)) => {
                return Err(self.error(at, format!("{} criteria take no options", kind.name())));
            }
            (Kind::Number | Kind::Text | Kind::Step, None) => Vec::new(),
            // A binary criterion with no options is the usual pass/fail.
            (Kind::Binary, None) => vec![
                Choice { value: "pass".into(), key: 'y', label: None },
                Choice { value: "fail".into(), key: 'n', label: None },
            ],
            (Kind::Preference, None) => {
                let values: &[&str] = match raw.scale.as_deref() {
                    None => &PREFERENCE_OPTIONS,
                    Some("strength") => &PREFERENCE_STRENGTHS,
                    Some(other) => {
                        return Err(self.error(at, format!("unknown scale `{other}` (expected `strength` or none)")));
                    }
                };
                let keys = default_keys(kind);
                values
                    .iter()
                    .zip(keys)
                    .map(|(value, key)| Choice { value: value.to_string(), key, label: None })
                    .collect()
            }
            (_, None) => {
                return Err(self.error(at, format!("{} criteria need options", kind.name())));
            }
            (_, Some(raw_options)) => self.options(&raw.id, kind, raw_options)?,
        };

        if kind == Kind::Preference {
            // The values are the contract (`a` is the first candidate); labels and keys are
            // the rubric's to choose.
            let allowed: &[&str] =
                if raw.scale.as_deref() == Some("strength") { &PREFERENCE_STRENGTHS } else { &PREFERENCE_OPTIONS };
            if let Some(choice) = options.iter().find(|choice| !allowed.contains(&choice.value.as_str())) {
                return Err(self
                    .error(at, format!("preference option `{}` is not one of {}", choice.value, allowed.join(", "))));
            }
            let first = allowed[0];
            let last = allowed[allowed.len() - 1];
            let (a, b) = if allowed.len() == 4 { ("a", "b") } else { (first, last) };
            if options.iter().all(|choice| choice.value != a) || options.iter().all(|choice| choice.value != b) {
                return Err(self.error(at, format!("a preference criterion needs the options `{a}` and `{b}`")));
            }
            // The label screen shows the candidates either way round and stores the
            // mirror of what the rater picked, so every option needs its mirror.
            let mirror = crate::model::comparison::mirrored;
            if let Some(choice) = options.iter().find(|c| options.iter().all(|o| o.value != mirror(&c.value))) {
                return Err(self.error(
                    at,
                    format!(
                        "preference option `{}` needs `{}` too: raters see the candidates either way round",
                        choice.value,
                        mirror(&choice.value)
                    ),
                ));
            }
        } else if raw.scale.is_some() {
            return Err(self.error(at, "only preference criteria take a scale"));
        }
        let scope = match raw.scope.as_deref() {
            None | Some("item") => Scope::Item,
            Some("step") if matches!(kind, Kind::Step | Kind::Preference) => {
                return Err(self.error(
                    at,
                    format!("{} criteria are about the whole item: scope = \"step\" does not apply", kind.name()),
                ));
            }
            Some("step") => Scope::Step,
            Some(other) => return Err(self.error(at, format!("unknown scope `{other}` (expected `item` or `step`)"))),
        };
        let steps = match raw.steps {
            None => Vec::new(),
            Some(_) if scope == Scope::Item => {
                return Err(self.error(at, "`steps` applies only to criteria with scope = \"step\""));
            }
            Some(names) => {
                let mut steps = Vec::with_capacity(names.len());
                for name in names {
                    let step = StepKind::parse(&name).ok_or_else(|| {
                        let known: Vec<_> = StepKind::ALL.iter().map(|kind| kind.name()).collect();
                        self.error(
                            at.clone(),
                            format!("unknown step kind `{name}` in `steps` (expected {})", known.join(", ")),
                        )
                    })?;
                    if !steps.contains(&step) {
                        steps.push(step);
                    }
                }
                steps
            }
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
            Some(table) => Some(self.condition(&raw.id, scope, table, earlier)?),
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
            scope,
            steps,
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
        // Written keys first, so an omitted key never takes one written further down.
        let mut written: Vec<Option<char>> = Vec::with_capacity(raw.len());
        let mut values: Vec<String> = Vec::with_capacity(raw.len());
        for raw_choice in &raw {
            let value = raw_choice.value.to_text();
            let at = Some(format!("criterion `{criterion}`, option `{value}`"));
            if value.trim().is_empty() || value.trim() != value {
                return Err(self.error(at, "option values must be non-empty, with no surrounding spaces"));
            }
            if kind == Kind::Tags && value.contains(';') {
                return Err(self.error(at, "tag values may not contain `;` (it separates tags)"));
            }
            if values.contains(&value) {
                return Err(self.error(at, "duplicate option value"));
            }
            let key = match &raw_choice.key {
                None => None,
                Some(text) => {
                    let mut chars = text.chars();
                    match (chars.next(), chars.next()) {
                        (Some(key), None) if !key.is_whitespace() && !key.is_control() => Some(key),
                        _ => {
                            return Err(self.error(at, format!("key `{text}` must be exactly one visible character")));
                        }
                    }
                }
            };
            if let Some(key) = key {
                if RESERVED_KEYS.contains(&key) {
                    return Err(self.error(at, format!("key `{key}` is reserved by the label screen")));
                }
                if let Some(first) = written.iter().position(|other| *other == Some(key)) {
                    return Err(self.error(
                        at,
                        format!(
                            "duplicate hotkey `{key}` (already used by option `{}` of this criterion)",
                            values[first]
                        ),
                    ));
                }
            }
            written.push(key);
            values.push(value);
        }
        let taken = written.clone();
        let mut free = default_keys(kind).into_iter().filter(|key| !taken.contains(&Some(*key)));
        let mut options: Vec<Choice> = Vec::with_capacity(raw.len());
        for ((raw_choice, value), key) in raw.into_iter().zip(values).zip(written) {
            let key = match key.or_else(|| free.next()) {
                Some(key) => key,
                None => {
                    return Err(self.error(
                        Some(format!("criterion `{criterion}`, option `{value}`")),
                        "no key left to give this option: write its `key`",
                    ));
                }
            };
            options.push(Choice { value, key, label: raw_choice.label });
        }
        Ok(options)
    }

    fn condition(
        &self,
        criterion: &str,
        scope: Scope,
        table: toml::Table,
        earlier: &[Criterion],
    ) -> Result<Condition, RubricError> {
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
        // A step's question may depend on the item's answers or on the same step's; an
        // item's question on one step's answer would hold for some steps and not others.
        if scope == Scope::Item && parent.scope == Scope::Step {
            return Err(self.error(
                at,
                format!("`when` refers to `{parent_id}`, a step-scope criterion; only a step-scope criterion may"),
            ));
        }
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
        assert_eq!(rubric.key_target('n', 0), KeyTarget::Option(0, 1));
        assert!(rubric.ambiguous_keys().is_empty(), "{:?}", rubric.ambiguous_keys());
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
            "r.toml: criterion `a`, option `fail`: duplicate hotkey `y` (already used by option `pass` of this criterion)"
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

    /// SummEval (Fabbri et al. 2021): four 1-5 scales, no keys written.
    const SUMMEVAL: &str = include_str!("../../tests/data/summeval.toml");

    #[test]
    fn omitted_keys_are_given_in_order_and_may_repeat_across_criteria() {
        let rubric = Rubric::from_toml(SUMMEVAL, "summeval.toml").unwrap();
        for criterion in &rubric.criteria {
            let keys: String = criterion.options.iter().map(|o| o.key).collect();
            assert_eq!(keys, "12345", "{}", criterion.id);
            assert_eq!(criterion.key_hint(), "1-5");
        }
        // The focused criterion owns every key, so nothing is ambiguous.
        assert!(rubric.ambiguous_keys().is_empty());
        assert_eq!(rubric.key_target('4', 2), KeyTarget::Option(2, 3));
        assert_eq!(rubric.key_target('9', 2), KeyTarget::None);
    }

    #[test]
    fn preference_criteria_default_to_a_b_tie_both_bad_or_the_strength_scale() {
        let rubric = Rubric::from_toml(
            r#"name = "p"
version = 1
[[criteria]]
id = "better"
kind = "preference"
[[criteria]]
id = "by_how_much"
kind = "preference"
scale = "strength"
[[criteria]]
id = "relabeled"
kind = "preference"
options = [ { value = "a", key = "h", label = "Left" }, { value = "b", key = "l" }, { value = "tie", key = "t" } ]
"#,
            "p.toml",
        )
        .unwrap();
        let values = |id: &str| -> Vec<String> {
            rubric.criterion(id).unwrap().options.iter().map(|o| format!("{}{}", o.value, o.key)).collect()
        };
        assert_eq!(values("better"), ["a1", "b2", "tie3", "both_bad4"]);
        assert_eq!(values("by_how_much"), ["a_much1", "a_slightly2", "tie3", "b_slightly4", "b_much5"]);
        assert_eq!(values("relabeled"), ["ah", "bl", "tiet"]);
        assert_eq!(rubric.criterion("better").unwrap().level(), Some(Level::Nominal));
        assert_eq!(rubric.criterion("by_how_much").unwrap().level(), Some(Level::Ordinal));
        assert_eq!(rubric.criterion("better").unwrap().parse_text("tie"), Ok(LabelValue::Choice("tie".into())));

        for (criterion, expected) in [
            (
                "kind = \"preference\"\noptions = [ { value = \"left\" }, { value = \"b\" } ]",
                "`left` is not one of a, b",
            ),
            (
                "kind = \"preference\"\noptions = [ { value = \"a\" }, { value = \"tie\" } ]",
                "needs the options `a` and `b`",
            ),
            ("kind = \"preference\"\nscale = \"stars\"", "unknown scale `stars`"),
            (
                "kind = \"preference\"\nscale = \"strength\"\noptions = [ { value = \"a_much\" }, { value = \"a_slightly\" }, { value = \"b_much\" } ]",
                "`a_slightly` needs `b_slightly` too",
            ),
            ("kind = \"binary\"\nscale = \"strength\"", "only preference criteria take a scale"),
        ] {
            let text = format!("name = \"p\"\nversion = 1\n[[criteria]]\nid = \"c\"\n{criterion}\n");
            let err = Rubric::from_toml(&text, "p.toml").unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn the_shipped_rubric_hashes_as_it_did_before_scopes_and_preferences() {
        // The hash `tally rubric add guidelines/rag-answer-quality.toml` printed before
        // criteria had scopes: stores written then must still find their rubric.
        let rubric = Rubric::from_toml(SHIPPED, "rag-answer-quality.toml").unwrap();
        let guidelines = include_str!("../../guidelines/rag-answer-quality.md");
        assert_eq!(rubric.content_hash(guidelines), "2c2a596e8c454fb02ab1aabe2a24826b74bd5887b41f216289c729fb385b690c");
    }

    #[test]
    fn step_scope_criteria_name_their_step_kinds_and_step_criteria_take_a_step_or_none() {
        let rubric = Rubric::from_toml(
            r#"name = "t"
version = 1
[[criteria]]
id = "task_success"
kind = "binary"
[[criteria]]
id = "tool_ok"
kind = "binary"
scope = "step"
steps = ["tool_call", "tool_call"]
[[criteria]]
id = "any_step"
kind = "text"
scope = "step"
[[criteria]]
id = "first_error"
kind = "step"
when = { task_success = "fail" }
"#,
            "t.toml",
        )
        .unwrap();
        let tool_ok = rubric.criterion("tool_ok").unwrap();
        assert_eq!((tool_ok.scope, tool_ok.steps.as_slice()), (Scope::Step, &[StepKind::ToolCall][..]));
        assert!(tool_ok.applies_to_step(StepKind::ToolCall));
        assert!(!tool_ok.applies_to_step(StepKind::Assistant));
        assert!(rubric.criterion("any_step").unwrap().applies_to_step(StepKind::User));
        assert!(!rubric.criterion("task_success").unwrap().applies_to_step(StepKind::User));
        let first_error = rubric.criterion("first_error").unwrap();
        assert_eq!(first_error.level(), Some(Level::Nominal));
        assert_eq!(first_error.parse_text(" 3 "), Ok(LabelValue::Choice("3".into())));
        assert_eq!(first_error.parse_json(&serde_json::json!(4)), Ok(LabelValue::Choice("4".into())));
        assert_eq!(first_error.parse_text("none"), Ok(LabelValue::Choice("none".into())));
        for bad in ["0", "-1", "two", ""] {
            assert!(first_error.parse_text(bad).unwrap_err().contains("is not a step"), "{bad}");
        }

        for (criterion, expected) in [
            ("kind = \"binary\"\nscope = \"turn\"", "unknown scope `turn`"),
            ("kind = \"binary\"\nsteps = [\"user\"]", "`steps` applies only to criteria with scope = \"step\""),
            ("kind = \"binary\"\nscope = \"step\"\nsteps = [\"tool\"]", "unknown step kind `tool`"),
            ("kind = \"step\"\nscope = \"step\"", "step criteria are about the whole item"),
            ("kind = \"step\"\noptions = [ { value = \"1\" } ]", "step criteria take no options"),
        ] {
            let text = format!("name = \"p\"\nversion = 1\n[[criteria]]\nid = \"c\"\n{criterion}\n");
            let err = Rubric::from_toml(&text, "p.toml").unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
        }
        // `when` across scopes: a step's question on the item's or the same step's answer.
        let base = "name = \"p\"\nversion = 1\n[[criteria]]\nid = \"ok\"\nkind = \"binary\"\n\
                    [[criteria]]\nid = \"tool_ok\"\nkind = \"binary\"\nscope = \"step\"\n";
        for child in ["scope = \"step\"\nwhen = { ok = \"fail\" }", "scope = \"step\"\nwhen = { tool_ok = \"fail\" }"] {
            let text = format!("{base}[[criteria]]\nid = \"why\"\nkind = \"text\"\n{child}\n");
            Rubric::from_toml(&text, "p.toml").unwrap();
        }
        // An item's question cannot hang on one step's answer.
        let text = format!("{base}[[criteria]]\nid = \"why\"\nkind = \"text\"\nwhen = {{ tool_ok = \"fail\" }}\n");
        let err = Rubric::from_toml(&text, "p.toml").unwrap_err().to_string();
        assert!(err.contains("a step-scope criterion; only a step-scope criterion may"), "{err}");
    }

    #[test]
    fn binary_gets_y_n_unless_taken_and_written_keys_are_kept() {
        let rubric = Rubric::from_toml(
            r#"name = "r"
version = 1
[[criteria]]
id = "ok"
kind = "binary"
options = [{ value = "pass" }, { value = "fail", key = "y" }]
[[criteria]]
id = "topic"
kind = "nominal"
options = [{ value = "a" }, { value = "b", key = "1" }, { value = "c" }]
[[criteria]]
id = "also"
kind = "binary"
"#,
            "r.toml",
        )
        .unwrap();
        let keys = |ci: usize| rubric.criteria[ci].options.iter().map(|o| o.key).collect::<String>();
        assert_eq!(keys(0), "ny");
        assert_eq!(keys(1), "213");
        assert_eq!(keys(2), "yn");
        // `y` is shared by `ok` and `also`: the focused one takes it; from `topic` it is
        // ambiguous, and `rubric check` says so.
        assert_eq!(rubric.key_target('y', 2), KeyTarget::Option(2, 0));
        assert_eq!(rubric.key_target('y', 1), KeyTarget::Ambiguous(vec![0, 2]));
        assert_eq!(rubric.key_target('3', 0), KeyTarget::Option(1, 2));
        let ambiguous = rubric.ambiguous_keys();
        assert_eq!(ambiguous.len(), 2, "{ambiguous:?}");
        assert!(ambiguous[0].starts_with("key `n` is an option of ok, also: with focus on topic"), "{ambiguous:?}");
    }

    #[test]
    fn eleven_options_without_keys_ask_for_one() {
        let options: Vec<String> = (0..11).map(|n| format!("{{ value = {n} }}")).collect();
        let err = error_of(&format!(
            "name = \"r\"\nversion = 1\n[[criteria]]\nid = \"s\"\nkind = \"ordinal\"\noptions = [{}]\n",
            options.join(", ")
        ));
        assert_eq!(err, "r.toml: criterion `s`, option `10`: no key left to give this option: write its `key`");
    }
}
