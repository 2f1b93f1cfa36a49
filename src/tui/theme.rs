//! Styles, with colour only when NO_COLOR is unset (https://no-color.org). Colours are
//! ones that read on dark and light backgrounds alike (no yellow, no dark grey), and each
//! style also has a modifier, so no meaning rests on colour alone.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn from_env() -> Theme {
        Theme { color: std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty()) }
    }

    pub fn plain() -> Theme {
        Theme { color: false }
    }

    fn fg(self, color: Color) -> Style {
        if self.color { Style::new().fg(color) } else { Style::new() }
    }

    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }

    pub fn heading(self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::BOLD)
    }

    pub fn key(self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::BOLD)
    }

    /// Code in guidelines.
    pub fn code(self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    /// Characters a search matched: underlined, so colour is not the only sign.
    pub fn matched(self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// A word one answer has and the other lacks: underlined, so colour is not the only sign.
    pub fn differs(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::UNDERLINED)
    }

    /// A chosen option.
    pub fn selected(self) -> Style {
        if self.color {
            Style::new().fg(Color::Black).bg(Color::Green).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    /// The criterion with focus.
    pub fn focus(self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    /// A criterion that does not apply to this item.
    pub fn muted(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }
}
