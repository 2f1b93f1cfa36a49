//! Groups short free texts (rater comments) by the words they share: Jaccard similarity of
//! token sets and average-link agglomerative clustering cut at a threshold.
//!
//! Deterministic: texts are put in order of (text, id) before anything else, so the order
//! they come in does not change the result, and equal similarities merge the pair whose
//! first texts come first.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// Words that say nothing about what went wrong.
const STOP_WORDS: &[&str] = &[
    "about", "above", "after", "again", "all", "also", "and", "any", "are", "aren", "because", "been", "before",
    "being", "both", "but", "can", "cant", "could", "did", "didnt", "does", "doesnt", "doing", "dont", "each", "for",
    "from", "had", "has", "have", "having", "her", "here", "his", "how", "into", "isnt", "its", "just", "more", "most",
    "not", "now", "off", "once", "only", "other", "our", "out", "over", "own", "same", "she", "should", "some", "such",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "too",
    "under", "until", "very", "was", "wasnt", "were", "what", "when", "where", "which", "while", "who", "whom", "why",
    "will", "with", "would", "you", "your",
];

/// Shorter words (a, of, 3) are dropped with the stop words.
const MIN_TOKEN_CHARS: usize = 3;

/// The words of `text`: lowercase runs of letters and digits (apostrophes dropped, so
/// "isn't" is "isnt"), without stop words and words shorter than three characters.
pub fn tokens(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '\u{2019}'))
        .map(|word| word.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>())
        .filter(|word| word.chars().count() >= MIN_TOKEN_CHARS && !STOP_WORDS.contains(&word.as_str()))
        .collect()
}

/// Shared words over all words; 0 when either text has none.
pub fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let shared = a.intersection(b).count();
    let all = a.len() + b.len() - shared;
    if shared == 0 { 0.0 } else { shared as f64 / all as f64 }
}

/// One group of texts.
#[derive(Debug, Clone, PartialEq)]
pub struct TextCluster {
    /// Indices into the input, most central first (highest mean similarity to the other
    /// members), ties in (text, id) order.
    pub members: Vec<usize>,
    /// Words found in at least two members, most frequent first, ties alphabetical; at
    /// most five.
    pub top_terms: Vec<String>,
}

