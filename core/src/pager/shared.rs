//! How a pager shares its database with other handles (other processes,
//! or other `Database` values on one platform): SQLite's WAL protocol over
//! the shared WAL index (`wal::shm`), or holding the file exclusively.
//!
//! # Modes ([`Mode`])
//!
//! | mode | file lock held while open | log index |
//! |---|---|---|
//! | `Unlocked` | none: the caller coordinates (`Pager::open`) | private |
//! | `Exclusive` | `Exclusive`: others get `Busy` | private |
//! | `Unattached` | `Shared` during a transaction only | none yet: no log, reads the file |
//! | `Shared` | `Shared` | SQLite's `-shm`, shared |
//!
//! `Unattached` is a database without a log (a rollback-journal SQLite
//! file): it becomes `Shared` (or `Exclusive`, on a platform without
//! shared memory) when its first write attaches a log, under an
//! `Exclusive` file lock so that no rollback-mode writer is active. Until
//! then its `Shared` lock is held only while a transaction needs it, as
//! SQLite's rollback-mode readers hold theirs (a rollback-mode writer
//! needs every reader gone to commit), and let go too when its conversion
//! is refused by such a writer. Each read that takes it again rereads the
//! file (what a writer changed meanwhile), checks for a hot journal, and
//! follows a log another handle may have started meanwhile.
//!
//! # The shared protocol (`Shared`)
//!
//! - **Reading** ([`Pager::take_read`]): read the shared header
//!   (rebuilding the index from the log first if it is torn and no writer
//!   holds the write lock; a header torn under a writer is being published
//!   and is read again, which the database retries with SQLite's short
//!   pauses whatever its busy timeout); hold a read mark at or below the
//!   header's last frame, shared, and check that neither moved meanwhile;
//!   only then follow the header: index the frames other handles
//!   committed and forget cached pages a restart or a checkpoint made
//!   stale. Under a mark of 1 or more no handle can restart the log, so
//!   the hash tables read are the header's. A log entirely in the
//!   database file is read through mark 0, the database file alone, and
//!   its hash tables are not read at all (a writer may restart the log
//!   under mark 0).
//! - **Writing** ([`Pager::begin_shared_write`]): take the write lock,
//!   then read as above (nobody else can commit now), restart the log
//!   when it is entirely in the database file and no reader uses it, and
//!   otherwise index its frames (under the write lock no restart can
//!   happen), so the commit appends after them. A commit records its
//!   frames in the shared hash tables before writing them to the log, and
//!   publishes the header after the log is synced: no reader sees a frame
//!   before it is durable.
//! - **Checkpoints** take the checkpoint lock, copy frames only up to the
//!   lowest read mark a reader holds, and hold mark 0 exclusively while
//!   they write the database file.
//!
//! Every lock is tried once: a refused one is `Busy`, and waiting is the
//! caller's (the database's busy timeout).
//!
//! Invariants:
//! - this pager holds each read mark's slot shared exactly while
//!   `holders[mark] > 0`; the write slot exactly while `writing`;
//! - `view` is a mark held for reads outside any transaction, at the
//!   latest commit this pager knows, dropped whenever that moves; while
//!   the pager writes it is the write's mark, which its other readers
//!   share;
//! - `loaded` is true exactly when the private index holds every frame
//!   of `seen`: a writer never appends without it.

use core::cell::{Cell, RefCell};

use boundlite_platform::{ErrorKind, File, LockLevel, ShmLockKind};

use super::cache::Version;
use super::{Pager, Snapshot, reentrant};
use crate::alloc::Allocator;
use crate::format::{DatabaseHeader, HEADER_SIZE};
use crate::wal::Followed;
use crate::wal::shm::{self, IndexHeader, MARK_UNUSED, READ_MARKS, Slot, Unusable};
use crate::{Error, PageNo, Result};

/// How the pager shares its file. See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// No lock is taken: the caller coordinates.
    Unlocked,
    /// The file is held exclusively while open.
    Exclusive,
    /// No log yet: the file is read under a `Shared` lock.
    Unattached,
    /// The log is shared through the WAL index.
    Shared,
}

/// Attempts at a consistent read before giving up with `Busy` (SQLite
/// gives up with `SQLITE_PROTOCOL` after about 100).
const READ_ATTEMPTS: u32 = 100;

/// A read mark this pager holds, for one reader.
pub(crate) type Mark = u8;

