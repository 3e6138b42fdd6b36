//! The fuzz targets of `fuzz/` on stable, a fixed number of runs: each
//! target over its committed seed corpus (`fuzz/corpus/<target>/`), then
//! over seeded random mutations of those seeds (bytes changed, inserted,
//! removed, runs copied, the input cut short). The target bodies are
//! `boundlite_tests::fuzz_targets`, the code the fuzzer runs.
//!
//! `BOUNDLITE_FUZZ_RUNS` sets the mutations per target (500 by default);
//! `BOUNDLITE_SEED` the first seed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;

use boundlite_tests::fuzz_targets::{
    mvcc_base, mvcc_log_read, mvcc_sealed, open_read, page_damage, sql_text, wal_base, wal_read,
};
use boundlite_tests::rng::{Rng, seed};

/// The committed seeds of `target`, sorted by name.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    let seeds: Vec<_> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "{} holds no seeds", dir.display());
    seeds
}

/// `input` changed once or a few times, as a mutating fuzzer would.
fn mutate(input: &mut Vec<u8>, rng: &mut Rng) {
    for _ in 0..1 + rng.below(4) {
        let len = input.len() as u64;
        match rng.below(5) {
            0 if len > 0 => {
                let at = rng.below(len) as usize;
                input[at] = rng.next_u64() as u8;
            }
            1 if len > 0 => {
                let at = rng.below(len) as usize;
                input[at] ^= 1 << rng.below(8);
            }
            2 => {
                let at = rng.below(len + 1) as usize;
                input.insert(at, rng.next_u64() as u8);
            }
            3 if len > 1 => {
                let from = rng.below(len) as usize;
                let to = rng.below(len) as usize;
                let n = (rng.below(16) as usize).min(input.len() - from.max(to));
                input.copy_within(from..from + n, to);
            }
            _ if len > 0 => {
                input.truncate(rng.below(len) as usize);
            }
            _ => input.push(rng.next_u64() as u8),
        }
    }
}

fn runs() -> u64 {
    std::env::var("BOUNDLITE_FUZZ_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(500)
}

/// Runs `target` on `input`; an input that panics is kept in the
/// temporary directory, to be run again under the fuzzer or a test.
fn run(name: &str, target: fn(&[u8]), input: &[u8], run: u64) {
    if let Err(panic) = std::panic::catch_unwind(|| target(input)) {
        let path = std::env::temp_dir().join(format!("fuzz_smoke-{name}-{run}"));
        std::fs::write(&path, input).unwrap();
        eprintln!(
            "{name}: run {run} panicked; its input is {}",
            path.display()
        );
        std::panic::resume_unwind(panic);
    }
}

/// Runs `target` on each seed, then on `runs()` mutations of them.
fn smoke(name: &str, target: fn(&[u8]), default_seed: u64) {
    let seeds = corpus(name);
    for input in &seeds {
        run(name, target, input, 0);
    }
    let mut rng = Rng::new(seed(default_seed));
    for n in 1..=runs() {
        let mut input = seeds[rng.below(seeds.len() as u64) as usize].clone();
        mutate(&mut input, &mut rng);
        run(name, target, &input, n);
    }
}

#[test]
fn open_read_smoke() {
    smoke("open_read", open_read, 0x0be7);
}

#[test]
fn wal_read_smoke() {
    smoke("wal_read", wal_read, 0x3a1);
}

#[test]
fn sql_text_smoke() {
    smoke("sql_text", sql_text, 0x5_41);
}

#[test]
fn page_damage_smoke() {
    smoke("page_damage", page_damage, 0xda3a);
}

#[test]
fn mvcc_log_read_smoke() {
    smoke("mvcc_log_read", mvcc_log_read, 0x10c);
}

#[test]
fn the_wal_seed_is_a_log_the_engine_reads() {
    let (file, log) = wal_base();
    assert_eq!((file[18], file[19]), (2, 2), "the file is in WAL mode");
    assert!(log.len() > 32 + 24 + 512, "the log holds frames");
    let seeds = corpus("wal_read");
    assert!(seeds.iter().any(|s| s[1..] == log[..] && s[0] & 1 == 1));
}

#[test]
fn the_mvcc_seed_is_a_log_the_engine_recovers() {
    use boundlite::platform::MemoryPlatform;
    use boundlite::{Config, Database, RowId};
    let (file, wal, log) = mvcc_base();
    assert_eq!(
        mvcc_sealed(log),
        *log,
        "sealing a valid log changes nothing"
    );
    let seeds = corpus("mvcc_log_read");
    assert!(seeds.iter().any(|s| s[1..] == log[..] && s[0] & 1 == 1));
    // Row 70 lives in the log only: recovered with it, absent without it.
    let sees_row_70 = |log: &[u8]| {
        let disk = MemoryPlatform::new();
        disk.write_file("m.db", file).unwrap();
        disk.write_file("m.db-wal", wal).unwrap();
        disk.write_file("m.db-log", log).unwrap();
        let db = Database::open(&disk, "m.db", &Config::DEFAULT, boundlite::alloc::Global).unwrap();
        assert!(db.is_mvcc(), "the base is in MVCC mode");
        let root = db.schema().unwrap().table("t").unwrap().root.unwrap();
        let txn = db.begin_mvcc().unwrap();
        let mut out = boundlite::alloc::Vec::new();
        txn.read(root, RowId::new(70), &mut out).unwrap()
    };
    assert!(sees_row_70(log));
    assert!(!sees_row_70(&[]));
}
