//! Several `Database` values on one `MemoryPlatform` path: each is a
//! "process" following SQLite's protocol through the RAM disk's locks and
//! shared memory, so their interleavings run deterministically.

use super::*;
use crate::btree::TableCursor;
use crate::test_rng::Rng;
use crate::wal::CheckpointMode;
use boundlite_platform::LockLevel;

type Db<'d> = Database<&'d MemoryPlatform, Global>;

const PATH: &str = "shared.db";

fn open(disk: &MemoryPlatform) -> Db<'_> {
    Database::open(disk, PATH, &small(), Global).unwrap()
}

/// The rows of the table rooted at `root` as `source` reads them.
fn rows<S: crate::btree::PageSource>(source: &S, root: PageNo) -> std::vec::Vec<(i64, i64)> {
    try_rows(source, root).unwrap()
}

/// [`rows`], with the errors of reading them.
fn try_rows<S: crate::btree::PageSource>(
    source: &S,
    root: PageNo,
) -> Result<std::vec::Vec<(i64, i64)>> {
    let mut cursor = TableCursor::new(source, root, Vec::new_in(Global));
    let mut out = std::vec::Vec::new();
    let mut more = cursor.first()?;
    while more {
        let rowid = cursor.rowid()?.get();
        let payload = cursor.payload()?;
        let record = crate::record::RecordRef::parse(&payload, None)?;
        let value = match record.column(0)? {
            ValueRef::Integer(v) => v,
            other => panic!("row {rowid} holds {other:?}"),
        };
        out.push((rowid, value));
        more = cursor.next()?;
    }
    Ok(out)
}

fn value(v: i64) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&[ValueRef::Integer(v)], &mut out).unwrap();
    out
}

/// A table every test shares: root page 2, created by the first database.
fn create_table<P: Platform>(db: &Database<P, Global>) -> PageNo {
    let txn = db.begin_write().unwrap();
    let root = txn.create_table("t", "CREATE TABLE t(v)").unwrap();
    assert_eq!(root.get(), 2);
    txn.insert_row(root, RowId::new(0), &value(0)).unwrap();
    txn.commit().unwrap();
    root
}

/// Commit `n` of the model: row `n` holds `n * 7`, row 0 holds `n`.
fn commit_n<P: Platform>(db: &Database<P, Global>, root: PageNo, n: i64) -> Result<()> {
    let txn = db.begin_write()?;
    txn.insert_row(root, RowId::new(n), &value(n * 7))?;
    txn.insert_row(root, RowId::new(0), &value(n))?;
    assert_eq!(
        check_prefix(&rows(db.pager(), root)),
        n,
        "the writer's own view"
    );
    txn.commit()
}

/// Checks that `seen` is the state after exactly commit `row 0` of the
/// model: a prefix of the commit order, nothing uncommitted.
fn check_prefix(seen: &[(i64, i64)]) -> i64 {
    let (first, rest) = seen.split_first().expect("row 0 is always there");
    assert_eq!(first.0, 0);
    let n = first.1;
    let expected: std::vec::Vec<(i64, i64)> = (1..=n).map(|k| (k, k * 7)).collect();
    assert_eq!(rest, &expected[..], "a state no prefix of the commits made");
    n
}

#[test]
fn two_databases_see_each_others_commits_at_their_next_transaction() {
    let disk = MemoryPlatform::new();
    let a = open(&disk);
    let root = create_table(&a);
    let b = open(&disk);
    assert_eq!(check_prefix(&rows(&b.begin_read().unwrap(), root)), 0);
    commit_n(&a, root, 1).unwrap();
    commit_n(&b, root, 2).unwrap();
    commit_n(&a, root, 3).unwrap();
    assert_eq!(check_prefix(&rows(&a.begin_read().unwrap(), root)), 3);
    assert_eq!(check_prefix(&rows(&b.begin_read().unwrap(), root)), 3);
    drop(a);
    let c = open(&disk);
    assert_eq!(check_prefix(&rows(&c.begin_read().unwrap(), root)), 3);
}

#[test]
fn a_writer_makes_the_other_database_busy_and_its_rows_invisible() {
    let disk = MemoryPlatform::new();
    let a = open(&disk);
    let root = create_table(&a);
    let b = open(&disk);
    let txn = a.begin_write().unwrap();
    txn.insert_row(root, RowId::new(1), &value(7)).unwrap();
    txn.insert_row(root, RowId::new(0), &value(1)).unwrap();
    assert_eq!(b.begin_write().err(), Some(Error::Busy));
    assert_eq!(check_prefix(&rows(&b.begin_read().unwrap(), root)), 0);
    txn.commit().unwrap();
    assert_eq!(check_prefix(&rows(&b.begin_read().unwrap(), root)), 1);
    commit_n(&b, root, 2).unwrap();
}

