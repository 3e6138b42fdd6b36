//! [`DurableStore`]: the version store made durable by its log. Commits
//! are logged and synced before they become visible, recovery replays the
//! log above the database's checkpoint boundary, and a checkpoint hands
//! the committed rows to the caller (who writes them into the B-trees with
//! the boundary, in one database commit) before the log starts over.
//!
//! Invariants:
//! - a commit is visible in the store only once its frame is synced
//!   ([`VersionStore::commit`]'s durable step is the log's append), so
//!   every commit a reader saw survives a crash;
//! - recovery installs exactly the frames above the boundary the database
//!   records: frames at or below it were checkpointed before a crash cut
//!   the log's reset short;
//! - a log that starts after the database's boundary (its base is above
//!   it) belongs to another state of the database and is refused with
//!   `Corrupt`, as is a damaged header;
//! - a checkpoint resets the log only after the caller's database commit
//!   succeeded; if the reset then fails, the database already holds every
//!   frame and recovery skips them;
//! - a commit driven a step at a time ([`DurableStore::prepare`],
//!   [`DurableStore::step`]) writes the same bytes as [`DurableStore::commit`];
//!   while its frame is partly written, other commits and checkpoints get
//!   `Busy`; abandoning it before the sync cuts the log back and rolls it
//!   back; the sync and the install are one step;
//! - one checkpoint runs at a time ([`DurableStore::start_checkpoint`]
//!   to [`DurableStore::end_checkpoint`]); commits go on between its
//!   steps, and its log reset ([`DurableStore::empty_log`]) keeps a log
//!   that holds a frame past its boundary, so no acknowledged commit is
//!   lost to it (`points.rs` says why commits are not held off instead);
//! - recovery driven a step at a time ([`DurableStore::recover_pausing`])
//!   writes to the log only in its last step.

#[cfg(test)]
mod tests;

use boundlite_platform::File;

use super::log::{Appended, FrameBuffer, LogOp, LogReader, LogSalt, LogWriter};
use super::store::{
    Change, CheckpointRows, EntryMaker, Prepared, Seen, Tree, VersionStore, Writes,
};
use super::{CommitPoint, RecoveryPoint, Resume, Timestamp, TxnId};
use crate::alloc::Allocator;
use crate::{Error, PageNo, Result, RowId};

/// A version store and the log that makes its commits durable.
pub struct DurableStore<F: File, A: Allocator + Clone> {
    store: VersionStore<A>,
    log: LogWriter<F>,
    /// The buffer commits' frames are written through, one piece at a
    /// time (at most [`FRAME_PIECE_SIZE`](super::log::FRAME_PIECE_SIZE)
    /// bytes, kept across commits).
    frame: FrameBuffer<A>,
    /// The boundary of the checkpoint in progress.
    checkpointing: Option<Timestamp>,
}

impl<F: File, A: Allocator + Clone> DurableStore<F, A> {
    /// Opens the log in `file` for a database whose B-trees hold every
    /// commit up to `boundary`: every frame above it is replayed into a
    /// store counting at most `budget` bytes (`OutOfMemory` when they do
    /// not fit). A log without a header gets one, its salt drawn from
    /// `seed`; a recovered log's torn tail is cut off.
    pub fn recover(
        file: F,
        boundary: Timestamp,
        budget: usize,
        seed: u64,
        alloc: A,
    ) -> Result<Self> {
        Self::recover_pausing(file, boundary, budget, seed, alloc, &mut |_| {
            Resume::Continue
        })
    }

