//! [`UndoLog`]: the changes one statement made inside an explicit
//! transaction, kept so that a failed statement can be taken back alone.
//!
//! Invariants:
//! - each change is recorded before it is made, so undoing the log in
//!   reverse restores the trees as they were when the statement began;
//! - a change whose record runs out of memory leaves the log as it was
//!   (no entry, no bytes, no key columns): the caller then does not make
//!   the change;
//! - the log undoes only into a transaction that is
//!   [`Open`](TxnState::Open): one that failed has already been rolled
//!   back whole by the pager, and has nothing left to undo into.

use core::ops::Range;

use boundlite_platform::Platform;

use crate::alloc::{Allocator, Vec};
use crate::database::TxnState;
use core::mem::size_of;

use crate::record::{Collation, KeyColumn, SortOrder};
use crate::{Error, PageNo, Result, RowId, WriteTransaction};

/// One change, as the undo log records it; bytes and key columns are
/// ranges of the log's shared buffers.
pub(super) enum Undo {
    /// A row was added.
    RowInserted { root: PageNo, rowid: RowId },
    /// A row was removed; its record.
    RowDeleted {
        root: PageNo,
        rowid: RowId,
        record: Range<usize>,
    },
    /// An index entry was added.
    KeyInserted {
        root: PageNo,
        key: Range<usize>,
        keys: Range<usize>,
    },
    /// An index entry was removed.
    KeyDeleted {
        root: PageNo,
        key: Range<usize>,
        keys: Range<usize>,
    },
}

/// The undo log: its entries, and the records, keys and key columns they
/// hold, packed in two buffers so that a warm log records a change
/// without allocating.
pub(super) struct UndoLog<A: Allocator> {
    entries: Vec<Undo, A>,
    bytes: Vec<u8, A>,
    keys: Vec<KeyColumn, A>,
}

/// The largest undo log (in entries, bytes and key columns) a connection
/// keeps for its next statement.
const KEPT_UNDO_ENTRIES: usize = 64;
const KEPT_UNDO_BYTES: usize = 16 * 1024;
const KEPT_UNDO_KEYS: usize = 256;

impl<A: Allocator + Clone> UndoLog<A> {
    pub(super) fn new(alloc: &A) -> Self {
        UndoLog {
            entries: Vec::new_in(alloc.clone()),
            bytes: Vec::new_in(alloc.clone()),
            keys: Vec::new_in(alloc.clone()),
        }
    }

    /// Forgets every change, keeping the buffers.
    pub(super) fn clear(&mut self) {
        self.entries.clear();
        self.bytes.clear();
        self.keys.clear();
    }

    /// The log emptied for the next statement, with each buffer grown
    /// by a statement that changed many rows let go rather than held by
    /// the connection for good.
    pub(super) fn into_kept(mut self, alloc: &A) -> Self {
        self.clear();
        if self.entries.capacity() > KEPT_UNDO_ENTRIES {
            self.entries = Vec::new_in(alloc.clone());
        }
        if self.bytes.capacity() > KEPT_UNDO_BYTES {
            self.bytes = Vec::new_in(alloc.clone());
        }
        if self.keys.capacity() > KEPT_UNDO_KEYS {
            self.keys = Vec::new_in(alloc.clone());
        }
        self
    }

    /// Records the change `entry` makes of the copies it asks for.
    /// Nothing is recorded when memory runs out.
    pub(super) fn record(&mut self, entry: impl FnOnce(&mut Self) -> Result<Undo>) -> Result<()> {
        let (bytes, keys) = (self.bytes.len(), self.keys.len());
        let result = self
            .entries
            .try_reserve(1)
            .map_err(Error::from)
            .and_then(|()| entry(self));
        match result {
            Ok(undo) => Ok(self.entries.try_push(undo)?),
            Err(e) => {
                self.bytes.truncate(bytes);
                self.keys.truncate(keys);
                Err(e)
            }
        }
    }

