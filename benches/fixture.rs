//! A deterministic benchmark fixture: `n` Central contacts and `n` Outlook contacts in the
//! proportions of a mature sync — most linked by stored id and up to date, some changed, some
//! linked by email only, some new, a few inactive or non-actionable, orphans filling the folder.
//! Shared by the native bench (`benches/plan.rs`) and `examples/bench_fixture.rs`, which writes
//! the JSON files the browser bench loads ([`fixture_json`]: keys in the order Central and
//! Graph write them).

use serde_json::{json, Value};

const FIRST: &[&str] = &[
    "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Mia", "Noah", "Emily", "Leo",
    "Grace", "Arthur", "Sophia", "Muhammad", "Lily", "Thomas", "Freya", "Priya", "Siobhán",
];
const LAST: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "O'Neil",
];
const TOWNS: &[(&str, &str, &str)] = &[
    ("Leeds", "West Yorkshire", "LS1 4AB"),
    ("York", "North Yorkshire", "YO1 7HH"),
    ("Manchester", "Greater Manchester", "M1 1AE"),
    ("Bristol", "Bristol", "BS1 5TR"),
    ("Norwich", "Norfolk", "NR2 1TF"),
    ("Cardiff", "South Glamorgan", "CF10 1EP"),
];
const STREETS: &[&str] = &[
    "Long Street",
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Road",
    "Park Avenue",
];

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() as usize) % xs.len()]
    }
}

/// Central contacts and Outlook contacts (Graph JSON as read with our `$select`/`$expand`).
pub fn fixture(n: usize) -> (Vec<Value>, Vec<Value>) {
    let mut rng = Lcg(0x5eed);
    let mut central = Vec::with_capacity(n);
    let mut outlook = Vec::with_capacity(n);
    for i in 0..n {
        let first = rng.pick(FIRST);
        let last = rng.pick(LAST);
        let id = format!("C-{:06}", i + 1);
        let email = format!(
            "{}.{}{}@example.co.uk",
            first.to_lowercase(),
            last.to_lowercase().replace('\'', ""),
            i
        );
        let (town, county, postcode) = TOWNS[(rng.next() as usize) % TOWNS.len()];
        let street = rng.pick(STREETS);
        let number = rng.next() % 200 + 1;
        let roll = rng.next() % 100;
        let status = if roll < 2 { "inactive" } else { "active" };
        let last_name = if roll == 2 {
            format!("{last} (deceased)")
        } else {
            last.to_owned()
        };
        let email = if roll == 3 {
            "not an email".to_owned()
        } else {
            email
        };
        let c = json!({
            "id": id, "status": status, "title": if i % 3 == 0 { "Mrs" } else { "Mr" },
            "firstName": first, "lastName": last_name, "email": email,
            "mobile": format!("+44 7700 9{:05}", i % 100_000), "telephone": format!("+44 20 7946 {:04}", i % 10_000),
            "website": if i % 4 == 0 { Value::from("https://example.org") } else { Value::Null },
            "homeAddress": { "line1": format!("Flat {}", i % 9 + 1), "line2": format!("{number} {street}"), "line3": null,
                             "town": town, "county": county, "country": "United Kingdom", "postcode": postcode },
            "businessAddress": if i % 2 == 0 {
                json!({ "line1": "Unit 4", "line2": "Riverside Park", "line3": null, "town": town, "county": county,
                        "country": "United Kingdom", "postcode": postcode })
            } else { Value::Null },
        });
        // 70% linked by stored id (a fifth of them changed), 10% by email only, the rest new.
        let kind = rng.next() % 100;
        if kind < 80 {
            let mut o = synced(&c, i);
            if kind < 70 {
                o["singleValueExtendedProperties"] =
                    json!([{ "id": engine_property(), "value": c["id"] }]);
            }
            if kind % 5 == 0 {
                o["homeAddress"]["city"] = json!("Old Town");
                o["mobilePhone"] = json!("+44 7700 000000");
            }
            outlook.push(o);
        }
        central.push(c);
    }
    // Orphans fill the folder to n contacts.
    let mut k = 0;
    while outlook.len() < n {
        k += 1;
        outlook.push(json!({
            "@odata.etag": "W/\"EQAAABYAAAB\"", "id": format!("AAMkOrphan{k:06}"),
            "title": null, "givenName": "Former", "surname": "Client", "displayName": "Former Client",
            "mobilePhone": null, "businessHomePage": null,
            "emailAddresses": [{ "name": "Former Client", "address": format!("former{k}@example.com") }],
            "businessPhones": [], "homeAddress": {}, "businessAddress": {}
        }));
    }
    (central, outlook)
}

