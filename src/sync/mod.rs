//! The executor: sends the engine's writes to Graph in `$batch` calls of up to 20, one batch
//! in flight per mailbox by default. Throttled items wait (`Retry-After`, else backoff) and
//! go again within a bounded number of tries; a refused token is renewed; a create whose
//! outcome is unknown is looked up by its Central id before it is ever sent again, so a
//! record is never created twice. Cancelling stops between batches.

pub mod batch;

use std::collections::VecDeque;

use futures::future::join_all;
use gloo_net::http::Method;
use serde::Serialize;
use serde_json::Value;
use tsify::Tsify;

use crate::error::{ErrorCode, SyncError};
use crate::fetch::HttpResponse;
use crate::graph::odata::encode;
use crate::graph::{error_from_status, is_transient, GraphClient};
use crate::retry::sleep;
use batch::{batch_body, parse_batch_response, BatchRequest, ItemResponse, MAX_BATCH};

/// What happened to one selected record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    Created,
    Updated,
    Skipped,
    Failed,
}

/// Why a record failed or was skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RecordError {
    /// A stable code (`throttled`, `network`, `graphError`, `cancelled`, `notSyncable`, …).
    pub code: String,
    pub message: String,
    /// HTTP status of Graph's answer, when there was one.
    pub status: Option<u16>,
    /// Graph's `error.code`, when Graph sent one.
    pub graph_code: Option<String>,
}

impl From<SyncError> for RecordError {
    fn from(e: SyncError) -> Self {
        RecordError {
            code: e.code.as_str().to_owned(),
            message: e.message,
            status: e.status,
            graph_code: e.graph_code,
        }
    }
}

/// The outcome of one selected record.
#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RecordResult {
    pub central_id: String,
    pub outlook_id: Option<String>,
    pub action: Action,
    pub error: Option<RecordError>,
}

/// Progress of a run, as sent to `onProgress`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Writes finished (created + updated + failed).
    pub done: usize,
    /// Writes to make.
    pub total: usize,
    pub created: usize,
    pub updated: usize,
    pub failed: usize,
    /// Seconds the run is waiting now because Graph throttled it (0 when not waiting).
    pub waiting_seconds: f64,
}

/// A write to make.
#[derive(Debug, Clone)]
pub enum WriteKind {
    Create { body: Value },
    Update { outlook_id: String, body: Value },
}

#[derive(Debug, Clone, PartialEq)]
enum JobState {
    Pending,
    /// Sent, but whether it was written is unknown: look it up before sending again.
    UnknownCreate,
    Done(Action, Option<String>, Option<RecordError>),
}

struct Job {
    central_id: String,
    write: WriteKind,
    attempts: u32,
    state: JobState,
    last_error: Option<RecordError>,
}

/// Settings of one run.
pub struct RunSettings<'a> {
    pub folder_id: &'a str,
    /// Batches in flight at once (1 by default: Graph's advice per mailbox).
    pub concurrency: usize,
    pub signal: Option<web_sys::AbortSignal>,
    pub on_progress: &'a dyn Fn(Progress),
}

/// What a run did: one result per write in order, whether it was cancelled, and the error
/// that stopped it early, if any.
pub struct RunOutcome {
    pub records: Vec<RecordResult>,
    pub cancelled: bool,
    pub error: Option<SyncError>,
    /// Extra copies of a created contact found by a lookup and deleted.
    pub duplicates_removed: usize,
}

