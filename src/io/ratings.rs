//! Ratings files for the store-free calculator: wide (a unit column, then one column per
//! rater) or long (`unit,rater,value`) CSV.

use std::collections::HashMap;
use std::io::Read;

use super::Error;

/// Cells that mean "no rating": empty, `NA`, `NaN`, `*` or `.`.
const MISSING: [&str; 5] = ["", "NA", "NaN", "*", "."];

/// Ratings as (unit, rater, value) with units, raters and values in the order first seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RatingsTable {
    pub units: Vec<String>,
    pub raters: Vec<String>,
    /// Distinct values as written.
    pub values: Vec<String>,
    /// (unit index, rater index, value index).
    pub ratings: Vec<(usize, usize, usize)>,
}

impl RatingsTable {
    pub fn value(&self, rating: &(usize, usize, usize)) -> &str {
        &self.values[rating.2]
    }
}

pub fn read(reader: impl Read, origin: &str) -> Result<RatingsTable, Error> {
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader);
    let mut records = csv.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(err)) => {
            return Err(Error::at(origin, Some(1), format!("cannot read the header: {err}")));
        }
        None => return Err(Error::at(origin, None, "the file is empty")),
    };
    let header: Vec<String> =
        header.iter().map(|cell| cell.trim().trim_start_matches('\u{feff}').to_string()).collect();
    let long = header.iter().map(|cell| cell.to_ascii_lowercase()).collect::<Vec<_>>() == ["unit", "rater", "value"];
    if header.len() < 2 {
        return Err(Error::at(
            origin,
            Some(1),
            "expected a header: `unit,rater,value`, or a unit column then one column per rater",
        ));
    }
    let mut table = RatingsTable::default();
    let mut unit_index: HashMap<String, usize> = HashMap::new();
    let mut rater_index: HashMap<String, usize> = HashMap::new();
    let mut value_index: HashMap<String, usize> = HashMap::new();
    // Long files: the line of each (unit, rater); wide files: the line of each unit's row.
    let mut seen: HashMap<(usize, usize), u64> = HashMap::new();
    let mut unit_lines: Vec<u64> = Vec::new();
    if !long {
        for rater in &header[1..] {
            if rater_index.insert(rater.clone(), table.raters.len()).is_some() {
                return Err(Error::at(origin, Some(1), format!("rater `{rater}` has two columns")));
            }
            table.raters.push(rater.clone());
        }
    }
    for record in records {
        let record = record.map_err(|err| {
            let line = err.position().map(|p| p.line());
            Error::at(origin, line, err.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != header.len() {
            return Err(Error::at(
                origin,
                Some(line),
                format!("expected {} fields like the header, found {}", header.len(), record.len()),
            ));
        }
        let unit = record[0].trim();
        if unit.is_empty() {
            return Err(Error::at(origin, Some(line), "the unit id is empty"));
        }
        let unit = match unit_index.get(unit) {
            Some(&index) => {
                if !long {
                    return Err(Error::at(
                        origin,
                        Some(line),
                        format!("unit `{unit}` has a second row (first on line {})", unit_lines[index]),
                    ));
                }
                index
            }
            None => {
                unit_index.insert(unit.to_string(), table.units.len());
                table.units.push(unit.to_string());
                unit_lines.push(line);
                table.units.len() - 1
            }
        };
        let cells: Vec<(usize, &str)> = if long {
            let rater = record[1].trim();
            if rater.is_empty() {
                return Err(Error::at(origin, Some(line), "field `rater` is empty"));
            }
            let rater = *rater_index.entry(rater.to_string()).or_insert_with(|| {
                table.raters.push(rater.to_string());
                table.raters.len() - 1
            });
            vec![(rater, record[2].trim())]
        } else {
            record.iter().skip(1).map(str::trim).enumerate().collect()
        };
        for (rater, value) in cells {
            if MISSING.contains(&value) {
                continue;
            }
            if long && let Some(first) = seen.insert((unit, rater), line) {
                return Err(Error::at(
                    origin,
                    Some(line),
                    format!(
                        "unit `{}` rated twice by `{}` (first on line {first})",
                        table.units[unit], table.raters[rater]
                    ),
                ));
            }
            let value = match value_index.get(value) {
                Some(&index) => index,
                None => {
                    value_index.insert(value.to_string(), table.values.len());
                    table.values.push(value.to_string());
                    table.values.len() - 1
                }
            };
            table.ratings.push((unit, rater, value));
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_and_long_give_the_same_ratings() {
        let wide = read("unit,a,b\nu1,1,2\nu2,,3\n".as_bytes(), "w.csv").unwrap();
        let long = read("unit,rater,value\nu1,a,1\nu1,b,2\nu2,b,3\n".as_bytes(), "l.csv").unwrap();
        assert_eq!(wide, long);
        assert_eq!(wide.ratings, [(0, 0, 0), (0, 1, 1), (1, 1, 2)]);
        assert_eq!(wide.values, ["1", "2", "3"]);
    }

    #[test]
    fn errors_name_the_line() {
        let err = read("unit,rater,value\nu1,a,1\nu1,a,2\n".as_bytes(), "l.csv").unwrap_err().to_string();
        assert_eq!(err, "l.csv:3: unit `u1` rated twice by `a` (first on line 2)");
        let err = read("unit,a,b\nu1,1\n".as_bytes(), "w.csv").unwrap_err().to_string();
        assert_eq!(err, "w.csv:2: expected 3 fields like the header, found 2");
        let err = read("unit,a,b\nu1,1,2\nu1,,3\n".as_bytes(), "w.csv").unwrap_err().to_string();
        assert_eq!(err, "w.csv:3: unit `u1` has a second row (first on line 2)");
    }
}
