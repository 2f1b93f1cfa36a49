//! A small multi-line text editor: a cursor that moves by character and line, Unicode
//! (the cursor counts chars, not bytes), insertion of pasted text.

/// Text with a cursor, as a char index into it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Editor {
    text: String,
    cursor: usize,
}

impl Editor {
    /// Starts with `text`, the cursor at its end.
    pub fn new(text: &str) -> Editor {
        Editor { text: text.to_string(), cursor: text.chars().count() }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn byte_at(&self, char_index: usize) -> usize {
        self.text.char_indices().nth(char_index).map_or(self.text.len(), |(byte, _)| byte)
    }

    fn len(&self) -> usize {
        self.text.chars().count()
    }

    pub fn insert(&mut self, ch: char) {
        let at = self.byte_at(self.cursor);
        self.text.insert(at, ch);
        self.cursor += 1;
    }

    /// Pasted text, with Windows line ends made plain.
    pub fn insert_str(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let at = self.byte_at(self.cursor);
        self.text.insert_str(at, &text);
        self.cursor += text.chars().count();
    }

    /// Deletes the character before the cursor.
    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    /// Deletes the character under the cursor.
    pub fn delete(&mut self) {
        if self.cursor < self.len() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.len());
    }

    /// (line, column) of the cursor, in chars.
    pub fn position(&self) -> (usize, usize) {
        let before: String = self.text.chars().take(self.cursor).collect();
        let line = before.matches('\n').count();
        let column = before.chars().rev().take_while(|&ch| ch != '\n').count();
        (line, column)
    }

    /// Char index of the start of each line.
    fn line_starts(&self) -> Vec<usize> {
        let mut starts = vec![0];
        for (index, ch) in self.text.chars().enumerate() {
            if ch == '\n' {
                starts.push(index + 1);
            }
        }
        starts
    }

    fn line_length(&self, starts: &[usize], line: usize) -> usize {
        let end = starts.get(line + 1).map_or(self.len(), |next| next - 1);
        end - starts[line]
    }

    pub fn home(&mut self) {
        let (_, column) = self.position();
        self.cursor -= column;
    }

    pub fn end(&mut self) {
        let (line, _) = self.position();
        let starts = self.line_starts();
        self.cursor = starts[line] + self.line_length(&starts, line);
    }

    /// Moves up (`-1`) or down (`1`) a line, keeping the column where the line allows.
    pub fn vertical(&mut self, by: isize) {
        let (line, column) = self.position();
        let starts = self.line_starts();
        let target = line as isize + by;
        if target < 0 || target as usize >= starts.len() {
            return;
        }
        let target = target as usize;
        self.cursor = starts[target] + column.min(self.line_length(&starts, target));
    }

    /// The text split in lines, with the cursor's line and column.
    pub fn lines(&self) -> (Vec<String>, usize, usize) {
        let (line, column) = self.position();
        (self.text.split('\n').map(str::to_string).collect(), line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_and_cursor_moves() {
        let mut editor = Editor::new("héllo");
        editor.left();
        editor.left();
        editor.insert('✓');
        assert_eq!(editor.text(), "hél✓lo");
        editor.backspace();
        editor.delete();
        assert_eq!(editor.text(), "hélo");
        editor.home();
        editor.insert('>');
        assert_eq!((editor.text(), editor.cursor()), (">hélo", 1));
        editor.end();
        assert_eq!(editor.cursor(), 5);
    }

    #[test]
    fn lines_and_paste() {
        let mut editor = Editor::new("");
        editor.insert_str("first line\r\nsecond\nthird line");
        assert_eq!(editor.position(), (2, 10));
        editor.vertical(-1);
        assert_eq!(editor.position(), (1, 6));
        editor.vertical(-1);
        assert_eq!(editor.position(), (0, 6));
        editor.insert('!');
        assert_eq!(editor.text(), "first !line\nsecond\nthird line");
        editor.vertical(5);
        assert_eq!(editor.position(), (0, 7));
        let (lines, line, column) = editor.lines();
        assert_eq!((lines.len(), line, column), (3, 0, 7));
    }
}
