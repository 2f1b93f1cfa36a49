//! Progress on stderr for long work (import, labels import, sample, export): one line redrawn in
//! place, shown only once the work has taken a second, at most ten times a second, and
//! never when stderr is not a terminal, so pipes, CI logs and tests stay clean. Every
//! command that reads a large file goes through [`Progress::reader`]; none grows its own.
//! Work that cannot count its steps (a report and its bootstraps, in pure code that
//! reports nothing) shows the time it has taken through [`Working`].

use std::io::{BufRead, IsTerminal, Read, Write};
use std::time::{Duration, Instant};

/// Quick work shows nothing.
const DELAY: Duration = Duration::from_secs(1);
/// Redraws at most this often: drawing must not slow the work it reports.
const EVERY: Duration = Duration::from_millis(100);

/// Send, so that an import can read its file (through [`ProgressReader`]) on a thread of
/// its own.
pub struct Progress {
    label: String,
    unit: Unit,
    /// `None`: hidden.
    out: Option<Box<dyn Write + Send>>,
    clock: Box<dyn FnMut() -> Instant + Send>,
    /// No drawing before this.
    next: Instant,
    drawn: bool,
}

impl Progress {
    /// Progress through the `total` bytes of `label`, on stderr when it is a terminal.
    pub fn bytes(label: impl Into<String>, total: u64) -> Progress {
        Progress::on_stderr(label.into(), Unit::Bytes { total })
    }

    /// Progress counting `noun`s (`items`) of a whole not known in advance.
    pub fn count(label: impl Into<String>, noun: &'static str) -> Progress {
        Progress::on_stderr(label.into(), Unit::Count { noun })
    }

    fn on_stderr(label: String, unit: Unit) -> Progress {
        let shown = visible(std::io::stderr().is_terminal(), std::env::var_os("TERM").as_deref());
        let out = shown.then(|| Box::new(std::io::stderr()) as Box<dyn Write + Send>);
        Progress::with(label, unit, out, Box::new(Instant::now))
    }

    fn with(
        label: String,
        unit: Unit,
        out: Option<Box<dyn Write + Send>>,
        mut clock: Box<dyn FnMut() -> Instant + Send>,
    ) -> Progress {
        let next = clock() + DELAY;
        Progress { label, unit, out, clock, next, drawn: false }
    }

    /// `inner` read through, its bytes counted as progress; the line goes when it is dropped.
    pub fn reader<R>(self, inner: R) -> ProgressReader<R> {
        ProgressReader { inner, done: 0, progress: self }
    }

    /// `done` so far: redraws the line if it is time to.
    pub fn set(&mut self, done: u64) {
        let Some(out) = self.out.as_mut() else { return };
        let now = (self.clock)();
        if now < self.next {
            return;
        }
        self.next = now + EVERY;
        // Progress is a courtesy: a stderr that cannot be written must not fail the work.
        let _ = write!(out, "\r{}\x1b[K", line(&self.label, done, self.unit));
        let _ = out.flush();
        self.drawn = true;
    }

    /// Clears the line, so what comes next (a summary, an error) starts on a clean one.
    pub fn finish(&mut self) {
        if let Some(out) = self.out.as_mut().filter(|_| self.drawn) {
            let _ = write!(out, "\r\x1b[K");
            let _ = out.flush();
            self.drawn = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A line saying that `label` is still at work and for how long, drawn by a thread of its
/// own, as [`Progress`] draws (after a second, on a terminal only); cleared when dropped.
pub struct Working {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Working {
    pub fn start(label: impl Into<String>) -> Working {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let shown = visible(std::io::stderr().is_terminal(), std::env::var_os("TERM").as_deref());
        let label = label.into();
        let thread = shown.then(|| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let since = Instant::now();
                let mut progress = Progress::on_stderr(label, Unit::Elapsed { since });
                while !stop.load(Ordering::Relaxed) {
                    progress.set(0);
                    std::thread::sleep(EVERY);
                }
                progress.finish();
            })
        });
        Working { stop, thread }
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // The line is cleared before anything else is printed.
            let _ = thread.join();
        }
    }
}

/// Only a terminal shows progress; a dumb one cannot clear a line.
fn visible(terminal: bool, term: Option<&std::ffi::OsStr>) -> bool {
    terminal && term.is_none_or(|term| term != "dumb")
}

/// What `done` counts.
#[derive(Clone, Copy)]
enum Unit {
    /// Bytes of a file of `total` (0 when unknown).
    Bytes {
        total: u64,
    },
    Count {
        noun: &'static str,
    },
    /// Time since the work began (`done` is not used).
    Elapsed {
        since: Instant,
    },
}

fn line(label: &str, done: u64, unit: Unit) -> String {
    let mb = |bytes: u64| bytes as f64 / 1e6;
    match unit {
        Unit::Bytes { total: 0 } => format!("{label}: {:.1} MB", mb(done)),
        Unit::Bytes { total } => {
            format!("{label}: {:>3}% ({:.1} of {:.1} MB)", done.min(total) * 100 / total, mb(done), mb(total))
        }
        Unit::Count { noun } => format!("{label}: {done} {noun}"),
        Unit::Elapsed { since } => format!("{label}... {} s", since.elapsed().as_secs()),
    }
}

