//! Waiting before another try: Graph's `Retry-After` when it gives one, otherwise exponential
//! backoff with jitter; and a sleep that a cancel can cut short.

use serde::Deserialize;
use tsify::Tsify;

/// How often and how patiently to retry throttled or failed requests.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RetryPolicy {
    /// Tries per request or record, the first included. Default 6.
    #[tsify(optional)]
    pub max_attempts: u32,
    /// First backoff delay when Graph gives no `Retry-After`. Default 1000 ms.
    #[tsify(optional)]
    pub base_delay_ms: u32,
    /// Longest single wait. Default 60000 ms.
    #[tsify(optional)]
    pub max_delay_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay_ms: 1000,
            max_delay_ms: 60_000,
        }
    }
}

impl RetryPolicy {
    /// Seconds to wait after failed try number `attempt` (1-based).
    pub fn delay_seconds(&self, attempt: u32, retry_after: Option<f64>) -> f64 {
        self.delay_with_jitter(attempt, retry_after, random())
    }

    /// As [`delay_seconds`](Self::delay_seconds) with the jitter given (0..1): `Retry-After`
    /// as told (capped), else `base · 2^(attempt-1)` scaled into its upper half by the jitter.
    pub fn delay_with_jitter(&self, attempt: u32, retry_after: Option<f64>, jitter: f64) -> f64 {
        let cap = f64::from(self.max_delay_ms) / 1000.0;
        if let Some(secs) = retry_after {
            return secs.min(cap);
        }
        let exp = f64::from(self.base_delay_ms) / 1000.0
            * 2f64.powi(attempt.saturating_sub(1).min(30) as i32);
        (exp.min(cap)) * (0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

#[cfg(target_arch = "wasm32")]
fn random() -> f64 {
    js_sys::Math::random()
}

#[cfg(not(target_arch = "wasm32"))]
fn random() -> f64 {
    0.5
}

/// Sleeps `seconds`, waking early when `signal` is aborted. Returns false when cut short.
pub async fn sleep(seconds: f64, signal: Option<&web_sys::AbortSignal>) -> bool {
    let mut left_ms = (seconds * 1000.0).ceil().max(0.0) as u64;
    while left_ms > 0 {
        if signal.is_some_and(|s| s.aborted()) {
            return false;
        }
        let step = left_ms.min(100);
        gloo_timers::future::TimeoutFuture::new(step as u32).await;
        left_ms -= step;
    }
    !signal.is_some_and(|s| s.aborted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_wins_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_with_jitter(1, Some(2.5), 0.9), 2.5);
        assert_eq!(p.delay_with_jitter(1, Some(600.0), 0.9), 60.0);
    }

    #[test]
    fn backoff_doubles_within_the_upper_half_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 6,
            base_delay_ms: 1000,
            max_delay_ms: 10_000,
        };
        assert_eq!(p.delay_with_jitter(1, None, 0.0), 0.5);
        assert_eq!(p.delay_with_jitter(1, None, 1.0), 1.0);
        assert_eq!(p.delay_with_jitter(3, None, 1.0), 4.0);
        assert_eq!(p.delay_with_jitter(10, None, 1.0), 10.0);
        assert_eq!(p.delay_with_jitter(60, None, 0.0), 5.0);
    }
}
