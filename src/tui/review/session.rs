//! The review screen against a real store: loading what it shows, recording
//! adjudications, and the terminal event loop around it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Duration;

use anyhow::Context;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyModifiers, MouseEventKind};

use super::Prepared;
use super::{Comment, Effect, ReviewItem, ReviewScreen};
use crate::model::Kind;
use crate::report;
use crate::report::agreement::Bootstrap;
use crate::report::judge::Human;
use crate::store::{Batch, LabelScope, NewAdjudication, Store, StoredRubric};
use crate::tui::dashboard::{Dashboard, Rate, ScoreCounts, TagRateRow, TagRates};
use crate::tui::terminal::with_terminal;
use crate::tui::theme::Theme;

/// Every item in scope with a label, a flag or a skip, by id.
pub fn load_items(store: &Store, rubric: &StoredRubric, batch: Option<&Batch>) -> anyhow::Result<Vec<ReviewItem>> {
    let scope = LabelScope { rubric: &rubric.rubric.name, batch_id: batch.map(|b| b.id) };
    // One read gives the labels and their comments (golden sets imported back are the
    // consensus, not raters: their labels are left out, as their comments never were).
    let set = store.label_set(scope)?;
    let mut labels: BTreeMap<i64, Vec<crate::store::CurrentLabel>> = BTreeMap::new();
    let mut comments: BTreeMap<i64, Vec<Comment>> = BTreeMap::new();
    for label in set.labels(true) {
        if let Some(text) = label.comment.filter(|text| !text.trim().is_empty()) {
            comments.entry(label.item_id).or_default().push(Comment {
                rater: label.rater.to_string(),
                about: label.criterion.to_string(),
                text: text.to_string(),
            });
        }
    }
    for label in set.labels(false) {
        labels.entry(label.item_id).or_default().push(crate::store::CurrentLabel {
            item_id: label.item_id,
            item: label.item.to_string(),
            rater: label.rater.to_string(),
            criterion: label.criterion.to_string(),
            value: label.value.clone(),
            at: label.at,
        });
    }
    drop(set);
    let mut adjudications: BTreeMap<i64, Vec<crate::store::Adjudication>> = BTreeMap::new();
    for adjudication in store.adjudications(scope)? {
        adjudications.entry(adjudication.item_id).or_default().push(adjudication);
    }
    let mut marks: BTreeMap<i64, Vec<crate::store::ItemMark>> = BTreeMap::new();
    for mark in store.item_marks(scope.batch_id)? {
        marks.entry(mark.item_id).or_default().push(mark);
    }
    let ids: BTreeSet<i64> = labels.keys().chain(marks.keys()).copied().collect();
    let mut items = Vec::with_capacity(ids.len());
    for item_id in ids {
        let item = store.item(item_id)?;
        items.push(ReviewItem::build(
            &rubric.rubric,
            item_id,
            item,
            labels.get(&item_id).map_or(&[], Vec::as_slice),
            comments.remove(&item_id).unwrap_or_default(),
            adjudications.get(&item_id).map_or(&[], Vec::as_slice),
            marks.get(&item_id).map_or(&[], Vec::as_slice),
        ));
    }
    items.sort_by(|a, b| a.item.id.cmp(&b.item.id));
    Ok(items)
}

/// The dashboard tab from the reports over the same scope: progress, agreement, judge,
/// the final values' histograms, and defect-tag rates sliced by the metadata field that
/// best splits the items (`model` when present).
pub fn dashboard_for(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    items: &[ReviewItem],
) -> anyhow::Result<Dashboard> {
    let (score_counts, field) = dashboard_inputs(rubric, items);
    dashboard_from(store, rubric, batch, score_counts, field)
}

/// What the dashboard takes from the screen's items (not the store): the histograms of
/// the final values and the metadata field to slice tag rates by.
fn dashboard_inputs(rubric: &StoredRubric, items: &[ReviewItem]) -> (Vec<ScoreCounts>, Option<String>) {
    let score_counts = score_counts(rubric, items);
    (score_counts, slice_field(items))
}

