//! Redaction of personal data and secrets on the way in: e-mail addresses (also with
//! non-ASCII domains), phone numbers (international, North American and national formats),
//! card numbers (Luhn-checked), IBANs (mod-97-checked), US social security numbers, IP
//! addresses, API keys and private key blocks, and the values of password and secret
//! assignments become typed placeholders (`[EMAIL]`, `[PHONE]`, `[CARD]`, `[IBAN]`,
//! `[SSN]`, `[IP]`, `[KEY]`, `[SECRET]`). Each detector errs on the side of leaving text
//! alone where a lookalike is common (dates, times, versions, amounts, order numbers, hex
//! hashes, UUIDs, words).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Item;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Email,
    Phone,
    Card,
    Ip,
    Key,
    Iban,
    Ssn,
    /// The value of a `password: ...` or `secret = ...` assignment.
    Secret,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Card => "card",
            Kind::Ip => "ip",
            Kind::Key => "key",
            Kind::Iban => "iban",
            Kind::Ssn => "ssn",
            Kind::Secret => "secret",
        }
    }

    fn placeholder(self) -> &'static str {
        match self {
            Kind::Email => "[EMAIL]",
            Kind::Phone => "[PHONE]",
            Kind::Card => "[CARD]",
            Kind::Ip => "[IP]",
            Kind::Key => "[KEY]",
            Kind::Iban => "[IBAN]",
            Kind::Ssn => "[SSN]",
            Kind::Secret => "[SECRET]",
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
            Some(Found { kept, end, kind }) => {
                out.extend(&chars[i..kept]);
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

/// Redacts every text a rater would see (input, output, reference, passages, metadata),
/// the judge's values and the id. An id derived from the content (the record had none) is
/// derived again from the redacted content: a hash of the original text would let anyone
/// who guesses that text confirm the guess. An id that itself holds personal data keeps
/// its redacted shape, made unique by the same hash.
pub fn redact_item(item: &mut Item, counts: &mut Counts) {
    let derived_id = item.id.len() == 16 && item.content_hash().starts_with(&item.id);
    item.input = redact(&item.input, counts);
    item.output = redact(&item.output, counts);
    if let Some(reference) = &item.reference {
        item.reference = Some(redact(reference, counts));
    }
    for passage in &mut item.context {
        *passage = redact(passage, counts);
    }
    redact_map(&mut item.metadata, counts);
    redact_map(&mut item.judge, counts);
    // A conversation's or comparison's text lives in its shape too.
    match &mut item.shape {
        super::Shape::Single => {}
        super::Shape::Conversation { messages } => redact_messages(messages, counts),
        super::Shape::Comparison { candidates } => {
            for candidate in candidates {
                candidate.output = redact(&candidate.output, counts);
                redact_messages(&mut candidate.messages, counts);
            }
        }
    }
    let content_id = || item.content_hash()[..16].to_string();
    if derived_id {
        item.id = content_id();
        return;
    }
    let id = redact(&item.id, counts);
    if id != item.id {
        item.id = format!("{id}-{}", content_id());
    }
}

/// Message contents (strings or parts) and tool call arguments.
fn redact_messages(messages: &mut [super::conversation::Message], counts: &mut Counts) {
    for message in messages {
        redact_value(&mut message.content, counts);
        for call in &mut message.tool_calls {
            call.function.arguments = redact(&call.function.arguments, counts);
        }
    }
}

fn redact_value(value: &mut Value, counts: &mut Counts) {
    match value {
        Value::String(text) => *text = redact(text, counts),
        Value::Array(items) => items.iter_mut().for_each(|item| redact_value(item, counts)),
        Value::Object(map) => redact_map(map, counts),
        _ => {}
    }
}

fn redact_map(map: &mut Map<String, Value>, counts: &mut Counts) {
    for (key, value) in map.iter_mut() {
        match value {
            // `{"password": "hunter2"}`: the key says what the value is.
            Value::String(text) if is_secret_name(key) && !text.is_empty() => {
                *text = Kind::Secret.placeholder().to_string();
                *counts.entry(Kind::Secret).or_default() += 1;
            }
            _ => redact_value(value, counts),
        }
    }
}

fn is_word(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_' || ch == '-'
}

/// A detected span: `start..kept` stays as it is (the name of an assignment), `kept..end`
/// becomes the placeholder of `kind`.
struct Found {
    kept: usize,
    end: usize,
    kind: Kind,
}

/// The first detector that matches at `start`.
fn detect(chars: &[char], start: usize) -> Option<Found> {
    let whole = |kind: Kind| move |end: usize| Found { kept: start, end, kind };
    private_key_block(chars, start)
        .map(whole(Kind::Key))
        .or_else(|| secret_assignment(chars, start).map(|(kept, end)| Found { kept, end, kind: Kind::Secret }))
        .or_else(|| email(chars, start).map(whole(Kind::Email)))
        .or_else(|| iban(chars, start).map(whole(Kind::Iban)))
        .or_else(|| key(chars, start).map(whole(Kind::Key)))
        .or_else(|| ip(chars, start).map(whole(Kind::Ip)))
        .or_else(|| digits(chars, start).map(|(end, kind)| Found { kept: start, end, kind }))
}

fn starts_with(chars: &[char], at: usize, text: &str) -> bool {
    let mut rest = chars.get(at..).unwrap_or_default().iter();
    text.chars().all(|expected| rest.next() == Some(&expected))
}

/// The index just past the first `text` at or after `from`.
fn find(chars: &[char], from: usize, text: &str) -> Option<usize> {
    (from..chars.len()).find(|&at| starts_with(chars, at, text)).map(|at| at + text.chars().count())
}

/// `-----BEGIN ... PRIVATE KEY-----` to its `-----END ... PRIVATE KEY-----`, or to the end
/// of the text when the block is cut off (what is there is still secret).
fn private_key_block(chars: &[char], start: usize) -> Option<usize> {
    if !starts_with(chars, start, "-----BEGIN ") {
        return None;
    }
    let header_end = find(chars, start + "-----BEGIN ".len(), "-----").filter(|&end| end - start <= 80)?;
    let header: String = chars[start..header_end].iter().collect();
    if !header.ends_with("PRIVATE KEY-----") {
        return None;
    }
    let Some(footer) = find(chars, header_end, "-----END ") else {
        return Some(chars.len());
    };
    Some(find(chars, footer, "-----").unwrap_or(chars.len()))
}

/// `password`, `DB_PASSWD`, `client.secret`, `aws_secret_access_key`, `userPwd`.
fn is_secret_name(name: &str) -> bool {
    const NAMES: [&str; 5] = ["password", "passwd", "pwd", "secret", "passphrase"];
    let name = name.to_ascii_lowercase();
    name.split(['_', '-', '.']).any(|part| NAMES.contains(&part)) || NAMES.iter().any(|known| name.ends_with(known))
}

/// `password: hunter2`, `db_passwd="x y"`, `secret = abc`, `aws_secret_access_key=...`:
/// (where the value starts, where it ends). The name stays, the value goes.
fn secret_assignment(chars: &[char], start: usize) -> Option<(usize, usize)> {
    let name_char = |ch: char| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' || ch == '.';
    let mut at = start;
    while at < chars.len() && name_char(chars[at]) {
        at += 1;
    }
    let name: String = chars[start..at].iter().collect();
    if !is_secret_name(&name) {
        return None;
    }
    // An optional closing quote of a JSON or YAML key, then `:` or `=`.
    if matches!(chars.get(at), Some('"' | '\'')) {
        at += 1;
    }
    while chars.get(at) == Some(&' ') {
        at += 1;
    }
    if !matches!(chars.get(at), Some(':' | '=')) {
        return None;
    }
    at += 1;
    while chars.get(at) == Some(&' ') {
        at += 1;
    }
    let quote = chars.get(at).copied().filter(|ch| matches!(ch, '"' | '\''));
    let value_start = at + usize::from(quote.is_some());
    let mut end = value_start;
    while end < chars.len() {
        let ch = chars[end];
        let done = match quote {
            Some(quote) => ch == quote || ch == '\n',
            None => ch.is_whitespace() || matches!(ch, ',' | ';' | '"' | '\'' | '}' | ')'),
        };
        if done {
            break;
        }
        end += 1;
    }
    // A sentence's full stop is not part of the value.
    while quote.is_none() && end > value_start && chars[end - 1] == '.' {
        end -= 1;
    }
    (end > value_start).then_some((value_start, end))
}

/// local@domain.tld
fn email(chars: &[char], start: usize) -> Option<usize> {
    // Unicode letters too: `josé@bücher.de`, `user@例え.jp`.
    let local_char = |ch: char| ch.is_alphanumeric() || "._%+-".contains(ch);
    let mut at = start;
    while at < chars.len() && local_char(chars[at]) {
        at += 1;
    }
    if at == start || chars.get(at) != Some(&'@') {
        return None;
    }
    let domain_start = at + 1;
    let mut end = domain_start;
    while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '.' || chars[end] == '-') {
        end += 1;
    }
    while end > domain_start && chars[end - 1] == '.' {
        end -= 1; // a full stop ending the sentence
    }
    let domain: String = chars[domain_start..end].iter().collect();
    let tld = domain.rsplit('.').next()?;
    let ok = domain.contains('.') && tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic);
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
    if let Some(end) = aws_secret(chars, start) {
        return Some(end);
    }
    let high_entropy = token.len() >= 32
        && token.chars().any(|c| c.is_ascii_uppercase())
        && token.chars().any(|c| c.is_ascii_lowercase())
        && token.chars().any(|c| c.is_ascii_digit());
    (prefixed || aws || google || high_entropy).then_some(end)
}

