//! The packed plan (`src/engine/packed.rs`) against its reference reader
//! (`tests/oracle/packed_reader.rs`): every string in order, lengths in UTF-16 code units,
//! read back as `serde_json` writes the plan, and packings that do not fit are malformed.
#![cfg(not(target_arch = "wasm32"))]

mod oracle;

use std::borrow::Cow;

use central_o365_sync::engine::diff::{Change, ChangeDirection};
use central_o365_sync::engine::packed::STATES;
use central_o365_sync::engine::plan::ItemDisplay;
use central_o365_sync::engine::Kind;
use central_o365_sync::engine::{
    AccountLink, Field, LinkedBy, MatchedBy, Orphan, PackedPlan, Plan, PlanItem, Reason, State,
    Summary,
};
use oracle::packed_reader::{pack_plan, to_value, Malformed};
use serde::Serialize;

/// The table of names that heads the packing: every state, link, reason and field, as they
/// serialize.
fn names() -> Vec<String> {
    fn serialized<T: Serialize>(values: &[T]) -> impl Iterator<Item = String> + '_ {
        values.iter().map(|v| {
            serde_json::to_value(v)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
    }
    serialized(&STATES)
        .chain(serialized(&[
            LinkedBy::Id,
            LinkedBy::Email,
            LinkedBy::Ledger,
        ]))
        .chain(serialized(&Reason::ALL))
        .chain(serialized(&Field::ALL))
        .chain(serialized(&[Field::Type]))
        .chain(serialized(&ChangeDirection::ALL))
        .chain(serialized(&[MatchedBy::Exact, MatchedBy::Substring]))
        .chain(serialized(&Kind::ALL))
        .collect()
}

fn display(first: &str, last: &str, email: &str, company: &str) -> ItemDisplay<'static> {
    let own = |s: &str| Cow::Owned(s.to_owned());
    ItemDisplay {
        name_parts: [own(first), own(last)],
        email: own(email),
        company: own(company),
    }
}

/// Every state, reason, field and link kind, and strings of every kind of character.
fn rich_plan() -> Plan<'static> {
    let nasty = "q\"b\\s/\u{1}\u{8}\u{c}\n\r\t\u{1f}\u{7f}é€😀\u{2028}";
    let items = STATES
        .iter()
        .enumerate()
        .map(|(n, &state)| PlanItem {
            central_id: Cow::Owned(format!("C-{n}{nasty}")),
            outlook_id: (n % 2 == 0).then(|| Cow::Owned(format!("O-{n}"))),
            kind: Kind::ALL[n % 2],
            state,
            reasons: Reason::ALL[..(n * 2).min(Reason::ALL.len())].to_vec(),
            changes: Field::ALL
                .iter()
                .chain([Field::Type].iter())
                .skip(n)
                .enumerate()
                .map(|(k, &field)| Change {
                    field,
                    from: format!("{nasty}{n}"),
                    to: String::new(),
                    direction: ChangeDirection::ALL[(n + k) % 3],
                    overwrites_outlook_edit: (n + k) % 2 == 1,
                })
                .collect(),
            linked_by: [None, Some(LinkedBy::Id), Some(LinkedBy::Email)][n % 3],
            account: [None, Some(MatchedBy::Exact), Some(MatchedBy::Substring)][n % 3].map(
                |matched_by| AccountLink {
                    id: format!("A-{n}{nasty}"),
                    name: format!("{nasty} Ltd"),
                    matched_by,
                },
            ),
            display: display(
                ["Zoë", ""][n % 2],
                &format!("{n}{nasty}"),
                &format!("z{n}@x.com"),
                ["", nasty][n % 2],
            ),
            central_index: Some(n),
            outlook_index: None,
        })
        .collect();
    Plan {
        items,
        excluded: 7,
        orphans: vec![Orphan {
            outlook_id: Cow::Borrowed("O-9"),
            email: Cow::Borrowed(nasty),
            display_name: Cow::Borrowed(""),
        }],
        summary: Summary {
            new: 1,
            update: 2,
            up_to_date: 3,
            non_actionable: 4,
            conflict: 5,
            delete_in_outlook: 6,
            delete_in_central: 7,
            restore_in_outlook: 8,
            create_in_central: 9,
        },
        options: Default::default(),
        display_copies: Default::default(),
    }
}

