//! The engine's rules, one test per rule and edge (DESIGN §3–5), through the public API.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use central_o365_sync::engine::{
    EmptyValues, Kind, LinkedBy, PlanOptions, Reason, State, Write, CENTRAL_ID_PROPERTY,
};
use common::{outlook_contact, plan_values, with_stored_id, writes};
use serde_json::{json, Value};

const CLEAR: PlanOptions = PlanOptions {
    empty_values: EmptyValues::Clear,
    ..PlanOptions::DEFAULT
};
const KEEP: PlanOptions = PlanOptions {
    empty_values: EmptyValues::Keep,
    ..PlanOptions::DEFAULT
};

fn john() -> Value {
    json!({ "id": "C-10023", "status": "active", "title": "Mr", "firstName": "John", "lastName": "Smith",
            "email": "john@outlook.com", "mobile": "+44 7700 900123", "telephone": "+44 20 7946 0000",
            "website": "https://example.org",
            "homeAddress": { "line1": "Flat 1", "line2": "King's Court", "line3": "10 Long Street",
                             "town": "Leeds", "county": "West Yorkshire", "country": "United Kingdom", "postcode": "LS1 4AB" },
            "businessAddress": null })
}

/// John as he reads back from Graph once synced.
fn john_in_outlook(id: &str) -> Value {
    with_stored_id(
        outlook_contact(
            id,
            json!({
                "title": "Mr", "givenName": "John", "surname": "Smith", "displayName": "John Smith",
                "mobilePhone": "+44 7700 900123", "businessHomePage": "https://example.org",
                "emailAddresses": [{ "name": "John Smith", "address": "john@outlook.com" }],
                "businessPhones": ["+44 20 7946 0000"],
                "homeAddress": { "street": "Flat 1, King's Court, 10 Long Street", "city": "Leeds",
                                 "state": "West Yorkshire", "countryOrRegion": "United Kingdom", "postalCode": "LS1 4AB" }
            }),
        ),
        "C-10023",
    )
}

fn contact(id: &str, first: &str, last: &str, email: &str) -> Value {
    json!({ "id": id, "status": "active", "firstName": first, "lastName": last, "email": email })
}

fn reasons_of(central: Value) -> Vec<Reason> {
    let p = plan_values(&json!([central]), &json!([]), CLEAR);
    assert_eq!(p.items.len(), 1);
    p.items[0].reasons.clone()
}

#[test]
fn inactive_and_statusless_records_are_excluded_and_counted() {
    let central = json!([
        { "id": "A", "status": "inactive", "firstName": "A", "lastName": "A", "email": "a@x.com" },
        { "id": "B", "firstName": "B", "lastName": "B", "email": "b@x.com" },
        { "id": "C", "status": " ACTIVE ", "firstName": "C", "lastName": "C", "email": "c@x.com" },
        { "id": "D", "status": { "v": "active" }, "firstName": "D", "lastName": "D", "email": "d@x.com" }
    ]);
    let p = plan_values(&central, &json!([]), CLEAR);
    assert_eq!(p.excluded, 3);
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].central_id, "C");
    assert_eq!(p.items[0].state, State::New);
}

#[test]
fn deceased_in_last_name_is_non_actionable() {
    assert_eq!(
        reasons_of(contact("1", "John", "Smith (Deceased)", "j@x.com")),
        vec![Reason::Deceased]
    );
}

#[test]
fn deceased_in_first_name_any_case_is_non_actionable() {
    assert_eq!(
        reasons_of(contact("1", "DECEASED John", "Smith", "j@x.com")),
        vec![Reason::Deceased]
    );
}

#[test]
fn missing_or_whitespace_email_is_missing_email() {
    assert_eq!(
        reasons_of(contact("1", "John", "Smith", "   ")),
        vec![Reason::MissingEmail]
    );
    assert_eq!(
        reasons_of(
            json!({ "id": "1", "status": "active", "firstName": "John", "lastName": "Smith", "email": null })
        ),
        vec![Reason::MissingEmail]
    );
}

#[test]
fn display_name_form_email_is_malformed() {
    assert_eq!(
        reasons_of(contact(
            "1",
            "John",
            "Smith",
            "John Smith <john@outlook.com>"
        )),
        vec![Reason::MalformedEmail]
    );
}

