//! The terminal screens. Each screen is plain state plus `update(Action) -> Vec<Effect>`
//! and a read-only `render`; the event loop performs effects against the store, so
//! screens are tested by feeding actions, with no terminal and no database.

pub mod dashboard;
pub mod editor;
pub mod label;
pub mod markdown;
pub mod review;
pub mod search;
pub mod terminal;
pub mod theme;
pub mod wrap;

/// Smallest terminal the screens lay out in; below it they say so instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Whether a terminal this size shows a screen. Below it keys other than quit do
/// nothing: a rater cannot decide on what they cannot see.
pub fn fits(width: u16, height: u16) -> bool {
    width >= MIN_WIDTH && height >= MIN_HEIGHT
}

/// What a drawn buffer shows, a line of text per row: how screen tests read the screen.
pub fn buffer_text(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut text = String::new();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}
