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

/// A long text for a pane (a model output can be 50 MB): sanitised once into one string,
/// and wrapped lazily by [`Rows`], so a frame costs what it shows, not the text's size.
#[derive(Debug, Default)]
pub struct Doc {
    /// The lines, separated by `\n`; no `\n` at all when there is one line or none.
    text: String,
    /// Whether it has a line at all (an empty string can be one empty line or none).
    lines: bool,
    /// Byte ranges (start, end) drawn in a style of their own, in order.
    styled: Vec<(usize, usize, Style)>,
    /// Words (byte ranges, in order, never overlapping) drawn in a style of their own
    /// inside a row: a diff's highlight.
    marks: Vec<(usize, usize, Style)>,
}

impl Doc {
    /// Appends `text` as lines, split as ratatui's `Text::raw` splits (a last `\n` ends
    /// a line; an empty text is one empty line), sanitised: nothing in it drives the terminal.
    pub fn lines(&mut self, text: &str, style: Style) {
        let clean = crate::model::text::sanitize(text);
        self.push(clean.strip_suffix('\n').unwrap_or(&clean), style);
    }

    /// Appends one line (more when `text` holds newlines), sanitised.
    pub fn line(&mut self, text: &str, style: Style) {
        self.push(&crate::model::text::sanitize(text), style);
    }

    /// Appends `text` as [`Doc::lines`] does, taking it rather than copying it (a model
    /// output can be 50 MB: the doc then costs its size once, not twice): what is in
    /// the doc so far is put in front of it. Gives the bytes it holds in the doc, for
    /// [`Doc::take`]. `clean`: it is sanitised and its last `\n` gone already (it came
    /// from [`Doc::take`]).
    pub fn lines_taken(&mut self, text: String, clean: bool) -> std::ops::Range<usize> {
        let mut text = match (clean, crate::model::text::sanitize(&text)) {
            (false, std::borrow::Cow::Owned(sanitised)) => sanitised,
            _ => text,
        };
        if !clean && text.ends_with('\n') {
            text.pop();
        }
        let mut before = std::mem::take(&mut self.text);
        if self.lines {
            before.push('\n');
        }
        self.lines = true;
        let start = before.len();
        text.insert_str(0, &before);
        self.text = text;
        start..self.text.len()
    }

    /// The bytes `range` of the doc's text, without copying them: the doc is used up.
    pub fn take(self, range: std::ops::Range<usize>) -> String {
        let mut text = self.text;
        text.truncate(range.end);
        text.drain(..range.start);
        text
    }

    /// Appends `text` as [`Doc::lines`] does, drawing in `style` each word (a run without
    /// white space) for which `marked` is true.
    pub fn lines_marking(&mut self, text: &str, marked: impl Fn(&str) -> bool, style: Style) {
        let clean = crate::model::text::sanitize(text);
        let clean = clean.strip_suffix('\n').unwrap_or(&clean);
        let base = self.text.len() + usize::from(self.lines);
        let mut word_start = None;
        for (at, ch) in clean.char_indices().chain(std::iter::once((clean.len(), ' '))) {
            match (ch.is_whitespace(), word_start) {
                (false, None) => word_start = Some(at),
                (true, Some(start)) => {
                    if marked(&clean[start..at]) {
                        self.marks.push((base + start, base + at, style));
                    }
                    word_start = None;
                }
                _ => {}
            }
        }
        self.push(clean, Style::default());
    }

    /// Appends `clean`, already sanitised, as a line.
    fn push(&mut self, clean: &str, style: Style) {
        if self.lines {
            self.text.push('\n');
        }
        self.lines = true;
        let start = self.text.len();
        self.text.push_str(clean);
        if style != Style::default() {
            self.styled.push((start, self.text.len(), style));
        }
    }

