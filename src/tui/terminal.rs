//! Terminal set-up and restore, in one place. `ratatui::try_init` installs a panic hook
//! that restores the terminal before the panic message prints.

use ratatui::DefaultTerminal;

/// Runs `body` with the terminal in raw mode on the alternate screen, and restores it
/// afterwards whatever happens (errors, and panics through ratatui's hook).
pub fn with_terminal<T>(body: impl FnOnce(&mut DefaultTerminal) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let mut terminal = ratatui::try_init().map_err(|err| {
        ratatui::restore();
        anyhow::anyhow!("cannot set up the terminal (is this an interactive terminal?): {err}")
    })?;
    let result = body(&mut terminal);
    ratatui::restore();
    result
}