    /// Forgets the newest entry: the change it announced was not made.
    pub(super) fn forget_last(&mut self) {
        self.entries.pop();
    }

    /// Copies `data` into the log.
    pub(super) fn bytes(&mut self, data: &[u8]) -> Result<Range<usize>> {
        let start = self.bytes.len();
        self.bytes.try_extend_from_slice(data)?;
        Ok(start..self.bytes.len())
    }

    /// Copies `keys` into the log.
    pub(super) fn keys(&mut self, keys: &[KeyColumn]) -> Result<Range<usize>> {
        let start = self.keys.len();
        self.keys.try_extend_from_slice(keys)?;
        Ok(start..self.keys.len())
    }

    /// Bytes the log's buffers hold: what its memory budget counts.
    pub(super) fn memory(&self) -> usize {
        self.entries.len() * size_of::<Undo>()
            + self.bytes.len()
            + self.keys.len() * size_of::<KeyColumn>()
    }

    /// Whether the log holds no change.
    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Hands each entry, oldest first, to `out` as bytes (see
    /// `undo_spill` for the format).
    pub(super) fn encode(&self, mut out: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let gone = || Error::Misuse("an undo entry outside its log");
        for entry in self.entries.iter() {
            match entry {
                Undo::RowInserted { root, rowid } => {
                    out(&[TAG_ROW_INSERTED])?;
                    out(&root.get().to_be_bytes())?;
                    out(&rowid.get().to_be_bytes())?;
                }
                Undo::RowDeleted {
                    root,
                    rowid,
                    record,
                } => {
                    let record = self.bytes.get(record.clone()).ok_or_else(gone)?;
                    out(&[TAG_ROW_DELETED])?;
                    out(&root.get().to_be_bytes())?;
                    out(&rowid.get().to_be_bytes())?;
                    out(&length(record.len())?.to_be_bytes())?;
                    out(record)?;
                }
                Undo::KeyInserted { root, key, keys } | Undo::KeyDeleted { root, key, keys } => {
                    let tag = match entry {
                        Undo::KeyInserted { .. } => TAG_KEY_INSERTED,
                        _ => TAG_KEY_DELETED,
                    };
                    let key = self.bytes.get(key.clone()).ok_or_else(gone)?;
                    let keys = self.keys.get(keys.clone()).ok_or_else(gone)?;
                    out(&[tag])?;
                    out(&root.get().to_be_bytes())?;
                    out(&length(key.len())?.to_be_bytes())?;
                    out(key)?;
                    out(&length(keys.len())?.to_be_bytes())?;
                    for column in keys {
                        out(&[encode_key_column(column)])?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Replaces the log's content by the entries `encoded` holds (as
    /// [`encode`](Self::encode) wrote them, oldest first).
    pub(super) fn decode(&mut self, encoded: &[u8]) -> Result<()> {
        self.clear();
        let mut r = Bytes(encoded);
        while !r.0.is_empty() {
            let tag = r.u8()?;
            let root = PageNo::new(r.u32()?).ok_or_else(damaged)?;
            let entry = match tag {
                TAG_ROW_INSERTED => Undo::RowInserted {
                    root,
                    rowid: RowId::new(r.i64()?),
                },
                TAG_ROW_DELETED => {
                    let rowid = RowId::new(r.i64()?);
                    let len = r.u32()? as usize;
                    let record = self.bytes(r.take(len)?)?;
                    Undo::RowDeleted {
                        root,
                        rowid,
                        record,
                    }
                }
                TAG_KEY_INSERTED | TAG_KEY_DELETED => {
                    let len = r.u32()? as usize;
                    let key = self.bytes(r.take(len)?)?;
                    let count = r.u32()? as usize;
                    let start = self.keys.len();
                    self.keys.try_reserve(count)?;
                    for byte in r.take(count)? {
                        self.keys.try_push(decode_key_column(*byte)?)?;
                    }
                    let keys = start..self.keys.len();
                    match tag {
                        TAG_KEY_INSERTED => Undo::KeyInserted { root, key, keys },
                        _ => Undo::KeyDeleted { root, key, keys },
                    }
                }
                _ => return Err(damaged()),
            };
            self.entries.try_push(entry)?;
        }
        Ok(())
    }

    /// Undoes every logged change in `txn`, newest first. `Err` means
    /// the transaction can no longer be trusted and must be rolled back
    /// (it may already have been: see [`TxnState`]).
    pub(super) fn undo<P: Platform>(&mut self, txn: &WriteTransaction<'_, P, A>) -> Result<()> {
        still_open(txn)?;
        let gone = || Error::Misuse("an undo entry outside its log");
        while let Some(change) = self.entries.pop() {
            match change {
                Undo::RowInserted { root, rowid } => {
                    txn.delete_row(root, rowid)?;
                }
                Undo::RowDeleted {
                    root,
                    rowid,
                    record,
                } => {
                    let record = self.bytes.get(record).ok_or_else(gone)?;
                    txn.insert_row(root, rowid, record)?;
                }
                Undo::KeyInserted { root, key, keys } => {
                    let key = self.bytes.get(key).ok_or_else(gone)?;
                    let keys = self.keys.get(keys).ok_or_else(gone)?;
                    txn.delete_key(root, key, keys)?;
                }
                Undo::KeyDeleted { root, key, keys } => {
                    let key = self.bytes.get(key).ok_or_else(gone)?;
                    let keys = self.keys.get(keys).ok_or_else(gone)?;
                    txn.insert_key(root, key, keys)?;
                }
            }
        }
        Ok(())
    }
}

/// `Ok` while `txn` is [`Open`](TxnState::Open); otherwise the error
/// that says a statement cannot be undone alone.
pub(super) fn still_open<P: Platform, A: Allocator + Clone>(
    txn: &WriteTransaction<'_, P, A>,
) -> Result<()> {
    match txn.state() {
        TxnState::Open => Ok(()),
        TxnState::Failed | TxnState::Undone | TxnState::Finished => Err(Error::Misuse(
            "the transaction was rolled back after an error",
        )),
    }
}

const TAG_ROW_INSERTED: u8 = 1;
const TAG_ROW_DELETED: u8 = 2;
const TAG_KEY_INSERTED: u8 = 3;
const TAG_KEY_DELETED: u8 = 4;

/// A segment of the undo log read back from its temporary file that does
/// not decode.
pub(super) fn damaged() -> Error {
    Error::corrupt_file("a statement's undo log read back from its temporary file is damaged")
}

fn length(len: usize) -> Result<u32> {
    u32::try_from(len).map_err(|_| Error::Misuse("an undo entry longer than 4 GiB"))
}

/// A key column in one byte: its direction, then its collation.
fn encode_key_column(column: &KeyColumn) -> u8 {
    let order = match column.order {
        SortOrder::Asc => 0,
        SortOrder::Desc => 1,
    };
    let collation = match column.collation {
        Collation::Binary => 0,
        Collation::NoCase => 1,
        Collation::RTrim => 2,
    };
    order << 4 | collation
}

fn decode_key_column(byte: u8) -> Result<KeyColumn> {
    let order = match byte >> 4 {
        0 => SortOrder::Asc,
        1 => SortOrder::Desc,
        _ => return Err(damaged()),
    };
    let collation = match byte & 0x0f {
        0 => Collation::Binary,
        1 => Collation::NoCase,
        2 => Collation::RTrim,
        _ => return Err(damaged()),
    };
    Ok(KeyColumn { order, collation })
}

/// A checked reader over encoded entries.
struct Bytes<'b>(&'b [u8]);

impl<'b> Bytes<'b> {
    fn take(&mut self, n: usize) -> Result<&'b [u8]> {
        if n > self.0.len() {
            return Err(damaged());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| damaged())
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_be_bytes(self.array()?))
    }
}
