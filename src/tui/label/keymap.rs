//! Keys to actions for the label screen. Option hotkeys come from the rubric; these are
//! the screen's own keys: defaults here, patched by the rater's `keys.toml`. The footer
//! and the `?` overlay are built from the keymap in use.
//!
//! `keys.toml` names an action and its keys; an action listed there loses its default
//! keys, the others keep theirs:
//!
//! ```toml
//! [keys]
//! confirm = ["Enter", "C-j"]
//! focus_next = "Tab"
//! ```

use std::fmt;
use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What the rater asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// To the top or the end of the item (or the overlay, or the finder's list).
    Top,
    Bottom,
    /// Clear the focused criterion; in a field, delete the last character.
    Clear,
    /// Leave a field without saving it, or close the guidelines.
    Cancel,
    Help,
    Quit,
    /// Skip the item, giving a reason.
    Skip,
    /// Flag the item for review with a note, or take the flag away.
    Flag,
    /// Undo the last decision of this session.
    Undo,
    /// Go to an item by its number in the queue or its id.
    Jump,
    /// Fuzzy-find an item in the queue.
    Find,
    /// Fold or unfold the retrieved passages.
    TogglePassages,
    /// A conversation item: focus the next or the previous step.
    StepNext,
    StepPrevious,
    /// Unfold or fold the focused step (a tool result), or every tool result.
    ToggleStep,
    ToggleAllSteps,
    /// Go to step N of a conversation.
    JumpStep,
    /// Answer the `step` criterion ("which step went wrong?") with the focused step.
    MarkStep,
    /// On a comparison item: the next pane (left, right, prompt) for the scroll keys;
    /// on a narrow screen, the other candidate.
    SwitchSide,
}

impl Action {
    /// Every action a key can be bound to, with its name in `keys.toml`.
    pub const NAMED: [(Action, &'static str); 28] = [
        (Action::Confirm, "confirm"),
        (Action::Next, "next"),
        (Action::Previous, "previous"),
        (Action::FocusNext, "focus_next"),
        (Action::FocusPrevious, "focus_previous"),
        (Action::ScrollUp, "scroll_up"),
        (Action::ScrollDown, "scroll_down"),
        (Action::PageUp, "page_up"),
        (Action::PageDown, "page_down"),
        (Action::Top, "top"),
        (Action::Bottom, "bottom"),
        (Action::Clear, "clear"),
        (Action::Cancel, "cancel"),
        (Action::Help, "help"),
        (Action::Quit, "quit"),
        (Action::Skip, "skip"),
        (Action::Flag, "flag"),
        (Action::Undo, "undo"),
        (Action::Jump, "jump"),
        (Action::Find, "find"),
        (Action::TogglePassages, "toggle_passages"),
        (Action::StepNext, "step_next"),
        (Action::StepPrevious, "step_previous"),
        (Action::ToggleStep, "toggle_step"),
        (Action::ToggleAllSteps, "toggle_all_steps"),
        (Action::JumpStep, "jump_step"),
        (Action::MarkStep, "mark_step"),
        (Action::SwitchSide, "switch_side"),
    ];

    /// The action's name in `keys.toml`.
    pub fn name(self) -> &'static str {
        Action::NAMED.iter().find(|(action, _)| *action == self).map_or("", |(_, name)| name)
    }

    fn from_name(name: &str) -> Option<Action> {
        Action::NAMED.iter().find(|(_, known)| *known == name).map(|(action, _)| *action)
    }
}