/// What the shared protocol keeps between calls.
pub(crate) struct SharedState {
    /// The shared header the pager's view follows; `None` before the first
    /// read.
    seen: Cell<Option<IndexHeader>>,
    /// Whether the private index holds the frames of `seen` (a reader of
    /// mark 0 leaves it empty).
    loaded: Cell<bool>,
    /// Whether the last `Busy` of a read met only a header being rewritten.
    transient: Cell<bool>,
    /// Frames the shared index said were backfilled, when last read.
    backfilled: Cell<u32>,
    /// How many of this pager's readers hold each read mark.
    holders: [Cell<u32>; READ_MARKS as usize],
    /// Whether this pager has a write transaction open.
    writing: Cell<bool>,
    /// The slots this pager holds exclusively among the write, checkpoint
    /// and recovery locks, as a mask of [`Slot::bit`]s: a recovery found
    /// necessary while one is held (a writer or checkpointer reading a
    /// header a crashed writer tore) takes only the others.
    exclusive: Cell<u8>,
    /// Whether the shared hash tables may hold entries past the last
    /// published commit that this pager wrote.
    unpublished: Cell<bool>,
    /// The read mark (and snapshot) reads outside a transaction use.
    view: Cell<Option<(Mark, Snapshot)>>,
    /// Without a log (`Unattached`): whether the file's `Shared` lock is
    /// held. It is let go only while another handle's rollback-journal
    /// transaction needs every reader gone to commit.
    file_shared: Cell<bool>,
}

impl SharedState {
    pub(crate) fn new() -> Self {
        SharedState {
            seen: Cell::new(None),
            loaded: Cell::new(false),
            transient: Cell::new(false),
            backfilled: Cell::new(0),
            holders: core::array::from_fn(|_| Cell::new(0)),
            writing: Cell::new(false),
            exclusive: Cell::new(0),
            unpublished: Cell::new(false),
            view: Cell::new(None),
            file_shared: Cell::new(true),
        }
    }

    fn holds(&self, mark: Mark) -> bool {
        self.holders
            .get(usize::from(mark))
            .is_some_and(|h| h.get() > 0)
    }
}

impl<F: File, A: Allocator + Clone> Pager<F, A> {
    /// Runs `op` on the database file handle.
    fn with_db<T>(&self, op: impl FnOnce(&mut F) -> Result<T>) -> Result<T> {
        let Ok(mut file) = self.file.try_borrow_mut() else {
            return Err(reentrant());
        };
        op(&mut file)
    }

    /// Whether the pager follows the shared protocol.
    pub(crate) fn is_shared(&self) -> bool {
        self.mode.get() == Mode::Shared
    }

    /// Whether the pager holds its file exclusively while open: nothing
    /// but this pager changes it.
    pub(crate) fn is_exclusive(&self) -> bool {
        self.mode.get() == Mode::Exclusive
    }

    /// Starts a read in shared mode: the snapshot of the latest commit and
    /// the read mark that protects it, held until [`release_read`](Self::release_read).
    pub(crate) fn take_read(&self) -> Result<(Snapshot, Mark)> {
        if let (true, Some((mark, snapshot))) = (self.shared.writing.get(), self.shared.view.get())
        {
            // Nobody else can commit while this pager writes: its write's
            // snapshot is the latest, and its mark protects it.
            self.count_mark(mark, 1);
            return Ok((snapshot, mark));
        }
        self.shared.transient.set(false);
        for _ in 0..READ_ATTEMPTS {
            let Some(header) = self.current_header()? else {
                continue;
            };
            let Some(mark) = self.try_mark(&header)? else {
                continue;
            };
            // Under the mark the hash tables of the header's frames stay
            // as they are: no log restarts while a mark of 1 or more is
            // held, and a reader of mark 0 needs no frame.
            let followed = if mark == 0 {
                self.follow_file_only(&header)
            } else {
                self.follow_frames(&header)
            };
            if let Err(e) = followed {
                let _ = self.release_read(mark);
                return Err(e);
            }
            let snapshot = match mark {
                0 => Snapshot {
                    log_end: 0,
                    ..self.snapshot()
                },
                _ => self.snapshot(),
            };
            return Ok((snapshot, mark));
        }
        // Every attempt found a header being rewritten: a writer is
        // publishing a commit. The caller retries after a pause.
        self.shared.transient.set(true);
        Err(Error::Busy)
    }

    /// Whether the last read refused as `Busy` only met a header being
    /// rewritten (no recovery running): worth retrying at once, whatever
    /// the busy timeout, as SQLite's readers do.
    pub(crate) fn busy_is_transient(&self) -> bool {
        self.shared.transient.get()
    }

    /// The shared header, when it can be used; `None` when it is being
    /// rewritten or was just rebuilt, and must be read again. Rebuilds it
    /// from the log when it is torn and no writer holds the write lock.
    fn current_header(&self) -> Result<Option<IndexHeader>> {
        match self.with_db(|db| shm::read_header(db))? {
            Ok(header) => Ok(Some(header)),
            Err(Unusable::Version) => Err(Error::CantOpen(
                "the WAL index is of a version this engine does not know",
            )),
            Err(Unusable::Rebuild) => match self.recover() {
                Ok(()) => Ok(None),
                // The write lock is held: a writer publishing its header
                // (read again), unless a recovery is running (busy).
                Err(Error::Busy) if !self.recovery_running()? => Ok(None),
                Err(e) => Err(e),
            },
        }
    }

    /// Whether another handle holds the recovery lock.
    fn recovery_running(&self) -> Result<bool> {
        self.with_db(
            |db| match shm::lock(db, Slot::Recover, ShmLockKind::Shared) {
                Ok(()) => {
                    shm::unlock(db, Slot::Recover, ShmLockKind::Shared)?;
                    Ok(false)
                }
                Err(Error::Busy) => Ok(true),
                Err(e) => Err(e),
            },
        )
    }