/// Clusters `texts`, given as (id, text), with average link: the two clusters whose
/// texts are most similar on average merge first, until no two are at least `threshold`
/// similar. Every text ends in exactly one cluster (a text alike to none is alone);
/// clusters come largest first, ties by their first text in (text, id) order.
pub fn cluster_texts(texts: &[(&str, &str)], threshold: f64) -> Vec<TextCluster> {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by(|a, b| (texts[*a].1, texts[*a].0).cmp(&(texts[*b].1, texts[*b].0)));
    // From here on a text is known by its position in `order`.
    let words: Vec<BTreeSet<String>> = order.iter().map(|index| tokens(texts[*index].1)).collect();
    // Texts with the same words start as one cluster: they are fully alike, and alike to
    // every other text in the same way, so average link would merge them first anyway;
    // a thousand "close call"s then cost one node, not half a million pairs.
    let mut nodes: Vec<Vec<usize>> = Vec::new();
    let mut node_of: BTreeMap<&BTreeSet<String>, usize> = BTreeMap::new();
    for (position, set) in words.iter().enumerate() {
        match node_of.get(set) {
            // Texts without words are alike to nothing, not even to each other.
            Some(node) if !set.is_empty() => nodes[*node].push(position),
            _ => {
                node_of.insert(set, nodes.len());
                nodes.push(vec![position]);
            }
        }
    }
    let mut clusters = Agglomeration::new(&words, nodes);
    clusters.run(threshold);
    let mut result: Vec<(Vec<usize>, TextCluster)> = clusters
        .members
        .into_iter()
        .filter(|members| !members.is_empty())
        .map(|members| {
            let central = by_centrality(&members, &words);
            let cluster = TextCluster {
                members: central.iter().map(|position| order[*position]).collect(),
                top_terms: top_terms(&members, &words),
            };
            (members, cluster)
        })
        .collect();
    // Members are kept in position order, so the first is the cluster's first text.
    result.sort_by(|(a, _), (b, _)| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    result.into_iter().map(|(_, cluster)| cluster).collect()
}

/// Average-link merging over a sparse similarity graph: texts that share no word are
/// never compared again, so thousands of short comments stay cheap.
struct Agglomeration {
    /// Per cluster (known by the index of the node it began as), its positions in order;
    /// empty once merged away.
    members: Vec<Vec<usize>>,
    /// Per cluster, the sum of the similarities of its texts to each neighbouring cluster's.
    links: Vec<BTreeMap<usize, f64>>,
    /// Bumped on every merge, so queued candidates of the cluster's old shape are skipped.
    version: Vec<u32>,
}

#[derive(PartialEq)]
struct Candidate {
    similarity: f64,
    a: usize,
    b: usize,
    versions: (u32, u32),
}

impl Eq for Candidate {}

impl Ord for Candidate {
    /// The most similar pair first; on equal similarity the pair whose clusters come first.
    fn cmp(&self, other: &Candidate) -> Ordering {
        self.similarity.total_cmp(&other.similarity).then_with(|| (other.a, other.b).cmp(&(self.a, self.b)))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Candidate) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Agglomeration {
    /// `nodes`: positions with the same words, in order of their first position.
    fn new(words: &[BTreeSet<String>], nodes: Vec<Vec<usize>>) -> Agglomeration {
        let node_words: Vec<&BTreeSet<String>> = nodes.iter().map(|positions| &words[positions[0]]).collect();
        let mut postings: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (node, set) in node_words.iter().enumerate() {
            for word in *set {
                postings.entry(word).or_default().push(node);
            }
        }
        let mut links: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); nodes.len()];
        for (a, set) in node_words.iter().enumerate() {
            let later: BTreeSet<usize> =
                set.iter().flat_map(|word| postings[word.as_str()].iter().copied().filter(|b| *b > a)).collect();
            for b in later {
                // Every text of one node against every text of the other.
                let sum = jaccard(set, node_words[b]) * (nodes[a].len() * nodes[b].len()) as f64;
                links[a].insert(b, sum);
                links[b].insert(a, sum);
            }
        }
        Agglomeration { version: vec![0; nodes.len()], members: nodes, links }
    }

    fn average(&self, a: usize, b: usize) -> f64 {
        let sum = self.links[a].get(&b).copied().unwrap_or(0.0);
        sum / (self.members[a].len() * self.members[b].len()) as f64
    }

    fn candidate(&self, a: usize, b: usize) -> Candidate {
        let (a, b) = (a.min(b), a.max(b));
        Candidate { similarity: self.average(a, b), a, b, versions: (self.version[a], self.version[b]) }
    }

    fn run(&mut self, threshold: f64) {
        let mut queue = BinaryHeap::new();
        for (a, links) in self.links.iter().enumerate() {
            for b in links.keys().filter(|b| **b > a) {
                queue.push(self.candidate(a, *b));
            }
        }
        while let Some(best) = queue.pop() {
            if best.similarity < threshold {
                break;
            }
            if (self.version[best.a], self.version[best.b]) != best.versions || self.members[best.b].is_empty() {
                continue;
            }
            self.merge(best.a, best.b);
            for neighbour in self.links[best.a].keys() {
                queue.push(self.candidate(best.a, *neighbour));
            }
        }
    }

    /// Moves cluster `b` into cluster `a` (a < b, so a cluster keeps its first position).
    fn merge(&mut self, a: usize, b: usize) {
        let moved = std::mem::take(&mut self.members[b]);
        self.members[a].extend(moved);
        self.members[a].sort_unstable();
        let links = std::mem::take(&mut self.links[b]);
        self.links[a].remove(&b);
        for (neighbour, sum) in links {
            self.links[neighbour].remove(&b);
            if neighbour == a {
                continue;
            }
            *self.links[a].entry(neighbour).or_default() += sum;
            *self.links[neighbour].entry(a).or_default() += sum;
        }
        self.version[a] += 1;
        self.version[b] += 1;
    }
}

/// The members, highest summed similarity to the other members first. Texts with the same
/// words are scored once, so a cluster of many repeats stays cheap.
fn by_centrality(members: &[usize], words: &[BTreeSet<String>]) -> Vec<usize> {
    let mut groups: BTreeMap<&BTreeSet<String>, Vec<usize>> = BTreeMap::new();
    for position in members {
        groups.entry(&words[*position]).or_default().push(*position);
    }
    let mut scored: Vec<(f64, usize)> = Vec::new();
    for (set, positions) in &groups {
        let score: f64 = groups
            .iter()
            .map(|(other, others)| {
                let copies = if other == set { others.len() - 1 } else { others.len() };
                jaccard(set, other) * copies as f64
            })
            .sum();
        scored.extend(positions.iter().map(|position| (score, *position)));
    }
    scored.sort_by(|(x, a), (y, b)| y.total_cmp(x).then(a.cmp(b)));
    scored.into_iter().map(|(_, position)| position).collect()
}