#[test]
fn a_reader_in_one_database_holds_back_the_others_checkpoint() {
    let disk = MemoryPlatform::new();
    let a = open(&disk);
    let root = create_table(&a);
    let b = open(&disk);
    commit_n(&a, root, 1).unwrap();
    let read = b.begin_read().unwrap();
    for n in 2..=20 {
        commit_n(&a, root, n).unwrap();
    }
    let result = a.checkpoint(CheckpointMode::Truncate).unwrap();
    assert!(result.busy, "the reader's snapshot is still in the log");
    assert_eq!(check_prefix(&rows(&read, root)), 1);
    drop(read);
    let result = a.checkpoint(CheckpointMode::Truncate).unwrap();
    assert!(!result.busy);
    assert_eq!(disk.file_bytes("shared.db-wal").unwrap().len(), 0);
    commit_n(&b, root, 21).unwrap();
    assert_eq!(check_prefix(&rows(&a.begin_read().unwrap(), root)), 21);
    assert!(a.integrity_check(0).unwrap().is_ok());
}

/// What the scheduler knows: the last acknowledged commit.
struct Model {
    committed: i64,
}

/// One step of one database, possibly with others' steps nested inside
/// its open transaction.
fn step<'d>(
    dbs: &mut [Option<Db<'d>>],
    disk: &'d MemoryPlatform,
    root: PageNo,
    model: &mut Model,
    rng: &mut Rng,
    depth: u32,
) {
    let who = rng.below(dbs.len() as u64) as usize;
    if dbs[who].is_none() {
        dbs[who] = Some(open(disk));
        return;
    }
    match rng.below(if depth > 0 { 4 } else { 7 }) {
        0 => {
            // A short read: the latest commit, exactly.
            let db = dbs[who].as_ref().unwrap();
            let read = db.begin_read().unwrap();
            assert_eq!(check_prefix(&rows(&read, root)), model.committed);
        }
        1 => {
            // An autocommit write; busy only while another writes.
            let n = model.committed + 1;
            match commit_n(dbs[who].as_ref().unwrap(), root, n) {
                Ok(()) => model.committed = n,
                Err(Error::Busy) => assert!(depth > 0, "busy with no other writer"),
                Err(e) => panic!("commit failed: {e}"),
            }
        }
        2 => {
            let mode = [
                CheckpointMode::Passive,
                CheckpointMode::Full,
                CheckpointMode::Restart,
                CheckpointMode::Truncate,
            ][rng.below(4) as usize];
            match dbs[who].as_ref().unwrap().checkpoint(mode) {
                Ok(_) | Err(Error::Busy) => {}
                Err(e) => panic!("checkpoint failed: {e}"),
            }
        }
        3 => {
            if depth == 0 {
                dbs[who] = None;
            }
        }
        4 => {
            // A long read: stable while others commit around it.
            let (before, db) = {
                let db = dbs[who].take().unwrap();
                (model.committed, db)
            };
            {
                let read = db.begin_read().unwrap();
                assert_eq!(check_prefix(&rows(&read, root)), before);
                for _ in 0..rng.below(6) {
                    step(dbs, disk, root, model, rng, depth + 1);
                }
                assert_eq!(
                    check_prefix(&rows(&read, root)),
                    before,
                    "a repeatable read"
                );
            }
            dbs[who] = Some(db);
        }
        _ => {
            // A long write: invisible to others until it commits, and it
            // makes their writes busy.
            let db = dbs[who].take().unwrap();
            let n = model.committed + 1;
            {
                let txn = match db.begin_write() {
                    Ok(txn) => txn,
                    Err(e) => panic!("begin failed with no other writer: {e}"),
                };
                txn.insert_row(root, RowId::new(n), &value(n * 7)).unwrap();
                txn.insert_row(root, RowId::new(0), &value(n)).unwrap();
                for _ in 0..rng.below(6) {
                    step(dbs, disk, root, model, rng, depth + 1);
                }
                assert_eq!(model.committed, n - 1, "no other writer got in");
                if rng.below(3) == 0 {
                    txn.rollback().unwrap();
                } else {
                    txn.commit().unwrap();
                    model.committed = n;
                }
            }
            dbs[who] = Some(db);
        }
    }
}

