//! The session owns the data, in headless Chromium against the emulator: `run` writes the plan
//! it showed (no second load), `plan()` again re-reads both sides, Central's token is renewed
//! once, `contacts` is taken in three forms, and the folder functions work without a session.
#![cfg(target_arch = "wasm32")]

mod support;

use central_o365_sync::{create_folder, list_folders, SyncSession};
use js_sys::{Function, Promise, Reflect, JSON};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn fixture(n: usize) -> (Value, Function, Value) {
    reset(false).await;
    let folder = make_folder(DEMO_USER, "Owned data").await;
    let contacts = central_contacts("own", n);
    control("PUT", "central/contacts", Some(contacts.clone())).await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let config =
        json!({ "graphBaseUrl": graph_url(), "folderId": folder, "centralBaseUrl": central_url() });
    (config, get_token, contacts)
}

fn js(config: &Value, get_token: &Function) -> JsValue {
    let obj = JSON::parse(&config.to_string()).unwrap();
    Reflect::set(&obj, &"getGraphToken".into(), get_token).unwrap();
    obj
}

async fn settle(p: Result<Promise, JsValue>) -> Result<Value, String> {
    match p {
        Ok(p) => rejection(p).await,
        Err(e) => Err(error_code(&e)),
    }
}

/// `run` writes the values the plan showed: a Central edit made after the plan is not read
/// (Central is not asked again), and the next plan shows it as an update.
#[wasm_bindgen_test]
async fn run_writes_the_plan_it_showed_and_a_new_plan_sees_later_edits() {
    let (config, get_token, mut contacts) = fixture(30).await;
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    assert_eq!(p["summary"]["new"], 30, "{}", p["summary"]);
    assert_eq!(
        p["items"][0]["display"],
        json!({ "name": "Ann0 Lee-own", "email": "ann0.own@example.org", "company": "" })
    );
    contacts[0]["mobile"] = json!("+44 7700 900999");
    control("PUT", "central/contacts", Some(contacts.clone())).await;
    reset_stats().await;
    let result = run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(result["created"], 30, "{result}");
    assert_eq!(stats().await["centralRequests"], 0);
    let folder = config["folderId"].as_str().unwrap();
    let stored = folder_contacts(DEMO_USER, folder).await;
    let first = stored
        .iter()
        .find(|c| c["centralId"] == "C-own-00000")
        .expect("created");
    assert_eq!(first["mobilePhone"], "+44 7700 900123");

    // The same session plans again: both sides are read anew.
    let again = plan(&s).await;
    assert_eq!(again["summary"]["update"], 1, "{}", again["summary"]);
    assert_eq!(again["summary"]["upToDate"], 29);
    let item = &again["items"][0];
    assert_eq!(item["state"], "update");
    assert_eq!(
        item["changes"],
        json!([{ "field": "mobilePhone", "from": "+44 7700 900123", "to": "+44 7700 900999", "direction": "toOutlook" }])
    );
    // A plan runs once.
    let ids = ids_in(&again, &["update"]);
    assert_eq!(
        run(&s, &ids, JsValue::UNDEFINED).await.unwrap()["updated"],
        1
    );
    assert_eq!(
        run(&s, &ids, JsValue::UNDEFINED).await.unwrap_err(),
        "noPlan"
    );
}

/// `run` before any plan is `noPlan`, and the session can still plan and run afterwards.
#[wasm_bindgen_test]
async fn run_before_plan_is_no_plan() {
    let (config, get_token, _) = fixture(3).await;
    let s = session(config, &get_token);
    assert_eq!(
        run(&s, &["C-own-00000".to_owned()], JsValue::UNDEFINED)
            .await
            .unwrap_err(),
        "noPlan"
    );
    let p = plan(&s).await;
    let result = run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(result["created"], 3);
}

/// Central answers 401 to a token it does not take: `getCentralToken` is asked once more with
/// `{ forceRefresh: true }`, and the plan is made with the fresh token.
#[wasm_bindgen_test]
async fn central_token_is_renewed_once_after_401() {
    let (config, get_token, _) = fixture(1201).await;
    control(
        "PUT",
        "central/settings",
        Some(json!({ "requiredToken": "fresh-central-token", "defaultPageSize": 100 })),
    )
    .await;
    let calls: Rc<RefCell<Vec<bool>>> = Rc::default();
    let seen = calls.clone();
    let central_token = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |opts: JsValue| {
        let force = Reflect::get(&opts, &"forceRefresh".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        seen.borrow_mut().push(force);
        JsValue::from(if force {
            "fresh-central-token"
        } else {
            "stale"
        })
    })
    .into_js_value();
    let obj = js(&config, &get_token);
    Reflect::set(&obj, &"getCentralToken".into(), &central_token).unwrap();
    reset_stats().await;
    let s = SyncSession::new(obj).unwrap();
    let p = plan(&s).await;
    assert_eq!(p["summary"]["new"], 1201);
    assert_eq!(*calls.borrow(), vec![false, true]);
    // One refused page, then the three pages of 500.
    assert_eq!(stats().await["centralRequests"], 4);

    // A token that is never taken: asked twice, then `unauthorized`.
    let never = Closure::<dyn FnMut(JsValue) -> JsValue>::new(|_: JsValue| JsValue::from("nope"))
        .into_js_value();
    let obj = js(&config, &get_token);
    Reflect::set(&obj, &"getCentralToken".into(), &never).unwrap();
    let s = SyncSession::new(obj).unwrap();
    assert_eq!(
        rejection(s.plan()).await.unwrap_err(),
        "unauthorized".to_owned()
    );
}

