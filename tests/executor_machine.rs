//! The executor's state machine against a model mailbox (`executor_model`): one scenario per
//! fault kind with the exact requests it makes, and a property test under generated faults —
//! every selected Central id ends in the folder exactly once, the result says exactly what was
//! written, no record is written more than `maxAttempts` times, and every run ends.
#![cfg(not(target_arch = "wasm32"))]

mod executor_model;

use std::collections::{HashMap, HashSet};

use central_o365_sync::engine::CENTRAL_ID_PROPERTY;
use central_o365_sync::sync::batch::MAX_BATCH_BYTES;
use central_o365_sync::sync::machine::{Method, RetryPolicy, Target};
use central_o365_sync::sync::{
    Action, RecordResult, RunOutcome, WriteKind, OUTCOME_UNKNOWN, POSSIBLE_DUPLICATE,
};
use executor_model::{
    drive, drive_with, settings, Faults, ItemFault, Mailbox, Report, TopFault, FOLDER,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{json, Value};

fn body(central_id: &str) -> Value {
    json!({ "givenName": format!("new {central_id}"),
            "singleValueExtendedProperties": [{ "id": CENTRAL_ID_PROPERTY, "value": central_id }] })
}

fn create(central_id: &str) -> (String, WriteKind) {
    (
        central_id.to_owned(),
        WriteKind::Create {
            body: body(central_id),
        },
    )
}

fn update(central_id: &str, outlook_id: &str) -> (String, WriteKind) {
    (
        central_id.to_owned(),
        WriteKind::Update {
            outlook_id: outlook_id.to_owned(),
            body: body(central_id),
            etag: None,
        },
    )
}

/// An update of the contact as it was read: `If-Match` on its etag.
fn update_if_match(central_id: &str, outlook_id: &str, etag: String) -> (String, WriteKind) {
    (
        central_id.to_owned(),
        WriteKind::Update {
            outlook_id: outlook_id.to_owned(),
            body: body(central_id),
            etag: Some(etag),
        },
    )
}

fn retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay_ms: 1000,
        max_delay_ms: 60_000,
    }
}

/// Runs `writes` with the default tries (6; backoff 0.75 s, 1.5 s, … at the model's jitter).
fn run(mailbox: &mut Mailbox, writes: Vec<(String, WriteKind)>, faults: Faults) -> Report {
    let report = drive(mailbox, writes, retry(6), 1, faults);
    assert!(report.terminated, "{:?}", report.log);
    report
}

fn faults(top: &[TopFault], items: &[ItemFault]) -> Faults {
    Faults {
        top: top.iter().copied().collect(),
        items: items.iter().copied().collect(),
        ..Faults::default()
    }
}

fn record<'a>(outcome: &'a RunOutcome, central_id: &str) -> &'a RecordResult {
    outcome
        .records
        .iter()
        .find(|r| r.central_id == central_id)
        .unwrap()
}

/// The record was created as the one contact carrying its Central id.
fn assert_created_once(mailbox: &Mailbox, outcome: &RunOutcome, central_id: &str) -> String {
    let r = record(outcome, central_id);
    assert_eq!(r.action, Action::Created, "{r:?}");
    assert_eq!(r.error, None, "{r:?}");
    let copies: Vec<&str> = mailbox
        .exact(central_id)
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(copies, [r.outlook_id.as_deref().unwrap()], "{central_id}");
    r.outlook_id.clone().unwrap()
}

fn log(report: &Report) -> Vec<&str> {
    report.log.iter().map(String::as_str).collect()
}

// ───────────────────────── scenarios: one per fault kind ─────────────────────────

/// An OData literal inside a percent-encoded query value, as the browser tests spell it.
fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn fault_free_run_is_one_batch_with_exact_urls_and_bodies() {
    let mut mb = Mailbox::default();
    let old = mb.seed(Some("c2"), json!({ "givenName": "old" }));
    let report = run(
        &mut mb,
        vec![create("c0"), create("c'1"), update("c2", &old)],
        Faults::default(),
    );
    assert_eq!(report.requests.len(), 1);
    let r = &report.requests[0];
    assert_eq!(
        (r.method, &r.url),
        (Method::Post, &Target::Relative("/$batch".into()))
    );
    let folder = url_encode(FOLDER);
    let headers = json!({ "Content-Type": "application/json", "Prefer": "IdType=\"ImmutableId\"" });
    assert_eq!(
        serde_json::from_str::<Value>(r.body.as_deref().unwrap()).unwrap(),
        json!({ "requests": [
            { "id": "0", "method": "POST", "url": format!("/me/contactFolders/{folder}/contacts"), "headers": headers, "body": body("c0") },
            { "id": "1", "method": "POST", "url": format!("/me/contactFolders/{folder}/contacts"), "headers": headers, "body": body("c'1") },
            { "id": "2", "method": "PATCH", "url": format!("/me/contacts/{}", url_encode(&old)), "headers": headers, "body": body("c2") },
        ] })
    );
    assert_created_once(&mb, &report.outcome, "c0");
    assert_created_once(&mb, &report.outcome, "c'1");
    let r = record(&report.outcome, "c2");
    assert_eq!(
        (r.action, r.outlook_id.as_deref()),
        (Action::Updated, Some(old.as_str()))
    );
    assert_eq!(mb.by_id(&old).unwrap().fields["givenName"], "new c2");
    assert_eq!(report.progress.len(), 1);
    assert_eq!((report.progress[0].done, report.progress[0].total), (3, 3));
    assert_eq!(report.outcome.duplicates_removed, 0);
}

#[test]
fn lookup_url_is_graphs_filter_on_the_property_with_the_value_compared_later() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("o'neil")],
        faults(&[TopFault::LostBefore], &[]),
    );
    let property = format!("'{CENTRAL_ID_PROPERTY}'");
    let filter = format!(
        "singleValueExtendedProperties/Any(ep: ep/id eq {property} and ep/value eq 'o''neil')"
    );
    let expand = format!("singleValueExtendedProperties($filter=id eq {property})");
    let expected = format!(
        "/me/contactFolders/{}/contacts?$filter={}&$select=id&$expand={}",
        url_encode(FOLDER),
        url_encode(&filter),
        url_encode(&expand)
    );
    // The lookup before the resend and the final one: that GET inside a `$batch`, without a
    // body.
    assert_eq!(report.requests.len(), 4, "{:?}", report.log);
    for i in [1, 3] {
        let lookup = &report.requests[i];
        assert_eq!(
            (lookup.method, &lookup.url),
            (Method::Post, &Target::Relative("/$batch".into()))
        );
        let body: Value = serde_json::from_str(lookup.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({ "requests": [{ "id": "0", "method": "GET", "url": expected,
                                   "headers": { "Prefer": "IdType=\"ImmutableId\"" } }] })
        );
    }
    assert_created_once(&mb, &report.outcome, "o'neil");
}

#[test]
fn batch_429_with_retry_after_waits_as_told_and_resends_without_lookup() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0")],
        faults(&[TopFault::Throttle(Some(0.3))], &[]),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0]",
            "wait 0.3 (cancellable)",
            "$batch [POST c0 #0]"
        ]
    );
    assert_created_once(&mb, &report.outcome, "c0");
    let waits: Vec<f64> = report.progress.iter().map(|p| p.waiting_seconds).collect();
    assert_eq!(
        waits,
        [0.0, 0.3, 0.0, 0.0],
        "progress: before, during, after the wait, then done"
    );
}

