//! Central's contacts API (DESIGN §2): `GET /central/api/contacts?status=&pageSize=&page=` →
//! `{"items":[…],"nextPage":N+1|null}`. Records are served exactly as stored.

use crate::faults::{FaultKind, FaultScope};
use crate::query;
use crate::Emulator;
use std::time::Duration;

/// A Central answer: status, content type, body text, extra headers; or drop the connection.
pub struct CentralAnswer {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
    pub drop_connection: bool,
}

fn answer(status: u16, body: String) -> CentralAnswer {
    CentralAnswer {
        status,
        body,
        headers: vec![],
        drop_connection: false,
    }
}

fn error(status: u16, message: &str) -> CentralAnswer {
    answer(status, serde_json::json!({ "error": message }).to_string())
}

pub async fn list(emu: &Emulator, raw_query: &str, authorization: Option<&str>) -> CentralAnswer {
    let (rule, settings) = {
        let mut store = emu.lock();
        store.stats.central_requests += 1;
        let rule = store
            .faults
            .decide(FaultScope::Central, "GET", "/central/api/contacts");
        if rule.is_some() {
            store.stats.faults_injected += 1;
        }
        (rule, store.central_settings.clone())
    };
    if let Some(required) = &settings.required_token {
        let ok = authorization
            .and_then(|a| a.trim().split_once(' '))
            .is_some_and(|(s, t)| s.eq_ignore_ascii_case("bearer") && t.trim() == required);
        if !ok {
            let mut a = error(401, "A valid bearer token is required.");
            a.headers.push(("WWW-Authenticate".into(), "Bearer".into()));
            return a;
        }
    }
    let q = query::pairs(raw_query);
    let parse = |key: &str, default: usize| -> Result<usize, CentralAnswer> {
        match query::get(&q, key) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| error(400, &format!("{key} must be a positive integer"))),
        }
    };
    let page = match parse("page", 1) {
        Ok(p) => p,
        Err(a) => return a,
    };
    let size = match parse("pageSize", settings.default_page_size) {
        Ok(s) => s.min(settings.max_page_size),
        Err(a) => return a,
    };
    let status = query::get(&q, "status").map(|s| s.trim().to_lowercase());
    let mut delay = None;
    let mut skip_page = false;
    if let Some(rule) = &rule {
        match rule.kind {
            FaultKind::Throttle => {
                let mut a = error(429, "Too many requests");
                if let Some(h) = rule.retry_after_header() {
                    a.headers.push(("Retry-After".into(), h));
                }
                return a;
            }
            FaultKind::Unavailable => {
                let mut a = error(503, "Service unavailable");
                if let Some(h) = rule.retry_after_header() {
                    a.headers.push(("Retry-After".into(), h));
                }
                return a;
            }
            FaultKind::DropBeforeWrite => {
                let mut a = answer(500, String::new());
                a.drop_connection = true;
                return a;
            }
            FaultKind::MalformedJson => {
                return answer(
                    200,
                    "{\"items\":[{\"id\":\"C-1\",\"firstName\":\"Trunc".into(),
                )
            }
            FaultKind::WrongShape => {
                return answer(
                    200,
                    "{\"items\":{\"id\":\"C-1\"},\"nextPage\":\"two\"}".into(),
                )
            }
            FaultKind::Slow => delay = rule.delay_ms,
            FaultKind::SkipPage => skip_page = true,
            // A read has nothing to commit: its answer is lost.
            FaultKind::DropAfterWrite | FaultKind::LateCommit => {
                let mut a = answer(500, String::new());
                a.drop_connection = true;
                return a;
            }
            FaultKind::ServerError => {
                let mut a = error(rule.server_status(), "Server error");
                if let Some(h) = rule.retry_after_header() {
                    a.headers.push(("Retry-After".into(), h));
                }
                return a;
            }
            FaultKind::BatchMissingItems => {}
        }
    }
    let body = {
        let store = emu.lock();
        let apply = settings.apply_status_filter;
        let mut selected = store.central.iter().filter(|item| match (&status, apply) {
            (Some(want), true) => item.status.as_deref() == Some(want.as_str()),
            _ => true,
        });
        let skip = (page - 1).saturating_mul(size);
        let mut out = String::from("{\"items\":[");
        let mut n = 0;
        for item in selected.by_ref().skip(skip).take(size) {
            if n > 0 {
                out.push(',');
            }
            out.push_str(&item.raw);
            n += 1;
        }
        let more = n == size && selected.next().is_some();
        out.push_str("],\"nextPage\":");
        out.push_str(&if skip_page {
            (page + 2).to_string()
        } else if more {
            (page + 1).to_string()
        } else {
            "null".into()
        });
        out.push('}');
        out
    };
    if let Some(ms) = delay {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    answer(200, body)
}
