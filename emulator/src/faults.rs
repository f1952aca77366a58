//! Fault rules: which requests fail and how. Each rule keeps its own counter and seeded PRNG,
//! so the same rules and the same sequence of requests give the same schedule.

use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    /// 429 with `Retry-After` (`retryAfterSeconds`, default 1).
    Throttle,
    /// 503, with `Retry-After` only when `retryAfterSeconds` is given.
    Unavailable,
    /// The connection is closed without a response and nothing is executed.
    DropBeforeWrite,
    /// The request is executed (the write committed), then the connection is closed without
    /// a response. On a `$batch` the whole batch runs first.
    DropAfterWrite,
    /// The response is delayed by `delayMs` after the request was executed.
    Slow,
    /// Central only: a 200 whose body is not JSON.
    MalformedJson,
    /// Central only: a 200 with valid JSON of the wrong shape.
    WrongShape,
    /// Central only: the page is served as usual, but its `nextPage` names N+2 instead of
    /// N+1 (also on the last page, instead of `null`).
    SkipPage,
    /// A 5xx answer: `status` (default 500; e.g. 502, 504), `errorCode`, `Retry-After` only
    /// when `retryAfterSeconds` is given. Nothing runs, unless `executed: true` (the request
    /// runs, then its answer is replaced by the error).
    ServerError,
    /// The write commits late: the request does not run now; it runs `commitAfterMs`
    /// (default 1000) later. Its answer is lost (as for `dropAfterWrite`), or with `delayMs`
    /// the real answer comes after max(`delayMs`, `commitAfterMs`).
    LateCommit,
    /// Graph `$batch` only: the 200 answer omits `count` (default 1) items, the last ones in
    /// request order; they ran (`executed`, the default) or did not run (`executed: false`).
    BatchMissingItems,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum FaultScope {
    /// Top-level Graph requests under `/v1.0` (a `$batch` is one request).
    #[default]
    Graph,
    /// Each item inside a `$batch`.
    BatchItem,
    /// Every Central call: the contacts and accounts listings, one record's GET, PATCH,
    /// DELETE, the POSTs, and the ledger calls (`/central/api/sync-ledgers/{key}`); paths
    /// are matched as sent (ids and keys percent-encoded).
    Central,
}

/// A rule as posted to `POST /_emulator/faults`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    pub kind: FaultKind,
    #[serde(default)]
    pub scope: FaultScope,
    /// Only requests with this method (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests whose path (top level: `/v1.0/...`; batch item: its `url`; central:
    /// `/central/api/contacts/C-1`, `/central/api/sync-ledgers/{key}`) contains this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_contains: Option<String>,
    /// Fire on the Nth, 2Nth, 3Nth… matching request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_nth: Option<u64>,
    /// Fire with this probability per matching request, drawn from a PRNG seeded with `seed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Stop firing after this many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Error code of a throttle (`TooManyRequests` by default, or e.g. `ApplicationThrottled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// `serverError`: the status (500–599, default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `lateCommit`: when the write runs, in ms after the request arrived (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_after_ms: Option<u64>,
    /// `batchMissingItems`: how many items the answer omits (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// `batchMissingItems`: whether the omitted items ran (default true); `serverError`:
    /// whether the request ran before the error answer (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executed: Option<bool>,
}

impl FaultRule {
    pub fn check(&self) -> Result<(), String> {
        if self.every_nth.is_some() && self.probability.is_some() {
            return Err("give everyNth or probability, not both".into());
        }
        if self.every_nth == Some(0) {
            return Err("everyNth must be at least 1".into());
        }
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err("probability must be within 0..1".into());
            }
        }
        if let Some(r) = self.retry_after_seconds {
            if !(r.is_finite() && r >= 0.0) {
                return Err("retryAfterSeconds must be a non-negative number".into());
            }
        }
        let central_only = matches!(
            self.kind,
            FaultKind::MalformedJson | FaultKind::WrongShape | FaultKind::SkipPage
        );
        if central_only && self.scope != FaultScope::Central {
            return Err(format!("kind {:?} needs scope \"central\"", self.kind));
        }
        if self.kind == FaultKind::Slow && self.delay_ms.is_none() {
            return Err("kind \"slow\" needs delayMs".into());
        }
        if let Some(st) = self.status {
            if !(500..=599).contains(&st) {
                return Err("status must be within 500..599".into());
            }
        }
        if self.kind == FaultKind::BatchMissingItems && self.scope != FaultScope::Graph {
            return Err(
                "kind \"batchMissingItems\" needs scope \"graph\" (it acts on $batch answers)"
                    .into(),
            );
        }
        if self.count == Some(0) {
            return Err("count must be at least 1".into());
        }
        Ok(())
    }

    fn matches(&self, scope: FaultScope, method: &str, path: &str) -> bool {
        self.scope == scope
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
            && (self.kind != FaultKind::BatchMissingItems || path.ends_with("$batch"))
    }

    /// The status of a `serverError` (default 500).
    pub fn server_status(&self) -> u16 {
        self.status.unwrap_or(500)
    }

    pub fn retry_after_header(&self) -> Option<String> {
        let secs = match self.kind {
            FaultKind::Throttle => Some(self.retry_after_seconds.unwrap_or(1.0)),
            _ => self.retry_after_seconds,
        }?;
        Some(format_seconds(secs))
    }
}

