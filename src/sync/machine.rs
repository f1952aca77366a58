//! The executor's decisions as a pure state machine: it hands out steps (requests to send,
//! waits, a token renewal, progress) and takes the answers back, so every batching, retry and
//! lookup rule is tested natively against a model mailbox. No I/O, no clock, no randomness.
//!
//! ```text
//! let mut m = Machine::new(writes, settings);
//! loop {
//!     match m.next_step() {
//!         Step::Send(requests) => for r in requests { m.answer(r.tag, send(r)) },
//!         Step::Wait { seconds, .. } => m.waited(sleep(seconds)),
//!         Step::RefreshToken => m.token_refreshed(refresh()),
//!         Step::Progress(p) => report(p),
//!         Step::Done => break m.outcome(),
//!     }
//! }
//! ```

use std::collections::VecDeque;

use serde_json::Value;

use super::batch::{
    alone_bytes, batch_body, body_of, item_text, pack, parse_batch_response, BatchRequest,
    ItemResponse, MAX_BATCH, MAX_BATCH_BYTES,
};
use super::lookup::{Checker, Context, Deleter, FirstPage, Next, PageReader, Reader};
use super::record::{
    Action, Progress, RecordError, RecordResult, RunOutcome, WriteKind, OUTCOME_UNKNOWN,
    POSSIBLE_DUPLICATE,
};
use crate::error::{ErrorCode, SyncError};
use crate::graph::odata::encode;
use crate::graph::{error_from_status, is_transient};
pub use crate::retry::RetryPolicy;

/// Names a request, so that its answer can be given back in any order.
pub type Tag = u64;

/// The HTTP method of a request the machine sends itself (batch items carry their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Relative to Graph's root, e.g. `/$batch` or `/me/contactFolders/…/contacts?…`.
    Relative(String),
    /// A whole URL (an `@odata.nextLink`, checked to be on Graph's origin).
    Absolute(String),
}

/// A request to send, once, with the current token.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub tag: Tag,
    pub method: Method,
    pub url: Target,
    /// JSON text.
    pub body: Option<String>,
}

/// How a request ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Graph answered (any status).
    Http {
        status: u16,
        /// The readable `Retry-After`, in seconds.
        retry_after: Option<f64>,
        body: Vec<u8>,
    },
    /// No answer (dropped connection, timeout): the request may or may not have run.
    Lost { message: String },
    /// The host gave no token: the request was not sent.
    NoToken(SyncError),
}

/// What the driver does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send these at once, then give each answer to [`Machine::answer`].
    Send(Vec<Request>),
    /// Sleep, then call [`Machine::waited`]; a `cancellable` wait ends early on a cancel.
    Wait { seconds: f64, cancellable: bool },
    /// Ask the host for a fresh token, then call [`Machine::token_refreshed`].
    RefreshToken,
    /// Report progress; nothing to give back.
    Progress(Progress),
    /// An update met 412 and its contact was read again (`contact`): plan the record once
    /// more over it, then call [`Machine::replanned`] with the body and etag to send instead,
    /// or `None` when the plan no longer holds.
    Replan {
        central_id: String,
        contact: serde_json::Value,
    },
    /// Finished: read [`Machine::outcome`].
    Done,
}

/// What a run needs to know besides its writes.
pub struct MachineSettings {
    /// `/me` or `/users/{upn}` (as `Mailbox::path`).
    pub mailbox: String,
    pub folder_id: String,
    /// Graph's root, without a trailing `/`: next-page links must stay on its origin.
    pub base_url: String,
    /// Batches in flight at once.
    pub concurrency: usize,
    /// Look each create up by its Central id before it is first sent — one `$batch` of lookups
    /// before each batch of creates: a run without a ledger cannot tell that another run
    /// created it since the plan (DESIGN §8).
    pub look_before_create: bool,
    pub retry: RetryPolicy,
    /// Numbers in 0..1 for the backoff's jitter.
    pub jitter: Box<dyn FnMut() -> f64>,
}

#[derive(Debug, Clone, PartialEq)]
enum JobState {
    Pending,
    /// Sent, but whether it was written is unknown: look it up before sending again.
    UnknownCreate,
    /// An update resent after an unknown outcome met 412: read the contact back to tell
    /// whether its own earlier try landed.
    CheckUpdate,
    /// An update met 412 on its first try (the contact changed since the plan): read it
    /// again, and plan the record once more over it.
    Replan,
    Done(Action, Option<String>, Option<RecordError>),
}

struct Job {
    central_id: String,
    write: WriteKind,
    /// Tries used: writes sent and lookups that failed.
    attempts: u32,
    /// Writes sent.
    sends: u32,
    state: JobState,
    last_error: Option<RecordError>,
    /// Its outcome was unknown at some point: it is looked up once more at the end.
    ever_unknown: bool,
    /// A warning on a created record (an extra copy may be left).
    note: Option<RecordError>,
    /// It was planned again after a 412: a second 412 is final.
    replanned: bool,
}

impl Job {
    fn is_create(&self) -> bool {
        matches!(self.write, WriteKind::Create { .. })
    }
}

enum Phase {
    /// Between rounds.
    Start,
    /// Reading back the round's updates whose earlier try may have landed (one after the
    /// other), then looking up its creates of unknown outcome (in `$batch`es).
    Lookups,
    /// The round's batches are out.
    Batches,
    /// Asking for a fresh token after items were refused.
    Refresh,
    /// Waiting before the next round (throttled).
    RoundWait(f64),
    /// After the rounds: every create whose outcome was ever unknown is looked up again.
    Sweep,
    Done,
}

/// One round: up to `MAX_BATCH · concurrency` jobs, or up to `concurrency` batches formed
/// before it.
#[derive(Default)]
struct Round {
    jobs: Vec<usize>,
    /// Jobs of `jobs` seen for a read-back.
    checked: usize,
    /// Its creates of unknown outcome were handed to the lookups.
    looked_up: bool,
    /// Batches formed before the round (taken from `Machine::ready`), sent as they are.
    formed: Vec<Vec<usize>>,
    wait: f64,
    retry_later: Vec<usize>,
    /// Halves of batches Graph refused as too large, to go first in the next round.
    split: Vec<Vec<usize>>,
    saw_unauthorized: bool,
    chunks: Vec<Vec<usize>>,
    answers: Vec<Option<Answer>>,
}

/// The pages of a lookup after its first, a read-back, or the deletes of a job's extra copies:
/// one request at a time.
struct Errand {
    job: usize,
    in_sweep: bool,
    work: Work,
}

