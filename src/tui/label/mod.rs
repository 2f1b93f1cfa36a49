//! The label screen: one item at a time, the rubric as a form, every decision saved
//! when its key is pressed.

mod finder;
pub mod keymap;
mod session;
mod side_by_side;
mod steps;
mod transcript;
mod view;
mod writer;

use std::collections::{BTreeMap, BTreeSet};

pub use keymap::{Action, Keymap};
pub use session::{Outcome, Session, keys_path, quit_wait, run};

use crate::model::rubric::Scope;
use crate::model::{Item, KeyTarget, Kind, LabelValue, Rubric, Shape};
use crate::store::{ItemAction, QueueEntry};
use crate::tui::editor::Editor;
use crate::tui::theme::Theme;

/// What the screen needs done outside itself; the session performs these in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Record these values (`None` retracts) for the current rater, in one transaction.
    Save {
        item_id: i64,
        changes: Vec<(String, Option<LabelValue>)>,
    },
    /// The rater is done with this item.
    Confirm {
        item_id: i64,
    },
    /// Skip, flag, unflag or reopen an item, with a note.
    Mark {
        item_id: i64,
        action: ItemAction,
        note: Option<String>,
    },
    /// Fetch an item and the rater's values for it, then call [`LabelScreen::loaded`].
    Load {
        item_id: i64,
    },
    /// Fetch the searchable text of the queue, then call [`LabelScreen::finder_loaded`].
    OpenFinder,
    /// Record that this rater sees the candidate `left` on the left of the comparison
    /// `item_id`: sent before the item's first decision, in the same queue of writes.
    RecordSide {
        item_id: i64,
        left: String,
    },
    Quit,
}

/// What of one item the store has not committed yet; the session keeps the screen told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unsaved {
    /// Criteria whose value on screen is not stored yet (set or cleared).
    pub criteria: BTreeSet<String>,
    /// The confirm is not stored yet.
    pub confirm: bool,
    /// Skips, flags and reopenings not stored yet.
    pub marks: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tone {
    Info,
    Error,
}

/// A one-line question at the bottom of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Prompt {
    kind: PromptKind,
    text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PromptKind {
    SkipReason,
    FlagNote,
    Jump,
    Step,
}

impl PromptKind {
    fn question(self) -> &'static str {
        match self {
            PromptKind::SkipReason => "why skip this item?",
            PromptKind::FlagNote => "flag for review; note:",
            PromptKind::Jump => "go to item (number or id):",
            PromptKind::Step => "go to step:",
        }
    }
}

/// One decision of this session, with what undoing it takes.
#[derive(Debug, Clone, PartialEq)]
enum Decision {
    /// Values set or cleared on an item: the values before.
    Values {
        item_id: i64,
        before: Vec<(String, Option<LabelValue>)>,
    },
    /// The item was confirmed; `before`: values the confirm itself set (an unanswered
    /// tags criterion becomes "none"), so one undo takes the whole confirm back.
    Confirmed {
        item_id: i64,
        before: Vec<(String, Option<LabelValue>)>,
    },
    Skipped {
        item_id: i64,
    },
    /// The flag was set (`true`) or taken away.
    Flagged {
        item_id: i64,
        flagged: bool,
    },
}

/// The item pane's text, sanitised once, and its rows at the pane's width.
struct Pane {
    /// Which item, passages folded, judge shown: what the text was made from.
    key: (i64, bool, bool),
    doc: crate::tui::wrap::Doc,
    rows: crate::tui::wrap::Rows,
    /// Where a long answer taken from the item lies in `doc` (see [`LONG_ANSWER`]).
    answer: Option<std::ops::Range<usize>>,
}

/// An answer this long (bytes) moves from the item into the pane's text rather than
/// being copied, so a 50 MB output costs its size once.
const LONG_ANSWER: usize = 1 << 20;

