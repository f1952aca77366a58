//! Deletions both ways (DESIGN §4 "Deletions…"), one test per rule, through the engine's
//! public API: Central's records, the folder's contacts and the ledger in; the plan's items,
//! orphans and writes out.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use central_o365_sync::engine::deletions::{Deletions, ReadOnly};
use central_o365_sync::engine::plan::plan_with;
use central_o365_sync::engine::{
    parse_central, parse_outlook, Bases, Conflicts, PlanOptions, Reason, State, SyncDirection,
    Write,
};
use common::{outlook_contact, with_stored_id};
use serde_json::{json, Value};

const TWO_WAY: PlanOptions = PlanOptions {
    direction: SyncDirection::TwoWay,
    ..PlanOptions::DEFAULT
};

fn ann(status: &str) -> Value {
    json!({ "id": "C-1", "status": status, "version": "7", "firstName": "Ann",
            "lastName": "Lee", "email": "ann@x.com" })
}

/// Bob, whom the ledger does not know of and who is in Outlook already.
fn bob() -> Value {
    json!({ "id": "C-2", "status": "active", "version": "3", "firstName": "Bob",
            "lastName": "Ray", "email": "bob@x.com" })
}

fn bob_in_outlook() -> Value {
    with_stored_id(
        outlook_contact(
            "O-2",
            json!({ "givenName": "Bob", "surname": "Ray", "displayName": "Bob Ray",
                    "emailAddresses": [{"address": "bob@x.com"}] }),
        ),
        "C-2",
    )
}

fn ann_in_outlook() -> Value {
    with_stored_id(
        outlook_contact(
            "O-1",
            json!({ "givenName": "Ann", "surname": "Lee", "displayName": "Ann Lee",
                    "emailAddresses": [{"address": "ann@x.com"}] }),
        ),
        "C-1",
    )
}

/// The ledger after the last sync: Ann agreed on, as O-1.
fn ledger() -> Value {
    let base = json!({ "title": "", "givenName": "Ann", "surname": "Lee", "mobilePhone": "",
        "email": "ann@x.com", "businessPhone": "", "businessHomePage": "", "companyName": "",
        "homeAddress.street": "", "homeAddress.city": "", "homeAddress.state": "",
        "homeAddress.countryOrRegion": "", "homeAddress.postalCode": "",
        "businessAddress.street": "", "businessAddress.city": "", "businessAddress.state": "",
        "businessAddress.countryOrRegion": "", "businessAddress.postalCode": "" });
    json!({ "schema": 1, "entries": [
        { "centralId": "C-1", "kind": "contact", "outlookId": "O-1", "base": base } ] })
}

struct Planned {
    /// (centralId, outlookId, state, reasons) of every item, in order.
    items: Vec<(String, Option<String>, State, Vec<Reason>)>,
    orphans: Vec<String>,
    /// The Graph write and the Central deletion of the item for C-1, if any.
    write: Option<Write>,
    delete_central: Option<(String, String, String)>,
}

fn plan(
    central: Vec<Value>,
    outlook: Vec<Value>,
    ledger: Option<Value>,
    o: PlanOptions,
) -> Planned {
    let c = serde_json::to_vec(&central).unwrap();
    let ol = serde_json::to_vec(&outlook).unwrap();
    let (cs, os) = (parse_central(&c).unwrap(), parse_outlook(&ol).unwrap());
    let bases = ledger.as_ref().map(|l| Bases::read(l.as_object().unwrap()));
    let p = plan_with(&cs, &os, o, bases.as_ref());
    let again = plan_with(&cs, &os, o, bases.as_ref());
    assert_eq!(p, again, "a plan is deterministic");
    let counted =
        p.summary.delete_in_outlook + p.summary.delete_in_central + p.summary.restore_in_outlook;
    let listed = p
        .items
        .iter()
        .filter(|i| {
            matches!(
                i.state,
                State::DeleteInOutlook | State::DeleteInCentral | State::RestoreInOutlook
            )
        })
        .count();
    assert_eq!(counted, listed, "the summary counts the deletion states");
    let ann = p.items.iter().find(|i| i.central_id == "C-1");
    let writes = ann
        .map(|i| p.writes_for(i, &i.changes, None, &cs, &os))
        .unwrap_or_default();
    Planned {
        items: p
            .items
            .iter()
            .map(|i| {
                (
                    i.central_id.to_string(),
                    i.outlook_id.as_ref().map(|s| s.to_string()),
                    i.state,
                    i.reasons.clone(),
                )
            })
            .collect(),
        orphans: p.orphans.iter().map(|o| o.outlook_id.to_string()).collect(),
        write: writes.graph,
        delete_central: writes
            .delete_central
            .map(|d| (d.central_id, d.version, d.outlook_id)),
    }
}

