//! A fair, reproducible sample of a file of items of any size, in one pass, in memory
//! bounded by the sample size, not the file.
//!
//! Each record gets a priority from its content and the seed (a mix of its content
//! fingerprint); the sample is the N records of smallest priority ("bottom-k" sampling).
//! Every distinct content is equally likely to be kept, copies of a content share its
//! priority so they are kept at most once and gain no extra chance, and the same seed
//! always gives the same sample. Records that fail `--where` are passed over. With
//! `--stratify FIELD` each value of the field has its own sample: `--per-stratum N` keeps
//! N of each, `--proportional` (the default) shares `--n` out in proportion to how many
//! records each stratum had (largest remainders). The sample keeps the file's order.

use std::collections::{BTreeMap, BinaryHeap, HashSet};
use std::io::BufRead;

use serde_json::Value;

use super::items::item_from_fields;
use super::lines::{Record, for_each_record};
use super::{Error, Format};
use crate::model::Item;
use crate::stats::rng::Rng;

#[derive(Debug, Clone, Default)]
pub struct SampleOptions {
    pub n: usize,
    pub seed: u64,
    pub stratify: Option<String>,
    /// Keep this many of each stratum instead of sharing `n` out.
    pub per_stratum: Option<usize>,
    /// `(field, value)`: keep only records whose field has this value.
    pub filters: Vec<(String, String)>,
    /// `(field, column)`, as for import.
    pub map: Vec<(String, String)>,
    /// Replace personal data and secrets with placeholders in what is kept.
    pub redact: bool,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SampleSummary {
    pub file: String,
    pub read: u64,
    pub filtered_out: u64,
    pub kept: u64,
    /// Copies of a record already in the sample, passed over. Copies of records the
    /// sample never kept are not counted: that would take memory growing with the file.
    pub duplicates: u64,
    /// Placeholders put in the kept items, by kind (with `--redact`).
    pub redacted: crate::model::redact::Counts,
    /// Per stratum: (records eligible, kept); empty without `--stratify`.
    pub strata: BTreeMap<String, (u64, u64)>,
}

/// The value of `field` for an item: `id`, `input`, `output`, `reference`, `dataset`,
/// `judge.KEY`, or a metadata key (`KEY` or `metadata.KEY`), as text.
pub fn item_field(item: &Item, field: &str) -> Option<String> {
    let text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match field {
        "id" => Some(item.id.clone()),
        "input" => Some(item.input.clone()),
        "output" => Some(item.output.clone()),
        "reference" => item.reference.clone(),
        "dataset" => Some(item.dataset.clone()),
        _ => {
            if let Some(key) = field.strip_prefix("judge.") {
                return item.judge.get(key).map(text);
            }
            let key = field.strip_prefix("metadata.").unwrap_or(field);
            item.metadata.get(key).map(text)
        }
    }
}

/// Field names seen in the records, for the error that names a missing one; bounded, so
/// a file whose every record has new keys does not grow it without end.
#[derive(Default)]
struct FieldNames {
    names: std::collections::BTreeSet<String>,
}

impl FieldNames {
    const MOST: usize = 100;

    fn add(&mut self, item: &Item) {
        let keys = item.metadata.keys().cloned().chain(item.judge.keys().map(|key| format!("judge.{key}")));
        for key in keys {
            if self.names.len() >= Self::MOST {
                return;
            }
            self.names.insert(key);
        }
    }

    fn list(&self) -> String {
        let mut all: Vec<String> = ["id", "input", "output", "reference", "dataset"].map(String::from).to_vec();
        all.extend(self.names.iter().cloned());
        all.join(", ")
    }
}

/// One stratum's sample: the `capacity` records of smallest priority so far, as a
/// max-heap so the worst kept one is on top.
struct Reservoir {
    capacity: usize,
    offered: u64,
    duplicates: u64,
    kept: BinaryHeap<Kept>,
    /// The priorities in `kept`. Priority is a one-to-one function of the fingerprint,
    /// so an equal priority means a copy.
    priorities: HashSet<u64>,
}

struct Kept {
    priority: u64,
    index: u64,
    item: Item,
}

impl PartialEq for Kept {
    fn eq(&self, other: &Kept) -> bool {
        (self.priority, self.index) == (other.priority, other.index)
    }
}

impl Eq for Kept {}

impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Kept) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Kept {
    fn cmp(&self, other: &Kept) -> std::cmp::Ordering {
        (self.priority, self.index).cmp(&(other.priority, other.index))
    }
}

