//! Central → Office365 contacts sync. The planning engine is pure Rust ([`engine`]); the
//! clients ([`central`], [`graph`]) and the executor ([`sync`]) talk HTTP through fetch; the
//! rest of this crate is the JavaScript face of the package (DESIGN §7).

pub mod engine;

pub mod central;
pub mod graph;
pub mod sync;

mod error;
mod fetch;
mod json_list;
mod plan_sync;
mod retry;
mod session;
mod token;
mod types;

pub use error::{ErrorCode, SyncError};
pub use plan_sync::plan_sync;
pub use session::{create_folder, list_folders, SyncSession};

#[cfg(feature = "bench-phases")]
mod bench_phases;
