//! Writes the benchmark fixture as JSON files: `cargo run --release --example bench_fixture --
//! OUT_DIR [N]` → `OUT_DIR/central.json`, `OUT_DIR/outlook.json` (N defaults to 100,000), and
//! `OUT_DIR/FORMAT`, which says how they are written.

#[path = "../benches/fixture.rs"]
mod fixture;

/// What `tests/bench/run.mjs` expects in `FORMAT`: the keys in the order Central and Graph
/// write them.
const FORMAT: &str = "keys in the documented orders\n";

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: bench_fixture OUT_DIR [N]"));
    let n: usize = args
        .next()
        .map(|n| n.parse().expect("N must be a number"))
        .unwrap_or(100_000);
    std::fs::create_dir_all(&dir).expect("create output dir");
    let (central, outlook) = fixture::fixture_json(n);
    std::fs::write(dir.join("central.json"), central).expect("write central.json");
    std::fs::write(dir.join("outlook.json"), outlook).expect("write outlook.json");
    // Marks the fixture's format, so that a fixture written by an older version is rewritten.
    std::fs::write(dir.join("FORMAT"), FORMAT).expect("write FORMAT");
    println!(
        "wrote {n} Central and {n} Outlook contacts to {}",
        dir.display()
    );
}