    /// One attempt at holding a read mark for the log `header` describes;
    /// `None` when something moved and the read must start again.
    fn try_mark(&self, header: &IndexHeader) -> Result<Option<Mark>> {
        self.with_db(|db| {
            if shm::backfilled(db)? >= header.max_frame {
                match self.share_mark(db, 0) {
                    Ok(()) => {
                        db.shm_barrier();
                        if shm::read_header(db)? != Ok(*header) {
                            self.unshare_mark(db, 0)?;
                            return Ok(None);
                        }
                        return Ok(Some(0));
                    }
                    // A checkpoint is writing the database file: read
                    // through the log instead.
                    Err(Error::Busy) => {}
                    Err(e) => return Err(e),
                }
            }
            let max = header.max_frame;
            let mut best: Option<(Mark, u32)> = None;
            for mark in 1..READ_MARKS {
                let value = shm::mark(db, mark)?;
                if value <= max && best.is_none_or(|(_, b)| b <= value) {
                    best = Some((mark, value));
                }
            }
            if best.is_none_or(|(_, value)| value < max) {
                for mark in 1..READ_MARKS {
                    if self.shared.holds(mark) {
                        continue;
                    }
                    match shm::lock(db, Slot::Read(mark), ShmLockKind::Exclusive) {
                        Ok(()) => {
                            let set = shm::set_mark(db, mark, max);
                            shm::unlock(db, Slot::Read(mark), ShmLockKind::Exclusive)?;
                            set?;
                            best = Some((mark, max));
                            break;
                        }
                        Err(Error::Busy) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            let Some((mark, value)) = best else {
                return Ok(None);
            };
            match self.share_mark(db, mark) {
                Ok(()) => {}
                Err(Error::Busy) => return Ok(None),
                Err(e) => return Err(e),
            }
            db.shm_barrier();
            if shm::mark(db, mark)? != value || shm::read_header(db)? != Ok(*header) {
                self.unshare_mark(db, mark)?;
                return Ok(None);
            }
            Ok(Some(mark))
        })
    }

    /// Holds `mark` shared, once more.
    fn share_mark(&self, db: &mut F, mark: Mark) -> Result<()> {
        if !self.shared.holds(mark) {
            shm::lock(db, Slot::Read(mark), ShmLockKind::Shared)?;
        }
        self.count_mark(mark, 1);
        Ok(())
    }

    /// Holds `mark` once less, giving the slot back after the last.
    fn unshare_mark(&self, db: &mut F, mark: Mark) -> Result<()> {
        self.count_mark(mark, -1);
        if !self.shared.holds(mark) {
            shm::unlock(db, Slot::Read(mark), ShmLockKind::Shared)?;
        }
        Ok(())
    }

    fn count_mark(&self, mark: Mark, by: i32) {
        if let Some(h) = self.shared.holders.get(usize::from(mark)) {
            h.set(h.get().saturating_add_signed(by));
        }
    }

    /// Ends a read started by [`take_read`](Self::take_read).
    pub(crate) fn release_read(&self, mark: Mark) -> Result<()> {
        self.with_db(|db| self.unshare_mark(db, mark))
    }

    /// The snapshot reads outside any transaction use in shared mode,
    /// taking a read mark for it if none is held.
    pub(crate) fn view(&self) -> Result<Snapshot> {
        if let Some((_, snapshot)) = self.shared.view.get() {
            return Ok(snapshot);
        }
        let (snapshot, mark) = self.take_read()?;
        self.shared.view.set(Some((mark, snapshot)));
        Ok(snapshot)
    }

    /// Gives back the view's read mark, if held: the next read outside a
    /// transaction takes the latest commit again.
    pub(crate) fn drop_view(&self) -> Result<()> {
        match self.shared.view.take() {
            Some((mark, _)) => self.release_read(mark),
            None => Ok(()),
        }
    }

    /// Brings this pager's view, its private index included, up to the
    /// log `header` describes. Only under a read mark of 1 or more, or the
    /// write lock: then no log restart can rewrite the hash tables read.
    fn follow_frames(&self, header: &IndexHeader) -> Result<()> {
        if self.shared.seen.get() == Some(*header) && self.shared.loaded.get() {
            return self.follow_backfill();
        }
        self.follow(header)?;
        self.shared.loaded.set(true);
        Ok(())
    }

    /// Brings this pager's view up to a log `header` describes whose every
    /// frame is in the database file, read under mark 0: the latest commit
    /// is the database file alone. Another handle may restart the log
    /// meanwhile, so its hash tables are not read: the private index is
    /// emptied, and filled again by the next read through the log.
    fn follow_file_only(&self, header: &IndexHeader) -> Result<()> {
        if self.shared.seen.get() == Some(*header) {
            return self.follow_backfill();
        }
        self.drop_view()?;
        if let Some(wal) = self.wal.get() {
            wal.try_borrow_mut()
                .map_err(|_| reentrant())?
                .forget_frames();
        }
        self.cache
            .forget_where(|v| matches!(v, Version::Log(_) | Version::File))?;
        let backfilled = self.with_db(|db| shm::backfilled(db))?;
        self.shared.backfilled.set(backfilled);
        self.log_end.set(0);
        self.adopt_state(header)?;
        self.shared.seen.set(Some(*header));
        self.shared.loaded.set(false);
        Ok(())
    }

    /// Takes the page count `header` records (or the file's) and the
    /// database header as of the pager's latest snapshot.
    fn adopt_state(&self, header: &IndexHeader) -> Result<()> {
        let page_count = match header.db_pages {
            0 => self.file_pages()?,
            n => n,
        };
        let mut state = self.committed.get();
        state.page_count = page_count;
        self.committed.set(state);
        self.state.set(state);
        if page_count > 0 {
            state.header = self.read_header_as_of(&self.snapshot())?;
            self.committed.set(state);
            self.state.set(state);
        }
        Ok(())
    }

    /// Makes the pager's view the log `header` describes: indexes frames
    /// other handles committed, forgets cached pages that became stale,
    /// and rereads the database header.
    fn follow(&self, header: &IndexHeader) -> Result<()> {
        self.drop_view()?;
        let wal = self.wal.get().ok_or(Error::CantOpen(
            "another process started a write-ahead log after this database was opened without one",
        ))?;
        let (followed, backfilled) = {
            let mut wal = wal.try_borrow_mut().map_err(|_| reentrant())?;
            let mut db = self.file.try_borrow_mut().map_err(|_| reentrant())?;
            let followed = wal.follow(header, &mut *db)?;
            let backfilled = shm::backfilled(&mut *db)?;
            wal.set_backfilled(backfilled);
            (followed, backfilled)
        };
        if followed == Followed::Restarted {
            self.cache.forget_where(|v| matches!(v, Version::Log(_)))?;
        }
        if followed == Followed::Restarted || backfilled != self.shared.backfilled.get() {
            // A checkpoint changed the database file under the copies the
            // cache holds of it.
            self.cache.forget_where(|v| v == Version::File)?;
        }
        self.shared.backfilled.set(backfilled);
        self.log_end.set(header.max_frame);
        self.adopt_state(header)?;
        self.shared.seen.set(Some(*header));
        Ok(())
    }

    /// Forgets the cache's copies of database-file pages when another
    /// handle's checkpoint wrote the file since this pager last looked.
    fn follow_backfill(&self) -> Result<()> {
        let backfilled = self.with_db(|db| shm::backfilled(db))?;
        if backfilled != self.shared.backfilled.get() {
            self.cache.forget_where(|v| v == Version::File)?;
            self.shared.backfilled.set(backfilled);
            if let Some(wal) = self.wal.get() {
                wal.try_borrow_mut()
                    .map_err(|_| reentrant())?
                    .set_backfilled(backfilled);
            }
        }
        Ok(())
    }

    /// Pages the database file holds.
    fn file_pages(&self) -> Result<u32> {
        let size = self.with_db(|db| Ok(db.size()?))?;
        u32::try_from(size / u64::from(self.page_size))
            .map_err(|_| Error::corrupt_file("the database file is too large"))
    }

    /// The database header as `snapshot` has it.
    fn read_header_as_of(&self, snapshot: &Snapshot) -> Result<DatabaseHeader> {
        let first = self.page_at(PageNo::ONE, snapshot)?;
        let bytes = first
            .get(..HEADER_SIZE)
            .ok_or(Error::corrupt_file("page 1 is short"))?;
        let header = DatabaseHeader::parse(bytes)?;
        header.refuse_unsupported()?;
        if header.page_size.get() != self.page_size {
            return Err(Error::corrupt(PageNo::ONE, "the log changes the page size"));
        }
        Ok(header)
    }

    /// Takes `slot` exclusively unless this pager holds it already;
    /// whether it took it, and so must give it back.
    fn take_exclusive(&self, slot: Slot) -> Result<bool> {
        let held = self.shared.exclusive.get();
        if held & slot.bit() != 0 {
            return Ok(false);
        }
        self.with_db(|db| shm::lock(db, slot, ShmLockKind::Exclusive))?;
        self.shared.exclusive.set(held | slot.bit());
        Ok(true)
    }

    /// Gives back `slot`, taken by [`take_exclusive`](Self::take_exclusive).
    fn give_exclusive(&self, slot: Slot) -> Result<()> {
        let held = self.shared.exclusive.get();
        if held & slot.bit() == 0 {
            return Ok(());
        }
        self.shared.exclusive.set(held & !slot.bit());
        self.with_db(|db| shm::unlock(db, slot, ShmLockKind::Exclusive))
    }

    /// Runs `op` holding `slot` exclusively, taking it for the call only
    /// if this pager did not hold it already.
    fn with_exclusive<T>(&self, slot: Slot, op: impl FnOnce() -> Result<T>) -> Result<T> {
        let took = self.take_exclusive(slot)?;
        let result = op();
        let given = if took {
            self.give_exclusive(slot)
        } else {
            Ok(())
        };
        let value = result?;
        given?;
        Ok(value)
    }

    /// Rebuilds the shared index from the log file (SQLite's
    /// `walIndexRecover`), under the write, checkpoint and recovery locks.
    /// `Busy` when another handle holds one: it is writing, or recovering.
    fn recover(&self) -> Result<()> {
        self.with_exclusive(Slot::Write, || {
            if self.with_db(|db| shm::read_header(db))?.is_ok() {
                // Another handle rebuilt it while this one waited.
                return Ok(());
            }
            self.with_exclusive(Slot::Checkpoint, || {
                self.with_exclusive(Slot::Recover, || self.rebuild_index())
            })
        })
    }

    /// Reads the log file from the start and writes what it holds into the
    /// shared index: its frames, its header, fresh read marks.
    fn rebuild_index(&self) -> Result<()> {
        let mut db = self.file.try_borrow_mut().map_err(|_| reentrant())?;
        let db = &mut *db;
        let header = match self.wal.get() {
            Some(wal) => {
                let mut wal = wal.try_borrow_mut().map_err(|_| reentrant())?;
                wal.recover_from_file(self.alloc.clone())?;
                let max = wal.max_frame();
                crate::wal::Wal::<F, A>::publish_frames(db, 1, wal.frame_pages(1, max), 0)?;
                if max > 0 {
                    shm::hash::clear_after(db, max)?;
                }
                wal.shared_header(&IndexHeader::default())
            }
            None => IndexHeader {
                big_endian: true,
                page_size: self.page_size,
                ..IndexHeader::default()
            },
        };
        shm::set_backfilled(db, 0)?;
        shm::set_attempted(db, header.max_frame)?;
        shm::set_mark(db, 0, 0)?;
        for mark in 1..READ_MARKS {
            if self.shared.holds(mark) {
                continue;
            }
            match shm::lock(db, Slot::Read(mark), ShmLockKind::Exclusive) {
                Ok(()) => {
                    let value = if mark == 1 && header.max_frame > 0 {
                        header.max_frame
                    } else {
                        MARK_UNUSED
                    };
                    let set = shm::set_mark(db, mark, value);
                    shm::unlock(db, Slot::Read(mark), ShmLockKind::Exclusive)?;
                    set?;
                }
                Err(Error::Busy) => {}
                Err(e) => return Err(e),
            }
        }
        shm::write_header(db, &header)?;
        self.shared.seen.set(None);
        Ok(())
    }

    /// Takes the write lock and the latest snapshot for a write
    /// transaction, restarting the log when that is safe.
    pub(crate) fn begin_shared_write(&self) -> Result<()> {
        self.drop_view()?;
        self.take_exclusive(Slot::Write)?;
        self.shared.writing.set(true);
        let result = self.take_write_snapshot();
        if result.is_err() {
            self.end_shared_write();
        }
        result
    }

    fn take_write_snapshot(&self) -> Result<()> {
        self.shared.writing.set(false);
        let read = self.take_read();
        self.shared.writing.set(true);
        let (snapshot, mark) = read?;
        self.shared.view.set(Some((mark, snapshot)));
        if mark == 0 && self.seen_header().max_frame > 0 && self.try_restart_log()? {
            self.shared.loaded.set(true);
            return Ok(());
        }
        if !self.shared.loaded.get() {
            // A reader of mark 0 left the private index empty. Under the
            // write lock no other handle restarts the log, so its hash
            // tables can be read now: the commit appends after its frames.
            let seen = self.seen_header();
            self.shared.view.set(None);
            let followed = self.follow(&seen);
            self.shared.view.set(Some((mark, snapshot)));
            followed?;
            self.shared.loaded.set(true);
        }
        Ok(())
    }

    /// Restarts the log when no reader uses it (SQLite's `walRestartHdr`,
    /// under read marks `1..5` held exclusively; a reader of this pager
    /// holding one refuses it as surely as another handle's): the log is
    /// empty for every handle, and the salts of its next generation are
    /// published for whichever handle writes frame 1. `false`, and nothing
    /// done, while a reader uses it. The caller holds the write lock, and
    /// every frame is in the database file.
    pub(crate) fn try_restart_log(&self) -> Result<bool> {
        let Some(wal) = self.wal.get() else {
            return Ok(false);
        };
        if (1..READ_MARKS).any(|m| self.shared.holds(m)) {
            return Ok(false);
        }
        match self.with_db(|db| shm::lock_readers(db)) {
            Ok(()) => {}
            Err(Error::Busy) => return Ok(false),
            Err(e) => return Err(e),
        }
        let seen = self.seen_header();
        let restarted = wal
            .try_borrow_mut()
            .map_err(|_| reentrant())
            .and_then(|mut wal| {
                wal.restart();
                wal.seed_generation(&seen);
                let header = IndexHeader {
                    change: seen.change.wrapping_add(1),
                    max_frame: 0,
                    salts: wal.next_salts(),
                    ..seen
                };
                self.with_db(|db| {
                    shm::write_header(db, &header)?;
                    shm::reset_marks(db)
                })?;
                Ok(header)
            });
        let unlocked = self.with_db(|db| shm::unlock_readers(db));
        match &restarted {
            Ok(header) => self.shared.seen.set(Some(*header)),
            // The private index is empty whatever the shared one says:
            // the next read follows the shared one again.
            Err(_) => self.shared.seen.set(None),
        }
        self.shared.backfilled.set(0);
        self.cache.forget_where(|v| matches!(v, Version::Log(_)))?;
        self.log_end.set(0);
        restarted?;
        unlocked?;
        Ok(true)
    }

    /// Records the frames a commit is about to append, `pages` in order
    /// from frame `first`, in the shared hash tables.
    pub(crate) fn share_frames(
        &self,
        first: u32,
        pages: impl Iterator<Item = Result<PageNo>>,
        committed: u32,
    ) -> Result<()> {
        self.shared.unpublished.set(true);
        self.with_db(|db| crate::wal::Wal::<F, A>::publish_frames(db, first, pages, committed))
    }

    /// Publishes a commit written into the database file itself (the one
    /// that creates it): other handles must read its size afresh.
    pub(crate) fn publish_in_place(&self, page_count: u32) -> Result<()> {
        let previous = self.shared.seen.get().unwrap_or_default();
        let header = IndexHeader {
            change: previous.change.wrapping_add(1),
            db_pages: page_count,
            page_size: self.page_size,
            ..previous
        };
        self.with_db(|db| shm::write_header(db, &header))?;
        self.shared.seen.set(Some(header));
        Ok(())
    }

    /// Takes this pager's view back to the last published commit, after
    /// a commit whose header could not be published.
    pub(crate) fn revert_to_published(&self) -> Result<()> {
        let seen = self.shared.seen.get().unwrap_or_default();
        if let Some(wal) = self.wal.get() {
            let mut wal = wal.try_borrow_mut().map_err(|_| reentrant())?;
            let mut db = self.file.try_borrow_mut().map_err(|_| reentrant())?;
            wal.follow(&seen, &mut *db)?;
        }
        self.log_end.set(seen.max_frame);
        self.cache.forget_where(|v| matches!(v, Version::Log(_)))
    }

    /// Publishes the log's last commit in the shared header.
    pub(crate) fn publish_commit(&self) -> Result<()> {
        let wal = self.wal.get().ok_or(Error::Misuse("no log to publish"))?;
        let wal = wal.try_borrow().map_err(|_| reentrant())?;
        let previous = self.shared.seen.get().unwrap_or_default();
        let header = wal.shared_header(&previous);
        self.with_db(|db| shm::write_header(db, &header))?;
        self.shared.seen.set(Some(header));
        self.shared.unpublished.set(false);
        // The view's mark stays valid: it is below the commit.
        if let Some((mark, _)) = self.shared.view.get() {
            self.shared.view.set(Some((mark, self.snapshot())));
        }
        Ok(())
    }

    /// Drops hash-table entries past the last commit a failed or rolled
    /// back write may have left.
    pub(crate) fn unshare_frames(&self) -> Result<()> {
        if !self.shared.unpublished.replace(false) {
            return Ok(());
        }
        let committed = self.shared.seen.get().map_or(0, |h| h.max_frame);
        self.with_db(|db| shm::hash::clear_after(db, committed))
    }

    /// Gives back the write lock (and the write's snapshot).
    pub(crate) fn end_shared_write(&self) {
        if self.shared.writing.replace(false) {
            let _ = self.drop_view();
            let _ = self.give_exclusive(Slot::Write);
        }
    }

    /// The last frame a checkpoint may copy: the log's last, or the
    /// lowest read mark a reader of any handle holds below it. Marks no
    /// reader holds are moved up (mark 1) or retired on the way, as
    /// SQLite's checkpoint does.
    pub(crate) fn shared_checkpoint_limit(&self) -> Result<u32> {
        let seen = self.seen_header();
        self.with_db(|db| {
            let mut limit = seen.max_frame;
            for mark in 1..READ_MARKS {
                let value = shm::mark(db, mark)?;
                if limit <= value {
                    continue;
                }
                if self.shared.holds(mark) {
                    limit = value;
                    continue;
                }
                match shm::lock(db, Slot::Read(mark), ShmLockKind::Exclusive) {
                    Ok(()) => {
                        let set =
                            shm::set_mark(db, mark, if mark == 1 { limit } else { MARK_UNUSED });
                        shm::unlock(db, Slot::Read(mark), ShmLockKind::Exclusive)?;
                        set?;
                    }
                    Err(Error::Busy) => limit = value,
                    Err(e) => return Err(e),
                }
            }
            Ok(limit)
        })
    }

    /// Frames the shared index records as backfilled.
    pub(crate) fn shared_backfilled(&self) -> Result<u32> {
        self.with_db(|db| shm::backfilled(db))
    }

    /// The shared header this pager last followed.
    pub(crate) fn seen_header(&self) -> IndexHeader {
        self.shared.seen.get().unwrap_or_default()
    }

    /// Takes the write lock for a checkpoint that must hold writers off.
    pub(crate) fn lock_writer(&self) -> Result<()> {
        self.take_exclusive(Slot::Write).map(|_| ())
    }

    /// Gives back the write lock [`lock_writer`](Self::lock_writer) took.
    pub(crate) fn unlock_writer(&self) {
        let _ = self.give_exclusive(Slot::Write);
    }

    /// Takes the checkpoint lock; `Busy` if another checkpoint runs.
    pub(crate) fn lock_checkpoint(&self) -> Result<()> {
        self.take_exclusive(Slot::Checkpoint).map(|_| ())
    }

    /// Gives back the checkpoint lock.
    pub(crate) fn unlock_checkpoint(&self) -> Result<()> {
        self.give_exclusive(Slot::Checkpoint)
    }

    /// Takes mark 0 exclusively while a checkpoint writes the database
    /// file: no reader of the file alone may start. `false` when one reads.
    /// `limit` is the last frame it will copy, recorded as attempted.
    pub(crate) fn lock_file_readers(&self, limit: u32) -> Result<bool> {
        if self.shared.holds(0) {
            return Ok(false);
        }
        match self.with_db(|db| shm::lock(db, Slot::Read(0), ShmLockKind::Exclusive)) {
            Ok(()) => {
                if let Err(e) = self.with_db(|db| shm::set_attempted(db, limit)) {
                    let _ =
                        self.with_db(|db| shm::unlock(db, Slot::Read(0), ShmLockKind::Exclusive));
                    return Err(e);
                }
                Ok(true)
            }
            Err(Error::Busy) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Gives back mark 0 and records the frames now backfilled.
    pub(crate) fn unlock_file_readers(&self, backfilled: u32) -> Result<()> {
        let recorded = self.with_db(|db| shm::set_backfilled(db, backfilled));
        self.shared.backfilled.set(backfilled);
        let unlocked = self.with_db(|db| shm::unlock(db, Slot::Read(0), ShmLockKind::Exclusive));
        recorded.and(unlocked)
    }

    /// Takes the file lock the mode needs at open.
    pub(crate) fn lock_file(file: &mut F, level: LockLevel) -> Result<()> {
        match file.lock(level) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::Busy => Err(Error::Busy),
            Err(e) => Err(e.into()),
        }
    }

    /// Takes the file's `Exclusive` lock and keeps it until
    /// [`share_file`](Self::share_file) or close: no other handle opens or
    /// reads the file meanwhile (MVCC mode, whose logical log is private
    /// to this process). `Busy` when another handle has the file open.
    /// A pager that holds its file exclusively already, or takes no locks,
    /// has nothing to do.
    pub fn hold_file_exclusively(&self) -> Result<()> {
        match self.mode.get() {
            Mode::Shared | Mode::Unattached => {
                self.relock_if_released()?;
                self.with_db(|db| Self::lock_file(db, LockLevel::Exclusive))
            }
            Mode::Exclusive | Mode::Unlocked => Ok(()),
        }
    }

    /// Lets other handles open the file again, after
    /// [`hold_file_exclusively`](Self::hold_file_exclusively): the lock
    /// drops back to `Shared` where the pager shares its file.
    pub fn share_file(&self) -> Result<()> {
        match self.mode.get() {
            Mode::Shared | Mode::Unattached => self.with_db(|db| Ok(db.unlock(LockLevel::Shared)?)),
            Mode::Exclusive | Mode::Unlocked => Ok(()),
        }
    }

    /// Gives back everything this pager holds, when it closes.
    pub(crate) fn close_shared(&self) {
        self.end_shared_write();
        let _ = self.drop_view();
        if let Ok(mut db) = self.file.try_borrow_mut() {
            for mark in 0..READ_MARKS {
                if self.shared.holds(mark) {
                    let _ = shm::unlock(&mut *db, Slot::Read(mark), ShmLockKind::Shared);
                }
            }
            if matches!(self.mode.get(), Mode::Shared) {
                let _ = db.shm_detach(false);
            }
            let _ = db.unlock(LockLevel::None);
        }
    }
}

impl<F: File, A: Allocator + Clone> Pager<F, A> {
    /// Whether the database has no log yet and must get one
    /// ([`attach_log`](Self::attach_log)) before it is written.
    pub fn needs_log(&self) -> bool {
        self.mode.get() == Mode::Unattached
    }

    /// Gives a database opened without a log (a rollback-journal file) the
    /// log `open` opens (creating it), under an `Exclusive` lock on the
    /// file: no rollback-journal reader or writer is active, and once the
    /// log exists SQLite processes read the file as a WAL database. The
    /// lock then drops back to `Shared` (or stays `Exclusive` where the
    /// platform has no shared memory). `Busy` when another handle holds a
    /// lock on the file; the database is then as before.
    pub fn attach_log(&self, open: impl FnOnce() -> Result<F>) -> Result<()> {
        if self.mode.get() != Mode::Unattached {
            return Ok(());
        }
        self.relock_if_released()?;
        if let Err(e) = self.with_db(|db| Self::lock_file(db, LockLevel::Exclusive)) {
            if e == Error::Busy {
                // Another handle's rollback-journal transaction is under
                // way; it commits only once every reader has gone. Let go
                // of the shared lock so that it can, rather than wait on
                // each other: the next read takes it again and rereads
                // what that commit changed.
                self.with_db(|db| Ok(db.unlock(LockLevel::None)?))?;
                self.shared.file_shared.set(false);
            }
            return Err(e);
        }
        let attached = self.attach_log_locked(open);
        let lock = match (&attached, self.mode.get()) {
            (Ok(()), Mode::Exclusive) => return attached,
            _ => LockLevel::Shared,
        };
        let unlocked = self.with_db(|db| Ok(db.unlock(lock)?));
        attached.and(unlocked)
    }

    /// Takes the `Shared` lock of a database without a log again, if
    /// [`attach_log`](Self::attach_log) let it go, and rereads what
    /// another handle's commit changed meanwhile. `true` when it was taken
    /// again: the caller checks for a hot journal, as SQLite does each
    /// time it takes the lock. `Busy` while that handle writes.
    pub fn relock_if_released(&self) -> Result<bool> {
        if self.mode.get() != Mode::Unattached || self.shared.file_shared.get() {
            return Ok(false);
        }
        self.with_db(|db| Self::lock_file(db, LockLevel::Shared))?;
        self.shared.file_shared.set(true);
        self.reread_file()?;
        Ok(true)
    }

    /// Lets go of the shared lock of a database without a log once no read
    /// or write transaction of this pager needs it, as SQLite's readers of
    /// a rollback-journal file do after each transaction: a rollback-mode
    /// writer of another process can then commit. The next read takes it
    /// again ([`relock_if_released`](Self::relock_if_released)).
    pub(crate) fn end_unlogged_read(&self) {
        let idle = self.mode.get() == Mode::Unattached
            && self.shared.file_shared.get()
            && !self.in_write_transaction()
            && self.readers.log_ends().next().is_none();
        if idle && self.with_db(|db| Ok(db.unlock(LockLevel::None)?)).is_ok() {
            self.shared.file_shared.set(false);
        }
    }

    /// Rereads the header and size of a database without a log, and
    /// forgets the cached pages when another handle changed it.
    fn reread_file(&self) -> Result<()> {
        let mut bytes = [0u8; HEADER_SIZE];
        let size = self.with_db(|db| {
            db.read_exact_at(0, &mut bytes)?;
            Ok(db.size()?)
        })?;
        let header = DatabaseHeader::parse(&bytes)?;
        header.refuse_unsupported()?;
        let page_count = header.page_count(size)?;
        let committed = self.committed.get();
        if committed.header != header || committed.page_count != page_count {
            self.cache.forget_where(|v| v == Version::File)?;
            let state = super::State { header, page_count };
            self.committed.set(state);
            self.state.set(state);
        }
        Ok(())
    }

    /// Gives a database without a log the log another handle started on
    /// it meanwhile (`open` opens it): no conversion is needed, only to
    /// follow it.
    pub fn adopt_log(&self, open: impl FnOnce() -> Result<F>) -> Result<()> {
        if self.mode.get() != Mode::Unattached {
            return Ok(());
        }
        self.attach_log_locked(open)?;
        if self.mode.get() == Mode::Exclusive {
            self.with_db(|db| Self::lock_file(db, LockLevel::Exclusive))?;
        }
        Ok(())
    }

    /// Whether any handle holds the file's `Reserved` lock or a stronger
    /// one: a journal beside the file then belongs to a live writer.
    pub fn is_reserved(&self) -> Result<bool> {
        self.with_db(|db| Ok(db.is_reserved()?))
    }

    fn attach_log_locked(&self, open: impl FnOnce() -> Result<F>) -> Result<()> {
        let file = open()?;
        let page_size = self.header().page_size;
        let shared = match self.with_db(|db| Ok(db.shm_attach()?)) {
            Ok(()) => true,
            Err(Error::Io(e)) if e.kind() == ErrorKind::Unsupported => false,
            Err(e) => return Err(e),
        };
        let wal = if shared {
            crate::wal::Wal::open_following(file, page_size, self.index_budget, self.alloc.clone())
        } else {
            crate::wal::Wal::open_bounded(file, page_size, self.index_budget, self.alloc.clone())
        };
        let wal = match wal {
            Ok(wal) => wal,
            Err(e) => {
                if shared {
                    let _ = self.with_db(|db| Ok(db.shm_detach(false)?));
                }
                return Err(e);
            }
        };
        if self.wal.set(RefCell::new(wal)).is_err() {
            return Err(Error::Misuse("the database already has a log"));
        }
        if shared {
            self.mode.set(Mode::Shared);
            self.view()?;
            self.drop_view()?;
        } else {
            self.mode.set(Mode::Exclusive);
        }
        Ok(())
    }
}
