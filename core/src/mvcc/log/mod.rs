//! The logical log, `<db>-log`: every committed MVCC transaction as one
//! frame of row changes, appended and synced at commit, read back at open.
//!
//! # The file
//!
//! All integers are big-endian. Checksums are the WAL's
//! ([`Checksum`](crate::wal::Checksum) over big-endian words), chained: the
//! header's seeds the first frame's, each frame's seeds the next.
//!
//! A 32-byte [header](LogHeader): magic `b"BLlg"`, format version 1 (u32),
//! a salt (u64) that differs from the previous generation's, the base
//! timestamp (u64, the checkpoint boundary the log was started at), and
//! the checksum of those 24 bytes.
//!
//! Then frames: a 32-byte frame header (body length before padding (u32),
//! operation count (u32), commit timestamp (u64), the header's salt (u64),
//! the checksum of the frame header's first 24 bytes and the padded body,
//! chained), then the body padded with zeros to a multiple of 8. The body
//! is its [operations](LogOp) one after another: a kind byte (1 insert,
//! 2 update, 3 delete), the table's root page (u32), the rowid (i64),
//! and for inserts and updates the record's length (u32) and its bytes.
//!
//! # Reading
//!
//! - An empty file is an empty log. A header that is short, has another
//!   magic or version, or fails its checksum is `Corrupt`: a log that cannot
//!   be trusted fails closed rather than lose committed rows.
//! - Frames are read in order. The first one that is short, carries another
//!   salt, claims a body past the end of the file, or fails its checksum
//!   ends the log: it is a torn tail, and [`LogReader::into_writer`] cuts it
//!   off before anything is appended.
//! - A frame whose checksum holds but whose timestamp does not rise or whose
//!   body does not parse is `Corrupt`: no torn write produces it.
//!
//! # Invariants
//!
//! - **Durability.** [`LogWriter::append`] returns `Ok` only after the
//!   frame is written and the file synced; a commit acknowledged by it
//!   survives any later crash.
//! - **Atomicity.** A frame is read only whole and only when its checksum,
//!   chained from every frame before it, holds: no transaction is ever
//!   partly replayed, and none after a damaged one.
//! - **No resurrection.** Before appending after recovery, the bytes past
//!   the last valid frame are truncated (and synced), so a frame that was
//!   never acknowledged cannot become valid again behind a new one that
//!   happens to end where it began.
//! - **Generations.** [`LogWriter::reset`] truncates to nothing and syncs
//!   before writing the next header with a fresh salt, so frames of the
//!   previous generation never follow a header they were not chained from.
//! - **Memory.** A frame is written through one buffer of the caller's
//!   allocator, at most [`FRAME_PIECE_SIZE`] bytes whatever the frame's
//!   size: its body a piece at a time, each piece checksummed (chained)
//!   and written before the next is encoded, then its header. Frames are
//!   read whole into a buffer that grows fallibly. A refusal is
//!   `OutOfMemory` and leaves the buffer, the writer and the file as they
//!   were.

mod frame;
mod header;
mod reader;
#[cfg(test)]
mod tests;
mod writer;

pub use frame::{FRAME_HEADER_SIZE, FRAME_PIECE_SIZE, FrameBuffer, FrameOps, LogOp};
pub use header::{LOG_HEADER_SIZE, LOG_MAGIC, LOG_VERSION, LogHeader, LogSalt};
pub use reader::{LogFrame, LogReader};
pub use writer::{Appended, LogWriter};

use crate::wal::{ByteOrder, Checksum};

/// The checksum of `bytes` continued from `seed`, as the log computes it.
fn checksum(seed: Checksum, bytes: &[u8]) -> Checksum {
    seed.update(ByteOrder::Big, bytes)
}

/// `len` rounded up to a multiple of 8, the checksum's unit.
const fn padded(len: u64) -> u64 {
    len.div_ceil(8) * 8
}