pub struct LabelScreen {
    /// The form: the item's criteria and the focused step's (see `steps::form_for`).
    rubric: Rubric,
    /// The whole rubric, step-scope criteria under their own ids.
    full_rubric: Rubric,
    guidelines: String,
    batch: String,
    rater: String,
    queue: Vec<QueueEntry>,
    /// Index into `queue`; `queue.len()` once everything is done.
    position: usize,
    item: Option<(i64, Item)>,
    values: BTreeMap<String, LabelValue>,
    /// Index of the criterion with focus.
    focus: usize,
    /// The text being typed when a text or number criterion has focus.
    editor: Option<Editor>,
    /// The item pane's first row shown.
    scroll: usize,
    /// After End, while the pane's rows are not all counted: how many rows above the
    /// last screenful it shows (it is then drawn from the text's last lines).
    from_end: Option<usize>,
    /// The last scroll offsets that still fill the item pane and the overlay, as last
    /// drawn (`MAX` until known), so scrolling stops at the end of the text.
    scroll_end: std::cell::Cell<usize>,
    help_end: std::cell::Cell<u16>,
    /// The item's text and its rows as found so far, kept between frames.
    pane: std::cell::RefCell<Option<Pane>>,
    /// A long answer taken from the loaded item, until the pane takes it.
    answer: std::cell::RefCell<Option<String>>,
    /// Scroll offset of the guidelines overlay, when it is open.
    help: Option<u16>,
    message: Option<(Tone, String)>,
    prompt: Option<Prompt>,
    finder: Option<finder::Finder>,
    /// The finder once closed, kept: the queue's texts do not change in a session, and
    /// reading and lower-casing them is the slow part of opening it on a long queue.
    closed_finder: Option<finder::Finder>,
    /// This session's decisions, newest last, for undo.
    history: Vec<Decision>,
    confirmed_this_session: usize,
    /// Time since the session began, and on the item on screen.
    session_time: std::time::Duration,
    item_time: std::time::Duration,
    theme: Theme,
    keymap: Keymap,
    /// keys.toml problems and keymap keys the rubric takes over, for the `?` overlay.
    key_notes: Vec<String>,
    /// Show the LLM judge's scores (a lead's calibration session; blind otherwise).
    show_judge: bool,
    /// The retrieved passages are folded away.
    passages_folded: bool,
    /// Required criteria the last confirm found unanswered, marked in the form.
    missing: Vec<String>,
    /// Decisions the store has not committed yet, by item: shown as pending, never as saved.
    unsaved: BTreeMap<i64, Unsaved>,
    /// Writes waiting for the store, and whether it is busy (another process writes).
    unsaved_writes: usize,
    retrying: bool,
    /// Quitting waits for unsaved writes: what the screen says meanwhile.
    closing: Option<String>,
    /// The terminal is below the minimum size: the screen is not shown, so only quit acts.
    too_small: bool,
    /// Keys pressed while too small, none of which acted: the notice counts them.
    ignored_keys: usize,
    /// The focus move under way skips text and number fields (it came from a letter).
    options_only: bool,
    /// Which side each comparison of the queue shows its candidates on.
    sides: side_by_side::Sides,
    /// The comparison on screen: its panes' focus and scroll.
    compare: side_by_side::Compare,
    /// Show the candidates' models (blind otherwise).
    show_models: bool,
    /// A conversation item's steps, focus and folds (empty for other shapes).
    transcript: transcript::Transcript,
}

impl LabelScreen {
    pub fn new(
        rubric: Rubric,
        guidelines: String,
        batch: &str,
        rater: &str,
        queue: Vec<QueueEntry>,
        theme: Theme,
    ) -> LabelScreen {
        let mut screen = LabelScreen {
            rubric: steps::form_for(&rubric, None),
            full_rubric: rubric,
            guidelines,
            batch: batch.to_string(),
            rater: rater.to_string(),
            queue,
            position: 0,
            item: None,
            values: BTreeMap::new(),
            focus: 0,
            editor: None,
            scroll: 0,
            scroll_end: std::cell::Cell::new(usize::MAX),
            from_end: None,
            pane: std::cell::RefCell::new(None),
            answer: std::cell::RefCell::new(None),
            help_end: std::cell::Cell::new(u16::MAX),
            help: None,
            message: None,
            prompt: None,
            finder: None,
            closed_finder: None,
            history: Vec::new(),
            confirmed_this_session: 0,
            session_time: std::time::Duration::ZERO,
            item_time: std::time::Duration::ZERO,
            theme,
            keymap: Keymap::default(),
            key_notes: Vec::new(),
            show_judge: false,
            passages_folded: false,
            missing: Vec::new(),
            unsaved: BTreeMap::new(),
            unsaved_writes: 0,
            retrying: false,
            closing: None,
            too_small: false,
            ignored_keys: 0,
            options_only: false,
            sides: Default::default(),
            compare: Default::default(),
            show_models: false,
            transcript: Default::default(),
        };
        screen.set_keymap(Keymap::default(), &[]);
        screen
    }

    /// Shows the judge's scores with each item: for calibration sessions, not for raters.
    pub fn set_show_judge(&mut self, show: bool) {
        self.show_judge = show;
    }

    /// Uses `keymap`; `problems` (from the rater's keys.toml) are shown until the first
    /// key, and listed whole in the `?` overlay. A plain key the rubric uses as an option
    /// key is that option: the overlay says which bindings that takes away.
    pub fn set_keymap(&mut self, mut keymap: Keymap, problems: &[String]) {
        let rubric = &self.full_rubric;
        let shadowed = keymap.drop_shadowed(|ch| rubric.is_option_key(ch));
        self.keymap = keymap;
        self.key_notes = problems.to_vec();
        for (key, action) in shadowed {
            let owners: Vec<&str> = rubric.key_owners(key).iter().map(|&ci| rubric.criteria[ci].id.as_str()).collect();
            self.key_notes.push(format!("`{key}` is an option of {}, so it does not do `{action}`", owners.join(", ")));
        }
        if !problems.is_empty() {
            self.message = Some((Tone::Error, problems.join("; ")));
        }
    }

    /// The terminal's size, as drawn: below the minimum only quit acts.
    pub fn set_size(&mut self, width: u16, height: u16) {
        self.too_small = !crate::tui::fits(width, height);
        if !self.too_small {
            self.ignored_keys = 0;
        }
    }

