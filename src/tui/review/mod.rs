//! The review screen: a filterable, sortable list of labeled items; one item with every
//! rater's values side by side (and the judge's); adjudication with the rubric's own
//! hotkeys and a rationale.

pub mod data;
mod session;
mod view;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde_json::Value;

pub use data::{Comment, ReviewItem};
pub use session::{Session, dashboard_for, load_items, run};

use crate::model::{KeyTarget, Kind, LabelValue, Rubric};
use crate::store::Adjudication;
use crate::tui::dashboard::Dashboard;
use crate::tui::search::{BUDGET, Rank, Search, haystack};
use crate::tui::theme::Theme;

/// What the screen needs done outside itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Record these final values with one rationale, then call
    /// [`ReviewScreen::adjudicated`] with the item's standing adjudications.
    Adjudicate {
        item_id: i64,
        changes: Vec<(String, Value)>,
        rationale: String,
    },
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    List,
    Item,
    Dashboard,
}

/// The order of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Sort {
    #[default]
    Id,
    /// Most disagreement first.
    Disagreement,
    /// Largest judge-human gap first.
    JudgeGap,
    /// Flagged, then skipped, then the rest.
    Marked,
}

impl Sort {
    fn next(self) -> Sort {
        match self {
            Sort::Id => Sort::Disagreement,
            Sort::Disagreement => Sort::JudgeGap,
            Sort::JudgeGap => Sort::Marked,
            Sort::Marked => Sort::Id,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Sort::Id => "id",
            Sort::Disagreement => "disagreement",
            Sort::JudgeGap => "judge gap",
            Sort::Marked => "flagged first",
        }
    }
}

/// Thresholds the disagreement and judge-gap filters step through.
const DISAGREEMENT_STEPS: [f64; 3] = [0.0, 0.34, 0.5];
const JUDGE_GAP_STEPS: [f64; 2] = [0.25, 0.5];

/// Filters that combine: an item is listed when it passes every one that is set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Disagreement above the threshold, on one criterion (by index) or on any.
    pub disagreement: Option<(Option<usize>, f64)>,
    /// Judge-human gap at least this, on any criterion.
    pub judge_gap: Option<f64>,
    pub flagged: bool,
    pub skipped: bool,
    /// Any rater (or the adjudicator) gave this tag.
    pub tag: Option<String>,
    /// Metadata field and value, e.g. `model` and `assistant-v2`.
    pub slice: Option<(String, String)>,
    /// Fuzzy search over id, input and output.
    pub text: String,
}