#[test]
fn email_with_surrounding_spaces_is_valid_and_written_trimmed() {
    let (p, w) = writes(
        &json!([contact("1", "John", "Smith", "  john@outlook.com ")]),
        &json!([]),
        CLEAR,
    );
    assert_eq!(p.items[0].state, State::New);
    let Write::Create { body, .. } = &w[0] else {
        panic!("create")
    };
    assert_eq!(
        body["emailAddresses"],
        json!([{ "address": "john@outlook.com", "name": "John Smith" }])
    );
}

#[test]
fn blank_names_give_both_missing_name_reasons() {
    assert_eq!(
        reasons_of(contact("1", " ", "", "j@x.com")),
        vec![Reason::MissingFirstName, Reason::MissingLastName]
    );
}

#[test]
fn every_applicable_reason_is_reported_in_code_order() {
    assert_eq!(
        reasons_of(
            json!({ "id": "1", "status": "active", "firstName": "", "lastName": "Deceased",
                           "email": "not an email", "mobile": ["x"] })
        ),
        vec![
            Reason::Deceased,
            Reason::MalformedEmail,
            Reason::MissingFirstName,
            Reason::InvalidRecord
        ]
    );
}

#[test]
fn duplicate_email_marks_all_otherwise_actionable_records_sharing_it() {
    let central = json!([
        contact("1", "John", "Smith", "shared@x.com"),
        contact("2", "Jane", "Smith", " SHARED@x.com "),
        contact("3", "Old", "Deceased", "shared@x.com"),
        contact("4", "Solo", "Person", "solo@x.com")
    ]);
    let p = plan_values(&central, &json!([]), CLEAR);
    let reasons: Vec<_> = p.items.iter().map(|i| i.reasons.clone()).collect();
    assert_eq!(
        reasons,
        vec![
            vec![Reason::DuplicateEmail],
            vec![Reason::DuplicateEmail],
            vec![Reason::Deceased],
            vec![]
        ]
    );
    assert_eq!(p.summary.non_actionable, 3);
    assert_eq!(p.summary.new, 1);
}

#[test]
fn object_or_array_in_a_text_field_is_invalid_record() {
    assert_eq!(
        reasons_of(
            json!({ "id": "1", "status": "active", "firstName": { "x": 1 }, "lastName": "Smith", "email": "j@x.com" })
        ),
        vec![Reason::InvalidRecord]
    );
    assert_eq!(
        reasons_of(
            json!({ "id": "1", "status": "active", "firstName": "J", "lastName": "S", "email": "j@x.com",
                           "businessAddress": { "line1": ["a", "b"] } })
        ),
        vec![Reason::InvalidRecord]
    );
}

#[test]
fn numbers_and_booleans_are_taken_as_text() {
    let central = json!([{ "id": 10023, "status": "active", "firstName": "John", "lastName": true,
                           "email": "j@x.com", "mobile": 7700900123u64 }]);
    let (p, w) = writes(&central, &json!([]), CLEAR);
    assert_eq!(p.items[0].central_id, "10023");
    assert_eq!(p.items[0].state, State::New);
    let Write::Create { body, .. } = &w[0] else {
        panic!("create")
    };
    assert_eq!(body["surname"], "true");
    assert_eq!(body["mobilePhone"], "7700900123");
}

#[test]
fn missing_id_and_shared_id_are_invalid_records() {
    let central = json!([
        { "status": "active", "firstName": "A", "lastName": "A", "email": "a@x.com" },
        contact("C-1", "B", "B", "b@x.com"),
        contact("C-1", "C", "C", "c@x.com")
    ]);
    let p = plan_values(&central, &json!([]), CLEAR);
    assert!(p
        .items
        .iter()
        .all(|i| i.reasons == vec![Reason::InvalidRecord]));
    assert_eq!(p.items[0].central_id, "");
}