    /// A key press: editing keys to the focused field, the rest through the keymap.
    pub fn key(&mut self, key: ratatui::crossterm::event::KeyEvent) -> Vec<Effect> {
        use ratatui::crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
        if self.too_small {
            // Not even typing: the rater sees a notice, not the form.
            return match self.keymap.action(key, false, |_| false) {
                Some(Action::Quit) => self.update(Action::Quit),
                None if key.kind == KeyEventKind::Release => Vec::new(),
                _ => {
                    self.ignored_keys += 1;
                    Vec::new()
                }
            };
        }
        // Esc then a key in quick succession arrives as Alt and the key: treat it so.
        if key.modifiers.contains(KeyModifiers::ALT) && matches!(key.code, KeyCode::Char(_)) {
            let mut effects = self.update(Action::Cancel);
            let mut plain = key;
            plain.modifiers.remove(KeyModifiers::ALT);
            effects.extend(self.key(plain));
            return effects;
        }
        let plain =
            key.kind != KeyEventKind::Release && !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let multiline = self.rubric.criteria.get(self.focus).is_some_and(|c| c.kind == Kind::Text);
        if plain
            && self.help.is_none()
            && self.prompt.is_none()
            && self.finder.is_none()
            && let Some(editor) = &mut self.editor
        {
            let edit: Option<fn(&mut Editor)> = match key.code {
                KeyCode::Left => Some(Editor::left),
                KeyCode::Right => Some(Editor::right),
                KeyCode::Home => Some(Editor::home),
                KeyCode::End => Some(Editor::end),
                KeyCode::Delete => Some(Editor::delete),
                KeyCode::Up if multiline => Some(|editor| editor.vertical(-1)),
                KeyCode::Down if multiline => Some(|editor| editor.vertical(1)),
                KeyCode::Enter if multiline => Some(|editor| editor.insert('\n')),
                _ => None,
            };
            if let Some(edit) = edit {
                edit(editor);
                return Vec::new();
            }
        }
        let in_help = self.help.is_some();
        let action = self.keymap.action(key, self.editing(), |ch| !in_help && self.full_rubric.is_option_key(ch));
        // A letter that moves focus (j/k) passes over text and number fields: landing in
        // one would type the next press of that letter. Tab reaches them.
        if let (Some(action @ (Action::FocusNext | Action::FocusPrevious)), KeyCode::Char(_)) = (action, key.code)
            && self.help.is_none()
            && self.prompt.is_none()
            && self.finder.is_none()
        {
            self.options_only = true;
            let effects = self.update(action);
            self.options_only = false;
            return effects;
        }
        action.map(|action| self.update(action)).unwrap_or_default()
    }

    /// Resumes at the first item neither done nor skipped.
    pub fn start(&mut self) -> Vec<Effect> {
        self.position = self.queue.iter().position(|entry| !entry.done && !entry.skipped).unwrap_or(self.queue.len());
        self.load_current()
    }

    /// The item the session fetched, with the rater's current values for it.
    pub fn loaded(&mut self, item_id: i64, item: Item, values: BTreeMap<String, LabelValue>) {
        if self.queue.get(self.position).map(|entry| entry.item_id) != Some(item_id) {
            return; // The rater has moved on since this was asked for.
        }
        self.transcript = transcript::Transcript::of(&item, self.show_judge);
        self.rubric = steps::form_for(&self.full_rubric, self.focused_step());
        let mut item = item;
        *self.pane.get_mut() = None;
        *self.answer.get_mut() = (matches!(item.shape, Shape::Single) && item.output.len() > LONG_ANSWER)
            .then(|| std::mem::take(&mut item.output));
        self.item = Some((item_id, item));
        self.values = values;
        self.scroll = 0;
        self.from_end = None;
        self.focus = self.first_focus();
        self.editor = self.editor_for(self.focus);
    }

    /// What the store has not committed yet (`writes` queued, `retrying` while another
    /// process holds the lock). Shown as pending until the session says otherwise.
    pub fn set_unsaved(&mut self, unsaved: BTreeMap<i64, Unsaved>, writes: usize, retrying: bool) {
        self.unsaved = unsaved;
        self.unsaved_writes = writes;
        self.retrying = retrying && writes > 0;
    }

    /// Writes not committed yet.
    pub fn unsaved_writes(&self) -> usize {
        self.unsaved_writes
    }

    /// The store has the confirm of `item_id`: only now does the screen say it is saved.
    pub fn confirm_saved(&mut self, item_id: i64) {
        let Some(entry) = self.queue.iter().find(|entry| entry.item_id == item_id) else { return };
        if self.message.as_ref().is_some_and(|(_, text)| *text == confirming(&entry.external_id)) {
            let id = entry.external_id.clone();
            let done = self.done_count();
            self.message = Some((Tone::Info, format!("saved {id} ({done} of {} done)", self.queue.len())));
        }
    }

    /// The store refused a write of `item_id` (not a busy lock: that is retried) and the
    /// writes of the item queued after it were dropped. The screen shows what the store
    /// holds instead: its `stored` values and its `state` (done, skipped, flagged) of the
    /// item; undo forgets the item's decisions, which the store never took.
    pub fn write_failed(
        &mut self,
        item_id: i64,
        error: &str,
        stored: BTreeMap<String, LabelValue>,
        state: Option<(bool, bool, bool)>,
    ) {
        if let Some(entry) = self.queue.iter_mut().find(|entry| entry.item_id == item_id) {
            let (done, skipped, flagged) = state.unwrap_or((false, false, false));
            (entry.done, entry.skipped, entry.flagged) = (done, skipped, flagged);
        }
        self.side_not_stored(item_id);
        let before = self.history.len();
        self.history.retain(|decision| decision.item_id() != item_id);
        if self.history.len() < before {
            self.confirmed_this_session =
                self.history.iter().filter(|decision| matches!(decision, Decision::Confirmed { .. })).count();
        }
        let id = self.queue.iter().find(|entry| entry.item_id == item_id).map(|entry| entry.external_id.clone());
        if self.current_item_id() == Some(item_id) {
            self.values = stored;
            self.editor = self.editor_for(self.focus);
        }
        let id = id.unwrap_or_else(|| item_id.to_string());
        self.message = Some((Tone::Error, format!("NOT SAVED on {id}: {error}; showing what the store holds for it")));
    }