impl Filters {
    fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

/// The dashboard's figures take a while on a large store: they are computed away from
/// the screen, which says so until they arrive.
enum DashboardState {
    Computing,
    Ready(Box<Dashboard>),
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PromptKind {
    Search,
    Slice,
    Rationale,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Prompt {
    kind: PromptKind,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tone {
    Info,
    Error,
}

pub struct ReviewScreen {
    rubric: Rubric,
    scope: String,
    reviewer: String,
    items: Vec<ReviewItem>,
    /// Indexes into `items` of the listed items, in list order.
    visible: Vec<usize>,
    /// Every item in the order of the sort (and the criterion it sorts on), kept while
    /// they stand, so a filter is one pass over it and no sort.
    orders: BTreeMap<(Sort, Option<usize>), Vec<u32>>,
    order_by: Option<(Sort, Option<usize>)>,
    /// The text search over every item, made at the first query.
    search: Option<Search>,
    /// How long a key or a tick searches ([`BUDGET`]; none in tests, so a step is one
    /// chunk).
    search_budget: std::time::Duration,
    /// The widest id listed (at most 20), for the list's first column.
    id_width: usize,
    /// Position in `visible`.
    selected: usize,
    /// First row shown of the list.
    list_offset: usize,
    filters: Filters,
    sort: Sort,
    tab: Tab,
    /// The tab to go back to from the dashboard.
    previous_tab: Tab,
    /// Final values being set on the open item, by criterion index, before they are saved.
    draft: BTreeMap<usize, LabelValue>,
    /// The criterion option keys go to first (keys may repeat across criteria).
    focus: usize,
    scroll: u16,
    /// The last scroll offset that still fills the item's text, as last drawn.
    scroll_end: std::cell::Cell<u16>,
    prompt: Option<Prompt>,
    message: Option<(Tone, String)>,
    theme: Theme,
    /// Rows the list had at the last render, for paging.
    page: usize,
    dashboard: DashboardState,
    /// The items are still being read (see [`ReviewScreen::loading`]).
    loading: bool,
    /// The terminal is below the minimum size: nothing is shown, so only quit acts.
    too_small: bool,
}

impl ReviewScreen {
    pub fn new(
        rubric: Rubric,
        scope: &str,
        reviewer: &str,
        items: Vec<ReviewItem>,
        dashboard: Option<Dashboard>,
        theme: Theme,
    ) -> ReviewScreen {
        let mut screen = ReviewScreen {
            rubric,
            scope: scope.to_string(),
            reviewer: reviewer.to_string(),
            items,
            visible: Vec::new(),
            orders: BTreeMap::new(),
            order_by: None,
            search: None,
            search_budget: BUDGET,
            id_width: 4,
            selected: 0,
            list_offset: 0,
            filters: Filters::default(),
            sort: Sort::default(),
            tab: Tab::List,
            previous_tab: Tab::List,
            draft: BTreeMap::new(),
            focus: 0,
            scroll: 0,
            scroll_end: std::cell::Cell::new(u16::MAX),
            prompt: None,
            message: None,
            theme,
            page: 10,
            dashboard: match dashboard {
                Some(dashboard) => DashboardState::Ready(Box::new(dashboard)),
                None => DashboardState::Computing,
            },
            too_small: false,
            loading: false,
        };
        screen.refresh();
        screen
    }

    /// The screen before its items arrive ([`ReviewScreen::items_loaded`]): it draws at
    /// once and says they are being read; filters and the sort set meanwhile apply when
    /// they come.
    pub fn loading(rubric: Rubric, scope: &str, reviewer: &str, theme: Theme) -> ReviewScreen {
        let mut screen = ReviewScreen::new(rubric, scope, reviewer, Vec::new(), None, theme);
        screen.loading = true;
        screen
    }

    /// The items have been read (or could not be), with what was [`prepare`]d from them
    /// where they were read (else it is made when first needed).
    pub fn items_loaded(&mut self, items: Result<Vec<ReviewItem>, String>, prepared: Option<Prepared>) {
        self.loading = false;
        match items {
            Ok(items) => {
                self.items = items;
                let (search, orders) = prepared.map_or((None, BTreeMap::new()), |p| (Some(p.search), p.orders));
                self.orders = orders;
                // A search typed meanwhile searched no items: again, over these.
                self.search = search.filter(|search| search.len() == self.items.len());
                let text = self.filters.text.clone();
                self.set_search(text);
            }
            Err(error) => self.message = Some((Tone::Error, format!("the items could not be read: {error}"))),
        }
    }

    /// Whether the items are still being read.
    pub fn is_loading(&self) -> bool {
        self.loading
    }

    /// The dashboard's figures have been computed (or could not be).
    pub fn dashboard_ready(&mut self, dashboard: Result<Dashboard, String>) {
        self.dashboard = match dashboard {
            Ok(dashboard) => DashboardState::Ready(Box::new(dashboard)),
            Err(error) => DashboardState::Failed(error),
        };
    }

    /// Whether the dashboard's figures are still being computed.
    pub fn dashboard_computing(&self) -> bool {
        matches!(self.dashboard, DashboardState::Computing)
    }

    /// Whether the text search is still going: the event loop then calls
    /// [`ReviewScreen::tick`] without waiting for a key.
    pub fn searching(&self) -> bool {
        !self.filters.text.is_empty() && self.search.as_ref().is_some_and(|search| !search.done())
    }

    /// Carries the text search on for one tick, listing what it has found.
    pub fn tick(&mut self) {
        if self.searching() {
            if let Some(search) = &mut self.search {
                search.step(Instant::now() + self.search_budget);
            }
            self.refresh();
        }
    }

    /// Searches to the end (tests, and benches measuring a whole search).
    pub fn finish_search(&mut self) {
        if let Some(search) = &mut self.search {
            search.finish();
        }
        self.refresh();
    }

    pub fn tab(&self) -> Tab {
        self.tab
    }

    pub fn filters(&self) -> &Filters {
        &self.filters
    }

    /// External ids of the listed items, in list order.
    pub fn listed(&self) -> Vec<&str> {
        self.visible.iter().map(|&index| self.items[index].item.id.as_str()).collect()
    }

    /// The item under the cursor.
    pub fn current(&self) -> Option<&ReviewItem> {
        self.visible.get(self.selected).map(|&index| &self.items[index])
    }

    /// The store recorded an adjudication: the item's standing adjudications now.
    pub fn adjudicated(&mut self, item_id: i64, standing: &[Adjudication]) {
        if let Some(item) = self.items.iter_mut().find(|item| item.item_id == item_id) {
            item.adjudications = self
                .rubric
                .criteria
                .iter()
                .map(|criterion| standing.iter().find(|a| a.criterion == criterion.id).cloned())
                .collect();
            item.decide(&self.rubric);
        }
        // The final values and the judge's gap may have changed: sort again when asked.
        self.orders.clear();
        self.draft.clear();
        self.message = Some((Tone::Info, "adjudicated: saved".into()));
    }

    /// The adjudication could not be saved: the draft stays, to retry.
    pub fn adjudication_failed(&mut self, error: &str) {
        self.message = Some((Tone::Error, format!("NOT SAVED: {error}")));
    }

    /// The terminal's size, as drawn: below the minimum only quit acts.
    pub fn set_size(&mut self, width: u16, height: u16) {
        self.too_small = !crate::tui::fits(width, height);
    }

    pub fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return vec![Effect::Quit];
        }
        if self.too_small {
            // An adjudication made unseen is no adjudication: only quit works.
            let quit = key.code == KeyCode::Char('q') && self.prompt.is_none();
            return if quit { vec![Effect::Quit] } else { Vec::new() };
        }
        if self.prompt.is_some() {
            return self.prompt_key(key);
        }
        self.message = None;
        if key.code == KeyCode::Tab {
            self.toggle_dashboard();
            return Vec::new();
        }
        match self.tab {
            Tab::List => self.list_key(key),
            Tab::Item => self.item_key(key),
            Tab::Dashboard => self.dashboard_key(key),
        }
    }

    fn toggle_dashboard(&mut self) {
        if self.tab == Tab::Dashboard {
            self.tab = self.previous_tab;
        } else if self.draft.is_empty() {
            self.previous_tab = self.tab;
            self.tab = Tab::Dashboard;
        } else {
            self.message = Some((Tone::Error, "Enter to adjudicate, or Esc to drop the change, first".into()));
        }
    }

    fn dashboard_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Char('q') => vec![Effect::Quit],
            KeyCode::Esc => {
                self.tab = self.previous_tab;
                Vec::new()
            }
            _ => {
                if let DashboardState::Ready(dashboard) = &mut self.dashboard {
                    dashboard.handle(key);
                }
                Vec::new()
            }
        }
    }

