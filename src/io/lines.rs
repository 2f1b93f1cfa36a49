//! Streaming records out of JSONL and CSV, one at a time, each with its line number and
//! its fields as a JSON object, so that importers handle both formats the same way.

use std::io::BufRead;

use serde_json::{Map, Value};

use super::{Error, Format};

/// One record: the line it starts on and its fields.
pub struct Record {
    pub line: u64,
    pub fields: Map<String, Value>,
}

/// Calls `each` for every record of `reader`; stops at the first error. `csv_cell` turns
/// a CSV cell (header, text) into a field value, or `None` to leave the field out.
pub fn for_each_record(
    reader: impl BufRead,
    format: Format,
    origin: &str,
    csv_cell: impl Fn(&str, &str) -> Option<Value>,
    mut each: impl FnMut(Record) -> Result<(), Error>,
) -> Result<(), Error> {
    match format {
        Format::Jsonl => jsonl(reader, origin, each),
        Format::Csv => csv(reader, origin, csv_cell, &mut each),
    }
}

fn jsonl(
    mut reader: impl BufRead,
    origin: &str,
    mut each: impl FnMut(Record) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut buffer = Vec::new();
    let mut line = 0u64;
    loop {
        buffer.clear();
        let read = reader
            .read_until(b'\n', &mut buffer)
            .map_err(|err| Error::at(origin, Some(line + 1), format!("cannot read: {err}")))?;
        if read == 0 {
            return Ok(());
        }
        line += 1;
        let mut bytes = buffer.as_slice();
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|err| {
            Error::at(origin, Some(line), format!("not valid UTF-8 (at byte {} of the line)", err.valid_up_to() + 1))
        })?;
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let value = strict_json(text).map_err(|message| Error::at(origin, Some(line), message))?;
        let Value::Object(fields) = value else {
            let hint = if text.starts_with('[') { "; write one object per line (JSONL), not a JSON array" } else { "" };
            return Err(Error::at(origin, Some(line), format!("expected a JSON object{hint}")));
        };
        each(Record { line, fields })?;
    }
}

fn csv(
    reader: impl BufRead,
    origin: &str,
    cell: impl Fn(&str, &str) -> Option<Value>,
    each: &mut impl FnMut(Record) -> Result<(), Error>,
) -> Result<(), Error> {
    for_each_csv_row(reader, origin, |row| each(Record { line: row.line, fields: row.fields(&cell)? }))
}

/// One row of a CSV file, its cells read by place.
pub struct CsvRow<'r> {
    pub line: u64,
    /// The file's column names, trimmed, each once.
    pub headers: &'r [String],
    origin: &'r str,
    record: &'r csv::ByteRecord,
}

impl CsvRow<'_> {
    /// The text of column `index` (the header has as many columns as the row).
    pub fn cell(&self, index: usize) -> Result<&str, Error> {
        std::str::from_utf8(self.record.get(index).unwrap_or_default()).map_err(|_| {
            Error::at(self.origin, Some(self.line), format!("field `{}`: not valid UTF-8", self.headers[index]))
        })
    }

    /// The row as a record's fields: `cell` turns a cell (header, text) into a field
    /// value, or `None` to leave the field out.
    pub fn fields(&self, cell: impl Fn(&str, &str) -> Option<Value>) -> Result<Map<String, Value>, Error> {
        let mut fields = Map::new();
        for (index, header) in self.headers.iter().enumerate() {
            if let Some(value) = cell(header, self.cell(index)?) {
                fields.insert(header.clone(), value);
            }
        }
        Ok(fields)
    }
}

/// Calls `each` for every row of a CSV file with a header; stops at the first error.
/// [`for_each_record`] reads CSV through this, into a map of fields per row; a reader of
/// millions of rows of a known shape can read the cells by place instead.
pub fn for_each_csv_row(
    reader: impl BufRead,
    origin: &str,
    mut each: impl FnMut(CsvRow) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut csv = csv::ReaderBuilder::new().has_headers(true).from_reader(reader);
    let headers: Vec<String> = csv
        .byte_headers()
        .map_err(|err| Error::at(origin, Some(1), format!("cannot read the header: {err}")))?
        .iter()
        .enumerate()
        .map(|(index, header)| {
            let header = if index == 0 { header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(header) } else { header };
            std::str::from_utf8(header)
                .map(|text| text.trim().to_string())
                .map_err(|_| Error::at(origin, Some(1), format!("header column {} is not valid UTF-8", index + 1)))
        })
        .collect::<Result<_, _>>()?;
    for (index, header) in headers.iter().enumerate() {
        if let Some(first) = headers[..index].iter().position(|earlier| earlier == header) {
            return Err(Error::at(
                origin,
                Some(1),
                format!("columns {} and {} are both named `{header}`; name each column once", first + 1, index + 1),
            ));
        }
    }
    let mut record = csv::ByteRecord::new();
    loop {
        let more = csv.read_byte_record(&mut record).map_err(|err| {
            let line = err.position().map(|p| p.line());
            let message = match err.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                    format!("expected {expected_len} fields like the header, found {len}")
                }
                _ => err.to_string(),
            };
            Error::at(origin, line, message)
        })?;
        if !more {
            return Ok(());
        }
        let line = record.position().map_or(0, |p| p.line());
        each(CsvRow { line, headers: &headers, origin, record: &record })?;
    }
}