    /// Quitting waits for unsaved writes: `note` says so (`None` when it stops waiting).
    pub fn set_closing(&mut self, note: Option<String>) {
        self.closing = note;
    }

    /// Time since the session began and on the current item, for the pace line.
    pub fn set_clock(&mut self, session: std::time::Duration, on_item: std::time::Duration) {
        self.session_time = session;
        self.item_time = on_item;
    }

    /// Items confirmed per hour in this session, once there is something to measure.
    fn pace(&self) -> Option<f64> {
        let hours = self.session_time.as_secs_f64() / 3600.0;
        (self.confirmed_this_session > 0 && self.session_time.as_secs() >= 30)
            .then(|| self.confirmed_this_session as f64 / hours)
    }

    /// Whether printable keys are text (a text or number field, a prompt or the finder
    /// has focus).
    pub fn editing(&self) -> bool {
        self.help.is_none() && (self.editor.is_some() || self.prompt.is_some() || self.finder.is_some())
    }

    /// The queue's searchable text, by item id, for the finder.
    pub fn finder_loaded(&mut self, texts: Vec<(i64, String)>) {
        let positions: std::collections::HashMap<i64, usize> =
            self.queue.iter().enumerate().map(|(position, entry)| (entry.item_id, position)).collect();
        let texts = texts.into_iter().filter_map(|(id, text)| Some((*positions.get(&id)?, text))).collect();
        self.finder = Some(finder::Finder::new(texts));
    }

    /// Whether the finder is still searching: the event loop then calls
    /// [`LabelScreen::tick`] without waiting for a key.
    pub fn searching(&self) -> bool {
        self.finder.as_ref().is_some_and(finder::Finder::searching)
    }

    /// Carries on what is left to do between keys (the finder's search).
    pub fn tick(&mut self) {
        if let Some(finder) = &mut self.finder {
            finder.tick();
        }
    }

    pub fn current_item_id(&self) -> Option<i64> {
        self.item.as_ref().map(|(id, _)| *id)
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut effects = Vec::new();
        let moves_step =
            matches!(action, Action::StepNext | Action::StepPrevious | Action::JumpStep | Action::Top | Action::Bottom);
        // A step's field being typed in is saved before the step changes under it.
        if moves_step
            && self.help.is_none()
            && self.prompt.is_none()
            && self.finder.is_none()
            && !self.transcript.is_empty()
            && self.rubric.criteria.get(self.focus).is_some_and(|c| c.scope == Scope::Step)
        {
            match self.commit_editor() {
                Ok(saved) => effects = saved,
                Err(()) => return Vec::new(),
            }
        }
        let step = self.focused_step();
        effects.extend(self.update_screen(action));
        if self.focused_step() != step && self.item.is_some() {
            self.reform();
        }
        effects
    }