/// The order in which Central writes a contact's keys: that of DESIGN §2.
pub const CENTRAL_ORDER: &[&str] = &[
    "id",
    "status",
    "title",
    "firstName",
    "lastName",
    "email",
    "mobile",
    "telephone",
    "website",
    "homeAddress",
    "businessAddress",
    "line1",
    "line2",
    "line3",
    "town",
    "county",
    "country",
    "postcode",
];

/// The order in which Graph writes a contact's keys (the examples of Microsoft's `contact`
/// documentation; `@odata.etag` and `id` first, the expanded extended properties last, as
/// Graph answers a list request).
pub const GRAPH_ORDER: &[&str] = &[
    "@odata.etag",
    "id",
    "displayName",
    "givenName",
    "surname",
    "title",
    "emailAddresses",
    "name",
    "address",
    "businessHomePage",
    "mobilePhone",
    "businessPhones",
    "homeAddress",
    "businessAddress",
    "street",
    "city",
    "state",
    "countryOrRegion",
    "postalCode",
    "singleValueExtendedProperties",
    "value",
];

/// [`fixture`] as the JSON texts Central and Graph send: each object's keys in the order they
/// write them. (serde_json would write them sorted, an order neither uses, and the order
/// matters to speed: the unchanged-contact check reads the fields of a pair in the order they
/// write them, so that it walks each record's text forward.)
pub fn fixture_json(n: usize) -> (Vec<u8>, Vec<u8>) {
    let (central, outlook) = fixture(n);
    (
        to_json(&central, CENTRAL_ORDER),
        to_json(&outlook, GRAPH_ORDER),
    )
}

/// `records` as JSON text, each object's keys in the order of `order` (keys not in it last).
pub fn to_json(records: &[Value], order: &[&str]) -> Vec<u8> {
    fn write(v: &Value, order: &[&str], out: &mut Vec<u8>) {
        match v {
            Value::Object(m) => {
                let rank = |k: &str| order.iter().position(|o| *o == k).unwrap_or(order.len());
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort_by_key(|k| rank(k));
                out.push(b'{');
                for (n, k) in keys.into_iter().enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    out.extend(serde_json::to_vec(k).unwrap());
                    out.push(b':');
                    write(&m[k], order, out);
                }
                out.push(b'}');
            }
            Value::Array(a) => {
                out.push(b'[');
                for (n, x) in a.iter().enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    write(x, order, out);
                }
                out.push(b']');
            }
            _ => out.extend(serde_json::to_vec(v).unwrap()),
        }
    }
    let mut out = Vec::new();
    write(&Value::Array(records.to_vec()), order, &mut out);
    out
}

fn engine_property() -> &'static str {
    "String {3cceee99-16d4-4ae2-ad04-488106d3074b} Name CentralContactId"
}

/// The Graph contact that a sync of `c` leaves behind.
fn synced(c: &Value, i: usize) -> Value {
    let address = |a: &Value| -> Value {
        if a.is_null() {
            return json!({});
        }
        let street: Vec<&str> = ["line1", "line2", "line3"]
            .iter()
            .filter_map(|k| a[*k].as_str())
            .collect();
        json!({ "street": street.join(", "), "city": a["town"], "state": a["county"],
                "countryOrRegion": a["country"], "postalCode": a["postcode"] })
    };
    let first = c["firstName"].as_str().unwrap_or("");
    let last = c["lastName"].as_str().unwrap_or("");
    json!({
        "@odata.etag": format!("W/\"EQAAABYAAA{i}\""), "id": format!("AAMkADc{i:08}AAA="),
        "title": c["title"], "givenName": first, "surname": last, "displayName": format!("{first} {last}"),
        "mobilePhone": c["mobile"], "businessHomePage": c["website"],
        "emailAddresses": [{ "name": format!("{first} {last}"), "address": c["email"] }],
        "businessPhones": [c["telephone"]],
        "homeAddress": address(&c["homeAddress"]), "businessAddress": address(&c["businessAddress"]),
    })
}