/// The dashboard from the reports over the scope, given what [`dashboard_inputs`] took
/// from the items: what runs away from the screen, on its own read connection.
fn dashboard_from(
    store: &Store,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    score_counts: Vec<ScoreCounts>,
    field: Option<String>,
) -> anyhow::Result<Dashboard> {
    let progress = report::progress::from_store(store, batch.map(|b| b.name.as_str()))?;
    let agreement = report::agreement::from_store(store, rubric, batch, None, Bootstrap::default(), false)?;
    let judge = report::judge::from_store(store, rubric, batch, Human::Mean, None, Bootstrap::default(), false)?;
    let judge = (!judge.criteria.is_empty()).then_some(judge);
    let tag_rates = match field {
        Some(field) => {
            let errors = report::errors::from_store(store, rubric, batch, Some(&field), None, false)
                .map_err(|err| anyhow::anyhow!("{err}"))?;
            let slices: Vec<String> = errors.slices.iter().map(|slice| slice.slice.clone()).collect();
            let tags: BTreeSet<(String, String)> = errors
                .slices
                .iter()
                .flat_map(|slice| slice.rates.iter().map(|rate| (rate.criterion.clone(), rate.value.clone())))
                .collect();
            let rows = tags
                .into_iter()
                .map(|(criterion, value)| TagRateRow {
                    tag: if value == "fail" { format!("{criterion}: fail") } else { value.clone() },
                    cells: errors
                        .slices
                        .iter()
                        .map(|slice| {
                            let rate = slice.rates.iter().find(|r| r.criterion == criterion && r.value == value)?;
                            Some(Rate { rate: rate.rate?, low: rate.ci_low?, high: rate.ci_high?, n: rate.n })
                        })
                        .collect(),
                })
                .collect();
            Some(TagRates { field, slices, rows })
        }
        None => None,
    };
    Ok(Dashboard::from_reports(&progress, &agreement, judge.as_ref(), score_counts, tag_rates))
}

/// How many items have each final value of each ordinal criterion.
fn score_counts(rubric: &StoredRubric, items: &[ReviewItem]) -> Vec<ScoreCounts> {
    rubric
        .rubric
        .criteria
        .iter()
        .enumerate()
        .filter(|(_, criterion)| criterion.kind == Kind::Ordinal)
        .map(|(index, criterion)| ScoreCounts {
            criterion: criterion.id.clone(),
            counts: criterion
                .options
                .iter()
                .map(|option| {
                    let count = items
                        .iter()
                        .filter(|item| {
                            item.decisions[index].as_ref().is_some_and(|d| d.value.as_str() == Some(&option.value))
                        })
                        .count();
                    (option.value.clone(), count as u64)
                })
                .collect(),
        })
        .collect()
}

/// `model` when items carry it, else the first metadata field with 2 to 8 values.
fn slice_field(items: &[ReviewItem]) -> Option<String> {
    let mut values: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for item in items {
        for (key, value) in &item.item.metadata {
            if let serde_json::Value::String(value) = value {
                values.entry(key).or_default().insert(value);
            }
        }
    }
    let splits = |key: &str| values.get(key).is_some_and(|v| (2..=8).contains(&v.len()));
    if splits("model") {
        return Some("model".into());
    }
    values.keys().find(|key| splits(key)).map(|key| key.to_string())
}

/// The loading thread: the items, then the dashboard's figures, each sent as it is
/// ready (the screen may have closed: then nobody is waiting, and that is fine).
fn load_in_background(
    path: &std::path::Path,
    rubric: &StoredRubric,
    batch: Option<&Batch>,
    sender: &mpsc::Sender<Arrival>,
) {
    let store = match Store::open_read_only(path) {
        Ok(store) => store,
        Err(err) => {
            let _ = sender.send(Arrival::Items(Err(err.to_string())));
            let _ = sender.send(Arrival::Dashboard(Err(err.to_string())));
            return;
        }
    };
    let items = match load_items(&store, rubric, batch) {
        Ok(items) => items,
        Err(err) => {
            let _ = sender.send(Arrival::Items(Err(format!("{err:#}"))));
            let _ = sender.send(Arrival::Dashboard(Err("the items could not be read".into())));
            return;
        }
    };
    let (score_counts, field) = dashboard_inputs(rubric, &items);
    let prepared = super::prepare(&items);
    if sender.send(Arrival::Items(Ok(Box::new((items, prepared))))).is_err() {
        return;
    }
    let dashboard = dashboard_from(&store, rubric, batch, score_counts, field).map_err(|err| format!("{err:#}"));
    let _ = sender.send(Arrival::Dashboard(dashboard.map(Box::new)));
}

