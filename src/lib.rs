//! Central → Office365 contacts sync. The planning engine is pure Rust ([`engine`]); this file
//! and the small files beside it are the JavaScript face of the package (DESIGN §7).

pub mod engine;

mod error;
mod plan_sync;
mod types;

pub use error::ErrorCode;
pub use plan_sync::plan_sync;

#[cfg(feature = "bench-phases")]
mod bench_phases;