    /// [`recover`](Self::recover), stopping at each [`RecoveryPoint`]
    /// for `pause`; at [`Resume::Abandon`] it drops what it replayed and
    /// fails with `Abort`. Only the last step writes to the log.
    pub fn recover_pausing(
        file: F,
        boundary: Timestamp,
        budget: usize,
        seed: u64,
        alloc: A,
        pause: &mut dyn FnMut(RecoveryPoint) -> Resume,
    ) -> Result<Self> {
        const ABANDONED: Error = Error::Abort("the MVCC recovery was abandoned");
        let mut reader = LogReader::open(file, alloc.clone())?;
        if reader.header().is_some_and(|h| h.base > boundary) {
            return Err(Error::corrupt_file(
                "the MVCC log starts after the database's last checkpoint",
            ));
        }
        if pause(RecoveryPoint::HeaderRead) == Resume::Abandon {
            return Err(ABANDONED);
        }
        let mut store = VersionStore::new_in(alloc.clone(), budget, boundary);
        let mut read = 0u32;
        while let Some(frame) = reader.next_frame()? {
            if frame.commit > boundary {
                store.replay(frame.commit, frame.ops())?;
            }
            read = read.saturating_add(1);
            if pause(RecoveryPoint::FrameRead(read)) == Resume::Abandon {
                return Err(ABANDONED);
            }
        }
        let salt = reader
            .header()
            .map_or(LogSalt::new(seed), |h| h.salt.after(seed));
        let log = reader.into_writer(salt, boundary)?;
        if pause(RecoveryPoint::LogReady) == Resume::Abandon {
            return Err(ABANDONED);
        }
        Ok(DurableStore {
            store,
            log,
            frame: FrameBuffer::new_in(alloc),
            checkpointing: None,
        })
    }

    /// The store, for reading.
    pub fn store(&self) -> &VersionStore<A> {
        &self.store
    }

    /// Begins a transaction (see [`VersionStore::begin`]).
    pub fn begin(&mut self) -> Result<TxnId> {
        self.store.begin()
    }

