//! `emulator --listen 127.0.0.1:PORT [--demo] [--demo-size N] [--www DIR] [--pkg DIR]
//! [--https] [--auth opaque|jwt]`
//! Prints `emulator listening on http(s)://127.0.0.1:PORT` once bound, then serves until killed.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

const USAGE: &str = "usage: emulator [--listen 127.0.0.1:PORT] [--demo] [--demo-size N] [--www DIR] [--pkg DIR] [--https] [--auth opaque|jwt]";

fn parse_args() -> Result<emulator::Config, String> {
    let mut config = emulator::Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
        ..Default::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--listen" => {
                config.listen = value("--listen")?
                    .parse()
                    .map_err(|e| format!("--listen: {e}"))?
            }
            "--demo" => {
                config.demo_size = Some(config.demo_size.unwrap_or(emulator::demo::DEFAULT_SIZE))
            }
            "--demo-size" => {
                config.demo_size = Some(
                    value("--demo-size")?
                        .parse()
                        .map_err(|e| format!("--demo-size: {e}"))?,
                )
            }
            "--www" => config.www = PathBuf::from(value("--www")?),
            "--pkg" => config.pkg = PathBuf::from(value("--pkg")?),
            "--https" | "--tls" => config.tls = true,
            "--auth" => {
                config.auth = match value("--auth")?.as_str() {
                    "opaque" => emulator::AuthMode::Opaque,
                    "jwt" => emulator::AuthMode::Jwt,
                    other => return Err(format!("--auth: opaque or jwt, not {other}")),
                }
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if !config.listen.ip().is_loopback() {
        return Err("--listen must be a loopback address (127.0.0.1)".into());
    }
    Ok(config)
}

#[tokio::main]
async fn main() {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let running = match emulator::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("emulator: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "emulator listening on {}", running.url());
    let _ = out.flush();
    std::future::pending::<()>().await;
}