#[test]
fn seeded_interleavings_of_three_databases_lose_no_commit_and_read_only_prefixes() {
    for seed in 1..=60u64 {
        let disk = MemoryPlatform::new();
        let mut dbs: std::vec::Vec<Option<Db<'_>>> = (0..3).map(|_| None).collect();
        dbs[0] = Some(open(&disk));
        let root = create_table(dbs[0].as_ref().unwrap());
        let mut model = Model { committed: 0 };
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        for _ in 0..150 {
            step(&mut dbs, &disk, root, &mut model, &mut rng, 0);
            // Half the seeds also read every database after each step:
            // reads move a database's view, and so change what happens.
            if seed % 2 == 0 {
                for db in dbs.iter().flatten() {
                    let seen = check_prefix(&rows(&db.begin_read().unwrap(), root));
                    assert_eq!(seen, model.committed, "seed {seed}");
                }
            }
        }
        drop(dbs);
        let last = open(&disk);
        assert_eq!(
            check_prefix(&rows(&last.begin_read().unwrap(), root)),
            model.committed,
            "seed {seed}: every acknowledged commit is there"
        );
    }
}

/// A RAM disk whose `sleep` is recorded, and runs a test's action the
/// first time: what another process does while this one waits.
struct Sleepy<'d> {
    disk: &'d MemoryPlatform,
    slept_us: core::cell::Cell<u64>,
    meanwhile: core::cell::RefCell<Option<std::boxed::Box<dyn FnOnce() + 'd>>>,
}

impl<'d> Platform for &Sleepy<'d> {
    type File = boundlite_platform::MemoryFile<'d>;

    fn open(
        &self,
        path: &str,
        mode: OpenMode,
    ) -> core::result::Result<Self::File, boundlite_platform::PlatformError> {
        self.disk.open(path, mode)
    }

    fn delete(&self, path: &str) -> core::result::Result<(), boundlite_platform::PlatformError> {
        self.disk.delete(path)
    }

    fn exists(&self, path: &str) -> core::result::Result<bool, boundlite_platform::PlatformError> {
        self.disk.exists(path)
    }

    fn sleep(&self, micros: u32) -> bool {
        self.slept_us.set(self.slept_us.get() + u64::from(micros));
        if let Some(action) = self.meanwhile.borrow_mut().take() {
            action();
        }
        true
    }
}

#[test]
fn a_busy_lock_is_retried_until_the_timeout_through_the_platforms_sleep() {
    let disk = MemoryPlatform::new();
    let a = open(&disk);
    let root = create_table(&a);
    let sleepy = Sleepy {
        disk: &disk,
        slept_us: core::cell::Cell::new(0),
        meanwhile: core::cell::RefCell::new(None),
    };
    let b = Database::open(&sleepy, PATH, &small(), Global).unwrap();

    // No timeout: busy at once, no sleep.
    let txn = a.begin_write().unwrap();
    assert_eq!(b.begin_write().err(), Some(Error::Busy));
    assert_eq!(sleepy.slept_us.get(), 0);

    // A timeout that runs out: busy after sleeping about that long.
    b.set_busy_timeout(core::time::Duration::from_millis(300));
    assert_eq!(b.busy_timeout_ms(), 300);
    assert_eq!(b.begin_write().err(), Some(Error::Busy));
    assert_eq!(sleepy.slept_us.get(), 300_000);

    // The other writer commits while this one sleeps: the retry wins and
    // sees its commit.
    sleepy.slept_us.set(0);
    let (sender, receiver) = std::sync::mpsc::channel();
    sender.send(txn).unwrap();
    *sleepy.meanwhile.borrow_mut() = Some(std::boxed::Box::new(move || {
        let txn = receiver.recv().unwrap();
        txn.insert_row(root, RowId::new(1), &value(7)).unwrap();
        txn.insert_row(root, RowId::new(0), &value(1)).unwrap();
        txn.commit().unwrap();
    }));
    let txn = b.begin_write().unwrap();
    assert!(sleepy.slept_us.get() > 0 && sleepy.slept_us.get() < 300_000);
    assert_eq!(check_prefix(&rows(b.pager(), root)), 1);
    txn.insert_row(root, RowId::new(2), &value(14)).unwrap();
    txn.insert_row(root, RowId::new(0), &value(2)).unwrap();
    txn.commit().unwrap();
    assert_eq!(check_prefix(&rows(&a.begin_read().unwrap(), root)), 2);
}

/// Opens `PATH` on `platform`, reads the latest commit, adds the next one
/// and checkpoints: what a second process does on a shared database.
fn follow_and_write<P: Platform, A: Allocator + Clone>(
    platform: P,
    alloc: A,
    mode: CheckpointMode,
) -> Result<i64> {
    let db = Database::open(platform, PATH, &small(), alloc)?;
    let root = PageNo::new(2).ok_or(Error::Misuse("no table"))?;
    let seen = {
        let read = db.begin_read()?;
        check_prefix(&try_rows(&read, root)?)
    };
    let txn = db.begin_write()?;
    txn.insert_row(root, RowId::new(seen + 1), &value((seen + 1) * 7))?;
    txn.insert_row(root, RowId::new(0), &value(seen + 1))?;
    txn.commit()?;
    db.checkpoint(mode)?;
    Ok(seen + 1)
}