#[test]
fn batch_429_without_retry_after_backs_off() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0")],
        faults(&[TopFault::Throttle(None), TopFault::Throttle(None)], &[]),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0]",
            "wait 0.75 (cancellable)",
            "$batch [POST c0 #0]",
            "wait 1.5 (cancellable)",
            "$batch [POST c0 #0]"
        ]
    );
    assert_created_once(&mb, &report.outcome, "c0");
}

#[test]
fn batch_503_is_an_unknown_outcome_looked_up_before_the_resend_and_once_more_at_the_end() {
    let mut mb = Mailbox::default();
    let old = mb.seed(Some("u1"), json!({ "givenName": "old" }));
    let report = run(
        &mut mb,
        vec![create("c0"), update("u1", &old)],
        faults(&[TopFault::Unavailable(Some(0.25))], &[]),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0, PATCH AAMk1+/= #1]",
            "wait 0.25 (cancellable)",
            "$batch [GET c0 #0]",
            "$batch [POST c0 #0, PATCH AAMk1+/= #1]",
            "$batch [GET c0 #0]"
        ]
    );
    assert_created_once(&mb, &report.outcome, "c0");
    assert_eq!(record(&report.outcome, "u1").action, Action::Updated);
}

#[test]
fn item_504_after_the_write_is_found_by_the_lookup_and_not_resent() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0"), create("c1")],
        faults(
            &[],
            &[ItemFault::None, ItemFault::GatewayTimeout { ran: true }],
        ),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0, POST c1 #1]",
            "wait 0.75 (cancellable)",
            "$batch [GET c1 #1]",
            "$batch [GET c1 #1]"
        ]
    );
    assert_created_once(&mb, &report.outcome, "c0");
    assert_created_once(&mb, &report.outcome, "c1");
    assert_eq!(report.writes, [1, 1]);
}

#[test]
fn item_429_and_503_with_their_own_retry_after() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0"), create("c1")],
        faults(
            &[],
            &[
                ItemFault::Throttle(Some(0.2)),
                ItemFault::Unavailable(Some(0.5)),
            ],
        ),
    );
    // The 429 is sent again at once; the 503 may have written, so it is looked up first.
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0, POST c1 #1]",
            "wait 0.5 (cancellable)",
            "$batch [GET c1 #1]",
            "$batch [POST c0 #0, POST c1 #1]",
            "$batch [GET c1 #1]"
        ]
    );
    assert_created_once(&mb, &report.outcome, "c0");
    assert_created_once(&mb, &report.outcome, "c1");
}

#[test]
fn answer_lost_before_the_write_looks_up_then_resends() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0")],
        faults(&[TopFault::LostBefore], &[]),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0]",
            "wait 0.75 (cancellable)",
            "$batch [GET c0 #0]",
            "$batch [POST c0 #0]",
            "$batch [GET c0 #0]"
        ]
    );
    assert_created_once(&mb, &report.outcome, "c0");
}

#[test]
fn answer_lost_after_the_write_finds_the_contact_and_never_resends() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0")],
        faults(&[TopFault::LostAfter], &[]),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0]",
            "wait 0.75 (cancellable)",
            "$batch [GET c0 #0]",
            "$batch [GET c0 #0]"
        ]
    );
    assert_created_once(&mb, &report.outcome, "c0");
    assert_eq!(report.writes, [1]);
}

/// DESIGN §8: the write lands after the lookup said "not there" and the resend made a second
/// copy; the final lookup finds both, keeps the one the record names and deletes the other.
#[test]
fn late_commit_is_found_by_the_final_lookup_and_its_copy_deleted() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0")],
        faults(&[TopFault::LateCommit(2)], &[]),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0]",
            "wait 0.75 (cancellable)",
            "$batch [GET c0 #0]",
            "$batch [POST c0 #0]",
            "$batch [GET c0 #0]",
            "DELETE AAMk1+/="
        ]
    );
    assert_eq!(
        assert_created_once(&mb, &report.outcome, "c0"),
        "AAMk2+/=",
        "the record's copy is kept"
    );
    assert_eq!(mb.deleted, ["AAMk1+/="]);
    assert_eq!(report.outcome.duplicates_removed, 1);
}

/// A late commit of one item (504, the write lands later) behaves the same way.
#[test]
fn item_late_commit_is_found_by_the_final_lookup() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0")],
        faults(&[], &[ItemFault::LateCommit(2)]),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0]",
            "wait 0.75 (cancellable)",
            "$batch [GET c0 #0]",
            "$batch [POST c0 #0]",
            "$batch [GET c0 #0]",
            "DELETE AAMk1+/="
        ]
    );
    assert_created_once(&mb, &report.outcome, "c0");
    assert_eq!(report.outcome.duplicates_removed, 1);
}

/// The extra copy cannot be deleted: the record is still `created` (it was), and says a copy
/// may be left.
#[test]
fn an_extra_copy_that_cannot_be_deleted_is_reported_on_the_record() {
    let mut mb = Mailbox::default();
    let report = drive(
        &mut mb,
        vec![create("c0")],
        retry(2),
        1,
        faults(
            &[
                TopFault::LateCommit(2),
                TopFault::None,
                TopFault::None,
                TopFault::None,
                TopFault::Throttle(Some(0.1)),
                TopFault::Throttle(Some(0.1)),
            ],
            &[],
        ),
    );
    assert_eq!(
        log(&report)[4..],
        [
            "$batch [GET c0 #0]",
            "DELETE AAMk1+/=",
            "wait 0.1",
            "DELETE AAMk1+/="
        ]
    );
    let r = record(&report.outcome, "c0");
    assert_eq!(
        (r.action, r.outlook_id.as_deref()),
        (Action::Created, Some("AAMk2+/="))
    );
    assert_eq!(r.error.as_ref().unwrap().code, POSSIBLE_DUPLICATE, "{r:?}");
    assert_eq!(report.outcome.duplicates_removed, 0);
    assert_eq!(mb.exact("c0").len(), 2);
}

/// A 401 on items: a fresh token once, then the items again.
#[test]
fn item_401_renews_the_token_once_and_sends_again() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0")],
        faults(&[], &[ItemFault::Unauthorized]),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0]",
            "refresh token",
            "$batch [POST c0 #0]"
        ]
    );
    assert_created_once(&mb, &report.outcome, "c0");
}

/// Two rounds in a row of refused items stop the run.
#[test]
fn item_401_after_a_fresh_token_is_fatal() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0")],
        faults(&[], &[ItemFault::Unauthorized, ItemFault::Unauthorized]),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0]",
            "refresh token",
            "$batch [POST c0 #0]"
        ]
    );
    let e = report.outcome.error.as_ref().unwrap();
    assert_eq!(e.code.as_str(), "unauthorized");
    let r = record(&report.outcome, "c0");
    assert_eq!(r.action, Action::Failed);
    assert_eq!(r.error.as_ref().unwrap().code, "unauthorized");
    assert!(mb.exact("c0").is_empty());
}