/// Runs `writes` (Central id, write) against the folder.
pub async fn execute(
    graph: &GraphClient,
    writes: Vec<(String, WriteKind)>,
    s: RunSettings<'_>,
) -> RunOutcome {
    let mut jobs: Vec<Job> = writes
        .into_iter()
        .map(|(central_id, write)| Job {
            central_id,
            write,
            attempts: 0,
            state: JobState::Pending,
            last_error: None,
        })
        .collect();
    let total = jobs.len();
    let mut queue: VecDeque<usize> = (0..total).collect();
    let aborted = |s: &RunSettings<'_>| s.signal.as_ref().is_some_and(|sig| sig.aborted());
    let mut cancelled = false;
    let mut duplicates_removed = 0;
    let mut fatal: Option<SyncError> = None;
    let mut unauthorized_rounds = 0;
    let per_round = MAX_BATCH * s.concurrency.max(1);

    while !queue.is_empty() {
        if aborted(&s) {
            cancelled = true;
            break;
        }
        let round: Vec<usize> = (0..per_round.min(queue.len()))
            .filter_map(|_| queue.pop_front())
            .collect();
        let mut wait: f64 = 0.0;
        let mut retry_later: Vec<usize> = Vec::new();

        // Creates of unknown outcome are looked up first; found ones are done.
        let mut to_send = Vec::with_capacity(round.len());
        for j in round {
            if jobs[j].state == JobState::UnknownCreate {
                match look_up_create(graph, s.folder_id, &jobs[j].central_id).await {
                    Ok((Some(id), removed)) => {
                        duplicates_removed += removed;
                        jobs[j].state = JobState::Done(Action::Created, Some(id), None);
                        continue;
                    }
                    Ok((None, _)) => jobs[j].state = JobState::Pending,
                    Err(e) => {
                        if fail_or_retry(&mut jobs[j], e.into(), graph.retry.max_attempts) {
                            wait = wait.max(graph.retry.delay_seconds(jobs[j].attempts, None));
                            retry_later.push(j);
                        }
                        continue;
                    }
                }
            }
            to_send.push(j);
        }

        let chunks: Vec<Vec<usize>> = to_send.chunks(MAX_BATCH).map(<[usize]>::to_vec).collect();
        let bodies: Vec<String> = chunks
            .iter()
            .map(|chunk| {
                batch_body(
                    &chunk
                        .iter()
                        .map(|&j| request_for(graph, s.folder_id, j, &jobs[j]))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let url = graph.url("/$batch");
        let answers = join_all(
            bodies
                .iter()
                .map(|b| graph.send_once(Method::POST, &url, Some(b))),
        )
        .await;

        let mut saw_unauthorized = false;
        for (chunk, answer) in chunks.iter().zip(answers) {
            for &j in chunk {
                jobs[j].attempts += 1;
            }
            let response = match answer {
                Err(e) => {
                    // No token at all: nothing more can be written.
                    fatal = Some(e);
                    retry_later.extend(chunk.iter().copied());
                    continue;
                }
                Ok(r) => r,
            };
            let items = match response {
                Ok(HttpResponse {
                    status: 200, body, ..
                }) => parse_batch_response(&body).ok(),
                Ok(r) if r.ok() => None,
                Ok(r) => {
                    // The whole batch was refused.
                    let err = error_from_status(r.status, &r.body);
                    if is_transient(r.status) {
                        wait = wait.max(
                            graph
                                .retry
                                .delay_seconds(max_attempts_of(&jobs, chunk), r.retry_after),
                        );
                        // A gateway timeout may hide writes that happened.
                        let unknown = r.status != 429;
                        let max = graph.retry.max_attempts;
                        retry_chunk(&mut jobs, chunk, &err, max, unknown, &mut retry_later);
                    } else if r.status == 401 || r.status == 403 {
                        fatal = Some(err);
                        retry_later.extend(chunk.iter().copied());
                    } else {
                        for &j in chunk {
                            jobs[j].state =
                                JobState::Done(Action::Failed, None, Some(err.clone().into()));
                        }
                    }
                    continue;
                }
                Err(_) => None,
            };
            let Some(items) = items else {
                // No readable answer: every write of the batch may or may not have happened.
                wait = wait.max(
                    graph
                        .retry
                        .delay_seconds(max_attempts_of(&jobs, chunk), None),
                );
                let err = SyncError::new(ErrorCode::Network, "Graph's answer to a batch was lost");
                let max = graph.retry.max_attempts;
                retry_chunk(&mut jobs, chunk, &err, max, true, &mut retry_later);
                continue;
            };
            for &j in chunk {
                match items.get(&j.to_string()) {
                    None => {
                        let err = SyncError::new(
                            ErrorCode::InvalidGraphData,
                            "Graph's batch answer left this request out",
                        );
                        if retry_or_fail(&mut jobs[j], err.into(), graph.retry.max_attempts, true) {
                            retry_later.push(j);
                        }
                    }
                    Some(item) => match settle(&mut jobs[j], item, graph.retry.max_attempts) {
                        Settle::Done => {}
                        Settle::Retry { wait: w } => {
                            wait = wait.max(graph.retry.delay_seconds(jobs[j].attempts, w));
                            retry_later.push(j);
                        }
                        Settle::Unauthorized => {
                            saw_unauthorized = true;
                            retry_later.push(j);
                        }
                    },
                }
            }
        }

        if saw_unauthorized {
            unauthorized_rounds += 1;
            if unauthorized_rounds > 1 {
                fatal = Some(SyncError::new(
                    ErrorCode::Unauthorized,
                    "Graph refused the token, also after a fresh one was asked for",
                ));
            } else if let Err(e) = graph.refresh_token().await {
                fatal = Some(e);
            }
        } else {
            unauthorized_rounds = 0;
        }

        // Retries go first in the next round, in their original order.
        retry_later.sort_unstable();
        for j in retry_later.into_iter().rev() {
            queue.push_front(j);
        }
        if fatal.is_some() {
            break;
        }
        let progress = progress_of(&jobs, total);
        (s.on_progress)(progress);
        if wait > 0.0 && !queue.is_empty() {
            (s.on_progress)(Progress {
                waiting_seconds: wait,
                ..progress
            });
            if !sleep(wait, s.signal.as_ref()).await {
                cancelled = true;
                break;
            }
            (s.on_progress)(progress);
        }
    }

    // Before reporting, settle what is unknown: a cancelled or stopped run still says exactly
    // which records were written.
    for job in jobs
        .iter_mut()
        .filter(|j| j.state == JobState::UnknownCreate)
    {
        job.state = match look_up_create(graph, s.folder_id, &job.central_id).await {
            Ok((Some(id), removed)) => {
                duplicates_removed += removed;
                JobState::Done(Action::Created, Some(id), None)
            }
            Ok((None, _)) => JobState::Pending,
            Err(e) => JobState::Done(Action::Failed, None, Some(e.into())),
        };
    }
    let records = jobs
        .into_iter()
        .map(|job| {
            let (action, outlook_id, error) = match job.state {
                // A failed update still names the Outlook contact it was for.
                JobState::Done(action, id, error) => {
                    let id = id.or_else(|| match &job.write {
                        WriteKind::Update { outlook_id, .. } => Some(outlook_id.clone()),
                        WriteKind::Create { .. } => None,
                    });
                    (action, id, error)
                }
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
                    let outlook_id = match &job.write {
                        WriteKind::Update { outlook_id, .. } => Some(outlook_id.clone()),
                        WriteKind::Create { .. } => None,
                    };
                    (action, outlook_id, error)
                }
            };
            RecordResult {
                central_id: job.central_id,
                outlook_id,
                action,
                error,
            }
        })
        .collect();
    RunOutcome {
        records,
        cancelled,
        error: fatal,
        duplicates_removed,
    }
}

/// Looks up a create whose outcome is unknown. Found: its id. Found more than once — the
/// create ran twice (a request re-sent below us) — the extra copies are deleted: at plan time
/// no contact of the folder carried this Central id, so every copy is this run's own.
async fn look_up_create(
    graph: &GraphClient,
    folder_id: &str,
    central_id: &str,
) -> Result<(Option<String>, usize), SyncError> {
    let mut ids = graph
        .find_by_central_id(folder_id, central_id)
        .await?
        .into_iter();
    let Some(keep) = ids.next() else {
        return Ok((None, 0));
    };
    let mut removed = 0;
    for extra in ids {
        graph.delete_contact(&extra).await?;
        removed += 1;
    }
    Ok((Some(keep), removed))
}

fn request_for<'a>(
    graph: &GraphClient,
    folder_id: &str,
    j: usize,
    job: &'a Job,
) -> BatchRequest<'a> {
    let mailbox = graph.mailbox.path();
    match &job.write {
        WriteKind::Create { body } => BatchRequest {
            id: j.to_string(),
            method: "POST",
            url: format!("{mailbox}/contactFolders/{}/contacts", encode(folder_id)),
            body,
        },
        WriteKind::Update { outlook_id, body } => BatchRequest {
            id: j.to_string(),
            method: "PATCH",
            url: format!("{mailbox}/contacts/{}", encode(outlook_id)),
            body,
        },
    }
}

