//! Dealing a batch's items to raters: seeded, reproducible, balanced, with known-answer
//! items (honeypots) mixed into each rater's queue.

use crate::stats::rng::Rng;

/// What to deal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Deal {
    pub n_items: usize,
    pub n_raters: usize,
    /// Raters per item.
    pub overlap: usize,
    pub seed: u64,
    /// Known-answer items available to mix in.
    pub n_honeypots: usize,
    /// The share of each rater's queue that is honeypots, in [0, 1).
    pub honeypot_rate: f64,
}

/// One place in a rater's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// An item of the batch, as its position in [`Plan::order`].
    Item(usize),
    /// A honeypot, as an index into the caller's honeypot list.
    Honeypot(usize),
}

/// Who labels what, and in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Indices into the caller's item list, in a seeded order: the batch's items.
    pub order: Vec<usize>,
    /// For each position in `order`, the raters it goes to.
    pub raters: Vec<Vec<usize>>,
    /// Each rater's queue, shuffled for that rater, honeypots mixed in.
    pub queues: Vec<Vec<Slot>>,
}

/// Shuffles the items with `seed`, deals each to `overlap` distinct raters in turn (so
/// loads differ by at most one), then gives each rater their items in an order of their
/// own, with honeypots mixed in at `honeypot_rate`.
pub fn plan(deal: &Deal) -> Result<Plan, String> {
    let Deal { n_items, n_raters, overlap, seed, n_honeypots, honeypot_rate } = *deal;
    if n_raters == 0 {
        return Err("a batch needs at least one rater".into());
    }
    if overlap == 0 || overlap > n_raters {
        return Err(format!("overlap must be between 1 and the number of raters ({n_raters}), not {overlap}"));
    }
    if !(0.0..1.0).contains(&honeypot_rate) {
        return Err(format!("the honeypot rate must be at least 0 and below 1, not {honeypot_rate}"));
    }
    if honeypot_rate > 0.0 && n_honeypots == 0 {
        return Err("a honeypot rate needs honeypots (--honeypots FILE)".into());
    }
    let mut rng = Rng::new(seed);
    let mut order: Vec<usize> = (0..n_items).collect();
    rng.shuffle(&mut order);
    let raters: Vec<Vec<usize>> =
        (0..n_items).map(|position| (0..overlap).map(|j| (position * overlap + j) % n_raters).collect()).collect();
    let mut queues: Vec<Vec<Slot>> = vec![Vec::new(); n_raters];
    for (position, item_raters) in raters.iter().enumerate() {
        for &rater in item_raters {
            queues[rater].push(Slot::Item(position));
        }
    }
    // Honeypots are dealt from one shuffled cycle, so raters share them (their answers
    // can be compared) but each sees a honeypot at most once while there are enough.
    let mut honeypots: Vec<usize> = (0..n_honeypots).collect();
    rng.shuffle(&mut honeypots);
    let mut next_honeypot = 0;
    for queue in &mut queues {
        let wanted = (honeypot_rate * queue.len() as f64 / (1.0 - honeypot_rate)).round() as usize;
        let count = wanted.min(n_honeypots);
        for _ in 0..count {
            queue.push(Slot::Honeypot(honeypots[next_honeypot % n_honeypots]));
            next_honeypot += 1;
        }
        rng.shuffle(queue);
    }
    Ok(Plan { order, raters, queues })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deal(n_items: usize, n_raters: usize, overlap: usize, seed: u64) -> Deal {
        Deal { n_items, n_raters, overlap, seed, n_honeypots: 0, honeypot_rate: 0.0 }
    }

    #[test]
    fn every_item_gets_overlap_distinct_raters_and_loads_balance() {
        let plan = plan(&deal(10, 3, 2, 7)).unwrap();
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
        assert_eq!(plan.queues.iter().map(Vec::len).collect::<Vec<_>>(), loads);
    }

    #[test]
    fn same_seed_same_plan_other_seed_other_order() {
        assert_eq!(plan(&deal(50, 3, 2, 1)), plan(&deal(50, 3, 2, 1)));
        assert_ne!(plan(&deal(50, 3, 2, 1)).unwrap().order, plan(&deal(50, 3, 2, 2)).unwrap().order);
    }

    #[test]
    fn bad_requests_are_refused() {
        assert!(plan(&deal(5, 2, 3, 0)).unwrap_err().contains("overlap"));
        let no_pots = Deal { honeypot_rate: 0.1, ..deal(5, 2, 1, 0) };
        assert!(plan(&no_pots).unwrap_err().contains("--honeypots"));
    }
}