/// A database with commits in its log, written by a first "process".
fn shared_with_commits(disk: &MemoryPlatform, commits: i64) -> Db<'_> {
    let a = open(disk);
    let root = create_table(&a);
    for n in 1..=commits {
        commit_n(&a, root, n).unwrap();
    }
    a
}

#[test]
fn following_another_databases_commits_survives_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let a = shared_with_commits(&disk, 30);
    let root = PageNo::new(2).unwrap();
    let mut buffer = std::vec![0u8; 128 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    for mode in [CheckpointMode::Passive, CheckpointMode::Truncate] {
        let report = oom_sweep(
            &fault,
            true,
            |f| follow_and_write(&disk, f, mode),
            |n, e| {
                assert_eq!(e, Error::OutOfMemory, "failure {n}");
                assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
                // The other database still reads a prefix, and writes.
                let seen = check_prefix(&rows(&a.begin_read().unwrap(), root));
                commit_n(&a, root, seen + 1).unwrap();
            },
        )
        .unwrap();
        assert!(report.failure_points > 5, "{mode:?}: {report:?}");
    }
    let seen = check_prefix(&rows(&a.begin_read().unwrap(), root));
    assert!(seen > 30);
    assert!(a.integrity_check(0).unwrap().is_ok());
}

/// Tears the shared index's header while `keeper` stays attached (so it
/// is not cleared): the next reader must rebuild the index from the log.
fn tear_shared_index(keeper: &mut boundlite_platform::MemoryFile<'_>) {
    keeper.shm_write(HEADER_TEAR_AT, &[0xA5; 8]).unwrap();
}

/// Where [`tear_shared_index`] writes: inside the first header copy.
const HEADER_TEAR_AT: usize = 16;

#[test]
fn rebuilding_a_torn_shared_index_survives_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let a = shared_with_commits(&disk, 40);
    let root = PageNo::new(2).unwrap();
    let mut keeper = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    keeper.shm_attach().unwrap();
    let mut buffer = std::vec![0u8; 128 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let report = oom_sweep(
        &fault,
        true,
        |f| {
            tear_shared_index(&mut keeper);
            follow_and_write(&disk, f, CheckpointMode::Passive)
        },
        |n, e| {
            assert_eq!(e, Error::OutOfMemory, "failure {n}");
            assert_eq!(arena.stats().live_allocations, 0, "failure {n} leaked");
            let seen = check_prefix(&rows(&a.begin_read().unwrap(), root));
            assert!(seen >= 40, "failure {n}: a commit was lost");
        },
    )
    .unwrap();
    assert!(report.failure_points > 5, "{report:?}");
    assert!(a.integrity_check(0).unwrap().is_ok());
}

#[test]
fn a_lock_or_shared_memory_failure_at_any_point_leaves_the_database_usable() {
    use boundlite_platform::{FaultPlatform, FaultTarget, IoFault};
    let disk = MemoryPlatform::new();
    let a = shared_with_commits(&disk, 5);
    let root = PageNo::new(2).unwrap();
    let mut keeper = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    keeper.shm_attach().unwrap();
    let targets = [
        FaultTarget::Lock,
        FaultTarget::LockBusy,
        FaultTarget::Read,
        FaultTarget::Write,
        FaultTarget::Sync,
    ];
    for target in targets {
        let mut failures = 0;
        for n in 1.. {
            // Every other run also rebuilds the index from the log.
            if n % 2 == 0 {
                tear_shared_index(&mut keeper);
            }
            let fault = FaultPlatform::new(&disk);
            fault.arm(IoFault::Once { target, n });
            let result = follow_and_write(&fault, Global, CheckpointMode::Restart);
            match result {
                Ok(_) if fault.counts().failed == 0 => break,
                Ok(_) => {}
                Err(Error::Busy) if target == FaultTarget::LockBusy => failures += 1,
                Err(Error::Io(_)) if target != FaultTarget::LockBusy => failures += 1,
                Err(e) => panic!("{target:?} failure {n}: {e}"),
            }
            // Whatever the failed database held is given back: the other
            // one reads a prefix, writes, and restarts the log.
            let seen = check_prefix(&rows(&a.begin_read().unwrap(), root));
            commit_n(&a, root, seen + 1).unwrap();
            assert!(
                !a.checkpoint(CheckpointMode::Restart).unwrap().busy,
                "{target:?} {n}"
            );
        }
        // A refused read mark is retried inside the read, so fewer busy
        // failures reach the caller than failed lock operations.
        assert!(failures > 1, "{target:?}: {failures}");
    }
}

