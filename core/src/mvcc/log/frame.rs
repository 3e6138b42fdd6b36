//! A frame's bytes: [`FrameBuilder`] encodes one transaction's
//! operations, [`FrameOps`] reads them back as [`LogOp`]s.

use super::header::{LogSalt, put, u32_at, u64_at};
use super::{checksum, padded};
use crate::alloc::{Allocator, Vec};
use crate::mvcc::Timestamp;
use crate::wal::Checksum;
use crate::{Error, PageNo, Result, RowId};

/// Bytes of a frame's header.
pub const FRAME_HEADER_SIZE: usize = 32;

/// The kind bytes of the operations.
const INSERT: u8 = 1;
const UPDATE: u8 = 2;
const DELETE: u8 = 3;

/// Bytes of an operation before its record: kind, root, rowid.
const OP_KEY: usize = 1 + 4 + 8;

/// One row change of a committed transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogOp<'a> {
    /// A row stored where none was.
    Insert {
        /// The table's root page.
        root: PageNo,
        /// The row's rowid.
        rowid: RowId,
        /// The row's record, in SQLite's record format.
        record: &'a [u8],
    },
    /// A row's record replaced.
    Update {
        /// The table's root page.
        root: PageNo,
        /// The row's rowid.
        rowid: RowId,
        /// The row's record, in SQLite's record format.
        record: &'a [u8],
    },
    /// A row deleted.
    Delete {
        /// The table's root page.
        root: PageNo,
        /// The row's rowid.
        rowid: RowId,
    },
}

/// One transaction's frame, built operation by operation. Its buffer is
/// kept across transactions ([`clear`](Self::clear)).
///
/// ```
/// use boundlite::alloc::Global;
/// use boundlite::mvcc::log::{FrameBuilder, LogOp};
/// use boundlite::{PageNo, RowId};
///
/// let root = PageNo::new(2).unwrap();
/// let mut frame = FrameBuilder::new_in(Global);
/// frame.insert(root, RowId::new(1), b"\x02\x15hi")?;
/// frame.delete(root, RowId::new(7))?;
/// let ops: Vec<LogOp<'_>> = frame.ops().collect::<Result<_, _>>()?;
/// assert_eq!(ops[1], LogOp::Delete { root, rowid: RowId::new(7) });
/// # Ok::<(), boundlite::Error>(())
/// ```
pub struct FrameBuilder<A: Allocator> {
    /// The frame header's room, then the body; after a seal, the padding.
    bytes: Vec<u8, A>,
    /// Bytes of `bytes` before the padding.
    unpadded: usize,
    ops: u32,
}

impl<A: Allocator> FrameBuilder<A> {
    /// An empty frame whose buffer comes from `alloc` at its first
    /// operation.
    pub fn new_in(alloc: A) -> Self {
        FrameBuilder {
            bytes: Vec::new_in(alloc),
            unpadded: 0,
            ops: 0,
        }
    }

