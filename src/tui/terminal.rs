//! Terminal set-up and restore, in one place. `ratatui::try_init` installs a panic hook
//! that restores the terminal before the panic message prints; SIGTERM and SIGHUP (a
//! closed SSH connection) ask the screen to quit, so the terminal is restored then too.

use std::io::stdout;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture};
use ratatui::crossterm::execute;

/// Set when the process is asked to stop (SIGTERM, SIGHUP): the event loop quits.
#[derive(Clone)]
pub struct StopSignal(Arc<AtomicBool>);

impl StopSignal {
    pub fn raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Runs `body` with the terminal in raw mode on the alternate screen, with bracketed
/// paste and the mouse wheel, and restores it afterwards whatever happens (errors,
/// panics, SIGTERM and SIGHUP).
pub fn with_terminal<T>(
    body: impl FnOnce(&mut DefaultTerminal, &StopSignal) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let stop = StopSignal(Arc::new(AtomicBool::new(false)));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(signal, Arc::clone(&stop.0))
            .map_err(|err| anyhow::anyhow!("cannot watch for signal {signal}: {err}"))?;
    }
    let mut terminal = ratatui::try_init().map_err(|err| {
        ratatui::restore();
        anyhow::anyhow!("cannot set up the terminal (is this an interactive terminal?): {err}")
    })?;
    // Failing to enable these only costs paste and the wheel, not the session.
    let _ = execute!(stdout(), EnableBracketedPaste, EnableMouseCapture);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
        previous(info);
    }));
    let finished = Arc::new(AtomicBool::new(false));
    watchdog(stop.clone(), Arc::clone(&finished));
    let result = body(&mut terminal, &stop);
    finished.store(true, Ordering::Relaxed);
    let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
    result
}

/// When the terminal is gone (a closed SSH connection) the terminal library can spin on
/// end-of-file inside its event wait and never return to the loop that checks for a stop.
/// This thread ends the process then: every decision is already committed, so exiting
/// loses nothing. A stop the loop does see ends it normally first.
fn watchdog(stop: StopSignal, finished: Arc<AtomicBool>) {
    use std::io::IsTerminal;
    use std::time::Duration;
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(250));
            if finished.load(Ordering::Relaxed) {
                return;
            }
            let hung_up = !std::io::stdin().is_terminal();
            if hung_up || stop.raised() {
                std::thread::sleep(Duration::from_millis(1000));
                if finished.load(Ordering::Relaxed) {
                    return;
                }
                let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
                ratatui::restore();
                // 128 + the signal's number, as a shell reports a process it ended.
                std::process::exit(if hung_up { 129 } else { 143 });
            }
        }
    });
}
