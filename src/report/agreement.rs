//! Inter-annotator agreement per criterion: Krippendorff's alpha with a bootstrap
//! confidence interval, from the store or from a ratings file.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::figure;
use super::table::Table;
use crate::io::ratings::RatingsTable;
use crate::model::{Criterion, Kind, LabelValue};
use crate::stats::alpha::alpha_by_distance;
use crate::stats::bootstrap::percentile_interval;
use crate::stats::{Alpha, Level, Units, krippendorff_alpha, masi_distance};
use crate::store::{Batch, LabelScope, Store, StoreError, StoredRubric};

/// How the confidence interval is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    pub replicates: usize,
    pub seed: u64,
    pub confidence: f64,
}

impl Default for Bootstrap {
    fn default() -> Bootstrap {
        Bootstrap { replicates: 1000, seed: 1, confidence: 0.95 }
    }
}

/// Alpha with its interval and its n.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AlphaFigures {
    /// `null` when undefined; `undefined_reason` says why.
    pub alpha: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Units (items) with at least one rating.
    pub n_units: usize,
    /// Ratings in units with two or more ratings (Krippendorff's n).
    pub n_pairable: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undefined_reason: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionAgreement {
    pub criterion: String,
    /// nominal, ordinal, interval, ratio, or masi for tag sets.
    pub level: &'static str,
    #[serde(flatten)]
    pub figures: AlphaFigures,
    pub n_raters: usize,
    pub n_ratings: usize,
    pub confidence: f64,
    pub bootstrap_replicates: usize,
    /// For tags criteria: nominal alpha of each tag's presence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub per_tag: Vec<TagAgreement>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagAgreement {
    pub tag: String,
    #[serde(flatten)]
    pub figures: AlphaFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementReport {
    pub rubric: String,
    pub rubric_version: u32,
    pub batch: Option<String>,
    pub items: usize,
    pub raters: Vec<String>,
    pub criteria: Vec<CriterionAgreement>,
}

/// One rating: (unit index, rater index, value).
pub type Rating = (usize, usize, LabelValue);

/// Agreement on every criterion of `rubric` (text criteria have none) over the labels in
/// `batch`, or over all labels made under the rubric.
pub fn from_store(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    level: Option<Level>,
    bootstrap: Bootstrap,
) -> Result<AgreementReport, StoreError> {
    let scope = LabelScope { rubric: &rubric.rubric.name, batch_id: batch.map(|b| b.id) };
    let labels = store.current_labels(scope)?;
    let mut units: BTreeMap<i64, usize> = BTreeMap::new();
    let mut raters: BTreeMap<&str, usize> = BTreeMap::new();
    for label in &labels {
        let next = units.len();
        units.entry(label.item_id).or_insert(next);
        raters.insert(&label.rater, 0);
    }
    for (index, slot) in raters.values_mut().enumerate() {
        *slot = index;
    }
    let mut criteria = Vec::new();
    for criterion in &rubric.rubric.criteria {
        // Values an older rubric version allowed but this one does not are left out.
        let ratings: Vec<Rating> = labels
            .iter()
            .filter(|label| label.criterion == criterion.id)
            .filter_map(|label| {
                let value = criterion.parse_json(&label.value).ok()?;
                Some((units[&label.item_id], raters[label.rater.as_str()], value))
            })
            .collect();
        if let Some(agreement) = criterion_agreement(criterion, &ratings, level, bootstrap) {
            criteria.push(agreement);
        }
    }
    Ok(AgreementReport {
        rubric: rubric.rubric.name.clone(),
        rubric_version: rubric.rubric.version,
        batch: batch.map(|b| b.name.clone()),
        items: units.len(),
        raters: raters.keys().map(|rater| rater.to_string()).collect(),
        criteria,
    })
}

/// Agreement on one criterion; `None` for text criteria. `level` overrides the level the
/// kind implies (tags always use MASI).
pub fn criterion_agreement(
    criterion: &Criterion,
    ratings: &[Rating],
    level: Option<Level>,
    bootstrap: Bootstrap,
) -> Option<CriterionAgreement> {
    let n_raters = ratings.iter().map(|(_, rater, _)| *rater).collect::<BTreeSet<_>>().len();
    let n_units = ratings.iter().map(|(unit, _, _)| unit + 1).max().unwrap_or(0);
    let mut agreement = CriterionAgreement {
        criterion: criterion.id.clone(),
        level: "",
        figures: AlphaFigures::default(),
        n_raters,
        n_ratings: ratings.len(),
        confidence: bootstrap.confidence,
        bootstrap_replicates: bootstrap.replicates,
        per_tag: Vec::new(),
    };
    if criterion.kind == Kind::Tags {
        agreement.level = "masi";
        let sets = group(n_units, ratings, |value| match value {
            LabelValue::Tags(tags) => Some(tags.clone()),
            _ => None,
        });
        agreement.figures = figures(&sets, bootstrap, |units| alpha_by_distance(units, Ord::cmp, masi_distance));
        agreement.per_tag = criterion
            .options
            .iter()
            .map(|tag| {
                let presence = group(n_units, ratings, |value| match value {
                    LabelValue::Tags(tags) => Some(f64::from(u8::from(tags.contains(&tag.value)))),
                    _ => None,
                });
                TagAgreement {
                    tag: tag.value.clone(),
                    figures: figures(&presence, bootstrap, |units| krippendorff_alpha(units, Level::Nominal)),
                }
            })
            .collect();
        return Some(agreement);
    }
    let level = level.or_else(|| criterion.level())?;
    agreement.level = level.name();
    let numeric_options = criterion.options.iter().all(|choice| choice.value.parse::<f64>().is_ok());
    let values = group(n_units, ratings, |value| match value {
        LabelValue::Number(number) => Some(*number),
        LabelValue::Choice(choice) => {
            let index = criterion.choice_index(choice)?;
            match level {
                Level::Nominal | Level::Ordinal => Some(index as f64),
                // Interval and ratio need magnitudes: the option values when they are
                // numbers, else ranks from 1.
                Level::Interval | Level::Ratio if numeric_options => choice.parse().ok(),
                Level::Interval | Level::Ratio => Some(index as f64 + 1.0),
            }
        }
        _ => None,
    });
    agreement.figures = figures(&values, bootstrap, |units| krippendorff_alpha(units, level));
    Some(agreement)
}

/// Agreement from a ratings file: numbers, or category names (nominal only). The level
/// defaults to interval for numbers and nominal for names.
pub fn from_ratings(
    table: &RatingsTable,
    name: &str,
    level: Option<Level>,
    bootstrap: Bootstrap,
) -> Result<CriterionAgreement, String> {
    let numbers: Option<Vec<f64>> = table.ratings.iter().map(|(_, _, value)| value.parse::<f64>().ok()).collect();
    let level = level.unwrap_or(if numbers.is_some() { Level::Interval } else { Level::Nominal });
    let codes: Vec<f64> = match numbers {
        Some(numbers) => numbers,
        None if level == Level::Nominal => {
            let names: BTreeSet<&str> = table.ratings.iter().map(|(_, _, value)| value.as_str()).collect();
            let names: Vec<&str> = names.into_iter().collect();
            table.ratings.iter().map(|(_, _, value)| names.binary_search(&value.as_str()).unwrap_or(0) as f64).collect()
        }
        None => {
            let example =
                table.ratings.iter().find(|(_, _, value)| value.parse::<f64>().is_err()).map(|(_, _, v)| v.as_str());
            return Err(format!(
                "value `{}` is not a number: --level {level} needs numeric ratings (category names work only with --level nominal)",
                example.unwrap_or("")
            ));
        }
    };
    let mut units: Vec<Vec<f64>> = vec![Vec::new(); table.units.len()];
    for ((unit, _, _), code) in table.ratings.iter().zip(codes) {
        units[*unit].push(code);
    }
    let mut grouped = Units::new();
    for unit in units {
        grouped.push_unit(unit);
    }
    let raters: BTreeSet<usize> = table.ratings.iter().map(|(_, rater, _)| *rater).collect();
    Ok(CriterionAgreement {
        criterion: name.to_string(),
        level: level.name(),
        figures: figures(&grouped, bootstrap, |units| krippendorff_alpha(units, level)),
        n_raters: raters.len(),
        n_ratings: table.ratings.len(),
        confidence: bootstrap.confidence,
        bootstrap_replicates: bootstrap.replicates,
        per_tag: Vec::new(),
    })
}

/// Ratings grouped by unit, in unit order, keeping the values `extract` accepts.
fn group<T>(n_units: usize, ratings: &[Rating], extract: impl Fn(&LabelValue) -> Option<T>) -> Units<T> {
    let mut per_unit: Vec<Vec<T>> = (0..n_units).map(|_| Vec::new()).collect();
    for (unit, _, value) in ratings {
        if let Some(value) = extract(value) {
            per_unit[*unit].push(value);
        }
    }
    let mut units = Units::new();
    for values in per_unit {
        units.push_unit(values);
    }
    units
}

/// Alpha and its percentile bootstrap interval over the units that have ratings.
fn figures<T: Clone>(units: &Units<T>, bootstrap: Bootstrap, compute: impl Fn(&Units<T>) -> Alpha) -> AlphaFigures {
    let point = compute(units);
    let rated: Vec<usize> = (0..units.len()).filter(|&index| !units.unit(index).is_empty()).collect();
    let interval = point.value.and_then(|_| {
        percentile_interval(rated.len(), bootstrap.replicates, bootstrap.seed, bootstrap.confidence, |draw| {
            let picked: Vec<usize> = draw.iter().map(|&index| rated[index]).collect();
            compute(&units.select(&picked)).value
        })
    });
    AlphaFigures {
        alpha: point.value,
        ci_low: interval.map(|ci| ci.low),
        ci_high: interval.map(|ci| ci.high),
        n_units: point.n_units,
        n_pairable: point.n_pairable,
        undefined_reason: point.undefined.map(|why| why.reason()),
    }
}

impl AgreementReport {
    /// The report as an aligned table that fits 80 columns.
    pub fn table(&self) -> String {
        let scope = match &self.batch {
            Some(batch) => format!("batch {batch}"),
            None => "all labels".to_string(),
        };
        let mut out = format!(
            "Agreement: rubric {} v{}, {scope}: {} items, {} raters ({})\n\n",
            self.rubric,
            self.rubric_version,
            self.items,
            self.raters.len(),
            self.raters.join(", ")
        );
        out.push_str(&criteria_table(&self.criteria));
        out
    }
}

impl CriterionAgreement {
    pub fn table(&self) -> String {
        criteria_table(std::slice::from_ref(self))
    }
}

fn criteria_table(criteria: &[CriterionAgreement]) -> String {
    let confidence = criteria.first().map_or(0.95, |c| c.confidence);
    let replicates = criteria.first().map_or(0, |c| c.bootstrap_replicates);
    let ci_header = format!(">{:.0}% CI", confidence * 100.0);
    let mut table = Table::new(&["criterion", "level", ">alpha", &ci_header, ">units", ">pairable", ">raters"]);
    let mut notes: Vec<String> = Vec::new();
    let mut add = |table: &mut Table, name: String, level: &str, figures: &AlphaFigures, raters: String| {
        let alpha = match figures.undefined_reason {
            Some(reason) => {
                notes.push(format!("{}: alpha undefined: {reason}", name.trim()));
                "undef.".to_string()
            }
            None => figure(figures.alpha),
        };
        let ci = match (figures.ci_low, figures.ci_high) {
            (Some(low), Some(high)) => format!("{low:.3} to {high:.3}"),
            _ => "-".to_string(),
        };
        table.row(vec![
            name,
            level.to_string(),
            alpha,
            ci,
            figures.n_units.to_string(),
            figures.n_pairable.to_string(),
            raters,
        ]);
    };
    for criterion in criteria {
        add(
            &mut table,
            criterion.criterion.clone(),
            criterion.level,
            &criterion.figures,
            criterion.n_raters.to_string(),
        );
        for tag in &criterion.per_tag {
            add(&mut table, format!("  {}", tag.tag), "nominal", &tag.figures, String::new());
        }
    }
    let mut out = table.render();
    out.push_str(&format!(
        "\nalpha: Krippendorff's; CI: percentile bootstrap over units, {replicates} replicates.\n\
         pairable: ratings in units rated at least twice.\n"
    ));
    for note in notes {
        out.push_str(&note);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krippendorff_2011_csv() -> RatingsTable {
        // Krippendorff (2011), section C, as a wide file: one row per unit.
        let csv = "unit,A,B,C,D\n1,1,1,,1\n2,2,2,3,2\n3,3,3,3,3\n4,3,3,3,3\n5,2,2,2,2\n6,1,2,3,4\n\
                   7,4,4,4,4\n8,1,1,2,1\n9,2,2,2,2\n10,,5,5,5\n11,,,1,1\n12,,3,,\n";
        crate::io::ratings::read(csv.as_bytes(), "k.csv").unwrap()
    }

    #[test]
    fn ratings_file_reproduces_the_published_example() {
        let table = krippendorff_2011_csv();
        let quick = Bootstrap { replicates: 200, ..Bootstrap::default() };
        for (level, expected) in
            [(Level::Nominal, "0.743"), (Level::Ordinal, "0.815"), (Level::Interval, "0.849"), (Level::Ratio, "0.797")]
        {
            let result = from_ratings(&table, "k", Some(level), quick).unwrap();
            assert_eq!(figure(result.figures.alpha), expected, "{level}");
            assert_eq!((result.figures.n_units, result.figures.n_pairable), (12, 40));
            let (low, high) = (result.figures.ci_low.unwrap(), result.figures.ci_high.unwrap());
            assert!(low <= result.figures.alpha.unwrap() && result.figures.alpha.unwrap() <= high);
        }
    }

    #[test]
    fn category_names_work_for_nominal_only() {
        let table = crate::io::ratings::read("unit,a,b\n1,yes,yes\n2,no,yes\n3,no,no\n".as_bytes(), "c.csv").unwrap();
        let nominal = from_ratings(&table, "c", None, Bootstrap::default()).unwrap();
        assert_eq!(nominal.level, "nominal");
        let err = from_ratings(&table, "c", Some(Level::Interval), Bootstrap::default()).unwrap_err();
        assert!(err.contains("`yes` is not a number"), "{err}");
    }

    #[test]
    fn no_variation_is_undefined_with_a_reason() {
        let table = crate::io::ratings::read("unit,a,b\n1,3,3\n2,3,3\n".as_bytes(), "c.csv").unwrap();
        let result = from_ratings(&table, "c", None, Bootstrap::default()).unwrap();
        assert_eq!(result.figures.alpha, None);
        assert_eq!((result.figures.ci_low, result.figures.ci_high), (None, None));
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["alpha"], serde_json::Value::Null);
        assert!(json["undefined_reason"].as_str().unwrap().contains("no variation"));
        assert!(result.table().contains("undef."));
    }
}