#[test]
fn new_contact_is_created_with_every_mapped_field_and_the_central_id() {
    let (p, w) = writes(&json!([john()]), &json!([]), CLEAR);
    assert_eq!(p.items[0].state, State::New);
    assert_eq!(p.items[0].outlook_id, None);
    assert_eq!(
        w,
        vec![Write::Create {
            central_id: "C-10023".into(),
            body: json!({
                "title": "Mr", "givenName": "John", "surname": "Smith", "displayName": "John Smith",
                "mobilePhone": "+44 7700 900123", "businessHomePage": "https://example.org",
                "emailAddresses": [{ "address": "john@outlook.com", "name": "John Smith" }],
                "businessPhones": ["+44 20 7946 0000"],
                "homeAddress": { "street": "Flat 1, King's Court, 10 Long Street", "city": "Leeds",
                                 "state": "West Yorkshire", "countryOrRegion": "United Kingdom", "postalCode": "LS1 4AB" },
                "singleValueExtendedProperties": [{ "id": CENTRAL_ID_PROPERTY, "value": "C-10023" }]
            }),
            kind: Kind::Contact,
        }]
    );
}

#[test]
fn street_skips_blank_lines() {
    let mut c = john();
    c["homeAddress"]["line2"] = json!("  ");
    c["homeAddress"]["line3"] = Value::Null;
    let (_, w) = writes(&json!([c]), &json!([]), CLEAR);
    let Write::Create { body, .. } = &w[0] else {
        panic!("create")
    };
    assert_eq!(body["homeAddress"]["street"], "Flat 1");
}

#[test]
fn synced_contact_is_up_to_date_despite_whitespace_email_case_and_volatile_fields() {
    let mut o = john_in_outlook("AAMk1");
    o["emailAddresses"][0]["address"] = json!("John@Outlook.COM");
    o["displayName"] = json!("John  Smith ");
    o["changeKey"] = json!("other");
    o["@odata.etag"] = json!("W/\"other\"");
    o["lastModifiedDateTime"] = json!("2026-11-20T00:00:00Z");
    o["personalNotes"] = json!("never compared");
    let p = plan_values(&json!([john()]), &json!([o]), CLEAR);
    assert_eq!(p.items[0].state, State::UpToDate);
    assert_eq!(p.items[0].linked_by, Some(LinkedBy::Id));
    assert!(p.items[0].changes.is_empty());
    assert!(p.orphans.is_empty());
}

#[test]
fn linked_by_stored_id_even_when_the_email_changed() {
    let mut c = john();
    c["email"] = json!("john.smith@newmail.com");
    let (p, w) = writes(&json!([c]), &json!([john_in_outlook("AAMk1")]), CLEAR);
    let item = &p.items[0];
    assert_eq!(item.state, State::Update);
    assert_eq!(item.outlook_id.as_deref(), Some("AAMk1"));
    assert_eq!(item.linked_by, Some(LinkedBy::Id));
    assert_eq!(
        serde_json::to_value(&item.changes).unwrap(),
        json!([{ "field": "email", "from": "john@outlook.com", "to": "john.smith@newmail.com", "direction": "toOutlook" }])
    );
    assert_eq!(
        w,
        vec![Write::Update {
            central_id: "C-10023".into(),
            outlook_id: "AAMk1".into(),
            etag: "W/\"EQAAABYAAAB\"".into(),
            body: json!({
                "emailAddresses": [{ "address": "john.smith@newmail.com", "name": "John Smith" }],
                "singleValueExtendedProperties": [{ "id": CENTRAL_ID_PROPERTY, "value": "C-10023" }]
            })
        }]
    );
}

#[test]
fn john_smith_overrides_patrick_parker_found_by_email() {
    // Outlook holds "Patrick Parker" at John's address and no stored id: Central is the system
    // of record, so the contact is linked by email and renamed.
    let o = outlook_contact(
        "AAMk9",
        json!({ "givenName": "Patrick", "surname": "Parker", "displayName": "Patrick Parker",
                                            "emailAddresses": [{ "name": "Patrick Parker", "address": "JOHN@outlook.com" }] }),
    );
    let c = contact("C-10023", "John", "Smith", "john@outlook.com");
    let (p, w) = writes(&json!([c]), &json!([o]), CLEAR);
    let item = &p.items[0];
    assert_eq!(item.state, State::Update);
    assert_eq!(item.linked_by, Some(LinkedBy::Email));
    assert_eq!(
        serde_json::to_value(&item.changes).unwrap(),
        json!([{ "field": "givenName", "from": "Patrick", "to": "John", "direction": "toOutlook" },
               { "field": "surname", "from": "Parker", "to": "Smith", "direction": "toOutlook" },
               { "field": "displayName", "from": "Patrick Parker", "to": "John Smith", "direction": "toOutlook" }])
    );
    let Write::Update { body, .. } = &w[0] else {
        panic!("update")
    };
    assert_eq!(
        body,
        &json!({ "givenName": "John", "surname": "Smith", "displayName": "John Smith",
                              "singleValueExtendedProperties": [{ "id": CENTRAL_ID_PROPERTY, "value": "C-10023" }] })
    );
}

