//! Every statistic against worked examples published in the literature or in the
//! documentation of the reference implementations, to the digits printed there.

use tally::stats::categorical::{Categorical, Contingency, MultiRater, Weighting, weights};
use tally::stats::correlation::{kendall, pearson, spearman};
use tally::stats::{Level, Units, krippendorff_alpha};

/// `value` printed to `digits` decimals equals `printed`.
fn assert_printed(value: f64, printed: &str, what: &str) {
    let digits = printed.split('.').nth(1).map_or(0, str::len);
    assert_eq!(format!("{value:.digits$}"), printed, "{what}: {value}");
}

fn close(value: f64, expected: f64, tolerance: f64, what: &str) {
    assert!((value - expected).abs() <= tolerance, "{what}: {value} vs {expected}");
}

/// Subjects x categories counts to a grid: each subject's raters take the categories in
/// order (the coefficients only see the counts).
fn from_counts(counts: &[[u32; 5]], n_raters: usize) -> Categorical {
    let mut grid = Categorical::new(counts.len(), n_raters, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    for (unit, row) in counts.iter().enumerate() {
        let mut rater = 0;
        for (code, &count) in row.iter().enumerate() {
            for _ in 0..count {
                grid.set(unit, rater, code as u32);
                rater += 1;
            }
        }
    }
    grid
}

/// Fleiss (1971), "Measuring nominal scale agreement among many raters", Psychological
/// Bulletin 76(5): 30 subjects, 6 raters, 5 diagnoses (the `diagnoses` data of R's irr).
const FLEISS_1971: [[u32; 5]; 30] = [
    [0, 0, 0, 6, 0],
    [0, 3, 0, 0, 3],
    [0, 1, 4, 0, 1],
    [0, 0, 0, 0, 6],
    [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0],
    [0, 0, 4, 0, 2],
    [2, 0, 3, 1, 0],
    [2, 0, 0, 4, 0],
    [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0],
    [1, 1, 0, 4, 0],
    [0, 3, 3, 0, 0],
    [1, 0, 0, 5, 0],
    [0, 2, 0, 3, 1],
    [0, 0, 5, 0, 1],
    [3, 0, 0, 1, 2],
    [5, 1, 0, 0, 0],
    [0, 2, 0, 4, 0],
    [1, 0, 2, 0, 3],
    [0, 0, 0, 0, 6],
    [0, 1, 0, 5, 0],
    [0, 2, 0, 1, 3],
    [2, 0, 0, 4, 0],
    [1, 0, 0, 4, 1],
    [0, 5, 0, 1, 0],
    [4, 0, 0, 0, 2],
    [0, 2, 0, 4, 0],
    [1, 0, 5, 0, 0],
    [0, 0, 0, 0, 6],
];

#[test]
fn fleiss_1971_kappa() {
    // Fleiss (1971) prints kappa = .430; R irr::kappam.fleiss(diagnoses) prints 0.4302445.
    let coefficients = MultiRater::new(&from_counts(&FLEISS_1971, 6)).coefficients();
    assert_printed(coefficients.fleiss_kappa.unwrap(), "0.430", "Fleiss 1971");
    assert_printed(coefficients.fleiss_kappa.unwrap(), "0.4302445", "irr::kappam.fleiss");
    // P-bar = 0.5556 in the paper's notation.
    assert_printed(coefficients.percent_agreement.unwrap(), "0.5556", "P-bar");
}

#[test]
fn gwet_distrib_6raters() {
    // Gwet, Handbook of Inter-Rater Reliability (2014); irrCAC README, dataset
    // distrib.6raters (subjects 1-15 of Fleiss 1971): gwet.ac1.dist 0.4448007,
    // fleiss.kappa.dist 0.4139265, pa 0.5511111.
    let coefficients = MultiRater::new(&from_counts(&FLEISS_1971[..15], 6)).coefficients();
    assert_printed(coefficients.gwet_ac1.unwrap(), "0.4448007", "AC1");
    assert_printed(coefficients.fleiss_kappa.unwrap(), "0.4139265", "Fleiss");
    assert_printed(coefficients.percent_agreement.unwrap(), "0.5511111", "pa");
}

/// Gwet (2014), Handbook, 4th ed., p. 120; irrCAC dataset cac.raw4raters (Krippendorff's
/// 12 units x 4 raters as rows), 0 = missing.
const RAW_4_RATERS: [[u32; 4]; 12] = [
    [1, 1, 0, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [0, 5, 5, 5],
    [0, 0, 1, 1],
    [0, 0, 3, 0],
];

fn raw_4_raters() -> Categorical {
    let mut grid = Categorical::new(12, 4, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    for (unit, row) in RAW_4_RATERS.iter().enumerate() {
        for (rater, &value) in row.iter().enumerate() {
            if value > 0 {
                grid.set(unit, rater, value - 1);
            }
        }
    }
    grid
}

#[test]
fn gwet_raw_4_raters() {
    // irrCAC README: pa.coeff.raw 0.8181818, gwet.ac1.raw 0.77544, fleiss.kappa.raw
    // 0.76117 (coefficients rounded to 5 decimals by irrCAC).
    let coefficients = MultiRater::new(&raw_4_raters()).coefficients();
    assert_printed(coefficients.percent_agreement.unwrap(), "0.8181818", "pa");
    assert_printed(coefficients.gwet_ac1.unwrap(), "0.77544", "AC1");
    assert_printed(coefficients.fleiss_kappa.unwrap(), "0.76117", "Fleiss");
    // Weighted AC2 (weights on the category values), as the irrCAC Python port's tests
    // and documentation print them: linear 0.859, quadratic 0.914.
    assert_printed(coefficients.gwet_ac2_linear.unwrap(), "0.859", "AC2 linear");
    assert_printed(coefficients.gwet_ac2_quadratic.unwrap(), "0.914", "AC2 quadratic");
    assert_eq!((coefficients.n_units, coefficients.n_pairable_units), (12, 11));
}

#[test]
fn cohen_kappa_sas_example_with_ase() {
    // SAS PROC FREQ printout kept in statsmodels' test_inter_rater.py (TestUnweightedCohens,
    // TestWeightedCohens): simple kappa 0.4842, ASE 0.1380; weighted (Cicchetti-Allison,
    // i.e. linear on scores 1, 2, 3) kappa 0.4701, ASE 0.1457.
    let table = Contingency { q: 3, counts: vec![0.0, 4.0, 1.0, 0.0, 8.0, 0.0, 0.0, 1.0, 5.0] };
    let scores = [1.0, 2.0, 3.0];
    let simple = table.kappa(&weights(&scores, Weighting::Identity));
    assert_printed(simple.value.unwrap(), "0.4842", "kappa");
    assert_printed(simple.se.unwrap(), "0.1380", "ASE");
    let weighted = table.kappa(&weights(&scores, Weighting::Linear));
    assert_printed(weighted.value.unwrap(), "0.4701", "weighted kappa");
    assert_printed(weighted.se.unwrap(), "0.1457", "weighted ASE");
    assert_eq!(simple.n, 19);
}

#[test]
fn cohen_kappa_gwet_abstractors() {
    // irrCAC README, cont3x3abstractors: kappa2.table 0.7964094, coeff.se 0.05891072.
    let table = Contingency { q: 3, counts: vec![13.0, 0.0, 0.0, 0.0, 20.0, 7.0, 0.0, 4.0, 56.0] };
    let kappa = table.kappa(&weights(&[1.0, 2.0, 3.0], Weighting::Identity));
    assert_printed(kappa.value.unwrap(), "0.7964094", "kappa");
    assert_printed(kappa.se.unwrap(), "0.05891072", "se");
}

#[test]
fn cohen_kappa_irr_anxiety() {
    // R irr::kappa2(anxiety[, 2:3]) with weight "unweighted", "equal", "squared":
    // -0.006289308, 0.1459075, 0.2520325 (output kept in statsmodels' tests). irr spaces
    // the weights on the ranks of the observed levels 1, 2, 3, 4, 6, so ranks go in.
    let rater2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4];
    let rater3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2];
    let levels = [1, 2, 3, 4, 5, 6];
    let observed: Vec<i32> = levels.iter().copied().filter(|l| rater2.contains(l) || rater3.contains(l)).collect();
    assert_eq!(observed, [1, 2, 3, 4, 6]);
    let code = |value: i32| observed.iter().position(|&l| l == value).unwrap() as u32;
    let mut table = Contingency::new(observed.len());
    for (a, b) in rater2.iter().zip(&rater3) {
        table.add(code(*a), code(*b));
    }
    let ranks: Vec<f64> = (1..=observed.len()).map(|r| r as f64).collect();
    let kappa = |weighting| table.kappa(&weights(&ranks, weighting)).value.unwrap();
    assert_printed(kappa(Weighting::Identity), "-0.006289308", "unweighted");
    assert_printed(kappa(Weighting::Linear), "0.1459075", "equal");
    assert_printed(kappa(Weighting::Quadratic), "0.2520325", "squared");
}

#[test]
fn krippendorff_alpha_hayes_krippendorff_2007() {
    // Hayes & Krippendorff (2007), "Answering the call for a standard reliability
    // measure for coding data", Communication Methods and Measures 1(1), Table 1: 40 news
    // stories, 5 observers, ordinal 0-3; ordinal alpha .7598. Other levels: the Python
    // krippendorff package gives 0.47650956741865835 (nominal) and 0.757378277153558
    // (interval).
    const M: i8 = -1;
    let data: [[i8; 5]; 40] = [
        [1, 1, 2, M, 2],
        [1, 1, 0, 1, M],
        [2, 3, 3, 3, M],
        [M, 0, 0, M, 0],
        [0, 0, 0, M, 0],
        [0, 0, 0, M, 0],
        [1, 0, 2, M, 1],
        [1, M, 2, 0, M],
        [2, 2, 2, M, 2],
        [2, 1, 1, 1, M],
        [M, 1, 0, 0, M],
        [0, 0, 0, 0, M],
        [1, 2, 2, 2, M],
        [3, 3, 2, 2, 3],
        [1, 1, 1, M, 1],
        [1, 1, 1, M, 1],
        [2, 1, 2, M, 2],
        [1, 2, 3, 3, M],
        [1, 1, 0, 1, M],
        [0, 0, 0, M, 0],
        [0, 0, 1, 1, M],
        [0, 0, M, 0, 0],
        [2, 3, 3, 3, M],
        [0, 0, 0, 0, M],
        [1, 2, M, 2, 2],
        [0, 1, 1, 1, M],
        [0, 0, 0, 1, 0],
        [1, 2, 1, 2, M],
        [1, 1, 2, 2, M],
        [1, 1, 2, M, 2],
        [1, 1, 0, M, 0],
        [2, 1, 2, 1, M],
        [2, 2, M, 2, 2],
        [3, 2, 2, 2, M],
        [2, 2, 2, M, 2],
        [2, 2, 3, M, 2],
        [2, 2, 2, M, 2],
        [2, 2, M, 1, 2],
        [2, 2, 2, 2, M],
        [1, 1, 1, M, 1],
    ];
    let mut units = Units::new();
    for row in data {
        units.push_unit(row.iter().filter(|&&v| v != M).map(|&v| f64::from(v)));
    }
    let ordinal = krippendorff_alpha(&units, Level::Ordinal);
    assert_printed(ordinal.value.unwrap(), "0.7598", "ordinal");
    assert_eq!(ordinal.n_pairable, 159);
    close(krippendorff_alpha(&units, Level::Nominal).value.unwrap(), 0.47650956741865835, 1e-12, "nominal");
    close(krippendorff_alpha(&units, Level::Interval).value.unwrap(), 0.757378277153558, 1e-12, "interval");
}

#[test]
fn kendall_tau_b_with_ties_scipy() {
    // scipy.stats.kendalltau docstring (Hollander, Wolfe & Chicken 2013 liver data):
    // statistic 0.5499999999999999, pvalue 0.09108705741631495 (asymptotic: there are ties).
    let x = [7.1, 7.1, 7.2, 8.3, 9.4, 10.5, 11.4];
    let y = [2.8, 2.9, 2.8, 2.6, 3.5, 4.6, 5.0];
    let result = kendall(&x, &y, 0.95);
    close(result.value.unwrap(), 0.55, 1e-15, "tau-b");
    // statrs' erfc agrees with scipy's to about 1e-11.
    close(result.p.unwrap(), 0.09108705741631495, 1e-10, "p");
    assert_eq!(result.p_method.name(), "normal");
    // scipy.stats.spearmanr docstring, same data: 0.7000000000000001, p 0.07991669030889909.
    let rho = spearman(&x, &y, 0.95);
    close(rho.value.unwrap(), 0.7, 1e-15, "rho");
    close(rho.p.unwrap(), 0.07991669030889909, 1e-12, "spearman p");
}

#[test]
fn kendall_exact_and_pearson_r_cor_test() {
    // R ?cor.test, Hollander & Wolfe (1973) p. 187 tuna data, output from R's
    // stats-Ex.Rout.save: kendall tau 0.4444444, exact one-sided p 0.05972 (so two-sided
    // 2 x 0.05971946649029982); pearson cor 0.5711816, t = 1.8411, one-sided p 0.05409.
    let x = [44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1];
    let y = [2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8];
    let tau = kendall(&x, &y, 0.95);
    assert_printed(tau.value.unwrap(), "0.4444444", "tau");
    assert_eq!(tau.p_method.name(), "exact");
    assert_printed(tau.p.unwrap() / 2.0, "0.05972", "exact one-sided p");
    close(tau.p.unwrap(), 2.0 * 0.05971946649029982, 1e-12, "exact p");
    let r = pearson(&x, &y, 0.95);
    assert_printed(r.value.unwrap(), "0.5711816", "r");
    assert_printed(r.p.unwrap() / 2.0, "0.05409", "one-sided p");
}

#[test]
fn pearson_scipy_with_fisher_interval() {
    // scipy.stats.pearsonr docstring: statistic -0.828503883588428, pvalue
    // 0.021280260007523286; confidence_interval(0.9) = (-0.9644331982722841,
    // -0.3460237473272273).
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
    let y = [10.0, 9.0, 2.5, 6.0, 4.0, 3.0, 2.0];
    let result = pearson(&x, &y, 0.9);
    close(result.value.unwrap(), -0.828503883588428, 1e-14, "r");
    close(result.p.unwrap(), 0.021280260007523286, 1e-12, "p");
    let (low, high) = result.ci.unwrap();
    close(low, -0.9644331982722841, 1e-12, "ci low");
    close(high, -0.3460237473272273, 1e-12, "ci high");
}