fn ann_item(p: &Planned) -> (State, Vec<Reason>) {
    let (_, _, state, reasons) = p
        .items
        .iter()
        .find(|i| i.0 == "C-1")
        .expect("an item for C-1");
    (*state, reasons.clone())
}

fn edited(mut o: Value, field: &str, value: &str) -> Value {
    o[field] = json!(value);
    o
}

#[test]
fn a_record_no_longer_active_in_central_deletes_its_outlook_copy() {
    let p = plan(
        vec![ann("inactive"), bob()],
        vec![ann_in_outlook(), bob_in_outlook()],
        Some(ledger()),
        TWO_WAY,
    );
    assert_eq!(
        p.items.last().unwrap(),
        &(
            "C-1".to_string(),
            Some("O-1".to_string()),
            State::DeleteInOutlook,
            vec![]
        )
    );
    assert!(p.orphans.is_empty(), "the copy is an item, not an orphan");
    match p.write {
        Some(Write::Delete(d)) => {
            assert_eq!(
                (d.central_id.as_str(), d.outlook_id.as_str()),
                ("C-1", "O-1")
            );
            assert!(
                !d.etag.is_empty(),
                "the delete is conditional on the contact as planned"
            );
        }
        other => panic!("expected a delete, got {other:?}"),
    }
}

#[test]
fn a_record_gone_from_central_deletes_its_outlook_copy() {
    let p = plan(
        vec![bob()],
        vec![ann_in_outlook(), bob_in_outlook()],
        Some(ledger()),
        TWO_WAY,
    );
    assert_eq!(ann_item(&p), (State::DeleteInOutlook, vec![]));
}

#[test]
fn deletions_off_leave_the_copy_of_a_record_gone_from_central_an_orphan() {
    let off = PlanOptions {
        deletions: Some(Deletions::Off),
        ..TWO_WAY
    };
    let p = plan(
        vec![ann("inactive")],
        vec![ann_in_outlook()],
        Some(ledger()),
        off,
    );
    assert!(p.items.is_empty());
    assert_eq!(p.orphans, ["O-1"]);
    // toOutlook's default is off too.
    let p = plan(
        vec![ann("inactive")],
        vec![ann_in_outlook()],
        Some(ledger()),
        PlanOptions::DEFAULT,
    );
    assert_eq!(p.orphans, ["O-1"]);
}

#[test]
fn to_outlook_with_propagate_deletes_outlook_copies_only() {
    let o = PlanOptions {
        deletions: Some(Deletions::Propagate),
        ..PlanOptions::DEFAULT
    };
    let p = plan(
        vec![ann("inactive")],
        vec![ann_in_outlook()],
        Some(ledger()),
        o,
    );
    assert_eq!(ann_item(&p), (State::DeleteInOutlook, vec![]));
    // An Outlook contact deleted is simply new in toOutlook: Central is never deleted.
    let p = plan(vec![ann("active")], vec![], Some(ledger()), o);
    assert_eq!(ann_item(&p), (State::New, vec![]));
}

#[test]
fn an_outlook_contact_deleted_deletes_the_central_record_two_way() {
    let p = plan(
        vec![ann("active"), bob()],
        vec![bob_in_outlook()],
        Some(ledger()),
        TWO_WAY,
    );
    assert_eq!(
        p.items[0],
        (
            "C-1".to_string(),
            Some("O-1".to_string()),
            State::DeleteInCentral,
            vec![]
        )
    );
    assert_eq!(
        p.delete_central,
        Some(("C-1".into(), "7".into(), "O-1".into()))
    );
    assert!(p.write.is_none(), "nothing is written to Outlook");
}

