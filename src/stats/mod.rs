//! Statistics: pure functions over slices. No I/O, no printing, no SQL.

pub mod alpha;
pub mod bootstrap;
pub mod consensus;
pub mod rng;

pub use alpha::{Alpha, Level, Undefined, Units, krippendorff_alpha, masi_distance};