/// An AWS secret access key: exactly 40 characters of base64 (`/` and `+` included) with
/// upper and lower case and digits (a git SHA-1 is lower-case hex).
fn aws_secret(chars: &[char], start: usize) -> Option<usize> {
    let base64 = |ch: char| ch.is_ascii_alphanumeric() || ch == '/' || ch == '+';
    let mut end = start;
    while end < chars.len() && base64(chars[end]) {
        end += 1;
    }
    let token = &chars[start..end];
    let shaped = token.len() == 40
        && token.iter().any(char::is_ascii_uppercase)
        && token.iter().any(char::is_ascii_lowercase)
        && token.iter().any(char::is_ascii_digit)
        && !chars.get(end).is_some_and(|&ch| is_word(ch) || ch == '=');
    shaped.then_some(end)
}

/// An IBAN: country code, two check digits and up to 30 letters or digits, written solid
/// or in groups of four, whose mod-97 checksum holds.
fn iban(chars: &[char], start: usize) -> Option<usize> {
    let upper_or_digit = |ch: char| ch.is_ascii_uppercase() || ch.is_ascii_digit();
    let shaped = chars.get(start..start + 4).is_some_and(|head| {
        head[0].is_ascii_uppercase() && head[1].is_ascii_uppercase() && head[2..].iter().all(char::is_ascii_digit)
    });
    if !shaped {
        return None;
    }
    // Every place the IBAN could end: after each group of a spaced IBAN, or the solid run.
    let mut compact = String::new();
    let mut ends: Vec<(usize, usize)> = Vec::new(); // (end in chars, length of compact)
    let mut at = start;
    loop {
        let group_start = at;
        while at < chars.len() && upper_or_digit(chars[at]) {
            compact.push(chars[at]);
            at += 1;
        }
        let group = at - group_start;
        if group == 0 || chars.get(at).is_some_and(|&ch| is_word(ch)) {
            break;
        }
        ends.push((at, compact.len()));
        // Groups of four, separated by one space; the last may be shorter.
        let spaced_on =
            group == 4 && chars.get(at) == Some(&' ') && chars.get(at + 1).is_some_and(|&c| upper_or_digit(c));
        if !spaced_on {
            break;
        }
        at += 1;
    }
    ends.into_iter()
        .rev()
        .find(|&(_, length)| (15..=34).contains(&length) && iban_checksum(&compact[..length]))
        .map(|(end, _)| end)
}

