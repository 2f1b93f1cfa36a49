//! Keys to actions for the label screen. Option hotkeys come from the rubric; these are
//! the screen's own keys, and the help bar is built from this table.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What the rater asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// An option hotkey, or a character typed into a text or number field.
    Char(char),
    /// Confirm the item and move to the next one not yet done.
    Confirm,
    Next,
    Previous,
    FocusNext,
    FocusPrevious,
    ScrollUp,
    ScrollDown,
    PageUp,
    PageDown,
    /// Clear the focused criterion; in a field, delete the last character.
    Clear,
    /// Leave a field without saving it, or close the guidelines.
    Cancel,
    Help,
    Quit,
}

pub struct Binding {
    pub key: KeyCode,
    pub action: Action,
}

pub const BINDINGS: &[Binding] = &[
    Binding { key: KeyCode::Enter, action: Action::Confirm },
    Binding { key: KeyCode::Tab, action: Action::FocusNext },
    Binding { key: KeyCode::BackTab, action: Action::FocusPrevious },
    Binding { key: KeyCode::Left, action: Action::Previous },
    Binding { key: KeyCode::Right, action: Action::Next },
    Binding { key: KeyCode::Up, action: Action::ScrollUp },
    Binding { key: KeyCode::Down, action: Action::ScrollDown },
    Binding { key: KeyCode::PageUp, action: Action::PageUp },
    Binding { key: KeyCode::PageDown, action: Action::PageDown },
    Binding { key: KeyCode::Backspace, action: Action::Clear },
    Binding { key: KeyCode::Delete, action: Action::Clear },
    Binding { key: KeyCode::Esc, action: Action::Cancel },
    Binding { key: KeyCode::Char('?'), action: Action::Help },
    Binding { key: KeyCode::Char('q'), action: Action::Quit },
];

/// The help bar: groups of actions and what they do, shown with their keys.
pub const HELP: &[(&[Action], &str)] = &[
    (&[Action::Confirm], "confirm"),
    (&[Action::FocusNext], "field"),
    (&[Action::Previous, Action::Next], "item"),
    (&[Action::ScrollUp, Action::ScrollDown], "scroll"),
    (&[Action::Clear], "clear"),
    (&[Action::Help], "guide"),
    (&[Action::Quit], "quit"),
];

/// The action for a key press; `editing` when a text or number field has focus, where
/// printable keys are text rather than commands.
pub fn action(key: KeyEvent, editing: bool) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return (key.code == KeyCode::Char('c')).then_some(Action::Quit);
    }
    if key.modifiers.contains(KeyModifiers::ALT) {
        return None;
    }
    if let (true, KeyCode::Char(ch)) = (editing, key.code) {
        return Some(Action::Char(ch));
    }
    BINDINGS.iter().find(|binding| binding.key == key.code).map(|binding| binding.action).or(match key.code {
        KeyCode::Char(ch) => Some(Action::Char(ch)),
        _ => None,
    })
}

/// The label of the first key bound to `action`.
pub fn key_label(action: Action) -> String {
    let Some(binding) = BINDINGS.iter().find(|binding| binding.action == action) else {
        return String::new();
    };
    match binding.key {
        KeyCode::Enter => "Enter".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "S-Tab".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Backspace => "⌫".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Char(ch) => ch.to_string(),
        other => format!("{other}"),
    }
}

/// (keys, description) pairs for the help bar.
pub fn help_entries() -> Vec<(String, &'static str)> {
    HELP.iter()
        .map(|(actions, text)| (actions.iter().map(|a| key_label(*a)).collect::<Vec<_>>().join("/"), *text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn q_quits_unless_typing() {
        assert_eq!(action(press(KeyCode::Char('q')), false), Some(Action::Quit));
        assert_eq!(action(press(KeyCode::Char('q')), true), Some(Action::Char('q')));
        assert_eq!(action(press(KeyCode::Enter), true), Some(Action::Confirm));
        assert_eq!(action(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), true), Some(Action::Quit));
    }

    #[test]
    fn releases_are_ignored() {
        let mut key = press(KeyCode::Char('y'));
        key.kind = KeyEventKind::Release;
        assert_eq!(action(key, false), None);
    }

    #[test]
    fn help_is_built_from_the_bindings() {
        let entries = help_entries();
        assert_eq!(entries[0], ("Enter".to_string(), "confirm"));
        assert!(entries.contains(&("←/→".to_string(), "item")));
    }
}