/// A token that expires mid-run is renewed by the driver's `send_once` (the machine sees the
/// second answer); refused again, the whole batch's 401 stops the run.
#[test]
fn token_expiry_is_renewed_below_the_machine_and_a_second_401_is_fatal() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0")],
        faults(&[TopFault::ExpireToken], &[]),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0]",
            "  (401: send_once renews the token and resends)"
        ]
    );
    assert_created_once(&mb, &report.outcome, "c0");

    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0"), create("c1")],
        faults(&[TopFault::ExpireToken, TopFault::ExpireToken], &[]),
    );
    let e = report.outcome.error.as_ref().unwrap();
    assert_eq!((e.code.as_str(), e.status), ("unauthorized", Some(401)));
    assert!(report
        .outcome
        .records
        .iter()
        .all(|r| r.action == Action::Failed));
    assert!(mb.contacts.is_empty());
}

#[test]
fn no_token_from_the_host_is_fatal() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0")],
        faults(&[TopFault::NoToken], &[]),
    );
    assert_eq!(log(&report), ["$batch [POST c0 #0]"]);
    assert_eq!(
        report.outcome.error.as_ref().unwrap().code.as_str(),
        "unauthorized"
    );
    assert_eq!(record(&report.outcome, "c0").action, Action::Failed);
}

#[test]
fn whole_batch_403_is_fatal() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0")],
        faults(&[TopFault::Forbidden], &[]),
    );
    assert_eq!(log(&report), ["$batch [POST c0 #0]"]);
    let e = report.outcome.error.as_ref().unwrap();
    assert_eq!((e.code.as_str(), e.status), ("forbidden", Some(403)));
    let r = record(&report.outcome, "c0");
    assert_eq!(
        (r.action, r.error.as_ref().unwrap().code.as_str()),
        (Action::Failed, "forbidden")
    );
}

/// Items left out of a batch answer may or may not have run: looked up like a lost answer.
#[test]
fn items_missing_from_the_answer_are_unknown() {
    for ran in [true, false] {
        let mut mb = Mailbox::default();
        let report = run(
            &mut mb,
            vec![create("c0"), create("c1")],
            faults(&[TopFault::MissingItems { count: 1, ran }], &[]),
        );
        let mut expected = vec!["$batch [POST c0 #0, POST c1 #1]", "$batch [GET c1 #1]"];
        if !ran {
            expected.push("$batch [POST c1 #1]");
        }
        expected.push("$batch [GET c1 #1]");
        assert_eq!(log(&report), expected, "ran: {ran}");
        assert_created_once(&mb, &report.outcome, "c0");
        assert_created_once(&mb, &report.outcome, "c1");
    }
}

#[test]
fn created_without_an_id_is_looked_up() {
    let mut mb = Mailbox::default();
    let report = run(&mut mb, vec![create("c0")], faults(&[], &[ItemFault::NoId]));
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0]",
            "$batch [GET c0 #0]",
            "$batch [GET c0 #0]"
        ]
    );
    assert_created_once(&mb, &report.outcome, "c0");
}

/// Graph's value filter ignores case: `AB0`'s contact comes back for `ab0` and is not taken
/// for its own, nor deleted as an extra copy.
#[test]
fn central_ids_differing_by_case_are_told_apart() {
    for fault in [TopFault::LostBefore, TopFault::LostAfter] {
        let mut mb = Mailbox::default();
        let other = mb.seed(Some("AB0"), json!({ "givenName": "other" }));
        let report = run(&mut mb, vec![create("ab0")], faults(&[fault], &[]));
        assert_created_once(&mb, &report.outcome, "ab0");
        assert_eq!(mb.by_id(&other).unwrap().fields["givenName"], "other");
        assert!(mb.deleted.is_empty());
        assert_eq!(report.outcome.duplicates_removed, 0);
    }
}

/// Lookups follow `@odata.nextLink` (absolute, on Graph's origin) to the end.
#[test]
fn lookups_read_every_page() {
    let mut mb = Mailbox::default();
    mb.seed(Some("AB0"), json!({}));
    mb.seed(Some("Ab0"), json!({}));
    let report = run(
        &mut mb,
        vec![create("ab0")],
        faults(&[TopFault::LostAfter], &[]),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST ab0 #0]",
            "wait 0.75 (cancellable)",
            "$batch [GET ab0 #0]",
            "GET lookup ab0 $skip=2",
            "$batch [GET ab0 #0]",
            "GET lookup ab0 $skip=2"
        ]
    );
    assert_created_once(&mb, &report.outcome, "ab0");
    assert_eq!(mb.contacts.len(), 3);
}

/// DESIGN §8 (b): when the last lookup cannot be answered, the record says the contact may
/// exist — never a plain failure that hides a possible write.
#[test]
fn a_final_lookup_that_fails_leaves_the_outcome_unknown() {
    for fault in [TopFault::LostAfter, TopFault::LostBefore] {
        let mut mb = Mailbox::default();
        let report = drive(
            &mut mb,
            vec![create("c0")],
            retry(1),
            1,
            faults(&[fault, TopFault::Unavailable(None)], &[]),
        );
        assert_eq!(log(&report), ["$batch [POST c0 #0]", "$batch [GET c0 #0]"]);
        let r = record(&report.outcome, "c0");
        assert_eq!(r.action, Action::Failed);
        let e = r.error.as_ref().unwrap();
        assert_eq!(e.code, OUTCOME_UNKNOWN);
        assert!(
            e.message.contains("may or may not have been created")
                && e.message
                    .contains("the next plan links it by its Central id"),
            "{}",
            e.message
        );
        assert_eq!(r.outlook_id, None);
    }
}

/// A lookup that keeps failing inside the run leaves the create unknown for the final lookup
/// (which here finds it), instead of failing a record that was written.
#[test]
fn lookups_that_keep_failing_leave_the_create_to_the_final_lookup() {
    let mut mb = Mailbox::default();
    let report = drive(
        &mut mb,
        vec![create("c0")],
        retry(2),
        1,
        faults(
            &[
                TopFault::LostAfter,
                TopFault::Unavailable(None),
                TopFault::Unavailable(None),
            ],
            &[],
        ),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0]",
            "wait 0.75 (cancellable)",
            "$batch [GET c0 #0]",
            "wait 0.75",
            "$batch [GET c0 #0]",
            "$batch [GET c0 #0]"
        ]
    );
    assert_created_once(&mb, &report.outcome, "c0");
}

/// Bounded tries: a record throttled every time fails after exactly `maxAttempts` writes
/// with Graph's status and code; the others are written.
#[test]
fn always_throttled_record_fails_after_max_attempts() {
    let mut mb = Mailbox::default();
    let old = mb.seed(Some("u0"), json!({ "givenName": "old" }));
    // The first batch holds both records, the next five only the update.
    let mut items = vec![ItemFault::Throttle(Some(0.05)), ItemFault::None];
    items.extend([ItemFault::Throttle(Some(0.05)); 5]);
    let report = run(
        &mut mb,
        vec![update("u0", &old), create("c1")],
        faults(&[], &items),
    );
    assert_eq!(report.writes, [6, 1]);
    let r = record(&report.outcome, "u0");
    assert_eq!(r.action, Action::Failed);
    assert_eq!(r.outlook_id.as_deref(), Some(old.as_str()));
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.code.as_str(), e.status, e.graph_code.as_deref()),
        ("throttled", Some(429), Some("TooManyRequests"))
    );
    assert_eq!(mb.by_id(&old).unwrap().fields["givenName"], "old");
    assert_created_once(&mb, &report.outcome, "c1");
    assert!(report.outcome.error.is_none());
}