#[test]
fn a_torn_shared_index_is_rebuilt_from_the_log() {
    let disk = MemoryPlatform::new();
    let a = shared_with_commits(&disk, 12);
    let root = PageNo::new(2).unwrap();
    // Tear the header another handle left (its copies disagree), while
    // that handle stays attached so that the memory is not cleared.
    let mut raw = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    raw.shm_attach().unwrap();
    raw.shm_write(0, &[0xA5; 8]).unwrap();
    let b = open(&disk);
    assert_eq!(check_prefix(&rows(&b.begin_read().unwrap(), root)), 12);
    commit_n(&b, root, 13).unwrap();
    assert_eq!(check_prefix(&rows(&a.begin_read().unwrap(), root)), 13);
    drop(raw);
    // Garbage left by handles that are all gone is cleared on the next
    // first attach, and rebuilt from the log.
    drop((a, b));
    let mut raw = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    raw.shm_attach().unwrap();
    raw.shm_write(0, &[0x5A; 200]).unwrap();
    drop(raw);
    let c = open(&disk);
    assert_eq!(check_prefix(&rows(&c.begin_read().unwrap(), root)), 13);
}

/// A RAM disk on a medium that refuses writes: opening a file for
/// writing fails as a read-only file system does.
struct ReadOnlyMedium<'d>(&'d MemoryPlatform);

impl<'d> Platform for &ReadOnlyMedium<'d> {
    type File = boundlite_platform::MemoryFile<'d>;

    fn open(
        &self,
        path: &str,
        mode: OpenMode,
    ) -> core::result::Result<Self::File, boundlite_platform::PlatformError> {
        if mode.is_writable() {
            return Err(boundlite_platform::ErrorKind::ReadOnly.into());
        }
        self.0.open(path, mode)
    }

    fn delete(&self, _: &str) -> core::result::Result<(), boundlite_platform::PlatformError> {
        Err(boundlite_platform::ErrorKind::ReadOnly.into())
    }

    fn exists(&self, path: &str) -> core::result::Result<bool, boundlite_platform::PlatformError> {
        self.0.exists(path)
    }
}

/// A database in rollback-journal mode with no log: what SQLite leaves
/// with `journal_mode=DELETE`.
fn rollback_journal_database(disk: &MemoryPlatform, commits: i64) {
    {
        let a = open(disk);
        let root = create_table(&a);
        for n in 1..=commits {
            commit_n(&a, root, n).unwrap();
        }
        assert!(!a.checkpoint(CheckpointMode::Truncate).unwrap().busy);
    }
    (&disk).delete("shared.db-wal").unwrap();
    let mut bytes = disk.file_bytes(PATH).unwrap();
    bytes[18] = 1;
    bytes[19] = 1;
    disk.write_file(PATH, &bytes).unwrap();
}

#[test]
fn reading_a_rollback_journal_database_creates_no_file_and_its_first_write_gives_it_a_log() {
    let disk = MemoryPlatform::new();
    rollback_journal_database(&disk, 3);
    let files = disk.file_count().unwrap();
    let root = PageNo::new(2).unwrap();
    let db = open(&disk);
    let conn = db.connect();
    let mut count = conn.prepare("SELECT count(*) FROM t").unwrap();
    assert_eq!(count.step().unwrap().unwrap().get_i64(0).unwrap(), 4);
    drop(count);
    assert_eq!(check_prefix(&rows(&db.begin_read().unwrap(), root)), 3);
    assert!(
        !(&disk).exists("shared.db-wal").unwrap(),
        "a read created the log"
    );
    assert_eq!(disk.file_count().unwrap(), files);
    // A rollback-journal file is converted under an exclusive lock: busy
    // while another database reads it, then done by the first write.
    let other = open(&disk);
    let reading = other.begin_read().unwrap();
    assert_eq!(commit_n(&db, root, 4).err(), Some(Error::Busy));
    assert!(!(&disk).exists("shared.db-wal").unwrap());
    assert_eq!(check_prefix(&rows(&reading, root)), 3);
    drop(reading);
    drop(other);
    commit_n(&db, root, 4).unwrap();
    assert!((&disk).exists("shared.db-wal").unwrap());
    let again = open(&disk);
    assert_eq!(check_prefix(&rows(&again.begin_read().unwrap(), root)), 4);
    commit_n(&again, root, 5).unwrap();
    assert_eq!(check_prefix(&rows(&db.begin_read().unwrap(), root)), 5);
}