impl Reservoir {
    fn new(capacity: usize) -> Reservoir {
        Reservoir { capacity, offered: 0, duplicates: 0, kept: BinaryHeap::new(), priorities: HashSet::new() }
    }

    fn offer(&mut self, priority: u64, index: u64, item: Item) {
        self.offered += 1;
        if self.capacity == 0 {
            return;
        }
        let full = self.kept.len() >= self.capacity;
        if full && self.kept.peek().is_some_and(|worst| priority > worst.priority) {
            return;
        }
        // A copy of a kept record: keep the first only.
        if !self.priorities.insert(priority) {
            self.duplicates += 1;
            return;
        }
        self.kept.push(Kept { priority, index, item });
        if self.kept.len() > self.capacity
            && let Some(dropped) = self.kept.pop()
        {
            self.priorities.remove(&dropped.priority);
        }
    }
}

/// SplitMix64's finaliser: a fixed, well-mixed, one-to-one function of the fingerprint
/// (for a given seed).
fn priority(fingerprint: u64, seed: u64) -> u64 {
    let mut z = fingerprint ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Samples the items of `reader`; `dataset` names them (as import does).
pub fn sample(
    reader: impl BufRead,
    format: Format,
    origin: &str,
    dataset: &str,
    options: &SampleOptions,
) -> Result<(Vec<Item>, SampleSummary), Error> {
    let mut summary = SampleSummary { file: origin.to_string(), ..SampleSummary::default() };
    let mut rng = Rng::new(options.seed);
    let capacity = options.per_stratum.unwrap_or(options.n);
    let mut reservoirs: BTreeMap<String, Reservoir> = BTreeMap::new();
    let mut index = 0u64;
    // The fields `--stratify` and `--where` name, and whether any record has each: a
    // misspelt one must be an error, not an empty or one-stratum sample.
    let mut named: BTreeMap<&str, bool> = options.filters.iter().map(|(field, _)| (field.as_str(), false)).collect();
    if let Some(field) = &options.stratify {
        named.insert(field.as_str(), false);
    }
    let mut seen = FieldNames::default();
    for_each_record(reader, format, origin, super::items::csv_cell, |Record { line, fields }| {
        summary.read += 1;
        let item = item_from_fields(fields, &options.map, dataset)
            .map_err(|message| Error::at(origin, Some(line), message))?;
        if named.values().any(|found| !found) {
            for (field, found) in named.iter_mut().filter(|(_, found)| !**found) {
                *found = item_field(&item, field).is_some();
            }
            seen.add(&item);
        }
        if !options.filters.iter().all(|(field, value)| item_field(&item, field).as_deref() == Some(value.as_str())) {
            summary.filtered_out += 1;
            return Ok(());
        }
        let fingerprint = item.content_fingerprint();
        let stratum = match &options.stratify {
            Some(field) => item_field(&item, field).unwrap_or_else(|| "(none)".to_string()),
            None => String::new(),
        };
        reservoirs.entry(stratum).or_insert_with(|| Reservoir::new(capacity)).offer(
            priority(fingerprint, options.seed),
            index,
            item,
        );
        index += 1;
        Ok(())
    })?;
    if summary.read > 0
        && let Some(missing) = named.iter().find(|(_, found)| !**found).map(|(field, _)| *field)
    {
        return Err(Error::at(
            origin,
            None,
            format!("no record has a field `{missing}`; the fields are {}", seen.list()),
        ));
    }
    let proportional = options.stratify.is_some() && options.per_stratum.is_none();
    let shares = if proportional { shares(&reservoirs, options.n) } else { BTreeMap::new() };
    let mut chosen: Vec<(u64, Item)> = Vec::new();
    for (stratum, reservoir) in reservoirs {
        summary.duplicates += reservoir.duplicates;
        let mut kept: Vec<(u64, Item)> = reservoir.kept.into_iter().map(|kept| (kept.index, kept.item)).collect();
        kept.sort_by_key(|(index, _)| *index);
        if let Some(&share) = shares.get(&stratum) {
            // A uniform subset of a uniform sample is a uniform sample.
            rng.shuffle(&mut kept);
            kept.truncate(share);
        }
        if options.stratify.is_some() {
            summary.strata.insert(stratum, (reservoir.offered, kept.len() as u64));
        }
        chosen.extend(kept);
    }
    chosen.sort_by_key(|(index, _)| *index);
    summary.kept = chosen.len() as u64;
    if options.redact {
        // Only what is kept needs it; the rest is never stored or written.
        for (_, item) in &mut chosen {
            crate::model::redact::redact_item(item, &mut summary.redacted);
        }
    }
    Ok((chosen.into_iter().map(|(_, item)| item).collect(), summary))
}

/// `n` shared out over the strata in proportion to what each was offered, by largest
/// remainder (ties to the stratum that sorts first), never more than a stratum has.
fn shares(reservoirs: &BTreeMap<String, Reservoir>, n: usize) -> BTreeMap<String, usize> {
    let total: u64 = reservoirs.values().map(|r| r.offered).sum();
    let n = n.min(total as usize);
    if total == 0 {
        return BTreeMap::new();
    }
    let mut shares: BTreeMap<String, usize> = BTreeMap::new();
    let mut remainders: Vec<(f64, &String)> = Vec::new();
    for (stratum, reservoir) in reservoirs {
        let exact = n as f64 * reservoir.offered as f64 / total as f64;
        shares.insert(stratum.clone(), exact.floor() as usize);
        remainders.push((exact - exact.floor(), stratum));
    }
    let mut left = n - shares.values().sum::<usize>();
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    for (_, stratum) in remainders {
        if left == 0 {
            break;
        }
        if let Some(share) = shares.get_mut(stratum) {
            *share += 1;
            left -= 1;
        }
    }
    shares
}

/// The item as a JSONL line in the import format (without the store's dataset name).
pub fn jsonl_line(item: &Item) -> String {
    let mut object = serde_json::Map::new();
    object.insert("id".into(), Value::String(item.id.clone()));
    object.insert("input".into(), Value::String(item.input.clone()));
    object.insert("output".into(), Value::String(item.output.clone()));
    if let Some(reference) = &item.reference {
        object.insert("reference".into(), Value::String(reference.clone()));
    }
    object.insert("context".into(), Value::Array(item.context.iter().cloned().map(Value::String).collect()));
    object.insert("metadata".into(), Value::Object(item.metadata.clone()));
    object.insert("judge".into(), Value::Object(item.judge.clone()));
    Value::Object(object).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> String {
        (0..n).map(|i| format!("{{\"id\": \"i{i}\", \"output\": \"o{i}\", \"model\": \"m{}\"}}\n", i % 3)).collect()
    }

    fn run(text: &str, options: &SampleOptions) -> (Vec<Item>, SampleSummary) {
        sample(text.as_bytes(), Format::Jsonl, "f.jsonl", "d", options).unwrap()
    }

    #[test]
    fn same_seed_same_sample_in_file_order() {
        let options = SampleOptions { n: 10, seed: 7, ..SampleOptions::default() };
        let (a, summary) = run(&lines(100), &options);
        let (b, _) = run(&lines(100), &options);
        assert_eq!(a, b);
        assert_eq!((summary.read, summary.kept), (100, 10));
        let indices: Vec<usize> = a.iter().map(|item| item.id[1..].parse().unwrap()).collect();
        assert!(indices.windows(2).all(|w| w[0] < w[1]));
        let (c, _) = run(&lines(100), &SampleOptions { seed: 8, ..options });
        assert_ne!(a, c);
    }

    #[test]
    fn filters_duplicates_and_strata_are_counted() {
        let mut text = lines(30);
        text.push_str("{\"id\": \"copy\", \"output\": \"o1\", \"model\": \"m1\"}\n");
        let options = SampleOptions {
            n: 6,
            seed: 1,
            stratify: Some("model".into()),
            filters: vec![("model".into(), "m1".into())],
            ..SampleOptions::default()
        };
        let (items, summary) = run(&text, &options);
        // Only m1 passes; the copy of i1's content is a duplicate (ids aside).
        assert_eq!((summary.filtered_out, summary.duplicates, summary.kept), (20, 1, 6));
        assert!(items.iter().all(|item| item.metadata["model"] == "m1"));
        // Eligible counts every record offered, the copy included.
        assert_eq!(summary.strata["m1"], (11, 6));
    }

    #[test]
    fn per_stratum_and_proportional_counts() {
        let per = SampleOptions {
            n: 0,
            seed: 3,
            stratify: Some("metadata.model".into()),
            per_stratum: Some(4),
            ..SampleOptions::default()
        };
        let (_, summary) = run(&lines(30), &per);
        assert_eq!(summary.strata.values().map(|(_, kept)| *kept).collect::<Vec<_>>(), [4, 4, 4]);
        // 31 records: m0 has 11, m1 and m2 have 10; 10 shared: 3.55, 3.23, 3.23 -> 4, 3, 3.
        let proportional = SampleOptions { n: 10, seed: 3, stratify: Some("model".into()), ..SampleOptions::default() };
        let mut text = lines(30);
        text.push_str("{\"id\": \"x\", \"output\": \"new\", \"model\": \"m0\"}\n");
        let (items, summary) = run(&text, &proportional);
        assert_eq!(items.len(), 10);
        assert_eq!(summary.strata["m0"], (11, 4));
        assert_eq!(summary.strata["m1"], (10, 3));
    }

    #[test]
    fn written_lines_import_back_the_same() {
        let (items, _) = run(&lines(5), &SampleOptions { n: 5, seed: 1, ..SampleOptions::default() });
        let text: String = items.iter().map(|item| jsonl_line(item) + "\n").collect();
        let (again, _) = run(&text, &SampleOptions { n: 5, seed: 1, ..SampleOptions::default() });
        assert_eq!(items, again);
    }

    #[test]
    fn a_field_no_record_has_is_an_error_naming_the_fields() {
        let lines = "{\"id\": \"a\", \"input\": \"q\", \"output\": \"o\", \"model\": \"m1\", \"judge\": {\"ok\": 1}}\n";
        for options in [
            SampleOptions { n: 1, stratify: Some("modle".into()), ..SampleOptions::default() },
            SampleOptions { n: 1, filters: vec![("modle".into(), "m1".into())], ..SampleOptions::default() },
        ] {
            let err = sample(lines.as_bytes(), Format::Jsonl, "items.jsonl", "d", &options).unwrap_err().to_string();
            assert!(
                err.contains("items.jsonl") && err.contains("no record has a field `modle`; the fields are id, input, output, reference, dataset, judge.ok, model"),
                "{err}"
            );
        }
        // A field some records lack is fine: they form the `(none)` stratum.
        let options = SampleOptions { n: 1, stratify: Some("model".into()), ..SampleOptions::default() };
        assert!(sample(lines.as_bytes(), Format::Jsonl, "items.jsonl", "d", &options).is_ok());
    }
}

#[cfg(test)]
mod uniformity {
    use super::*;
    use statrs::distribution::{ChiSquared, ContinuousCDF};

    /// Over 4,000 seeded runs drawing 5 of 20 lines, every line should be drawn about
    /// 1,000 times: a chi-square goodness-of-fit test on the counts (19 df).
    #[test]
    fn every_line_is_equally_likely() {
        let text: String = (0..20).map(|i| format!("{{\"id\": \"i{i}\", \"output\": \"o{i}\"}}\n")).collect();
        let mut counts = [0f64; 20];
        for seed in 0..4000 {
            let options = SampleOptions { n: 5, seed, ..SampleOptions::default() };
            let (items, _) = sample(text.as_bytes(), Format::Jsonl, "u.jsonl", "d", &options).unwrap();
            for item in items {
                counts[item.id[1..].parse::<usize>().unwrap()] += 1.0;
            }
        }
        let expected = 4000.0 * 5.0 / 20.0;
        let statistic: f64 = counts.iter().map(|count| (count - expected).powi(2) / expected).sum();
        let p = 1.0 - ChiSquared::new(19.0).unwrap().cdf(statistic);
        assert!(p > 0.001, "chi-square {statistic:.1}, p {p:.5}: {counts:?}");
    }
}