/// Rounds of 20 · concurrency; what is retried goes first in the next round, in order.
#[test]
fn rounds_send_retries_first_and_batches_of_a_round_together() {
    let ids: Vec<String> = (0..45).map(|i| format!("c{i}")).collect();
    let mut mb = Mailbox::default();
    let mut items = vec![ItemFault::None; 3];
    items.push(ItemFault::Throttle(Some(0.1)));
    let report = drive(
        &mut mb,
        ids.iter().map(|i| create(i)).collect(),
        retry(6),
        2,
        faults(&[], &items),
    );
    let batches: Vec<Vec<String>> = report
        .requests
        .iter()
        .map(|r| {
            let b: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
            b["requests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .collect();
    let range = |a: usize, b: usize| (a..b).map(|i| i.to_string()).collect::<Vec<_>>();
    let mut second = vec!["3".to_owned()];
    second.extend(range(40, 45));
    assert_eq!(batches, [range(0, 20), range(20, 40), second]);
    assert_eq!(log(&report)[2], "wait 0.1 (cancellable)");
    for id in &ids {
        assert_created_once(&mb, &report.outcome, id);
    }
}

/// Cancelled between batches: what was written is reported, the rest `skipped`/`cancelled`.
#[test]
fn cancel_between_batches_reports_what_was_written() {
    let ids: Vec<String> = (0..25).map(|i| format!("c{i}")).collect();
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        ids.iter().map(|i| create(i)).collect(),
        Faults {
            cancel_at_step: Some(2),
            ..Faults::default()
        },
    );
    assert_eq!(report.log.len(), 2, "{:?}", report.log);
    assert_eq!(report.log[1], "cancel");
    assert!(report.outcome.cancelled);
    for (i, id) in ids.iter().enumerate() {
        if i < 20 {
            assert_created_once(&mb, &report.outcome, id);
        } else {
            let r = record(&report.outcome, id);
            assert_eq!(
                (r.action, r.error.as_ref().unwrap().code.as_str()),
                (Action::Skipped, "cancelled")
            );
        }
    }
}

/// A cancel cuts a throttling wait short; an unknown create is still looked up.
#[test]
fn cancel_during_a_wait_still_settles_unknown_creates() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0"), create("c1")],
        Faults {
            items: [
                ItemFault::GatewayTimeout { ran: true },
                ItemFault::Throttle(Some(5.0)),
            ]
            .into(),
            cancel_at_step: Some(3),
            ..Faults::default()
        },
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0, POST c1 #1]",
            "cancel",
            "wait 5 (cancellable), cut short",
            "$batch [GET c0 #0]"
        ]
    );
    assert!(report.outcome.cancelled);
    assert_created_once(&mb, &report.outcome, "c0");
    let r = record(&report.outcome, "c1");
    assert_eq!(r.action, Action::Skipped);
    assert!(mb.exact("c1").is_empty());
}

/// A record refused for good (400) fails with Graph's answer; nothing was created.
#[test]
fn item_400_fails_the_record_only() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0"), create("c1")],
        faults(&[], &[ItemFault::BadRequest]),
    );
    assert_eq!(log(&report), ["$batch [POST c0 #0, POST c1 #1]"]);
    let r = record(&report.outcome, "c0");
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (r.action, e.code.as_str(), e.status),
        (Action::Failed, "graphError", Some(400))
    );
    assert!(mb.exact("c0").is_empty());
    assert_created_once(&mb, &report.outcome, "c1");
}

// ───────────────────────── the property test ─────────────────────────

/// One generated run: the records (a Central id from a small pool in which ids differ only by
/// case, and whether it updates a linked contact), other contacts already in the folder, the
/// faults, and the run's settings. `padded[i]`: record i carries 3 KB more, so that under a
/// mailbox limit of a few KB Graph refuses its batches as too large and they are split.
#[derive(Debug, Clone)]
struct Case {
    records: Vec<(u8, bool, bool)>,
    others: Vec<(u8, bool)>,
    top: Vec<TopFault>,
    items: Vec<ItemFault>,
    max_attempts: u32,
    concurrency: usize,
    cancel_at_step: Option<usize>,
    refresh_fails: bool,
    padded: Vec<bool>,
    max_request_bytes: Option<usize>,
    look_before_create: bool,
}

fn central_id((group, upper): (u8, bool)) -> String {
    if upper {
        format!("AB{group}")
    } else {
        format!("ab{group}")
    }
}

fn retry_after() -> impl Strategy<Value = Option<f64>> {
    prop::option::of((0u32..=4).prop_map(|q| f64::from(q) * 0.25))
}

fn top_fault() -> impl Strategy<Value = TopFault> {
    prop_oneof![
        60 => Just(TopFault::None),
        4 => retry_after().prop_map(TopFault::Throttle),
        3 => retry_after().prop_map(TopFault::Unavailable),
        3 => any::<bool>().prop_map(|ran| TopFault::GatewayTimeout { ran }),
        3 => Just(TopFault::LostBefore),
        3 => Just(TopFault::LostAfter),
        3 => (1u64..=3).prop_map(TopFault::LateCommit),
        2 => Just(TopFault::ExpireToken),
        3 => (1usize..=3, any::<bool>()).prop_map(|(count, ran)| TopFault::MissingItems { count, ran }),
        1 => Just(TopFault::Forbidden),
        1 => Just(TopFault::NoToken),
    ]
}

fn item_fault() -> impl Strategy<Value = ItemFault> {
    prop_oneof![
        50 => Just(ItemFault::None),
        4 => retry_after().prop_map(ItemFault::Throttle),
        3 => retry_after().prop_map(ItemFault::Unavailable),
        3 => any::<bool>().prop_map(|ran| ItemFault::GatewayTimeout { ran }),
        3 => (1u64..=3).prop_map(ItemFault::LateCommit),
        1 => Just(ItemFault::Unauthorized),
        2 => Just(ItemFault::NoId),
        1 => Just(ItemFault::BadRequest),
        1 => Just(ItemFault::TooLarge),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec((0u8..25, any::<bool>(), prop::bool::weighted(0.3)), 1..45),
        prop::collection::vec((0u8..25, any::<bool>()), 0..4),
        prop::collection::vec(top_fault(), 0..30),
        prop::collection::vec(item_fault(), 0..120),
        prop_oneof![1 => Just(1u32), 2 => 2u32..=3, 4 => 4u32..=6],
        1usize..=3,
        prop::option::weighted(0.15, 0usize..40),
        prop::bool::weighted(0.1),
        prop::collection::vec(prop::bool::weighted(0.2), 0..45),
        // Above one padded write alone (~3.3 KB), below a batch of several.
        prop::option::weighted(0.3, 4_000usize..12_000),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(
                records,
                others,
                top,
                items,
                max_attempts,
                concurrency,
                cancel_at_step,
                refresh_fails,
                padded,
                max_request_bytes,
                look_before_create,
            )| {
                Case {
                    records,
                    others,
                    top,
                    items,
                    max_attempts,
                    concurrency,
                    cancel_at_step,
                    refresh_fails,
                    padded,
                    max_request_bytes,
                    look_before_create,
                }
            },
        )
}