/// Open work of a batch: each rater's open items (not confirmed, skipped or begun) in
/// queue order, and the raters on each item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenWork {
    pub open: std::collections::BTreeMap<String, Vec<i64>>,
    pub on_item: std::collections::HashMap<i64, std::collections::BTreeSet<String>>,
}

/// One assignment moved: (item, from rater, to rater); `to` is `None` when no other rater
/// can take it (every one is on the item already).
pub type Move = (i64, String, Option<String>);

/// Moves that give `new` a fair share of the open work: one at a time from whoever has
/// the most open (ties to the first name), until `new` has the floor of an equal share.
pub fn moves_to_new_rater(work: &OpenWork, new: &str) -> Vec<Move> {
    let mut open = work.open.clone();
    let total: usize = open.values().map(Vec::len).sum();
    let target = total / (open.len() + 1);
    let mut moves = Vec::new();
    for _ in 0..target {
        let Some((from, items)) = open
            .iter_mut()
            .filter(|(_, items)| !items.is_empty())
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
        else {
            break;
        };
        // The last open item of the busiest rater: the one they would reach last.
        let Some(item) = items.pop() else { break };
        moves.push((item, from.clone(), Some(new.to_string())));
    }
    moves
}

/// Moves that hand `leaving`'s open items to the others: each to the rater with the least
/// open work who is not on the item yet (ties to the first name).
pub fn moves_from_leaving_rater(work: &OpenWork, leaving: &str) -> Vec<Move> {
    let mut open: std::collections::BTreeMap<&str, usize> = work
        .open
        .iter()
        .filter(|(rater, _)| rater.as_str() != leaving)
        .map(|(r, items)| (r.as_str(), items.len()))
        .collect();
    let mut moves = Vec::new();
    for &item in work.open.get(leaving).map(Vec::as_slice).unwrap_or_default() {
        let on = work.on_item.get(&item);
        let taker = open
            .iter()
            .filter(|(rater, _)| on.is_none_or(|raters| !raters.contains(**rater)))
            .min_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)))
            .map(|(rater, _)| rater.to_string());
        if let Some(taker) = &taker
            && let Some(count) = open.get_mut(taker.as_str())
        {
            *count += 1;
        }
        moves.push((item, leaving.to_string(), taker));
    }
    moves
}

#[cfg(test)]
mod rebalance_tests {
    use super::*;

    fn work(open: &[(&str, &[i64])], on_item: &[(i64, &[&str])]) -> OpenWork {
        OpenWork {
            open: open.iter().map(|(r, items)| (r.to_string(), items.to_vec())).collect(),
            on_item: on_item
                .iter()
                .map(|(item, raters)| (*item, raters.iter().map(|r| r.to_string()).collect()))
                .collect(),
        }
    }

    #[test]
    fn a_new_rater_takes_an_equal_share_from_the_busiest() {
        let work = work(&[("ana", &[1, 2, 3, 4, 5, 6]), ("ben", &[7, 8])], &[]);
        let moves = moves_to_new_rater(&work, "zoe");
        // 8 open over 3 raters: zoe takes 2, both from ana (6 -> 4 -> ... ben has 2).
        assert_eq!(moves, vec![(6, "ana".into(), Some("zoe".into())), (5, "ana".into(), Some("zoe".into()))]);
    }

    #[test]
    fn a_leaving_raters_items_go_to_whoever_is_free_and_not_on_them() {
        let work =
            work(&[("ana", &[1, 2]), ("ben", &[3]), ("cy", &[])], &[(1, &["ana", "cy"]), (2, &["ana", "ben", "cy"])]);
        let moves = moves_from_leaving_rater(&work, "ana");
        assert_eq!(moves, vec![(1, "ana".into(), Some("ben".into())), (2, "ana".into(), None)]);
    }
}
