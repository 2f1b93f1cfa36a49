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
        let value: Value =
            serde_json::from_str(text).map_err(|err| Error::at(origin, Some(line), format!("invalid JSON: {err}")))?;
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
        let mut fields = Map::new();
        for (header, raw) in headers.iter().zip(record.iter()) {
            let text = std::str::from_utf8(raw)
                .map_err(|_| Error::at(origin, Some(line), format!("field `{header}`: not valid UTF-8")))?;
            if let Some(value) = cell(header, text) {
                fields.insert(header.clone(), value);
            }
        }
        each(Record { line, fields })?;
    }
}
