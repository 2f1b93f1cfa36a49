//! The label screen against a real store: performs the screen's effects, and the
//! terminal event loop around it.
//!
//! Reads (an item, the finder's texts) happen on the spot; writes go to a background
//! writer with its own connection (see `writer.rs`), so a keypress never waits for the
//! write lock. The screen shows each decision as unsaved until the writer reports it
//! committed; a write the store refuses puts the screen back to what the store holds.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use ratatui::crossterm::event::{self, Event, MouseEventKind};

use super::keymap::{Action, Keymap};
use super::writer::{self, Job, Report, Write, Writer};
use super::{Effect, LabelScreen, Unsaved};
use crate::model::LabelValue;
use crate::model::label::split_step_key;
use crate::model::rubric::Scope;
use crate::store::{Batch, ItemAction, Store, StoredRubric};
use crate::tui::terminal::with_terminal;
use crate::tui::theme::Theme;

/// How long quitting waits for unsaved writes unless `TALLY_QUIT_WAIT_SECS` says.
const QUIT_WAIT: Duration = Duration::from_secs(30);

/// After a keypress, how long the loop waits for the writer before drawing: a write
/// commits in a few milliseconds, so the screen does not flash "unsaved" for each key.
const SETTLE: Duration = Duration::from_millis(40);

/// One rater labeling one batch.
pub struct Session<'s> {
    store: &'s mut Store,
    screen: LabelScreen,
    rubric: StoredRubric,
    batch_id: i64,
    rater: String,
    started: Instant,
    /// When the current item was shown, for the time spent on it.
    shown_at: Instant,
    quit: bool,
    writer: Writer,
    /// Jobs sent to the writer and not committed yet, oldest first.
    outstanding: Vec<Job>,
    next_job: u64,
    /// Per item, the epoch its jobs are sent in (see [`Job::epoch`]).
    epochs: HashMap<i64, u64>,
    /// The writer said the store is locked and has not committed since.
    busy: bool,
    finished: bool,
}

impl<'s> Session<'s> {
    pub fn new(store: &'s mut Store, batch: &Batch, rater: &str, theme: Theme) -> anyhow::Result<Session<'s>> {
        let rubric = store.rubric_by_id(batch.rubric_id)?;
        let queue = store.queue(batch.id, rater)?;
        let path = store.path().context("the label screen needs a store file (not one in memory)")?;
        // The writer's own connection, so writing never holds up the screen's reads.
        let writer_store = Store::open(path)?;
        let writer = Writer::spawn(
            writer_store,
            writer::Context { rubric_id: rubric.id, batch_id: batch.id, rater: rater.to_string() },
        )?;
        // The screen asks step-scope criteria of the focused step (see `steps.rs`).
        let mut screen =
            LabelScreen::new(rubric.rubric.clone(), rubric.guidelines.clone(), &batch.name, rater, queue, theme);
        let (keymap, problems) = match keys_path() {
            Some(path) => Keymap::load(&path),
            None => (Keymap::default(), Vec::new()),
        };
        screen.set_keymap(keymap, &problems);
        // Comparisons show their candidates on sides set by the batch's seed and the
        // rater, or as the store recorded them.
        screen.set_sides(batch.seed as u64, store.queue_sides(batch.id, rater)?);
        let mut session = Session {
            store,
            screen,
            rubric,
            batch_id: batch.id,
            rater: rater.to_string(),
            started: Instant::now(),
            shown_at: Instant::now(),
            quit: false,
            writer,
            outstanding: Vec::new(),
            next_job: 0,
            epochs: HashMap::new(),
            busy: false,
            finished: false,
        };
        let effects = session.screen.start();
        session.perform(effects)?;
        Ok(session)
    }

    pub fn screen(&self) -> &LabelScreen {
        &self.screen
    }

    pub fn quit_requested(&self) -> bool {
        self.quit
    }

    /// Writes the store has not committed yet.
    pub fn unsaved(&self) -> usize {
        self.outstanding.len()
    }

    /// Feeds one action to the screen and performs what it asks. Never waits for the
    /// write lock: writes are queued for the writer.
    pub fn handle(&mut self, action: Action) -> anyhow::Result<()> {
        let effects = self.screen.update(action);
        self.perform(effects)
    }

    /// The terminal's size as last drawn: below the minimum only quit acts.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.screen.set_size(width, height);
    }