#[test]
fn packs_every_string_in_order_and_counts_utf16_code_units() {
    let plan = Plan {
        items: vec![
            PlanItem {
                central_id: Cow::Borrowed("C-é😀"),
                outlook_id: None,
                kind: Kind::Individual,
                state: State::Update,
                reasons: vec![Reason::MissingEmail, Reason::DuplicateOutlookId],
                changes: vec![Change {
                    field: Field::Surname,
                    from: "Lée".into(),
                    to: String::new(),
                    direction: ChangeDirection::ToCentral,
                    overwrites_outlook_edit: false,
                }],
                linked_by: Some(LinkedBy::Email),
                account: None,
                display: display("Zoë", "Lée", "zoe@x.com", ""),
                central_index: Some(0),
                outlook_index: None,
            },
            PlanItem {
                central_id: Cow::Borrowed("C-2"),
                outlook_id: Some(Cow::Borrowed("Ø")),
                kind: Kind::Contact,
                state: State::UpToDate,
                reasons: vec![],
                changes: vec![],
                linked_by: Some(LinkedBy::Id),
                account: Some(AccountLink {
                    id: "A-1".into(),
                    name: "Acme".into(),
                    matched_by: MatchedBy::Substring,
                }),
                display: display("", "Ann Lee", "", "Acme"),
                central_index: Some(1),
                outlook_index: Some(0),
            },
        ],
        excluded: 2,
        orphans: vec![Orphan {
            outlook_id: Cow::Borrowed("O-1"),
            email: Cow::Borrowed(""),
            display_name: Cow::Borrowed("€"),
        }],
        summary: Summary {
            new: 3,
            update: 4,
            up_to_date: 5,
            non_actionable: 6,
            conflict: 7,
            delete_in_outlook: 8,
            delete_in_central: 9,
            restore_in_outlook: 10,
            create_in_central: 11,
        },
        options: Default::default(),
        display_copies: Default::default(),
    };
    let packed = pack_plan(&plan);
    let names = names();
    assert_eq!(names.len(), 55);
    let mut words = vec![55];
    words.extend(names.iter().map(|n| n.len() as u32 * 2));
    words.extend([2, 2, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // "C-é😀": 5 units, wide; no Outlook id; update; individual (name 53); "email" + 1; two
    // reasons; one change: surname (name 29), toCentral (name 48) times two, "Lée" (wide), "";
    // display "Zoë Lée" (wide), "zoe@x.com", ""; no account.
    words.extend([11, 0, 1, 53, 11, 2, 13, 20, 1, 29, 96, 7, 0, 15, 18, 0, 0]);
    // "C-2"; "Ø" (wide) + 1; upToDate; contact (name 52); "id" + 1; no reasons, no changes;
    // display "Ann Lee", "", "Acme"; account "substring" (name 51) + 1, "A-1", "Acme".
    words.extend([6, 4, 2, 52, 10, 0, 0, 14, 0, 8, 52, 6, 8]);
    words.extend([6, 0, 3]);
    assert_eq!(packed.words, words);
    assert_eq!(
        packed.ascii,
        names.concat() + "zoe@x.comC-2Ann LeeAcmeA-1AcmeO-1"
    );
    assert_eq!(packed.wide, "C-é😀LéeZoë LéeØ€");
    assert_eq!(to_value(&packed), Ok(serde_json::to_value(&plan).unwrap()));
}

#[test]
fn reads_back_as_serde_json_writes_the_plan() {
    let mut plan = rich_plan();
    for (n, state) in STATES.into_iter().enumerate() {
        for linked_by in [None, Some(LinkedBy::Id), Some(LinkedBy::Email)] {
            plan.items.push(PlanItem {
                central_id: Cow::Owned(format!("C-plain-{n}")),
                outlook_id: linked_by.map(|_| Cow::Borrowed("O-plain")),
                kind: Kind::Contact,
                state,
                reasons: vec![],
                changes: vec![],
                linked_by,
                account: None,
                display: ItemDisplay::default(),
                central_index: Some(n),
                outlook_index: None,
            });
        }
    }
    let packed = pack_plan(&plan);
    assert!(packed.wide.contains("é€😀\u{2028}"));
    assert!(packed.ascii.contains("C-plain-4O-plain"));
    assert_eq!(to_value(&packed), Ok(serde_json::to_value(&plan).unwrap()));
    let empty = Plan {
        items: vec![],
        orphans: vec![],
        ..plan
    };
    assert_eq!(
        to_value(&pack_plan(&empty)),
        Ok(serde_json::to_value(&empty).unwrap())
    );
}

#[test]
fn words_or_text_that_do_not_fit_are_malformed() {
    let packed = pack_plan(&rich_plan());
    let mut short = packed.clone();
    short.words.pop();
    assert_eq!(to_value(&short), Err(Malformed));
    fn ascii(p: &mut PackedPlan) -> &mut String {
        &mut p.ascii
    }
    fn wide(p: &mut PackedPlan) -> &mut String {
        &mut p.wide
    }
    for text in [ascii, wide] {
        let mut long = packed.clone();
        text(&mut long).push('x');
        assert_eq!(to_value(&long), Err(Malformed));
        let mut cut = packed.clone();
        text(&mut cut).pop();
        assert_eq!(to_value(&cut), Err(Malformed));
    }
    let mut bad_name = packed;
    let state_at = bad_name.words[0] as usize + 1 + 12 + 2;
    bad_name.words[state_at] = 55;
    assert_eq!(to_value(&bad_name), Err(Malformed));
}

#[test]
fn the_copies_made_as_the_records_are_read_pack_as_the_items_display() {
    let central = serde_json::json!([
        { "id": "C-1", "status": "active", "firstName": " Zoë ", "lastName": "Ørsted 😀", "email": " z@x.com " },
        { "id": "C-2", "status": "inactive", "firstName": "Gone", "lastName": "Away", "email": "g@x.com" },
        { "id": "C-3", "status": "active", "firstName": "", "lastName": "Lee", "email": { "a": 1 } },
        { "id": "C-4", "status": "active", "firstName": ["x"], "lastName": null, "email": 7 },
        { "id": "C-5", "status": "active", "firstName": "Ann", "email": "ann@x.com" },
    ]);
    let outlook =
        serde_json::json!([{ "id": "O-1", "emailAddresses": [{ "address": "z@x.com" }] }]);
    let (c, o) = (central.to_string(), outlook.to_string());
    let plan = central_o365_sync::engine::plan_json(c.as_bytes(), o.as_bytes(), Default::default())
        .unwrap();
    assert_eq!(
        plan.display_copies.get(0),
        Some(("Zoë Ørsted 😀", "z@x.com"))
    );
    assert_eq!(plan.display_copies.get(3), Some(("Ann", "ann@x.com")));
    assert_eq!(plan.display_copies.get(4), None);
    let keys = central_o365_sync::engine::link::Keys::default();
    let packed = central_o365_sync::engine::packed::pack_plan_with_ids(&plan, &keys, &keys);
    assert_eq!(packed, pack_plan(&plan));
    let names: Vec<_> = to_value(&packed).unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["display"].clone())
        .collect();
    assert_eq!(
        serde_json::Value::Array(names),
        serde_json::json!([
            { "name": "Zoë Ørsted 😀", "email": "z@x.com", "company": "" },
            { "name": "Lee", "email": "", "company": "" },
            { "name": "", "email": "7", "company": "" },
            { "name": "Ann", "email": "ann@x.com", "company": "" },
        ])
    );
}
