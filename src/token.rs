//! Tokens from the host: a JS callback that returns a token (or a promise of one). The last
//! token is kept; after a 401 the host is asked once more with `{ forceRefresh: true }`.

use std::cell::RefCell;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::{ErrorCode, SyncError};

type Asking = Shared<LocalBoxFuture<'static, Result<String, SyncError>>>;

/// Where tokens come from. Requests that run at once (Central's contacts and its ledger, say)
/// share one question to the host: a second caller waits for the answer the first gets.
pub struct TokenSource {
    callback: js_sys::Function,
    what: &'static str,
    cached: RefCell<Option<String>>,
    /// The question being asked now, and whether it asks for a fresh token.
    asking: RefCell<Option<(bool, Asking)>>,
}

impl TokenSource {
    pub fn new(callback: js_sys::Function, what: &'static str) -> Self {
        TokenSource {
            callback,
            what,
            cached: RefCell::new(None),
            asking: RefCell::new(None),
        }
    }

    /// The current token, asking the host when there is none yet.
    pub async fn get(&self) -> Result<String, SyncError> {
        if let Some(t) = self.cached.borrow().clone() {
            return Ok(t);
        }
        self.ask(false).await
    }

    /// A fresh token from the host after `refused` was refused — unless another request has
    /// renewed it since, then that one (`None`: ask in any case).
    pub async fn refresh(&self, refused: Option<&str>) -> Result<String, SyncError> {
        if let (Some(refused), Some(current)) = (refused, self.cached.borrow().as_deref()) {
            if current != refused {
                return Ok(current.to_owned());
            }
        }
        self.cached.borrow_mut().take();
        self.ask(true).await
    }

    async fn ask(&self, force: bool) -> Result<String, SyncError> {
        let pending = match &*self.asking.borrow() {
            Some((fresh, asking)) if *fresh || !force => Some(asking.clone()),
            _ => None,
        };
        let asking = pending.unwrap_or_else(|| {
            let asking = ask_host(self.callback.clone(), self.what, force)
                .boxed_local()
                .shared();
            *self.asking.borrow_mut() = Some((force, asking.clone()));
            asking
        });
        let result = asking.await;
        self.asking.borrow_mut().take();
        if let Ok(token) = &result {
            *self.cached.borrow_mut() = Some(token.clone());
        }
        result
    }
}

async fn ask_host(
    callback: js_sys::Function,
    what: &'static str,
    force: bool,
) -> Result<String, SyncError> {
    let arg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&arg, &"forceRefresh".into(), &force.into());
    let unauthorized = |detail: String| {
        SyncError::new(
            ErrorCode::Unauthorized,
            format!("{what} did not give a token: {detail}"),
        )
    };
    let value = callback
        .call1(&JsValue::NULL, &arg)
        .map_err(|e| unauthorized(describe(&e)))?;
    let value = match value.dyn_ref::<js_sys::Promise>() {
        Some(p) => JsFuture::from(p.clone())
            .await
            .map_err(|e| unauthorized(describe(&e)))?,
        None => value,
    };
    value
        .as_string()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| unauthorized("it is not a non-empty string".into()))
}

/// A JS value thrown by host code, in words.
pub fn describe(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}