#[test]
fn email_link_matches_case_insensitively_and_after_nfc() {
    let o = outlook_contact(
        "A1",
        json!({ "givenName": "Zoe", "surname": "Ze", "displayName": "Zoe Ze",
                                          "emailAddresses": [{ "address": "ZE\u{301}@X.FR" }] }),
    );
    let p = plan_values(
        &json!([contact("1", "Zoe", "Ze", "z\u{e9}@x.fr")]),
        &json!([o]),
        CLEAR,
    );
    assert_eq!(p.items[0].outlook_id.as_deref(), Some("A1"));
    assert_eq!(p.items[0].state, State::UpToDate);
}

#[test]
fn stale_stored_id_is_relinked_by_email() {
    let o = with_stored_id(john_in_outlook("AAMk1"), "C-GONE");
    let (p, w) = writes(&json!([john()]), &json!([o]), CLEAR);
    assert_eq!(p.items[0].linked_by, Some(LinkedBy::Email));
    assert_eq!(p.items[0].state, State::UpToDate);
    assert!(w.is_empty());
    assert!(p.orphans.is_empty());
}

#[test]
fn stored_id_wins_over_another_contacts_email() {
    // One contact is linked by id; another unlinked one carries the same email: the id link
    // stands and the other is an orphan, not a conflict.
    let other = outlook_contact(
        "AAMk2",
        json!({ "emailAddresses": [{ "address": "john@outlook.com" }], "displayName": "Dup" }),
    );
    let p = plan_values(
        &json!([john()]),
        &json!([john_in_outlook("AAMk1"), other]),
        CLEAR,
    );
    assert_eq!(p.items[0].outlook_id.as_deref(), Some("AAMk1"));
    assert_eq!(p.items[0].state, State::UpToDate);
    assert_eq!(
        serde_json::to_value(&p.orphans).unwrap(),
        json!([{ "outlookId": "AAMk2", "email": "john@outlook.com", "displayName": "Dup" }])
    );
}

#[test]
fn two_unlinked_outlook_contacts_with_the_same_email_are_a_conflict() {
    let a = outlook_contact(
        "A",
        json!({ "emailAddresses": [{ "address": "john@outlook.com" }] }),
    );
    let b = outlook_contact(
        "B",
        json!({ "emailAddresses": [{ "address": "John@Outlook.com" }] }),
    );
    let (p, w) = writes(&json!([john()]), &json!([a, b]), CLEAR);
    assert_eq!(p.items[0].state, State::Conflict);
    assert_eq!(p.items[0].reasons, vec![Reason::DuplicateOutlookEmail]);
    assert_eq!(p.items[0].outlook_id, None);
    assert!(w.is_empty());
    assert!(p.orphans.is_empty());
    assert_eq!(p.summary.conflict, 1);
}

#[test]
fn two_outlook_contacts_with_the_same_stored_id_that_differ_are_a_conflict() {
    let mut b = john_in_outlook("B");
    b["mobilePhone"] = json!("555 0101");
    let (p, w) = writes(&json!([john()]), &json!([john_in_outlook("A"), b]), CLEAR);
    assert_eq!(p.items[0].state, State::Conflict);
    assert_eq!(p.items[0].reasons, vec![Reason::DuplicateOutlookId]);
    assert!(w.is_empty());
}

