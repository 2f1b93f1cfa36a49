//! Dealing a batch's items to raters: seeded, reproducible, balanced.

use crate::stats::rng::Rng;

/// Who labels what, and in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Indices into the caller's item list, in the order raters will see them.
    pub order: Vec<usize>,
    /// For each position in `order`, the indices of the raters it goes to.
    pub raters: Vec<Vec<usize>>,
}

/// Shuffles `n_items` with `seed`, then deals each to `overlap` distinct raters in turn,
/// so every rater's load differs from any other's by at most one item.
pub fn plan(n_items: usize, n_raters: usize, overlap: usize, seed: u64) -> Result<Plan, String> {
    if n_raters == 0 {
        return Err("a batch needs at least one rater".into());
    }
    if overlap == 0 || overlap > n_raters {
        return Err(format!("overlap must be between 1 and the number of raters ({n_raters}), not {overlap}"));
    }
    let mut order: Vec<usize> = (0..n_items).collect();
    Rng::new(seed).shuffle(&mut order);
    let raters =
        (0..n_items).map(|position| (0..overlap).map(|j| (position * overlap + j) % n_raters).collect()).collect();
    Ok(Plan { order, raters })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_gets_overlap_distinct_raters_and_loads_balance() {
        let plan = plan(10, 3, 2, 7).unwrap();
        let mut loads = [0; 3];
        for raters in &plan.raters {
            assert_eq!(raters.len(), 2);
            assert_ne!(raters[0], raters[1]);
            for &rater in raters {
                loads[rater] += 1;
            }
        }
        assert_eq!(loads.iter().sum::<usize>(), 20);
        assert!(loads.iter().max().unwrap() - loads.iter().min().unwrap() <= 1);
        let mut sorted = plan.order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn same_seed_same_plan_other_seed_other_order() {
        assert_eq!(plan(50, 3, 2, 1), plan(50, 3, 2, 1));
        assert_ne!(plan(50, 3, 2, 1).unwrap().order, plan(50, 3, 2, 2).unwrap().order);
    }

    #[test]
    fn overlap_beyond_raters_is_refused() {
        assert!(plan(5, 2, 3, 0).unwrap_err().contains("overlap"));
    }
}
