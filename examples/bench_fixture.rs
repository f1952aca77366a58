//! Writes the benchmark fixture as JSON files: `cargo run --release --example bench_fixture --
//! OUT_DIR [N]` → `OUT_DIR/central.json`, `OUT_DIR/outlook.json` (N defaults to 100,000).

#[path = "../benches/fixture.rs"]
mod fixture;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: bench_fixture OUT_DIR [N]"));
    let n: usize = args
        .next()
        .map(|n| n.parse().expect("N must be a number"))
        .unwrap_or(100_000);
    std::fs::create_dir_all(&dir).expect("create output dir");
    let (central, outlook) = fixture::fixture(n);
    std::fs::write(
        dir.join("central.json"),
        serde_json::to_vec(&central).unwrap(),
    )
    .expect("write central.json");
    std::fs::write(
        dir.join("outlook.json"),
        serde_json::to_vec(&outlook).unwrap(),
    )
    .expect("write outlook.json");
    println!(
        "wrote {n} Central and {n} Outlook contacts to {}",
        dir.display()
    );
}