enum Settle {
    Done,
    Retry { wait: Option<f64> },
    Unauthorized,
}

/// Applies one item's answer to its job.
fn settle(job: &mut Job, item: &ItemResponse, max_attempts: u32) -> Settle {
    let is_create = matches!(job.write, WriteKind::Create { .. });
    match item.status {
        200..=299 => {
            let id = item
                .body
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            job.state = match (&job.write, id) {
                (WriteKind::Create { .. }, Some(id)) => {
                    JobState::Done(Action::Created, Some(id), None)
                }
                // Created, but the answer does not say as what: look it up.
                (WriteKind::Create { .. }, None) => {
                    return if retry_or_fail(job, missing_id(), max_attempts, true) {
                        Settle::Retry { wait: Some(0.0) }
                    } else {
                        Settle::Done
                    }
                }
                (WriteKind::Update { outlook_id, .. }, _) => {
                    JobState::Done(Action::Updated, Some(outlook_id.clone()), None)
                }
            };
            Settle::Done
        }
        401 => {
            job.attempts = job.attempts.saturating_sub(1);
            Settle::Unauthorized
        }
        s if is_transient(s) => {
            let err = error_from_status(s, &serde_json::to_vec(&item.body).unwrap_or_default());
            // A 503/504 may come after the write happened; a 429 never does.
            let unknown = is_create && s != 429;
            if retry_or_fail(job, err.into(), max_attempts, unknown) {
                Settle::Retry {
                    wait: item.retry_after,
                }
            } else {
                Settle::Done
            }
        }
        s => {
            let err = error_from_status(s, &serde_json::to_vec(&item.body).unwrap_or_default());
            job.state = JobState::Done(Action::Failed, None, Some(err.into()));
            Settle::Done
        }
    }
}

