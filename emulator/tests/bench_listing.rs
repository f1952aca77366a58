//! Measures listing 100,000 contacts of one folder with `$top=1000` (100 pages) over HTTP.
//! Ignored by default; run it in release:
//! `cargo test --release -p emulator --test bench_listing -- --ignored --nocapture`

mod common;
use common::*;
use serde_json::json;
use std::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
async fn list_100k_contacts_with_top_1000() {
    let emu = start().await;
    let t = emu.token().await;
    let seeded = Instant::now();
    let (f, _) = emu.running.emulator.seed_folder(USER, "Big", None).unwrap();
    let f = f["id"].as_str().unwrap().to_string();
    let data = emulator::demo::generate(100_000);
    let seeds = data
        .central
        .iter()
        .map(|c| {
            let id = c["id"].as_str().map(str::to_string);
            (emulator::demo::map_to_graph(c), id)
        })
        .collect();
    emu.running.emulator.seed_contacts(USER, &f, seeds).unwrap();
    let seed_time = seeded.elapsed();
    let expand = enc(&format!(
        "singleValueExtendedProperties($filter=id eq '{EXT_ID}')"
    ));
    let mut next = Some(format!(
        "/v1.0/me/contactFolders/{f}/contacts?$top=1000&$select=title,givenName,surname,displayName,mobilePhone,emailAddresses,businessPhones,businessHomePage,homeAddress,businessAddress&$expand={expand}"
    ));
    let started = Instant::now();
    let (mut pages, mut contacts, mut bytes) = (0, 0, 0);
    let mut fetch = std::time::Duration::ZERO;
    while let Some(target) = next {
        let t0 = Instant::now();
        let r = emu.graph(&t, "GET", &target, None).await;
        fetch += t0.elapsed();
        assert_eq!(r.status, 200);
        bytes += r.body.len();
        let body = r.json();
        pages += 1;
        contacts += body["value"].as_array().unwrap().len();
        next = body["@odata.nextLink"]
            .as_str()
            .map(|l| l[emu.base().len()..].to_string());
    }
    let elapsed = started.elapsed();
    assert_eq!(contacts, 100_000);
    assert_eq!(pages, 100);
    println!(
        "{}",
        json!({
            "seedMs": seed_time.as_millis() as u64,
            "pages": pages,
            "contacts": contacts,
            "megabytes": bytes as f64 / 1e6,
            "listingMs": elapsed.as_millis() as u64,
            "fetchMs": fetch.as_millis() as u64,
            "clientParseMs": (elapsed - fetch).as_millis() as u64,
            "msPerPage": elapsed.as_secs_f64() * 1000.0 / pages as f64,
        })
    );
}