/// Records whose copies the properties allow to be more than one: the run said it could not
/// make sure (an unknown outcome, or a possible duplicate).
fn unsure(r: &RecordResult) -> bool {
    r.error
        .as_ref()
        .is_some_and(|e| e.code == OUTCOME_UNKNOWN || e.code == POSSIBLE_DUPLICATE)
}

/// Checks one run; the paths it took (see [`PATHS`]).
fn check(case: Case) -> Result<Vec<&'static str>, TestCaseError> {
    // The world: selected records with distinct Central ids; linked contacts of the updates;
    // other contacts (not selected) whose ids may differ from a selected one only by case.
    let mut seen = HashSet::new();
    let records: Vec<(String, bool)> = case
        .records
        .iter()
        .filter(|(g, u, _)| seen.insert((*g, *u)))
        .map(|&(g, u, is_update)| (central_id((g, u)), is_update))
        .collect();
    let mut mb = Mailbox::default();
    let mut others = Vec::new();
    for &(g, u) in &case.others {
        if seen.insert((g, u)) {
            let id = central_id((g, u));
            let outlook_id = mb.seed(Some(&id), json!({ "givenName": "other" }));
            others.push(outlook_id);
        }
    }
    let mut linked: HashMap<String, String> = HashMap::new();
    let writes: Vec<(String, WriteKind)> = records
        .iter()
        .enumerate()
        .map(|(i, (id, is_update))| {
            let (id, mut write) = if *is_update {
                let outlook_id = mb.seed(Some(id), json!({ "givenName": "old" }));
                linked.insert(id.clone(), outlook_id.clone());
                update(id, &outlook_id)
            } else {
                create(id)
            };
            if case.padded.get(i) == Some(&true) {
                let (WriteKind::Create { body } | WriteKind::Update { body, .. }) = &mut write;
                body["personalNotes"] = json!("x".repeat(3_000));
            }
            (id, write)
        })
        .collect();
    let before: Vec<_> = mb.contacts.clone();
    mb.max_request_bytes = case.max_request_bytes;

    let retry = retry(case.max_attempts);
    let mut run_settings = settings(retry, case.concurrency);
    run_settings.look_before_create = case.look_before_create;
    let report = drive_with(
        &mut mb,
        writes,
        run_settings,
        Faults {
            top: case.top.iter().copied().collect(),
            items: case.items.iter().copied().collect(),
            cancel_at_step: case.cancel_at_step,
            refresh_fails: case.refresh_fails,
            // The host's new plan never holds here: a user edit is never written over.
            replan: None,
        },
    );
    let log = &report.log;
    prop_assert!(report.terminated, "no end after {} steps", report.steps);
    prop_assert!(
        report.writes.iter().all(|&w| w <= case.max_attempts),
        "writes per record {:?} > {}: {log:?}",
        report.writes,
        case.max_attempts
    );
    let outcome = &report.outcome;
    prop_assert_eq!(outcome.records.len(), records.len());

    // The result says exactly what was written.
    for (r, (id, is_update)) in outcome.records.iter().zip(&records) {
        prop_assert_eq!(&r.central_id, id);
        let copies: Vec<&str> = mb.exact(id).iter().map(|c| c.id.as_str()).collect();
        if *is_update {
            let outlook_id = &linked[id];
            prop_assert_eq!(r.outlook_id.as_ref(), Some(outlook_id), "{:?}", r);
            prop_assert_eq!(&copies, &[outlook_id.as_str()], "{:?} {:?}", r, log);
            if r.action == Action::Updated {
                prop_assert_eq!(
                    &mb.by_id(outlook_id).unwrap().fields["givenName"],
                    &json!(format!("new {id}"))
                );
            } else {
                prop_assert!(
                    matches!(r.action, Action::Failed | Action::Skipped),
                    "{r:?}"
                );
            }
            continue;
        }
        match r.action {
            Action::Created => {
                let own = r.outlook_id.as_deref().unwrap();
                prop_assert!(copies.contains(&own), "{:?} {:?} {:?}", r, copies, log);
                match &r.error {
                    None => prop_assert_eq!(&copies, &[own], "{:?} {:?}", r, log),
                    Some(e) => prop_assert_eq!(&e.code, POSSIBLE_DUPLICATE),
                }
                prop_assert_eq!(
                    &mb.by_id(own).unwrap().fields["givenName"],
                    &json!(format!("new {id}"))
                );
            }
            Action::Failed | Action::Skipped => {
                prop_assert_eq!(r.outlook_id.as_ref(), None);
                let code = &r.error.as_ref().unwrap().code;
                if code != OUTCOME_UNKNOWN {
                    prop_assert!(copies.is_empty(), "{:?} hides {:?}: {:?}", r, copies, log);
                }
            }
            _ => prop_assert!(false, "a create reported as {:?}: {r:?}", r.action),
        }
    }
    // Nothing that was there before is deleted; contacts not selected are untouched.
    for c in &before {
        prop_assert!(mb.by_id(&c.id).is_some(), "{} deleted: {log:?}", c.id);
    }
    for id in &others {
        prop_assert_eq!(&mb.by_id(id).unwrap().fields["givenName"], &json!("other"));
    }
    prop_assert!(outcome.duplicates_removed <= mb.deleted.len());
    let mut last_done = 0;
    for p in &report.progress {
        prop_assert_eq!(p.total, records.len());
        prop_assert_eq!(p.done, p.created + p.updated + p.failed);
        prop_assert!(p.done >= last_done);
        last_done = p.done;
    }

    // A second, fault-free run of what is still missing, planned as the next plan would:
    // a contact found by its Central id is linked (updated), else created.
    let again: Vec<(String, WriteKind)> = outcome
        .records
        .iter()
        .zip(&records)
        .filter(|(r, _)| !matches!(r.action, Action::Created | Action::Updated))
        .map(|(_, (id, _))| match mb.exact(id).first() {
            Some(c) => update(id, &c.id.clone()),
            None => create(id),
        })
        .collect();
    let second = drive(&mut mb, again, retry, case.concurrency, Faults::default());
    prop_assert!(second.terminated);
    for r in &second.outcome.records {
        prop_assert!(
            matches!(r.action, Action::Created | Action::Updated) && r.error.is_none(),
            "{r:?}"
        );
    }
    // Every selected Central id is in the folder exactly once, with its new values.
    for (r, (id, _)) in outcome.records.iter().zip(&records) {
        let copies = mb.exact(id);
        if unsure(r) {
            prop_assert!(!copies.is_empty());
        } else {
            prop_assert_eq!(copies.len(), 1, "{} {:?} {:?}", id, r, log);
        }
        for c in copies {
            prop_assert_eq!(&c.fields["givenName"], &json!(format!("new {id}")));
        }
    }
    prop_assert_eq!(
        mb.contacts.len(),
        others.len()
            + records.len()
            + outcome
                .records
                .iter()
                .filter(|r| unsure(r))
                .map(|r| mb.exact(&r.central_id).len() - 1)
                .sum::<usize>()
    );

    let logged = |what: &str| log.iter().any(|l| l.contains(what));
    let coded = |code: &str| {
        outcome
            .records
            .iter()
            .any(|r| r.error.as_ref().is_some_and(|e| e.code == code))
    };
    let paths = [
        ("lookup before a resend", report.round_lookups > 0),
        ("final lookups", logged("$batch [GET")),
        ("next page", logged("$skip=")),
        ("wait", logged("wait")),
        ("token renewed by send_once", logged("send_once renews")),
        ("token renewed after items", logged("refresh token")),
        ("extra copy deleted", outcome.duplicates_removed > 0),
        ("outcome unknown", coded(OUTCOME_UNKNOWN)),
        ("possible duplicate", coded(POSSIBLE_DUPLICATE)),
        ("throttled record", coded("throttled")),
        ("refused record", coded("graphError")),
        (
            "batch refused as too large",
            report.refused_as_too_large > 0,
        ),
        ("record too large", coded("recordTooLarge")),
        ("cancelled", outcome.cancelled),
        ("stopped by an error", outcome.error.is_some()),
        (
            "all written",
            outcome
                .records
                .iter()
                .all(|r| matches!(r.action, Action::Created | Action::Updated)),
        ),
    ];
    Ok(paths
        .iter()
        .filter(|(_, hit)| *hit)
        .map(|(p, _)| *p)
        .collect())
}

