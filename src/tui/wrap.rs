//! Word wrapping done by the screens themselves, so they know how many rows a text
//! takes: scrolling then stops at its end and a pane can say where it is.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// `lines` wrapped at spaces to rows at most `width` columns wide (a word wider than a
/// row is cut), keeping each span's style and each line's own style. An empty line
/// stays one empty row.
pub fn wrap(lines: &[Line], width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(1));
    let mut rows = Vec::with_capacity(lines.len());
    for line in lines {
        let cells: Vec<(char, Style, usize)> = line
            .spans
            .iter()
            .flat_map(|span| span.content.chars().map(move |ch| (ch, span.style, char_width(ch))))
            .collect();
        let mut start = 0;
        while start < cells.len() || (start == 0 && cells.is_empty()) {
            let mut end = start;
            let mut used = 0;
            let mut last_space = None;
            while end < cells.len() && used + cells[end].2 <= width {
                if cells[end].0 == ' ' {
                    last_space = Some(end);
                }
                used += cells[end].2;
                end += 1;
            }
            // Break after the last space of the row, unless the row ends the line, the
            // next character is a space, or the row has no space (a long word is cut).
            let (row_end, next) = match last_space {
                Some(space) if end < cells.len() && cells[end].0 != ' ' && space > start => (space, space + 1),
                _ if end == start && end < cells.len() => (end + 1, end + 1),
                _ => (end, end),
            };
            rows.push(row(&cells[start..row_end], line.style));
            start = next;
            // A space that falls on the break belongs to neither row.
            while start < cells.len() && start == end && cells[start].0 == ' ' {
                start += 1;
            }
            if cells.is_empty() {
                break;
            }
        }
    }
    rows
}

/// Columns a character takes (ratatui's measure; ASCII without asking).
fn char_width(ch: char) -> usize {
    if ch.is_ascii() {
        return usize::from(!ch.is_ascii_control());
    }
    let mut buffer = [0u8; 4];
    Span::raw(&*ch.encode_utf8(&mut buffer)).width()
}

fn row(cells: &[(char, Style, usize)], style: Style) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    for (ch, cell_style, _) in cells {
        match spans.last_mut() {
            Some(last) if last.style == *cell_style => last.content.to_mut().push(*ch),
            _ => spans.push(Span::styled(ch.to_string(), *cell_style)),
        }
    }
    Line::from(spans).style(style)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|line| line.spans.iter().map(|span| span.content.as_ref()).collect()).collect()
    }

    #[test]
    fn wraps_at_spaces_and_cuts_long_words() {
        let lines = [Line::raw("the quick brown fox"), Line::raw(""), Line::raw("abcdefghij")];
        assert_eq!(texts(&wrap(&lines, 10)), ["the quick", "brown fox", "", "abcdefghij"]);
        assert_eq!(texts(&wrap(&lines[2..], 4)), ["abcd", "efgh", "ij"]);
        assert_eq!(texts(&wrap(&[Line::raw("ab cd")], 2)), ["ab", "cd"]);
    }

    #[test]
    fn every_character_but_break_spaces_is_kept() {
        let text = "a bb ccc dddd eeeee ffffff";
        for width in 1..12 {
            let rows = texts(&wrap(&[Line::raw(text)], width));
            assert!(rows.iter().all(|row| row.chars().count() <= usize::from(width)), "{rows:?}");
            let kept: String = rows.concat().chars().filter(|ch| *ch != ' ').collect();
            assert_eq!(kept, text.replace(' ', ""), "width {width}: {rows:?}");
        }
    }
}