/// The default keys of each action.
const DEFAULTS: &[(Action, &[&str])] = &[
    (Action::Confirm, &["Enter"]),
    (Action::FocusNext, &["Tab", "j"]),
    (Action::FocusPrevious, &["BackTab", "k"]),
    (Action::Previous, &["Left"]),
    (Action::Next, &["Right"]),
    (Action::ScrollUp, &["Up"]),
    (Action::ScrollDown, &["Down"]),
    (Action::PageUp, &["PageUp"]),
    (Action::PageDown, &["PageDown"]),
    (Action::Top, &["Home"]),
    (Action::Bottom, &["End"]),
    (Action::Clear, &["Backspace", "Delete"]),
    (Action::Cancel, &["Esc"]),
    (Action::Help, &["?"]),
    (Action::Quit, &["q", "C-c"]),
    (Action::Skip, &["C-s"]),
    (Action::Flag, &["C-f"]),
    (Action::Undo, &["C-z", "C-u"]),
    (Action::Jump, &["C-g"]),
    (Action::Find, &["/"]),
    (Action::TogglePassages, &["C-o"]),
    // Each with a Control key too: a rubric may take the plain one for an option.
    (Action::StepNext, &["]", "C-n"]),
    (Action::StepPrevious, &["[", "C-p"]),
    (Action::ToggleStep, &["Space", "C-t"]),
    (Action::ToggleAllSteps, &["*", "C-e"]),
    (Action::JumpStep, &[":", "C-l"]),
    (Action::MarkStep, &["!", "C-b"]),
    (Action::SwitchSide, &["C-x"]),
];

/// The footer: groups of actions and what they do, shown with their keys.
const FOOTER: &[(&[Action], &str)] = &[
    (&[Action::Confirm], "confirm"),
    (&[Action::FocusNext], "field"),
    (&[Action::Previous, Action::Next], "item"),
    (&[Action::Undo], "undo"),
    (&[Action::Skip], "skip"),
    (&[Action::Flag], "flag"),
    (&[Action::Help], "help"),
    (&[Action::Quit], "quit"),
];

/// One key, with Control or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub control: bool,
}

const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("Backspace", KeyCode::Backspace),
    ("Delete", KeyCode::Delete),
    ("Esc", KeyCode::Esc),
    ("Space", KeyCode::Char(' ')),
];

impl Key {
    /// `Enter`, `Left`, `x`, `C-x` (Control), `F5`, `Space`...
    pub fn parse(text: &str) -> Option<Key> {
        let (control, rest) = match text.strip_prefix("C-") {
            Some(rest) if !rest.is_empty() => (true, rest),
            _ => (false, text),
        };
        let code = if let Some((_, code)) = NAMED_KEYS.iter().find(|(name, _)| name.eq_ignore_ascii_case(rest)) {
            *code
        } else if let Some(number) = rest.strip_prefix('F').and_then(|n| n.parse::<u8>().ok()) {
            if !(1..=12).contains(&number) {
                return None;
            }
            KeyCode::F(number)
        } else {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(ch), None) if !ch.is_control() => {
                    KeyCode::Char(if control { ch.to_ascii_lowercase() } else { ch })
                }
                _ => return None,
            }
        };
        Some(Key { code, control })
    }

    fn of(event: KeyEvent) -> Key {
        Key { code: event.code, control: event.modifiers.contains(KeyModifiers::CONTROL) }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.control {
            f.write_str("C-")?;
        }
        match self.code {
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Backspace => f.write_str("⌫"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(ch) => write!(f, "{ch}"),
            KeyCode::F(number) => write!(f, "F{number}"),
            other => write!(f, "{other}"),
        }
    }
}

