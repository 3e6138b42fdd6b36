//! What several handles on one database file need to share it safely:
//! SQLite's file locks ([`LockLevel`]) and the WAL index's shared memory
//! with its lock slots ([`ShmSlots`], [`ShmLockKind`]).
//!
//! These are the vocabulary of the locking methods of [`File`](crate::File);
//! their semantics are SQLite's (`lockingv3` and `walformat`), so that an
//! implementation over an operating system's locks can interoperate with
//! SQLite processes on the same file.
//!
//! # File locks
//!
//! Each handle holds one [`LockLevel`]. Between handles:
//!
//! | held by one handle | another may take |
//! |---|---|
//! | `Shared` | `Shared`, `Reserved`, `Pending` |
//! | `Reserved` | `Shared` |
//! | `Pending` | nothing new (handles already `Shared` keep it) |
//! | `Exclusive` | nothing |
//!
//! A refused lock is [`ErrorKind::Busy`](crate::ErrorKind::Busy) at once:
//! the platform never waits. Waiting and retrying is the caller's policy.
//!
//! # Shared-memory lock slots
//!
//! The WAL index has [`SHM_LOCK_SLOTS`] lock slots (SQLite's
//! `SQLITE_SHM_NLOCK`): 0 is the write lock, 1 the checkpoint lock, 2 the
//! recovery lock, 3 to 7 the read locks of the five read marks. A slot is
//! held shared by any number of handles or exclusively by one; a handle
//! takes a slot it holds no lock on, or gives back the lock it holds.

use core::fmt;

/// The level of a handle's lock on a database file (SQLite's
/// `SQLITE_LOCK_*`), in increasing strength.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum LockLevel {
    /// No lock.
    #[default]
    None,
    /// Reading: any number of handles at once; no writer may finish.
    Shared,
    /// Intending to write: one handle; readers may still come and go.
    Reserved,
    /// About to write: one handle, waiting for readers to leave; no new
    /// reader may come.
    Pending,
    /// Writing the database file: one handle, no reader.
    Exclusive,
}

impl LockLevel {
    /// A short lowercase name, for messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            LockLevel::None => "none",
            LockLevel::Shared => "shared",
            LockLevel::Reserved => "reserved",
            LockLevel::Pending => "pending",
            LockLevel::Exclusive => "exclusive",
        }
    }
}

impl fmt::Display for LockLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lock slots of the WAL index (SQLite's `SQLITE_SHM_NLOCK`).
pub const SHM_LOCK_SLOTS: u8 = 8;

/// A run of WAL-index lock slots: `first` and the `count - 1` after it,
/// all below [`SHM_LOCK_SLOTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShmSlots {
    first: u8,
    count: u8,
}

impl ShmSlots {
    /// Slots `first..first + count`; `None` when the run is empty or
    /// passes the last slot.
    pub const fn new(first: u8, count: u8) -> Option<Self> {
        if count == 0 || first >= SHM_LOCK_SLOTS || count > SHM_LOCK_SLOTS - first {
            return None;
        }
        Some(ShmSlots { first, count })
    }

    /// The one slot `slot`; `None` past the last.
    pub const fn one(slot: u8) -> Option<Self> {
        Self::new(slot, 1)
    }

    /// The first slot of the run.
    pub const fn first(&self) -> u8 {
        self.first
    }

    /// How many slots the run has (at least 1).
    pub const fn count(&self) -> u8 {
        self.count
    }

    /// The slots of the run, as a bit mask (bit `n` for slot `n`).
    pub const fn mask(&self) -> u8 {
        // count <= 8 - first, so the shift never passes 8 bits.
        (((1u16 << self.count) - 1) << self.first) as u8
    }
}

/// How a WAL-index lock slot is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShmLockKind {
    /// With other shared holders.
    Shared,
    /// By one handle alone.
    Exclusive,
}