#[test]
fn a_file_that_cannot_be_written_opens_for_reading() {
    let disk = MemoryPlatform::new();
    rollback_journal_database(&disk, 2);
    let medium = ReadOnlyMedium(&disk);
    let db = Database::open(&medium, PATH, &small(), Global).unwrap();
    let root = PageNo::new(2).unwrap();
    assert_eq!(check_prefix(&rows(&db.begin_read().unwrap(), root)), 2);
    assert_eq!(db.begin_write().err(), Some(Error::ReadOnly));
    let conn = db.connect();
    assert_eq!(
        conn.execute("INSERT INTO t VALUES (1)", &[]).err(),
        Some(Error::ReadOnly)
    );
    assert!(!(&disk).exists("shared.db-wal").unwrap());
}

/// A RAM disk's file with real locks but no shared memory: what a
/// platform without `mmap` offers.
struct NoShmFile<'d>(boundlite_platform::MemoryFile<'d>);

impl File for NoShmFile<'_> {
    fn read_at(
        &mut self,
        offset: u64,
        buf: &mut [u8],
    ) -> core::result::Result<usize, boundlite_platform::PlatformError> {
        self.0.read_at(offset, buf)
    }

    fn write_at(
        &mut self,
        offset: u64,
        data: &[u8],
    ) -> core::result::Result<(), boundlite_platform::PlatformError> {
        self.0.write_at(offset, data)
    }

    fn sync(&mut self) -> core::result::Result<(), boundlite_platform::PlatformError> {
        self.0.sync()
    }

    fn truncate(
        &mut self,
        len: u64,
    ) -> core::result::Result<(), boundlite_platform::PlatformError> {
        self.0.truncate(len)
    }

    fn size(&mut self) -> core::result::Result<u64, boundlite_platform::PlatformError> {
        self.0.size()
    }

    fn lock(
        &mut self,
        level: LockLevel,
    ) -> core::result::Result<(), boundlite_platform::PlatformError> {
        self.0.lock(level)
    }

    fn unlock(
        &mut self,
        level: LockLevel,
    ) -> core::result::Result<(), boundlite_platform::PlatformError> {
        self.0.unlock(level)
    }

    fn is_reserved(&mut self) -> core::result::Result<bool, boundlite_platform::PlatformError> {
        self.0.is_reserved()
    }
}

struct NoShm<'d>(&'d MemoryPlatform);

impl<'d> Platform for &NoShm<'d> {
    type File = NoShmFile<'d>;

    fn open(
        &self,
        path: &str,
        mode: OpenMode,
    ) -> core::result::Result<Self::File, boundlite_platform::PlatformError> {
        self.0.open(path, mode).map(NoShmFile)
    }

    fn delete(&self, path: &str) -> core::result::Result<(), boundlite_platform::PlatformError> {
        self.0.delete(path)
    }

    fn exists(&self, path: &str) -> core::result::Result<bool, boundlite_platform::PlatformError> {
        self.0.exists(path)
    }
}

#[test]
fn without_shared_memory_a_database_holds_its_file_exclusively() {
    let disk = MemoryPlatform::new();
    let platform = NoShm(&disk);
    let a = Database::open(&platform, PATH, &small(), Global).unwrap();
    let root = create_table(&a);
    commit_n(&a, root, 1).unwrap();
    // Another database, with or without shared memory, is refused while
    // the first is open: it could not see the first's private index.
    assert_eq!(
        Database::open(&platform, PATH, &small(), Global).err(),
        Some(Error::Busy)
    );
    assert_eq!(
        Database::open(&disk, PATH, &small(), Global).err(),
        Some(Error::Busy)
    );
    drop(a);
    let b = open(&disk);
    assert_eq!(check_prefix(&rows(&b.begin_read().unwrap(), root)), 1);
}

#[test]
fn a_reader_waits_out_a_header_being_published_whatever_its_timeout() {
    use boundlite_platform::{ShmLockKind, ShmSlots};
    let disk = MemoryPlatform::new();
    let a = shared_with_commits(&disk, 3);
    let root = PageNo::new(2).unwrap();
    let sleepy = Sleepy {
        disk: &disk,
        slept_us: core::cell::Cell::new(0),
        meanwhile: core::cell::RefCell::new(None),
    };
    let b = Database::open(&sleepy, PATH, &small(), Global).unwrap();
    assert_eq!(b.busy_timeout_ms(), 0);
    // A "writer" holds the write lock with the header's copies unequal,
    // as between its two writes of the header.
    let mut writer = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    writer.shm_attach().unwrap();
    let write_slot = ShmSlots::one(0).unwrap();
    writer.shm_lock(write_slot, ShmLockKind::Exclusive).unwrap();
    let mut copy = [0u8; 48];
    writer.shm_read(48, &mut copy).unwrap();
    let mut torn = copy;
    torn[8] ^= 1;
    writer.shm_write(48, &torn).unwrap();
    // It finishes while the reader pauses: the reader is not refused.
    let (sender, receiver) = std::sync::mpsc::channel();
    sender.send(writer).unwrap();
    *sleepy.meanwhile.borrow_mut() = Some(std::boxed::Box::new(move || {
        let mut writer = receiver.recv().unwrap();
        writer.shm_write(48, &copy).unwrap();
        writer
            .shm_unlock(write_slot, ShmLockKind::Exclusive)
            .unwrap();
    }));
    assert_eq!(check_prefix(&rows(&b.begin_read().unwrap(), root)), 3);
    assert!(sleepy.slept_us.get() > 0);
    // A recovery in progress (its lock held) is busy, as SQLite says.
    let mut recovering = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    recovering.shm_attach().unwrap();
    recovering
        .shm_lock(ShmSlots::new(0, 3).unwrap(), ShmLockKind::Exclusive)
        .unwrap();
    recovering.shm_write(48, &torn).unwrap();
    assert_eq!(b.begin_read().err(), Some(Error::Busy));
    recovering.shm_write(48, &copy).unwrap();
    drop(recovering);
    commit_n(&a, root, 4).unwrap();
    assert_eq!(check_prefix(&rows(&b.begin_read().unwrap(), root)), 4);
}