/// The screen's keys: which key does what.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    bindings: Vec<(Key, Action)>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        let bindings = DEFAULTS
            .iter()
            .flat_map(|(action, keys)| keys.iter().filter_map(|key| Some((Key::parse(key)?, *action))))
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults patched by the file at `path`, if there is one, and what was wrong
    /// in it (each problem keeps the defaults of the action it concerns).
    pub fn load(path: &Path) -> (Keymap, Vec<String>) {
        let mut keymap = Keymap::default();
        let problems = match std::fs::read_to_string(path) {
            Ok(text) => keymap.patch(&text, &path.display().to_string()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(err) => vec![format!("{}: {err}; default keys kept", path.display())],
        };
        (keymap, problems)
    }

    /// Applies a `keys.toml` text; returns its problems, each naming `origin` and the key.
    pub fn patch(&mut self, text: &str, origin: &str) -> Vec<String> {
        let table: toml::Table = match toml::from_str(text) {
            Ok(table) => table,
            Err(err) => return vec![format!("{origin}: {}; default keys kept", err.message())],
        };
        let mut problems = Vec::new();
        let Some(keys) = table.get("keys") else {
            return vec![format!("{origin}: no [keys] table; default keys kept")];
        };
        let Some(keys) = keys.as_table() else {
            return vec![format!("{origin}: `keys` must be a table; default keys kept")];
        };
        for (name, value) in keys {
            let Some(action) = Action::from_name(name) else {
                let known: Vec<&str> = Action::NAMED.iter().map(|(_, name)| *name).collect();
                problems.push(format!("{origin}: keys.{name}: no such action (known: {})", known.join(", ")));
                continue;
            };
            let texts: Option<Vec<&str>> = match value {
                toml::Value::String(text) => Some(vec![text.as_str()]),
                toml::Value::Array(items) => items.iter().map(toml::Value::as_str).collect(),
                _ => None,
            };
            let Some(texts) = texts else {
                problems.push(format!("{origin}: keys.{name}: expected a key or a list of keys; default kept"));
                continue;
            };
            let parsed: Result<Vec<Key>, &str> = texts.iter().map(|text| Key::parse(text).ok_or(*text)).collect();
            match parsed {
                Ok(new_keys) if !new_keys.is_empty() => {
                    // The action's keys are replaced; a key it takes from another action
                    // leaves that one.
                    self.bindings.retain(|(key, bound)| *bound != action && !new_keys.contains(key));
                    self.bindings.extend(new_keys.into_iter().map(|key| (key, action)));
                }
                Ok(_) => problems.push(format!("{origin}: keys.{name}: no keys given; default kept")),
                Err(bad) => problems.push(format!(
                    "{origin}: keys.{name}: `{bad}` is not a key (try Enter, Tab, Left, x, C-x, F5); default kept"
                )),
            }
        }
        problems
    }

    /// The action for a key press. `editing`: a text field has focus, so printable keys
    /// are text. `is_option_key`: a plain character the rubric uses as an option key is
    /// that option, whatever the keymap says.
    pub fn action(&self, key: KeyEvent, editing: bool, is_option_key: impl Fn(char) -> bool) -> Option<Action> {
        if key.kind == KeyEventKind::Release || key.modifiers.contains(KeyModifiers::ALT) {
            return None;
        }
        let pressed = Key::of(key);
        if let (false, KeyCode::Char(ch)) = (pressed.control, pressed.code)
            && (editing || is_option_key(ch))
        {
            return Some(Action::Char(ch));
        }
        self.bindings.iter().find(|(bound, _)| *bound == pressed).map(|(_, action)| *action).or(match pressed.code {
            KeyCode::Char(ch) if !pressed.control => Some(Action::Char(ch)),
            _ => None,
        })
    }

    /// The keys bound to `action`, as shown to the rater.
    pub fn keys(&self, action: Action) -> Vec<String> {
        self.bindings.iter().filter(|(_, bound)| *bound == action).map(|(key, _)| key.to_string()).collect()
    }

    /// (keys, description) for the footer: the first key of each action.
    pub fn footer(&self) -> Vec<(String, &'static str)> {
        FOOTER
            .iter()
            .map(|(actions, text)| {
                let keys: Vec<String> =
                    actions.iter().filter_map(|action| self.keys(*action).into_iter().next()).collect();
                (keys.join("/"), *text)
            })
            .filter(|(keys, _)| !keys.is_empty())
            .collect()
    }

    /// Plain keys bound to an action that `is_option_key` takes for the rubric instead,
    /// with the action's name: the keymap entries a rubric silently disables.
    pub fn shadowed(&self, is_option_key: impl Fn(char) -> bool) -> Vec<(char, &'static str)> {
        self.bindings
            .iter()
            .filter_map(|(key, action)| match key.code {
                KeyCode::Char(ch) if !key.control && is_option_key(ch) => Some((ch, action.name())),
                _ => None,
            })
            .collect()
    }

    /// Drops the bindings `is_option_key` takes for the rubric (they never fire), so the
    /// footer and the overlay show only keys that do what they say; returns them.
    pub fn drop_shadowed(&mut self, is_option_key: impl Fn(char) -> bool) -> Vec<(char, &'static str)> {
        let shadowed = self.shadowed(&is_option_key);
        self.bindings.retain(|(key, _)| !matches!(key.code, KeyCode::Char(ch) if !key.control && is_option_key(ch)));
        shadowed
    }

    /// (keys, action name) for the `?` overlay: every action and all its keys.
    pub fn reference(&self) -> Vec<(String, &'static str)> {
        Action::NAMED.iter().map(|(action, name)| (self.keys(*action).join(" "), *name)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn no_options(_: char) -> bool {
        false
    }

    #[test]
    fn q_quits_unless_typing() {
        let keymap = Keymap::default();
        assert_eq!(keymap.action(press(KeyCode::Char('q')), false, no_options), Some(Action::Quit));
        assert_eq!(keymap.action(press(KeyCode::Char('q')), true, no_options), Some(Action::Char('q')));
        assert_eq!(keymap.action(press(KeyCode::Enter), true, no_options), Some(Action::Confirm));
        let control_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(keymap.action(control_c, true, no_options), Some(Action::Quit));
    }

    #[test]
    fn releases_are_ignored() {
        let mut key = press(KeyCode::Char('y'));
        key.kind = KeyEventKind::Release;
        assert_eq!(Keymap::default().action(key, false, no_options), None);
    }

    #[test]
    fn footer_and_reference_are_built_from_the_bindings() {
        let keymap = Keymap::default();
        let footer = keymap.footer();
        assert_eq!(footer[0], ("Enter".to_string(), "confirm"));
        assert!(footer.contains(&("←/→".to_string(), "item")));
        assert!(keymap.reference().contains(&("q C-c".to_string(), "quit")));
    }

    #[test]
    fn every_default_key_parses_and_every_action_has_a_name() {
        let parsed: usize = DEFAULTS.iter().map(|(_, keys)| keys.len()).sum();
        assert_eq!(Keymap::default().bindings.len(), parsed);
        for (action, _) in DEFAULTS {
            assert!(Action::NAMED.iter().any(|(named, _)| named == action));
        }
    }

    #[test]
    fn a_partial_file_patches_the_defaults() {
        let mut keymap = Keymap::default();
        let problems = keymap.patch("[keys]\nconfirm = [\"Enter\", \"C-j\"]\nnext = \"l\"\n", "keys.toml");
        assert!(problems.is_empty(), "{problems:?}");
        let control_j = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL);
        assert_eq!(keymap.action(control_j, false, no_options), Some(Action::Confirm));
        assert_eq!(keymap.action(press(KeyCode::Char('l')), false, no_options), Some(Action::Next));
        // Right no longer moves on; Left still goes back.
        assert_eq!(keymap.action(press(KeyCode::Right), false, no_options), None);
        assert_eq!(keymap.action(press(KeyCode::Left), false, no_options), Some(Action::Previous));
    }

    #[test]
    fn problems_name_file_and_key_and_keep_the_defaults() {
        let mut keymap = Keymap::default();
        let problems = keymap.patch("[keys]\nconfrim = \"x\"\nquit = \"Ctrl+Q\"\nhelp = 3\n", "/home/a/keys.toml");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("/home/a/keys.toml: keys.confrim: no such action"), "{}", problems[0]);
        assert!(problems.iter().any(|p| p.contains("keys.quit: `Ctrl+Q` is not a key")), "{problems:?}");
        assert_eq!(keymap, Keymap::default());
        let broken = Keymap::default().patch("[keys\n", "k.toml");
        assert!(broken[0].starts_with("k.toml: "), "{broken:?}");
    }

    #[test]
    fn option_keys_win_over_plain_screen_keys() {
        let mut keymap = Keymap::default();
        keymap.patch("[keys]\nfocus_next = [\"Tab\", \"j\"]\n", "k.toml");
        let j = press(KeyCode::Char('j'));
        assert_eq!(keymap.action(j, false, no_options), Some(Action::FocusNext));
        assert_eq!(keymap.action(j, false, |ch| ch == 'j'), Some(Action::Char('j')));
    }
}
