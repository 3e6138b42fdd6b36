//! A frame's bytes: [`FrameBuffer`] encodes one transaction's
//! operations piece by piece as they are written, [`FrameOps`] reads
//! them back as [`LogOp`]s.

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

/// Bytes of a piece: a frame's body reaches the file in pieces of at
/// most this many bytes (a multiple of 8, the checksum's unit), each
/// encoded into one buffer and written before the next, so a frame of
/// any size is written through one page of memory.
pub const FRAME_PIECE_SIZE: usize = 4096;

/// The buffer frames are encoded into, one piece at a time; kept across
/// commits, never larger than [`FRAME_PIECE_SIZE`].
pub struct FrameBuffer<A: Allocator> {
    piece: Vec<u8, A>,
}

impl<A: Allocator> FrameBuffer<A> {
    /// An empty buffer whose room comes from `alloc` at the first frame.
    pub fn new_in(alloc: A) -> Self {
        FrameBuffer {
            piece: Vec::new_in(alloc),
        }
    }

    /// Bytes of the buffer.
    pub fn capacity(&self) -> usize {
        self.piece.capacity()
    }

    /// Encodes the body of the frame `shape` measured from `ops`, padded,
    /// handing each piece to `write` with its offset in the body; returns
    /// the checksum of the padded body chained from `sum`. The buffer's
    /// room (one piece, or the whole body when it is smaller) is made
    /// before the first piece, exactly, and nothing else is allocated.
    pub(super) fn encode<'a>(
        &mut self,
        ops: impl Iterator<Item = LogOp<'a>>,
        shape: FrameShape,
        sum: Checksum,
        write: impl FnMut(u64, &[u8]) -> Result<()>,
    ) -> Result<Checksum> {
        let padded_len = shape.padded_len();
        let room = FRAME_PIECE_SIZE.min(usize::try_from(padded_len).unwrap_or(usize::MAX));
        self.piece.clear();
        self.piece.try_reserve_exact(room)?;
        let mut pieces = Pieces {
            piece: &mut self.piece,
            room,
            at: 0,
            sum,
            write,
        };
        for op in ops {
            let (kind, root, rowid, record) = match op {
                LogOp::Insert {
                    root,
                    rowid,
                    record,
                } => (INSERT, root, rowid, Some(record)),
                LogOp::Update {
                    root,
                    rowid,
                    record,
                } => (UPDATE, root, rowid, Some(record)),
                LogOp::Delete { root, rowid } => (DELETE, root, rowid, None),
            };
            pieces.put(&[kind])?;
            pieces.put(&root.get().to_be_bytes())?;
            pieces.put(&rowid.get().to_be_bytes())?;
            if let Some(record) = record {
                let len = u32::try_from(record.len()).map_err(|_| TOO_BIG)?;
                pieces.put(&len.to_be_bytes())?;
                pieces.put(record)?;
            }
        }
        let unpadded = pieces.at + pieces.piece.len() as u64;
        let padding = padded_len.saturating_sub(unpadded);
        pieces.put([0u8; 7].get(..padding as usize).unwrap_or(&[]))?;
        if !pieces.piece.is_empty() {
            pieces.flush()?;
        }
        if unpadded != u64::from(shape.body_len) || pieces.at != padded_len {
            return Err(Error::Misuse(
                "an MVCC log frame's operations changed while it was written",
            ));
        }
        Ok(pieces.sum)
    }
}

/// A frame too large for its header's fields.
const TOO_BIG: Error = Error::Sql("an MVCC transaction's log frame is larger than 4 GiB");

/// What a frame's header records of its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FrameShape {
    /// Bytes of the body before padding.
    body_len: u32,
    /// Operations in it.
    ops: u32,
}

impl FrameShape {
    /// The shape of the frame of `ops`; refused by name when its body,
    /// padding included, or its operation count does not fit the
    /// header's u32 fields.
    pub(super) fn of<'a>(ops: impl Iterator<Item = LogOp<'a>>) -> Result<FrameShape> {
        let (mut body, mut count) = (0u64, 0u32);
        for op in ops {
            let record = match op {
                LogOp::Insert { record, .. } | LogOp::Update { record, .. } => {
                    4 + record.len() as u64
                }
                LogOp::Delete { .. } => 0,
            };
            body = body.saturating_add(OP_KEY as u64 + record);
            count = count.checked_add(1).ok_or(TOO_BIG)?;
        }
        if padded(body) > u64::from(u32::MAX) {
            return Err(TOO_BIG);
        }
        let body_len = u32::try_from(body).map_err(|_| TOO_BIG)?;
        Ok(FrameShape {
            body_len,
            ops: count,
        })
    }

    /// Bytes of the body with its padding.
    pub(super) fn padded_len(self) -> u64 {
        padded(u64::from(self.body_len))
    }

    /// The frame header's first 24 bytes, for a commit at `commit` in
    /// the generation of `salt`: what its checksum covers before the body.
    pub(super) fn head(self, commit: Timestamp, salt: LogSalt) -> [u8; 24] {
        let mut head = [0u8; 24];
        put(&mut head, 0, &self.body_len.to_be_bytes());
        put(&mut head, 4, &self.ops.to_be_bytes());
        put(&mut head, 8, &commit.get().to_be_bytes());
        put(&mut head, 16, &salt.get().to_be_bytes());
        head
    }
}

/// A frame's body on its way to the file: the piece being filled, where
/// it goes, and the checksum of the pieces before it.
///
/// Invariant: `piece` never holds more than `room` bytes, its capacity
/// or less, so filling it allocates nothing; every piece but the last is
/// exactly `room` bytes, a multiple of 8, so the checksum chains across
/// pieces as over the whole body.
struct Pieces<'b, A: Allocator, W> {
    piece: &'b mut Vec<u8, A>,
    room: usize,
    /// Offset in the body of the piece being filled.
    at: u64,
    sum: Checksum,
    write: W,
}

impl<A: Allocator, W: FnMut(u64, &[u8]) -> Result<()>> Pieces<'_, A, W> {
    fn put(&mut self, mut bytes: &[u8]) -> Result<()> {
        while !bytes.is_empty() {
            let take = self.room.saturating_sub(self.piece.len()).min(bytes.len());
            if take == 0 {
                return Err(Error::Misuse(
                    "an MVCC log frame's operations changed while it was written",
                ));
            }
            let (now, rest) = bytes.split_at(take);
            self.piece.try_extend_from_slice(now)?;
            bytes = rest;
            if self.piece.len() == self.room {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.sum = checksum(self.sum, self.piece.as_slice());
        (self.write)(self.at, self.piece.as_slice())?;
        self.at += self.piece.len() as u64;
        self.piece.clear();
        Ok(())
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
