//! `planSync`: the engine behind one call. Data crosses the boundary in the cheapest ways
//! measured (see the README): the contacts come in as JSON text, and the plan goes out packed
//! (two texts and one list of numbers) for `unpack_plan.js` to build its objects from.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::engine::{self, PackedPlan, PlanOptions};
use crate::error::{js_error, ErrorCode, SyncError};

#[wasm_bindgen(module = "/src/unpack_plan.js")]
extern "C" {
    #[wasm_bindgen(js_name = unpackPlan, catch)]
    fn unpack_plan(ascii: &str, wide: &str, words: &[u32]) -> Result<JsValue, JsValue>;
}

/// The plan's JS objects, built from its packing.
pub(crate) fn plan_to_js(packed: &PackedPlan) -> Result<JsValue, JsValue> {
    unpack_plan(&packed.ascii, &packed.wide, &packed.words)
}

/// Plans a sync: what would happen to every active Central contact, in input order.
///
/// `centralContacts` and `outlookContacts` are arrays of objects — or the same as JSON text or
/// UTF-8 bytes (`Uint8Array`), which is faster for large inputs because no JS objects are
/// built. Throws an `Error` with `code: "invalidInput"` when an argument is not an array of
/// objects or `options` is unknown; any value inside a record is accepted.
///
/// @example
/// const plan = planSync(
///   [{ id: "C-1", status: "active", firstName: "John", lastName: "Smith", email: "john@outlook.com" }],
///   [],
///   { emptyValues: "clear" });
/// plan.items[0].state; // "new"
#[wasm_bindgen(js_name = planSync, unchecked_return_type = "Plan")]
pub fn plan_sync(
    #[wasm_bindgen(js_name = centralContacts, unchecked_param_type = "CentralContact[] | string | Uint8Array")]
    central: JsValue,
    #[wasm_bindgen(js_name = outlookContacts, unchecked_param_type = "OutlookContact[] | string | Uint8Array")]
    outlook: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "PlanOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let (options, ledger, accounts, folders) = read_options(&options)?;
    let central = json_bytes(&central, "centralContacts")?;
    let outlook = json_bytes(&outlook, "outlookContacts")?;
    let bases = match &ledger {
        None => None,
        Some(text) => Some(engine::Bases::read_json(text).map_err(|e| {
            js_error(
                ErrorCode::InvalidInput,
                &format!("options.ledger is not a sync ledger: {e}"),
            )
        })?),
    };
    let account_text = accounts;
    let accounts =
        match &account_text {
            None => None,
            Some(text) => Some(engine::Accounts::parse(text).map_err(|e| {
                js_error(ErrorCode::InvalidInput, &format!("options.accounts: {e}"))
            })?),
        };
    let packed = engine::read_folders(
        &central,
        &[engine::Part::folder(&outlook, None)],
        folders.as_ref(),
        account_text.as_deref(),
    )
    .map(|mut read| read.plan(options, bases.as_ref(), accounts.as_ref()).1)
    .map_err(|e| js_error(ErrorCode::InvalidInput, &e.message))?;
    plan_to_js(&packed)
}

/// The UTF-8 JSON text of an argument given as an array, a JSON string or bytes.
pub(crate) fn json_bytes(value: &JsValue, name: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    if js_sys::Array::is_array(value) {
        let text = js_sys::JSON::stringify(value).map_err(|_| {
            js_error(
                ErrorCode::InvalidInput,
                &format!("{name} cannot be read as JSON"),
            )
        })?;
        return Ok(String::from(text).into_bytes());
    }
    Err(js_error(
        ErrorCode::InvalidInput,
        &format!("{name} must be an array of objects (or its JSON text or bytes)"),
    ))
}

/// The planning options, and the data among them — the `ledger` (its body) and Central's
/// `accounts` — each as JS values, JSON text or bytes: without a ledger a plan is made as
/// toOutlook, without accounts companies are not synced.
/// And the `folders` of the types (each Outlook contact typed by its `parentFolderId`).
type Options = (
    PlanOptions,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<engine::Folders>,
);

fn read_options(value: &JsValue) -> Result<Options, JsValue> {
    let (mut ledger, mut accounts, mut folders) = (None, None, None);
    let mut value = value.clone();
    if value.is_object() && !js_sys::Array::is_array(&value) {
        let rest = js_sys::Object::assign(&js_sys::Object::new(), value.unchecked_ref());
        let key = JsValue::from_str("folders");
        let given = js_sys::Reflect::get(&value, &key)?;
        folders =
            read_object::<engine::Folders>(&given, "options.folders").map_err(|e| e.to_js())?;
        if let Some(f) = &folders {
            f.check()
                .map_err(|e| js_error(ErrorCode::InvalidInput, &format!("options.{e}")))?;
        }
        js_sys::Reflect::delete_property(&rest, &key)?;
        for (name, slot) in [("ledger", &mut ledger), ("accounts", &mut accounts)] {
            let key = JsValue::from_str(name);
            let given = js_sys::Reflect::get(&value, &key)?;
            if !given.is_undefined() && !given.is_null() {
                *slot = Some(data_bytes(&given).ok_or_else(|| bad_data(name))?);
            }
            js_sys::Reflect::delete_property(&rest, &key)?;
        }
        // The rest are plain options, read strictly.
        value = rest.into();
    }
    let options = read_object(&value, "options")
        .map_err(|e| e.to_js())?
        .unwrap_or_default();
    Ok((options, ledger, accounts, folders))
}

/// The JSON text of data given as a JS object or array, JSON text or bytes.
fn data_bytes(given: &JsValue) -> Option<Vec<u8>> {
    if let Some(text) = given.as_string() {
        Some(text.into_bytes())
    } else if let Some(bytes) = given.dyn_ref::<js_sys::Uint8Array>() {
        Some(bytes.to_vec())
    } else if given.is_object() {
        Some(String::from(js_sys::JSON::stringify(given).ok()?).into_bytes())
    } else {
        None
    }
}

fn bad_data(name: &str) -> JsValue {
    let what = match name {
        "ledger" => "a sync ledger's body: an object",
        _ => "Central's accounts: an array",
    };
    js_error(
        ErrorCode::InvalidInput,
        &format!("options.{name} must be {what}, its JSON text or bytes"),
    )
}

/// A plain JS options object read through serde (`None` when undefined or null).
pub(crate) fn read_object<T: serde::de::DeserializeOwned>(
    value: &JsValue,
    what: &str,
) -> Result<Option<T>, SyncError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let invalid = |message: String| SyncError::new(ErrorCode::InvalidInput, message);
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(invalid(format!("{what} must be an object")));
    }
    let text: String = js_sys::JSON::stringify(value)
        .map_err(|_| invalid(format!("{what} cannot be read as JSON")))?
        .into();
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| invalid(format!("invalid {what}: {e}")))
}

#[wasm_bindgen(typescript_custom_section)]
const PLAN_OPTIONS_LEDGER: &str = r#"
export interface PlanOptions {
    /** The sync ledger's body (DESIGN §2) as Central keeps it: an object, its JSON text or bytes. Two-way needs it. */
    ledger?: object | string | Uint8Array;
    /** Central's active accounts (DESIGN §2), to sync each contact's company and link a company typed in Outlook. Without them companies are not synced. */
    accounts?: object[] | string | Uint8Array;
    /** The folder of each type: an Outlook contact is of the type of its `parentFolderId`'s folder. Without it every contact is in the contacts' folder. */
    folders?: Folders;
}
"#;
