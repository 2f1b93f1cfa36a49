//! The `/` finder: fuzzy search over the rater's queue (id, question, answer, metadata),
//! best matches first, with the matched characters marked.

use std::time::Instant;

use crate::tui::search::{BUDGET, Search, haystack};

/// Matches shown at most.
const SHOWN: usize = 50;

/// A key searches for at most [`BUDGET`], then the list shows the best so far and
/// [`Finder::tick`] carries on (see [`crate::tui::search`]).
pub struct Finder {
    /// Queue position of each text searched.
    positions: Vec<usize>,
    search: Search,
    pub query: String,
    /// The best matches so far, best first.
    pub matches: Vec<Match>,
    /// All that matched so far; `matches` shows the best of them.
    pub total: usize,
    pub selected: usize,
    /// How long a key or a tick searches ([`BUDGET`]; none in tests, so a step is one
    /// chunk).
    pub(super) budget: std::time::Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub position: usize,
    pub text: String,
    pub highlighted: Vec<usize>,
}

impl Finder {
    /// `texts`: each queue position's searchable text.
    pub fn new(texts: Vec<(usize, String)>) -> Finder {
        let (positions, texts): (Vec<usize>, Vec<String>) =
            texts.into_iter().map(|(position, text)| (position, haystack(&[&text]))).unzip();
        let mut finder = Finder {
            positions,
            search: Search::new(texts, SHOWN),
            query: String::new(),
            matches: Vec::new(),
            total: 0,
            selected: 0,
            budget: BUDGET,
        };
        finder.show();
        finder
    }

    /// Opened again: no query, the whole queue listed.
    pub fn reopen(&mut self) {
        self.query.clear();
        self.search();
    }

    pub fn push(&mut self, ch: char) {
        self.query.push(ch);
        self.search();
    }

    pub fn pop(&mut self) {
        self.query.pop();
        self.search();
    }

    pub fn move_selection(&mut self, by: isize) {
        let last = self.matches.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + by).clamp(0, last) as usize;
    }

    /// The queue position of the selected match.
    pub fn chosen(&self) -> Option<usize> {
        self.matches.get(self.selected).map(|found| found.position)
    }

    /// Whether the search is still going (then the event loop ticks it).
    pub fn searching(&self) -> bool {
        !self.search.done()
    }

    /// Texts tested for this query so far, of those it has to test.
    pub fn progress(&self) -> (usize, usize) {
        self.search.progress()
    }

    /// Carries the search on for one tick.
    pub fn tick(&mut self) {
        if self.searching() {
            self.search.step(Instant::now() + self.budget);
            self.show();
        }
    }

    #[cfg(test)]
    pub fn finish(&mut self) {
        self.search.finish();
        self.show();
    }

    fn search(&mut self) {
        self.selected = 0;
        self.search.set_query(&self.query);
        self.search.step(Instant::now() + self.budget);
        self.show();
    }

    /// The best matches so far, with their marked characters (found for these alone).
    fn show(&mut self) {
        self.total = self.search.total();
        self.matches = self
            .search
            .best()
            .into_iter()
            .map(|rank| {
                let index = rank.index as usize;
                Match {
                    position: self.positions[index],
                    text: self.search.text(index).to_string(),
                    highlighted: self.search.highlights(index),
                }
            })
            .collect();
        self.selected = self.selected.min(self.matches.len().saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_match_first_with_its_characters() {
        let mut finder = Finder::new(vec![
            (0, "q-1 How do refunds work?".into()),
            (1, "q-2 Rotate an API key".into()),
            (2, "q-3 Export invoices as CSV".into()),
        ]);
        assert_eq!(finder.matches.len(), 3);
        for ch in "apikey".chars() {
            finder.push(ch);
        }
        finder.finish();
        assert_eq!(finder.chosen(), Some(1));
        let best = &finder.matches[0];
        let marked: String = best.highlighted.iter().map(|&i| best.text.chars().nth(i).unwrap()).collect();
        assert_eq!(marked.to_lowercase(), "apikey");
        finder.pop();
        finder.pop();
        finder.pop();
        finder.pop();
        finder.pop();
        finder.pop();
        assert_eq!(finder.matches.len(), 3);
        finder.move_selection(5);
        assert_eq!(finder.chosen(), Some(2));
    }

    #[test]
    fn control_characters_never_reach_the_list() {
        let finder = Finder::new(vec![(0, "q-1 \u{1b}[2J wipe".into())]);
        assert!(!finder.matches[0].text.contains('\u{1b}'));
    }

    #[test]
    fn the_query_as_written_ranks_above_scattered_letters() {
        // Skim alone ranks the spaced-out "K e y" above "monkeys".
        let mut finder = Finder::new(vec![
            (0, "q-1 Kept Everything Yesterday".into()),
            (1, "q-2 monkeys at the zoo".into()),
            (2, "q-3 K e y pad".into()),
            (3, "q-4 the key was lost".into()),
        ]);
        for ch in "key".chars() {
            finder.push(ch);
        }
        finder.finish();
        let order: Vec<usize> = finder.matches.iter().map(|found| found.position).collect();
        assert_eq!(order, [3, 1, 2, 0]);
        // The marked characters are the words found, not letters elsewhere.
        assert_eq!(finder.matches[1].highlighted, [7, 8, 9]);
    }
}
