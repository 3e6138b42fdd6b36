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
//!   back; the sync and the install are one step.

#[cfg(test)]
mod tests;

use boundlite_platform::File;

use super::log::{Appended, FrameBuffer, LogOp, LogReader, LogSalt, LogWriter};
use super::store::{
    Change, CheckpointRows, EntryMaker, Prepared, Seen, Tree, VersionStore, Writes,
};
use super::{CommitPoint, Timestamp, TxnId};
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
        let mut reader = LogReader::open(file, alloc.clone())?;
        if reader.header().is_some_and(|h| h.base > boundary) {
            return Err(Error::corrupt_file(
                "the MVCC log starts after the database's last checkpoint",
            ));
        }
        let mut store = VersionStore::new_in(alloc.clone(), budget, boundary);
        while let Some(frame) = reader.next_frame()? {
            if frame.commit > boundary {
                store.replay(frame.commit, frame.ops())?;
            }
        }
        let salt = reader
            .header()
            .map_or(LogSalt::new(seed), |h| h.salt.after(seed));
        let log = reader.into_writer(salt, boundary)?;
        Ok(DurableStore {
            store,
            log,
            frame: FrameBuffer::new_in(alloc),
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
    /// at a time: the reset would cut it off.
    pub fn checkpoint(
        &mut self,
        seed: u64,
        apply: impl FnOnce(Timestamp, CheckpointRows<'_, A>) -> Result<()>,
    ) -> Result<Timestamp> {
        if self.log.writing().is_some() {
            return Err(Error::Busy);
        }
        let upto = self.store.clock();
        if upto > self.store.boundary() {
            apply(upto, self.store.checkpoint_rows(upto))?;
            self.store.checkpointed(upto)?;
        }
        if !self.log.is_empty() || self.log.last_commit() < upto {
            let salt = self.log.header().salt.after(seed);
            self.log.reset(salt, upto)?;
        }
        Ok(upto)
    }
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