    fn update_screen(&mut self, action: Action) -> Vec<Effect> {
        if self.help.is_some() {
            return self.update_help(action);
        }
        if self.prompt.is_some() {
            return self.update_prompt(action);
        }
        if self.finder.is_some() {
            return self.update_finder(action);
        }
        if let Some(effects) = self.update_transcript(action) {
            return effects;
        }
        if !matches!(
            action,
            Action::ScrollUp | Action::ScrollDown | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom
        ) {
            self.message = None;
        }
        if let Some(effects) = self.update_comparison(action) {
            return effects;
        }
        match action {
            Action::Quit => {
                let mut effects = self.commit_editor().unwrap_or_default();
                effects.push(Effect::Quit);
                effects
            }
            Action::Help => {
                self.help = Some(0);
                Vec::new()
            }
            Action::Undo => self.undo(),
            Action::Jump => self.open_prompt(PromptKind::Jump),
            Action::TogglePassages => {
                self.passages_folded = !self.passages_folded;
                Vec::new()
            }
            // Only a comparison item has sides (see update_comparison).
            Action::SwitchSide => Vec::new(),
            Action::Find => {
                let Ok(mut effects) = self.commit_editor() else {
                    return Vec::new();
                };
                match self.closed_finder.take() {
                    Some(mut finder) => {
                        finder.reopen();
                        self.finder = Some(finder);
                    }
                    None => effects.push(Effect::OpenFinder),
                }
                effects
            }
            Action::ScrollUp => self.scroll_by(-1),
            Action::ScrollDown => self.scroll_by(1),
            Action::PageUp => self.scroll_by(-10),
            Action::PageDown => self.scroll_by(10),
            Action::Top => {
                (self.scroll, self.from_end) = (0, None);
                Vec::new()
            }
            Action::Bottom => {
                (self.scroll, self.from_end) = (usize::MAX, Some(0));
                Vec::new()
            }
            // Handled by the transcript when the item is a conversation.
            Action::StepNext
            | Action::StepPrevious
            | Action::ToggleStep
            | Action::ToggleAllSteps
            | Action::JumpStep => Vec::new(),
            Action::MarkStep if self.item.is_some() => self.mark_step(),
            Action::MarkStep => Vec::new(),
            _ if self.item.is_none() => {
                if action == Action::Previous && !self.queue.is_empty() {
                    self.position = self.position.saturating_sub(1);
                    return self.load_current();
                }
                Vec::new()
            }
            Action::Char(ch) => match &mut self.editor {
                Some(editor) => {
                    editor.insert(ch);
                    Vec::new()
                }
                None => self.hotkey(ch),
            },
            Action::Clear => match &mut self.editor {
                Some(editor) => {
                    editor.backspace();
                    Vec::new()
                }
                None => match self.rubric.criteria.get(self.focus) {
                    Some(criterion) => {
                        let id = criterion.id.clone();
                        self.set(&id, None)
                    }
                    None => Vec::new(),
                },
            },
            Action::Cancel => {
                if self.editor.is_some() {
                    // Leave the field unsaved, back to the first option criterion.
                    self.focus = self.first_focus();
                    self.editor = self.editor_for(self.focus);
                }
                Vec::new()
            }
            Action::FocusNext | Action::FocusPrevious => {
                let Ok(effects) = self.commit_editor() else {
                    return Vec::new();
                };
                if self.rubric.criteria.is_empty() {
                    return effects;
                }
                let step = if action == Action::FocusNext { 1 } else { self.rubric.criteria.len() - 1 };
                let count = self.rubric.criteria.len();
                let mut next = self.focus;
                for _ in 0..count {
                    next = (next + step) % count;
                    let typed = self.rubric.criteria[next].options.is_empty();
                    if self.rubric.applies(next, &self.values) && !(typed && self.options_only) {
                        break;
                    }
                }
                self.focus = next;
                self.editor = self.editor_for(next);
                effects
            }
            Action::Confirm => self.confirm(),
            Action::Skip => self.open_prompt(PromptKind::SkipReason),
            Action::Flag => {
                let Some(item_id) = self.current_item_id() else { return Vec::new() };
                if self.queue[self.position].flagged {
                    self.queue[self.position].flagged = false;
                    self.history.push(Decision::Flagged { item_id, flagged: false });
                    self.message = Some((Tone::Info, "flag taken away".into()));
                    return vec![Effect::Mark { item_id, action: ItemAction::Unflag, note: None }];
                }
                self.open_prompt(PromptKind::FlagNote)
            }
            Action::Next | Action::Previous => {
                let Ok(mut effects) = self.commit_editor() else {
                    return Vec::new();
                };
                let target = if action == Action::Next {
                    (self.position + 1).min(self.queue.len().saturating_sub(1))
                } else {
                    self.position.saturating_sub(1)
                };
                if target != self.position {
                    self.position = target;
                    effects.extend(self.load_current());
                }
                effects
            }
        }
    }

    fn open_prompt(&mut self, kind: PromptKind) -> Vec<Effect> {
        let Ok(effects) = self.commit_editor() else {
            return Vec::new();
        };
        self.editor = None;
        self.prompt = Some(Prompt { kind, text: String::new() });
        effects
    }

    fn update_finder(&mut self, action: Action) -> Vec<Effect> {
        let Some(finder) = &mut self.finder else { return Vec::new() };
        match action {
            Action::Char(ch) => finder.push(ch),
            Action::Clear => finder.pop(),
            Action::ScrollUp | Action::FocusPrevious => finder.move_selection(-1),
            Action::ScrollDown | Action::FocusNext => finder.move_selection(1),
            Action::PageUp => finder.move_selection(-10),
            Action::PageDown => finder.move_selection(10),
            Action::Top => finder.move_selection(isize::MIN / 2),
            Action::Bottom => finder.move_selection(isize::MAX / 2),
            Action::Cancel => {
                self.closed_finder = self.finder.take();
                self.editor = self.editor_for(self.focus);
            }
            Action::Quit => return vec![Effect::Quit],
            Action::Confirm => {
                let Some(target) = finder.chosen() else { return Vec::new() };
                self.closed_finder = self.finder.take();
                self.position = target;
                return self.load_current();
            }
            _ => {}
        }
        Vec::new()
    }

    fn update_prompt(&mut self, action: Action) -> Vec<Effect> {
        let Some(prompt) = &mut self.prompt else { return Vec::new() };
        match action {
            Action::Char(ch) => prompt.text.push(ch),
            Action::Clear => {
                prompt.text.pop();
            }
            Action::Cancel => {
                self.prompt = None;
                self.editor = self.editor_for(self.focus);
            }
            Action::Quit => return vec![Effect::Quit],
            Action::Confirm => {
                let Prompt { kind, text } = prompt.clone();
                let text = text.trim().to_string();
                return self.answer_prompt(kind, text);
            }
            _ => {}
        }
        Vec::new()
    }

