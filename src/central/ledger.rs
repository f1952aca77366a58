//! The sync ledger kept in Central (DESIGN §2): read with its ETag, written only over the
//! ETag it was read with, so two runs that planned from the same picture cannot both write.

use gloo_net::http::Method;
use serde_json::{Map, Value};

use super::{status_error, CentralClient};
use crate::error::{ErrorCode, SyncError};
use crate::graph::odata::encode;

/// The ledger as Central holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Ledger {
    /// It exists: its ETag and body.
    Present {
        etag: String,
        body: Map<String, Value>,
    },
    /// None yet for this key: the first run creates it.
    Absent,
    /// This Central keeps no ledgers (405 or 501).
    Unsupported,
}

/// The condition a write is made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition<'a> {
    /// Only over this ETag.
    Matches(&'a str),
    /// Only if there is no ledger yet.
    Absent,
}

/// What a conditional write came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Written; the ledger's new ETag.
    Ok(String),
    /// Central's ledger moved on since it was read (412): nothing was written.
    Stale,
    /// This Central keeps no ledgers.
    Unsupported,
}

impl CentralClient {
    fn ledger_url(&self, key: &str) -> String {
        format!("{}/sync-ledgers/{}", self.base_url, encode(key))
    }

    /// Reads the ledger named `key`.
    pub async fn read_ledger(&self, key: &str) -> Result<Ledger, SyncError> {
        let r = self
            .exchange(Method::GET, &self.ledger_url(key), None, None)
            .await?;
        match r.status {
            200 => {
                let etag = r.etag.clone().ok_or_else(|| {
                    invalid("Central sent its sync ledger without an ETag".to_owned())
                })?;
                match serde_json::from_slice::<Value>(&r.body) {
                    Ok(Value::Object(body)) => Ok(Ledger::Present { etag, body }),
                    Ok(_) => Err(invalid("Central's sync ledger is not a JSON object".into())),
                    Err(e) => Err(invalid(format!("Central's sync ledger is not JSON: {e}"))),
                }
            }
            // A Central without ledgers may answer 404 too: the first write tells (DESIGN §2).
            404 => Ok(Ledger::Absent),
            405 | 501 => Ok(Ledger::Unsupported),
            s => Err(status_error(s, "its sync ledger")),
        }
    }

    /// Replaces the ledger named `key` with `body`, on `condition`.
    pub async fn write_ledger(
        &self,
        key: &str,
        body: &str,
        condition: Condition<'_>,
    ) -> Result<Written, SyncError> {
        let header = match condition {
            Condition::Matches(etag) => ("If-Match", etag),
            Condition::Absent => ("If-None-Match", "*"),
        };
        let r = self
            .exchange(Method::PUT, &self.ledger_url(key), Some(body), Some(header))
            .await?;
        match r.status {
            200 | 201 => r
                .etag
                .map(Written::Ok)
                .ok_or_else(|| invalid("Central wrote the sync ledger but sent no ETag".into())),
            412 => Ok(Written::Stale),
            404 | 405 | 501 => Ok(Written::Unsupported),
            s => Err(status_error(s, "a write of its sync ledger")),
        }
    }
}

fn invalid(message: String) -> SyncError {
    SyncError::new(ErrorCode::InvalidCentralData, message)
}
