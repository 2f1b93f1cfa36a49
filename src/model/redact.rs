//! Redaction of personal data and secrets on the way in: e-mail addresses, phone numbers,
//! card numbers (Luhn-checked), IP addresses and API-key-like tokens become typed
//! placeholders (`[EMAIL]`, `[PHONE]`, `[CARD]`, `[IP]`, `[KEY]`). Each detector errs on
//! the side of leaving text alone where a lookalike is common (dates, times, versions,
//! amounts, hex hashes, UUIDs, words).

use std::collections::BTreeMap;

use serde_json::Value;

use super::Item;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Email,
    Phone,
    Card,
    Ip,
    Key,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Card => "card",
            Kind::Ip => "ip",
            Kind::Key => "key",
        }
    }

    fn placeholder(self) -> &'static str {
        match self {
            Kind::Email => "[EMAIL]",
            Kind::Phone => "[PHONE]",
            Kind::Card => "[CARD]",
            Kind::Ip => "[IP]",
            Kind::Key => "[KEY]",
        }
    }
}

/// How many of each kind were replaced.
pub type Counts = BTreeMap<Kind, u64>;

/// The text with every detected span replaced by its placeholder.
pub fn redact(text: &str, counts: &mut Counts) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !is_word(chars[i - 1]);
        let found = if boundary { detect(&chars, i) } else { None };
        match found {
            Some((end, kind)) => {
                out.push_str(kind.placeholder());
                *counts.entry(kind).or_default() += 1;
                i = end;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// Redacts every text a rater would see (input, output, reference, passages, metadata).
pub fn redact_item(item: &mut Item, counts: &mut Counts) {
    item.input = redact(&item.input, counts);
    item.output = redact(&item.output, counts);
    if let Some(reference) = &item.reference {
        item.reference = Some(redact(reference, counts));
    }
    for passage in &mut item.context {
        *passage = redact(passage, counts);
    }
    for value in item.metadata.values_mut() {
        redact_value(value, counts);
    }
}

fn redact_value(value: &mut Value, counts: &mut Counts) {
    match value {
        Value::String(text) => *text = redact(text, counts),
        Value::Array(items) => items.iter_mut().for_each(|item| redact_value(item, counts)),
        Value::Object(map) => map.values_mut().for_each(|item| redact_value(item, counts)),
        _ => {}
    }
}

fn is_word(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_' || ch == '-'
}

/// The first detector that matches at `start`: (end, kind).
fn detect(chars: &[char], start: usize) -> Option<(usize, Kind)> {
    email(chars, start)
        .map(|end| (end, Kind::Email))
        .or_else(|| key(chars, start).map(|end| (end, Kind::Key)))
        .or_else(|| ip(chars, start).map(|end| (end, Kind::Ip)))
        .or_else(|| digits(chars, start))
}

/// local@domain.tld
fn email(chars: &[char], start: usize) -> Option<usize> {
    let local_char = |ch: char| ch.is_ascii_alphanumeric() || "._%+-".contains(ch);
    let mut at = start;
    while at < chars.len() && local_char(chars[at]) {
        at += 1;
    }
    if at == start || chars.get(at) != Some(&'@') {
        return None;
    }
    let domain_start = at + 1;
    let mut end = domain_start;
    while end < chars.len() && (chars[end].is_ascii_alphanumeric() || chars[end] == '.' || chars[end] == '-') {
        end += 1;
    }
    while end > domain_start && chars[end - 1] == '.' {
        end -= 1; // a full stop ending the sentence
    }
    let domain: String = chars[domain_start..end].iter().collect();
    let tld = domain.rsplit('.').next()?;
    let ok = domain.contains('.') && tld.len() >= 2 && tld.chars().all(|ch| ch.is_ascii_alphabetic());
    ok.then_some(end)
}

/// Tokens with a known secret prefix, or long mixed-case alphanumeric runs with digits.
fn key(chars: &[char], start: usize) -> Option<usize> {
    let token_char = |ch: char| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-';
    let mut end = start;
    while end < chars.len() && token_char(chars[end]) {
        end += 1;
    }
    let token: String = chars[start..end].iter().collect();
    const PREFIXES: [&str; 10] =
        ["sk-", "sk_live_", "sk_test_", "pk_live_", "rk_live_", "ghp_", "gho_", "github_pat_", "xoxb-", "xoxp-"];
    let prefixed = PREFIXES.iter().any(|prefix| token.starts_with(prefix) && token.len() >= prefix.len() + 16);
    let aws = token.len() == 20
        && token.starts_with("AKIA")
        && token[4..].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let google = token.starts_with("AIza") && token.len() >= 35;
    let high_entropy = token.len() >= 32
        && token.chars().any(|c| c.is_ascii_uppercase())
        && token.chars().any(|c| c.is_ascii_lowercase())
        && token.chars().any(|c| c.is_ascii_digit());
    (prefixed || aws || google || high_entropy).then_some(end)
}

/// IPv4 (four parts of 0-255, not part of a longer dotted number) or IPv6 (with `::` or
/// eight groups).
fn ip(chars: &[char], start: usize) -> Option<usize> {
    ipv4(chars, start).or_else(|| ipv6(chars, start))
}

fn ipv4(chars: &[char], start: usize) -> Option<usize> {
    // Not the tail of a longer dotted number either.
    if start >= 2 && chars[start - 1] == '.' && chars[start - 2].is_ascii_digit() {
        return None;
    }
    let mut at = start;
    for part in 0..4 {
        let begin = at;
        while at < chars.len() && chars[at].is_ascii_digit() && at - begin < 3 {
            at += 1;
        }
        let text: String = chars[begin..at].iter().collect();
        let value: u32 = text.parse().ok()?;
        if value > 255 || (text.len() > 1 && text.starts_with('0')) {
            return None;
        }
        if part < 3 {
            if chars.get(at) != Some(&'.') {
                return None;
            }
            at += 1;
        }
    }
    // Not a version number or a longer dotted run: 1.2.3.4.5, 10.0.0.1a.
    let next = chars.get(at).copied();
    let dotted_on = next == Some('.') && chars.get(at + 1).is_some_and(|c| c.is_ascii_digit());
    if dotted_on || next.is_some_and(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some(at)
}

fn ipv6(chars: &[char], start: usize) -> Option<usize> {
    let mut end = start;
    while end < chars.len() && (chars[end].is_ascii_hexdigit() || chars[end] == ':') {
        end += 1;
    }
    let text: String = chars[start..end].iter().collect();
    let text = text.trim_end_matches(':');
    let groups: Vec<&str> = text.split(':').collect();
    let compressed = text.contains("::");
    let valid_groups = groups.iter().all(|group| group.len() <= 4) && text.matches("::").count() <= 1;
    let shaped = (compressed && groups.len() >= 3) || groups.len() == 8;
    let filled: Vec<&&str> = groups.iter().filter(|group| !group.is_empty()).collect();
    // `fe80::1` yes, `a::b` (prose, C++ paths) no.
    let has_hex = filled.len() >= 3 || (filled.len() == 2 && filled.iter().any(|group| group.len() == 4));
    (valid_groups && shaped && has_hex && !text.starts_with(":::")).then_some(start + text.chars().count())
}

/// Card numbers (13-19 digits, Luhn-valid, optionally in groups) and phone numbers
/// (international `+` and 8-15 digits, or North American 3-3-4).
fn digits(chars: &[char], start: usize) -> Option<(usize, Kind)> {
    let first = *chars.get(start)?;
    if !(first.is_ascii_digit() || first == '+' || first == '(') {
        return None;
    }
    // The run: digits with single separators between them.
    let mut end = start;
    let mut groups: Vec<String> = vec![String::new()];
    let mut separators = String::new();
    while end < chars.len() {
        let ch = chars[end];
        if ch.is_ascii_digit() {
            groups.last_mut()?.push(ch);
        } else if "+() -.".contains(ch) && end + 1 < chars.len() {
            let next = chars[end + 1];
            let continues = next.is_ascii_digit() || (ch == ')' && next == ' ') || (ch == '(' && next.is_ascii_digit());
            if !(continues || (ch == '+' && end == start)) {
                break;
            }
            if !groups.last()?.is_empty() {
                groups.push(String::new());
            }
            separators.push(ch);
        } else {
            break;
        }
        end += 1;
    }
    while end > start && !chars[end - 1].is_ascii_digit() {
        end -= 1;
    }
    if chars.get(end).is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    groups.retain(|group| !group.is_empty());
    let all: String = groups.concat();
    let plain_separators = separators.chars().all(|c| c == ' ' || c == '-');
    if (13..=19).contains(&all.len()) && plain_separators && luhn(&all) {
        let grouped = groups.len() == 1 || groups.iter().all(|g| (4..=6).contains(&g.len()));
        if grouped {
            return Some((end, Kind::Card));
        }
    }
    if first == '+' && (8..=15).contains(&all.len()) && !separators.contains('.') {
        return Some((end, Kind::Phone));
    }
    // North American: (415) 555-0100, 415-555-0100, 1 415 555 0100, 415.555.0100.
    let lengths: Vec<usize> = groups.iter().map(String::len).collect();
    let north_american = matches!(lengths.as_slice(), [3, 3, 4] | [1, 3, 3, 4]);
    if north_american && (lengths.len() == 3 || groups[0] == "1") {
        return Some((end, Kind::Phone));
    }
    None
}

/// The Luhn checksum of a string of digits.
fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (index, ch) in digits.chars().rev().enumerate() {
        let Some(mut digit) = ch.to_digit(10) else { return false };
        if index % 2 == 1 {
            digit *= 2;
            if digit > 9 {
                digit -= 9;
            }
        }
        sum += digit;
    }
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(text: &str) -> (String, Counts) {
        let mut counts = Counts::new();
        (redact(text, &mut counts), counts)
    }

    #[test]
    fn each_kind_is_replaced() {
        let cases = [
            ("mail ana.lopez+billing@example.co.uk now.", "mail [EMAIL] now."),
            ("call +44 20 7946 0958 today", "call [PHONE] today"),
            ("call (415) 555-0100 or 415.555.0199", "call [PHONE] or [PHONE]"),
            ("card 4111 1111 1111 1111 expires", "card [CARD] expires"),
            ("card 4111-1111-1111-1111.", "card [CARD]."),
            ("amex 378282246310005", "amex [CARD]"),
            ("from 192.168.1.20, then", "from [IP], then"),
            ("v6 2001:db8::8a2e:370:7334 ok", "v6 [IP] ok"),
            ("key sk-proj-Abcdef1234567890abcdef now", "key [KEY] now"),
            ("aws AKIAIOSFODNN7EXAMPLE here", "aws [KEY] here"),
            ("token Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LmNb end", "token [KEY] end"),
        ];
        for (text, expected) in cases {
            assert_eq!(clean(text).0, expected, "{text}");
        }
        let (_, counts) = clean("a@b.io and c@d.org at 10.0.0.1");
        assert_eq!(counts[&Kind::Email], 2);
        assert_eq!(counts[&Kind::Ip], 1);
    }

    #[test]
    fn near_misses_are_left_alone() {
        let untouched = [
            "user@localhost has no domain",
            "@mention and email@ alone",
            "on 2024-03-15 at 10:30:45",
            "version 1.2.3.4.5 and v2.10.1",
            "999.1.1.1 is not an address",
            "card 4111 1111 1111 1112 fails Luhn",
            "order INV-2024-000123 and 1234567890123",
            "total $1,234.56 or 12.5%",
            "sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "uuid 123e4567-e89b-12d3-a456-426614174000",
            "internationalization and Counterrevolutionaries",
            "room 415 555 and 5550100",
            "12:30 and a::b",
        ];
        for text in untouched {
            let (out, counts) = clean(text);
            assert_eq!(out, text, "changed: {counts:?}");
        }
    }

    #[test]
    fn luhn_checksum() {
        assert!(luhn("4111111111111111"));
        assert!(!luhn("4111111111111112"));
        assert!(luhn("79927398713"));
    }
}