/// Every path [`check`] names, which the generated runs must all reach.
const PATHS: [&str; 16] = [
    "lookup before a resend",
    "final lookups",
    "next page",
    "wait",
    "token renewed by send_once",
    "token renewed after items",
    "extra copy deleted",
    "outcome unknown",
    "possible duplicate",
    "throttled record",
    "refused record",
    "batch refused as too large",
    "record too large",
    "cancelled",
    "stopped by an error",
    "all written",
];

/// The generator is worth its cases: in 500 runs (a fixed seed) every path is taken.
#[test]
fn generated_runs_reach_every_path() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut tally: HashMap<&str, usize> = HashMap::new();
    for _ in 0..500 {
        let case = case().new_tree(&mut runner).unwrap().current();
        for path in check(case).unwrap() {
            *tally.entry(path).or_default() += 1;
        }
    }
    eprintln!("paths taken in 500 runs: {tally:?}");
    for path in PATHS {
        assert!(tally.contains_key(path), "never: {path} ({tally:?})");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn runs_under_faults_write_each_record_once_and_say_so(case in case()) {
        check(case)?;
    }
}

/// Without a ledger each create is looked up before it is first sent: one another run made
/// since the plan is skipped (`alreadyInFolder`, naming it) and never created again; nothing
/// is deleted; the others are created once. A lookup that fails uses a try, never a write:
/// the round's lookups go again (as one `$batch`), then its writes.
#[test]
fn looking_before_create_skips_what_another_run_made_and_creates_the_rest_once() {
    let mut mb = Mailbox::default();
    let theirs = mb.seed(Some("c1"), json!({ "givenName": "made by another run" }));
    let old = mb.seed(Some("c2"), json!({ "givenName": "old" }));
    let mut s = settings(retry(6), 1);
    s.look_before_create = true;
    let report = drive_with(
        &mut mb,
        vec![create("c0"), create("c1"), update("c2", &old)],
        s,
        faults(&[TopFault::Unavailable(None)], &[]),
    );
    assert!(report.terminated, "{:?}", report.log);
    assert_eq!(
        log(&report),
        [
            "$batch [GET c0 #0, GET c1 #1]",
            "wait 0.75",
            "$batch [GET c0 #0, GET c1 #1]",
            "$batch [POST c0 #0, PATCH AAMk2+/= #2]"
        ]
    );
    let r = record(&report.outcome, "c1");
    assert_eq!(r.action, Action::Skipped, "{r:?}");
    assert_eq!(r.outlook_id.as_deref(), Some(theirs.as_str()));
    assert_eq!(r.error.as_ref().unwrap().code, "alreadyInFolder");
    assert_eq!(mb.exact("c1").len(), 1, "not created again, not deleted");
    assert_created_once(&mb, &report.outcome, "c0");
    assert_eq!(record(&report.outcome, "c2").action, Action::Updated);
    assert_eq!(
        report.writes,
        [1, 0, 1],
        "one write each for c0 and c2, none for c1"
    );
    assert_eq!(report.outcome.duplicates_removed, 0);
}

/// An update goes with `If-Match` on the etag the plan read: a contact the user edited since
/// is read again and handed to the host to plan anew; when the plan does not hold, it is not
/// overwritten — its record fails with `changedSincePlan`, the user's edit stays, and nothing
/// is sent again; one nobody touched is updated.
#[test]
fn an_update_of_a_contact_the_user_edited_since_the_plan_is_not_written() {
    let mut mb = Mailbox::default();
    let edited = mb.seed(Some("e0"), json!({ "givenName": "old" }));
    let untouched = mb.seed(Some("e1"), json!({ "givenName": "old" }));
    let (e0, e1) = (
        mb.by_id(&edited).unwrap().etag(),
        mb.by_id(&untouched).unwrap().etag(),
    );
    mb.user_edit(&edited, json!({ "mobilePhone": "+44 1 typed in Outlook" }));
    let report = run(
        &mut mb,
        vec![
            update_if_match("e0", &edited, e0),
            update_if_match("e1", &untouched, e1),
        ],
        Faults::default(),
    );
    let r = record(&report.outcome, "e0");
    assert_eq!(r.action, Action::Failed, "{r:?}");
    assert_eq!(r.error.as_ref().unwrap().code, "changedSincePlan");
    assert!(
        report
            .log
            .contains(&format!("GET contact {edited} (to plan again)"))
            && report.log.contains(&"replan e0: does not hold".to_owned()),
        "{:#?}",
        report.log
    );
    let kept = mb.by_id(&edited).unwrap();
    assert_eq!(kept.fields["givenName"], "old", "not overwritten");
    assert_eq!(
        kept.fields["mobilePhone"], "+44 1 typed in Outlook",
        "the user's edit stays"
    );
    assert_eq!(record(&report.outcome, "e1").action, Action::Updated);
    assert_eq!(mb.by_id(&untouched).unwrap().fields["givenName"], "new e1");
    assert_eq!(report.writes, [1, 1], "no second try of a refused update");
}