#[test]
fn without_a_ledger_nothing_is_deleted() {
    let p = plan(vec![ann("active")], vec![], None, TWO_WAY);
    assert_eq!(ann_item(&p), (State::New, vec![]));
    let p = plan(vec![ann("inactive")], vec![ann_in_outlook()], None, TWO_WAY);
    assert_eq!(p.orphans, ["O-1"]);
}

#[test]
fn a_read_only_type_restores_instead_of_deleting() {
    let o = PlanOptions {
        read_only: ReadOnly {
            contact: true,
            ..ReadOnly::default()
        },
        ..TWO_WAY
    };
    let p = plan(vec![ann("active")], vec![], Some(ledger()), o);
    assert_eq!(ann_item(&p), (State::RestoreInOutlook, vec![]));
    assert!(
        matches!(p.write, Some(Write::Create { .. })),
        "created again: {:?}",
        p.write
    );
    assert!(p.delete_central.is_none());
    // Another type's read-only setting does not cover a contact.
    let o = PlanOptions {
        read_only: ReadOnly {
            individual: true,
            ..ReadOnly::default()
        },
        ..TWO_WAY
    };
    assert_eq!(
        ann_item(&plan(vec![ann("active")], vec![], Some(ledger()), o)).0,
        State::DeleteInCentral
    );
}

#[test]
fn a_deletion_in_central_never_overrides_an_outlook_edit_since_the_base() {
    let o = vec![edited(ann_in_outlook(), "mobilePhone", "0799")];
    let p = plan(vec![ann("inactive")], o.clone(), Some(ledger()), TWO_WAY);
    assert_eq!(
        ann_item(&p),
        (State::Conflict, vec![Reason::DeletedButEdited])
    );
    assert!(p.write.is_none(), "nothing of a conflict is written");
    // Central's side decides: its deletion.
    let central = PlanOptions {
        conflicts: Conflicts::Central,
        ..TWO_WAY
    };
    assert_eq!(
        ann_item(&plan(
            vec![ann("inactive")],
            o.clone(),
            Some(ledger()),
            central
        ))
        .0,
        State::DeleteInOutlook
    );
    // Outlook's side would restore the record in Central, which is not built: still asked.
    let outlook = PlanOptions {
        conflicts: Conflicts::Outlook,
        ..TWO_WAY
    };
    assert_eq!(
        ann_item(&plan(vec![ann("inactive")], o, Some(ledger()), outlook)).1,
        vec![Reason::DeletedButEdited]
    );
}

#[test]
fn a_deletion_in_outlook_never_overrides_a_central_edit_since_the_base() {
    let mut edited_ann = ann("active");
    edited_ann["mobile"] = json!("0711");
    let p = plan(vec![edited_ann.clone()], vec![], Some(ledger()), TWO_WAY);
    assert_eq!(
        ann_item(&p),
        (State::Conflict, vec![Reason::DeletedButEdited])
    );
    assert!(p.write.is_none() && p.delete_central.is_none());
    let central = PlanOptions {
        conflicts: Conflicts::Central,
        ..TWO_WAY
    };
    assert_eq!(
        ann_item(&plan(
            vec![edited_ann.clone()],
            vec![],
            Some(ledger()),
            central
        ))
        .0,
        State::RestoreInOutlook
    );
    let outlook = PlanOptions {
        conflicts: Conflicts::Outlook,
        ..TWO_WAY
    };
    assert_eq!(
        ann_item(&plan(vec![edited_ann], vec![], Some(ledger()), outlook)).0,
        State::DeleteInCentral
    );
}

#[test]
fn a_field_the_base_does_not_know_counts_as_an_edit() {
    let mut ledger = ledger();
    ledger["entries"][0]["base"]
        .as_object_mut()
        .unwrap()
        .remove("givenName");
    let p = plan(
        vec![ann("inactive")],
        vec![ann_in_outlook()],
        Some(ledger),
        TWO_WAY,
    );
    assert_eq!(
        ann_item(&p),
        (State::Conflict, vec![Reason::DeletedButEdited])
    );
}

