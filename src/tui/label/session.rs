//! The label screen against a real store: performs the screen's effects, and the
//! terminal event loop around it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use ratatui::crossterm::event::{self, Event, MouseEventKind};

use super::keymap::{Action, Keymap};
use super::{Effect, LabelScreen};
use crate::model::LabelValue;
use crate::store::{Batch, NewLabel, Store, StoredRubric};
use crate::tui::terminal::with_terminal;
use crate::tui::theme::Theme;

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
}

impl<'s> Session<'s> {
    pub fn new(store: &'s mut Store, batch: &Batch, rater: &str, theme: Theme) -> anyhow::Result<Session<'s>> {
        let rubric = store.rubric_by_id(batch.rubric_id)?;
        let queue = store.queue(batch.id, rater)?;
        let mut screen =
            LabelScreen::new(rubric.rubric.clone(), rubric.guidelines.clone(), &batch.name, rater, queue, theme);
        let (keymap, problems) = match keys_path() {
            Some(path) => Keymap::load(&path),
            None => (Keymap::default(), Vec::new()),
        };
        screen.set_keymap(keymap, &problems);
        let mut session = Session {
            store,
            screen,
            rubric,
            batch_id: batch.id,
            rater: rater.to_string(),
            started: Instant::now(),
            shown_at: Instant::now(),
            quit: false,
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

    /// Feeds one action to the screen and performs what it asks.
    pub fn handle(&mut self, action: Action) -> anyhow::Result<()> {
        let effects = self.screen.update(action);
        self.perform(effects)
    }

    /// Feeds one key press, through the rater's keymap.
    pub fn key(&mut self, key: ratatui::crossterm::event::KeyEvent) -> anyhow::Result<()> {
        let effects = self.screen.key(key);
        self.perform(effects)
    }

    fn perform(&mut self, effects: Vec<Effect>) -> anyhow::Result<()> {
        let mut failed_item = None;
        for effect in effects {
            match effect {
                Effect::Save { item_id, .. } | Effect::Confirm { item_id } | Effect::Mark { item_id, .. }
                    if failed_item == Some(item_id) => {}
                Effect::Save { item_id, changes } => {
                    if let Err(err) = self.save(item_id, &changes) {
                        self.screen.save_failed(item_id, &format!("{err:#}"));
                        failed_item = Some(item_id);
                    }
                }
                Effect::Confirm { item_id } => {
                    let spent = self.shown_at.elapsed().as_millis() as i64;
                    let result =
                        self.store.write(|tx| tx.confirm_item(self.batch_id, item_id, &self.rater, Some(spent)));
                    if let Err(err) = result {
                        self.screen.save_failed(item_id, &format!("{err:#}"));
                        failed_item = Some(item_id);
                    }
                }
                Effect::Mark { item_id, action, note } => {
                    let spent = self.shown_at.elapsed().as_millis() as i64;
                    let (batch_id, rater) = (self.batch_id, self.rater.as_str());
                    let result = self
                        .store
                        .write(|tx| tx.item_event(batch_id, item_id, rater, action, note.as_deref(), Some(spent)));
                    if let Err(err) = result {
                        self.screen.save_failed(item_id, &format!("{err:#}"));
                        failed_item = Some(item_id);
                    }
                }
                Effect::Load { item_id } => {
                    let item = self.store.item(item_id)?;
                    let mut values = BTreeMap::new();
                    for (criterion_id, json) in
                        self.store.rater_values(item_id, &self.rater, &self.rubric.rubric.name)?
                    {
                        if let Some(criterion) = self.rubric.rubric.criterion(&criterion_id)
                            && let Ok(value) = criterion.parse_json(&json)
                        {
                            values.insert(criterion_id, value);
                        }
                    }
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
        Ok(())
    }

    fn save(&mut self, item_id: i64, changes: &[(String, Option<LabelValue>)]) -> anyhow::Result<()> {
        let spent = self.shown_at.elapsed().as_millis() as i64;
        let (rubric_id, batch_id, rater) = (self.rubric.id, self.batch_id, self.rater.as_str());
        self.store.write(|tx| {
            for (criterion, value) in changes {
                let json = value.as_ref().map(LabelValue::to_json);
                tx.record_label(&NewLabel {
                    item_id,
                    rater,
                    criterion,
                    value: json.as_ref(),
                    comment: None,
                    rubric_id,
                    batch_id: Some(batch_id),
                    duration_ms: Some(spent),
                    source: "label",
                })?;
            }
            Ok::<_, anyhow::Error>(())
        })
    }
}

/// The rater's `keys.toml`, in the user config folder (`~/.config/tally` on Linux).
pub fn keys_path() -> Option<std::path::PathBuf> {
    directories::ProjectDirs::from("", "", "tally").map(|dirs| dirs.config_dir().join("keys.toml"))
}

/// Opens the label screen for `rater` on `batch` until they quit.
pub fn run(store: &mut Store, batch: &Batch, rater: &str, show_judge: bool) -> anyhow::Result<()> {
    let mut session = Session::new(store, batch, rater, Theme::from_env())?;
    session.screen.set_show_judge(show_judge);
    with_terminal(|terminal, stop| {
        while !session.quit_requested() && !stop.raised() {
            session.screen.set_clock(session.started.elapsed(), session.shown_at.elapsed());
            terminal.draw(|frame| session.screen().render(frame, frame.area())).context("cannot draw")?;
            let ready = match event::poll(Duration::from_millis(500)) {
                Ok(ready) => ready,
                // A signal interrupts the wait: the loop condition sees it.
                Err(_) if stop.raised() => break,
                Err(err) => return Err(err).context("cannot read the keyboard"),
            };
            if !ready {
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
        }
        Ok(())
    })
}
