//! Ratings files for the store-free calculator: wide (a unit column, then one column per
//! rater) or long (`unit,rater,value`) CSV.

use std::collections::HashMap;
use std::io::Read;

use super::Error;

/// Cells that mean "no rating": empty, `NA`, `NaN`, `*` or `.`.
const MISSING: [&str; 5] = ["", "NA", "NaN", "*", "."];

/// Ratings as (unit, rater, value) with units and raters in the order first seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RatingsTable {
    pub units: Vec<String>,
    pub raters: Vec<String>,
    /// (unit index, rater index, value as written).
    pub ratings: Vec<(usize, usize, String)>,
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
    let mut seen: HashMap<(usize, usize), u64> = HashMap::new();
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
        let unit = *unit_index.entry(unit.to_string()).or_insert_with(|| {
            table.units.push(unit.to_string());
            table.units.len() - 1
        });
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
            if let Some(first) = seen.insert((unit, rater), line) {
                return Err(Error::at(
                    origin,
                    Some(line),
                    format!(
                        "unit `{}` rated twice by `{}` (first on line {first})",
                        table.units[unit], table.raters[rater]
                    ),
                ));
            }
            table.ratings.push((unit, rater, value.to_string()));
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
        assert_eq!(wide.ratings, [(0, 0, "1".into()), (0, 1, "2".into()), (1, 1, "3".into())]);
    }

    #[test]
    fn errors_name_the_line() {
        let err = read("unit,rater,value\nu1,a,1\nu1,a,2\n".as_bytes(), "l.csv").unwrap_err().to_string();
        assert_eq!(err, "l.csv:3: unit `u1` rated twice by `a` (first on line 2)");
        let err = read("unit,a,b\nu1,1\n".as_bytes(), "w.csv").unwrap_err().to_string();
        assert_eq!(err, "w.csv:2: expected 3 fields like the header, found 2");
    }
}