fn missing_id() -> RecordError {
    SyncError::new(
        ErrorCode::InvalidGraphData,
        "Graph created the contact but did not say its id",
    )
    .into()
}

/// Notes a failed try. Returns true when the job goes again (as a lookup first if its outcome
/// is unknown and it is a create), false when it has used its tries and failed.
fn retry_or_fail(
    job: &mut Job,
    error: RecordError,
    max_attempts: u32,
    outcome_unknown: bool,
) -> bool {
    let is_create = matches!(job.write, WriteKind::Create { .. });
    if is_create && outcome_unknown {
        job.state = JobState::UnknownCreate;
    }
    job.last_error = Some(error.clone());
    if job.attempts >= max_attempts {
        if job.state == JobState::UnknownCreate {
            // Leave it unknown: the final lookup says whether it was written.
            return false;
        }
        job.state = JobState::Done(Action::Failed, None, Some(error));
        return false;
    }
    true
}

/// [`retry_or_fail`] for every job of a batch that failed as a whole; those that go again are
/// added to `retry_later`.
fn retry_chunk(
    jobs: &mut [Job],
    chunk: &[usize],
    err: &SyncError,
    max_attempts: u32,
    outcome_unknown: bool,
    retry_later: &mut Vec<usize>,
) {
    for &j in chunk {
        if retry_or_fail(
            &mut jobs[j],
            err.clone().into(),
            max_attempts,
            outcome_unknown,
        ) {
            retry_later.push(j);
        }
    }
}

/// As [`retry_or_fail`] for a failure before anything was sent (a lookup that failed).
fn fail_or_retry(job: &mut Job, error: RecordError, max_attempts: u32) -> bool {
    job.attempts += 1;
    job.last_error = Some(error.clone());
    if job.attempts >= max_attempts {
        job.state = JobState::Done(Action::Failed, None, Some(error));
        return false;
    }
    true
}

fn max_attempts_of(jobs: &[Job], chunk: &[usize]) -> u32 {
    chunk.iter().map(|&j| jobs[j].attempts).max().unwrap_or(1)
}

fn progress_of(jobs: &[Job], total: usize) -> Progress {
    let mut p = Progress {
        total,
        ..Progress::default()
    };
    for job in jobs {
        if let JobState::Done(action, ..) = &job.state {
            match action {
                Action::Created => p.created += 1,
                Action::Updated => p.updated += 1,
                Action::Failed => p.failed += 1,
                Action::Skipped => {}
            }
        }
    }
    p.done = p.created + p.updated + p.failed;
    p
}
