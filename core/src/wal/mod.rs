//! The write-ahead log: SQLite's `-wal` file, byte for byte; its index in
//! SQLite's shared-memory format (`-shm`), through which processes share
//! it; and a private index of page versions each handle keeps.
//!
//! This module owns the log file's format and its life cycle: writing
//! transactions as frames, recovering the committed ones after a crash,
//! answering "which frame holds page P as of snapshot S", and copying
//! frames back into the database file (checkpoints). Which snapshots
//! readers hold, when to checkpoint, and caching pages are the pager's.
//!
//! - [`checksum`](Checksum): SQLite's cumulative checksum, in either byte order.
//! - [`header`](WalHeader): the 32-byte log header and its salts.
//! - [`frame`](FrameHeader): the 24-byte frame header; [`FrameNo`].
//! - [`index`](WalIndex): page → frames, as of any snapshot.
//! - `recovery`: rebuilding the index from the file alone.
//! - [`log`](Wal): the log object: open, read, append, roll back.
//! - `checkpoint`: [`Wal::backfill`], [`Wal::checkpoint`], [`Wal::reset`].
//! - `shm`: SQLite's shared WAL index (`-shm`): its header, checkpoint
//!   information, read marks, lock slots and hash tables.
//! - `follow`: keeping this handle's view of a log that other processes
//!   append to in step with the shared index.
//!
//! # The file
//!
//! A 32-byte header, then frames of a 24-byte frame header and one page
//! each. A *commit frame* carries the database size in pages after its
//! transaction; the frames of a transaction end with exactly one. The
//! log's content is its frames up to the last valid commit frame; the
//! database as of frame `n` is each page's latest version at or below
//! `n`, or the database file's copy of pages no such frame holds.
//!
//! # Recovery
//!
//! [`Wal::open`] rebuilds the log's state from the file alone, as SQLite
//! does when no process has the log open: a missing or invalid header, or
//! one for another page size, means an empty log; otherwise whole frames
//! are checked in order (salts equal to the header's, page number not 0,
//! cumulative checksum matching) up to the first that fails, and the log
//! is the valid frames up to the last commit frame among them. Frames
//! after that are dead and the next append overwrites them.
//!
//! # Invariants
//!
//! - **Durability.** [`Wal::append`] returns `Ok` only after the log file
//!   has been synced with every frame of the transaction, and only then
//!   does [`Wal::max_frame`] advance. A transaction whose append returned
//!   `Ok` survives any later crash.
//! - **Atomicity.** Recovery keeps a prefix of frames ending at a commit
//!   frame, and every frame in it passed the salt and cumulative checksum
//!   checks, so no transaction is ever partly visible.
//! - **Generations.** The first frame after a reset starts a generation:
//!   a header with salts of its own is written *and synced* before any of
//!   its frames, which kills the previous generation's frames before any
//!   of them is overwritten. Without the sync, a crash could keep some of
//!   this generation's frames and lose its header, and recovery would
//!   take the previous generation's frames, cut short where they were
//!   overwritten, for the log: a stale state.
//! - **Checkpoints.** Frames are copied into the database file only up to
//!   the snapshot every reader has ([`Wal::checkpoint`]), the database file
//!   is synced before the copied frames count as backfilled, and the log
//!   restarts only when every committed frame is backfilled.
//! - **Memory.** Appending and recovery grow only the index, fallibly;
//!   backfilling allocates nothing; an error leaves the log as it was
//!   before the call (see each method for the I/O that may have happened).

mod checkpoint;
mod checksum;
mod follow;
mod frame;
mod frame_no;
mod header;
mod index;
mod log;
mod recovery;
pub(crate) mod shm;
#[cfg(test)]
mod tests;

pub use checkpoint::{Backfill, CheckpointMode, CheckpointResult};
pub use checksum::{ByteOrder, Checksum};
pub(crate) use follow::Followed;
pub use frame::{FRAME_HEADER_SIZE, FrameHeader};
pub use frame_no::FrameNo;
pub use header::{
    MAGIC_BIG_ENDIAN, MAGIC_LITTLE_ENDIAN, Salts, WAL_FORMAT_VERSION, WAL_HEADER_SIZE, WalHeader,
};
pub(crate) use index::frames_within as index_frames_within;
pub use index::{BLOCK_BYTES, BLOCK_FRAMES, WalIndex};
pub use log::Wal;

/// A position in the log: a frame (0 for "before the first") and the
/// running checksum after it, which the next frame continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tip {
    frame: u32,
    checksum: Checksum,
}

impl Tip {
    /// No frame yet.
    const EMPTY: Tip = Tip {
        frame: 0,
        checksum: Checksum::ZERO,
    };
}

/// Writes `value` big-endian at `at` in `out`; the callers' offsets are
/// constants inside their fixed-size buffers.
fn put_u32(out: &mut [u8], at: usize, value: u32) {
    if let Some(dst) = out.get_mut(at..at + 4) {
        dst.copy_from_slice(&value.to_be_bytes());
    }
}