enum Work {
    Find(PageReader),
    /// An update met 412 after an earlier try of it may have landed: read the contact back.
    Check(Checker),
    /// An update met 412 on its first try: read the contact again, to plan the record anew.
    Read(Reader),
    Delete {
        keep: String,
        deleter: Deleter,
    },
}

enum Finished {
    Found(Result<Vec<String>, SyncError>),
    /// Whether the contact holds what the update sent.
    Checked(Result<bool, SyncError>),
    /// The contact as it is now (`None`: gone).
    Read(Result<Option<serde_json::Value>, SyncError>),
    Deleted {
        keep: String,
        removed: usize,
        error: Option<SyncError>,
    },
}

impl Errand {
    fn request(&mut self, tag: Tag) -> Request {
        match &mut self.work {
            Work::Find(reader) => reader.request(tag),
            Work::Check(checker) => checker.request(tag),
            Work::Read(reader) => reader.request(tag),
            Work::Delete { deleter, .. } => deleter.request(tag),
        }
    }

    fn answer(&mut self, answer: Answer, cx: &mut Context, jobs: &[Job]) -> Next<Finished> {
        match &mut self.work {
            Work::Find(reader) => reader.answer(answer, cx).map(Finished::Found),
            Work::Check(checker) => {
                let sent = match &jobs[self.job].write {
                    WriteKind::Update { body, .. } => body,
                    WriteKind::Create { body } => body,
                };
                checker.answer(answer, cx, sent).map(Finished::Checked)
            }
            Work::Read(reader) => reader.answer(answer, cx).map(Finished::Read),
            Work::Delete { keep, deleter } => {
                deleter
                    .answer(answer, cx)
                    .map(|(removed, error)| Finished::Deleted {
                        keep: keep.clone(),
                        removed,
                        error,
                    })
            }
        }
    }
}

struct Running {
    errand: Errand,
    /// Seconds to wait before sending its request (again).
    wait: Option<f64>,
}

/// What an outstanding request was for.
enum Slot {
    Chunk(usize),
    Errand,
    /// A `$batch` of lookups: indices into the lookups' items.
    Lookups(Vec<usize>),
}

#[derive(PartialEq)]
enum Expect {
    Nothing,
    Answers,
    Waited,
    Token,
    Replanned,
}

struct LookupItem {
    job: usize,
    tries: u32,
    queued: bool,
}

/// Creates looked up by their Central id, in `$batch`es of filtered GETs (a lookup that needs
/// more pages reads them one request at a time): a round's creates of unknown outcome before
/// its writes go, and in the sweep every create whose outcome was ever unknown.
#[derive(Default)]
struct Lookups {
    /// The sweep's (the run's final lookups), not a round's: decides what a result settles.
    in_sweep: bool,
    items: Vec<LookupItem>,
    /// Lookups per `$batch`: [`MAX_BATCH`], halved when Graph refuses one as too large.
    per_batch: usize,
    wait: f64,
    refresh: bool,
    refreshed: bool,
    errands: VecDeque<Errand>,
}

impl Lookups {
    fn new(jobs: impl IntoIterator<Item = usize>, in_sweep: bool) -> Self {
        Lookups {
            in_sweep,
            items: jobs
                .into_iter()
                .map(|job| LookupItem {
                    job,
                    tries: 0,
                    queued: true,
                })
                .collect(),
            per_batch: MAX_BATCH,
            ..Lookups::default()
        }
    }
}

/// What the lookups do next.
enum Looking {
    Step(Step),
    /// An errand was started (the next request is its own).
    Errand,
    /// Every lookup is settled.
    Over,
}

/// The executor of one run (see the module doc).
pub struct Machine {
    cx: Context,
    jobs: Vec<Job>,
    queue: VecDeque<usize>,
    /// Batches formed and not yet sent (the halves of one Graph refused as too large, a
    /// round's batches beyond `concurrency`): sent as they are, before the queue.
    ready: VecDeque<Vec<usize>>,
    concurrency: usize,
    per_round: usize,
    phase: Phase,
    round: Round,
    lookups: Lookups,
    running: Option<Running>,
    out: VecDeque<Step>,
    outstanding: Vec<(Tag, Slot)>,
    received: Vec<(Slot, Answer)>,
    expect: Expect,
    wait_result: Option<bool>,
    token_result: Option<Result<(), SyncError>>,
    /// The job handed out in [`Step::Replan`], and what came back.
    replanning: Option<usize>,
    replan_result: Option<Option<(serde_json::Value, String)>>,
    next_tag: Tag,
    cancel_requested: bool,
    cancelled: bool,
    fatal: Option<SyncError>,
    unauthorized_rounds: u32,
    duplicates_removed: usize,
}

impl Machine {
    /// A run of `writes` (Central id, write), in that order.
    pub fn new(writes: Vec<(String, WriteKind)>, s: MachineSettings) -> Machine {
        let jobs: Vec<Job> = writes
            .into_iter()
            .map(|(central_id, write)| Job {
                // Looked up before it is sent, as one of unknown outcome is.
                state: if s.look_before_create && matches!(write, WriteKind::Create { .. }) {
                    JobState::UnknownCreate
                } else {
                    JobState::Pending
                },
                central_id,
                write,
                attempts: 0,
                sends: 0,
                last_error: None,
                ever_unknown: false,
                note: None,
                replanned: false,
            })
            .collect();
        Machine {
            queue: (0..jobs.len()).collect(),
            jobs,
            ready: VecDeque::new(),
            concurrency: s.concurrency.max(1),
            per_round: MAX_BATCH * s.concurrency.max(1),
            cx: Context {
                mailbox: s.mailbox,
                folder_id: s.folder_id,
                base_url: s.base_url.trim_end_matches('/').to_owned(),
                retry: s.retry,
                jitter: s.jitter,
            },
            phase: Phase::Start,
            round: Round::default(),
            lookups: Lookups::default(),
            running: None,
            out: VecDeque::new(),
            outstanding: Vec::new(),
            received: Vec::new(),
            expect: Expect::Nothing,
            wait_result: None,
            token_result: None,
            replanning: None,
            replan_result: None,
            next_tag: 0,
            cancel_requested: false,
            cancelled: false,
            fatal: None,
            unauthorized_rounds: 0,
            duplicates_removed: 0,
        }
    }