/// ISO 13616: the first four characters moved to the end, letters as 10..35, mod 97 is 1.
fn iban_checksum(iban: &str) -> bool {
    let (head, tail) = iban.split_at(4);
    let mut remainder: u32 = 0;
    for ch in tail.chars().chain(head.chars()) {
        let Some(value) = ch.to_digit(36) else { return false };
        let shift = if value >= 10 { 100 } else { 10 };
        remainder = (remainder * shift + value) % 97;
    }
    remainder == 1
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
    if follows_version_word(chars, start) {
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

/// `version 1.2.3.4`, `Version: 10.0.0.1`, `build 1.0.0.12`: a version, not an address.
fn follows_version_word(chars: &[char], start: usize) -> bool {
    let mut end = start;
    while end > 0 && matches!(chars[end - 1], ' ' | ':' | '=') {
        end -= 1;
    }
    let mut begin = end;
    while begin > 0 && chars[begin - 1].is_alphabetic() {
        begin -= 1;
    }
    let word: String = chars[begin..end].iter().collect::<String>().to_lowercase();
    end < start && matches!(word.as_str(), "version" | "versions" | "ver" | "release" | "build" | "firmware")
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
    // US social security number: 123-45-6789 (area not 000, 666 or 9xx; no zero group).
    if lengths == [3, 2, 4] && separators == "--" {
        let area: u32 = groups[0].parse().ok()?;
        let valid = area != 0 && area != 666 && area < 900 && groups[1] != "00" && groups[2] != "0000";
        return valid.then_some((end, Kind::Ssn));
    }
    // National formats with a trunk 0, in groups: 020 7946 0958, 07700 900123 (UK),
    // 030 12345678 (DE), 01 23 45 67 89 (FR), 03-1234-5678 (JP).
    let national = first == '0'
        && all.as_bytes().get(1).is_some_and(|&digit| digit != b'0')
        && (10..=11).contains(&all.len())
        && groups.len() >= 2
        && lengths.iter().all(|length| (2..=8).contains(length))
        && separators.chars().all(|c| c == ' ' || c == '-');
    if national {
        return Some((end, Kind::Phone));
    }
    // A US number written solid: 4155552671 (area code and exchange start with 2-9, so
    // 1234567890 stays an order number).
    let bytes = all.as_bytes();
    if groups.len() == 1 && bytes.len() == 10 && bytes[0] >= b'2' && bytes[3] >= b'2' {
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

    /// One case per kind added for issue 11: each is replaced, the text around it kept.
    #[test]
    fn ibans_are_replaced_when_their_checksum_holds() {
        assert_eq!(clean("pay GB82 WEST 1234 5698 7654 32 today").0, "pay [IBAN] today");
        assert_eq!(clean("IBAN: DE89370400440532013000.").0, "IBAN: [IBAN].");
        assert_eq!(clean("fr FR1420041010050500013M02606 ok").0, "fr [IBAN] ok");
        // One digit off: the checksum fails, so it is left alone.
        assert_eq!(clean("DE89370400440532013001 x").0, "DE89370400440532013001 x");
        assert!(iban_checksum("GB82WEST12345698765432"));
        assert!(!iban_checksum("GB83WEST12345698765432"));
    }

    #[test]
    fn us_social_security_numbers_are_replaced() {
        let (out, counts) = clean("SSN 123-45-6789, ok");
        assert_eq!(out, "SSN [SSN], ok");
        assert_eq!(counts[&Kind::Ssn], 1);
        // Never issued: area 000, 666 or 9xx, group 00, serial 0000.
        for text in ["000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000"] {
            assert_eq!(clean(text).0, text);
        }
    }

    #[test]
    fn national_phone_formats_are_replaced() {
        let cases = [
            ("uk 020 7946 0958 office", "uk [PHONE] office"),
            ("uk mobile 07700 900123.", "uk mobile [PHONE]."),
            ("de 030 12345678 ok", "de [PHONE] ok"),
            ("fr 01 23 45 67 89 ok", "fr [PHONE] ok"),
            ("jp 03-1234-5678 ok", "jp [PHONE] ok"),
            ("us 4155552671 ok", "us [PHONE] ok"),
        ];
        for (text, expected) in cases {
            let (out, counts) = clean(text);
            assert_eq!(out, expected, "{text}");
            assert_eq!(counts[&Kind::Phone], 1, "{text}");
        }
    }

    #[test]
    fn aws_secret_keys_are_replaced() {
        let cases = [
            ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = [SECRET]"),
            ("the key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY leaked", "the key [KEY] leaked"),
            ("id AKIAIOSFODNN7EXAMPLE", "id [KEY]"),
        ];
        for (text, expected) in cases {
            assert_eq!(clean(text).0, expected, "{text}");
        }
    }

    #[test]
    fn private_key_blocks_are_replaced_whole() {
        let text = "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x\nabc+/def==\n-----END RSA PRIVATE KEY-----\nthanks";
        assert_eq!(clean(text).0, "key:\n[KEY]\nthanks");
        let cut = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA";
        assert_eq!(clean(cut).0, "[KEY]");
        // A public key or a certificate is not a secret.
        let public = "-----BEGIN PUBLIC KEY-----\nMFkwEwYH\n-----END PUBLIC KEY-----";
        assert_eq!(clean(public).0, public);
    }

    #[test]
    fn password_and_secret_assignments_lose_their_value() {
        let cases = [
            ("password: hunter2 then", "password: [SECRET] then"),
            ("DB_PASSWORD=s3cr3t!", "DB_PASSWORD=[SECRET]"),
            ("passwd = 'two words' end", "passwd = '[SECRET]' end"),
            ("{\"pwd\": \"abc\"}", "{\"pwd\": \"[SECRET]\"}"),
            ("client_secret=xyz; next", "client_secret=[SECRET]; next"),
        ];
        for (text, expected) in cases {
            assert_eq!(clean(text).0, expected, "{text}");
        }
        // Prose about passwords has no value to hide.
        let prose = "reset your password in Settings; the secret is practice";
        assert_eq!(clean(prose).0, prose);
    }

    #[test]
    fn emails_with_non_ascii_domains_are_replaced() {
        assert_eq!(clean("write josé@bücher.de now").0, "write [EMAIL] now");
        assert_eq!(clean("or user@例え.jp.").0, "or [EMAIL].");
    }

    #[test]
    fn near_misses_of_the_new_kinds_are_left_alone() {
        let untouched = [
            "released 2024-01-15, version 1.2.3.4 and Version: 10.0.0.1",
            "order 1234567890 and order #20240115",
            "at 12:30 and 0:45",
            "commit 3f2a9c1d8e7b6a5f4c3d2e1f0a9b8c7d6e5f4a3b",
            "ISO 8601 and GB82 and DE89",
            "call 0800 and 01 23",
            "ratio 0.25 and 012-34",
        ];
        for text in untouched {
            let (out, counts) = clean(text);
            assert_eq!(out, text, "changed: {counts:?}");
        }
    }

    #[test]
    fn items_lose_personal_data_in_ids_and_judge_values() {
        let mut item = Item {
            id: "alice@example.com".into(),
            output: "fine".into(),
            judge: serde_json::from_str(r#"{"note": "ask bob@example.com", "score": 4}"#).unwrap(),
            metadata: serde_json::from_str(r#"{"password": "hunter2"}"#).unwrap(),
            ..Item::default()
        };
        let mut counts = Counts::new();
        redact_item(&mut item, &mut counts);
        assert!(item.id.starts_with("[EMAIL]-") && item.id.len() == "[EMAIL]-".len() + 16, "{}", item.id);
        assert_eq!(item.judge["note"], "ask [EMAIL]");
        assert_eq!(item.judge["score"], 4);
        assert_eq!(item.metadata["password"], "[SECRET]");
        assert_eq!((counts[&Kind::Email], counts[&Kind::Secret]), (2, 1));

        // A derived id is derived again from the redacted content.
        let mut derived = Item { output: "mail ana@example.com".into(), ..Item::default() };
        derived.id = derived.content_hash()[..16].to_string();
        redact_item(&mut derived, &mut counts);
        assert_eq!(derived.output, "mail [EMAIL]");
        assert_eq!(derived.id, derived.content_hash()[..16]);
    }

    #[test]
    fn conversations_lose_personal_data_in_messages_and_tool_arguments() {
        let messages = serde_json::from_str(
            r#"[{"role": "user", "content": [{"type": "text", "text": "I am ana@example.com"}]},
                {"role": "assistant", "tool_calls": [{"id": "c", "type": "function",
                  "function": {"name": "find", "arguments": "{\"email\": \"ana@example.com\"}"}}]},
                {"role": "tool", "tool_call_id": "c", "content": "ana@example.com: 2 orders"}]"#,
        )
        .unwrap();
        let mut item = Item { shape: super::super::Shape::Conversation { messages }, ..Item::default() };
        let mut counts = Counts::new();
        redact_item(&mut item, &mut counts);
        let messages = item.shape.messages();
        assert_eq!(messages[0].text(), "I am [EMAIL]");
        assert_eq!(messages[1].tool_calls[0].function.arguments, "{\"email\": \"[EMAIL]\"}");
        assert_eq!(messages[2].text(), "[EMAIL]: 2 orders");
        assert_eq!(counts[&Kind::Email], 3);
    }

    #[test]
    fn luhn_checksum() {
        assert!(luhn("4111111111111111"));
        assert!(!luhn("4111111111111112"));
        assert!(luhn("79927398713"));
    }
}