#[test]
fn every_outlook_contact_of_a_conflict_is_left_alone_and_none_is_an_orphan() {
    // Three contacts carrying John's id (two edited since, so none is a mere copy), three
    // copies of Mary's email (none linked by id), and one unrelated contact: both records
    // conflict, and only the unrelated one is an orphan.
    let mary = contact("C-2", "Mary", "Jones", "mary@example.com");
    let mary_copy = |id: &str| {
        outlook_contact(
            id,
            json!({ "emailAddresses": [{ "address": " MARY@example.com " }] }),
        )
    };
    let other = outlook_contact(
        "Z",
        json!({ "emailAddresses": [{ "address": "zed@example.com" }] }),
    );
    let edited = |id: &str| {
        let mut o = john_in_outlook(id);
        o["title"] = json!(format!("Dr {id}"));
        o
    };
    let (p, w) = writes(
        &json!([john(), mary]),
        &json!([
            john_in_outlook("A"),
            mary_copy("M1"),
            edited("B"),
            mary_copy("M2"),
            other,
            edited("C"),
            mary_copy("M3")
        ]),
        CLEAR,
    );
    assert_eq!(p.items[0].state, State::Conflict);
    assert_eq!(p.items[0].reasons, vec![Reason::DuplicateOutlookId]);
    assert_eq!(p.items[1].state, State::Conflict);
    assert_eq!(p.items[1].reasons, vec![Reason::DuplicateOutlookEmail]);
    assert!(w.is_empty());
    let orphans: Vec<&str> = p.orphans.iter().map(|o| o.outlook_id.as_ref()).collect();
    assert_eq!(orphans, ["Z"]);
}

#[test]
fn outlook_contacts_without_central_counterpart_are_orphans_in_folder_order() {
    let o = json!([
        outlook_contact(
            "Z",
            json!({ "displayName": "Zed", "emailAddresses": [{ "address": "z@x.com" }] })
        ),
        outlook_contact("Y", json!({ "displayName": "Why" })),
        with_stored_id(
            outlook_contact("X", json!({ "displayName": "Inactive" })),
            "C-OFF"
        )
    ]);
    let central = json!([{ "id": "C-OFF", "status": "inactive" }]);
    let p = plan_values(&central, &o, CLEAR);
    let ids: Vec<_> = p.orphans.iter().map(|o| o.outlook_id.as_ref()).collect();
    assert_eq!(ids, ["Z", "Y", "X"]);
    assert_eq!(p.orphans[1].email, "");
}

#[test]
fn non_actionable_record_keeps_its_linked_contact_out_of_orphans() {
    let mut c = john();
    c["lastName"] = json!("Smith (deceased)");
    let (p, w) = writes(&json!([c]), &json!([john_in_outlook("AAMk1")]), CLEAR);
    assert_eq!(p.items[0].state, State::NonActionable);
    assert_eq!(p.items[0].outlook_id.as_deref(), Some("AAMk1"));
    assert!(p.orphans.is_empty());
    assert!(w.is_empty());
}

#[test]
fn outlook_contacts_without_id_or_repeating_an_id_take_no_part() {
    let no_id =
        json!({ "displayName": "No id", "emailAddresses": [{ "address": "john@outlook.com" }] });
    let p = plan_values(
        &json!([john()]),
        &json!([no_id, john_in_outlook("A"), john_in_outlook("A")]),
        CLEAR,
    );
    assert_eq!(p.items[0].outlook_id.as_deref(), Some("A"));
    assert_eq!(p.items[0].state, State::UpToDate);
    assert!(p.orphans.is_empty());
}

#[test]
fn empty_central_value_clears_by_default() {
    let mut c = john();
    c["title"] = Value::Null;
    c["website"] = json!("  ");
    let (p, w) = writes(&json!([c]), &json!([john_in_outlook("A")]), CLEAR);
    assert_eq!(
        serde_json::to_value(&p.items[0].changes).unwrap(),
        json!([{ "field": "title", "from": "Mr", "to": "", "direction": "toOutlook" },
               { "field": "businessHomePage", "from": "https://example.org", "to": "", "direction": "toOutlook" }])
    );
    let Write::Update { body, .. } = &w[0] else {
        panic!("update")
    };
    assert_eq!(body["title"], Value::Null);
    assert_eq!(body["businessHomePage"], Value::Null);
    assert_eq!(body.as_object().unwrap().len(), 3);
}