    /// Forgets every operation, keeping the buffer.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.unpadded = 0;
        self.ops = 0;
    }

    /// Makes room, at once and exactly, for operations whose records
    /// take the lengths `records` yields (`None` for each delete), so
    /// that the buffer does not grow by doubling while they are added:
    /// each step would hold the old buffer and one twice its size. A frame
    /// past what the header can record gets no room here: adding its
    /// operations refuses it by name.
    pub fn reserve_exact(&mut self, records: impl Iterator<Item = Option<usize>>) -> Result<()> {
        let mut body = 0u64;
        for record in records {
            let record = record.map_or(0, |len| len as u64 + 4);
            body = body.saturating_add(OP_KEY as u64 + record);
        }
        let frame = body
            .checked_add(7)
            .filter(|&padded| padded <= u64::from(u32::MAX))
            .and_then(|padded| usize::try_from(padded).ok())
            .and_then(|padded| padded.checked_add(FRAME_HEADER_SIZE));
        let Some(frame) = frame else {
            return Ok(());
        };
        Ok(self
            .bytes
            .try_reserve_exact(frame.saturating_sub(self.bytes.len()))?)
    }

    /// Bytes of the buffer, used or not.
    pub fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Forgets every operation and gives the buffer back to the
    /// allocator.
    pub fn release(&mut self)
    where
        A: Clone,
    {
        self.bytes.release();
        self.unpadded = 0;
        self.ops = 0;
    }

    /// Operations added since the last [`clear`](Self::clear).
    pub fn op_count(&self) -> u32 {
        self.ops
    }

    /// Adds an insert of `record` as row `rowid` of the table at `root`.
    pub fn insert(&mut self, root: PageNo, rowid: RowId, record: &[u8]) -> Result<()> {
        self.push(INSERT, root, rowid, Some(record))
    }

    /// Adds an update of row `rowid` of the table at `root` to `record`.
    pub fn update(&mut self, root: PageNo, rowid: RowId, record: &[u8]) -> Result<()> {
        self.push(UPDATE, root, rowid, Some(record))
    }

    /// Adds a delete of row `rowid` of the table at `root`.
    pub fn delete(&mut self, root: PageNo, rowid: RowId) -> Result<()> {
        self.push(DELETE, root, rowid, None)
    }

    /// Appends one operation whole, or nothing: room for all of it is
    /// reserved before a byte is written.
    fn push(&mut self, kind: u8, root: PageNo, rowid: RowId, record: Option<&[u8]>) -> Result<()> {
        const TOO_BIG: Error = Error::Sql("an MVCC transaction's log frame is larger than 4 GiB");
        let ops = self.ops.checked_add(1).ok_or(TOO_BIG)?;
        let record_len = match record {
            Some(r) => Some(u32::try_from(r.len()).map_err(|_| TOO_BIG)?),
            None => None,
        };
        self.bytes.truncate(self.unpadded);
        let header = if self.bytes.is_empty() {
            FRAME_HEADER_SIZE
        } else {
            0
        };
        let op_len = record
            .map_or(Some(OP_KEY), |r| r.len().checked_add(OP_KEY + 4))
            .ok_or(TOO_BIG)?;
        // The growth, with room for the padding a seal adds.
        let grow = op_len.checked_add(header + 7).ok_or(TOO_BIG)?;
        let body_len = self.bytes.len().checked_add(grow).ok_or(TOO_BIG)? - FRAME_HEADER_SIZE;
        // The sealed body, padding included, must fit the header's u32.
        if body_len as u64 > u64::from(u32::MAX) {
            return Err(TOO_BIG);
        }
        self.bytes.try_reserve(grow)?;
        self.bytes.try_resize(self.bytes.len() + header, 0)?;
        self.bytes.try_push(kind)?;
        self.bytes
            .try_extend_from_slice(&root.get().to_be_bytes())?;
        self.bytes
            .try_extend_from_slice(&rowid.get().to_be_bytes())?;
        if let (Some(record), Some(len)) = (record, record_len) {
            self.bytes.try_extend_from_slice(&len.to_be_bytes())?;
            self.bytes.try_extend_from_slice(record)?;
        }
        self.unpadded = self.bytes.len();
        self.ops = ops;
        Ok(())
    }

    /// The operations added, in order.
    pub fn ops(&self) -> FrameOps<'_> {
        let body = self.bytes.get(FRAME_HEADER_SIZE..self.unpadded);
        FrameOps::new(body.unwrap_or(&[]), self.ops)
    }

    /// The frame's bytes with commit timestamp `commit`, `salt`, and its
    /// checksum chained from `chain`; and that checksum. The padding added
    /// is removed by the next operation or [`clear`](Self::clear).
    /// Allocates nothing: room for the padding was reserved with the
    /// operations.
    pub(super) fn seal(
        &mut self,
        commit: Timestamp,
        salt: LogSalt,
        chain: Checksum,
    ) -> Result<(&[u8], Checksum)> {
        if self.unpadded == 0 {
            self.bytes.try_resize(FRAME_HEADER_SIZE, 0)?;
            self.unpadded = FRAME_HEADER_SIZE;
        }
        let body_len = self.unpadded - FRAME_HEADER_SIZE;
        self.bytes.truncate(self.unpadded);
        self.bytes
            .try_resize(FRAME_HEADER_SIZE + padded(body_len as u64) as usize, 0)?;
        let body_len = u32::try_from(body_len)
            .map_err(|_| Error::Sql("an MVCC transaction's log frame is larger than 4 GiB"))?;
        let mut head = [0u8; 24];
        put(&mut head, 0, &body_len.to_be_bytes());
        put(&mut head, 4, &self.ops.to_be_bytes());
        put(&mut head, 8, &commit.get().to_be_bytes());
        put(&mut head, 16, &salt.get().to_be_bytes());
        let sum = checksum(
            checksum(chain, &head),
            self.bytes.get(FRAME_HEADER_SIZE..).unwrap_or(&[]),
        );
        put(self.bytes.as_mut_slice(), 0, &head);
        put(self.bytes.as_mut_slice(), 24, &sum.to_bytes());
        Ok((self.bytes.as_slice(), sum))
    }
}

/// The operations of a frame's body, in order. Each step reads one with
/// checked readers: a body that does not parse yields `Corrupt` (and the
/// iteration ends there).
pub struct FrameOps<'a> {
    body: &'a [u8],
    left: u32,
    failed: bool,
}

impl<'a> FrameOps<'a> {
    /// The `count` operations at the start of `body`.
    pub(super) fn new(body: &'a [u8], count: u32) -> Self {
        FrameOps {
            body,
            left: count,
            failed: false,
        }
    }

    /// Reads the next operation from the body.
    fn read(&mut self) -> Result<LogOp<'a>> {
        const BAD: Error = Error::corrupt_file("an MVCC log frame's operations do not parse");
        let kind = *self.body.first().ok_or(BAD)?;
        let root = u32_at(self.body, 1).and_then(PageNo::new).ok_or(BAD)?;
        let rowid = RowId::new(u64_at(self.body, 5).ok_or(BAD)? as i64);
        let (op, used) = match kind {
            INSERT | UPDATE => {
                let len = u32_at(self.body, OP_KEY).ok_or(BAD)? as usize;
                let start = OP_KEY + 4;
                let record = self.body.get(start..start + len).ok_or(BAD)?;
                let op = if kind == INSERT {
                    LogOp::Insert {
                        root,
                        rowid,
                        record,
                    }
                } else {
                    LogOp::Update {
                        root,
                        rowid,
                        record,
                    }
                };
                (op, start + len)
            }
            DELETE => (LogOp::Delete { root, rowid }, OP_KEY),
            _ => return Err(BAD),
        };
        self.body = self.body.get(used..).ok_or(BAD)?;
        Ok(op)
    }

    /// Whether what is left of the body after the last operation is the
    /// padding alone: under 8 bytes, all zero.
    pub(super) fn rest_is_padding(&self) -> bool {
        self.left == 0 && self.body.len() < 8 && self.body.iter().all(|&b| b == 0)
    }
}

impl<'a> Iterator for FrameOps<'a> {
    type Item = Result<LogOp<'a>>;

    fn next(&mut self) -> Option<Result<LogOp<'a>>> {
        if self.left == 0 || self.failed {
            return None;
        }
        self.left -= 1;
        let op = self.read();
        self.failed = op.is_err();
        Some(op)
    }
}
