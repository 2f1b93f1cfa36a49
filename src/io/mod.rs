//! Files in and out: items, labels and ratings in; golden sets out. Every error a user
//! can act on names the file, the line and the field.

pub mod arena;
pub mod atomic;
pub mod export;
pub mod export_dpo;
pub mod export_hf;
mod export_inspect;
mod export_langfuse;
mod export_openai_evals;
mod export_otel;
mod export_promptfoo;
pub mod golden;
pub mod harness;
pub mod items;
pub mod labels;
mod lines;
pub mod pairs;
pub mod ratings;
pub mod sample;
pub mod sample_data;
pub mod trace;
mod trace_anthropic;
mod trace_langfuse;
mod trace_langsmith;
mod trace_otel;

use std::path::Path;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad content: `location` is `FILE:LINE` (or `FILE` when no line applies).
    #[error("{location}: {message}")]
    Input { location: String, message: String },
    #[error("{path}: {source}")]
    File { path: String, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Error {
    pub fn at(origin: &str, line: Option<u64>, message: impl Into<String>) -> Error {
        let location = match line {
            Some(line) => format!("{origin}:{line}"),
            None => origin.to_string(),
        };
        Error::Input { location, message: message.into() }
    }

    pub fn file(path: &Path, source: std::io::Error) -> Error {
        Error::File { path: path.display().to_string(), source }
    }
}

/// The two tabular formats tally reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
}

impl Format {
    /// From the extension (`.jsonl`, `.ndjson`, `.json`, `.csv`), else from the first
    /// byte that is not whitespace: `{` means JSONL.
    pub fn detect(path: &Path, first_bytes: &[u8]) -> Format {
        match path.extension().and_then(|ext| ext.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("jsonl" | "ndjson" | "json") => Format::Jsonl,
            Some("csv") => Format::Csv,
            _ => match first_bytes.iter().find(|byte| !byte.is_ascii_whitespace()) {
                Some(b'{') => Format::Jsonl,
                _ => Format::Csv,
            },
        }
    }
}

/// Opens `path` for streaming, with the format it is in.
pub fn open(path: &Path) -> Result<(std::io::BufReader<std::fs::File>, Format), Error> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|err| Error::file(path, err))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let format = Format::detect(path, reader.fill_buf().map_err(|err| Error::file(path, err))?);
    Ok((reader, format))
}

/// Cells of a numeric CSV that mean "no value": empty, `NA`, `NaN`, `*` or `.`.
pub const MISSING_CELLS: [&str; 5] = ["", "NA", "NaN", "*", "."];

/// A CSV file with a header, read one record at a time into one reused buffer; errors
/// name the file and the line.
pub struct CsvRecords<'a, R> {
    csv: csv::Reader<R>,
    origin: &'a str,
    /// The record the last `next` read.
    pub record: csv::StringRecord,
}

impl<'a, R: std::io::Read> CsvRecords<'a, R> {
    /// Opens `reader` and returns the header, trimmed (and without a byte-order mark).
    pub fn open(reader: R, origin: &'a str) -> Result<(CsvRecords<'a, R>, Vec<String>), Error> {
        let csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader);
        let mut records = CsvRecords { csv, origin, record: csv::StringRecord::new() };
        let read = records.csv.read_record(&mut records.record);
        if !read.map_err(|err| Error::at(origin, Some(1), format!("cannot read the header: {err}")))? {
            return Err(Error::at(origin, None, "the file is empty"));
        }
        let header = records.record.iter().map(|cell| cell.trim().trim_start_matches('\u{feff}').to_string()).collect();
        Ok((records, header))
    }

    /// Reads the next record into `record`: its line, or `None` at the end.
    pub fn read_next(&mut self) -> Result<Option<u64>, Error> {
        match self.csv.read_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => Ok(Some(self.record.position().map_or(0, |p| p.line()))),
            Err(err) => Err(Error::at(self.origin, err.position().map(|p| p.line()), err.to_string())),
        }
    }
}