#[test]
fn empty_central_value_is_kept_when_asked() {
    let mut c = john();
    c["title"] = Value::Null;
    c["homeAddress"]["county"] = Value::Null;
    let p = plan_values(&json!([c]), &json!([john_in_outlook("A")]), KEEP);
    assert_eq!(p.items[0].state, State::UpToDate);
}

#[test]
fn address_change_sends_the_whole_address_keeping_outlook_values_in_keep_mode() {
    let mut c = john();
    c["homeAddress"]["town"] = json!("York");
    c["homeAddress"]["county"] = Value::Null;
    let (_, w) = writes(&json!([c.clone()]), &json!([john_in_outlook("A")]), KEEP);
    let Write::Update { body, .. } = &w[0] else {
        panic!("update")
    };
    assert_eq!(
        body["homeAddress"],
        json!({ "street": "Flat 1, King's Court, 10 Long Street", "city": "York",
        "state": "West Yorkshire", "countryOrRegion": "United Kingdom", "postalCode": "LS1 4AB" })
    );
    let (p, w) = writes(&json!([c]), &json!([john_in_outlook("A")]), CLEAR);
    assert_eq!(p.items[0].changes.len(), 2);
    let Write::Update { body, .. } = &w[0] else {
        panic!("update")
    };
    assert_eq!(body["homeAddress"]["state"], Value::Null);
    assert_eq!(body["homeAddress"]["city"], "York");
}

#[test]
fn new_primary_email_goes_first_and_other_addresses_are_kept_within_three() {
    let mut o = john_in_outlook("A");
    o["emailAddresses"] = json!([{ "address": "old@x.com", "name": "J" }, { "address": "two@x.com", "name": "Two" },
                                 { "address": "three@x.com", "name": "Three" }]);
    let mut c = john();
    c["email"] = json!("Three@x.com");
    let (_, w) = writes(&json!([c]), &json!([o]), CLEAR);
    let Write::Update { body, .. } = &w[0] else {
        panic!("update")
    };
    assert_eq!(
        body["emailAddresses"],
        json!([{ "address": "Three@x.com", "name": "John Smith" },
                                              { "address": "two@x.com", "name": "Two" }])
    );
}

#[test]
fn new_business_phone_goes_first_and_others_are_kept_within_two() {
    let mut o = john_in_outlook("A");
    o["businessPhones"] = json!(["0100", "0200", "0300"]);
    let mut c = john();
    c["telephone"] = json!("0999");
    let (_, w) = writes(&json!([c]), &json!([o]), CLEAR);
    let Write::Update { body, .. } = &w[0] else {
        panic!("update")
    };
    assert_eq!(body["businessPhones"], json!(["0999", "0200"]));
}

#[test]
fn clearing_the_telephone_clears_the_business_phones() {
    let mut o = john_in_outlook("A");
    o["businessPhones"] = json!(["0100", "0200"]);
    let mut c = john();
    c["telephone"] = Value::Null;
    let (_, w) = writes(&json!([c]), &json!([o]), CLEAR);
    let Write::Update { body, .. } = &w[0] else {
        panic!("update")
    };
    assert_eq!(body["businessPhones"], json!([]));
}

#[test]
fn mobile_is_kept_as_typed() {
    let mut c = john();
    c["mobile"] = json!("+44 (0)7700-900 123");
    let (_, w) = writes(&json!([c]), &json!([]), CLEAR);
    let Write::Create { body, .. } = &w[0] else {
        panic!("create")
    };
    assert_eq!(body["mobilePhone"], "+44 (0)7700-900 123");
}

#[test]
fn display_name_edited_in_outlook_is_restored() {
    let mut o = john_in_outlook("A");
    o["displayName"] = json!("Johnny");
    let p = plan_values(&json!([john()]), &json!([o]), CLEAR);
    assert_eq!(
        serde_json::to_value(&p.items[0].changes).unwrap(),
        json!([{ "field": "displayName", "from": "Johnny", "to": "John Smith", "direction": "toOutlook" }])
    );
}

