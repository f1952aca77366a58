//! The executor: writes the engine's creates and updates to Graph. [`machine`] decides
//! everything (batches, retries, lookups of unknown outcomes, cancels); [`execute`] only
//! drives it — it sends what the machine asks for through fetch, sleeps and reports progress.

pub mod batch;
pub mod central;
pub mod created;
pub mod deletions;
mod lookup;
pub mod machine;
pub mod moves;
mod record;

use futures::future::join_all;
use gloo_net::http::Method as HttpMethod;

use crate::graph::GraphClient;
use crate::retry::sleep;
use machine::{Answer, Machine, MachineSettings, Method, Request, Step, Target};
pub use record::{
    Action, CentralOutcome, Progress, RecordError, RecordResult, RunOutcome, WriteKind,
    OUTCOME_UNKNOWN, POSSIBLE_DUPLICATE,
};

/// Settings of one run.
pub struct RunSettings<'a> {
    pub folder_id: &'a str,
    /// Batches in flight at once (1 by default: Graph's advice per mailbox).
    pub concurrency: usize,
    /// Look every create up by its Central id before sending it (a run without a ledger:
    /// DESIGN §8) — one found is reported `skipped` (`alreadyInFolder`), never created again.
    pub look_before_create: bool,
    pub signal: Option<web_sys::AbortSignal>,
    pub on_progress: &'a dyn Fn(Progress),
    /// Plans a record again over its Outlook contact as read after a 412 (Central id, the
    /// contact): the update's new body and the etag to send it on, or `None`.
    pub replan: &'a Replan<'a>,
}

/// See [`RunSettings::replan`].
pub type Replan<'a> = dyn Fn(&str, &serde_json::Value) -> Option<(serde_json::Value, String)> + 'a;

/// How long requests in flight may still answer after a cancel, in ms.
const GRACE_MS: u32 = 1200;

/// Runs `writes` (Central id, write) against the folder.
pub async fn execute(
    graph: &GraphClient,
    writes: Vec<(String, WriteKind)>,
    s: RunSettings<'_>,
) -> RunOutcome {
    let mut machine = Machine::new(
        writes,
        MachineSettings {
            mailbox: graph.mailbox.path(),
            folder_id: s.folder_id.to_owned(),
            base_url: graph.base_url().to_owned(),
            concurrency: s.concurrency,
            look_before_create: s.look_before_create,
            retry: graph.retry,
            jitter: Box::new(js_sys::Math::random),
        },
    );
    // After a cancel, the requests in flight get GRACE_MS to answer (a healthy batch does, and
    // its records are then known); past that — an outage — they are given up, their outcomes
    // said to be unknown, and so is every request the run makes from then on.
    let give_up = web_sys::AbortController::new().ok();
    let _watch = match (&s.signal, &give_up) {
        (Some(run), Some(give_up)) => {
            let (run, give_up) = (run.clone(), give_up.clone());
            let mut waited = 0;
            Some(gloo_timers::callback::Interval::new(50, move || {
                if run.aborted() {
                    waited += 50;
                    if waited >= GRACE_MS {
                        give_up.abort();
                    }
                }
            }))
        }
        _ => None,
    };
    let give_up = give_up.map(|c| c.signal());
    loop {
        match machine.next_step() {
            Step::Send(requests) => {
                let cancel = give_up.as_ref();
                let answers = join_all(requests.iter().map(|r| send(graph, r, cancel))).await;
                for (r, answer) in requests.iter().zip(answers) {
                    machine.answer(r.tag, answer);
                }
            }
            Step::Wait {
                seconds,
                cancellable,
            } => {
                let signal = s.signal.as_ref().filter(|_| cancellable);
                machine.waited(sleep(seconds, signal).await);
            }
            Step::RefreshToken => machine.token_refreshed(graph.refresh_token().await),
            Step::Replan {
                central_id,
                contact,
            } => machine.replanned((s.replan)(&central_id, &contact)),
            Step::Progress(p) => (s.on_progress)(p),
            Step::Done => return machine.outcome(),
        }
        if s.signal.as_ref().is_some_and(|sig| sig.aborted()) {
            machine.cancel();
        }
    }
}

/// One request, once (`send_once` renews a refused token and sends it again).
async fn send(graph: &GraphClient, r: &Request, cancel: Option<&web_sys::AbortSignal>) -> Answer {
    let url = match &r.url {
        Target::Relative(path) => graph.url(path),
        Target::Absolute(url) => url.clone(),
    };
    let method = match r.method {
        Method::Get => HttpMethod::GET,
        Method::Post => HttpMethod::POST,
        Method::Delete => HttpMethod::DELETE,
    };
    match graph
        .send_once_until(method, &url, r.body.as_deref(), cancel)
        .await
    {
        Err(e) => Answer::NoToken(e),
        Ok(Err(failure)) => Answer::Lost {
            message: failure.message,
        },
        Ok(Ok(response)) => Answer::Http {
            status: response.status,
            retry_after: response.retry_after,
            body: response.body,
        },
    }
}
