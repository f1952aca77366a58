//! The binary prints exactly one line with its URL once bound, and serves on that port.

mod common;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn binary_prints_its_url_once_bound_on_a_free_port() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_emulator"))
        .args(["--listen", "127.0.0.1:0", "--demo-size", "50"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .strip_prefix("emulator listening on http://127.0.0.1:")
        .map(str::trim_end);
    let port: u16 = url
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("line: {line:?}"));
    assert_ne!(port, 0);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let r = common::raw_request(addr, "GET", "/_emulator/central/contacts", &[], None)
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(r.status, 200);
    assert_eq!(r.json().as_array().unwrap().len(), 50);
}

#[test]
fn binary_refuses_a_non_loopback_address() {
    let out = Command::new(env!("CARGO_BIN_EXE_emulator"))
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