    /// The next thing to do. What the last step asked for and was not given counts as lost
    /// (an answer), completed (a wait) or refused (a token).
    pub fn next_step(&mut self) -> Step {
        match std::mem::replace(&mut self.expect, Expect::Nothing) {
            Expect::Nothing => {}
            Expect::Answers => {
                for (_, slot) in std::mem::take(&mut self.outstanding) {
                    let lost = Answer::Lost {
                        message: "no answer was given".to_owned(),
                    };
                    self.received.push((slot, lost));
                }
                let received = std::mem::take(&mut self.received);
                self.take_answers(received);
            }
            Expect::Waited => {
                let completed = self.wait_result.take().unwrap_or(true);
                self.take_waited(completed);
            }
            Expect::Token => {
                let result = self.token_result.take().unwrap_or_else(|| {
                    Err(SyncError::new(
                        ErrorCode::Unauthorized,
                        "no fresh token was given",
                    ))
                });
                self.take_token(result);
            }
            Expect::Replanned => {
                let result = self.replan_result.take().flatten();
                if let Some(j) = self.replanning.take() {
                    self.take_replanned(j, result);
                }
            }
        }
        loop {
            if let Some(step) = self.out.pop_front() {
                return step;
            }
            if let Some(step) = self.advance() {
                return step;
            }
        }
    }

    /// The answer to the request named `tag` (an unknown tag is ignored).
    pub fn answer(&mut self, tag: Tag, answer: Answer) {
        if let Some(i) = self.outstanding.iter().position(|(t, _)| *t == tag) {
            let (_, slot) = self.outstanding.remove(i);
            self.received.push((slot, answer));
        }
    }

    /// The wait asked for is over; `completed` is false when a cancel cut it short.
    pub fn waited(&mut self, completed: bool) {
        if self.expect == Expect::Waited {
            self.wait_result = Some(completed);
        }
    }

    /// The host's answer to [`Step::RefreshToken`]; `Err` stops the run.
    pub fn token_refreshed(&mut self, result: Result<(), SyncError>) {
        if self.expect == Expect::Token {
            self.token_result = Some(result);
        }
    }

    /// The host's answer to [`Step::Replan`]: the update's new body and the etag to send it on,
    /// or `None` (the record then fails with `changedSincePlan`).
    pub fn replanned(&mut self, write: Option<(serde_json::Value, String)>) {
        if self.expect == Expect::Replanned {
            self.replan_result = Some(write);
        }
    }

    /// Stops the run before its next round; what is unknown is still looked up.
    pub fn cancel(&mut self) {
        self.cancel_requested = true;
    }

    /// Whether the run's writes are over and it is making its final lookups (DESIGN §8: every
    /// create whose outcome was ever unknown is looked up once more after the run settles).
    pub fn in_final_lookups(&self) -> bool {
        matches!(self.phase, Phase::Sweep)
    }

    /// The run's outcome (once [`Step::Done`] has been handed out).
    pub fn outcome(self) -> RunOutcome {
        let fatal = self.fatal;
        let cancelled = self.cancelled;
        let records = self
            .jobs
            .into_iter()
            .map(|job| {
                let update_id = match &job.write {
                    WriteKind::Update { outlook_id, .. } => Some(outlook_id.clone()),
                    WriteKind::Create { .. } => None,
                };
                let (action, outlook_id, error) = match job.state {
                    // A failed update still names the Outlook contact it was for.
                    JobState::Done(action, id, error) => (action, id.or(update_id), error),
                    // An update sent whose answer never came, and not settled since: it may
                    // have been written — never "cancelled before it was written".
                    _ if job.ever_unknown && !job.is_create() => (
                        Action::Failed,
                        update_id,
                        Some(RecordError {
                            code: OUTCOME_UNKNOWN.to_owned(),
                            message: "the update may or may not have been written (its answer was lost and the run stopped before it was settled); plan again to see".to_owned(),
                            status: None,
                            graph_code: None,
                        }),
                    ),
                    _ => {
                        let (action, error) = match &fatal {
                            Some(e) => (Action::Failed, Some(RecordError::from(e.clone()))),
                            None if cancelled => (
                                Action::Skipped,
                                Some(RecordError::from(SyncError::new(
                                    ErrorCode::Cancelled,
                                    "the run was cancelled before this record was written",
                                ))),
                            ),
                            // Tries used up on a create that turned out not to be written.
                            None => (Action::Failed, job.last_error),
                        };
                        (action, update_id, error)
                    }
                };
                RecordResult {
                    central_id: job.central_id,
                    outlook_id,
                    action,
                    error: error.or(job.note),
                    central: None,
                }
            })
            .collect();
        RunOutcome {
            records,
            cancelled,
            error: fatal,
            duplicates_removed: self.duplicates_removed,
        }
    }

    fn tag(&mut self) -> Tag {
        self.next_tag += 1;
        self.next_tag
    }

    fn delay(&mut self, attempt: u32, retry_after: Option<f64>) -> f64 {
        self.cx.delay(attempt, retry_after)
    }

    /// Moves on by one decision; `Some` when that decision is a step for the driver.
    fn advance(&mut self) -> Option<Step> {
        if let Some(running) = &mut self.running {
            if let Some(seconds) = running.wait.take().filter(|s| *s > 0.0) {
                self.expect = Expect::Waited;
                return Some(Step::Wait {
                    seconds,
                    cancellable: false,
                });
            }
            self.next_tag += 1;
            let tag = self.next_tag;
            let request = running.errand.request(tag);
            self.outstanding.push((tag, Slot::Errand));
            self.expect = Expect::Answers;
            return Some(Step::Send(vec![request]));
        }
        match self.phase {
            Phase::Start => {
                self.start_round();
                None
            }
            Phase::Lookups => self.look_up_or_send(),
            // Every answer is in (`next_step` saw to it).
            Phase::Batches => {
                self.settle_batches();
                None
            }
            Phase::Refresh => {
                self.expect = Expect::Token;
                Some(Step::RefreshToken)
            }
            Phase::RoundWait(seconds) => {
                self.expect = Expect::Waited;
                Some(Step::Wait {
                    seconds,
                    cancellable: true,
                })
            }
            Phase::Sweep => match self.lookup_step() {
                Looking::Step(step) => Some(step),
                Looking::Errand => None,
                Looking::Over => {
                    self.phase = Phase::Done;
                    None
                }
            },
            Phase::Done => Some(Step::Done),
        }
    }

    fn take_answers(&mut self, received: Vec<(Slot, Answer)>) {
        for (slot, answer) in received {
            match slot {
                Slot::Chunk(i) => self.round.answers[i] = Some(answer),
                Slot::Errand => self.errand_answer(answer),
                Slot::Lookups(items) => self.lookups_answer(&items, answer),
            }
        }
    }

    fn take_waited(&mut self, completed: bool) {
        // An errand's or the lookups' wait simply ends; a round's wait may be cut by a cancel.
        if self.running.is_some() {
            return;
        }
        if let Phase::RoundWait(_) = self.phase {
            if completed {
                let progress = self.progress();
                self.out.push_back(Step::Progress(progress));
                self.phase = Phase::Start;
            } else {
                self.cancelled = true;
                self.start_sweep();
            }
        }
    }

