//! Domain types and their validation: items, rubrics, label values, batches.
//! Plain data, no I/O.

pub mod batch;
pub mod comparison;
pub mod consensus;
pub mod conversation;
pub mod item;
pub mod label;
pub mod redact;
pub mod rubric;
pub mod text;
pub mod transcript;

pub use item::{Item, Shape};
pub use label::LabelValue;
pub use rubric::{Choice, Condition, Criterion, KeyTarget, Kind, Rubric, RubricError};

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `bytes`: the one hash used for item content, rubric versions
/// and exported files.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    // By table, not `format!` per byte: an import hashes every item.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_of_abc_matches_fips_180_2_example() {
        // FIPS 180-2, Appendix B.1: SHA-256("abc").
        assert_eq!(super::sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