/// What a rollback-mode writer holding the exclusive lock commits in
/// place: the header's user version, with its change counter advanced.
/// Then it lets go of every lock.
fn commit_in_place(writer: &mut boundlite_platform::MemoryFile<'_>, user_version: u32) {
    let mut page_one = [0u8; 100];
    writer.read_exact_at(0, &mut page_one).unwrap();
    let counter = u32::from_be_bytes(page_one[24..28].try_into().unwrap());
    page_one[24..28].copy_from_slice(&(counter + 1).to_be_bytes());
    page_one[60..64].copy_from_slice(&user_version.to_be_bytes());
    writer.write_at(0, &page_one).unwrap();
    writer.unlock(LockLevel::None).unwrap();
}

#[test]
fn a_rollback_journal_writer_and_a_converting_database_do_not_wait_on_each_other() {
    let disk = MemoryPlatform::new();
    rollback_journal_database(&disk, 2);
    let root = PageNo::new(2).unwrap();
    let db = open(&disk);
    let reading = db.begin_read().unwrap();
    assert_eq!(check_prefix(&rows(&reading, root)), 2);
    // A rollback-journal writer (SQLite's locks) is under way: it holds
    // RESERVED and needs every reader gone to commit.
    let mut writer = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    writer.lock(LockLevel::Shared).unwrap();
    writer.lock(LockLevel::Reserved).unwrap();
    assert!(
        writer.lock(LockLevel::Exclusive).is_err(),
        "the reader holds it off"
    );
    drop(reading);
    // The database's first write cannot convert the file now: busy, and
    // it lets go of its shared lock so that the writer can commit.
    assert_eq!(commit_n(&db, root, 3).err(), Some(Error::Busy));
    writer.lock(LockLevel::Exclusive).unwrap();
    commit_in_place(&mut writer, 77);
    // The database takes its lock again, sees the writer's commit, and
    // converts the file at its write.
    commit_n(&db, root, 3).unwrap();
    assert_eq!(db.header().user_version, 77);
    assert!((&disk).exists("shared.db-wal").unwrap());
    assert_eq!(check_prefix(&rows(&db.begin_read().unwrap(), root)), 3);
    let other = open(&disk);
    assert_eq!(check_prefix(&rows(&other.begin_read().unwrap(), root)), 3);
    assert!(other.integrity_check(0).unwrap().is_ok());
}

#[test]
fn a_database_without_a_log_follows_a_log_another_started_while_it_waited() {
    let disk = MemoryPlatform::new();
    rollback_journal_database(&disk, 2);
    let root = PageNo::new(2).unwrap();
    let db = open(&disk);
    // Its conversion is refused while a rollback writer reserves the file;
    // it lets go of its shared lock.
    let mut writer = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    writer.lock(LockLevel::Shared).unwrap();
    writer.lock(LockLevel::Reserved).unwrap();
    assert_eq!(commit_n(&db, root, 3).err(), Some(Error::Busy));
    drop(writer);
    // Meanwhile another database converts the file and commits into the log.
    let other = open(&disk);
    commit_n(&other, root, 3).unwrap();
    commit_n(&other, root, 4).unwrap();
    drop(other);
    // The first reads through that log, and writes after it.
    assert_eq!(check_prefix(&rows(&db.begin_read().unwrap(), root)), 4);
    commit_n(&db, root, 5).unwrap();
    let again = open(&disk);
    assert_eq!(check_prefix(&rows(&again.begin_read().unwrap(), root)), 5);
}

