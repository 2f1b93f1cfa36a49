//! Ratings files for the store-free calculator: wide (a unit column, then one column per
//! rater) or long (`unit,rater,value`) CSV.

use std::hash::Hasher;
use std::io::Read;

use super::{CsvRecords, Error, MISSING_CELLS};
use crate::stats::hash::{FastMap, FxHasher};

/// Unit ids to their index without a second copy of each id: keyed by the id's hash,
/// with the rare ids whose hash another id already has kept apart.
#[derive(Default)]
struct UnitIndex {
    by_hash: FastMap<u64, u32>,
    collisions: FastMap<String, u32>,
}

impl UnitIndex {
    fn hash(id: &str) -> u64 {
        let mut hasher = FxHasher::default();
        hasher.write(id.as_bytes());
        hasher.finish()
    }

    fn get(&self, id: &str, units: &[String]) -> Option<u32> {
        match self.by_hash.get(&Self::hash(id)) {
            Some(&index) if units[index as usize] == id => Some(index),
            Some(_) => self.collisions.get(id).copied(),
            None => None,
        }
    }

    /// Indexes the last of `units`, which `get` did not find.
    fn insert(&mut self, units: &[String]) {
        let index = units.len() - 1;
        let id = &units[index];
        if let Some(&other) = self.by_hash.get(&Self::hash(id)) {
            debug_assert_ne!(units[other as usize], *id);
            self.collisions.insert(id.clone(), index as u32);
        } else {
            self.by_hash.insert(Self::hash(id), index as u32);
        }
    }
}

/// One rating, by index into the table's units, raters and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating {
    pub unit: u32,
    pub rater: u32,
    pub value: u32,
}

/// Ratings with units, raters and values in the order first seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RatingsTable {
    pub units: Vec<String>,
    pub raters: Vec<String>,
    /// Distinct values as written.
    pub values: Vec<String>,
    pub ratings: Vec<Rating>,
}

/// Interns strings; a linear scan of the few distinct values a ratings file usually has
/// beats hashing every cell.
#[derive(Default)]
struct Interner {
    index: FastMap<String, u32>,
}

impl Interner {
    fn get_or_insert(&mut self, text: &str, list: &mut Vec<String>) -> u32 {
        if list.len() <= 16 {
            if let Some(found) = list.iter().position(|known| known == text) {
                return found as u32;
            }
        } else if let Some(&found) = self.index.get(text) {
            return found;
        }
        let id = list.len() as u32;
        list.push(text.to_string());
        if list.len() == 17 {
            // Switch to hashing: index everything so far.
            self.index = list.iter().enumerate().map(|(i, known)| (known.clone(), i as u32)).collect();
        } else if list.len() > 17 {
            self.index.insert(text.to_string(), id);
        }
        id
    }
}

pub fn read(reader: impl Read, origin: &str) -> Result<RatingsTable, Error> {
    let (mut records, header) = CsvRecords::open(reader, origin)?;
    let long = header.iter().map(|cell| cell.to_ascii_lowercase()).collect::<Vec<_>>() == ["unit", "rater", "value"];
    if header.len() < 2 {
        return Err(Error::at(
            origin,
            Some(1),
            "expected a header: `unit,rater,value`, or a unit column then one column per rater",
        ));
    }
    let mut table = RatingsTable::default();
    let mut unit_index = UnitIndex::default();
    let mut raters = Interner::default();
    let mut values = Interner::default();
    // Long files: the line of each (unit, rater); wide files: the line of each unit's row.
    let mut seen: FastMap<(u32, u32), u64> = FastMap::default();
    let mut unit_lines: Vec<u64> = Vec::new();
    if !long {
        for rater in &header[1..] {
            if table.raters.contains(rater) {
                return Err(Error::at(origin, Some(1), format!("rater `{rater}` has two columns")));
            }
            table.raters.push(rater.clone());
        }
    }
    while let Some(line) = records.read_next()? {
        let record = &records.record;
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
        let unit = match unit_index.get(unit, &table.units) {
            Some(index) => {
                if !long {
                    return Err(Error::at(
                        origin,
                        Some(line),
                        format!("unit `{unit}` has a second row (first on line {})", unit_lines[index as usize]),
                    ));
                }
                index
            }
            None => {
                let index = table.units.len() as u32;
                table.units.push(unit.to_string());
                unit_index.insert(&table.units);
                unit_lines.push(line);
                index
            }
        };
        let mut add = |rater: u32, value: &str, table: &mut RatingsTable| -> Result<(), Error> {
            if MISSING_CELLS.contains(&value) {
                return Ok(());
            }
            if long && let Some(first) = seen.insert((unit, rater), line) {
                return Err(Error::at(
                    origin,
                    Some(line),
                    format!(
                        "unit `{}` rated twice by `{}` (first on line {first})",
                        table.units[unit as usize], table.raters[rater as usize]
                    ),
                ));
            }
            let value = values.get_or_insert(value, &mut table.values);
            table.ratings.push(Rating { unit, rater, value });
            Ok(())
        };
        if long {
            let rater = record[1].trim();
            if rater.is_empty() {
                return Err(Error::at(origin, Some(line), "field `rater` is empty"));
            }
            let rater = raters.get_or_insert(rater, &mut table.raters);
            add(rater, record[2].trim(), &mut table)?;
        } else {
            for (rater, value) in record.iter().skip(1).enumerate() {
                add(rater as u32, value.trim(), &mut table)?;
            }
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
        let triples: Vec<(u32, u32, u32)> = wide.ratings.iter().map(|r| (r.unit, r.rater, r.value)).collect();
        assert_eq!(triples, [(0, 0, 0), (0, 1, 1), (1, 1, 2)]);
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
