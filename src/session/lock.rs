//! One run per mailbox at a time: a guard inside this module always, and Web Locks across the
//! browser's tabs where it has them.

use std::cell::RefCell;
use std::collections::HashSet;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::error::{ErrorCode, SyncError};

thread_local! {
    static RUNNING: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// Both halves of the lock on one mailbox, released when dropped.
pub struct RunLock {
    _guard: RunGuard,
    release: Option<js_sys::Function>,
}

impl RunLock {
    /// Takes the lock named `key`, or fails with `busy` when a run holds it.
    pub async fn take(key: &str) -> Result<RunLock, SyncError> {
        let guard = RunGuard::take(key)?;
        let release = acquire_web_lock(&format!("central-o365-sync:{key}")).await?;
        Ok(RunLock {
            _guard: guard,
            release,
        })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        if let Some(release) = &self.release {
            let _ = release.call0(&JsValue::NULL);
        }
    }
}

/// The in-module half: released when dropped.
struct RunGuard(String);

impl RunGuard {
    fn take(key: &str) -> Result<RunGuard, SyncError> {
        RUNNING.with(|r| {
            if r.borrow_mut().insert(key.to_owned()) {
                Ok(RunGuard(key.to_owned()))
            } else {
                Err(busy())
            }
        })
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        RUNNING.with(|r| r.borrow_mut().remove(&self.0));
    }
}

fn busy() -> SyncError {
    SyncError::new(
        ErrorCode::Busy,
        "a sync of this mailbox is already running (here or in another tab); wait for it to finish",
    )
}

/// Takes the Web Lock `name` if the browser has the Locks API and nobody holds it. Returns the
/// function that releases it (`None` without the API); `busy` when it is held.
async fn acquire_web_lock(name: &str) -> Result<Option<js_sys::Function>, SyncError> {
    let global = js_sys::global();
    let locks = js_sys::Reflect::get(&global, &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"locks".into()))
        .unwrap_or(JsValue::UNDEFINED);
    let Some(request) = js_sys::Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return Ok(None);
    };
    let mut release_fn = None;
    let held_until = js_sys::Promise::new(&mut |resolve, _| release_fn = Some(resolve));
    let mut acquired_fn = None;
    let acquired = js_sys::Promise::new(&mut |resolve, _| acquired_fn = Some(resolve));
    let (Some(release_fn), Some(acquired_fn)) = (release_fn, acquired_fn) else {
        return Ok(None);
    };
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let got = !lock.is_null() && !lock.is_undefined();
        let _ = acquired_fn.call1(&JsValue::NULL, &got.into());
        if got {
            held_until.into()
        } else {
            JsValue::UNDEFINED
        }
    });
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"ifAvailable".into(), &true.into());
    let args = js_sys::Array::of3(&name.into(), &options, &callback);
    if js_sys::Reflect::apply(&request, &locks, &args).is_err() {
        return Ok(None);
    }
    let got = JsFuture::from(acquired)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if got {
        Ok(Some(release_fn))
    } else {
        Err(busy())
    }
}