#[test]
fn an_idle_database_without_a_log_holds_no_lock_and_sees_rollback_commits() {
    let disk = MemoryPlatform::new();
    rollback_journal_database(&disk, 2);
    let root = PageNo::new(2).unwrap();
    let db = open(&disk);
    assert_eq!(check_prefix(&rows(&db.begin_read().unwrap(), root)), 2);
    // Between its reads it holds no lock: a rollback-mode writer commits
    // in place (here, the header's user version and change counter).
    let mut writer = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    writer.lock(LockLevel::Shared).unwrap();
    writer.lock(LockLevel::Reserved).unwrap();
    writer.lock(LockLevel::Exclusive).unwrap();
    commit_in_place(&mut writer, 9);
    // Its next read takes the lock again and sees the commit.
    let conn = db.connect();
    let mut version = conn.prepare("PRAGMA user_version").unwrap();
    assert_eq!(version.step().unwrap().unwrap().get_i64(0).unwrap(), 9);
    drop(version);
    // A hot journal left by a crashed writer is refused at that point.
    disk.write_file(
        "shared.db-journal",
        &[0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7],
    )
    .unwrap();
    let mut writer = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    writer.lock(LockLevel::Shared).unwrap();
    writer.lock(LockLevel::Exclusive).unwrap();
    drop(writer);
    assert!(matches!(db.begin_read().err(), Some(Error::CantOpen(_))));
    assert!(
        matches!(db.begin_read().err(), Some(Error::CantOpen(_))),
        "checked again"
    );
    (&disk).delete("shared.db-journal").unwrap();
    assert_eq!(check_prefix(&rows(&db.begin_read().unwrap(), root)), 2);
}

#[test]
fn a_write_under_its_own_reader_of_a_backfilled_log_does_not_restart_it() {
    let disk = MemoryPlatform::new();
    let a = shared_with_commits(&disk, 3);
    let root = PageNo::new(2).unwrap();
    let b = open(&disk);
    let reading = a.begin_read().unwrap();
    assert!(!b.checkpoint(CheckpointMode::Full).unwrap().busy);
    // The log is all in the file, but a's own reader uses it.
    commit_n(&a, root, 4).unwrap();
    assert_eq!(check_prefix(&rows(&reading, root)), 3);
    drop(reading);
    assert_eq!(check_prefix(&rows(&b.begin_read().unwrap(), root)), 4);
}

#[test]
fn a_writer_that_finds_a_torn_header_rebuilds_it_under_its_own_write_lock() {
    let disk = MemoryPlatform::new();
    let a = shared_with_commits(&disk, 3);
    let root = PageNo::new(2).unwrap();
    // A writer died between its two writes of the header.
    let mut keeper = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    keeper.shm_attach().unwrap();
    tear_shared_index(&mut keeper);
    commit_n(&a, root, 4).unwrap();
    tear_shared_index(&mut keeper);
    assert!(!a.checkpoint(CheckpointMode::Truncate).unwrap().busy);
    assert_eq!(
        check_prefix(&rows(&open(&disk).begin_read().unwrap(), root)),
        4
    );
}

#[test]
fn a_log_past_the_first_hash_block_is_followed_rebuilt_and_appended_to() {
    // More frames than the first 32 KiB block of the index holds (4062).
    let config = Config {
        page_size: crate::format::PageSize::new(512).unwrap(),
        wal_autocheckpoint: 0,
        ..Config::DEFAULT
    };
    let disk = MemoryPlatform::new();
    let a = Database::open(&disk, PATH, &config, Global).unwrap();
    let root = create_table(&a);
    let pad = [b'x'; 300];
    let mut next = 1i64;
    let mut record = Vec::new();
    while a.pager().snapshot().log_end <= 4_400 {
        let txn = a.begin_write().unwrap();
        for _ in 0..40 {
            record.clear();
            encode_into(
                &[ValueRef::Integer(next * 7), ValueRef::Text(&pad)],
                &mut record,
            )
            .unwrap();
            txn.insert_row(root, RowId::new(next), &record).unwrap();
            next += 1;
        }
        txn.insert_row(root, RowId::new(0), &value(next - 1))
            .unwrap();
        txn.commit().unwrap();
    }
    let committed = next - 1;
    let b = Database::open(&disk, PATH, &config, Global).unwrap();
    assert_eq!(
        check_prefix(&rows(&b.begin_read().unwrap(), root)),
        committed
    );
    let mut keeper = (&disk).open(PATH, OpenMode::ReadWrite).unwrap();
    keeper.shm_attach().unwrap();
    tear_shared_index(&mut keeper);
    commit_n(&b, root, committed + 1).unwrap();
    assert_eq!(
        check_prefix(&rows(&a.begin_read().unwrap(), root)),
        committed + 1
    );
    assert!(a.integrity_check(0).unwrap().is_ok());
}