    /// Feeds one key press, through the rater's keymap.
    pub fn key(&mut self, key: ratatui::crossterm::event::KeyEvent) -> anyhow::Result<()> {
        let effects = self.screen.key(key);
        self.perform(effects)
    }

    /// Takes in what the writer reported so far, without waiting.
    pub fn pump(&mut self) -> anyhow::Result<()> {
        while let Some(report) = self.writer.report(Duration::ZERO) {
            self.reported(report)?;
        }
        Ok(())
    }

    /// Takes in the writer's reports until nothing is unsaved or `wait` has passed.
    /// Returns whether everything is saved.
    pub fn settle(&mut self, wait: Duration) -> anyhow::Result<bool> {
        let deadline = Instant::now() + wait;
        self.pump()?;
        while !self.outstanding.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if let Some(report) = self.writer.report(left.min(Duration::from_millis(100))) {
                self.reported(report)?;
            }
        }
        Ok(self.outstanding.is_empty())
    }

    fn perform(&mut self, effects: Vec<Effect>) -> anyhow::Result<()> {
        for effect in effects {
            match effect {
                Effect::Save { item_id, changes } => self.send(item_id, Write::Save { changes }),
                Effect::Confirm { item_id } => self.send(item_id, Write::Confirm),
                Effect::Mark { item_id, action, note } => self.send(item_id, Write::Mark { action, note }),
                Effect::RecordSide { item_id, left } => self.send(item_id, Write::Side { left }),
                Effect::Load { item_id } => {
                    let item = self.store.item(item_id)?;
                    let values = self.values_of(item_id)?;
                    self.screen.loaded(item_id, item, values);
                    self.shown_at = Instant::now();
                }
                Effect::OpenFinder => {
                    let texts = self.store.queue_texts(self.batch_id, &self.rater)?;
                    self.screen.finder_loaded(texts);
                }
                Effect::Quit => self.quit = true,
            }
        }
        self.show_unsaved();
        Ok(())
    }

    /// The rater's values of an item: what the store holds, then the unsaved changes on
    /// top (they are on their way, and shown as unsaved).
    fn values_of(&self, item_id: i64) -> anyhow::Result<BTreeMap<String, LabelValue>> {
        let mut values = self.stored_values(item_id)?;
        for job in self.outstanding.iter().filter(|job| job.item_id == item_id) {
            if let Write::Save { changes } = &job.write {
                for (criterion, value) in changes {
                    match value {
                        Some(value) => values.insert(criterion.clone(), value.clone()),
                        None => values.remove(criterion),
                    };
                }
            }
        }
        Ok(values)
    }

    fn stored_values(&self, item_id: i64) -> anyhow::Result<BTreeMap<String, LabelValue>> {
        let mut values = BTreeMap::new();
        for (key, json) in self.store.rater_values(item_id, &self.rater, &self.rubric.rubric.name)? {
            // A step's value is stored under `id@N`: kept under that key, per step.
            let (criterion_id, step) = split_step_key(&key);
            if let Some(criterion) = self.rubric.rubric.criterion(criterion_id)
                && step.is_some() == (criterion.scope == Scope::Step)
                && let Ok(value) = criterion.parse_json(&json)
            {
                values.insert(key, value);
            }
        }
        Ok(values)
    }

    fn send(&mut self, item_id: i64, write: Write) {
        let job = Job {
            id: self.next_job,
            item_id,
            epoch: self.epochs.get(&item_id).copied().unwrap_or(0),
            spent: self.shown_at.elapsed().as_millis() as i64,
            write,
        };
        self.next_job += 1;
        // If the writer is gone the job stays unsaved, and quitting saves it elsewhere.
        self.writer.send(job.clone());
        self.outstanding.push(job);
    }

    fn reported(&mut self, report: Report) -> anyhow::Result<()> {
        match report {
            Report::Committed(id) => {
                self.busy = false;
                if let Some(at) = self.outstanding.iter().position(|job| job.id == id) {
                    let job = self.outstanding.remove(at);
                    if job.write == Write::Confirm {
                        self.show_unsaved();
                        self.screen.confirm_saved(job.item_id);
                    }
                }
            }
            Report::Busy(_) => self.busy = true,
            Report::Dropped(id) => self.outstanding.retain(|job| job.id != id),
            Report::Failed { id, error } => {
                let Some(failed) = self.outstanding.iter().find(|job| job.id == id).cloned() else {
                    return Ok(());
                };
                // The writer drops this item's later jobs of the same epoch: forget them
                // too, and send the item's next decisions in a new epoch.
                self.outstanding.retain(|job| job.item_id != failed.item_id || job.epoch > failed.epoch);
                self.epochs.insert(failed.item_id, failed.epoch + 1);
                let stored = self.stored_values(failed.item_id)?;
                let state = self
                    .store
                    .queue(self.batch_id, &self.rater)?
                    .into_iter()
                    .find(|entry| entry.item_id == failed.item_id)
                    .map(|entry| (entry.done, entry.skipped, entry.flagged));
                self.show_unsaved();
                self.screen.write_failed(failed.item_id, &error, stored, state);
            }
        }
        self.show_unsaved();
        Ok(())
    }

    /// Tells the screen what is still unsaved.
    fn show_unsaved(&mut self) {
        let mut unsaved: BTreeMap<i64, Unsaved> = BTreeMap::new();
        for job in &self.outstanding {
            let entry = unsaved.entry(job.item_id).or_default();
            match &job.write {
                Write::Save { changes } => entry.criteria.extend(changes.iter().map(|(id, _)| id.clone())),
                Write::Confirm => entry.confirm = true,
                Write::Mark { .. } => entry.marks += 1,
                // Not a decision of the rater's: its own write, never shown.
                Write::Side { .. } => {}
            }
        }
        self.screen.set_unsaved(unsaved, self.outstanding.len(), self.busy);
    }

    /// Ends the session: waits up to `wait` for unsaved writes, then stops the writer.
    /// Whatever the store still refused is written to a recovery file of labels (see
    /// [`Outcome`]).
    pub fn finish(&mut self, wait: Duration) -> anyhow::Result<Outcome> {
        if self.finished {
            return Ok(Outcome::default());
        }
        self.finished = true;
        self.writer.close();
        self.settle(wait)?;
        self.writer.stop();
        // Reports sent while the writer stopped: a commit there is a commit.
        self.pump()?;
        if self.outstanding.is_empty() {
            return Ok(Outcome::default());
        }
        let lost = self.unsaved_decisions();
        let beside = self.store.path().and_then(Path::parent).map(Path::to_path_buf);
        let recovery = write_recovery(&lost, &self.rater, beside.as_deref());
        Ok(Outcome {
            lost: Some(lost),
            recovery,
            store: self.store.path().map(Path::to_path_buf),
            rubric: self.rubric.rubric.name.clone(),
        })
    }

    /// The decisions the store does not have, as what a rater would re-enter.
    fn unsaved_decisions(&self) -> Lost {
        let external = |item_id: i64| {
            self.screen
                .queue
                .iter()
                .find(|entry| entry.item_id == item_id)
                .map_or_else(|| format!("#{item_id}"), |entry| entry.external_id.clone())
        };
        // The newest unsaved value of each item and criterion, in the order decided.
        let mut values: Vec<(String, String, Option<LabelValue>)> = Vec::new();
        let mut items = Vec::new();
        let mut sides = BTreeMap::new();
        for job in &self.outstanding {
            let item = external(job.item_id);
            match &job.write {
                Write::Save { changes } => {
                    for (criterion, value) in changes {
                        values.retain(|(i, c, _)| !(*i == item && c == criterion));
                        values.push((item.clone(), criterion.clone(), value.clone()));
                    }
                }
                Write::Confirm => items.push((item, "confirm".to_string())),
                Write::Mark { action, note } => {
                    let action = match action {
                        ItemAction::Confirm => "confirm",
                        ItemAction::Reopen => "reopen",
                        ItemAction::Skip => "skip",
                        ItemAction::Flag => "flag",
                        ItemAction::Unflag => "unflag",
                    };
                    let note = note.as_ref().map_or(String::new(), |note| format!(" ({note})"));
                    items.push((item, format!("{action}{note}")));
                }
                // The file's `left` column carries it, for `labels import`.
                Write::Side { left } => {
                    sides.insert(item, left.clone());
                }
            }
        }
        Lost { values, items, sides }
    }
}