pub struct ProgressReader<R> {
    inner: R,
    done: u64,
    progress: Progress,
}

impl<R: Read> Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.done += read as u64;
        self.progress.set(self.done);
        Ok(read)
    }
}

impl<R: BufRead> BufRead for ProgressReader<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
        self.done += amt as u64;
        self.progress.set(self.done);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    type Clock = Arc<Mutex<Instant>>;
    type Written = Arc<Mutex<Vec<u8>>>;

    /// A progress line over a fake clock (advanced by hand) into a buffer.
    fn fake(total: u64, shown: bool) -> (Progress, Clock, Written) {
        struct Shared(Written);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let now = Arc::new(Mutex::new(Instant::now()));
        let written = Arc::new(Mutex::new(Vec::new()));
        let out = shown.then(|| Box::new(Shared(written.clone())) as Box<dyn Write + Send>);
        let clock = now.clone();
        let unit = Unit::Bytes { total };
        let progress =
            Progress::with("importing items.jsonl".into(), unit, out, Box::new(move || *clock.lock().unwrap()));
        (progress, now, written)
    }

    fn text(written: &Written) -> String {
        String::from_utf8(written.lock().unwrap().clone()).unwrap()
    }

    fn advance(now: &Clock, millis: u64) {
        *now.lock().unwrap() += Duration::from_millis(millis);
    }

    #[test]
    fn nothing_shows_in_the_first_second() {
        let (mut progress, now, written) = fake(1000, true);
        for done in 0..10 {
            advance(&now, 99);
            progress.set(done * 100);
        }
        assert_eq!(text(&written), "", "0.99 s of work shows nothing");
        progress.finish();
        assert_eq!(text(&written), "", "nothing drawn, nothing to clear");
    }

    #[test]
    fn after_a_second_it_redraws_at_most_ten_times_a_second() {
        let (mut progress, now, written) = fake(2_000_000, true);
        advance(&now, 1000);
        progress.set(500_000);
        assert_eq!(text(&written), "\rimporting items.jsonl:  25% (0.5 of 2.0 MB)\x1b[K");
        // 1000 updates over one second, one per millisecond: ten draws, not a thousand.
        for step in 1..=1000u64 {
            advance(&now, 1);
            progress.set(500_000 + step * 1000);
        }
        assert_eq!(text(&written).matches('\r').count(), 1 + 10);
        assert!(
            text(&written).ends_with("\rimporting items.jsonl:  75% (1.5 of 2.0 MB)\x1b[K"),
            "{:?}",
            text(&written)
        );
        progress.finish();
        assert!(text(&written).ends_with("\x1b[K\r\x1b[K"), "finishing clears the line");
    }

    #[test]
    fn work_that_cannot_count_shows_nothing_when_stderr_is_no_terminal() {
        // Tests run with stderr captured, so no thread is started and dropping is at once.
        let working = Working::start("computing");
        assert!(working.thread.is_none() || std::io::stderr().is_terminal());
        drop(working);
    }

    #[test]
    fn hidden_progress_writes_nothing() {
        let (mut progress, now, written) = fake(1000, false);
        advance(&now, 5000);
        progress.set(500);
        progress.finish();
        assert_eq!(text(&written), "");
    }

    #[test]
    fn only_a_terminal_that_can_clear_a_line_shows_progress() {
        use std::ffi::OsStr;
        assert!(visible(true, None));
        assert!(visible(true, Some(OsStr::new("xterm-256color"))));
        assert!(!visible(true, Some(OsStr::new("dumb"))));
        assert!(!visible(false, Some(OsStr::new("xterm-256color"))), "a pipe or a file never gets progress");
    }

    #[test]
    fn an_unknown_total_shows_what_was_done() {
        assert_eq!(line("sampling a.csv", 2_500_000, Unit::Bytes { total: 0 }), "sampling a.csv: 2.5 MB");
        assert_eq!(line("x", 10, Unit::Bytes { total: 5 }), "x: 100% (0.0 of 0.0 MB)", "never past 100%");
        assert_eq!(line("exporting g.jsonl", 1234, Unit::Count { noun: "items" }), "exporting g.jsonl: 1234 items");
        let since = Instant::now() - Duration::from_millis(2500);
        assert_eq!(line("computing report agreement", 0, Unit::Elapsed { since }), "computing report agreement... 2 s");
    }

    #[test]
    fn the_reader_counts_what_is_consumed_and_clears_the_line_when_dropped() {
        let (progress, now, written) = fake(10, true);
        advance(&now, 2000);
        let mut reader = progress.reader(std::io::Cursor::new(b"{\"a\":1}\n{}\n".to_vec()));
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        assert_eq!(first, "{\"a\":1}\n");
        assert_eq!(reader.done, 8);
        assert!(text(&written).contains(" 80% "), "{:?}", text(&written));
        drop(reader);
        assert!(text(&written).ends_with("\r\x1b[K"));
    }
}