/// Parses one JSON value, refusing an object that names a key twice (at any depth):
/// serde_json would silently keep the last, so a rater could see one output and the
/// store hold another.
fn strict_json(text: &str) -> Result<Value, String> {
    let duplicate = std::cell::RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed =
        serde::de::DeserializeSeed::deserialize(Strict { path: None, duplicate: &duplicate }, &mut deserializer)
            .and_then(|value| deserializer.end().map(|()| value));
    parsed.map_err(|err| match duplicate.into_inner() {
        Some(key) => format!("field `{key}` appears twice (column {}); name each field once", err.column()),
        None => format!("invalid JSON: {err}"),
    })
}

/// Deserializes a JSON value like `serde_json::Value` does, noting the dotted path of the
/// first key an object repeats.
#[derive(Clone, Copy)]
struct Strict<'a> {
    path: Option<&'a Path<'a>>,
    duplicate: &'a std::cell::RefCell<Option<String>>,
}

/// The keys from the record down to a value, innermost last: written out as a dotted
/// path only when a key repeats, so reading a record makes no string per key.
struct Path<'a> {
    key: &'a str,
    outer: Option<&'a Path<'a>>,
}

impl Path<'_> {
    fn dotted(&self) -> String {
        match self.outer {
            Some(outer) => format!("{}.{}", outer.dotted(), self.key),
            None => self.key.to_string(),
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        serde::de::DeserializeSeed::deserialize(self, deserializer)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut values = Vec::new();
        while let Some(value) = seq.next_element_seed(self)? {
            values.push(value);
        }
        Ok(Value::Array(values))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = {
                let here = Path { key: &key, outer: self.path };
                if object.contains_key(&key) {
                    *self.duplicate.borrow_mut() = Some(here.dotted());
                    return Err(serde::de::Error::custom("duplicate key"));
                }
                map.next_value_seed(Strict { path: Some(&here), duplicate: self.duplicate })?
            };
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str, format: Format) -> Result<Vec<Map<String, Value>>, String> {
        let mut out = Vec::new();
        let cell = |_: &str, text: &str| Some(Value::String(text.to_string()));
        for_each_record(text.as_bytes(), format, "f.jsonl", cell, |record| {
            out.push(record.fields);
            Ok(())
        })
        .map_err(|err| err.to_string())?;
        Ok(out)
    }

    #[test]
    fn a_repeated_json_key_is_an_error_naming_line_and_key() {
        let err = records(
            "{\"id\": \"a\", \"output\": \"x\"}\n{\"id\": \"b\", \"output\": \"x\", \"output\": \"y\"}\n",
            Format::Jsonl,
        )
        .unwrap_err();
        assert!(err.starts_with("f.jsonl:2: field `output` appears twice"), "{err}");
        let err = records("{\"metadata\": {\"model\": \"a\", \"model\": \"b\"}}\n", Format::Jsonl).unwrap_err();
        assert!(err.starts_with("f.jsonl:1: field `metadata.model` appears twice"), "{err}");
        // The same key in two objects of a list is fine; so is a nested value like any other.
        let ok = records(
            "{\"c\": [{\"t\": 1}, {\"t\": 2.5}], \"n\": null, \"b\": true, \"u\": 18446744073709551615}\n",
            Format::Jsonl,
        )
        .unwrap();
        let expected: Value = serde_json::from_str(
            "{\"c\": [{\"t\": 1}, {\"t\": 2.5}], \"n\": null, \"b\": true, \"u\": 18446744073709551615}",
        )
        .unwrap();
        assert_eq!(Value::Object(ok[0].clone()), expected);
        let err = records("{\"a\": 1} trailing\n", Format::Jsonl).unwrap_err();
        assert!(err.contains("invalid JSON"), "{err}");
    }

    #[test]
    fn a_repeated_csv_header_is_an_error_naming_both_columns() {
        let err = records("id,output,input,output\na,x,q,y\n", Format::Csv).unwrap_err();
        assert_eq!(err, "f.jsonl:1: columns 2 and 4 are both named `output`; name each column once");
    }
}