    fn answer_prompt(&mut self, kind: PromptKind, text: String) -> Vec<Effect> {
        match kind {
            PromptKind::Jump => {
                let by_number =
                    text.parse::<usize>().ok().filter(|n| (1..=self.queue.len()).contains(n)).map(|n| n - 1);
                let target = by_number.or_else(|| self.queue.iter().position(|entry| entry.external_id == text));
                let Some(target) = target else {
                    self.message = Some((
                        Tone::Error,
                        format!("no item `{text}` in your queue: a number from 1 to {}, or an id", self.queue.len()),
                    ));
                    return Vec::new();
                };
                self.prompt = None;
                self.position = target;
                self.load_current()
            }
            PromptKind::Step => self.jump_to_step(&text),
            PromptKind::SkipReason if text.is_empty() => {
                self.message = Some((Tone::Error, "say why you skip it (Esc to go back)".into()));
                Vec::new()
            }
            PromptKind::SkipReason => {
                self.prompt = None;
                let Some(item_id) = self.current_item_id() else { return Vec::new() };
                self.history.push(Decision::Skipped { item_id });
                let skipped_id = self.queue[self.position].external_id.clone();
                self.queue[self.position].skipped = true;
                let mut effects = vec![Effect::Mark { item_id, action: ItemAction::Skip, note: Some(text) }];
                self.message = Some((Tone::Info, format!("skipped {skipped_id}")));
                effects.extend(self.move_to_next_open());
                effects
            }
            PromptKind::FlagNote => {
                self.prompt = None;
                self.editor = self.editor_for(self.focus);
                let Some(item_id) = self.current_item_id() else { return Vec::new() };
                self.queue[self.position].flagged = true;
                self.history.push(Decision::Flagged { item_id, flagged: true });
                self.message = Some((Tone::Info, "flagged for review".into()));
                let note = (!text.is_empty()).then_some(text);
                vec![Effect::Mark { item_id, action: ItemAction::Flag, note }]
            }
        }
    }

    /// Undoes the newest decision of this session with new events (nothing is deleted),
    /// and shows the item it concerned.
    fn undo(&mut self) -> Vec<Effect> {
        let Ok(mut effects) = self.commit_editor() else {
            return Vec::new();
        };
        // Typing just committed is itself the newest decision.
        let Some(decision) = self.history.pop() else {
            self.message = Some((Tone::Info, "nothing to undo in this session".into()));
            return effects;
        };
        let mut confirm_values = None;
        let (item_id, undone, mark) = match decision {
            Decision::Values { item_id, before } => {
                let names: Vec<String> = before.iter().map(|(id, _)| id.clone()).collect();
                effects.push(Effect::Save { item_id, changes: before.clone() });
                if self.current_item_id() == Some(item_id) {
                    for (id, value) in before {
                        match value {
                            Some(value) => self.values.insert(id, value),
                            None => self.values.remove(&id),
                        };
                    }
                    self.message = Some((Tone::Info, format!("undone: {}", names.join(", "))));
                    return effects;
                }
                (item_id, format!("undone: {}", names.join(", ")), None)
            }
            Decision::Confirmed { item_id, before } => {
                self.confirmed_this_session = self.confirmed_this_session.saturating_sub(1);
                if !before.is_empty() {
                    // Saved after the reopening and before the item is shown again, so
                    // it loads without them.
                    confirm_values = Some(Effect::Save { item_id, changes: before.clone() });
                    if self.current_item_id() == Some(item_id) {
                        for (id, value) in before {
                            match value {
                                Some(value) => self.values.insert(id, value),
                                None => self.values.remove(&id),
                            };
                        }
                    }
                }
                (item_id, "undone: confirm".to_string(), Some(ItemAction::Reopen))
            }
            Decision::Skipped { item_id } => (item_id, "undone: skip".to_string(), Some(ItemAction::Reopen)),
            Decision::Flagged { item_id, flagged } => {
                let action = if flagged { ItemAction::Unflag } else { ItemAction::Flag };
                (item_id, format!("undone: {}", if flagged { "flag" } else { "unflag" }), Some(action))
            }
        };
        if let Some(action) = mark {
            effects.push(Effect::Mark { item_id, action, note: None });
        }
        effects.extend(confirm_values);
        if let Some(position) = self.queue.iter().position(|entry| entry.item_id == item_id) {
            let entry = &mut self.queue[position];
            match mark {
                Some(ItemAction::Reopen) => {
                    entry.done = false;
                    entry.skipped = false;
                }
                Some(ItemAction::Flag) => entry.flagged = true,
                Some(ItemAction::Unflag) => entry.flagged = false,
                _ => {}
            }
            if position != self.position || self.item.is_none() {
                self.position = position;
                effects.extend(self.load_current());
            }
        }
        self.message = Some((Tone::Info, undone));
        effects
    }

    fn update_help(&mut self, action: Action) -> Vec<Effect> {
        let offset = self.help.unwrap_or(0);
        match action {
            Action::Help | Action::Cancel => self.help = None,
            Action::Quit => return vec![Effect::Quit],
            // Scrolling stops at the end of the text, as drawn last.
            Action::ScrollUp => self.help = Some(offset.saturating_sub(1)),
            Action::ScrollDown => self.help = Some(offset.saturating_add(1).min(self.help_end.get())),
            Action::PageUp => self.help = Some(offset.saturating_sub(10)),
            Action::PageDown => self.help = Some(offset.saturating_add(10).min(self.help_end.get())),
            Action::Top => self.help = Some(0),
            Action::Bottom => self.help = Some(self.help_end.get().min(u16::MAX / 2)),
            _ => {}
        }
        Vec::new()
    }

    /// Scrolls the item, stopping at the end of its text as last drawn.
    fn scroll_by(&mut self, lines: isize) -> Vec<Effect> {
        let end = self.scroll_end.get();
        if let Some(up) = self.from_end {
            // Still counting: move from the end. Once counted, from the top again.
            if end == usize::MAX {
                self.from_end = Some(up.saturating_add_signed(-lines));
                return Vec::new();
            }
            (self.scroll, self.from_end) = (end.saturating_sub(up), None);
        }
        self.scroll = self.scroll.min(end).saturating_add_signed(lines).min(end);
        Vec::new()
    }