/// An update's batch answer is lost after it ran: the resend meets 412 (its own write moved
/// the etag). The contact is read back; it holds what the update sent, so the record is
/// `updated` — not a false `changedSincePlan`. Had the user edited it instead, it would not be
/// overwritten.
#[test]
fn a_resent_update_that_meets_412_is_read_back_and_counts_as_updated_when_it_landed() {
    let mut mb = Mailbox::default();
    let id = mb.seed(Some("u0"), json!({ "givenName": "old" }));
    let etag = mb.by_id(&id).unwrap().etag();
    let report = run(
        &mut mb,
        vec![update_if_match("u0", &id, etag.clone())],
        faults(&[TopFault::LostAfter], &[]),
    );
    let r = record(&report.outcome, "u0");
    assert_eq!(r.action, Action::Updated, "{r:?} {:?}", report.log);
    assert_eq!(r.error, None);
    assert_eq!(mb.by_id(&id).unwrap().fields["givenName"], "new u0");
    assert!(
        log(&report)
            .iter()
            .any(|l| l.starts_with("GET") && l.contains(&id)),
        "{:?}",
        report.log
    );

    // The same, but the user edits the contact while the first answer is lost.
    let mut mb = Mailbox::default();
    let id = mb.seed(Some("u1"), json!({ "givenName": "old" }));
    let etag = mb.by_id(&id).unwrap().etag();
    let mut f = faults(&[TopFault::LostBefore], &[]);
    f.top.push_back(TopFault::None);
    mb.user_edit(&id, json!({ "givenName": "typed in Outlook" }));
    let report = run(&mut mb, vec![update_if_match("u1", &id, etag)], f);
    let r = record(&report.outcome, "u1");
    assert_eq!(r.action, Action::Failed, "{r:?}");
    assert_eq!(r.error.as_ref().unwrap().code, "changedSincePlan");
    assert_eq!(
        mb.by_id(&id).unwrap().fields["givenName"],
        "typed in Outlook"
    );
}

/// An update's batch answer is lost after it ran, and the run is cancelled before it is sent
/// again: the record is not `skipped` ("cancelled before it was written") — it may have been
/// written, and says so (`outcomeUnknown`). A record never sent stays `skipped`.
#[test]
fn a_lost_update_then_a_cancel_is_outcome_unknown_not_skipped() {
    let mut mb = Mailbox::default();
    let written = mb.seed(Some("u0"), json!({ "givenName": "old" }));
    let mut writes = vec![update("u0", &written)];
    writes.extend((1..21).map(|i| create(&format!("c{i}"))));
    let report = run(
        &mut mb,
        writes,
        Faults {
            top: [TopFault::LostAfter].into_iter().collect(),
            cancel_at_step: Some(2),
            ..Faults::default()
        },
    );
    assert!(report.outcome.cancelled, "{:?}", report.log);
    let r = record(&report.outcome, "u0");
    assert_eq!(r.action, Action::Failed, "{r:?} {:?}", report.log);
    assert_eq!(r.error.as_ref().unwrap().code, "outcomeUnknown");
    assert_eq!(
        mb.by_id(&written).unwrap().fields["givenName"],
        "new u0",
        "it was written"
    );
    let never = record(&report.outcome, "c20");
    assert_eq!(never.action, Action::Skipped, "{never:?}");
    assert_eq!(never.error.as_ref().unwrap().code, "cancelled");
}

/// `$batch [GET c{a} #{a}, …]` or `$batch [POST …]` for the records `range`, as the log says it.
fn batch_of(verb: &str, range: std::ops::Range<usize>) -> String {
    let items: Vec<String> = range.map(|i| format!("{verb} c{i} #{i}")).collect();
    format!("$batch [{}]", items.join(", "))
}

/// DESIGN §8, a run without a ledger: each batch of creates is preceded by ONE `$batch` of
/// lookups of its Central ids — 20 creates are two requests, 45 are six — and nothing else.
#[test]
fn without_a_ledger_each_batch_of_creates_follows_one_batch_of_its_lookups() {
    for (n, concurrency, expected) in [
        (
            20usize,
            1,
            vec![batch_of("GET", 0..20), batch_of("POST", 0..20)],
        ),
        (
            45,
            1,
            vec![
                batch_of("GET", 0..20),
                batch_of("POST", 0..20),
                batch_of("GET", 20..40),
                batch_of("POST", 20..40),
                batch_of("GET", 40..45),
                batch_of("POST", 40..45),
            ],
        ),
        // Two batches in flight: the round's 40 lookups (one `$batch` after the other), then
        // its two write batches at once.
        (
            45,
            2,
            vec![
                batch_of("GET", 0..20),
                batch_of("GET", 20..40),
                batch_of("POST", 0..20),
                batch_of("POST", 20..40),
                batch_of("GET", 40..45),
                batch_of("POST", 40..45),
            ],
        ),
    ] {
        let mut mb = Mailbox::default();
        let mut s = settings(retry(6), concurrency);
        s.look_before_create = true;
        let writes = (0..n).map(|i| create(&format!("c{i}"))).collect();
        let report = drive_with(&mut mb, writes, s, Faults::default());
        assert!(report.terminated);
        assert_eq!(report.log, expected, "{n} creates, {concurrency} at once");
        for i in 0..n {
            assert_created_once(&mb, &report.outcome, &format!("c{i}"));
        }
        assert_eq!(report.round_lookups, n.div_ceil(20));
    }
}

/// A lookup before a create that needs more pages reads them (one request at a time) before
/// the round's writes go; a copy found is linked, never created again.
#[test]
fn a_lookup_before_create_with_more_pages_reads_them_before_the_writes() {
    let mut mb = Mailbox::default();
    mb.seed(Some("AB1"), json!({}));
    mb.seed(Some("Ab1"), json!({}));
    let theirs = mb.seed(Some("ab1"), json!({ "givenName": "made by another run" }));
    let mut s = settings(retry(6), 1);
    s.look_before_create = true;
    let report = drive_with(
        &mut mb,
        vec![create("ab0"), create("ab1")],
        s,
        Faults::default(),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [GET ab0 #0, GET ab1 #1]",
            "GET lookup ab1 $skip=2",
            "$batch [POST ab0 #0]"
        ]
    );
    let r = record(&report.outcome, "ab1");
    assert_eq!(
        (r.action, r.outlook_id.as_deref()),
        (Action::Skipped, Some(theirs.as_str()))
    );
    assert_created_once(&mb, &report.outcome, "ab0");
}

/// A body for `central_id` whose given name has `bytes` characters.
fn big_body(central_id: &str, bytes: usize) -> Value {
    let mut b = body(central_id);
    b["givenName"] = json!("x".repeat(bytes));
    b
}

fn big_create(central_id: &str, bytes: usize) -> (String, WriteKind) {
    (
        central_id.to_owned(),
        WriteKind::Create {
            body: big_body(central_id, bytes),
        },
    )
}

fn assert_too_large(outcome: &RunOutcome, central_id: &str, status: Option<u16>) {
    let r = record(outcome, central_id);
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (r.action, e.code.as_str(), e.status),
        (Action::Failed, "recordTooLarge", status),
        "{r:?}"
    );
    assert_eq!(r.outlook_id, None);
}