#[test]
fn a_contact_the_user_created_in_outlook_is_never_deleted() {
    // Made in Outlook: no ledger entry names it, whether or not it carries some Central id.
    let own = outlook_contact(
        "O-9",
        json!({ "givenName": "Cy", "surname": "Po",
        "emailAddresses": [{"address": "cy@x.com"}] }),
    );
    let pasted = with_stored_id(own.clone(), "C-1");
    for (o, made_in_outlook) in [(own, true), (pasted, false)] {
        let p = plan(
            vec![bob()],
            vec![o, bob_in_outlook()],
            Some(ledger()),
            TWO_WAY,
        );
        assert!(
            p.items.iter().all(|i| i.2 != State::DeleteInOutlook),
            "{:?}",
            p.items
        );
        // Two-way, one without an id is created in Central; one with an id Central and the
        // ledger do not know of stays an orphan.
        if made_in_outlook {
            assert!(p.orphans.is_empty());
            assert_eq!(
                p.items.last().unwrap(),
                &(
                    String::new(),
                    Some("O-9".into()),
                    State::CreateInCentral,
                    vec![]
                )
            );
        } else {
            assert_eq!(p.orphans, ["O-9"]);
        }
    }
}

#[test]
fn an_active_record_that_is_not_actionable_keeps_its_outlook_copy() {
    let mut deceased = ann("active");
    deceased["lastName"] = json!("Lee (deceased)");
    let p = plan(
        vec![deceased],
        vec![ann_in_outlook()],
        Some(ledger()),
        TWO_WAY,
    );
    assert_eq!(ann_item(&p), (State::NonActionable, vec![Reason::Deceased]));
    assert!(p.items.iter().all(|i| i.2 != State::DeleteInOutlook));
}

#[test]
fn a_record_whose_outlook_contact_is_still_in_the_folder_is_not_deleted() {
    // The contact lost its stored id but is still there (the ledger names it): linked by
    // email, never a deletion.
    let mut o = ann_in_outlook();
    o.as_object_mut()
        .unwrap()
        .remove("singleValueExtendedProperties");
    let p = plan(vec![ann("active")], vec![o], Some(ledger()), TWO_WAY);
    assert_eq!(ann_item(&p).0, State::UpToDate);
}

#[test]
fn a_copy_linked_by_email_and_never_written_is_found_by_the_ledger_entry_that_names_it() {
    // Linked by email at the last sync and up to date then, so it never got the stored id.
    let mut o = ann_in_outlook();
    o.as_object_mut()
        .unwrap()
        .remove("singleValueExtendedProperties");
    let c = serde_json::to_vec(&vec![ann("inactive")]).unwrap();
    let ol = serde_json::to_vec(&vec![o]).unwrap();
    let (cs, os) = (parse_central(&c).unwrap(), parse_outlook(&ol).unwrap());
    let ledger = ledger();
    let bases = Bases::read(ledger.as_object().unwrap());
    let p = plan_with(&cs, &os, TWO_WAY, Some(&bases));
    let item = &p.items[0];
    assert_eq!(
        (item.central_id.as_ref(), item.state),
        ("C-1", State::DeleteInOutlook)
    );
    assert_eq!(
        item.linked_by,
        Some(central_o365_sync::engine::LinkedBy::Ledger)
    );
    assert!(p.orphans.is_empty());
}

/// Ann in Outlook as `id`, created at `created`.
fn ann_copy(id: &str, created: &str) -> Value {
    let mut o = ann_in_outlook();
    o["id"] = json!(id);
    o["createdDateTime"] = json!(created);
    o
}

#[test]
fn an_extra_copy_equal_to_the_one_the_ledger_names_is_offered_for_deletion() {
    // O-1 (named by the ledger) was created after its copy: the ledger decides, not the time.
    let p = plan(
        vec![ann("active")],
        vec![
            ann_copy("O-9", "2026-01-01T00:00:00Z"),
            ann_copy("O-1", "2026-02-01T00:00:00Z"),
        ],
        Some(ledger()),
        PlanOptions {
            deletions: Some(Deletions::Off),
            ..TWO_WAY
        },
    );
    assert_eq!(
        p.items,
        vec![
            ("C-1".into(), Some("O-1".into()), State::UpToDate, vec![]),
            (
                "C-1".into(),
                Some("O-9".into()),
                State::DeleteInOutlook,
                vec![Reason::DuplicateCopy]
            ),
        ],
        "whatever `deletions` says"
    );
    assert!(p.orphans.is_empty());
}

