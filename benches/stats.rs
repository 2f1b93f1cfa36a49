//! Statistics on large seeded data: `cargo bench --bench stats`.
//!
//! Each line times one computation and, in the same run, a baseline on the same data, and
//! prints the ratio:
//! - Krippendorff's alpha, nominal and interval, on 100,000 units x 10 raters and
//!   1,000,000 x 5 (20% missing); baseline: alpha by its definition (every within-unit
//!   pair, then the V x V expected sum), which the fast paths must equal.
//! - The kappa family (percent agreement, Fleiss, AC1, AC2) on the same grids; baseline:
//!   one pass that counts each unit's categories.
//! - Kendall's tau-b and Spearman's rho on 1,000,000 pairs, scores on scales (ties) and
//!   continuous; baseline: sorting the pairs once.
//! - The bootstrap (1,000 replicates) of alpha and the kappa family on 10,000 x 3;
//!   baseline: 1,000 point estimates on the full data. And by patterns of ratings (as
//!   reports draw it) on 1,000,000 x 5; baseline: one point estimate.
//!
//! `cargo bench --bench stats -- --agreement WIDE.csv --pairs XY.csv` instead times the
//! computation alone (after reading) on those files, as `name seconds` lines, for
//! bench/compare_peers.sh to set beside the Python peers' computation on the same files.

use std::hint::black_box;
use std::time::Instant;

use tally::stats::alpha::{AlphaPatterns, alpha_by_distance};
use tally::stats::bootstrap::{Patterns, pattern_intervals, percentile_intervals};
use tally::stats::categorical::{Categorical, MultiRater};
use tally::stats::correlation::{kendall_counts, spearman_rho};
use tally::stats::rng::Rng;
use tally::stats::{Level, Units, krippendorff_alpha};