impl Drop for Session<'_> {
    /// A session dropped without [`Session::finish`] (an error, or a caller that did not
    /// ask) still waits for its writes and says what the store did not take.
    fn drop(&mut self) {
        if let Ok(outcome) = self.finish(quit_wait())
            && !outcome.saved()
        {
            eprint!("{}", outcome.message());
        }
    }
}

/// Decisions the store never took.
#[derive(Debug, Clone, Default, PartialEq)]
struct Lost {
    /// (item id, criterion, value; `None` = cleared).
    values: Vec<(String, String, Option<LabelValue>)>,
    /// (item id, what: confirm, skip (note), flag (note), ...).
    items: Vec<(String, String)>,
    /// Comparison item id: the candidate shown on the left, not recorded yet.
    sides: BTreeMap<String, String>,
}

/// How a session ended: saved, or what the store refused and where it went instead.
#[derive(Debug, Default)]
pub struct Outcome {
    lost: Option<Lost>,
    /// The recovery file, or why it could not be written.
    recovery: Option<Result<PathBuf, String>>,
    store: Option<PathBuf>,
    rubric: String,
}

impl Outcome {
    /// Every decision of the session is in the store.
    pub fn saved(&self) -> bool {
        self.lost.is_none()
    }

    /// The recovery file of label values, when one was written.
    pub fn recovery_file(&self) -> Option<&Path> {
        self.recovery.as_ref().and_then(|result| result.as_ref().ok()).map(PathBuf::as_path)
    }

