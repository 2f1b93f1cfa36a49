//! The label screen's background writer: a thread with its own connection to the store
//! that commits the screen's decisions in the order they were made, retrying while
//! another process holds the write lock, so a keypress never waits for the store.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::model::LabelValue;
use crate::store::{ItemAction, NewLabel, Store, StoreError};

/// How long one attempt waits for the write lock. Short, so the writer notices a stop
/// (quitting) quickly; it retries as long as it is not stopped.
const ATTEMPT_WAIT: Duration = Duration::from_millis(250);

/// One decision to commit, in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Values set (or retracted, `None`) on the item.
    Save {
        changes: Vec<(String, Option<LabelValue>)>,
    },
    Confirm,
    Mark {
        action: ItemAction,
        note: Option<String>,
    },
    /// The candidate shown on the left of a comparison (the first record stands).
    Side {
        left: String,
    },
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: u64,
    pub item_id: i64,
    /// Bumped by the session each time a write of this item fails: the jobs of the
    /// failed epoch that follow the failure are dropped, not committed (a confirm never
    /// lands after its values failed).
    pub epoch: u64,
    /// Milliseconds the rater had spent on the item.
    pub spent: i64,
    pub write: Write,
}

/// What happened to a job.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    Committed(u64),
    /// The store is locked by another connection; the job is being retried.
    Busy(u64),
    /// Refused for good (not a lock): the job and the later ones of its item and epoch
    /// are dropped.
    Failed {
        id: u64,
        error: String,
    },
    /// Dropped because an earlier job of its item and epoch failed.
    Dropped(u64),
}

/// Who writes, and where: the same for every job of a session.
#[derive(Debug, Clone)]
pub struct Context {
    pub rubric_id: i64,
    pub batch_id: i64,
    pub rater: String,
}

pub struct Writer {
    jobs: Option<Sender<Job>>,
    reports: Receiver<Report>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the thread; `store` is its own connection (not the screen's).
    pub fn spawn(store: Store, context: Context) -> Result<Writer, StoreError> {
        store.set_busy_timeout(ATTEMPT_WAIT)?;
        let (jobs, incoming) = channel();
        let (outgoing, reports) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("tally-label-writer".into())
            .spawn(move || work(store, context, incoming, outgoing, flag))
            .map_err(|err| StoreError::Invalid(format!("cannot start the label writer: {err}")))?;
        Ok(Writer { jobs: Some(jobs), reports, stop, thread: Some(thread) })
    }

    /// Queues a job; false when the writer is gone (stopped), so nothing will commit it.
    pub fn send(&self, job: Job) -> bool {
        self.jobs.as_ref().is_some_and(|jobs| jobs.send(job).is_ok())
    }

    /// The next report, waiting at most `wait` (not at all for zero).
    pub fn report(&self, wait: Duration) -> Option<Report> {
        if wait.is_zero() {
            return self.reports.try_recv().ok();
        }
        self.reports.recv_timeout(wait).ok()
    }

    /// No more jobs: the writer finishes the queued ones, then ends.
    pub fn close(&mut self) {
        self.jobs = None;
    }

    /// Stops at once (an attempt in progress ends within [`ATTEMPT_WAIT`]) and waits
    /// for the thread; the reports it sent stay readable.
    pub fn stop(&mut self) {
        self.jobs = None;
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn work(mut store: Store, context: Context, incoming: Receiver<Job>, reports: Sender<Report>, stop: Arc<AtomicBool>) {
    let mut queue: VecDeque<Job> = VecDeque::new();
    // The epoch of each item whose write failed: later jobs of that epoch are dropped.
    let mut failed: HashMap<i64, u64> = HashMap::new();
    let mut open = true;
    let mut busy_reported = None;
    loop {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if queue.is_empty() {
            if !open {
                return;
            }
            match incoming.recv_timeout(Duration::from_millis(100)) {
                Ok(job) => queue.push_back(job),
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        loop {
            match incoming.try_recv() {
                Ok(job) => queue.push_back(job),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    open = false;
                    break;
                }
            }
        }
        let Some(job) = queue.front() else { continue };
        let report = if failed.get(&job.item_id).is_some_and(|&epoch| job.epoch <= epoch) {
            Report::Dropped(job.id)
        } else {
            match apply(&mut store, &context, job) {
                Ok(()) => Report::Committed(job.id),
                Err(err) if err.is_busy() => {
                    if busy_reported != Some(job.id) {
                        busy_reported = Some(job.id);
                        if reports.send(Report::Busy(job.id)).is_err() {
                            return;
                        }
                    }
                    // The attempt itself waited; try again (unless stopped).
                    continue;
                }
                Err(err) => {
                    failed.insert(job.item_id, job.epoch);
                    Report::Failed { id: job.id, error: err.to_string() }
                }
            }
        };
        queue.pop_front();
        if reports.send(report).is_err() {
            return;
        }
    }
}

fn apply(store: &mut Store, context: &Context, job: &Job) -> Result<(), StoreError> {
    let (batch_id, rater, item_id, spent) = (context.batch_id, context.rater.as_str(), job.item_id, Some(job.spent));
    match &job.write {
        Write::Save { changes } => store.write(|tx| {
            for (criterion, value) in changes {
                let json = value.as_ref().map(LabelValue::to_json);
                tx.record_label(&NewLabel {
                    item_id,
                    rater,
                    criterion,
                    value: json.as_ref(),
                    comment: None,
                    rubric_id: context.rubric_id,
                    batch_id: Some(batch_id),
                    duration_ms: spent,
                    source: "label",
                })?;
            }
            Ok(())
        }),
        Write::Confirm => store.write(|tx| tx.confirm_item(batch_id, item_id, rater, spent)),
        Write::Mark { action, note } => {
            store.write(|tx| tx.item_event(batch_id, item_id, rater, *action, note.as_deref(), spent))
        }
        Write::Side { left } => store.write(|tx| tx.record_side(item_id, rater, left).map(|_| ())),
    }
}
