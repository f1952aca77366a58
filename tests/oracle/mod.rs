//! Second implementations kept only to test the first, so never shipped in the `.wasm`: the
//! serde_json reading of the inputs that the single-pass readers replaced, and the reference
//! reader of the packed plan. Each test file takes the part it needs (`mod oracle;`).

#![allow(dead_code)]

pub mod packed_reader;
pub mod serde_reader;