    /// Success only when everything is saved.
    pub fn exit_code(&self) -> ExitCode {
        if self.saved() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
    }

    /// For stderr, when not everything is saved: what is missing, where it went and how
    /// to bring it in. Empty when everything is saved.
    pub fn message(&self) -> String {
        let Some(lost) = &self.lost else { return String::new() };
        let store = self.store.as_ref().map_or_else(|| "the store".to_string(), |p| p.display().to_string());
        let mut out =
            format!("NOT SAVED: {store} refused some of this session's decisions (it stayed locked or failed).\n");
        let set: Vec<_> = lost.values.iter().filter(|(_, _, value)| value.is_some()).collect();
        if !set.is_empty() {
            match &self.recovery {
                Some(Ok(path)) => {
                    out.push_str(&format!(
                        "{} label values are in {}\n  bring them in with: tally --db {store} labels import {} --rubric {}\n  (importing also counts those items as done for their rater)\n",
                        set.len(),
                        path.display(),
                        path.display(),
                        self.rubric
                    ));
                }
                Some(Err(error)) => {
                    out.push_str(&format!("{} label values could not be written to a file ({error}):\n", set.len()));
                    out.push_str(&recovery_csv(lost, "?").unwrap_or_default());
                }
                None => {}
            }
        }
        for (item, criterion, _) in lost.values.iter().filter(|(_, _, value)| value.is_none()) {
            out.push_str(&format!(
                "  {item}: clearing `{criterion}` is not saved (a labels file cannot say \"cleared\"; clear it again in `tally label`)\n"
            ));
        }
        if !lost.items.is_empty() {
            out.push_str("  not saved, to do again in `tally label` (a labels file cannot carry them):\n");
            for (item, what) in &lost.items {
                out.push_str(&format!("    {item}: {what}\n"));
            }
        }
        out
    }
}

