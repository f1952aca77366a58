//! Timing of planSync's phases inside wasm, for profiling only (`--features bench-phases`;
//! never in the published package).

use wasm_bindgen::prelude::*;

use crate::engine::link::OutlookSide;
use crate::engine::plan::{plan_from, CentralSide};
use crate::engine::{parse_central_with, parse_outlook_with, PlanOptions};

/// The steps of `plan_packed` (what `planSync` runs between copying its arguments in and
/// handing the packed plan out), each timed.
#[wasm_bindgen(js_name = benchPhases)]
pub fn bench_phases(central: &[u8], outlook: &[u8]) -> String {
    let now = js_sys::Date::now;
    let t0 = now();
    let mut side = CentralSide::default();
    let c = parse_central_with(central, &mut |i, c| side.add(i, c)).unwrap();
    let t1 = now();
    let mut outlook_side = OutlookSide::default();
    let o = parse_outlook_with(outlook, &mut |_, o| outlook_side.add(o)).unwrap();
    let t2 = now();
    let p = plan_from(&mut side, &outlook_side, &c, &o, PlanOptions::default());
    let t3 = now();
    let packed = crate::engine::packed::pack_plan_with_ids(&p, side.ids(), outlook_side.ids());
    let t4 = now();
    drop(p);
    drop(o);
    drop(c);
    let t5 = now();
    format!(
        "read central {} ms, read outlook {} ms, plan {} ms, serialize {} ms ({} bytes), drop {} ms",
        t1 - t0,
        t2 - t1,
        t3 - t2,
        t4 - t3,
        packed.text.len() + 4 * packed.words.len(),
        t5 - t4
    )
}
