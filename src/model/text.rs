//! Untrusted text (model outputs, ids, rater names) made safe to put on a terminal.

use std::borrow::Cow;

/// Replaces every character that could drive the terminal (C0 and C1 controls, DEL,
/// bidirectional overrides) with U+FFFD, expands tabs and drops carriage returns.
/// Newlines are kept: callers that need one line use [`single_line`].
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_replacing) {
        return Cow::Borrowed(text);
    }
    let mut clean = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\t' => clean.push_str("    "),
            '\r' => {}
            c if needs_replacing(c) => clean.push('\u{FFFD}'),
            c => clean.push(c),
        }
    }
    Cow::Owned(clean)
}

/// [`sanitize`], with newlines shown as spaces: for table cells and titles.
pub fn single_line(text: &str) -> String {
    sanitize(text).replace('\n', " ")
}

/// A CSV cell a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets a leading `'` (OWASP's advice on CSV injection).
/// Numbers such as `-0.5` or `+3` are data and stay as they are, and so does a lone `-`
/// (a report's "no value"): one character is no formula.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    let risky = cell.len() > 1 && cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.trim().parse::<f64>().is_err() { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

fn needs_replacing(ch: char) -> bool {
    match ch {
        '\n' => false,
        '\t' | '\r' => true,
        c if c.is_control() => true,
        // Bidirectional embeddings, overrides and isolates can disguise what is shown.
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_numbers_kept() {
        for (cell, safe) in [
            ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-0.5", "-0.5"),
            ("+3", "+3"),
            ("-1e-3", "-1e-3"),
            ("plain", "plain"),
            ("-", "-"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(cell), safe, "{cell:?}");
        }
    }

    #[test]
    fn escape_sequences_cannot_reach_the_terminal() {
        let hostile = "ok\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\u{7f}";
        let clean = sanitize(hostile);
        assert!(!clean.chars().any(|c| c.is_control() && c != '\n'));
        assert!(clean.starts_with("ok\u{FFFD}[2J"));
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(sanitize("héllo\nworld"), Cow::Borrowed(_)));
    }

    #[test]
    fn tabs_expand_and_carriage_returns_vanish() {
        assert_eq!(sanitize("a\tb\r\n"), "a    b\n");
        assert_eq!(single_line("a\nb"), "a b");
    }
}