fn top_terms(members: &[usize], words: &[BTreeSet<String>]) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for position in members {
        for word in &words[*position] {
            *counts.entry(word).or_default() += 1;
        }
    }
    let mut shared: Vec<(&str, usize)> = counts.into_iter().filter(|(_, count)| *count >= 2).collect();
    shared.sort_by(|(a, x), (b, y)| y.cmp(x).then(a.cmp(b)));
    shared.into_iter().take(5).map(|(word, _)| word.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts_of<'a>(texts: &'a [(&'a str, &'a str)], cluster: &TextCluster) -> Vec<&'a str> {
        cluster.members.iter().map(|index| texts[*index].1).collect()
    }

    #[test]
    fn tokens_drop_short_and_stop_words() {
        let words: Vec<String> = tokens("PayPal isn't mentioned; the setting is INVENTED (3x).").into_iter().collect();
        assert_eq!(words, ["invented", "mentioned", "paypal", "setting"]);
        assert!(tokens("a of 3 the").is_empty());
        assert_eq!(jaccard(&tokens("invented setting"), &tokens("the setting is invented")), 1.0);
        assert_eq!(jaccard(&tokens(""), &tokens("")), 0.0);
    }

    #[test]
    fn identical_comments_cluster_and_unrelated_do_not() {
        let texts = [
            ("q1", "cites the wrong section"),
            ("q2", "refund window is wrong"),
            ("q3", "cites the wrong section"),
            ("q4", "totally unrelated remark"),
            ("q5", "refund window wrong for ACH"),
        ];
        let clusters = cluster_texts(&texts, 0.3);
        assert_eq!(clusters.len(), 3);
        assert_eq!(texts_of(&texts, &clusters[0]), ["cites the wrong section", "cites the wrong section"]);
        assert_eq!(clusters[0].top_terms, ["cites", "section", "wrong"]);
        assert_eq!(texts_of(&texts, &clusters[1]), ["refund window is wrong", "refund window wrong for ACH"]);
        assert_eq!(texts_of(&texts, &clusters[2]), ["totally unrelated remark"]);
        assert!(clusters[2].top_terms.is_empty());
        assert!(cluster_texts(&[], 0.3).is_empty());
    }

    #[test]
    fn average_link_keeps_a_chain_apart() {
        // a~b and b~c are 0.4 alike, a and c share nothing: single link would join all
        // three; average link keeps c out, 0.2 alike to the pair on average.
        let texts = [("1", "alpha beta gamma"), ("2", "beta gamma delta epsilon"), ("3", "delta epsilon zeta")];
        let clusters = cluster_texts(&texts, 0.3);
        assert_eq!(clusters.iter().map(|c| c.members.len()).collect::<Vec<_>>(), [2, 1]);
        assert_eq!(clusters[1].members, [2]);
    }

    #[test]
    fn most_central_member_comes_first() {
        let texts = [("1", "fee invented"), ("2", "fee invented refund"), ("3", "fee invented window")];
        let clusters = cluster_texts(&texts, 0.3);
        assert_eq!(clusters.len(), 1);
        assert_eq!(clusters[0].members[0], 0);
    }

    #[test]
    fn repeats_are_cheap_and_texts_without_words_stay_alone() {
        let ids: Vec<String> = (0..20_000).map(|i| format!("item-{i}")).collect();
        let texts: Vec<(&str, &str)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), ["close call", "between 3 and 4", "ok", "a close call"][i % 4]))
            .collect();
        let clusters = cluster_texts(&texts, 0.3);
        let sizes: Vec<usize> = clusters.iter().map(|c| c.members.len()).collect();
        assert_eq!(sizes[..2], [10_000, 5_000]);
        assert_eq!(sizes.len(), 2 + 5_000);
        assert_eq!(clusters[0].top_terms, ["call", "close"]);
    }

    fn comment() -> impl Strategy<Value = String> {
        let words = prop::sample::select(vec!["fee", "refund", "wrong", "section", "invented", "window", "passage"]);
        prop::collection::vec(words, 0..4).prop_map(|words| words.join(" "))
    }

    type Pairs = Vec<(String, String)>;

    /// (id, comment) pairs, and the same pairs in another order.
    fn shuffled_comments() -> impl Strategy<Value = (Pairs, Pairs)> {
        prop::collection::vec(comment(), 0..12)
            .prop_map(|comments| {
                comments.into_iter().enumerate().map(|(i, text)| (format!("item-{i}"), text)).collect()
            })
            .prop_flat_map(|pairs: Pairs| (Just(pairs.clone()), Just(pairs).prop_shuffle()))
    }

    proptest! {
        #[test]
        fn order_of_input_does_not_change_the_result((pairs, shuffled) in shuffled_comments()) {
            let named = |input: &[(String, String)]| -> Vec<(Vec<String>, Vec<String>)> {
                let texts: Vec<(&str, &str)> = input.iter().map(|(id, text)| (id.as_str(), text.as_str())).collect();
                cluster_texts(&texts, 0.3)
                    .into_iter()
                    .map(|c| (c.members.iter().map(|i| input[*i].0.clone()).collect(), c.top_terms))
                    .collect()
            };
            let clusters = named(&pairs);
            prop_assert_eq!(&clusters, &named(&shuffled));
            prop_assert_eq!(clusters.iter().map(|(members, _)| members.len()).sum::<usize>(), pairs.len());
        }
    }
}
