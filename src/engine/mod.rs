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
pub use input::{parse_central, parse_outlook, CentralContact, InputError, OutlookContact, CENTRAL_ID_PROPERTY};
pub use mapping::Field;
pub use plan::{plan, LinkedBy, Orphan, Plan, PlanItem, PlanOptions, State, Summary, Write};
pub use validate::Reason;

/// Parses both inputs and plans: the whole engine in one call.
pub fn plan_json(central: &[u8], outlook: &[u8], options: PlanOptions) -> Result<Plan, InputError> {
    let central = parse_central(central)?;
    let outlook = parse_outlook(outlook)?;
    Ok(plan(&central, &outlook, options))
}