    /// The bytes of its text.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn has_lines(&self) -> bool {
        self.lines
    }

    fn draw(&self, start: usize, end: usize) -> Line<'static> {
        let first = self.marks.partition_point(|&(_, mark_end, _)| mark_end <= start);
        let mut spans = Vec::new();
        let mut at = start;
        for &(mark_start, mark_end, style) in
            self.marks[first..].iter().take_while(|(mark_start, ..)| *mark_start < end)
        {
            let (from, to) = (mark_start.max(at), mark_end.min(end));
            if from > at {
                spans.push(Span::raw(self.text[at..from].to_string()));
            }
            spans.push(Span::styled(self.text[from..to].to_string(), style));
            at = to;
        }
        if at < end || spans.is_empty() {
            spans.push(Span::raw(self.text[at..end].to_string()));
        }
        Line::from(spans).style(self.style_at(start))
    }

    fn style_at(&self, at: usize) -> Style {
        let after = self.styled.partition_point(|&(start, _, _)| start <= at);
        match after.checked_sub(1).map(|index| self.styled[index]) {
            Some((_, end, style)) if at <= end => style,
            _ => Style::default(),
        }
    }

    /// The row starting at byte `start` at `width` columns: where it ends and where the
    /// next row starts (`None` after the last). The same rows as [`wrap`] gives.
    fn row_at(&self, start: usize, width: usize) -> (usize, Option<usize>) {
        let text = self.text.as_bytes();
        let line_end = |at: usize| -> Option<usize> {
            match text.get(at) {
                Some(b'\n') => Some(at + 1),
                _ => None,
            }
        };
        let mut end = start;
        let mut used = 0;
        let mut last_space = None;
        let mut chars = self.text[start..].chars();
        let mut next_char = None;
        for ch in chars.by_ref() {
            if ch == '\n' {
                break;
            }
            let wide = char_width(ch);
            if used + wide > width {
                next_char = Some(ch);
                break;
            }
            if ch == ' ' {
                last_space = Some(end);
            }
            used += wide;
            end += ch.len_utf8();
        }
        let Some(next) = next_char else {
            // The row ends its line.
            return (end, line_end(end));
        };
        let (row_end, mut after) = match last_space {
            Some(space) if next != ' ' && space > start => (space, space + 1),
            _ if end == start => (end + next.len_utf8(), end + next.len_utf8()),
            _ => (end, end),
        };
        // A space that falls on the break belongs to neither row.
        if after == end && text.get(after) == Some(&b' ') {
            after += 1;
        }
        // Nothing left of the line: the next row starts the next line.
        if after >= text.len() || text[after] == b'\n' {
            return (row_end, line_end(after));
        }
        (row_end, Some(after))
    }
}

/// Rows are remembered every `MARK_EVERY`-th: a window is wrapped from the mark before it,
/// and the index of a text with millions of rows stays small.
const MARK_EVERY: usize = 64;

/// The rows of a [`Doc`] at one width, found as far as they have been asked for.
#[derive(Debug)]
pub struct Rows {
    width: usize,
    /// Byte start of rows 0, 64, 128, ...
    marks: Vec<usize>,
    /// Rows found so far, and where the next one starts (`None`: all are found).
    found: usize,
    next: Option<usize>,
}

impl Rows {
    pub fn new(doc: &Doc, width: u16) -> Rows {
        Rows { width: usize::from(width.max(1)), marks: Vec::new(), found: 0, next: doc.lines.then_some(0) }
    }

    pub fn width(&self) -> u16 {
        self.width.min(usize::from(u16::MAX)) as u16
    }

    /// How many rows the text takes, once all are found.
    pub fn total(&self) -> Option<usize> {
        if self.next.is_none() { Some(self.found) } else { None }
    }

    /// Finds rows until `rows` are known or the text ends.
    pub fn find(&mut self, doc: &Doc, rows: usize) {
        while self.found < rows && self.step(doc) {}
    }

    /// Finds rows through at most `bytes` more of the text: counting the total a little
    /// each frame keeps every frame short.
    pub fn find_some(&mut self, doc: &Doc, bytes: usize) {
        let Some(from) = self.next else { return };
        let until = from.saturating_add(bytes);
        while self.next.is_some_and(|next| next < until) && self.step(doc) {}
    }

    fn step(&mut self, doc: &Doc) -> bool {
        let Some(start) = self.next else { return false };
        if self.found.is_multiple_of(MARK_EVERY) {
            self.marks.push(start);
        }
        self.next = doc.row_at(start, self.width).1;
        self.found += 1;
        true
    }