/// One reviewer on one rubric (and batch).
pub struct Session<'s> {
    store: &'s mut Store,
    pub screen: ReviewScreen,
    rubric: StoredRubric,
    reviewer: String,
    quit: bool,
    /// What the loading thread sends, until all has arrived.
    arrivals: Option<Receiver<Arrival>>,
    items_pending: bool,
    dashboard_pending: bool,
}

/// What the loading thread sends back: the items first, then the dashboard's figures.
enum Arrival {
    Items(Result<Box<(Vec<ReviewItem>, Prepared)>, String>),
    Dashboard(Result<Box<Dashboard>, String>),
}

impl<'s> Session<'s> {
    /// Opens the screen at once: the items (every current label, read and sorted, takes
    /// seconds on a large store) and then the dashboard's figures (the reports with their
    /// bootstraps) are read on another thread with its own read connection, and the
    /// screen says so until they arrive. A store in memory cannot be opened twice: it is
    /// read here.
    pub fn new(
        store: &'s mut Store,
        rubric: StoredRubric,
        batch: Option<&Batch>,
        reviewer: &str,
        theme: Theme,
    ) -> anyhow::Result<Session<'s>> {
        let scope = match batch {
            Some(batch) => format!("{} v{} · batch {}", rubric.rubric.name, rubric.rubric.version, batch.name),
            None => format!("{} v{}", rubric.rubric.name, rubric.rubric.version),
        };
        let Some(path) = store.path().map(std::path::Path::to_path_buf) else {
            let items = load_items(store, &rubric, batch)?;
            let dashboard = dashboard_for(store, &rubric, batch, &items).map_err(|err| format!("{err:#}"));
            let mut screen = ReviewScreen::new(rubric.rubric.clone(), &scope, reviewer, items, None, theme);
            screen.dashboard_ready(dashboard);
            let reviewer = reviewer.to_string();
            return Ok(Session {
                store,
                screen,
                rubric,
                reviewer,
                quit: false,
                arrivals: None,
                items_pending: false,
                dashboard_pending: false,
            });
        };
        let screen = ReviewScreen::loading(rubric.rubric.clone(), &scope, reviewer, theme);
        let (sender, receiver) = mpsc::channel();
        let (thread_rubric, batch) = (rubric.clone(), batch.cloned());
        std::thread::Builder::new()
            .name("review-loader".into())
            .spawn(move || load_in_background(&path, &thread_rubric, batch.as_ref(), &sender))
            .context("cannot start reading the items")?;
        Ok(Session {
            store,
            screen,
            rubric,
            reviewer: reviewer.to_string(),
            quit: false,
            arrivals: Some(receiver),
            items_pending: true,
            dashboard_pending: true,
        })
    }

    /// Hands what has arrived from the loading thread to the screen.
    pub fn pump(&mut self) {
        while let Some(receiver) = &self.arrivals {
            match receiver.try_recv() {
                Ok(arrival) => self.arrived(arrival),
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => self.stopped(),
            }
        }
    }

    /// Waits for the items (tests and benches).
    pub fn wait_items(&mut self) {
        self.wait(|session| !session.items_pending);
    }

    /// Waits for the dashboard's figures (tests and benches).
    pub fn wait_dashboard(&mut self) {
        self.wait(|session| !session.dashboard_pending);
    }

    fn wait(&mut self, done: impl Fn(&Session) -> bool) {
        while !done(self) {
            let Some(receiver) = &self.arrivals else { return };
            match receiver.recv() {
                Ok(arrival) => self.arrived(arrival),
                Err(_) => self.stopped(),
            }
        }
    }

    fn arrived(&mut self, arrival: Arrival) {
        match arrival {
            Arrival::Items(items) => {
                self.items_pending = false;
                match items {
                    Ok(loaded) => {
                        let (items, prepared) = *loaded;
                        self.screen.items_loaded(Ok(items), Some(prepared))
                    }
                    Err(error) => self.screen.items_loaded(Err(error), None),
                }
            }
            Arrival::Dashboard(dashboard) => {
                self.dashboard_pending = false;
                self.screen.dashboard_ready(dashboard.map(|dashboard| *dashboard));
            }
        }
        if !self.items_pending && !self.dashboard_pending {
            self.arrivals = None;
        }
    }

    /// The loading thread ended without sending all (it panicked).
    fn stopped(&mut self) {
        let stopped = "reading stopped unexpectedly".to_string();
        if self.items_pending {
            self.arrived(Arrival::Items(Err(stopped.clone())));
        }
        if self.dashboard_pending {
            self.arrived(Arrival::Dashboard(Err(stopped)));
        }
        self.arrivals = None;
    }

    /// Whether items or figures are still on their way.
    pub fn pending(&self) -> bool {
        self.arrivals.is_some()
    }

    pub fn quit_requested(&self) -> bool {
        self.quit
    }

    pub fn key(&mut self, key: KeyEvent) -> anyhow::Result<()> {
        let effects = self.screen.key(key);
        self.perform(effects)
    }

    fn perform(&mut self, effects: Vec<Effect>) -> anyhow::Result<()> {
        for effect in effects {
            match effect {
                Effect::Quit => self.quit = true,
                Effect::Adjudicate { item_id, changes, rationale } => {
                    let (rubric_id, reviewer) = (self.rubric.id, self.reviewer.as_str());
                    let result = self.store.write(|tx| {
                        for (criterion, value) in &changes {
                            tx.record_adjudication(&NewAdjudication {
                                item_id,
                                criterion,
                                value: Some(value),
                                rationale: &rationale,
                                adjudicator: reviewer,
                                rubric_id,
                            })?;
                        }
                        Ok::<_, crate::store::StoreError>(())
                    });
                    match result {
                        Ok(()) => {
                            let standing = self.store.adjudications_of_item(item_id, &self.rubric.rubric.name)?;
                            self.screen.adjudicated(item_id, &standing);
                        }
                        Err(err) => self.screen.adjudication_failed(&format!("{err:#}")),
                    }
                }
            }
        }
        Ok(())
    }
}

