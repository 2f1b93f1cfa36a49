//! Statistics: pure functions over slices. No I/O, no printing, no SQL.

pub mod alpha;
pub mod bootstrap;
pub mod calibration;
pub mod categorical;
pub mod consensus;
pub mod correlation;
pub mod hash;
pub mod plan;
pub mod ppi;
pub mod preference;
pub mod proportion;
pub mod rng;
pub mod text_clusters;

pub use alpha::{Alpha, Level, Undefined, Units, krippendorff_alpha, masi_distance};