    /// What `txn` sees of a row (see [`VersionStore::read`]).
    pub fn read(&self, txn: TxnId, root: PageNo, rowid: RowId) -> Result<Seen<'_>> {
        self.store.read(txn, root, rowid)
    }

    /// `txn` changes a row (see [`VersionStore::write`]).
    pub fn write(
        &mut self,
        txn: TxnId,
        root: PageNo,
        rowid: RowId,
        change: Change<'_>,
    ) -> Result<()> {
        self.store.write(txn, root, rowid, change)
    }

    /// Opens a savepoint for `txn`'s next statement (see
    /// [`VersionStore::begin_statement`]).
    pub fn begin_statement(&mut self, txn: TxnId) -> Result<()> {
        self.store.begin_statement(txn)
    }

    /// Keeps the statement's writes.
    pub fn end_statement(&mut self, txn: TxnId) -> Result<()> {
        self.store.end_statement(txn)
    }

    /// Takes the statement's writes back.
    pub fn undo_statement(&mut self, txn: TxnId) -> Result<()> {
        self.store.undo_statement(txn)
    }

    /// Opens a savepoint (see [`VersionStore::savepoint`]).
    pub fn savepoint(&mut self, txn: TxnId) -> Result<usize> {
        self.store.savepoint(txn)
    }

    /// Closes the savepoint at `depth` and those above it, keeping their
    /// writes.
    pub fn release(&mut self, txn: TxnId, depth: usize) -> Result<()> {
        self.store.release(txn, depth)
    }

    /// Takes back the writes since the savepoint at `depth`.
    pub fn rollback_to(&mut self, txn: TxnId, depth: usize) -> Result<()> {
        self.store.rollback_to(txn, depth)
    }

    /// Brings `txn`'s entry set of an index up to date (see
    /// [`VersionStore::sync_entries`]).
    pub fn sync_entries<M: EntryMaker<A>>(
        &mut self,
        txn: TxnId,
        table: PageNo,
        index: PageNo,
        maker: &mut M,
    ) -> Result<()> {
        self.store.sync_entries(txn, table, index, maker)
    }

    /// Moves `txn`'s B-tree snapshot to the last checkpoint when it may
    /// (see [`VersionStore::move_to_checkpoint`]).
    pub fn move_to_checkpoint(
        &mut self,
        txn: TxnId,
        lacks: impl FnMut(Tree, PageNo, RowId) -> Result<bool>,
    ) -> Result<bool> {
        self.store.move_to_checkpoint(txn, lacks)
    }

    /// Rolls `txn` back; when it is preparing, the part of its frame
    /// written is cut off the log first (see
    /// [`LogWriter::abandon_frame`]): it is rolled back whatever that
    /// reports.
    pub fn rollback(&mut self, txn: TxnId) -> Result<()> {
        let cut = match self.store.preparing() == Some(txn) {
            true => self.log.abandon_frame(),
            false => Ok(()),
        };
        self.store.rollback(txn).and(cut)
    }

    /// Commits `txn`: its writes are checked for conflicts, logged as one
    /// frame and synced, then made visible. `None` for a transaction that
    /// wrote nothing (nothing is logged). `Busy` while another commit's
    /// frame is written a step at a time leaves `txn` running, to commit
    /// again; any other error rolls it back.
    pub fn commit(&mut self, txn: TxnId) -> Result<Option<Timestamp>> {
        let (log, frame) = (&mut self.log, &mut self.frame);
        self.store.commit(txn, |commit, writes| {
            log.append(log_ops(writes), commit, frame)
        })
    }

    /// Validates `txn` and makes it the transaction preparing (see
    /// [`VersionStore::prepare`]): the first step of a commit driven a
    /// step at a time, stopped at [`CommitPoint::Validated`]. `Empty`
    /// ends a transaction that wrote nothing.
    pub fn prepare(&mut self, txn: TxnId) -> Result<Prepared> {
        self.store.prepare(txn)
    }

    /// Takes the transaction preparing, `txn`, one point on: the next
    /// piece of its frame, the frame's header, or the sync and the
    /// install together (`Committed`). Its timestamp is the next one
    /// when its frame starts. Any error rolls it back and cuts the log
    /// back to where its frame began.
    pub fn step(&mut self, txn: TxnId) -> Result<CommitStep> {
        if self.store.preparing() != Some(txn) {
            return Err(Error::Misuse("the MVCC transaction is not preparing"));
        }
        let (log, frame) = (&mut self.log, &mut self.frame);
        let stepped = self.store.prepared_writes().and_then(|(commit, writes)| {
            let commit = log.writing().unwrap_or(commit);
            log.append_step(log_ops(writes), commit, frame)
                .map(|appended| (commit, appended))
        });
        match stepped {
            Ok((_, Appended::Piece(n))) => Ok(CommitStep::Paused(CommitPoint::PieceWritten(n))),
            Ok((_, Appended::Header)) => Ok(CommitStep::Paused(CommitPoint::HeaderWritten)),
            Ok((commit, Appended::Synced)) => {
                self.store.install_prepared(commit)?;
                Ok(CommitStep::Committed(commit))
            }
            Err(e) => {
                let _ = self.rollback(txn);
                Err(e)
            }
        }
    }

    /// Bytes of the log: what `PRAGMA mvcc_checkpoint_threshold` is
    /// compared with.
    pub fn log_len(&self) -> u64 {
        self.log.len()
    }

    /// Checkpoints every commit: `apply` gets the last commit's timestamp
    /// and the rows to write, and must write them into the B-trees and
    /// record the timestamp as the boundary in one database commit. Then
    /// the store lets go what the B-trees hold and the log starts over (its
    /// salt drawn from `seed`). Returns the boundary. When `apply` fails
    /// nothing changes; when the log's reset fails the database holds
    /// every frame, and the next commit resets the log before it appends.
    /// `Busy`, changing nothing, while a commit's frame is written a step
    /// at a time (the reset would cut it off) or another checkpoint runs.
    /// The steps, for a checkpoint that stops between them:
    /// [`start_checkpoint`](Self::start_checkpoint), `apply`,
    /// [`checkpointed`](Self::checkpointed), [`empty_log`](Self::empty_log),
    /// [`settle_log`](Self::settle_log),
    /// [`end_checkpoint`](Self::end_checkpoint).
    pub fn checkpoint(
        &mut self,
        seed: u64,
        apply: impl FnOnce(Timestamp, CheckpointRows<'_, A>) -> Result<()>,
    ) -> Result<Timestamp> {
        let upto = self.start_checkpoint()?;
        let run = self.checkpoint_steps(upto, seed, apply);
        self.end_checkpoint();
        run
    }

    fn checkpoint_steps(
        &mut self,
        upto: Timestamp,
        seed: u64,
        apply: impl FnOnce(Timestamp, CheckpointRows<'_, A>) -> Result<()>,
    ) -> Result<Timestamp> {
        if upto > self.store.boundary() {
            apply(upto, self.store.checkpoint_rows(upto))?;
            self.checkpointed(upto)?;
        }
        if self.empty_log(seed, upto)? == LogReset::Emptied {
            self.settle_log()?;
        }
        Ok(upto)
    }

    /// Begins a checkpoint of every commit so far and returns its
    /// boundary, the last commit. `Busy` while a commit's frame is
    /// written a step at a time or another checkpoint runs.
    pub fn start_checkpoint(&mut self) -> Result<Timestamp> {
        if self.log.writing().is_some() || self.checkpointing.is_some() {
            return Err(Error::Busy);
        }
        let upto = self.store.clock();
        self.checkpointing = Some(upto);
        Ok(upto)
    }

    /// The checkpoint in progress (its boundary) committed its rows and
    /// the boundary into the database: the store lets go what the
    /// B-trees hold.
    pub fn checkpointed(&mut self, upto: Timestamp) -> Result<()> {
        if self.checkpointing != Some(upto) {
            return Err(Error::Misuse("no MVCC checkpoint to that boundary runs"));
        }
        self.store.checkpointed(upto)
    }

    /// The first half of the log's reset after the checkpoint to `upto`
    /// is recorded in the database: the log is emptied, its next header
    /// (salt drawn from `seed`, base `upto`) left for
    /// [`settle_log`](Self::settle_log) or the next commit. A log that
    /// holds a frame past `upto`, or one being written, is kept: those
    /// commits are in no B-tree.
    pub fn empty_log(&mut self, seed: u64, upto: Timestamp) -> Result<LogReset> {
        if self.checkpointing != Some(upto) {
            return Err(Error::Misuse("no MVCC checkpoint to that boundary runs"));
        }
        if self.log.writing().is_some() || self.log.last_commit() > upto {
            return Ok(LogReset::Kept);
        }
        if self.log.is_empty() && self.log.last_commit() == upto {
            return Ok(LogReset::Needless);
        }
        let salt = self.log.header().salt.after(seed);
        self.log.empty(salt, upto)?;
        Ok(LogReset::Emptied)
    }

    /// Writes the header of a log [`empty_log`](Self::empty_log) emptied,
    /// unless a commit did first.
    pub fn settle_log(&mut self) -> Result<()> {
        self.log.settle_pending()
    }

    /// Ends the checkpoint in progress, however far it came.
    pub fn end_checkpoint(&mut self) {
        self.checkpointing = None;
    }
}

/// What [`DurableStore::empty_log`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogReset {
    /// The log is emptied; its header is still to write.
    Emptied,
    /// The log holds a frame past the boundary: it is kept whole.
    Kept,
    /// The log holds no frame and starts at the boundary already.
    Needless,
}

/// Where one [`DurableStore::step`] left a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitStep {
    /// Stopped at this point; the next step goes on.
    Paused(CommitPoint),
    /// Synced and installed at this timestamp.
    Committed(Timestamp),
}

/// A committing transaction's writes as its log frame's operations.
fn log_ops<A: Allocator>(writes: Writes<'_, A>) -> impl Iterator<Item = LogOp<'_>> + Clone {
    writes.filter_map(|w| {
        let (root, rowid) = (w.root, w.rowid);
        match w.change {
            Change::Insert(record) => Some(LogOp::Insert {
                root,
                rowid,
                record,
            }),
            Change::Update(record) => Some(LogOp::Update {
                root,
                rowid,
                record,
            }),
            Change::Delete => Some(LogOp::Delete { root, rowid }),
            // `Writes` leaves claims out: they are not logged.
            Change::Claim => None,
        }
    })
}
