//! Timing of planSync's phases inside wasm, for profiling only (`--features bench-phases`;
//! never in the published package).

use wasm_bindgen::prelude::*;

use crate::engine::{parse_central, parse_outlook, plan, PlanOptions};

#[wasm_bindgen(js_name = benchPhases)]
pub fn bench_phases(central: &[u8], outlook: &[u8]) -> String {
    let now = js_sys::Date::now;
    let t0 = now();
    let c = parse_central(central).unwrap();
    let t1 = now();
    let o = parse_outlook(outlook).unwrap();
    let t2 = now();
    let p = plan(&c, &o, PlanOptions::default());
    let t3 = now();
    let json = crate::engine::json_out::plan_to_json(&p);
    let t4 = now();
    drop(p);
    drop(o);
    drop(c);
    let t5 = now();
    format!(
        "parse central {} ms, parse outlook {} ms, plan {} ms, serialize {} ms ({} bytes), drop {} ms",
        t1 - t0, t2 - t1, t3 - t2, t4 - t3, json.len(), t5 - t4
    )
}