    /// The `count` rows that end `up` rows above the text's last row, found by wrapping
    /// its last lines only: the end shows at once, before the rows above are counted.
    pub fn tail(&self, doc: &Doc, up: usize, count: usize) -> Vec<Line<'static>> {
        if !doc.lines {
            return Vec::new();
        }
        let want = up.saturating_add(count);
        let text = doc.text.as_bytes();
        let mut by_line: Vec<Vec<usize>> = Vec::new();
        let mut found = 0;
        let mut line_end = text.len();
        loop {
            let line_start = text[..line_end].iter().rposition(|&byte| byte == b'\n').map_or(0, |at| at + 1);
            let mut starts = Vec::new();
            let mut at = Some(line_start);
            while let Some(start) = at {
                starts.push(start);
                at = doc.row_at(start, self.width).1.filter(|&next| next <= line_end);
            }
            found += starts.len();
            by_line.push(starts);
            if found >= want || line_start == 0 {
                break;
            }
            line_end = line_start - 1;
        }
        let starts: Vec<usize> = by_line.into_iter().rev().flatten().collect();
        let stop = starts.len().saturating_sub(up);
        let first = stop.saturating_sub(count);
        starts[first..stop].iter().map(|&start| doc.draw(start, doc.row_at(start, self.width).0)).collect()
    }

    /// Rows `first..first + count` (fewer at the end), drawn.
    pub fn window(&mut self, doc: &Doc, first: usize, count: usize) -> Vec<Line<'static>> {
        self.find(doc, first.saturating_add(count));
        let Some(&mark) = self.marks.get(first / MARK_EVERY) else { return Vec::new() };
        let mut start = Some(mark);
        let mut row = first / MARK_EVERY * MARK_EVERY;
        let mut lines = Vec::with_capacity(count.min(1024));
        while let Some(at) = start {
            if row >= first.saturating_add(count) {
                break;
            }
            let (end, next) = doc.row_at(at, self.width);
            if row >= first {
                lines.push(doc.draw(at, end));
            }
            start = next;
            row += 1;
        }
        lines
    }
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

    /// Every row the lazy path draws is the row [`wrap`] draws, at every width, across
    /// empty lines, runs of spaces, long words and wide characters.
    #[test]
    fn lazy_rows_are_the_rows_wrap_gives() {
        let samples = [
            "",
            "\n",
            "a\n\nb\n",
            "the quick brown fox jumps over the lazy dog",
            "  lead and trail  \n   \nx  y   z",
            "abcdefghijklmnopqrstuvwxyz 0123456789 ab",
            "日本語のテキスト と English mixed 幅",
            "tab\there\rand \u{1b}[2J escape",
        ];
        for text in samples {
            let mut doc = Doc::default();
            doc.line("HEADING", Style::new().bold());
            doc.lines(text, Style::default());
            let mut lines = vec![Line::styled("HEADING", Style::new().bold())];
            lines.extend(ratatui::text::Text::raw(crate::model::text::sanitize(text).into_owned()).lines);
            for width in 1..30 {
                let expected = wrap(&lines, width);
                let mut rows = Rows::new(&doc, width);
                let all = rows.window(&doc, 0, usize::MAX);
                assert_eq!(texts(&all), texts(&expected), "{text:?} at {width}");
                assert_eq!(rows.total(), Some(expected.len()));
                assert!(all[0].style.add_modifier.contains(ratatui::style::Modifier::BOLD));
                // Any window, from a fresh index, is the same slice.
                for first in [0, 1, 3, expected.len().saturating_sub(2)] {
                    let mut fresh = Rows::new(&doc, width);
                    let window = fresh.window(&doc, first, 2);
                    let end = (first + 2).min(expected.len());
                    assert_eq!(texts(&window), texts(&expected[first.min(end)..end]), "{text:?} {width} {first}");
                }
            }
        }
    }

    /// The end, found from the last lines alone, is the end the whole index gives.
    #[test]
    fn the_tail_is_the_last_rows() {
        let text = "one two three\n\nfour five six seven eight\nnine\n\n";
        let mut doc = Doc::default();
        doc.line("H", Style::default());
        doc.lines(text, Style::default());
        doc.lines(&"x".repeat(40), Style::default());
        for width in 1..20 {
            let mut rows = Rows::new(&doc, width);
            let all = texts(&rows.window(&doc, 0, usize::MAX));
            for up in [0, 1, 2, 5, all.len(), all.len() + 3] {
                for count in [1, 3, 8] {
                    let stop = all.len().saturating_sub(up);
                    let expected = &all[stop.saturating_sub(count)..stop];
                    assert_eq!(texts(&rows.tail(&doc, up, count)), expected, "width {width} up {up} count {count}");
                }
            }
        }
        assert!(Rows::new(&Doc::default(), 5).tail(&Doc::default(), 0, 3).is_empty());
    }

    #[test]
    fn a_long_text_is_wrapped_only_as_far_as_asked_and_its_total_counted_in_steps() {
        let mut doc = Doc::default();
        doc.lines(&"word ".repeat(200_000), Style::default());
        let mut rows = Rows::new(&doc, 78);
        assert_eq!(texts(&rows.window(&doc, 0, 2)), ["word ".repeat(15).trim_end(), "word ".repeat(15).trim_end()]);
        assert_eq!((rows.found, rows.total()), (2, None));
        let mut steps = 0;
        while rows.total().is_none() {
            rows.find_some(&doc, 100_000);
            steps += 1;
        }
        assert_eq!(rows.total(), Some(200_000usize.div_ceil(15)));
        assert!(steps >= 9, "{steps}");
        assert!(rows.marks.len() <= rows.found / MARK_EVERY + 1);
    }

    #[test]
    fn marked_words_keep_their_style_across_rows() {
        let mut doc = Doc::default();
        doc.line("H", Style::default());
        let bold = Style::new().bold();
        doc.lines_marking("one two three four", |word| word.starts_with('t'), bold);
        let mut rows = Rows::new(&doc, 9);
        let drawn = rows.window(&doc, 0, usize::MAX);
        assert_eq!(texts(&drawn), ["H", "one two", "three", "four"]);
        let styled = |line: &Line| -> Vec<(String, bool)> {
            line.spans.iter().map(|span| (span.content.to_string(), span.style == bold)).collect()
        };
        assert_eq!(styled(&drawn[1]), [("one ".to_string(), false), ("two".to_string(), true)]);
        assert_eq!(styled(&drawn[2]), [("three".to_string(), true)]);
        assert_eq!(styled(&drawn[3]), [("four".to_string(), false)]);
        // A word cut over two rows is marked on both.
        let mut narrow = Rows::new(&doc, 3);
        let cut = narrow.window(&doc, 0, usize::MAX);
        assert_eq!(texts(&cut)[3..5], ["thr", "ee"]);
        assert!(cut[3..5].iter().all(|line| line.spans.iter().all(|span| span.style == bold)));
    }
}