    fn load_current(&mut self) -> Vec<Effect> {
        self.item = None;
        self.compare = Default::default();
        self.transcript = Default::default();
        *self.pane.get_mut() = None;
        *self.answer.get_mut() = None;
        self.missing.clear();
        self.values.clear();
        self.editor = None;
        match self.queue.get(self.position) {
            Some(entry) => vec![Effect::Load { item_id: entry.item_id }],
            None => Vec::new(),
        }
    }

    /// The first criterion answered with option keys: where focus starts, so hotkeys work.
    fn first_focus(&self) -> usize {
        self.rubric.criteria.iter().position(|c| !matches!(c.kind, Kind::Text | Kind::Number | Kind::Step)).unwrap_or(0)
    }

    fn editor_for(&self, index: usize) -> Option<Editor> {
        match self.rubric.criteria.get(index)?.kind {
            // A `step` criterion: a step number or `none` typed (mark_step sets it too).
            Kind::Text | Kind::Number | Kind::Step => Some(Editor::new(&self.stored_text(index))),
            _ => None,
        }
    }

    /// Pasted text (bracketed paste): into the field, prompt or finder with focus.
    pub fn paste(&mut self, text: &str) {
        if self.help.is_some() || self.too_small {
            return;
        }
        if let Some(finder) = &mut self.finder {
            text.chars().filter(|ch| !ch.is_control()).for_each(|ch| finder.push(ch));
        } else if let Some(prompt) = &mut self.prompt {
            prompt.text.extend(text.chars().filter(|ch| !ch.is_control()));
        } else if let Some(editor) = &mut self.editor {
            if self.rubric.criteria.get(self.focus).is_some_and(|c| c.kind == Kind::Text) {
                editor.insert_str(text);
            } else {
                editor.insert_str(text.trim());
            }
        }
    }

    fn stored_text(&self, index: usize) -> String {
        self.values.get(&self.rubric.criteria[index].id).map(LabelValue::display).unwrap_or_default()
    }

    fn hotkey(&mut self, key: char) -> Vec<Effect> {
        let (index, option) = match self.rubric.key_target(key, self.focus) {
            KeyTarget::Option(index, option) => (index, option),
            KeyTarget::Ambiguous(owners) => {
                let names: Vec<&str> = owners.iter().map(|&ci| self.rubric.criteria[ci].id.as_str()).collect();
                let tab = self.keymap.keys(Action::FocusNext).into_iter().next().unwrap_or_default();
                self.message = Some((
                    Tone::Error,
                    format!("`{key}` is an option of {}: {tab} to the one you mean first", names.join(", ")),
                ));
                return Vec::new();
            }
            KeyTarget::None => {
                let owners: Vec<&str> = self
                    .full_rubric
                    .key_owners(key)
                    .iter()
                    .map(|&ci| self.full_rubric.criteria[ci].id.as_str())
                    .collect();
                let text = if owners.is_empty() {
                    format!("no option uses the key `{}`; ? shows the guidelines", key.escape_default())
                } else {
                    // A step criterion not asked of the focused step (or of this item).
                    format!("`{}` answers {}, which is not asked here", key.escape_default(), owners.join(", "))
                };
                self.message = Some((Tone::Error, text));
                return Vec::new();
            }
        };
        let criterion = &self.rubric.criteria[index];
        if !self.rubric.applies(index, &self.values) {
            let condition = criterion.when.as_ref().map_or(String::new(), |when| {
                format!(" (asked only when {} = {})", when.criterion, when.any_of.join(" or "))
            });
            self.message = Some((Tone::Error, format!("`{}` does not apply to this item{condition}", criterion.id)));
            return Vec::new();
        }
        let id = criterion.id.clone();
        // The rater chose left or right: stored in the candidates' own terms.
        let chosen = self.seen_from_screen(criterion, criterion.options[option].value.clone());
        let value = match criterion.kind {
            Kind::Tags => {
                let mut tags = match self.values.get(&id) {
                    Some(LabelValue::Tags(tags)) => tags.clone(),
                    _ => BTreeSet::new(),
                };
                if !tags.remove(&chosen) {
                    tags.insert(chosen);
                }
                LabelValue::Tags(tags)
            }
            _ => LabelValue::Choice(chosen),
        };
        let single = criterion.kind.is_choice();
        self.focus = index;
        let effects = self.set(&id, Some(value));
        // One value per choice criterion: on to the next one still open, so a
        // four-scale item is `4 5 3 4 Enter`. Tags take several keys, so focus stays.
        if single && let Some(next) = self.next_open(index) {
            self.focus = next;
        }
        effects
    }

    /// The next criterion after `index` (wrapping round) that is asked, answered with
    /// option keys and has no value yet.
    fn next_open(&self, index: usize) -> Option<usize> {
        let count = self.rubric.criteria.len();
        (1..count).map(|step| (index + step) % count).find(|&next| {
            let criterion = &self.rubric.criteria[next];
            !criterion.options.is_empty()
                && !self.values.contains_key(&criterion.id)
                && self.rubric.applies(next, &self.values)
        })
    }