/// Opens the review screen until the reviewer quits.
pub fn run(store: &mut Store, rubric: StoredRubric, batch: Option<&Batch>, reviewer: &str) -> anyhow::Result<()> {
    let mut session = Session::new(store, rubric, batch, reviewer, Theme::from_env())?;
    with_terminal(|terminal, stop| {
        while !session.quit_requested() && !stop.raised() {
            session.pump();
            session.screen.tick();
            let drawn = terminal.draw(|frame| session.screen.render(frame, frame.area())).context("cannot draw")?.area;
            session.screen.set_size(drawn.width, drawn.height);
            // A search under way goes on at once unless a key is waiting; figures on
            // their way are looked for often.
            let wait = if session.screen.searching() {
                0
            } else if session.pending() {
                100
            } else {
                500
            };
            let ready = match event::poll(Duration::from_millis(wait)) {
                Ok(ready) => ready,
                Err(_) if stop.raised() => break,
                Err(err) => return Err(err).context("cannot read the keyboard"),
            };
            if !ready {
                continue;
            }
            let scroll = |code| KeyEvent::new(code, KeyModifiers::NONE);
            match event::read().context("cannot read the keyboard")? {
                Event::Key(key) => session.key(key)?,
                Event::Mouse(mouse) => match mouse.kind {
                    MouseEventKind::ScrollUp => session.key(scroll(KeyCode::Up))?,
                    MouseEventKind::ScrollDown => session.key(scroll(KeyCode::Down))?,
                    _ => {}
                },
                _ => {}
            }
        }
        Ok(())
    })
}
