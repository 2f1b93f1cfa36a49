//! Invariants of dealing a batch, on random sizes.

use proptest::prelude::*;
use tally::model::batch::{Deal, Slot, plan};

fn deals() -> impl Strategy<Value = Deal> {
    (0usize..200, 1usize..9, 0usize..20, any::<u64>(), 0u32..30).prop_flat_map(
        |(n_items, n_raters, pots, seed, rate)| {
            (1..=n_raters).prop_map(move |overlap| Deal {
                n_items,
                n_raters,
                overlap,
                seed,
                n_honeypots: pots,
                honeypot_rate: if pots == 0 { 0.0 } else { f64::from(rate) / 100.0 },
            })
        },
    )
}

proptest! {
    #[test]
    fn every_item_has_exactly_k_distinct_raters_and_loads_balance(deal in deals()) {
        let plan = plan(&deal).unwrap();
        prop_assert_eq!(plan.raters.len(), deal.n_items);
        let mut loads = vec![0usize; deal.n_raters];
        for raters in &plan.raters {
            prop_assert_eq!(raters.len(), deal.overlap);
            let mut distinct = raters.clone();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(distinct.len(), deal.overlap, "a rater twice on one item");
            for &rater in raters {
                loads[rater] += 1;
            }
        }
        let (max, min) = (loads.iter().max().copied().unwrap_or(0), loads.iter().min().copied().unwrap_or(0));
        prop_assert!(max - min <= 1, "loads {loads:?}");
        // Each queue holds exactly the rater's items, each once, plus the honeypots.
        for (rater, queue) in plan.queues.iter().enumerate() {
            let mut mine: Vec<usize> = queue.iter().filter_map(|slot| match slot {
                Slot::Item(position) => Some(*position),
                Slot::Honeypot(_) => None,
            }).collect();
            mine.sort();
            let expected: Vec<usize> =
                (0..deal.n_items).filter(|&position| plan.raters[position].contains(&rater)).collect();
            prop_assert_eq!(&mine, &expected);
            let pots: Vec<usize> = queue.iter().filter_map(|slot| match slot {
                Slot::Honeypot(index) => Some(*index),
                Slot::Item(_) => None,
            }).collect();
            let wanted = (deal.honeypot_rate * mine.len() as f64 / (1.0 - deal.honeypot_rate)).round() as usize;
            prop_assert_eq!(pots.len(), wanted.min(deal.n_honeypots));
            let mut distinct = pots.clone();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(distinct.len(), pots.len(), "a honeypot twice in one queue");
            // The share of honeypots is the rate, to within rounding.
            if !queue.is_empty() && wanted <= deal.n_honeypots && mine.len() >= 20 {
                let share = pots.len() as f64 / queue.len() as f64;
                prop_assert!((share - deal.honeypot_rate).abs() <= 1.0 / queue.len() as f64 + 1e-9);
            }
        }
        prop_assert_eq!(plan, tally::model::batch::plan(&deal).unwrap(), "same seed, same plan");
    }
}
