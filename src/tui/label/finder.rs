//! The `/` finder: fuzzy search over the rater's queue (id, question, answer, metadata),
//! best matches first, with the matched characters marked.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use crate::model::text::single_line;

/// Matches shown at most.
const SHOWN: usize = 50;
/// Characters of each item's text searched: enough for id, question and the answer's start.
const SEARCHED: usize = 2000;

pub struct Finder {
    /// (queue position, searchable text) per item.
    texts: Vec<(usize, String)>,
    pub query: String,
    /// (queue position, score, text shown, matched char indices in it), best first.
    pub matches: Vec<Match>,
    /// All that matched; `matches` shows the best of them.
    pub total: usize,
    pub selected: usize,
    matcher: SkimMatcherV2,
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
        let texts = texts
            .into_iter()
            .map(|(position, text)| (position, single_line(&text.chars().take(SEARCHED).collect::<String>())))
            .collect();
        let mut finder = Finder {
            texts,
            query: String::new(),
            matches: Vec::new(),
            total: 0,
            selected: 0,
            matcher: SkimMatcherV2::default(),
        };
        finder.search();
        finder
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

    fn search(&mut self) {
        self.selected = 0;
        if self.query.is_empty() {
            self.total = self.texts.len();
            self.matches = self
                .texts
                .iter()
                .take(SHOWN)
                .map(|(position, text)| Match { position: *position, text: text.clone(), highlighted: Vec::new() })
                .collect();
            return;
        }
        let query = self.query.to_lowercase();
        let mut scored: Vec<(u8, i64, usize, Vec<usize>)> = self
            .texts
            .iter()
            .enumerate()
            .filter_map(|(index, (_, text))| {
                let (score, indices) = self.matcher.fuzzy_indices(text, &self.query)?;
                // The query as written ranks above letters scattered over the text,
                // at the start of a word above inside one.
                let (tier, indices) = match substring(text, &query) {
                    Some((start, at_word)) => {
                        (if at_word { 0 } else { 1 }, (start..start + query.chars().count()).collect())
                    }
                    None => (2, indices),
                };
                Some((tier, score, index, indices))
            })
            .collect();
        // Closest first, then best score; ties keep queue order.
        scored.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        self.total = scored.len();
        self.matches = scored
            .into_iter()
            .take(SHOWN)
            .map(|(_, _, index, highlighted)| {
                let (position, text) = &self.texts[index];
                Match { position: *position, text: text.clone(), highlighted }
            })
            .collect();
    }
}

/// Where `query` (lower case) first appears in `text`, ignoring case, as a char index,
/// preferring an appearance at the start of a word; and whether it is one.
fn substring(text: &str, query: &str) -> Option<(usize, bool)> {
    let lower: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let wanted: Vec<char> = query.chars().collect();
    // Lower-casing can change a text's length (rarely): then no char positions to give.
    if wanted.is_empty() || lower.len() != text.chars().count() || wanted.len() > lower.len() {
        return None;
    }
    let starts = (0..=lower.len() - wanted.len()).filter(|&at| lower[at..at + wanted.len()] == wanted[..]);
    let mut first = None;
    for at in starts {
        let at_word = at == 0 || !lower[at - 1].is_alphanumeric();
        if at_word {
            return Some((at, true));
        }
        first.get_or_insert((at, false));
    }
    first
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
        let order: Vec<usize> = finder.matches.iter().map(|found| found.position).collect();
        assert_eq!(order, [3, 1, 2, 0]);
        // The marked characters are the words found, not letters elsewhere.
        assert_eq!(finder.matches[1].highlighted, [7, 8, 9]);
    }
}
