//! Timing of planSync's phases inside wasm, for profiling only (`--features bench-phases`;
//! never in the published package).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::engine::link::OutlookSide;
use crate::engine::plan::{plan_from, CentralSide};
use crate::engine::{parse_central_with, parse_outlook_with, PlanOptions};

/// The steps of `plan_packed` (what `planSync` runs between copying its arguments in and
/// handing the packed plan out), each timed; then building the plan's objects from the packing
/// (`planSync`'s last step) and, timed just before it for comparison, what that step replaced:
/// decoding the plan's all-ASCII JSON text and `JSON.parse` of it.
#[wasm_bindgen(js_name = benchPhases)]
pub fn bench_phases(central: &[u8], outlook: &[u8]) -> String {
    let t0 = now();
    let mut side = CentralSide::default();
    let c = parse_central_with(central, &mut |i, c| side.add(i, c)).unwrap();
    let t1 = now();
    let mut outlook_side = OutlookSide::default();
    let o = parse_outlook_with(outlook, &mut |_, o| {
        outlook_side.add(o, crate::engine::Kind::Contact)
    })
    .unwrap();
    let t2 = now();
    let p = plan_from(
        &mut side,
        &outlook_side,
        (&c, &o, &[]),
        PlanOptions::default(),
        None,
        None,
    );
    let t3 = now();
    let packed = crate::engine::packed::pack_plan_with_ids(&p, side.ids(), outlook_side.ids());
    let t4 = now();
    let json = ascii_json(&p);
    let t4b = now();
    drop(p);
    drop(o);
    drop(c);
    let t5 = now();
    // The way before first: the garbage of whichever runs first is collected in the other's time.
    let parsed = js_sys::JSON::parse(&json);
    let t6 = now();
    let objects = crate::plan_sync::plan_to_js(&packed);
    let t7 = now();
    assert!(objects.is_ok() && parsed.is_ok());
    format!(
        "read central {:.1} ms, read outlook {:.1} ms, plan {:.1} ms, pack {:.1} ms ({} bytes), \
         drop {:.1} ms, json parse {:.1} ms ({} bytes), unpack {:.1} ms",
        t1 - t0,
        t2 - t1,
        t3 - t2,
        t4 - t3,
        packed.ascii.len() + packed.wide.len() + 4 * packed.words.len(),
        t5 - t4b,
        t6 - t5,
        json.len(),
        t7 - t6,
    )
}

/// `performance.now()`: a clock finer than `Date.now()`'s milliseconds, read through the global
/// object (so no `web-sys` feature is needed for a tool that is never shipped).
fn now() -> f64 {
    let global = js_sys::global();
    let performance = js_sys::Reflect::get(&global, &"performance".into()).unwrap_or_default();
    js_sys::Reflect::get(&performance, &"now".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|now| now.call0(&performance).ok())
        .and_then(|t| t.as_f64())
        .unwrap_or_else(js_sys::Date::now)
}

/// The plan as `serde_json` writes it, with every character beyond ASCII as a `\uXXXX` escape.
fn ascii_json(plan: &crate::engine::Plan<'_>) -> String {
    let mut out = String::new();
    for c in serde_json::to_string(plan).unwrap_or_default().chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// The steps of reading a ledger's body as `planSync` does, each timed: the UTF-8 check, then
/// the whole read (which repeats the check).
#[wasm_bindgen(js_name = benchLedgerPhases)]
pub fn bench_ledger_phases(ledger: &[u8]) -> String {
    let t0 = now();
    let ok = std::str::from_utf8(ledger).is_ok();
    let t1 = now();
    let bases = crate::engine::Bases::read_json(ledger).map(|b| b.len());
    let t2 = now();
    format!(
        "utf8 {:.1} ms ({ok}), read_json {:.1} ms ({bases:?} entries)",
        t1 - t0,
        t2 - t1
    )
}
