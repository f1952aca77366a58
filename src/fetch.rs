//! One HTTP exchange over the browser's fetch: a status and the whole body, or a failure whose
//! outcome is unknown (no answer, a dropped connection, a timeout). A non-2xx status is data.

use gloo_net::http::{Method, RequestBuilder};
use wasm_bindgen::JsValue;

/// What to send.
pub struct HttpRequest<'a> {
    pub method: Method,
    pub url: &'a str,
    pub bearer: Option<&'a str>,
    /// JSON text of the body, sent with `Content-Type: application/json`.
    pub json_body: Option<&'a str>,
    /// A `Prefer` header (Graph's `IdType="ImmutableId"`).
    pub prefer: Option<&'a str>,
    /// A precondition: `("If-Match", etag)` or `("If-None-Match", "*")`.
    pub condition: Option<(&'a str, &'a str)>,
    /// A run's cancel: when it is aborted the request is given up at once (its outcome is
    /// then unknown, as on a timeout).
    pub cancel: Option<&'a web_sys::AbortSignal>,
    pub timeout_ms: u32,
}

/// What came back.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    /// `Retry-After` in seconds, when the header is present and readable (CORS may hide it).
    pub retry_after: Option<f64>,
    /// The `ETag` header, when present and readable.
    pub etag: Option<String>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The request may or may not have reached the server.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchFailure {
    pub timed_out: bool,
    pub message: String,
}

/// Sends `req` and reads the whole answer, giving up after `timeout_ms`.
pub async fn send(req: HttpRequest<'_>) -> Result<HttpResponse, FetchFailure> {
    let controller = web_sys::AbortController::new().map_err(|e| failure(&e, false))?;
    let signal = controller.signal();
    let timer = {
        let controller = controller.clone();
        gloo_timers::callback::Timeout::new(req.timeout_ms, move || controller.abort())
    };
    // A cancel is looked at every 50 ms (an abort listener would need the signal's events).
    let cancelled = || req.cancel.is_some_and(|c| c.aborted());
    if cancelled() {
        return Err(FetchFailure {
            timed_out: false,
            message: "the run was cancelled".into(),
        });
    }
    let watch = req.cancel.map(|cancel| {
        let (cancel, controller) = (cancel.clone(), controller.clone());
        gloo_timers::callback::Interval::new(50, move || {
            if cancel.aborted() {
                controller.abort();
            }
        })
    });
    let mut builder = RequestBuilder::new(req.url)
        .method(req.method)
        .abort_signal(Some(&signal));
    if let Some(token) = req.bearer {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    if let Some(prefer) = req.prefer {
        builder = builder.header("Prefer", prefer);
    }
    if let Some((name, value)) = req.condition {
        builder = builder.header(name, value);
    }
    let request = match req.json_body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body.to_owned()),
        None => builder.build(),
    }
    .map_err(|e| FetchFailure {
        timed_out: false,
        message: e.to_string(),
    })?;
    let result = async {
        let response = request.send().await?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| parse_retry_after(&v));
        let etag = response.headers().get("etag");
        let body = response.binary().await?;
        Ok::<_, gloo_net::Error>(HttpResponse {
            status,
            retry_after,
            etag,
            body,
        })
    }
    .await;
    let aborted = signal.aborted();
    drop(timer);
    drop(watch);
    let cancelled = aborted && cancelled();
    result.map_err(|e| FetchFailure {
        timed_out: aborted && !cancelled,
        message: if cancelled {
            "the run was cancelled before the answer came".into()
        } else if aborted {
            format!("no answer within {} ms", req.timeout_ms)
        } else {
            e.to_string()
        },
    })
}

fn failure(e: &JsValue, timed_out: bool) -> FetchFailure {
    FetchFailure {
        timed_out,
        message: format!("{e:?}"),
    }
}

/// `Retry-After` as seconds (Graph sends a number, possibly fractional). Dates are not used by
/// Graph and read as absent.
pub fn parse_retry_after(value: &str) -> Option<f64> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then_some(secs)
}