#[test]
fn items_follow_central_order_and_summary_counts_each_state() {
    let central = json!([
        contact("n1", "New", "One", "n1@x.com"),
        { "id": "off", "status": "inactive" },
        john(),
        contact("bad", "", "Two", "n2@x.com"),
        contact("n3", "New", "Three", "n3@x.com")
    ]);
    let mut changed = john_in_outlook("A");
    changed["surname"] = json!("Smyth");
    let p = plan_values(&central, &json!([changed]), CLEAR);
    let order: Vec<_> = p
        .items
        .iter()
        .map(|i| (i.central_id.as_ref(), i.state))
        .collect();
    assert_eq!(
        order,
        [
            ("n1", State::New),
            ("C-10023", State::Update),
            ("bad", State::NonActionable),
            ("n3", State::New)
        ]
    );
    assert_eq!(
        serde_json::to_value(p.summary).unwrap(),
        json!({ "new": 2, "update": 1, "upToDate": 0, "nonActionable": 1, "conflict": 0,
                "deleteInOutlook": 0, "deleteInCentral": 0, "restoreInOutlook": 0, "createInCentral": 0 })
    );
    assert_eq!(p.excluded, 1);
}

#[test]
fn plan_serializes_to_the_public_shape() {
    let p = plan_values(&json!([contact("1", "A", "B", "bad")]), &json!([]), CLEAR);
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({ "items": [{ "centralId": "1", "outlookId": null, "type": "contact", "state": "nonActionable",
                            "reasons": ["malformedEmail"], "changes": [], "linkedBy": null,
                            "account": null, "display": { "name": "A B", "email": "bad", "company": "" } }],
                "excluded": 0, "orphans": [],
                "summary": { "new": 0, "update": 0, "upToDate": 0, "nonActionable": 1, "conflict": 0,
                             "deleteInOutlook": 0, "deleteInCentral": 0, "restoreInOutlook": 0, "createInCentral": 0 } })
    );
}

/// The `display` of each item, as `(name, email, company)`.
fn displays(central: Value) -> Vec<(String, String, String)> {
    let p = plan_values(&central, &json!([john_in_outlook("A")]), CLEAR);
    p.items
        .iter()
        .map(|i| {
            let d = &i.display;
            (
                d.name().into_owned(),
                d.email.to_string(),
                d.company.to_string(),
            )
        })
        .collect()
}

fn shown(name: &str, email: &str) -> (String, String, String) {
    (name.to_owned(), email.to_owned(), String::new())
}

#[test]
fn display_shows_first_and_last_name_trimmed_and_joined_by_one_space_and_the_trimmed_email() {
    let central = json!([
        john(),
        contact("n1", "  Mary  Ann ", "\tO'Neil\u{a0}", "  mary@x.com \n"),
        contact("n2", "", "Smith", "s@x.com"),
        contact("n3", "Ann", "  ", ""),
        { "id": "n4", "status": "active", "email": "n4@x.com" },
        { "id": "n5", "status": "active", "firstName": null, "lastName": "Lee", "email": null },
        contact("n6", "Zoë", "Ørsted 😀", "zoë@x.com"),
    ]);
    assert_eq!(
        displays(central),
        [
            shown("John Smith", "john@outlook.com"),
            shown("Mary  Ann O'Neil", "mary@x.com"),
            shown("Smith", "s@x.com"),
            shown("Ann", ""),
            shown("", "n4@x.com"),
            shown("Lee", ""),
            shown("Zoë Ørsted 😀", "zoë@x.com"),
        ]
    );
}

#[test]
fn display_of_a_field_that_holds_no_text_is_empty_and_numbers_show_as_text() {
    let central = json!([
        { "id": "1", "status": "active", "firstName": { "x": 1 }, "lastName": ["Smith"],
          "email": { "a": "b@x.com" } },
        { "id": "2", "status": "active", "firstName": 7, "lastName": true, "email": 1.5 },
        { "id": "3", "status": "active", "firstName": "Deceased", "lastName": "Lee", "email": "Lee <l@x.com>" },
    ]);
    assert_eq!(
        displays(central),
        [
            shown("", ""),
            shown("7 true", "1.5"),
            shown("Deceased Lee", "Lee <l@x.com>"),
        ]
    );
}
