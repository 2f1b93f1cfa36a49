//! Paired scores for the store-free correlation calculator: two numeric columns of a CSV
//! with a header, and optionally a grouping column.

use std::io::Read;

use super::{CsvRecords, Error, MISSING_CELLS};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pairs {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// Each pair's group, when a grouping column was asked for.
    pub groups: Option<Vec<String>>,
    /// Rows left out because x or y was missing.
    pub skipped: usize,
}

/// Reads columns `x` and `y` (and `group`) by header name.
pub fn read(reader: impl Read, origin: &str, x: &str, y: &str, group: Option<&str>) -> Result<Pairs, Error> {
    let (mut records, header) = CsvRecords::open(reader, origin)?;
    let column = |name: &str| {
        header.iter().position(|cell| cell == name).ok_or_else(|| {
            Error::at(origin, Some(1), format!("no column `{name}` (the header has: {})", header.join(", ")))
        })
    };
    let (x_column, y_column) = (column(x)?, column(y)?);
    let group_column = group.map(column).transpose()?;
    let mut pairs = Pairs { groups: group_column.map(|_| Vec::new()), ..Pairs::default() };
    while let Some(line) = records.read_next()? {
        let record = &records.record;
        let cell = |index: usize| record.get(index).map_or("", str::trim);
        let (x_cell, y_cell) = (cell(x_column), cell(y_column));
        if MISSING_CELLS.contains(&x_cell) || MISSING_CELLS.contains(&y_cell) {
            pairs.skipped += 1;
            continue;
        }
        let parse = |text: &str, name: &str| {
            text.parse::<f64>()
                .ok()
                .filter(|value| value.is_finite())
                .ok_or_else(|| Error::at(origin, Some(line), format!("field `{name}`: `{text}` is not a number")))
        };
        pairs.x.push(parse(x_cell, x)?);
        pairs.y.push(parse(y_cell, y)?);
        if let (Some(groups), Some(index)) = (pairs.groups.as_mut(), group_column) {
            groups.push(cell(index).to_string());
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_named_columns_and_skips_missing() {
        let pairs = read("id,a,b,g\n1,1.5,2,x\n2,NA,3,x\n3,4,5,y\n".as_bytes(), "p.csv", "a", "b", Some("g")).unwrap();
        assert_eq!((pairs.x, pairs.y, pairs.skipped), (vec![1.5, 4.0], vec![2.0, 5.0], 1));
        assert_eq!(pairs.groups.unwrap(), ["x", "y"]);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let err = read("a,b\n1,2\n3,high\n".as_bytes(), "p.csv", "a", "b", None).unwrap_err().to_string();
        assert_eq!(err, "p.csv:3: field `b`: `high` is not a number");
        let err = read("a,b\n".as_bytes(), "p.csv", "a", "c", None).unwrap_err().to_string();
        assert_eq!(err, "p.csv:1: no column `c` (the header has: a, b)");
    }
}
