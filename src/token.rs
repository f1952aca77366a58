//! Tokens from the host: a JS callback that returns a token (or a promise of one). The last
//! token is kept; after a 401 the host is asked once more with `{ forceRefresh: true }`.

use std::cell::RefCell;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::{ErrorCode, SyncError};

pub struct TokenSource {
    callback: js_sys::Function,
    what: &'static str,
    cached: RefCell<Option<String>>,
}

impl TokenSource {
    pub fn new(callback: js_sys::Function, what: &'static str) -> Self {
        TokenSource {
            callback,
            what,
            cached: RefCell::new(None),
        }
    }

    /// The current token, asking the host when there is none yet.
    pub async fn get(&self) -> Result<String, SyncError> {
        if let Some(t) = self.cached.borrow().clone() {
            return Ok(t);
        }
        self.fetch(false).await
    }

    /// A fresh token from the host (after the last one was refused).
    pub async fn refresh(&self) -> Result<String, SyncError> {
        self.cached.borrow_mut().take();
        self.fetch(true).await
    }

    async fn fetch(&self, force: bool) -> Result<String, SyncError> {
        let arg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&arg, &"forceRefresh".into(), &force.into());
        let unauthorized = |detail: String| {
            SyncError::new(
                ErrorCode::Unauthorized,
                format!("{} did not give a token: {detail}", self.what),
            )
        };
        let value = self
            .callback
            .call1(&JsValue::NULL, &arg)
            .map_err(|e| unauthorized(describe(&e)))?;
        let value = match value.dyn_ref::<js_sys::Promise>() {
            Some(p) => JsFuture::from(p.clone())
                .await
                .map_err(|e| unauthorized(describe(&e)))?,
            None => value,
        };
        let token = value
            .as_string()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| unauthorized("it is not a non-empty string".into()))?;
        *self.cached.borrow_mut() = Some(token.clone());
        Ok(token)
    }
}

/// A JS value thrown by host code, in words.
pub fn describe(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}
