//! The pure planning engine: validation, email normalisation, linking, field mapping, diff and
//! the request bodies — everything that decides what a sync does, with no browser in sight.
//! Runs natively under `cargo test` and inside the wasm module alike.

pub mod body;
pub mod diff;
pub mod email;
pub mod input;
pub mod link;
pub mod mapping;
pub mod plan;
pub mod text;
pub mod validate;

pub use diff::{Change, EmptyValues};
pub use input::{
    parse_central, parse_outlook, CentralContact, InputError, OutlookContact, CENTRAL_ID_PROPERTY,
};
pub use mapping::Field;
pub use plan::{plan, LinkedBy, Orphan, Plan, PlanItem, PlanOptions, State, Summary, Write};
pub use validate::Reason;

/// Parses both inputs and plans: the whole engine in one call.
pub fn plan_json(
    central: &[u8],
    outlook: &[u8],
    options: PlanOptions,
) -> Result<Plan<'static>, InputError> {
    let central = parse_central(central)?;
    let outlook = parse_outlook(outlook)?;
    Ok(plan(&central, &outlook, options).into_owned())
}

/// Parses both inputs, plans, and returns the plan as JSON text — what `planSync` hands to
/// JavaScript. Nothing is copied out of the inputs on the way.
pub fn plan_json_text(
    central: &[u8],
    outlook: &[u8],
    options: PlanOptions,
) -> Result<String, InputError> {
    let central = parse_central(central)?;
    let outlook = parse_outlook(outlook)?;
    let plan = plan(&central, &outlook, options);
    serde_json::to_string(&plan).map_err(|e| InputError {
        message: e.to_string(),
    })
}
