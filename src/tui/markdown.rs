//! Enough Markdown for rubric guidelines: headings, bullet and numbered lists, block
//! quotes, fenced code, and inline `code`, **strong** and *emphasis*. Text is sanitised
//! first: guidelines come from files.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::theme::Theme;
use crate::model::text::single_line;

pub fn render(markdown: &str, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut in_code = false;
    for raw in markdown.lines() {
        let line = single_line(raw);
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            lines.push(Line::styled(format!("    {line}"), theme.code()));
            continue;
        }
        let hashes = trimmed.chars().take_while(|&ch| ch == '#').count();
        if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
            let text = trimmed[hashes..].trim().to_string();
            let style = if hashes == 1 { theme.heading().add_modifier(Modifier::UNDERLINED) } else { theme.heading() };
            lines.push(Line::styled(text, style));
            continue;
        }
        let indent = line.len() - trimmed.len();
        let pad = " ".repeat(indent);
        let (prefix, rest) = if let Some(rest) = trimmed.strip_prefix("- ").or_else(|| trimmed.strip_prefix("* ")) {
            (format!("{pad}• "), rest)
        } else if let Some(rest) = trimmed.strip_prefix("> ") {
            (format!("{pad}│ "), rest)
        } else {
            (pad, trimmed)
        };
        let mut spans = vec![Span::raw(prefix)];
        spans.extend(inline(rest, theme));
        lines.push(Line::from(spans));
    }
    lines
}

/// `code`, **strong**, *emphasis* and _emphasis_ within a line.
fn inline(text: &str, theme: Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    let mut previous = ' ';
    while let Some(ch) = rest.chars().next() {
        let italic = Style::new().add_modifier(Modifier::ITALIC);
        let marker = match ch {
            '`' => Some(("`", theme.code())),
            '*' if rest.starts_with("**") => Some(("**", Style::new().add_modifier(Modifier::BOLD))),
            '*' => Some(("*", italic)),
            // Underscores inside a word (snake_case) are not emphasis.
            '_' if !previous.is_alphanumeric() => Some(("_", italic)),
            _ => None,
        };
        let closing = |marker: &str| {
            let end = rest[marker.len()..].find(marker).filter(|&end| end > 0)?;
            let after = rest[marker.len() * 2 + end..].chars().next().unwrap_or(' ');
            (marker != "_" || !after.is_alphanumeric()).then_some(end)
        };
        if let Some((marker, style)) = marker
            && let Some(end) = closing(marker)
        {
            if !plain.is_empty() {
                spans.push(Span::raw(std::mem::take(&mut plain)));
            }
            let inner = &rest[marker.len()..marker.len() + end];
            spans.push(Span::styled(inner.to_string(), style));
            rest = &rest[marker.len() * 2 + end..];
            previous = ' ';
            continue;
        }
        plain.push(ch);
        previous = ch;
        rest = &rest[ch.len_utf8()..];
    }
    if !plain.is_empty() {
        spans.push(Span::raw(plain));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|line| line.spans.iter().map(|span| span.content.as_ref()).collect()).collect()
    }

    #[test]
    fn headings_lists_code_and_inline_marks() {
        let markdown = "# Title\n\n## Part\n- one `x`\n  * two **bold** and *it*\n1. first\n> quoted\n```\nlet a = 1;\n```\nsnake_case_name";
        let lines = render(markdown, Theme::plain());
        assert_eq!(
            text(&lines),
            [
                "Title",
                "",
                "Part",
                "• one x",
                "  • two bold and it",
                "1. first",
                "│ quoted",
                "    let a = 1;",
                "snake_case_name"
            ]
        );
        assert!(lines[0].style.add_modifier.contains(Modifier::UNDERLINED));
        let bold = &lines[4].spans[2];
        assert_eq!((bold.content.as_ref(), bold.style.add_modifier.contains(Modifier::BOLD)), ("bold", true));
    }

    #[test]
    fn escapes_in_guidelines_are_not_passed_on() {
        let lines = render("# \u{1b}]0;pwned\u{7}Title", Theme::plain());
        assert!(!text(&lines)[0].contains('\u{1b}'));
    }
}
