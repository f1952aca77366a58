//! Deterministic demo data: Central contacts (UK names and addresses) covering every state and
//! reason of DESIGN §3–4, and the Outlook side of user `demo@contoso.example`. Same size, same
//! data, always: a seeded PRNG and no clock.

use crate::rng::SplitMix64;
use serde_json::{json, Map, Value};

pub const DEMO_USER: &str = "demo@contoso.example";
pub const SHARED_MAILBOX: &str = "office@contoso.example";
pub const SYNC_FOLDER: &str = "Central Contacts";
pub const DEFAULT_SIZE: usize = 300;
pub const CENTRAL_ID_PROPERTY: &str =
    "String {3cceee99-16d4-4ae2-ad04-488106d3074b} Name CentralContactId";

/// An Outlook contact to seed: mailbox, folder name, Graph contact JSON, stored Central id.
#[derive(Debug, Clone)]
pub struct OutlookSeed {
    pub user: &'static str,
    pub folder: &'static str,
    pub contact: Value,
    pub central_id: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct DemoData {
    pub central: Vec<Value>,
    /// Central's accounts: two of one exact name created at different dates, names of which
    /// a typed company is a substring of one or of several, and one no longer active.
    pub accounts: Vec<Value>,
    pub outlook: Vec<OutlookSeed>,
}

const FIRST: &[&str] = &[
    "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Mia", "Charlie", "Grace",
    "Thomas", "Sophie", "James", "Emily", "William", "Poppy", "Alfie", "Freya", "Henry", "Evie",
    "Rhys", "Seren", "Callum", "Eilidh", "Siobhan", "Niamh", "Aled", "Cerys", "Hamish", "Morag",
    "Priya", "Arjun", "Fatima", "Mohammed", "Chloe", "Daniel", "Hannah", "Samuel", "Lucy", "Ewan",
];
const LAST: &[&str] = &[
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Hughes",
    "Edwards",
    "Lewis",
    "Morgan",
    "O'Brien",
    "O'Neill",
    "MacDonald",
    "Campbell",
    "Stewart",
    "Fraser",
    "Ahmed",
    "Singh",
    "Cooper",
    "Ward",
    "Harris-Jones",
    "Baker",
    "Turner",
    "Price",
];
const TITLES: &[&str] = &["Mr", "Mrs", "Ms", "Miss", "Dr", "Mr", "Ms", "Mrs"];
const STREETS: &[&str] = &[
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Green Lane",
    "Manor Road",
    "Park Avenue",
    "Queen Street",
    "Mill Lane",
    "King's Road",
    "The Crescent",
    "Albert Terrace",
    "Castle Street",
    "Newport Road",
    "Bridge Street",
    "Orchard Close",
    "Grange Road",
    "St John's Walk",
];
const BUILDINGS: &[&str] = &[
    "Rose Cottage",
    "King's Court",
    "Oak House",
    "The Old Rectory",
    "Riverside Apartments",
    "Harbour View",
];
/// (town, county, postcode area, landline prefix)
const TOWNS: &[(&str, &str, &str, &str)] = &[
    ("Leeds", "West Yorkshire", "LS", "+44 113 496 0"),
    ("Manchester", "Greater Manchester", "M", "+44 161 496 0"),
    ("London", "Greater London", "SW", "+44 20 7946 0"),
    ("London", "Greater London", "N", "+44 20 7946 0"),
    ("Bristol", "Bristol", "BS", "+44 117 496 0"),
    ("Birmingham", "West Midlands", "B", "+44 121 496 0"),
    ("Cardiff", "South Glamorgan", "CF", "+44 29 2018 0"),
    ("Edinburgh", "Midlothian", "EH", "+44 131 496 0"),
    ("Glasgow", "Lanarkshire", "G", "+44 141 496 0"),
    (
        "Newcastle upon Tyne",
        "Tyne and Wear",
        "NE",
        "+44 191 498 0",
    ),
    ("Sheffield", "South Yorkshire", "S", "+44 114 496 0"),
    ("Norwich", "Norfolk", "NR", "+44 1632 960"),
    ("York", "North Yorkshire", "YO", "+44 1632 960"),
    ("Bath", "Somerset", "BA", "+44 1632 960"),
    ("Belfast", "County Antrim", "BT", "+44 28 9649 6"),
];
const DOMAINS: &[&str] = &[
    "example.co.uk",
    "example.com",
    "example.org",
    "mail.example.net",
    "example.org.uk",
];
const POST_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

fn address(rng: &mut SplitMix64, with_building: bool) -> (Value, &'static str) {
    let (town, county, area, phone) = *rng.pick(TOWNS);
    let number = 1 + rng.below(180);
    let street = rng.pick(STREETS);
    let (line1, line2) = if with_building {
        (
            Value::String(format!("Flat {}", 1 + rng.below(24))),
            Value::String(rng.pick(BUILDINGS).to_string()),
        )
    } else {
        (Value::String(format!("{number} {street}")), Value::Null)
    };
    let line3 = if with_building {
        Value::String(format!("{number} {street}"))
    } else {
        Value::Null
    };
    let postcode = format!(
        "{area}{} {}{}{}",
        1 + rng.below(20),
        rng.below(10),
        *rng.pick(POST_LETTERS) as char,
        *rng.pick(POST_LETTERS) as char
    );
    (
        json!({"line1": line1, "line2": line2, "line3": line3, "town": town,
               "county": county, "country": "United Kingdom", "postcode": postcode}),
        phone,
    )
}

fn email_local(s: &str) -> String {
    s.to_lowercase().replace([' ', '-'], "")
}

/// A realistic, valid, active Central contact with a unique email.
fn person(rng: &mut SplitMix64, n: usize) -> Map<String, Value> {
    let first = *rng.pick(FIRST);
    let last = *rng.pick(LAST);
    let building = rng.below(4) == 0;
    let (home, phone) = address(rng, building);
    let mut m = Map::new();
    m.insert("id".into(), json!(format!("C-{}", 10_000 + n)));
    m.insert("status".into(), json!("active"));
    m.insert("title".into(), json!(rng.pick(TITLES)));
    m.insert("firstName".into(), json!(first));
    m.insert("lastName".into(), json!(last));
    m.insert(
        "email".into(),
        json!(format!(
            "{}.{}{}@{}",
            email_local(first),
            email_local(last),
            n,
            rng.pick(DOMAINS)
        )),
    );
    m.insert(
        "mobile".into(),
        json!(format!("+44 7700 900{:03}", rng.below(1000))),
    );
    m.insert(
        "telephone".into(),
        if rng.below(3) == 0 {
            Value::Null
        } else {
            json!(format!("{phone}{:03}", rng.below(1000)))
        },
    );
    m.insert(
        "website".into(),
        if rng.below(5) == 0 {
            json!(format!(
                "https://www.{}{}.example.co.uk",
                email_local(last),
                n
            ))
        } else {
            Value::Null
        },
    );
    m.insert("homeAddress".into(), home);
    if rng.below(3) == 0 {
        let (business, _) = address(rng, true);
        m.insert("businessAddress".into(), business);
    } else {
        m.insert("businessAddress".into(), Value::Null);
    }
    m
}

fn text(c: &Value, key: &str) -> Option<String> {
    c.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn map_address(a: Option<&Value>) -> Value {
    let Some(a) = a.filter(|a| a.is_object()) else {
        return json!({});
    };
    let street: Vec<String> = ["line1", "line2", "line3"]
        .iter()
        .filter_map(|k| text(a, k))
        .collect();
    let mut m = Map::new();
    if !street.is_empty() {
        m.insert("street".into(), json!(street.join(", ")));
    }
    for (from, to) in [
        ("town", "city"),
        ("county", "state"),
        ("country", "countryOrRegion"),
        ("postcode", "postalCode"),
    ] {
        if let Some(v) = text(a, from) {
            m.insert(to.into(), json!(v));
        }
    }
    Value::Object(m)
}

/// The Graph contact DESIGN §5 maps a Central contact to (what an up-to-date Outlook contact
/// holds).
pub fn map_to_graph(c: &Value) -> Value {
    let first = text(c, "firstName");
    let last = text(c, "lastName");
    let display = [first.clone(), last.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let email = text(c, "email");
    json!({
        "title": text(c, "title"),
        "givenName": first,
        "surname": last,
        "displayName": display,
        "mobilePhone": text(c, "mobile"),
        "emailAddresses": email.map(|e| vec![json!({"address": e, "name": display})]).unwrap_or_default(),
        "businessPhones": text(c, "telephone").map(|t| vec![t]).unwrap_or_default(),
        "businessHomePage": text(c, "website"),
        "homeAddress": map_address(c.get("homeAddress")),
        "businessAddress": map_address(c.get("businessAddress")),
    })
}

struct Builder {
    rng: SplitMix64,
    data: DemoData,
    n: usize,
}

impl Builder {
    fn next_person(&mut self) -> Map<String, Value> {
        self.n += 1;
        person(&mut self.rng, self.n)
    }

    fn central(&mut self, m: Map<String, Value>) -> Value {
        let v = Value::Object(m);
        self.data.central.push(v.clone());
        v
    }

    fn outlook(&mut self, contact: Value, central_id: Option<&str>) {
        self.outlook_in(SYNC_FOLDER, contact, central_id);
    }

    fn outlook_in(&mut self, folder: &'static str, contact: Value, central_id: Option<&str>) {
        self.data.outlook.push(OutlookSeed {
            user: DEMO_USER,
            folder,
            contact,
            central_id: central_id.map(str::to_string),
        });
    }

    /// Every state and reason once or twice, in a fixed order.
    fn specials(&mut self) {
        let set = |m: &mut Map<String, Value>, k: &str, v: Value| {
            m.insert(k.into(), v);
        };
        // Excluded by status (and one odd-but-active spelling).
        for status in [
            json!("inactive"),
            json!("Archived"),
            Value::Null,
            json!("lead"),
        ] {
            let mut p = self.next_person();
            set(&mut p, "status", status);
            self.central(p);
        }
        let mut p = self.next_person();
        p.remove("status");
        self.central(p);
        let mut p = self.next_person();
        set(&mut p, "status", json!("  ACTIVE "));
        self.central(p);
        // Deceased.
        let mut p = self.next_person();
        set(&mut p, "lastName", json!("Hughes (Deceased)"));
        self.central(p);
        let mut p = self.next_person();
        set(&mut p, "firstName", json!("Margaret DECEASED"));
        self.central(p);
        // Missing email: absent, null, blank.
        let mut p = self.next_person();
        p.remove("email");
        self.central(p);
        let mut p = self.next_person();
        set(&mut p, "email", Value::Null);
        self.central(p);
        let mut p = self.next_person();
        set(&mut p, "email", json!("   "));
        self.central(p);
        // Malformed emails.
        for bad in [
            "John Smith <john.smith@example.co.uk>",
            "john smith@example.co.uk",
            "john.smith@localhost",
            "john@smith@example.com",
            "john.smith.example.com",
        ] {
            let mut p = self.next_person();
            set(&mut p, "email", json!(bad));
            self.central(p);
        }
        // Missing names.
        let mut p = self.next_person();
        set(&mut p, "firstName", Value::Null);
        self.central(p);
        let mut p = self.next_person();
        set(&mut p, "lastName", json!("  "));
        self.central(p);
        let mut p = self.next_person();
        p.remove("firstName");
        p.remove("lastName");
        self.central(p);
        // Duplicate emails among Central (case and whitespace differ).
        let mut p = self.next_person();
        set(&mut p, "email", json!("sam.taylor@example.co.uk"));
        self.central(p);
        let mut p = self.next_person();
        set(&mut p, "email", json!(" Sam.Taylor@Example.co.uk "));
        self.central(p);
        // Same email, but the other record is deceased: not a duplicate.
        let mut p = self.next_person();
        set(&mut p, "email", json!("alex.morgan@example.com"));
        self.central(p);
        let mut p = self.next_person();
        set(&mut p, "email", json!("alex.morgan@example.com"));
        set(&mut p, "firstName", json!("Alex (deceased)"));
        self.central(p);
        // invalidRecord: objects and arrays where text is expected.
        let mut p = self.next_person();
        set(&mut p, "mobile", json!({"number": "+44 7700 900555"}));
        self.central(p);
        let mut p = self.next_person();
        set(&mut p, "firstName", json!(["Anna"]));
        self.central(p);
        // Numbers and booleans are taken as text: actionable.
        let mut p = self.next_person();
        set(&mut p, "telephone", json!(2079460123u64));
        self.central(p);
        // Outlook-side duplicate: two unlinked Outlook contacts share this email → conflict.
        let p = self.next_person();
        let c = self.central(p);
        for _ in 0..2 {
            let mut o = map_to_graph(&c);
            o["mobilePhone"] = Value::Null;
            self.outlook(o, None);
        }
        // Up to date, linked by stored id.
        for _ in 0..4 {
            let p = self.next_person();
            let c = self.central(p);
            let id = c["id"].as_str().map(str::to_string);
            self.outlook(map_to_graph(&c), id.as_deref());
        }
        // Up to date after normalisation (inner whitespace, email case), linked by id.
        let mut p = self.next_person();
        set(&mut p, "firstName", json!("  Mary  Ann "));
        let c = self.central(p);
        let mut o = map_to_graph(&c);
        o["givenName"] = json!("Mary Ann");
        o["emailAddresses"][0]["address"] = json!(c["email"].as_str().unwrap_or("").to_uppercase());
        self.outlook(o, c["id"].as_str());
        // Needs an update: mobile and home address changed in Central.
        for _ in 0..3 {
            let p = self.next_person();
            let c = self.central(p);
            let mut o = map_to_graph(&c);
            o["mobilePhone"] = json!("+44 7700 900999");
            o["homeAddress"]["street"] = json!("1 Old Road");
            self.outlook(o, c["id"].as_str());
        }
        // Needs an update: Central cleared the telephone Outlook still has.
        let mut p = self.next_person();
        set(&mut p, "telephone", Value::Null);
        let c = self.central(p);
        let mut o = map_to_graph(&c);
        o["businessPhones"] = json!(["+44 20 7946 0001"]);
        self.outlook(o, c["id"].as_str());
        // Linked by stored id, email changed in Central; Outlook has a second address and a
        // second business phone to keep.
        let p = self.next_person();
        let c = self.central(p);
        let mut o = map_to_graph(&c);
        o["emailAddresses"] = json!([
            {"address": "old.address@example.net", "name": o["displayName"]},
            {"address": "home.inbox@example.org", "name": "Home"}
        ]);
        o["businessPhones"] = json!([
            c["telephone"].as_str().unwrap_or("+44 20 7946 0002"),
            "+44 20 7946 0999"
        ]);
        self.outlook(o, c["id"].as_str());
        // Linked by email only (no stored id yet), one up to date, one needing an update.
        let p = self.next_person();
        let c = self.central(p);
        self.outlook(map_to_graph(&c), None);
        let p = self.next_person();
        let c = self.central(p);
        let mut o = map_to_graph(&c);
        o["title"] = json!("Prof");
        self.outlook(o, None);
        // Stale stored id re-linked by email.
        let p = self.next_person();
        let c = self.central(p);
        self.outlook(map_to_graph(&c), Some("C-99999"));
        // An apostrophe in the address (quote doubling in $filter).
        let mut p = self.next_person();
        set(&mut p, "lastName", json!("O'Connor"));
        set(
            &mut p,
            "email",
            json!(format!("niamh.o'connor{}@example.ie", self.n)),
        );
        let c = self.central(p);
        self.outlook(map_to_graph(&c), c["id"].as_str());
        // Orphans: no Central counterpart; one linked to an inactive Central record.
        let mut orphan = self.next_person();
        orphan.insert("id".into(), json!("C-00042"));
        self.outlook(map_to_graph(&Value::Object(orphan)), None);
        let orphan = self.next_person();
        self.outlook(map_to_graph(&Value::Object(orphan)), Some("C-00077"));
        let inactive = self.data.central[0].clone();
        self.outlook(map_to_graph(&inactive), inactive["id"].as_str());
        // Other folders, never touched by a sync of "Central Contacts".
        for folder in ["Contacts", "Family"] {
            for _ in 0..2 {
                let p = self.next_person();
                self.outlook_in(folder, map_to_graph(&Value::Object(p)), None);
            }
        }
        // A shared mailbox with its own sync folder.
        let p = self.next_person();
        self.data.outlook.push(OutlookSeed {
            user: SHARED_MAILBOX,
            folder: SYNC_FOLDER,
            contact: map_to_graph(&Value::Object(p)),
            central_id: None,
        });
    }

    /// Ordinary records with rare oddities; half of the active ones already in Outlook (one in
    /// five of those needing an update), plus an orphan now and then.
    fn regular(&mut self, count: usize) {
        for k in 0..count {
            let mut p = self.next_person();
            // One in five at an account, one in seven of the others a private person. (By
            // position, so the rest of the data does not move.)
            let account = (k % 5 == 1).then(|| ACCOUNTS[(k / 10) % ACCOUNTS.len()]);
            match account {
                Some((id, ..)) => {
                    p.insert("accountId".into(), json!(id));
                }
                None if k % 7 == 3 => {
                    p.insert("type".into(), json!("individual"));
                }
                None => {}
            }
            if k % 41 == 40 {
                p.insert("status".into(), json!("inactive"));
            } else if k % 97 == 96 {
                let e = p["email"].as_str().unwrap_or("").replace('@', " @");
                p.insert("email".into(), json!(e));
            } else if k % 101 == 100 {
                p.remove("email");
            } else if k % 211 == 210 {
                p.insert("lastName".into(), json!("Deceased"));
            }
            let c = self.central(p);
            if k % 2 == 0 && c["status"] == "active" {
                let mut o = map_to_graph(&c);
                if k % 10 == 0 {
                    o["mobilePhone"] = json!("+44 7700 900000");
                }
                // As the last sync wrote it: the company is its account's name.
                if let Some((_, name, _, "active")) = account {
                    o["companyName"] = json!(name);
                }
                self.outlook(o, c["id"].as_str());
            }
            if k % 200 == 199 {
                let orphan = person(&mut self.rng, 900_000 + k);
                self.outlook(map_to_graph(&Value::Object(orphan)), None);
            }
        }
    }
}

/// The demo's accounts: (id, name, createdAt, status). "Acme Ltd" twice (a company typed
/// "acme ltd" links the earlier), "Northwind Traders" inside "Northwind Traders Scotland" (so
/// "Northwind" names two and links neither, "Scotland" one), and an account no longer active.
const ACCOUNTS: [(&str, &str, &str, &str); 6] = [
    ("A-1", "Acme Ltd", "2019-04-01T09:00:00Z", "active"),
    ("A-3", "Northwind Traders", "2020-02-10T09:00:00Z", "active"),
    (
        "A-4",
        "Northwind Traders Scotland",
        "2021-08-23T09:00:00Z",
        "active",
    ),
    (
        "A-5",
        "Contoso Pharmaceuticals",
        "2018-11-05T09:00:00Z",
        "active",
    ),
    ("A-6", "Fabrikam Inc", "2022-01-17T09:00:00Z", "active"),
    ("A-7", "Tailspin Toys", "2017-06-30T09:00:00Z", "inactive"),
];

fn accounts() -> Vec<Value> {
    let later_acme = ("A-2", "Acme Ltd", "2023-06-15T09:00:00Z", "active");
    ACCOUNTS
        .iter()
        .chain([&later_acme])
        .enumerate()
        .map(|(n, (id, name, created, status))| {
            json!({ "id": id, "status": status, "name": name, "version": (n + 1).to_string(),
                    "createdAt": created, "email": null, "telephone": null, "website": null })
        })
        .collect()
}

/// The demo data set with `size` Central contacts (the special cases first when `size` leaves
/// room for them).
pub fn generate(size: usize) -> DemoData {
    let mut b = Builder {
        rng: SplitMix64::new(0x00C0_FFEE),
        data: DemoData::default(),
        n: 0,
    };
    b.specials();
    if b.data.central.len() > size {
        b = Builder {
            rng: SplitMix64::new(0x00C0_FFEE),
            data: DemoData::default(),
            n: 0,
        };
    }
    b.data.accounts = accounts();
    let rest = size - b.data.central.len();
    b.data.central.reserve(rest);
    b.regular(rest);
    b.data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_sized() {
        let a = generate(500);
        let b = generate(500);
        assert_eq!(a.central.len(), 500);
        assert_eq!(a.central, b.central);
        assert_eq!(
            a.outlook.iter().map(|o| &o.contact).collect::<Vec<_>>(),
            b.outlook.iter().map(|o| &o.contact).collect::<Vec<_>>()
        );
        assert_eq!(generate(10).central.len(), 10);
    }

    #[test]
    fn accounts_hold_both_kinds_of_company_name_and_contacts_use_them() {
        let d = generate(500);
        let named = |name: &str| {
            let mut v: Vec<(&str, &str)> = d
                .accounts
                .iter()
                .filter(|a| a["name"] == name)
                .map(|a| (a["id"].as_str().unwrap(), a["createdAt"].as_str().unwrap()))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            named("Acme Ltd"),
            [
                ("A-1", "2019-04-01T09:00:00Z"),
                ("A-2", "2023-06-15T09:00:00Z")
            ]
        );
        let containing = |part: &str| {
            d.accounts
                .iter()
                .filter(|a| a["name"].as_str().unwrap().contains(part))
                .count()
        };
        assert_eq!((containing("Northwind"), containing("Scotland")), (2, 1));
        let with = |key: &str| d.central.iter().filter(|c| c.get(key).is_some()).count();
        assert!(
            with("accountId") > 50 && with("type") > 30,
            "{} {}",
            with("accountId"),
            with("type")
        );
        // A synced copy of a contact at an active account carries the account's name.
        let acme = d
            .outlook
            .iter()
            .filter(|o| o.contact["companyName"] == "Acme Ltd")
            .count();
        assert!(acme > 0);
    }

    #[test]
    fn central_ids_are_unique() {
        let d = generate(5000);
        let mut ids: Vec<&str> = d.central.iter().filter_map(|c| c["id"].as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len());
    }
}