/// Graph's limit is lower than ours (413 for the whole batch): the batch is split in two and
/// both halves go again — no lookup (nothing of it ran), no try used — until the batch of one
/// that holds the large record says it alone is too large. The 19 others are written once.
#[test]
fn a_batch_refused_as_too_large_is_split_and_only_the_large_record_fails() {
    let mut mb = Mailbox::default();
    mb.max_request_bytes = Some(20_000);
    let writes: Vec<(String, WriteKind)> = (0..20)
        .map(|i| {
            let id = format!("c{i}");
            if i == 7 {
                big_create(&id, 30_000)
            } else {
                create(&id)
            }
        })
        .collect();
    let report = run(&mut mb, writes, Faults::default());
    let post = |r: std::ops::Range<usize>| batch_of("POST", r);
    assert_eq!(
        report.log,
        [
            post(0..20),  // 413
            post(0..10),  // 413
            post(0..5),   // written
            post(5..10),  // 413
            post(5..7),   // written
            post(7..10),  // 413
            post(7..8),   // 413: c7 alone is too large
            post(8..10),  // written
            post(10..20), // written
        ]
    );
    assert_too_large(&report.outcome, "c7", Some(413));
    let e = record(&report.outcome, "c7").error.clone().unwrap();
    assert_eq!(e.graph_code.as_deref(), Some("RequestEntityTooLarge"));
    assert!(mb.exact("c7").is_empty());
    for i in (0..20).filter(|&i| i != 7) {
        assert_created_once(&mb, &report.outcome, &format!("c{i}"));
    }
    assert_eq!(mb.contacts.len(), 19);
    let mut writes = vec![1; 20];
    writes[7] = 0;
    assert_eq!(report.writes, writes, "a refused batch is no write");
    let last = report.progress.last().unwrap();
    assert_eq!((last.done, last.created, last.failed), (20, 19, 1));
}

/// A write whose request is over the limit even alone is never sent: it fails at once with
/// `recordTooLarge` (no status: Graph never saw it). One exactly at the limit goes alone in its
/// batch, and its neighbours in theirs.
#[test]
fn a_write_over_the_request_limit_is_never_sent_and_one_at_it_goes_alone() {
    // The bytes of a batch of one create around its given name.
    let mut mb = Mailbox::default();
    let probe = run(&mut mb, vec![big_create("c1", 1)], Faults::default());
    let around = probe.requests[0].body.as_ref().unwrap().len() - 1;
    let at_limit = MAX_BATCH_BYTES - around;

    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0"), big_create("c1", at_limit + 1), create("c2")],
        Faults::default(),
    );
    assert_eq!(log(&report), ["$batch [POST c0 #0, POST c2 #2]"]);
    assert_too_large(&report.outcome, "c1", None);
    assert_eq!(report.writes, [1, 0, 1]);
    assert_created_once(&mb, &report.outcome, "c0");
    assert_created_once(&mb, &report.outcome, "c2");

    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0"), big_create("c1", at_limit), create("c2")],
        Faults::default(),
    );
    assert_eq!(
        log(&report),
        [
            "$batch [POST c0 #0]",
            "$batch [POST c1 #1]",
            "$batch [POST c2 #2]"
        ]
    );
    assert_eq!(
        report.requests[1].body.as_ref().unwrap().len(),
        MAX_BATCH_BYTES
    );
    for id in ["c0", "c1", "c2"] {
        assert_created_once(&mb, &report.outcome, id);
    }
}

/// One item answered 413 on its own: that record fails with `recordTooLarge`, is not sent
/// again, and its batch-mates are written.
#[test]
fn an_item_refused_as_too_large_fails_its_record_only() {
    let mut mb = Mailbox::default();
    let report = run(
        &mut mb,
        vec![create("c0"), create("c1")],
        faults(&[], &[ItemFault::None, ItemFault::TooLarge]),
    );
    assert_eq!(log(&report), ["$batch [POST c0 #0, POST c1 #1]"]);
    assert_too_large(&report.outcome, "c1", Some(413));
    assert!(mb.exact("c1").is_empty());
    assert_created_once(&mb, &report.outcome, "c0");
}

/// A `$batch` of lookups refused as too large goes again as two of half the size (no try
/// used); the writes follow.
#[test]
fn a_batch_of_lookups_refused_as_too_large_is_sent_in_halves() {
    // 20 lookups are over it (~9.5 KB), 10 are not, nor are 20 creates (~6.3 KB).
    let limit = 7_000;
    let mut mb = Mailbox::default();
    mb.max_request_bytes = Some(limit);
    let mut s = settings(retry(1), 1);
    s.look_before_create = true;
    let writes = (0..20).map(|i| create(&format!("c{i}"))).collect();
    let report = drive_with(&mut mb, writes, s, Faults::default());
    assert_eq!(
        report.log,
        [
            batch_of("GET", 0..20),
            batch_of("GET", 0..10),
            batch_of("GET", 10..20),
            batch_of("POST", 0..20)
        ]
    );
    let bytes: Vec<usize> = (report.requests.iter())
        .map(|r| r.body.as_ref().unwrap().len())
        .collect();
    assert!(
        bytes[0] > limit && bytes[1..].iter().all(|&b| b <= limit),
        "{bytes:?}"
    );
    for i in 0..20 {
        assert_created_once(&mb, &report.outcome, &format!("c{i}"));
    }
}

/// The same edit, but the host's new plan holds (the user changed a field the update does not
/// write): the update goes once more, on the etag just read, and keeps the user's edit; a
/// second 412 is final.
#[test]
fn an_update_planned_again_after_a_412_is_sent_once_more_on_the_fresh_etag() {
    fn same_change(_: &str, contact: &Value) -> Option<(Value, String)> {
        let etag = contact["@odata.etag"].as_str()?.to_owned();
        Some((json!({ "givenName": "new e0" }), etag))
    }
    let mut mb = Mailbox::default();
    let edited = mb.seed(Some("e0"), json!({ "givenName": "old" }));
    let e0 = mb.by_id(&edited).unwrap().etag();
    mb.user_edit(&edited, json!({ "mobilePhone": "+44 1 typed in Outlook" }));
    let report = run(
        &mut mb,
        vec![update_if_match("e0", &edited, e0)],
        Faults {
            replan: Some(same_change),
            ..Faults::default()
        },
    );
    let r = record(&report.outcome, "e0");
    assert_eq!(
        (r.action, r.error.as_ref()),
        (Action::Updated, None),
        "{r:?}"
    );
    let kept = mb.by_id(&edited).unwrap();
    assert_eq!(kept.fields["givenName"], "new e0");
    assert_eq!(kept.fields["mobilePhone"], "+44 1 typed in Outlook");
    assert_eq!(report.writes, [2]);
    assert_eq!(
        log(&report),
        [
            format!("$batch [PATCH {edited} #0]").as_str(),
            format!("GET contact {edited} (to plan again)").as_str(),
            "replan e0: holds",
            format!("$batch [PATCH {edited} #0]").as_str(),
        ]
    );

    // The user edits it again between the read and the resend: final.
    fn stale(_: &str, _: &Value) -> Option<(Value, String)> {
        Some((json!({ "givenName": "new e0" }), "W/\"stale\"".to_owned()))
    }
    let mut mb = Mailbox::default();
    let edited = mb.seed(Some("e0"), json!({ "givenName": "old" }));
    let e0 = mb.by_id(&edited).unwrap().etag();
    mb.user_edit(&edited, json!({ "mobilePhone": "+44 2" }));
    let report = run(
        &mut mb,
        vec![update_if_match("e0", &edited, e0)],
        Faults {
            replan: Some(stale),
            ..Faults::default()
        },
    );
    let r = record(&report.outcome, "e0");
    assert_eq!(r.action, Action::Failed);
    assert_eq!(r.error.as_ref().unwrap().code, "changedSincePlan");
    assert_eq!(report.writes, [2], "planned again once only");
    assert_eq!(mb.by_id(&edited).unwrap().fields["givenName"], "old");
}