#[test]
fn without_a_ledger_the_earliest_created_copy_is_kept() {
    let mut later = ann_copy("O-5", "2026-03-01T10:00:00Z");
    later["mobilePhone"] = json!("  ");
    let p = plan(
        vec![ann("active")],
        vec![
            later,
            ann_copy("O-7", "2026-03-01T09:59:59Z"),
            ann_copy("O-6", ""),
        ],
        None,
        PlanOptions::DEFAULT,
    );
    assert_eq!(
        p.items,
        vec![
            ("C-1".into(), Some("O-7".into()), State::UpToDate, vec![]),
            (
                "C-1".into(),
                Some("O-5".into()),
                State::DeleteInOutlook,
                vec![Reason::DuplicateCopy]
            ),
            (
                "C-1".into(),
                Some("O-6".into()),
                State::DeleteInOutlook,
                vec![Reason::DuplicateCopy]
            ),
        ],
        "a blank value equals an empty one; a copy without a creation time is not kept"
    );
}

#[test]
fn a_copy_that_differs_stays_a_conflict_and_the_equal_ones_are_still_offered() {
    let edited_copy = edited(
        ann_copy("O-8", "2026-01-03T00:00:00Z"),
        "mobilePhone",
        "555",
    );
    let p = plan(
        vec![ann("active")],
        vec![
            ann_copy("O-1", "2026-01-01T00:00:00Z"),
            ann_copy("O-2", "2026-01-02T00:00:00Z"),
            edited_copy,
        ],
        Some(ledger()),
        TWO_WAY,
    );
    assert_eq!(
        p.items,
        vec![
            (
                "C-1".into(),
                None,
                State::Conflict,
                vec![Reason::DuplicateOutlookId]
            ),
            (
                "C-1".into(),
                Some("O-2".into()),
                State::DeleteInOutlook,
                vec![Reason::DuplicateCopy]
            ),
        ],
        "a user's copy-paste, then edited, is never deleted"
    );
}

#[test]
fn a_copy_is_deleted_on_if_match_of_its_own_etag() {
    let mut copy = ann_copy("O-3", "2026-05-01T00:00:00Z");
    copy["@odata.etag"] = json!("W/\"copy\"");
    let c = serde_json::to_vec(&vec![ann("active")]).unwrap();
    let ol = serde_json::to_vec(&vec![ann_copy("O-1", "2026-01-01T00:00:00Z"), copy]).unwrap();
    let (cs, os) = (parse_central(&c).unwrap(), parse_outlook(&ol).unwrap());
    let p = plan_with(&cs, &os, PlanOptions::DEFAULT, None);
    let item = &p.items[1];
    assert_eq!(p.summary.delete_in_outlook, 1);
    match p.writes_for(item, &item.changes, None, &cs, &os).graph {
        Some(Write::Delete(d)) => {
            assert_eq!(
                (
                    d.central_id.as_str(),
                    d.outlook_id.as_str(),
                    d.etag.as_str()
                ),
                ("C-1", "O-3", "W/\"copy\"")
            )
        }
        other => panic!("expected the copy's deletion, got {other:?}"),
    }
}

#[test]
fn copies_of_a_record_that_is_never_synced_are_left_alone() {
    let mut dead = ann("active");
    dead["lastName"] = json!("Lee (deceased)");
    let p = plan(
        vec![dead],
        vec![
            ann_copy("O-1", "2026-01-01T00:00:00Z"),
            ann_copy("O-2", "2026-01-02T00:00:00Z"),
        ],
        Some(ledger()),
        TWO_WAY,
    );
    assert_eq!(
        p.items,
        vec![(
            "C-1".into(),
            None,
            State::NonActionable,
            vec![Reason::Deceased]
        )]
    );
}