pub fn format_seconds(secs: f64) -> String {
    if secs.fract() == 0.0 {
        format!("{}", secs as u64)
    } else {
        format!("{secs}")
    }
}

#[derive(Debug)]
struct ActiveRule {
    rule: FaultRule,
    matched: u64,
    fired: u64,
    rng: SplitMix64,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FiredFault {
    /// Position among all requests the fault engine looked at since the last clear.
    pub request: u64,
    pub rule: usize,
    pub kind: FaultKind,
    pub scope: FaultScope,
    pub method: String,
    pub path: String,
}

#[derive(Debug, Default)]
pub struct Faults {
    rules: Vec<ActiveRule>,
    seen: u64,
    log: Vec<FiredFault>,
}

const LOG_CAP: usize = 100_000;

impl Faults {
    pub fn add(&mut self, rule: FaultRule) -> Result<usize, String> {
        rule.check()?;
        let seed = rule.seed.unwrap_or(0);
        self.rules.push(ActiveRule {
            rule,
            matched: 0,
            fired: 0,
            rng: SplitMix64::new(seed),
        });
        Ok(self.rules.len() - 1)
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Every matching rule advances its counter/PRNG; the first that fires wins.
    pub fn decide(&mut self, scope: FaultScope, method: &str, path: &str) -> Option<FaultRule> {
        if self.rules.is_empty() {
            return None;
        }
        self.seen += 1;
        let mut chosen: Option<usize> = None;
        for (i, r) in self.rules.iter_mut().enumerate() {
            if !r.rule.matches(scope, method, path) {
                continue;
            }
            r.matched += 1;
            let fires = match (r.rule.every_nth, r.rule.probability) {
                (Some(n), _) => r.matched % n == 0,
                (None, Some(p)) => r.rng.next_f64() < p,
                (None, None) => true,
            };
            let exhausted = r.rule.max_count.is_some_and(|m| r.fired >= m);
            if fires && !exhausted && chosen.is_none() {
                r.fired += 1;
                chosen = Some(i);
            }
        }
        let i = chosen?;
        let rule = self.rules[i].rule.clone();
        if self.log.len() < LOG_CAP {
            self.log.push(FiredFault {
                request: self.seen,
                rule: i,
                kind: rule.kind,
                scope,
                method: method.to_string(),
                path: path.to_string(),
            });
        }
        Some(rule)
    }

    pub fn to_json(&self) -> serde_json::Value {
        let rules: Vec<serde_json::Value> = self
            .rules
            .iter()
            .map(|r| {
                let mut v = serde_json::to_value(&r.rule).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("matched".into(), r.matched.into());
                    o.insert("fired".into(), r.fired.into());
                }
                v
            })
            .collect();
        serde_json::json!({ "rules": rules, "log": self.log })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: &str) -> FaultRule {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn every_nth_fires_on_multiples_until_max_count() {
        let mut f = Faults::default();
        f.add(rule(r#"{"kind":"throttle","everyNth":2,"maxCount":2}"#))
            .unwrap();
        let fired: Vec<bool> = (0..8)
            .map(|_| f.decide(FaultScope::Graph, "GET", "/v1.0/me").is_some())
            .collect();
        assert_eq!(
            fired,
            [false, true, false, true, false, false, false, false]
        );
    }

    #[test]
    fn central_only_kinds_need_central_scope() {
        assert!(rule(r#"{"kind":"malformedJson"}"#).check().is_err());
        assert!(rule(r#"{"kind":"malformedJson","scope":"central"}"#)
            .check()
            .is_ok());
        assert!(rule(r#"{"kind":"skipPage"}"#).check().is_err());
        assert!(rule(r#"{"kind":"skipPage","scope":"central"}"#)
            .check()
            .is_ok());
    }
}