    /// Sets or clears one value, and clears the values of criteria that stop applying.
    fn set(&mut self, id: &str, value: Option<LabelValue>) -> Vec<Effect> {
        let Some(item_id) = self.current_item_id() else {
            return Vec::new();
        };
        if self.values.get(id) == value.as_ref() {
            return Vec::new();
        }
        let mut changes = vec![(id.to_string(), value.clone())];
        let mut before = vec![(id.to_string(), self.values.get(id).cloned())];
        match value {
            Some(value) => self.values.insert(id.to_string(), value),
            None => self.values.remove(id),
        };
        // Clearing one answer can make a later criterion stop applying, and so on down.
        for index in 0..self.rubric.criteria.len() {
            let dependent = self.rubric.criteria[index].id.clone();
            if self.values.contains_key(&dependent) && !self.rubric.applies(index, &self.values) {
                before.push((dependent.clone(), self.values.remove(&dependent)));
                changes.push((dependent, None));
            }
        }
        // And the values of other steps, whose `when` may name this item criterion.
        for dependent in self.stale_step_values() {
            before.push((dependent.clone(), self.values.remove(&dependent)));
            changes.push((dependent, None));
        }
        self.missing.retain(|missing| missing != id);
        self.history.push(Decision::Values { item_id, before });
        let mut effects: Vec<Effect> = self.record_side(item_id).into_iter().collect();
        effects.push(Effect::Save { item_id, changes });
        effects
    }

    /// Saves what is typed in the focused text or number field. Fails (and says why)
    /// when a number does not parse or is out of range.
    fn commit_editor(&mut self) -> Result<Vec<Effect>, ()> {
        let Some(buffer) = self.editor.as_ref().map(|editor| editor.text().to_string()) else {
            return Ok(Vec::new());
        };
        let criterion = &self.rubric.criteria[self.focus];
        let id = criterion.id.clone();
        if buffer.trim().is_empty() {
            return Ok(self.set(&id, None));
        }
        let steps = self.transcript.step_count();
        let parsed = criterion.parse_text(&buffer).and_then(|value| match &value {
            LabelValue::Choice(n) if criterion.kind == Kind::Step && n.parse::<usize>().is_ok_and(|n| n > steps) => {
                Err(format!("this item has no step {n} (it has {steps})"))
            }
            _ => Ok(value),
        });
        match parsed {
            Ok(value) => Ok(self.set(&id, Some(value))),
            Err(message) => {
                self.message = Some((Tone::Error, format!("{id}: {message}")));
                Err(())
            }
        }
    }

    fn confirm(&mut self) -> Vec<Effect> {
        let Ok(mut effects) = self.commit_editor() else {
            return Vec::new();
        };
        let missing: Vec<String> = self.rubric.missing_required(&self.values).into_iter().map(str::to_string).collect();
        if let Some(first) = missing.first() {
            self.focus = self.rubric.criteria.iter().position(|c| &c.id == first).unwrap_or(0);
            self.editor = self.editor_for(self.focus);
            self.message = Some((Tone::Error, format!("required before moving on: {}", missing.join(", "))));
            self.missing = missing;
            return effects;
        }
        self.missing.clear();
        let Some(item_id) = self.current_item_id() else {
            return effects;
        };
        // A tags criterion that is asked but left empty means "none of these".
        let unanswered_tags: Vec<String> = (0..self.rubric.criteria.len())
            .filter(|&index| {
                let criterion = &self.rubric.criteria[index];
                criterion.kind == Kind::Tags
                    && criterion.scope == Scope::Item
                    && !self.values.contains_key(&criterion.id)
                    && self.rubric.applies(index, &self.values)
            })
            .map(|index| self.rubric.criteria[index].id.clone())
            .collect();
        let decided = self.history.len();
        for id in unanswered_tags {
            effects.extend(self.set(&id, Some(LabelValue::Tags(BTreeSet::new()))));
        }
        // Those values are part of the confirm, not decisions of their own.
        let before: Vec<(String, Option<LabelValue>)> = self
            .history
            .drain(decided..)
            .flat_map(|decision| match decision {
                Decision::Values { before, .. } => before,
                _ => Vec::new(),
            })
            .collect();
        effects.extend(self.record_side(item_id));
        effects.push(Effect::Confirm { item_id });
        self.history.push(Decision::Confirmed { item_id, before });
        let done_id = self.queue[self.position].external_id.clone();
        self.queue[self.position].done = true;
        self.confirmed_this_session += 1;
        // Said to be saved only once the store has it (see confirm_saved).
        self.message = Some((Tone::Info, confirming(&done_id)));
        effects.extend(self.move_to_next_open());
        effects
    }

    /// Moves on to the next item neither done nor skipped (wrapping round), or to the end.
    fn move_to_next_open(&mut self) -> Vec<Effect> {
        let next = (self.position + 1..self.queue.len())
            .chain(0..self.position)
            .find(|&index| !self.queue[index].done && !self.queue[index].skipped)
            .unwrap_or(self.queue.len());
        self.position = next;
        self.load_current()
    }

    /// Items the store has as done (a confirm still waiting for the store does not count).
    fn done_count(&self) -> usize {
        self.queue
            .iter()
            .filter(|entry| entry.done && !self.unsaved.get(&entry.item_id).is_some_and(|unsaved| unsaved.confirm))
            .count()
    }
}

/// What the screen says while a confirm waits for the store.
fn confirming(id: &str) -> String {
    format!("confirming {id}…")
}

impl Decision {
    fn item_id(&self) -> i64 {
        match self {
            Decision::Values { item_id, .. }
            | Decision::Confirmed { item_id, .. }
            | Decision::Skipped { item_id }
            | Decision::Flagged { item_id, .. } => *item_id,
        }
    }
}

#[cfg(test)]
mod tests;
