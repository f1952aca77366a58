//! Native benchmark: plan 100,000 Central × 100,000 Outlook contacts (`cargo bench --bench
//! plan`; `BENCH_N` changes the size). Reports the median of several runs for parsing,
//! planning and packing the plan, the three steps `planSync` takes. `BENCH_LEDGER` plans
//! `planSync`'s whole path with a ledger instead (see [`ledger_json`]).

mod fixture;

use std::time::{Duration, Instant};

use central_o365_sync::engine::link::Keys;
use central_o365_sync::engine::packed::pack_plan_with_ids;
use central_o365_sync::engine::{
    parse_central, parse_outlook, plan, plan_packed_with, Bases, PlanOptions, SyncDirection,
};
use serde_json::{json, Value};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// `BENCH_REPS`, or 20.
fn reps() -> usize {
    std::env::var("BENCH_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

/// Runs `step` `BENCH_REPS` times and prints the median and best time as `label`.
fn repeat<T>(label: &str, mut step: impl FnMut() -> T) {
    let reps = reps();
    let mut runs = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        std::hint::black_box(step());
        runs.push(t.elapsed());
    }
    let best = runs.iter().min().copied().unwrap_or_default();
    println!(
        "{label}: median {:.3} ms, best {:.3} ms ({reps} runs)",
        median(runs).as_secs_f64() * 1e3,
        best.as_secs_f64() * 1e3
    );
}

/// A full ledger of the fixture, as a sync leaves it: an entry for every contact that carries
/// a Central id, with what it holds as base (the browser bench's ledger); with `all`, also for
/// the contacts linked by email and not written since, which carry no id (the fixture's synced
/// contact `i` is `AAMkADc{i:08}AAA=`, of record `C-{i + 1:06}`).
fn ledger_json(outlook: &[Value], all: bool) -> Vec<u8> {
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let entries: Vec<Value> = outlook
        .iter()
        .filter_map(|o| {
            let id = o["id"].as_str()?;
            let central_id = match o["singleValueExtendedProperties"][0]["value"].as_str() {
                Some(stored) => stored.to_owned(),
                None if all => {
                    let i: usize = id.strip_prefix("AAMkADc")?.get(..8)?.parse().ok()?;
                    format!("C-{:06}", i + 1)
                }
                None => return None,
            };
            let mut base = json!({
                "title": text(&o["title"]), "givenName": text(&o["givenName"]),
                "surname": text(&o["surname"]), "mobilePhone": text(&o["mobilePhone"]),
                "email": text(&o["emailAddresses"][0]["address"]).to_lowercase(),
                "businessPhone": text(&o["businessPhones"][0]),
                "businessHomePage": text(&o["businessHomePage"]), "companyName": "",
            });
            for (prefix, address) in [
                ("homeAddress", "homeAddress"),
                ("businessAddress", "businessAddress"),
            ] {
                for key in ["street", "city", "state", "countryOrRegion", "postalCode"] {
                    base[format!("{prefix}.{key}")] = json!(text(&o[address][key]));
                }
            }
            Some(
                json!({ "centralId": central_id, "kind": "contact", "outlookId": id,
                         "base": base, "centralVersion": "1" }),
            )
        })
        .collect();
    serde_json::to_vec(&json!({ "schema": 1, "entries": entries, "history": [] })).unwrap()
}

fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    if let Some(which) = std::env::var_os("BENCH_LEDGER") {
        // `stored` or `all` (see `ledger_json`); `BENCH_TWO_WAY=1` plans two-way.
        let (central, outlook) = fixture::fixture(n);
        let ledger = ledger_json(&outlook, which == "all");
        let central = fixture::to_json(&central, fixture::CENTRAL_ORDER);
        let outlook = fixture::to_json(&outlook, fixture::GRAPH_ORDER);
        let bases = Bases::read_json(&ledger).unwrap();
        let options = PlanOptions {
            direction: match std::env::var_os("BENCH_TWO_WAY") {
                Some(_) => SyncDirection::TwoWay,
                None => SyncDirection::ToOutlook,
            },
            ..PlanOptions::DEFAULT
        };
        println!(
            "ledger {which:?}: {} entries ({:.1} MB JSON), {:?}",
            bases.len(),
            ledger.len() as f64 / 1e6,
            options.direction
        );
        repeat("packed plan with a ledger", || {
            plan_packed_with(&central, &outlook, options, Some(&bases)).unwrap()
        });
        return;
    }
    let (central, outlook) = fixture::fixture_json(n);
    println!(
        "fixture: {n} Central ({:.1} MB JSON) x {n} Outlook ({:.1} MB JSON)",
        central.len() as f64 / 1e6,
        outlook.len() as f64 / 1e6
    );
    if std::env::var_os("BENCH_PARSE_ONLY").is_some() {
        // For profilers: parse many times.
        for _ in 0..reps() {
            std::hint::black_box(parse_central(&central).unwrap());
            std::hint::black_box(parse_outlook(&outlook).unwrap());
        }
        return;
    }
    if std::env::var_os("BENCH_PACKED_ONLY").is_some() {
        // For profilers: `planSync`'s whole path (bytes in, packed plan out), many times.
        repeat("packed plan", || {
            central_o365_sync::engine::plan_packed(&central, &outlook, PlanOptions::default())
                .unwrap()
        });
        return;
    }
    if std::env::var_os("BENCH_PLAN_ONLY").is_some() {
        // For profilers: parse once, plan many times.
        let cs = parse_central(&central).unwrap();
        let os = parse_outlook(&outlook).unwrap();
        repeat("plan only", || plan(&cs, &os, PlanOptions::default()));
        return;
    }
    let (mut parse_t, mut plan_t, mut out_t, mut total_t) = (vec![], vec![], vec![], vec![]);
    for _ in 0..7 {
        let t0 = Instant::now();
        let cs = parse_central(&central).unwrap();
        let os = parse_outlook(&outlook).unwrap();
        let t1 = Instant::now();
        let p = plan(&cs, &os, PlanOptions::default());
        let t2 = Instant::now();
        // No compact copies of the ids here: they are taken from the items.
        let packed = pack_plan_with_ids(&p, &Keys::default(), &Keys::default());
        let t3 = Instant::now();
        std::hint::black_box(packed);
        parse_t.push(t1 - t0);
        plan_t.push(t2 - t1);
        out_t.push(t3 - t2);
        total_t.push(t3 - t0);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "native plan (median of 7): parse {:.1} ms, plan {:.1} ms, pack {:.1} ms, total {:.1} ms",
        ms(median(parse_t)),
        ms(median(plan_t)),
        ms(median(out_t)),
        ms(median(total_t))
    );
}