/// Seconds for the fastest of `runs` runs of `work`.
fn time<T>(runs: usize, mut work: impl FnMut() -> T) -> f64 {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(work());
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Units x raters of categories 0..5, each rating missing with probability `missing`.
/// Raters lean towards a unit's true category so that agreement is realistic.
fn ratings(units: usize, raters: usize, missing: f64, seed: u64) -> (Units<f64>, Categorical) {
    let mut rng = Rng::new(seed);
    let mut values = Units::new();
    let mut grid = Categorical::new(units, raters, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    let mut row = Vec::with_capacity(raters);
    for unit in 0..units {
        let truth = rng.below(5);
        row.clear();
        for rater in 0..raters {
            if (rng.next_u64() as f64 / u64::MAX as f64) < missing {
                continue;
            }
            let code = if rng.below(10) < 7 { truth } else { rng.below(5) };
            row.push(code as f64);
            grid.set(unit, rater, code as u32);
        }
        values.push_unit(row.iter().copied());
    }
    (values, grid)
}

fn line(task: &str, seconds: f64, baseline_name: &str, baseline: f64) {
    println!("{task:<44} {seconds:>9.4} s   {baseline_name:<28} {baseline:>9.4} s   {:>7.2}x", seconds / baseline);
}

/// Computation-only timings on the peers' files; `None` when no file was given.
fn on_files() -> Option<()> {
    let args: Vec<String> = std::env::args().collect();
    let file_after = |flag: &str| args.iter().position(|arg| arg == flag).and_then(|i| args.get(i + 1));
    let (agreement, pairs) = (file_after("--agreement"), file_after("--pairs"));
    if agreement.is_none() && pairs.is_none() {
        return None;
    }
    if let Some(path) = agreement {
        let table = tally::io::ratings::read(std::fs::File::open(path).unwrap(), path).unwrap();
        let numbers: Vec<f64> = table.values.iter().map(|value| value.parse().unwrap()).collect();
        let mut per_unit: Vec<Vec<f64>> = vec![Vec::new(); table.units.len()];
        for rating in &table.ratings {
            per_unit[rating.unit as usize].push(numbers[rating.value as usize]);
        }
        let mut units = Units::new();
        for values in per_unit {
            units.push_unit(values);
        }
        let alpha = krippendorff_alpha(&units, Level::Nominal).value.unwrap();
        println!("alpha_nominal_s {:.4}", time(5, || krippendorff_alpha(&units, Level::Nominal)));
        println!("alpha {alpha}");
    }
    if let Some(path) = pairs {
        let pairs = tally::io::pairs::read(std::fs::File::open(path).unwrap(), path, "x", "y", None).unwrap();
        let (x, y) = (&pairs.x, &pairs.y);
        println!("pearson_s {:.4}", time(5, || tally::stats::correlation::pearson(x, y, 0.95)));
        println!("spearman_s {:.4}", time(5, || tally::stats::correlation::spearman(x, y, 0.95)));
        println!("kendall_s {:.4}", time(5, || tally::stats::correlation::kendall(x, y, 0.95)));
    }
    Some(())
}

fn main() {
    if on_files().is_some() {
        return;
    }
    println!("{:<44} {:>11}   {:<28} {:>11}   {:>8}", "task", "time", "baseline", "time", "ratio");
    for (units, raters) in [(100_000, 10), (1_000_000, 5)] {
        let (values, grid) = ratings(units, raters, 0.2, 7);
        let label = format!("{units} x {raters}");
        let definition = time(1, || alpha_by_distance(&values, f64::total_cmp, |a, b| f64::from(a != b)));
        for level in [Level::Nominal, Level::Interval] {
            let fast = time(5, || krippendorff_alpha(&values, level));
            line(&format!("alpha {level}, {label}"), fast, "alpha by definition (nom.)", definition);
        }
        let counting = time(3, || {
            let mut counts = [0u32; 5];
            for unit in 0..grid.n_units() {
                for rater in 0..grid.n_raters() {
                    if let Some(code) = grid.get(unit, rater) {
                        counts[code as usize] += 1;
                    }
                }
            }
            counts
        });
        let kappas = time(3, || MultiRater::new(&grid).coefficients());
        line(&format!("kappa family, {label}"), kappas, "counting categories", counting);
    }

    let n = 1_000_000;
    let mut rng = Rng::new(11);
    // Scores on scales (1,000 and ~130 distinct values: the table method), and
    // continuous scores (all distinct: Knight's sort).
    let x: Vec<f64> = (0..n).map(|_| rng.below(1000) as f64 / 10.0).collect();
    let y: Vec<f64> = x.iter().map(|v| (v + rng.below(300) as f64 / 10.0).round()).collect();
    let continuous_x: Vec<f64> = (0..n).map(|_| rng.next_u64() as f64 / u64::MAX as f64).collect();
    let continuous_y: Vec<f64> = continuous_x.iter().map(|v| v + rng.next_u64() as f64 / u64::MAX as f64).collect();
    for (label, x, y) in [("scale scores", &x, &y), ("continuous", &continuous_x, &continuous_y)] {
        let sort = time(3, || {
            let mut pairs: Vec<(f64, f64)> = x.iter().copied().zip(y.iter().copied()).collect();
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            pairs
        });
        let kendall = time(3, || kendall_counts(x, y).tau_b());
        line(&format!("Kendall tau-b, 1M pairs, {label}"), kendall, "sorting the pairs", sort);
        line(&format!("Spearman rho, 1M pairs, {label}"), time(3, || spearman_rho(x, y)), "sorting the pairs", sort);
    }

    let (values, grid) = ratings(10_000, 3, 0.0, 3);
    let multi = MultiRater::new(&grid);
    let point = time(1, || {
        for _ in 0..1000 {
            black_box(krippendorff_alpha(&values, Level::Nominal));
            black_box(multi.coefficients());
        }
    });
    let bootstrap = time(1, || {
        percentile_intervals(values.len(), 1000, 1, 0.95, 6, |draw, out| {
            out[0] = krippendorff_alpha(&values.select(draw), Level::Nominal).value;
            for (slot, value) in out[1..].iter_mut().zip(multi.coefficients_of(draw.iter().copied()).as_array()) {
                *slot = value.ok();
            }
        })
    });
    line("bootstrap 1,000 x (alpha + kappas), 10,000 x 3", bootstrap, "1,000 point estimates", point);

    // The same by patterns of ratings (what reports do) at 1M units: the target is
    // 1,000 replicates at most half a point estimate's cost on top of it.
    let (values, grid) = ratings(1_000_000, 5, 0.2, 4);
    let multi = MultiRater::new(&grid);
    let point = time(1, || (krippendorff_alpha(&values, Level::Nominal), multi.coefficients()));
    let bootstrap = time(1, || {
        let patterns = Patterns::group(values.len(), |unit, key| {
            key.extend(values.unit(unit).iter().map(|value| value.to_bits()));
            key.sort_unstable();
        });
        let alpha = AlphaPatterns::new(&values, patterns.representatives(), Level::Nominal);
        pattern_intervals(&patterns, 1000, 1, 0.95, 6, |weights, out| {
            out[0] = alpha.as_ref().and_then(|alpha| alpha.alpha(weights));
            let drawn = patterns.representatives().iter().copied().zip(weights.iter().copied());
            for (slot, value) in out[1..].iter_mut().zip(multi.coefficients_weighted(drawn).as_array()) {
                *slot = value.ok();
            }
        })
    });
    line("pattern bootstrap 1,000 x (alpha + kappas), 1M x 5", bootstrap, "one point estimate", point);
}