/// The recovery file's rows in the `labels import` format (set values only), with a
/// `left` column (the candidate shown on the left) when a comparison's side is unsaved.
fn recovery_csv(lost: &Lost, rater: &str) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["item", "rater", "criterion", "value", "comment"];
    if !lost.sides.is_empty() {
        header.push("left");
    }
    // A step's value (`tool_ok@3`) goes back in as its criterion and a `step` column.
    let steps = lost.values.iter().any(|(_, key, value)| value.is_some() && split_step_key(key).1.is_some());
    if steps {
        header.push("step");
    }
    out.write_record(&header)?;
    for (item, key, value) in &lost.values {
        let Some(value) = value else { continue };
        let (criterion, step) = split_step_key(key);
        let step = step.map_or(String::new(), |step| step.to_string());
        let cell = match value.to_json() {
            serde_json::Value::String(text) => text,
            serde_json::Value::Array(tags) => {
                tags.iter().filter_map(serde_json::Value::as_str).collect::<Vec<_>>().join(";")
            }
            other => other.to_string(),
        };
        let mut row = vec![item.as_str(), rater, criterion, cell.as_str(), ""];
        if !lost.sides.is_empty() {
            row.push(lost.sides.get(item).map_or("", String::as_str));
        }
        if steps {
            row.push(&step);
        }
        out.write_record(&row)?;
    }
    let bytes = out.into_inner().map_err(|err| err.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Writes the unsaved values to `tally-unsaved-RATER-TIME.csv` beside the store, or in
/// the current folder when that fails. `None` when no value needs it.
fn write_recovery(lost: &Lost, rater: &str, beside: Option<&Path>) -> Option<Result<PathBuf, String>> {
    if !lost.values.iter().any(|(_, _, value)| value.is_some()) {
        return None;
    }
    let text = match recovery_csv(lost, rater) {
        Ok(text) => text,
        Err(err) => return Some(Err(err.to_string())),
    };
    let safe: String =
        rater.chars().map(|ch| if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' { ch } else { '_' }).collect();
    let name = format!("tally-unsaved-{safe}-{}.csv", utc_stamp());
    let mut folders: Vec<PathBuf> = beside.map(Path::to_path_buf).into_iter().collect();
    folders.push(PathBuf::from("."));
    let mut errors = Vec::new();
    for folder in folders {
        let folder = if folder.as_os_str().is_empty() { PathBuf::from(".") } else { folder };
        let path = folder.join(&name);
        // create_new: never overwrite a file, not even an earlier recovery file.
        let written =
            std::fs::OpenOptions::new().write(true).create_new(true).open(&path).and_then(|mut file| {
                std::io::Write::write_all(&mut file, text.as_bytes()).and_then(|()| file.sync_all())
            });
        match written {
            Ok(()) => return Some(Ok(path)),
            Err(err) => {
                // A half-written file would mislead: remove it.
                if path.exists() && errors.is_empty() {
                    let _ = std::fs::remove_file(&path);
                }
                errors.push(format!("{}: {err}", path.display()));
            }
        }
    }
    Some(Err(errors.join("; ")))
}

/// The time now in UTC as `20261129T172442Z`, for file names that sort by time.
fn utc_stamp() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// How long quitting waits for unsaved writes: `TALLY_QUIT_WAIT_SECS`, else 30 s.
pub fn quit_wait() -> Duration {
    std::env::var("TALLY_QUIT_WAIT_SECS")
        .ok()
        .and_then(|text| text.trim().parse::<f64>().ok())
        .filter(|secs| secs.is_finite() && *secs >= 0.0)
        .map_or(QUIT_WAIT, Duration::from_secs_f64)
}

/// The rater's `keys.toml`: in `TALLY_CONFIG_DIR` when set, else in the user config
/// folder (`~/.config/tally` on Linux).
pub fn keys_path() -> Option<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os("TALLY_CONFIG_DIR").filter(|dir| !dir.is_empty()) {
        return Some(PathBuf::from(dir).join("keys.toml"));
    }
    directories::ProjectDirs::from("", "", "tally").map(|dirs| dirs.config_dir().join("keys.toml"))
}

/// Opens the label screen for `rater` on `batch` until they quit. Quitting waits (on
/// screen) for unsaved writes; the outcome says whether everything was saved.
pub fn run(
    store: &mut Store,
    batch: &Batch,
    rater: &str,
    show_judge: bool,
    show_models: bool,
) -> anyhow::Result<Outcome> {
    let mut session = Session::new(store, batch, rater, Theme::from_env())?;
    session.screen.set_show_judge(show_judge);
    session.screen.set_show_models(show_models);
    let wait = quit_wait();
    let mut closing_since: Option<Instant> = None;
    let result = with_terminal(|terminal, stop| {
        loop {
            session.pump()?;
            // SIGTERM or SIGHUP: quit as `q` does, so a note being typed is saved too
            // (or, if it does not parse, said to be lost) rather than dropped unsaid.
            if stop.raised() && !session.quit_requested() {
                session.handle(Action::Quit)?;
            }
            if session.quit_requested() || stop.raised() {
                let since = *closing_since.get_or_insert_with(Instant::now);
                let left = wait.saturating_sub(since.elapsed());
                // The terminal may be gone (SIGHUP): then wait without drawing.
                if session.outstanding.is_empty() || left.is_zero() || stop.raised() {
                    break;
                }
                session.screen.set_closing(Some(format!(
                    "quitting: {} unsaved, the store is busy; waiting up to {}s more, then they go to a file",
                    session.outstanding.len(),
                    left.as_secs() + 1
                )));
            }
            session.screen.tick();
            session.screen.set_clock(session.started.elapsed(), session.shown_at.elapsed());
            let drawn =
                terminal.draw(|frame| session.screen().render(frame, frame.area())).context("cannot draw")?.area;
            session.resize(drawn.width, drawn.height);
            // Wake often while writes are pending, to show them land.
            // A search under way goes on at once unless a key is waiting.
            let tick = if session.screen.searching() {
                0
            } else if session.outstanding.is_empty() {
                500
            } else {
                100
            };
            let ready = match event::poll(Duration::from_millis(tick)) {
                Ok(ready) => ready,
                // A signal interrupts the wait: the loop condition sees it.
                Err(_) if stop.raised() => continue,
                Err(err) => return Err(err).context("cannot read the keyboard"),
            };
            if !ready || closing_since.is_some() {
                if ready {
                    let _ = event::read(); // Keys while quitting are not decisions.
                }
                continue;
            }
            match event::read().context("cannot read the keyboard")? {
                Event::Key(key) => session.key(key)?,
                Event::Paste(text) => session.screen.paste(&text),
                Event::Mouse(mouse) => match mouse.kind {
                    MouseEventKind::ScrollUp => session.handle(Action::ScrollUp)?,
                    MouseEventKind::ScrollDown => session.handle(Action::ScrollDown)?,
                    _ => {}
                },
                _ => {}
            }
            session.settle(SETTLE)?;
        }
        Ok(())
    });
    // Whatever ended the loop, the writes still get their (remaining) wait and, failing
    // that, the recovery file.
    let left = closing_since.map_or(wait, |since| wait.saturating_sub(since.elapsed()));
    let outcome = session.finish(left)?;
    if let Err(err) = result {
        // The error ends the command; what the store did not take must still be said.
        eprint!("{}", outcome.message());
        return Err(err);
    }
    Ok(outcome)
}