    fn take_token(&mut self, result: Result<(), SyncError>) {
        match self.phase {
            Phase::Refresh => {
                if let Err(e) = result {
                    self.fatal = Some(e);
                }
                self.end_round();
            }
            // The lookups asked for it.
            Phase::Lookups | Phase::Sweep => {
                if let Err(e) = result {
                    for i in 0..self.lookups.items.len() {
                        if self.lookups.items[i].queued {
                            self.lookups.items[i].queued = false;
                            self.lookup_settle(self.lookups.items[i].job, Err(e.clone()));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    // ───────────────────────── rounds ─────────────────────────

    fn start_round(&mut self) {
        if self.queue.is_empty() && self.ready.is_empty() {
            return self.start_sweep();
        }
        if self.cancel_requested {
            self.cancelled = true;
            return self.start_sweep();
        }
        self.round = if self.ready.is_empty() {
            let n = self.per_round.min(self.queue.len());
            Round {
                jobs: self.queue.drain(..n).collect(),
                ..Round::default()
            }
        } else {
            // Their jobs are pending (nothing of a batch refused as too large was written):
            // nothing to read back or look up.
            let n = self.concurrency.min(self.ready.len());
            let formed: Vec<Vec<usize>> = self.ready.drain(..n).collect();
            Round {
                jobs: formed.concat(),
                formed,
                ..Round::default()
            }
        };
        self.phase = Phase::Lookups;
    }

    /// Updates whose earlier try may have landed are read back, and creates of unknown
    /// outcome looked up (found ones are done); then the round's batches go out at once.
    fn look_up_or_send(&mut self) -> Option<Step> {
        while self.round.checked < self.round.jobs.len() {
            let j = self.round.jobs[self.round.checked];
            self.round.checked += 1;
            let WriteKind::Update { outlook_id, .. } = &self.jobs[j].write else {
                continue;
            };
            let work = match self.jobs[j].state {
                JobState::CheckUpdate => Work::Check(Checker::new(&self.cx, outlook_id)),
                JobState::Replan => Work::Read(Reader::new(&self.cx, outlook_id)),
                _ => continue,
            };
            self.running = Some(Running {
                errand: Errand {
                    job: j,
                    in_sweep: false,
                    work,
                },
                wait: None,
            });
            return None;
        }
        if !self.round.looked_up {
            self.round.looked_up = true;
            let unknown: Vec<usize> = (self.round.jobs.iter().copied())
                .filter(|&j| self.jobs[j].state == JobState::UnknownCreate)
                .collect();
            self.lookups = Lookups::new(unknown, false);
        }
        match self.lookup_step() {
            Looking::Step(step) => return Some(step),
            Looking::Errand => return None,
            Looking::Over => {}
        }
        self.send_writes()
    }

    /// The round's batches: those formed before it, or its pending writes cut to size. Graph's
    /// advice is `concurrency` batches in flight per mailbox; more wait in `ready`.
    fn send_writes(&mut self) -> Option<Step> {
        let mut chunks: Vec<(Vec<usize>, Option<String>)> = if self.round.formed.is_empty() {
            self.form_chunks()
        } else {
            std::mem::take(&mut self.round.formed)
                .into_iter()
                .map(|chunk| (chunk, None))
                .collect()
        };
        if chunks.len() > self.concurrency {
            for (chunk, _) in chunks.split_off(self.concurrency).into_iter().rev() {
                self.ready.push_front(chunk);
            }
        }
        if chunks.is_empty() {
            self.end_round();
            return None;
        }
        let mut requests = Vec::with_capacity(chunks.len());
        let mut sent = Vec::with_capacity(chunks.len());
        for (i, (chunk, body)) in chunks.into_iter().enumerate() {
            let body = body.unwrap_or_else(|| {
                let items: Vec<String> = (chunk.iter())
                    .map(|&j| item_text(&self.write_request(j)))
                    .collect();
                body_of(items.iter().map(String::as_str))
            });
            let tag = self.tag();
            self.outstanding.push((tag, Slot::Chunk(i)));
            requests.push(Request {
                tag,
                method: Method::Post,
                url: Target::Relative("/$batch".to_owned()),
                body: Some(body),
            });
            sent.push(chunk);
        }
        self.round.answers = vec![None; sent.len()];
        self.round.chunks = sent;
        self.phase = Phase::Batches;
        self.expect = Expect::Answers;
        Some(Step::Send(requests))
    }

    /// The round's pending writes as `$batch` bodies, in order, at most [`MAX_BATCH`] items and
    /// [`MAX_BATCH_BYTES`] each. A write too large to go even alone fails here, never sent.
    fn form_chunks(&mut self) -> Vec<(Vec<usize>, Option<String>)> {
        let pending: Vec<usize> = (self.round.jobs.iter().copied())
            .filter(|&j| self.jobs[j].state == JobState::Pending)
            .collect();
        let mut items: Vec<(usize, String)> = Vec::with_capacity(pending.len());
        for j in pending {
            let text = item_text(&self.write_request(j));
            let bytes = alone_bytes(text.len());
            if bytes > MAX_BATCH_BYTES {
                self.jobs[j].state =
                    JobState::Done(Action::Failed, None, Some(too_large_unsent(bytes)));
            } else {
                items.push((j, text));
            }
        }
        let lengths: Vec<usize> = items.iter().map(|(_, text)| text.len()).collect();
        pack(&lengths)
            .into_iter()
            .map(|range| {
                let chunk = &items[range];
                let body = body_of(chunk.iter().map(|(_, text)| text.as_str()));
                (chunk.iter().map(|(j, _)| *j).collect(), Some(body))
            })
            .collect()
    }

    fn write_request(&self, j: usize) -> BatchRequest<'_> {
        let folder = encode(&self.cx.folder_id);
        let mailbox = &self.cx.mailbox;
        match &self.jobs[j].write {
            WriteKind::Create { body } => BatchRequest {
                id: j.to_string(),
                method: "POST",
                url: format!("{mailbox}/contactFolders/{folder}/contacts"),
                body: Some(body),
                if_match: None,
            },
            WriteKind::Update {
                outlook_id,
                body,
                etag,
            } => BatchRequest {
                id: j.to_string(),
                method: "PATCH",
                url: format!("{mailbox}/contacts/{}", encode(outlook_id)),
                body: Some(body),
                if_match: etag.as_deref(),
            },
        }
    }

    /// A round's lookup has its answer.
    fn round_found(&mut self, j: usize, found: Result<Vec<String>, SyncError>) {
        match found {
            // Not written: it goes in this round's batches.
            Ok(hits) if hits.is_empty() => self.jobs[j].state = JobState::Pending,
            // Found before this run sent it: another run created it since the plan. It is
            // left as it is and never created again.
            Ok(hits) if self.jobs[j].sends == 0 => {
                self.jobs[j].state = JobState::Done(
                    Action::Skipped,
                    hits.into_iter().next(),
                    Some(already_in_folder()),
                );
            }
            // Found more than once — the create ran twice below us — the extra copies are
            // deleted: at plan time no contact of the folder carried this Central id, so
            // every copy is this run's own.
            Ok(mut hits) => {
                let keep = hits.remove(0);
                match Deleter::new(&self.cx, hits) {
                    None => self.jobs[j].state = JobState::Done(Action::Created, Some(keep), None),
                    Some(deleter) => self.lookups.errands.push_back(Errand {
                        job: j,
                        in_sweep: false,
                        work: Work::Delete { keep, deleter },
                    }),
                }
            }
            Err(e) => self.round_lookup_failed(j, e),
        }
    }

    /// A lookup that failed uses a try; with none left the create stays unknown, for the
    /// sweep to settle.
    fn round_lookup_failed(&mut self, j: usize, e: SyncError) {
        let job = &mut self.jobs[j];
        job.attempts += 1;
        job.last_error = Some(e.into());
        if job.attempts < self.cx.retry.max_attempts {
            let attempts = job.attempts;
            let wait = self.delay(attempts, None);
            self.round.wait = self.round.wait.max(wait);
            self.round.retry_later.push(j);
        }
    }

    fn errand_answer(&mut self, answer: Answer) {
        let Some(mut running) = self.running.take() else {
            return;
        };
        let (job, in_sweep) = (running.errand.job, running.errand.in_sweep);
        match running.errand.answer(answer, &mut self.cx, &self.jobs) {
            Next::Again(wait) => {
                running.wait = Some(wait);
                self.running = Some(running);
            }
            Next::Go => self.running = Some(running),
            Next::Finished(Finished::Checked(result)) => self.update_checked(job, result),
            Next::Finished(Finished::Read(result)) => self.contact_read(job, result),
            Next::Finished(Finished::Found(found)) if in_sweep => self.sweep_settle(job, found),
            Next::Finished(Finished::Found(found)) => self.round_found(job, found),
            Next::Finished(Finished::Deleted {
                keep,
                removed,
                error,
            }) => {
                self.duplicates_removed += removed;
                match (in_sweep, error) {
                    (true, Some(e)) => {
                        self.jobs[job].note = Some(possible_duplicate(e, "could not be deleted"))
                    }
                    (true, None) => {}
                    (false, Some(e)) => self.round_lookup_failed(job, e),
                    (false, None) => {
                        self.jobs[job].state = JobState::Done(Action::Created, Some(keep), None)
                    }
                }
            }
        }
    }

    /// Applies the answers of the round's batches, in batch order.
    fn settle_batches(&mut self) {
        let chunks = std::mem::take(&mut self.round.chunks);
        let answers = std::mem::take(&mut self.round.answers);
        for (chunk, answer) in chunks.iter().zip(answers) {
            let answer = answer.unwrap_or(Answer::Lost {
                message: "no answer was given".to_owned(),
            });
            // Too large for Graph: none of it ran, so this is no try and needs no lookup.
            if let Answer::Http {
                status: 413, body, ..
            } = &answer
            {
                self.refused_as_too_large(chunk, body);
                continue;
            }
            for &j in chunk {
                self.jobs[j].attempts += 1;
            }
            if !matches!(answer, Answer::NoToken(_)) {
                for &j in chunk {
                    self.jobs[j].sends += 1;
                }
            }
            match answer {
                // No token at all: nothing more can be written.
                Answer::NoToken(e) => {
                    self.fatal = Some(e);
                    self.round.retry_later.extend(chunk);
                }
                Answer::Http {
                    status: 200, body, ..
                } => match parse_batch_response(&body) {
                    Ok(items) => {
                        for &j in chunk {
                            match items.get(&j.to_string()) {
                                Some(item) => self.settle_item(j, item),
                                None => {
                                    let e = SyncError::new(
                                        ErrorCode::InvalidGraphData,
                                        "Graph's batch answer left this request out",
                                    );
                                    if self.retry_or_fail(j, e.into(), true) {
                                        self.round.retry_later.push(j);
                                    }
                                }
                            }
                        }
                    }
                    Err(_) => self.batch_lost(chunk),
                },
                Answer::Http { status, .. } if (200..300).contains(&status) => {
                    self.batch_lost(chunk)
                }
                // The whole batch was refused.
                Answer::Http {
                    status,
                    retry_after,
                    body,
                } => {
                    let err = error_from_status(status, &body);
                    if is_transient(status) {
                        let attempts = self.max_attempts_of(chunk);
                        let wait = self.delay(attempts, retry_after);
                        self.round.wait = self.round.wait.max(wait);
                        // A gateway timeout may hide writes that happened.
                        self.retry_chunk(chunk, &err, status != 429);
                    } else if status == 401 || status == 403 {
                        self.fatal = Some(err);
                        self.round.retry_later.extend(chunk);
                    } else {
                        for &j in chunk {
                            self.jobs[j].state =
                                JobState::Done(Action::Failed, None, Some(err.clone().into()));
                        }
                    }
                }
                Answer::Lost { .. } => self.batch_lost(chunk),
            }
        }
        self.end_round_after_batches();
    }

    /// A batch Graph refused as too large (its limit is lower than ours): its halves go again,
    /// first in the next round, until a batch of one says which write is too large.
    fn refused_as_too_large(&mut self, chunk: &[usize], body: &[u8]) {
        if let [j] = *chunk {
            let cause = error_from_status(413, body);
            self.jobs[j].state = JobState::Done(Action::Failed, None, Some(too_large(cause)));
        } else {
            let (first, second) = chunk.split_at(chunk.len() / 2);
            self.round.split.push(first.to_vec());
            self.round.split.push(second.to_vec());
        }
    }

    /// No readable answer: every write of the batch may or may not have happened.
    fn batch_lost(&mut self, chunk: &[usize]) {
        let attempts = self.max_attempts_of(chunk);
        let wait = self.delay(attempts, None);
        self.round.wait = self.round.wait.max(wait);
        let err = SyncError::new(ErrorCode::Network, "Graph's answer to a batch was lost");
        self.retry_chunk(chunk, &err, true);
    }

    /// Applies one item's answer to its job.
    fn settle_item(&mut self, j: usize, item: &ItemResponse) {
        let is_create = self.jobs[j].is_create();
        match item.status {
            200..=299 => {
                let id = item
                    .body
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let updated = match &self.jobs[j].write {
                    WriteKind::Update { outlook_id, .. } => Some(outlook_id.clone()),
                    WriteKind::Create { .. } => None,
                };
                match (updated, id) {
                    (Some(outlook_id), _) => {
                        self.jobs[j].state = JobState::Done(Action::Updated, Some(outlook_id), None)
                    }
                    (None, Some(id)) => {
                        self.jobs[j].state = JobState::Done(Action::Created, Some(id), None)
                    }
                    // Created, but the answer does not say as what: look it up.
                    (None, None) => {
                        let e = SyncError::new(
                            ErrorCode::InvalidGraphData,
                            "Graph created the contact but did not say its id",
                        );
                        if self.retry_or_fail(j, e.into(), true) {
                            self.round.retry_later.push(j);
                        }
                    }
                }
            }
            // The token was refused for this item: a fresh one is asked for after the round.
            401 => {
                self.round.saw_unauthorized = true;
                let e = item_error(item);
                if self.retry_or_fail(j, e.into(), false) {
                    self.round.retry_later.push(j);
                }
            }
            s if is_transient(s) => {
                // A 503/504 may come after the write happened; a 429 never does.
                let unknown = s != 429;
                if self.retry_or_fail(j, item_error(item).into(), unknown) {
                    let attempts = self.jobs[j].attempts;
                    let wait = self.delay(attempts, item.retry_after);
                    self.round.wait = self.round.wait.max(wait);
                    self.round.retry_later.push(j);
                }
            }
            // The contact changed since the plan read it (the user edited it in Outlook, or
            // Exchange touched it): it is not overwritten. Graph answers 412, or 409
            // `ErrorIrresolvableConflict`.
            // A create into a folder that is not there: the folder was deleted (or hidden)
            // since the plan. Nothing more can be written: the run stops, once, with
            // `folderNotFound`, instead of failing every record one by one.
            404 if is_create => {
                let cause = item_error(item);
                self.fatal = Some(crate::graph::folder_error(cause, &self.cx.folder_id));
                self.round.retry_later.push(j);
            }
            // A resend whose earlier try may have landed: its own write may be what moved
            // the etag. The contact is read back before anything is decided.
            412 | 409 if !is_create && self.jobs[j].ever_unknown => {
                self.jobs[j].state = JobState::CheckUpdate;
                self.round.retry_later.push(j);
            }
            // This write alone is too large for Graph: it is not sent again.
            413 => {
                self.jobs[j].state =
                    JobState::Done(Action::Failed, None, Some(too_large(item_error(item))))
            }
            // First met: the contact is read again and the record planned once more over it.
            412 | 409 if !is_create && !self.jobs[j].replanned => {
                self.jobs[j].state = JobState::Replan;
                self.round.retry_later.push(j);
            }
            412 | 409 if !is_create => {
                let cause = item_error(item);
                self.jobs[j].state = JobState::Done(
                    Action::Failed,
                    None,
                    Some(RecordError {
                        code: ErrorCode::ChangedSincePlan.as_str().to_owned(),
                        message: format!(
                            "the Outlook contact changed after the plan was made, so it was not overwritten; plan again ({})",
                            cause.message
                        ),
                        status: cause.status,
                        graph_code: cause.graph_code,
                    }),
                )
            }
            _ => {
                self.jobs[j].state =
                    JobState::Done(Action::Failed, None, Some(item_error(item).into()))
            }
        }
    }

    /// The contact of an update that met 412, read again: handed to the host to plan anew;
    /// gone, or unreadable, the record fails and nothing is overwritten.
    fn contact_read(&mut self, j: usize, result: Result<Option<serde_json::Value>, SyncError>) {
        match result {
            Ok(Some(contact)) => {
                self.replanning = Some(j);
                self.expect = Expect::Replanned;
                self.out.push_back(Step::Replan {
                    central_id: self.jobs[j].central_id.clone(),
                    contact,
                });
            }
            Ok(None) => {
                self.jobs[j].state = JobState::Done(
                    Action::Failed,
                    None,
                    Some(changed_since_plan(
                        "the Outlook contact was deleted after the plan was made",
                    )),
                )
            }
            Err(e) => {
                self.jobs[j].state = JobState::Done(
                    Action::Failed,
                    None,
                    Some(changed_since_plan(&format!(
                        "the Outlook contact changed after the plan was made, and it could not be read again ({})",
                        e.message
                    ))),
                )
            }
        }
    }

    /// The host planned the record again: its update goes once more, in this round, on the
    /// etag read; or the plan no longer holds and nothing is overwritten.
    fn take_replanned(&mut self, j: usize, write: Option<(serde_json::Value, String)>) {
        let job = &mut self.jobs[j];
        job.replanned = true;
        match (write, &mut job.write) {
            (Some((new_body, new_etag)), WriteKind::Update { body, etag, .. }) => {
                *body = new_body;
                *etag = Some(new_etag);
                job.state = JobState::Pending;
            }
            _ => {
                job.state = JobState::Done(
                    Action::Failed,
                    None,
                    Some(changed_since_plan(
                        "the Outlook contact was changed after the plan was made in a field this sync writes",
                    )),
                )
            }
        }
    }

    /// A resent update's contact was read back: it holds what the update sent (an earlier
    /// try landed) — updated; else someone changed it — not overwritten.
    fn update_checked(&mut self, j: usize, result: Result<bool, SyncError>) {
        let outlook_id = match &self.jobs[j].write {
            WriteKind::Update { outlook_id, .. } => outlook_id.clone(),
            WriteKind::Create { .. } => return,
        };
        self.jobs[j].state = match result {
            Ok(true) => JobState::Done(Action::Updated, Some(outlook_id), None),
            Ok(false) => JobState::Done(
                Action::Failed,
                None,
                Some(changed_since_plan("the Outlook contact changed after the plan was made")),
            ),
            Err(e) => JobState::Done(
                Action::Failed,
                None,
                Some(changed_since_plan(&format!(
                    "the Outlook contact changed after the plan was made, or an earlier try of this update landed; it could not be read back ({})",
                    e.message
                ))),
            ),
        };
    }

    /// Notes a failed try. True when the job goes again (as a lookup first if its outcome is
    /// unknown and it is a create), false when it has used its tries: it has failed, or, when
    /// unknown, it is left for the sweep to settle.
    fn retry_or_fail(&mut self, j: usize, error: RecordError, outcome_unknown: bool) -> bool {
        let max_attempts = self.cx.retry.max_attempts;
        let job = &mut self.jobs[j];
        if outcome_unknown {
            // An update may have landed too: a resend that meets 412 reads it back.
            job.ever_unknown = true;
            if job.is_create() {
                job.state = JobState::UnknownCreate;
            }
        }
        job.last_error = Some(error.clone());
        if job.attempts >= max_attempts {
            if job.state != JobState::UnknownCreate {
                job.state = JobState::Done(Action::Failed, None, Some(error));
            }
            return false;
        }
        true
    }

    fn retry_chunk(&mut self, chunk: &[usize], err: &SyncError, outcome_unknown: bool) {
        for &j in chunk {
            if self.retry_or_fail(j, err.clone().into(), outcome_unknown) {
                self.round.retry_later.push(j);
            }
        }
    }

    fn max_attempts_of(&self, chunk: &[usize]) -> u32 {
        chunk
            .iter()
            .map(|&j| self.jobs[j].attempts)
            .max()
            .unwrap_or(1)
    }

    /// Items refused their token: one fresh token per round, a second round of it is fatal.
    fn end_round_after_batches(&mut self) {
        if !self.round.saw_unauthorized {
            self.unauthorized_rounds = 0;
            return self.end_round();
        }
        self.unauthorized_rounds += 1;
        if self.unauthorized_rounds > 1 {
            self.fatal = Some(SyncError::new(
                ErrorCode::Unauthorized,
                "Graph refused the token, also after a fresh one was asked for",
            ));
            self.end_round()
        } else if self.fatal.is_some() {
            self.end_round()
        } else {
            self.phase = Phase::Refresh;
        }
    }

    /// The halves of batches refused as too large go first in the next round, then retries,
    /// in their original order; then progress, and the wait the round's throttling asked for.
    fn end_round(&mut self) {
        let mut retry = std::mem::take(&mut self.round.retry_later);
        retry.sort_unstable();
        for j in retry.into_iter().rev() {
            self.queue.push_front(j);
        }
        for chunk in std::mem::take(&mut self.round.split).into_iter().rev() {
            self.ready.push_front(chunk);
        }
        if self.fatal.is_some() {
            return self.start_sweep();
        }
        let progress = self.progress();
        self.out.push_back(Step::Progress(progress));
        let wait = self.round.wait;
        if wait > 0.0 && !(self.queue.is_empty() && self.ready.is_empty()) {
            self.out.push_back(Step::Progress(Progress {
                waiting_seconds: wait,
                ..progress
            }));
            self.phase = Phase::RoundWait(wait);
        } else {
            self.phase = Phase::Start;
        }
    }

    fn progress(&self) -> Progress {
        let mut p = Progress {
            total: self.jobs.len(),
            ..Progress::default()
        };
        for job in &self.jobs {
            if let JobState::Done(action, ..) = &job.state {
                match action {
                    Action::Created => p.created += 1,
                    Action::Updated => p.updated += 1,
                    Action::Failed => p.failed += 1,
                    // (The machine writes creates and updates only.)
                    _ => {}
                }
            }
        }
        p.done = p.created + p.updated + p.failed;
        p
    }

    // ───────────────────────── lookups and the sweep ─────────────────────────

    /// Before reporting, every create whose outcome was ever unknown is looked up: a
    /// still-unknown one is settled, and a late commit of one that was settled meanwhile is
    /// found and its extra copy deleted.
    fn start_sweep(&mut self) {
        let unknown =
            (0..self.jobs.len()).filter(|&j| self.jobs[j].is_create() && self.jobs[j].ever_unknown);
        self.lookups = Lookups::new(unknown, true);
        self.phase = Phase::Sweep;
    }

    /// The lookups' next request: an errand's (more pages, deletes), a fresh token, a wait
    /// before lookups are tried again, or the next `$batch` of lookups.
    fn lookup_step(&mut self) -> Looking {
        if let Some(errand) = self.lookups.errands.pop_front() {
            self.running = Some(Running { errand, wait: None });
            return Looking::Errand;
        }
        if std::mem::take(&mut self.lookups.refresh) {
            self.expect = Expect::Token;
            return Looking::Step(Step::RefreshToken);
        }
        let batch: Vec<usize> = (0..self.lookups.items.len())
            .filter(|&i| self.lookups.items[i].queued)
            .take(self.lookups.per_batch)
            .collect();
        if batch.is_empty() {
            return Looking::Over;
        }
        let wait = std::mem::take(&mut self.lookups.wait);
        if wait > 0.0 {
            self.expect = Expect::Waited;
            return Looking::Step(Step::Wait {
                seconds: wait,
                cancellable: false,
            });
        }
        let mut items = Vec::with_capacity(batch.len());
        for &i in &batch {
            let item = &mut self.lookups.items[i];
            item.queued = false;
            item.tries += 1;
            items.push(BatchRequest {
                id: item.job.to_string(),
                method: "GET",
                url: self.cx.lookup_path(&self.jobs[item.job].central_id),
                body: None,
                if_match: None,
            });
        }
        let body = batch_body(&items);
        let tag = self.tag();
        self.outstanding.push((tag, Slot::Lookups(batch)));
        self.expect = Expect::Answers;
        Looking::Step(Step::Send(vec![Request {
            tag,
            method: Method::Post,
            url: Target::Relative("/$batch".to_owned()),
            body: Some(body),
        }]))
    }

    fn lookups_answer(&mut self, batch: &[usize], answer: Answer) {
        let lost = || SyncError::new(ErrorCode::Network, "Graph's answer to a batch was lost");
        match answer {
            Answer::NoToken(e) => {
                for &i in batch {
                    self.lookup_settle(self.lookups.items[i].job, Err(e.clone()));
                }
            }
            Answer::Http {
                status: 200, body, ..
            } => match parse_batch_response(&body) {
                Ok(answers) => {
                    let mut refused = Vec::new();
                    for &i in batch {
                        let job = self.lookups.items[i].job;
                        match answers.get(&job.to_string()) {
                            Some(item) if item.status == 401 => refused.push((i, item_error(item))),
                            Some(item) => self.lookup_item(i, item),
                            None => {
                                let e = SyncError::new(
                                    ErrorCode::InvalidGraphData,
                                    "Graph's batch answer left this lookup out",
                                );
                                self.lookup_retry(i, e, None);
                            }
                        }
                    }
                    // Refused tokens: one fresh token for these lookups, then they fail.
                    let again = !refused.is_empty() && !self.lookups.refreshed;
                    if again {
                        self.lookups.refreshed = true;
                        self.lookups.refresh = true;
                    }
                    for (i, e) in refused {
                        if again {
                            self.lookup_retry(i, e, Some(0.0));
                        } else {
                            self.lookup_settle(self.lookups.items[i].job, Err(e));
                        }
                    }
                }
                Err(_) => {
                    for &i in batch {
                        self.lookup_retry(i, lost(), None);
                    }
                }
            },
            // Graph's limit is lower than this batch: none of it ran; fewer lookups per batch,
            // and no try used.
            Answer::Http { status: 413, .. } if batch.len() > 1 => {
                self.lookups.per_batch = batch.len() / 2;
                for &i in batch {
                    let item = &mut self.lookups.items[i];
                    item.tries -= 1;
                    item.queued = true;
                }
            }
            Answer::Http {
                status,
                retry_after,
                body,
            } if !(200..300).contains(&status) => {
                let err = self.cx.folder_error(error_from_status(status, &body));
                for &i in batch {
                    if is_transient(status) {
                        self.lookup_retry(i, err.clone(), retry_after);
                    } else {
                        self.lookup_settle(self.lookups.items[i].job, Err(err.clone()));
                    }
                }
            }
            Answer::Http { .. } | Answer::Lost { .. } => {
                for &i in batch {
                    self.lookup_retry(i, lost(), None);
                }
            }
        }
    }

    fn lookup_item(&mut self, i: usize, item: &ItemResponse) {
        let job = self.lookups.items[i].job;
        if (200..300).contains(&item.status) {
            let page = serde_json::to_vec(&item.body).unwrap_or_default();
            match PageReader::from_first_page(&self.cx, &self.jobs[job].central_id, &page) {
                Ok(FirstPage::Hits(hits)) => self.lookup_settle(job, Ok(hits)),
                Ok(FirstPage::More(reader)) => self.lookups.errands.push_back(Errand {
                    job,
                    in_sweep: self.lookups.in_sweep,
                    work: Work::Find(reader),
                }),
                Err(e) => self.lookup_settle(job, Err(e)),
            }
        } else if is_transient(item.status) {
            self.lookup_retry(i, item_error(item), item.retry_after);
        } else {
            let e = self.cx.folder_error(item_error(item));
            self.lookup_settle(job, Err(e));
        }
    }

    fn lookup_retry(&mut self, i: usize, error: SyncError, retry_after: Option<f64>) {
        let tries = self.lookups.items[i].tries;
        if tries < self.cx.retry.max_attempts {
            self.lookups.items[i].queued = true;
            let wait = self.delay(tries, retry_after);
            self.lookups.wait = self.lookups.wait.max(wait);
        } else {
            self.lookup_settle(self.lookups.items[i].job, Err(error));
        }
    }

    /// A lookup's result: the contacts carrying the job's Central id, or why it failed.
    fn lookup_settle(&mut self, j: usize, found: Result<Vec<String>, SyncError>) {
        if self.lookups.in_sweep {
            self.sweep_settle(j, found)
        } else {
            self.round_found(j, found)
        }
    }

    /// What the last lookup of a create says: the contacts carrying its Central id.
    fn sweep_settle(&mut self, j: usize, found: Result<Vec<String>, SyncError>) {
        let job = &mut self.jobs[j];
        let extras = match (found, &job.state) {
            // Created: any other copy is a late commit of an earlier try. The copy the record
            // names is kept; when the lookup does not see it, nothing is deleted.
            (Ok(hits), JobState::Done(Action::Created, Some(id), _)) => {
                if hits.contains(id) {
                    hits.into_iter().filter(|h| h != id).collect()
                } else {
                    Vec::new()
                }
            }
            (Ok(hits), _) if hits.is_empty() => {
                if job.state == JobState::UnknownCreate {
                    job.state = JobState::Pending;
                }
                Vec::new()
            }
            // Written after all (a late commit, or a try that was reported lost).
            (Ok(mut hits), _) => {
                let keep = hits.remove(0);
                job.state = JobState::Done(Action::Created, Some(keep), None);
                hits
            }
            // Sent more than once: an earlier try may have landed too.
            (Err(e), JobState::Done(Action::Created, ..)) => {
                if job.sends > 1 {
                    job.note = Some(possible_duplicate(e, "could not be looked for"));
                }
                Vec::new()
            }
            (Err(e), _) => {
                job.state = JobState::Done(Action::Failed, None, Some(outcome_unknown(e)));
                Vec::new()
            }
        };
        let keep = match &job.state {
            JobState::Done(Action::Created, Some(id), _) => id.clone(),
            _ => return,
        };
        if let Some(deleter) = Deleter::new(&self.cx, extras) {
            self.lookups.errands.push_back(Errand {
                job: j,
                in_sweep: true,
                work: Work::Delete { keep, deleter },
            });
        }
    }
}

fn changed_since_plan(what: &str) -> RecordError {
    RecordError {
        code: ErrorCode::ChangedSincePlan.as_str().to_owned(),
        message: format!("{what}, so it was not overwritten; plan again"),
        status: None,
        graph_code: None,
    }
}

fn already_in_folder() -> RecordError {
    RecordError {
        code: ErrorCode::AlreadyInFolder.as_str().to_owned(),
        message: "a contact with this Central id was already in the folder (another sync created it since this plan was made); it was not created again".to_owned(),
        status: None,
        graph_code: None,
    }
}

/// A write whose request is over Graph's limit, found before it was sent.
fn too_large_unsent(bytes: usize) -> RecordError {
    RecordError {
        code: ErrorCode::RecordTooLarge.as_str().to_owned(),
        message: format!(
            "its request would be {bytes} bytes, more than the {MAX_BATCH_BYTES} one Graph request may hold; it was not sent"
        ),
        status: None,
        graph_code: None,
    }
}

/// A write Graph refused as too large (413): not written.
fn too_large(cause: SyncError) -> RecordError {
    RecordError {
        code: ErrorCode::RecordTooLarge.as_str().to_owned(),
        message: format!(
            "Graph refused its request as too large, so it was not written ({})",
            cause.message
        ),
        status: cause.status,
        graph_code: cause.graph_code,
    }
}

fn item_error(item: &ItemResponse) -> SyncError {
    error_from_status(
        item.status,
        &serde_json::to_vec(&item.body).unwrap_or_default(),
    )
}

fn outcome_unknown(cause: SyncError) -> RecordError {
    RecordError {
        code: OUTCOME_UNKNOWN.to_owned(),
        message: format!(
            "the contact may or may not have been created: it could not be looked up ({}); \
             the next plan links it by its Central id",
            cause.message
        ),
        status: cause.status,
        graph_code: cause.graph_code,
    }
}

fn possible_duplicate(cause: SyncError, what: &str) -> RecordError {
    RecordError {
        code: POSSIBLE_DUPLICATE.to_owned(),
        message: format!(
            "created, but an extra copy carrying the same Central id {what} ({}); the next \
             plan shows it",
            cause.message
        ),
        status: cause.status,
        graph_code: cause.graph_code,
    }
}
