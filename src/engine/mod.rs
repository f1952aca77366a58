//! The pure planning engine: validation, email normalisation, linking, field mapping, diff and
//! the request bodies — everything that decides what a sync does, with no browser in sight.
//! Runs natively under `cargo test` and inside the wasm module alike.

pub mod body;
pub mod diff;
pub mod email;
pub mod group;
pub mod input;
mod json_reader;
pub mod link;
pub mod mapping;
pub mod packed;
pub mod plan;
pub mod text;
pub mod validate;

pub use diff::{Change, EmptyValues};
pub use input::{
    parse_central, parse_central_with, parse_outlook, parse_outlook_with, repair_lone_surrogates,
    CentralContact, InputError, OutlookContact, CENTRAL_ID_PROPERTY,
};
pub use mapping::Field;
pub use packed::PackedPlan;
pub use plan::{plan, LinkedBy, Orphan, Plan, PlanItem, PlanOptions, State, Summary, Write};
pub use validate::Reason;

/// Parses both inputs and plans: the whole engine in one call.
pub fn plan_json(
    central: &[u8],
    outlook: &[u8],
    options: PlanOptions,
) -> Result<Plan<'static>, InputError> {
    let (mut fixed_central, mut fixed_outlook) = (None, None);
    let central = parse_lenient(central, &mut fixed_central, parse_central)?;
    let outlook = parse_lenient(outlook, &mut fixed_outlook, parse_outlook)?;
    Ok(plan(&central, &outlook, options).into_owned())
}

/// Parses both inputs, plans, and returns the plan packed — what `planSync` hands to
/// JavaScript. Nothing is copied out of the inputs on the way.
pub fn plan_packed(
    central: &[u8],
    outlook: &[u8],
    options: PlanOptions,
) -> Result<PackedPlan, InputError> {
    let (mut fixed_central, mut fixed_outlook) = (None, None);
    // Each record is looked at as it is read, while its text is in the cache: a Central
    // record is validated and its keys copied, an Outlook contact's keys copied. Should a
    // parse be tried again on repaired text, the try starts its side anew.
    let mut side = plan::CentralSide::default();
    let central = parse_lenient(central, &mut fixed_central, |json| {
        side = plan::CentralSide::default();
        parse_central_with(json, &mut |i, c| side.add(i, c))
    })?;
    let mut outlook_side = link::OutlookSide::default();
    let outlook = parse_lenient(outlook, &mut fixed_outlook, |json| {
        outlook_side = link::OutlookSide::default();
        parse_outlook_with(json, &mut |_, o| outlook_side.add(o))
    })?;
    let plan = plan::plan_from(&mut side, &outlook_side, &central, &outlook, options);
    Ok(packed::pack_plan_with_ids(
        &plan,
        side.ids(),
        outlook_side.ids(),
    ))
}

/// Parses `json` with `parse`; if that fails and the text holds lone surrogate escapes, parses
/// it again with those replaced by U+FFFD. The repaired text is kept in `fixed`, which the
/// records borrow from.
pub fn parse_lenient<'a, T: 'a>(
    json: &'a [u8],
    fixed: &'a mut Option<Vec<u8>>,
    mut parse: impl FnMut(&'a [u8]) -> Result<Vec<T>, InputError>,
) -> Result<Vec<T>, InputError> {
    match parse(json) {
        Ok(records) => Ok(records),
        Err(e) => match repair_lone_surrogates(json) {
            Some(repaired) => parse(fixed.insert(repaired)),
            None => Err(e),
        },
    }
}