    fn list_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let rows = self.visible.len();
        match key.code {
            KeyCode::Char('q') => return vec![Effect::Quit],
            KeyCode::Down | KeyCode::Char('j') => self.selected = (self.selected + 1).min(rows.saturating_sub(1)),
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::PageDown => self.selected = (self.selected + self.page).min(rows.saturating_sub(1)),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(self.page),
            KeyCode::Home => self.selected = 0,
            KeyCode::End => self.selected = rows.saturating_sub(1),
            KeyCode::Enter if rows > 0 => {
                self.tab = Tab::Item;
                self.scroll = 0;
                self.focus = self.first_option_criterion();
            }
            KeyCode::Char('/') => {
                self.prompt = Some(Prompt { kind: PromptKind::Search, text: self.filters.text.clone() })
            }
            KeyCode::Char('m') => {
                let text = self.filters.slice.as_ref().map_or_else(String::new, |(f, v)| format!("{f}={v}"));
                self.prompt = Some(Prompt { kind: PromptKind::Slice, text });
            }
            KeyCode::Char('d') => self.step_disagreement(),
            KeyCode::Char('D') => self.step_disagreement_threshold(),
            KeyCode::Char('g') => {
                self.filters.judge_gap = match self.filters.judge_gap {
                    None => Some(JUDGE_GAP_STEPS[0]),
                    Some(gap) => JUDGE_GAP_STEPS.iter().copied().find(|step| *step > gap),
                };
                self.refresh();
            }
            KeyCode::Char('f') => {
                self.filters.flagged = !self.filters.flagged;
                self.refresh();
            }
            KeyCode::Char('s') => {
                self.filters.skipped = !self.filters.skipped;
                self.refresh();
            }
            KeyCode::Char('t') => self.step_tag(),
            KeyCode::Char('o') => {
                self.sort = self.sort.next();
                self.refresh();
            }
            KeyCode::Char('x') => {
                self.filters = Filters::default();
                self.set_search(String::new());
            }
            _ => {}
        }
        Vec::new()
    }

    /// Off, then any criterion, then each criterion that can disagree, then off.
    fn step_disagreement(&mut self) {
        let threshold = self.filters.disagreement.map_or(DISAGREEMENT_STEPS[0], |(_, t)| t);
        let choices: Vec<usize> = self
            .rubric
            .criteria
            .iter()
            .enumerate()
            .filter(|(_, criterion)| criterion.kind != Kind::Text)
            .map(|(index, _)| index)
            .collect();
        self.filters.disagreement = match self.filters.disagreement {
            None => Some((None, threshold)),
            Some((None, _)) => choices.first().map(|&index| (Some(index), threshold)),
            Some((Some(current), _)) => {
                choices.iter().copied().find(|&index| index > current).map(|index| (Some(index), threshold))
            }
        };
        self.refresh();
    }

    fn step_disagreement_threshold(&mut self) {
        let (criterion, threshold) = self.filters.disagreement.unwrap_or((None, DISAGREEMENT_STEPS[0]));
        let next = DISAGREEMENT_STEPS.iter().copied().find(|step| *step > threshold).unwrap_or(DISAGREEMENT_STEPS[0]);
        self.filters.disagreement = Some((criterion, next));
        self.refresh();
    }

    /// Off, then each tag of the rubric's tags criteria in rubric order, then off.
    fn step_tag(&mut self) {
        let mut tags: Vec<String> = Vec::new();
        for criterion in self.rubric.criteria.iter().filter(|criterion| criterion.kind == Kind::Tags) {
            for option in &criterion.options {
                if !tags.contains(&option.value) {
                    tags.push(option.value.clone());
                }
            }
        }
        self.filters.tag = match &self.filters.tag {
            None => tags.first().cloned(),
            Some(current) => tags.iter().skip_while(|tag| *tag != current).nth(1).cloned(),
        };
        self.refresh();
    }

    fn item_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc if !self.draft.is_empty() => {
                self.draft.clear();
                self.message = Some((Tone::Info, "change dropped".into()));
            }
            KeyCode::Esc => self.tab = Tab::List,
            KeyCode::Enter if !self.draft.is_empty() => {
                self.prompt = Some(Prompt { kind: PromptKind::Rationale, text: String::new() });
            }
            KeyCode::Enter => {
                self.message = Some((Tone::Info, "press an option's key to set the final value first".into()));
            }
            KeyCode::Right | KeyCode::Left => self.step_item(key.code == KeyCode::Right),
            KeyCode::Char('n') | KeyCode::Char('p') if control => self.step_item(key.code == KeyCode::Char('n')),
            // Scrolling stops at the end of the text.
            KeyCode::Down => self.scroll = self.scroll.saturating_add(1).min(self.scroll_end.get()),
            KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(10).min(self.scroll_end.get()),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Home => self.scroll = 0,
            KeyCode::End => self.scroll = self.scroll_end.get().min(u16::MAX / 2),
            KeyCode::Char(ch) if !control => match self.rubric.key_target(ch, self.focus) {
                KeyTarget::Option(criterion, option) => {
                    self.set_draft(criterion, option);
                    self.focus = criterion;
                    // As when labeling: a single choice moves on to the next criterion.
                    if self.rubric.criteria[criterion].kind.is_choice() {
                        self.move_focus(true);
                    }
                }
                KeyTarget::Ambiguous(owners) => {
                    let names: Vec<&str> = owners.iter().map(|&ci| self.rubric.criteria[ci].id.as_str()).collect();
                    self.message = Some((
                        Tone::Error,
                        format!("`{ch}` is an option of {}: j/k to the one you mean", names.join(", ")),
                    ));
                }
                KeyTarget::None if ch == 'q' => return vec![Effect::Quit],
                KeyTarget::None if ch == 'j' || ch == 'k' => self.move_focus(ch == 'j'),
                KeyTarget::None => self.message = Some((Tone::Error, format!("`{ch}` is no option's key"))),
            },
            _ => {}
        }
        Vec::new()
    }

    fn step_item(&mut self, forward: bool) {
        if !self.draft.is_empty() {
            self.message = Some((Tone::Error, "Enter to adjudicate, or Esc to drop the change, first".into()));
            return;
        }
        let last = self.visible.len().saturating_sub(1);
        self.selected = if forward { (self.selected + 1).min(last) } else { self.selected.saturating_sub(1) };
        self.scroll = 0;
        self.focus = self.first_option_criterion();
    }

    fn first_option_criterion(&self) -> usize {
        self.rubric.criteria.iter().position(|criterion| !criterion.options.is_empty()).unwrap_or(0)
    }

    /// Focus to the next (or previous) criterion adjudicated with option keys.
    fn move_focus(&mut self, forward: bool) {
        let count = self.rubric.criteria.len();
        let step = if forward { 1 } else { count.saturating_sub(1) };
        let mut next = self.focus;
        for _ in 0..count {
            next = (next + step) % count.max(1);
            if !self.rubric.criteria[next].options.is_empty() {
                self.focus = next;
                return;
            }
        }
    }

    /// The fields a slice can name: `dataset` and every metadata key of the items.
    fn fields(&self) -> Vec<String> {
        let mut fields: BTreeSet<&str> = BTreeSet::from(["dataset"]);
        for item in &self.items {
            fields.extend(item.item.metadata.keys().map(String::as_str));
        }
        fields.into_iter().map(str::to_string).collect()
    }

    /// The criterion option keys go to first, by index.
    pub fn focus(&self) -> usize {
        self.focus
    }

    /// An option's key: the final value of its criterion, as when labeling (a tag key
    /// toggles the tag).
    fn set_draft(&mut self, criterion_index: usize, option: usize) {
        let Some(item) = self.current() else { return };
        let criterion = &self.rubric.criteria[criterion_index];
        let value = criterion.options[option].value.clone();
        let standing = item.decisions[criterion_index].as_ref().and_then(|d| criterion.parse_json(&d.value).ok());
        let new = match criterion.kind {
            Kind::Tags => {
                let mut tags = match self.draft.get(&criterion_index).or(standing.as_ref()) {
                    Some(LabelValue::Tags(tags)) => tags.clone(),
                    _ => BTreeSet::new(),
                };
                if !tags.remove(&value) {
                    tags.insert(value);
                }
                LabelValue::Tags(tags)
            }
            _ => LabelValue::Choice(value),
        };
        if standing.as_ref() == Some(&new) && item.adjudications[criterion_index].is_some() {
            self.draft.remove(&criterion_index);
        } else {
            self.draft.insert(criterion_index, new);
        }
    }

    fn prompt_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(prompt) = &mut self.prompt else { return Vec::new() };
        match key.code {
            KeyCode::Esc => {
                self.prompt = None;
            }
            KeyCode::Backspace => {
                prompt.text.pop();
            }
            KeyCode::Char(ch) if !key.modifiers.contains(KeyModifiers::CONTROL) => prompt.text.push(ch),
            KeyCode::Enter => {
                let Some(Prompt { kind, text }) = self.prompt.take() else { return Vec::new() };
                return self.submit(kind, text.trim().to_string());
            }
            _ => {}
        }
        // Search narrows the list as the user types.
        if let Some(Prompt { kind: PromptKind::Search, text }) = &self.prompt {
            let text = text.clone();
            self.set_search(text);
        }
        Vec::new()
    }

    fn submit(&mut self, kind: PromptKind, text: String) -> Vec<Effect> {
        match kind {
            PromptKind::Search => self.set_search(text),
            PromptKind::Slice if text.is_empty() => {
                self.filters.slice = None;
                self.refresh();
            }
            PromptKind::Slice => match text.split_once('=') {
                Some((field, value)) if !field.trim().is_empty() => {
                    let field = field.trim();
                    // A misspelt field would list nothing, as if no item were in the slice.
                    let known = self.fields();
                    if !known.iter().any(|name| name == field) {
                        self.message = Some((
                            Tone::Error,
                            format!("no item has a field `{field}`; the fields are {}", known.join(", ")),
                        ));
                        return Vec::new();
                    }
                    self.filters.slice = Some((field.to_string(), value.trim().to_string()));
                    self.refresh();
                }
                _ => self.message = Some((Tone::Error, "a slice is FIELD=VALUE, e.g. model=assistant-v2".into())),
            },
            PromptKind::Rationale if text.is_empty() => {
                self.message = Some((Tone::Error, "an adjudication needs a reason: Enter again to give one".into()));
            }
            PromptKind::Rationale => {
                let Some(item) = self.current() else { return Vec::new() };
                let changes = self
                    .draft
                    .iter()
                    .map(|(&index, value)| (self.rubric.criteria[index].id.clone(), value.to_json()))
                    .collect();
                return vec![Effect::Adjudicate { item_id: item.item_id, changes, rationale: text }];
            }
        }
        Vec::new()
    }

    /// Searches for `text` (for at most [`BUDGET`]: [`ReviewScreen::tick`] goes on)
    /// and lists what it finds.
    fn set_search(&mut self, text: String) {
        if !text.is_empty() {
            let items = &self.items;
            let search = self.search.get_or_insert_with(|| search_over(items));
            search.set_query(&text);
            search.step(Instant::now() + self.search_budget);
        } else if let Some(search) = &mut self.search {
            search.set_query("");
        }
        self.filters.text = text;
        self.refresh();
    }

    /// Every item in the order of the sort, each order (by sort and criterion) sorted
    /// once and kept until an adjudication changes the figures.
    fn sort_order(&mut self) {
        let criterion = self.filters.disagreement.and_then(|(criterion, _)| criterion);
        let by = (self.sort, if self.sort == Sort::Disagreement { criterion } else { None });
        self.order_by = Some(by);
        if self.orders.get(&by).is_some_and(|order| order.len() == self.items.len()) {
            return;
        }
        self.orders.insert(by, order_of(&self.items, by));
    }

    /// Recomputes the listed items from the filters and the sort, keeping the cursor on
    /// the same item where it is still listed. One pass over the items in sort order (a
    /// search listed by how well it matches sorts its matches alone).
    fn refresh(&mut self) {
        let keep = self.current().map(|item| item.item_id);
        self.sort_order();
        let (items, filters) = (&self.items, &self.filters);
        let order: &[u32] = self.order_by.and_then(|by| self.orders.get(&by)).map_or(&[], Vec::as_slice);
        let matched = self.search.as_ref().filter(|_| !filters.text.is_empty()).and_then(Search::matched);
        self.visible = match matched {
            None => order.iter().map(|&index| index as usize).filter(|&index| passes(&items[index], filters)).collect(),
            // A search ranks by match first; ties keep id order.
            Some(matched) if self.sort == Sort::Id => {
                let mut ranked: Vec<Rank> =
                    matched.iter().filter(|rank| passes(&items[rank.index as usize], filters)).copied().collect();
                ranked.sort_unstable();
                ranked.into_iter().map(|rank| rank.index as usize).collect()
            }
            Some(matched) => {
                let mut found = vec![false; items.len()];
                for rank in matched {
                    found[rank.index as usize] = true;
                }
                order
                    .iter()
                    .map(|&index| index as usize)
                    .filter(|&index| found[index] && passes(&items[index], filters))
                    .collect()
            }
        };
        self.id_width =
            self.visible.iter().map(|&index| items[index].item.id.chars().count()).max().unwrap_or(4).clamp(4, 20);
        self.selected = keep
            .and_then(|id| self.visible.iter().position(|&index| self.items[index].item_id == id))
            .unwrap_or(0)
            .min(self.visible.len().saturating_sub(1));
    }

    /// One line saying which filters are on.
    fn filter_summary(&self) -> String {
        let filters = &self.filters;
        if filters.is_empty() {
            return "no filter".into();
        }
        let mut parts = Vec::new();
        if let Some((criterion, threshold)) = filters.disagreement {
            let on = criterion.map_or("any", |index| self.rubric.criteria[index].id.as_str());
            parts.push(format!("disagree on {on} > {threshold:.2}"));
        }
        if let Some(gap) = filters.judge_gap {
            parts.push(format!("judge gap ≥ {gap:.2}"));
        }
        if filters.flagged {
            parts.push("flagged".into());
        }
        if filters.skipped {
            parts.push("skipped".into());
        }
        if let Some(tag) = &filters.tag {
            parts.push(format!("tag {tag}"));
        }
        if let Some((field, value)) = &filters.slice {
            parts.push(format!("{field}={value}"));
        }
        if !filters.text.is_empty() {
            parts.push(format!("/{}", filters.text));
            if let Some(search) = self.search.as_ref().filter(|search| !search.done()) {
                let (tested, of) = search.progress();
                parts.push(format!("searching… {tested} of {of}"));
            }
        }
        parts.join(" · ")
    }
}