/// A host that holds the contacts hands them in as an array, as JSON text or as bytes: the
/// same plan each time, and Central is not asked.
#[wasm_bindgen_test]
async fn contacts_option_takes_an_array_text_or_bytes() {
    let (mut config, get_token, contacts) = fixture(0).await;
    config.as_object_mut().unwrap().remove("centralBaseUrl");
    let given = central_contacts("given", 12);
    let text = given.to_string();
    let forms: [JsValue; 3] = [
        JSON::parse(&text).unwrap(),
        JsValue::from(text.as_str()),
        js_sys::Uint8Array::from(text.as_bytes()).into(),
    ];
    assert_eq!(contacts, json!([]));
    reset_stats().await;
    let mut plans = Vec::new();
    for form in forms {
        let obj = js(&config, &get_token);
        Reflect::set(&obj, &"contacts".into(), &form).unwrap();
        let s = SyncSession::new(obj).unwrap();
        plans.push(plan(&s).await);
    }
    assert_eq!(plans[0]["summary"]["new"], 12);
    assert_eq!(plans[0], plans[1]);
    assert_eq!(plans[0], plans[2]);
    assert_eq!(stats().await["centralRequests"], 0);

    for bad in [
        JsValue::from(7),
        JSON::parse("{\"a\":1}").unwrap(),
        "[1]".into(),
    ] {
        let obj = js(&config, &get_token);
        Reflect::set(&obj, &"contacts".into(), &bad).unwrap();
        let e = SyncSession::new(obj).err().expect("refused");
        assert_eq!(error_code(&e), "invalidInput", "{}", describe(&e));
    }
}

/// Unknown options and options of the wrong type are refused with `invalidInput`, naming them.
#[wasm_bindgen_test]
async fn session_options_are_checked() {
    let (config, get_token, _) = fixture(0).await;
    let cases = [
        (json!({ "folderID": "x" }), "folderID"),
        (json!({ "timeoutMs": 0 }), "timeoutMs"),
        (json!({ "batchConcurrency": 5 }), "batchConcurrency"),
        (json!({ "emptyValues": "sometimes" }), "sometimes"),
        (json!({ "retry": { "maxAttempts": 0 } }), "maxAttempts"),
        (json!({ "retry": { "tries": 2 } }), "tries"),
        (json!({ "mailbox": 7 }), "invalid"),
    ];
    for (extra, named) in cases {
        let mut c = config.clone();
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        let e = SyncSession::new(js(&c, &get_token)).err().expect("refused");
        assert_eq!(error_code(&e), "invalidInput", "{extra}");
        assert!(describe(&e).contains(named), "{extra}: {}", describe(&e));
    }
    let no_token = JSON::parse(&config.to_string()).unwrap();
    let e = SyncSession::new(no_token).err().expect("refused");
    assert!(describe(&e).contains("getGraphToken"), "{}", describe(&e));
}

/// `listFolders` and `createFolder` need no session: a folder made by name (and a child under
/// it) is listed with its path; an empty name and a bad option are `invalidInput`.
#[wasm_bindgen_test]
async fn folders_are_listed_and_created_without_a_session() {
    reset(false).await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let config = js(
        &json!({ "graphBaseUrl": graph_url(), "mailbox": "me" }),
        &get_token,
    );
    let made = settle(create_folder(config.clone(), "Clients".into(), None))
        .await
        .unwrap();
    assert_eq!(made["displayName"], "Clients");
    assert_eq!(made["path"], "Clients");
    let parent = made["id"].as_str().unwrap().to_owned();
    let child = settle(create_folder(
        config.clone(),
        "Leeds".into(),
        Some(parent.clone()),
    ))
    .await
    .unwrap();
    assert_eq!(child["parentFolderId"], parent.as_str());
    let listed = settle(list_folders(config.clone())).await.unwrap();
    let paths: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"Clients"), "{listed}");
    assert!(paths.contains(&"Clients / Leeds"), "{listed}");
    assert_eq!(
        folder_id(DEMO_USER, "Clients").await,
        parent,
        "the emulator holds the folder"
    );
    // The same name again under one parent: Graph's 409, reported.
    let again = settle(create_folder(config.clone(), "Clients".into(), None)).await;
    assert!(again.is_err(), "{again:?}");

    assert_eq!(
        settle(create_folder(config.clone(), "  ".into(), None)).await,
        Err("invalidInput".to_owned())
    );
    let bad = js(
        &json!({ "graphBaseUrl": graph_url(), "folderId": "x" }),
        &get_token,
    );
    assert_eq!(
        settle(list_folders(bad)).await,
        Err("invalidInput".to_owned())
    );
}
