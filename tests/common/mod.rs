//! Shared helpers of the native engine tests: plan from `serde_json::Value`s, and an in-memory
//! Outlook folder that applies the engine's request bodies with Graph's semantics (create;
//! PATCH keeps absent properties and replaces collections and complex values whole).

#![allow(dead_code)]

use central_o365_sync::engine::{
    self, parse_central, parse_outlook, plan, Plan, PlanOptions, Write, CENTRAL_ID_PROPERTY,
};
use serde_json::{json, Map, Value};

pub fn plan_values(central: &Value, outlook: &Value, options: PlanOptions) -> Plan<'static> {
    let c = serde_json::to_vec(central).unwrap();
    let o = serde_json::to_vec(outlook).unwrap();
    engine::plan_json(&c, &o, options).expect("valid input")
}

/// Every write the plan would make, in item order.
pub fn writes(
    central: &Value,
    outlook: &Value,
    options: PlanOptions,
) -> (Plan<'static>, Vec<Write>) {
    let c = serde_json::to_vec(central).unwrap();
    let o = serde_json::to_vec(outlook).unwrap();
    let cs = parse_central(&c).unwrap();
    let os = parse_outlook(&o).unwrap();
    let p = plan(&cs, &os, options);
    let w = p
        .items
        .iter()
        .filter_map(|i| p.write_for(i, &cs, &os))
        .collect();
    (p.into_owned(), w)
}

/// A Graph contact as it reads back: stored values, `null`/`[]`/`{}` for unset ones, the
/// extended property expanded.
pub fn outlook_contact(id: &str, fields: Value) -> Value {
    let mut c = json!({
        "@odata.etag": "W/\"EQAAABYAAAB\"", "id": id, "changeKey": "EQAAABYAAAB",
        "lastModifiedDateTime": "2026-11-01T10:00:00Z",
        "title": null, "givenName": null, "surname": null, "displayName": null, "mobilePhone": null,
        "businessHomePage": null, "emailAddresses": [], "businessPhones": [], "homeAddress": {}, "businessAddress": {}
    });
    for (k, v) in fields.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

pub fn with_stored_id(mut contact: Value, central_id: &str) -> Value {
    contact["singleValueExtendedProperties"] =
        json!([{ "id": CENTRAL_ID_PROPERTY, "value": central_id }]);
    contact
}

/// An Outlook folder held in memory.
#[derive(Debug, Clone, Default)]
pub struct Folder {
    pub contacts: Vec<Value>,
    next_id: usize,
}

impl Folder {
    pub fn new(contacts: Vec<Value>) -> Self {
        let next_id = contacts.len();
        Folder { contacts, next_id }
    }

    pub fn as_value(&self) -> Value {
        Value::Array(self.contacts.clone())
    }

    pub fn apply(&mut self, write: &Write) {
        match write {
            Write::Create { body, .. } => {
                self.next_id += 1;
                let mut c = outlook_contact(&format!("NEW-{}", self.next_id), json!({}));
                merge(&mut c, body);
                self.contacts.push(c);
            }
            Write::Update {
                outlook_id, body, ..
            } => {
                let c = self
                    .contacts
                    .iter_mut()
                    .find(|c| c["id"] == json!(outlook_id))
                    .expect("update targets an existing contact");
                merge(c, body);
            }
            Write::Delete(d) => {
                self.contacts.retain(|c| c["id"] != json!(d.outlook_id));
            }
            // Into the folder named as its type (tests of typed folders name them so).
            Write::Move {
                outlook_id,
                body,
                kind,
                ..
            } => {
                let k = self
                    .contacts
                    .iter()
                    .position(|c| c["id"] == json!(outlook_id))
                    .expect("a move takes an existing contact");
                let mut c = self.contacts.remove(k);
                merge(&mut c, body);
                self.next_id += 1;
                c["id"] = json!(format!("NEW-{}", self.next_id));
                c["parentFolderId"] = json!(kind.name());
                self.contacts.push(c);
            }
        }
    }
}

/// Graph's PATCH: each property in the body replaces the stored one whole. The extended
/// property is stored (and here shown as read back with `$expand`).
fn merge(contact: &mut Value, body: &Value) {
    let c = contact.as_object_mut().unwrap();
    for (k, v) in body.as_object().unwrap() {
        let v = match (k.as_str(), v) {
            ("homeAddress" | "businessAddress", Value::Object(a)) => Value::Object(
                a.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<Map<_, _>>(),
            ),
            _ => v.clone(),
        };
        c.insert(k.clone(), v);
    }
    let given = c
        .get("givenName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let surname = c
        .get("surname")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if !body.as_object().unwrap().contains_key("displayName") && body.get("givenName").is_some() {
        c.insert(
            "displayName".into(),
            json!(format!("{given} {surname}").trim().to_owned()),
        );
    }
}
