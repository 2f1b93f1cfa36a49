//! Fuzzy search over many texts that answers a key at once, for the label screen's
//! finder and the review screen's search.
//!
//! A key never waits for the whole search: [`Search::step`] tests texts in chunks until
//! its deadline and the screen draws what is found so far ("searching… N of M"), the
//! event loop calling `step` again on its ticks until the search is done. A query that
//! extends the last one tests only the texts the last one matched (and those it had
//! not reached yet); a query typed before (Backspace) comes back as it was left. The
//! lowercase text is made once, and the best matches are kept in a bounded heap rather
//! than by sorting every match.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// How long a key, or a tick of the event loop, searches before the screen draws.
pub const BUDGET: Duration = Duration::from_millis(10);

/// Texts tested between two looks at the clock; a step tests at least this many.
const CHUNK: usize = 512;

/// Characters of an item searched: enough for its id, question and the answer's start.
pub const SEARCHED: usize = 2000;

/// The searchable text of `parts` joined by spaces, on one line, cut at [`SEARCHED`]
/// chars (a huge answer is not copied whole).
pub fn haystack(parts: &[&str]) -> String {
    let mut joined = String::new();
    let mut left = SEARCHED;
    for part in parts {
        if left == 0 {
            break;
        }
        if !joined.is_empty() {
            joined.push(' ');
            left -= 1;
        }
        let cut = match part.char_indices().nth(left) {
            Some((at, _)) => &part[..at],
            None => part,
        };
        left -= cut.chars().count();
        joined.push_str(cut);
    }
    crate::model::text::single_line(&joined)
}

/// How well a text matches, best first: the query as written at the start of a word
/// (tier 0), inside a word (1), then letters scattered over the text (2); then skim's
/// score, higher first; then the text's index, so ties keep the texts' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rank {
    pub tier: u8,
    pub score: Reverse<i64>,
    pub index: u32,
}

/// One query's search: what is left to test and what matched.
struct Level {
    query: String,
    lower: String,
    /// The texts to test, ascending; `None`: every text.
    candidates: Option<Vec<u32>>,
    tested: usize,
    /// Every text that matched, in the order tested.
    matched: Vec<Rank>,
    /// The best `keep` of `matched`; the worst on top.
    best: BinaryHeap<Rank>,
}

impl Level {
    fn len(&self, all: usize) -> usize {
        self.candidates.as_ref().map_or(all, Vec::len)
    }

    fn candidate(&self, position: usize) -> u32 {
        self.candidates.as_ref().map_or(position as u32, |candidates| candidates[position])
    }
}

pub struct Search {
    texts: Vec<String>,
    /// Each text in lower case, and whether it has as many chars as the text (so a
    /// place found in it is a place in the text).
    lower: Vec<(String, bool)>,
    /// The queries typed, each extending the one below it; empty: no query.
    levels: Vec<Level>,
    keep: usize,
    /// Texts tested between two looks at the clock ([`CHUNK`]; smaller in tests).
    chunk: usize,
    matcher: SkimMatcherV2,
}

impl Search {
    /// Searches `texts`, keeping the best `keep` matches in order (all matches are kept
    /// too, unordered, for [`Search::matched`]).
    pub fn new(texts: Vec<String>, keep: usize) -> Search {
        let lower = texts
            .iter()
            .map(|text| {
                let lower = text.to_lowercase();
                let aligned = text.is_ascii() || lower.chars().count() == text.chars().count();
                (lower, aligned)
            })
            .collect();
        Search { texts, lower, levels: Vec::new(), keep, chunk: CHUNK, matcher: SkimMatcherV2::default() }
    }

    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    pub fn text(&self, index: usize) -> &str {
        &self.texts[index]
    }

    pub fn query(&self) -> &str {
        self.levels.last().map_or("", |level| level.query.as_str())
    }

    /// Sets the query; the work is done by [`Search::step`].
    pub fn set_query(&mut self, query: &str) {
        // Back to the longest query typed before that this one extends (or is).
        while self.levels.last().is_some_and(|level| !query.starts_with(level.query.as_str())) {
            self.levels.pop();
        }
        if query.is_empty() || self.query() == query {
            return;
        }
        // A longer query matches only texts the shorter one matched: test those, and
        // the ones the shorter one had not reached.
        // Candidates are ascending and tested in order, so the matches are too, and all
        // come before the untested: the list stays ascending with no sort.
        let candidates = self.levels.last().map(|level| {
            let mut matched: Vec<u32> = level.matched.iter().map(|rank| rank.index).collect();
            matched.extend((level.tested..level.len(self.texts.len())).map(|position| level.candidate(position)));
            matched
        });
        self.levels.push(Level {
            query: query.to_string(),
            lower: query.to_lowercase(),
            candidates,
            tested: 0,
            matched: Vec::new(),
            best: BinaryHeap::new(),
        });
    }

