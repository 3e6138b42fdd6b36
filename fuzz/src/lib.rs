//! The fuzz targets' bodies, shared with the stable smoke test
//! (`tests/tests/fuzz_smoke.rs`): one file, included here.

#[path = "../../tests/src/fuzz_targets.rs"]
mod fuzz_targets;

pub use fuzz_targets::{mvcc_log_read, open_read, page_damage, sql_text, wal_read};