/// The text search over `items` (id, question and answer): making it takes a while at
/// 200,000 items, so the thread that reads them makes it too.
pub fn search_over(items: &[ReviewItem]) -> Search {
    let texts = items.iter().map(|item| haystack(&[&item.item.id, &item.item.input, &item.item.output])).collect();
    Search::new(texts, 0)
}

/// What the thread that reads the items makes of them too, so no key waits for it:
/// the text search and the order of each sort (on any criterion).
pub struct Prepared {
    search: Search,
    orders: BTreeMap<(Sort, Option<usize>), Vec<u32>>,
}

pub fn prepare(items: &[ReviewItem]) -> Prepared {
    let orders = [Sort::Disagreement, Sort::JudgeGap, Sort::Marked]
        .into_iter()
        .map(|sort| ((sort, None), order_of(items, (sort, None))))
        .collect();
    Prepared { search: search_over(items), orders }
}

/// The items' indexes in the order of a sort (and the criterion it sorts on): largest
/// first, none last, ties in id order.
fn order_of(items: &[ReviewItem], (sort, criterion): (Sort, Option<usize>)) -> Vec<u32> {
    let descending = |value: Option<f64>| value.map_or(i64::MAX, |v| -((v * 1e6) as i64));
    let mut keyed: Vec<(i64, u32)> = (0..items.len() as u32)
        .map(|index| {
            let item = &items[index as usize];
            let key = match sort {
                Sort::Id => 0,
                Sort::Disagreement => descending(item.disagreement_of(criterion)),
                Sort::JudgeGap => descending(item.judge_gap_max()),
                Sort::Marked => i64::from(item.flagged_by.is_empty()) * 2 + i64::from(item.skipped_by.is_empty()),
            };
            (key, index)
        })
        .collect();
    if sort != Sort::Id {
        // The index is part of the key, so an unstable sort keeps ties in id order.
        keyed.sort_unstable();
    }
    keyed.into_iter().map(|(_, index)| index).collect()
}

fn passes(item: &ReviewItem, filters: &Filters) -> bool {
    if let Some((criterion, threshold)) = filters.disagreement
        && !item.disagreement_of(criterion).is_some_and(|d| d > threshold)
    {
        return false;
    }
    if let Some(gap) = filters.judge_gap
        && !item.judge_gap_max().is_some_and(|g| g >= gap)
    {
        return false;
    }
    if filters.flagged && item.flagged_by.is_empty() {
        return false;
    }
    if filters.skipped && item.skipped_by.is_empty() {
        return false;
    }
    if let Some(tag) = &filters.tag
        && !item.has_tag(tag)
    {
        return false;
    }
    if let Some((field, value)) = &filters.slice
        && item.field(field).as_deref() != Some(value.as_str())
    {
        return false;
    }
    true
}
