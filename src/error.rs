//! Errors as JavaScript sees them: a real `Error` whose `code` is a stable string.

use wasm_bindgen::{JsCast, JsValue};

/// The stable `code` of every error the package throws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// An argument has the wrong shape (not an array of objects, unknown option, …).
    InvalidInput,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalidInput",
        }
    }
}

/// A JS `Error` with `message` and `code`.
pub(crate) fn js_error(code: ErrorCode, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&err, &"code".into(), &code.as_str().into());
    err.unchecked_into()
}