    /// Tests texts until `until` (at least one chunk); whether the search is done.
    pub fn step(&mut self, until: Instant) -> bool {
        let all = self.texts.len();
        let Some(level) = self.levels.last_mut() else { return true };
        loop {
            let end = (level.tested + self.chunk).min(level.len(all));
            for position in level.tested..end {
                let index = level.candidate(position);
                let Some((tier, score)) =
                    rank(&self.matcher, &self.texts[index as usize], &self.lower[index as usize], level)
                else {
                    continue;
                };
                let found = Rank { tier, score: Reverse(score), index };
                level.matched.push(found);
                if self.keep > 0 {
                    if level.best.len() < self.keep {
                        level.best.push(found);
                    } else if level.best.peek().is_some_and(|worst| found < *worst) {
                        level.best.pop();
                        level.best.push(found);
                    }
                }
            }
            level.tested = end;
            if end == level.len(all) {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
        }
    }

    /// Searches to the end.
    pub fn finish(&mut self) {
        while !self.step(Instant::now() + Duration::from_secs(3600)) {}
    }

    pub fn done(&self) -> bool {
        self.levels.last().is_none_or(|level| level.tested == level.len(self.texts.len()))
    }

    /// Texts tested so far for this query, of those it has to test.
    pub fn progress(&self) -> (usize, usize) {
        let all = self.texts.len();
        self.levels.last().map_or((all, all), |level| (level.tested, level.len(all)))
    }

    /// How many texts matched so far (every text, without a query).
    pub fn total(&self) -> usize {
        self.levels.last().map_or(self.texts.len(), |level| level.matched.len())
    }

    /// The best matches so far, best first, at most `keep` (without a query: the first
    /// texts, in order).
    pub fn best(&self) -> Vec<Rank> {
        match self.levels.last() {
            None => (0..self.texts.len().min(self.keep))
                .map(|index| Rank { tier: 0, score: Reverse(0), index: index as u32 })
                .collect(),
            Some(level) => {
                let mut best: Vec<Rank> = level.best.iter().copied().collect();
                best.sort_unstable();
                best
            }
        }
    }

    /// Every match so far, in no particular order; `None` without a query (all match).
    pub fn matched(&self) -> Option<&[Rank]> {
        self.levels.last().map(|level| level.matched.as_slice())
    }

    /// The chars of text `index` to mark for the query: the query as written where it
    /// appears, else the letters skim matched.
    pub fn highlights(&self, index: usize) -> Vec<usize> {
        let Some(level) = self.levels.last() else { return Vec::new() };
        let (lower, aligned) = &self.lower[index];
        if *aligned && let Some((at, _)) = substring(lower, &level.lower) {
            let start = lower[..at].chars().count();
            return (start..start + level.lower.chars().count()).collect();
        }
        self.matcher.fuzzy_indices(&self.texts[index], &level.query).map(|(_, indices)| indices).unwrap_or_default()
    }
}

/// How `text` matches the level's query: its tier and skim's score; `None` when it
/// does not.
fn rank(matcher: &SkimMatcherV2, text: &str, (lower, aligned): &(String, bool), level: &Level) -> Option<(u8, i64)> {
    // Skim matches the query's letters in order, ignoring case unless the query has a
    // capital: so a text without them in order, in lower case, cannot match; this
    // test is a fraction of skim's cost.
    if !is_subsequence(&level.lower, lower) {
        return None;
    }
    let score = matcher.fuzzy_match(text, &level.query)?;
    let tier = match substring(lower, &level.lower).filter(|_| *aligned) {
        Some((_, true)) => 0,
        Some((_, false)) => 1,
        None => 2,
    };
    Some((tier, score))
}

fn is_subsequence(query: &str, text: &str) -> bool {
    let mut rest = text;
    for ch in query.chars() {
        match rest.find(ch) {
            Some(at) => rest = &rest[at + ch.len_utf8()..],
            None => return false,
        }
    }
    true
}

/// Where `query` first appears in `text` (both lower case), as a byte offset,
/// preferring an appearance at the start of a word; and whether it is one.
fn substring(text: &str, query: &str) -> Option<(usize, bool)> {
    if query.is_empty() {
        return None;
    }
    let mut first = None;
    let mut from = 0;
    while let Some(found) = text[from..].find(query) {
        let at = from + found;
        if text[..at].chars().next_back().is_none_or(|before| !before.is_alphanumeric()) {
            return Some((at, true));
        }
        first.get_or_insert((at, false));
        from = at + text[at..].chars().next().map_or(1, char::len_utf8);
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The search as it was before it was incremental: every text scored, all sorted.
    fn from_scratch(texts: &[String], query: &str) -> Vec<(usize, u8, i64)> {
        let matcher = SkimMatcherV2::default();
        let lower_query = query.to_lowercase();
        let mut found: Vec<(usize, u8, i64)> = texts
            .iter()
            .enumerate()
            .filter_map(|(index, text)| {
                let score = matcher.fuzzy_match(text, query)?;
                let lower: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
                let wanted: Vec<char> = lower_query.chars().collect();
                let mut tier = 2;
                if lower.len() == text.chars().count() && wanted.len() <= lower.len() {
                    for at in 0..=lower.len() - wanted.len() {
                        if lower[at..at + wanted.len()] == wanted[..] {
                            let at_word = at == 0 || !lower[at - 1].is_alphanumeric();
                            tier = tier.min(if at_word { 0 } else { 1 });
                        }
                    }
                }
                Some((index, tier, score))
            })
            .collect();
        found.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
        found
    }

    fn results(search: &Search) -> Vec<(usize, u8, i64)> {
        let mut all: Vec<Rank> = search.matched().map(<[Rank]>::to_vec).unwrap_or_default();
        all.sort_unstable();
        all.iter().map(|rank| (rank.index as usize, rank.tier, rank.score.0)).collect()
    }

    #[test]
    fn a_step_tests_one_chunk_past_its_deadline_and_says_how_far_it_is() {
        let texts: Vec<String> = (0..1300).map(|i| format!("item {i} about refunds")).collect();
        let mut search = Search::new(texts, 10);
        search.set_query("refund");
        assert!(!search.step(Instant::now()));
        assert_eq!(search.progress(), (512, 1300));
        assert_eq!(search.total(), 512);
        assert!(!search.done());
        search.finish();
        assert!(search.done());
        assert_eq!(search.total(), 1300);
        assert_eq!(search.best().len(), 10);
    }

    #[test]
    fn a_longer_query_tests_only_what_the_shorter_one_matched() {
        let texts: Vec<String> =
            ["rotate an api key", "refund a fee", "export invoices", "key rotation"].map(String::from).to_vec();
        let mut search = Search::new(texts, 10);
        search.set_query("k");
        search.finish();
        assert_eq!(search.total(), 2);
        search.set_query("ke");
        assert_eq!(search.progress(), (0, 2));
        search.finish();
        let mut found: Vec<usize> = results(&search).iter().map(|r| r.0).collect();
        found.sort_unstable();
        assert_eq!(found, [0, 3]);
        // Backspace brings back the shorter query's results, as left.
        search.set_query("k");
        assert!(search.done());
        assert_eq!(search.total(), 2);
        // A query that does not extend starts over.
        search.set_query("x");
        assert_eq!(search.progress(), (0, 4));
    }

    #[test]
    fn best_first_with_the_query_as_written_marked() {
        let texts: Vec<String> =
            ["q-1 Kept Everything Yesterday", "q-2 monkeys at the zoo", "q-3 K e y pad", "q-4 the key was lost"]
                .map(String::from)
                .to_vec();
        let mut search = Search::new(texts, 10);
        search.set_query("key");
        search.finish();
        let order: Vec<u32> = search.best().iter().map(|rank| rank.index).collect();
        assert_eq!(order, [3, 1, 2, 0]);
        assert_eq!(search.highlights(1), [7, 8, 9]);
    }

    proptest! {
        /// Typed a character at a time (with a Backspace and a retype on the way), in
        /// steps of any size, the search finds what a search from scratch finds, in the
        /// same order.
        #[test]
        fn incremental_equals_from_scratch(
            texts in proptest::collection::vec("[a-cA-C ÉéİK-]{0,12}", 0..40),
            query in "[a-cikA-Cé -]{1,5}",
            keep in 1usize..6,
            chunk in 1usize..5,
        ) {
            let mut search = Search::new(texts.clone(), keep);
            search.chunk = chunk;
            let mut typed = String::new();
            for (position, ch) in query.chars().enumerate() {
                typed.push(ch);
                search.set_query(&typed);
                // Leave some searches unfinished before the next key.
                if position % 2 == 0 {
                    search.step(Instant::now());
                }
                if position == 1 {
                    let shorter: String = typed.chars().take(1).collect();
                    search.set_query(&shorter);
                    search.set_query(&typed);
                }
            }
            search.finish();
            let expected = from_scratch(&texts, &query);
            prop_assert_eq!(results(&search), expected.clone());
            let best: Vec<usize> = search.best().iter().map(|rank| rank.index as usize).collect();
            let expected_best: Vec<usize> = expected.iter().take(keep).map(|found| found.0).collect();
            prop_assert_eq!(best, expected_best);
        }
    }
}
