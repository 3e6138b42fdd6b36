//! The crash model: which of the operations pending at a power cut reach
//! the device ([`CrashPlan`]), and rebuilding each file's after-crash image
//! from its durable image and the operations that landed.
//!
//! The model, after what storage devices guarantee and what they do not:
//! - everything synced survives, whatever the plan;
//! - each pending write or truncation either lands or is lost; a write may
//!   also land in part, *torn* at sector boundaries: the device writes each
//!   aligned sector atomically, so the pieces of a write that fall in one
//!   sector land or are lost together;
//! - operations that land are applied in issue order, so a later write over
//!   the same bytes wins, as it would have on the device;
//! - creating and deleting files are durable at once: only content is at
//!   risk (the std platform syncs a created file's directory on the file's
//!   first sync, which makes this true there as well).

use boundlite_alloc::Allocator;

use super::journal::{self, Journal, Pending, len_u64};
use crate::PlatformError;

/// Which pending (unsynced) operations reach the device when the power is
/// cut. An operation is a write or a truncation; syncs are never pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrashPlan {
    /// Every pending operation is lost: files are as of their last sync.
    LoseAll,
    /// Every pending operation lands: files are as the workload left them
    /// (what a process crash, as opposed to a power cut, leaves).
    KeepAll,
    /// The device wrote pending operations in issue order, across all
    /// files, and lost power during the next one: the first `landed` land
    /// whole, the one after them lands only its first `torn_sectors` sector
    /// pieces (nothing when 0; a truncation cannot be torn and is lost), and
    /// the rest are lost. Sweep `landed` over `0..=unsynced` for every
    /// in-order outcome.
    InOrder {
        /// Operations that land whole.
        landed: usize,
        /// Sector pieces of the next operation that land.
        torn_sectors: u64,
    },
    /// The device reordered freely: each pending operation lands or is lost
    /// by a coin toss seeded with `seed`; with `tear`, each sector piece of
    /// a landing write is tossed for on its own. The same seed and workload
    /// give the same outcome.
    Random {
        /// Seed of the coin tosses.
        seed: u64,
        /// Whether landing writes may be torn at sector boundaries.
        tear: bool,
    },
}

/// What a power cut did to the pending operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CrashReport {
    /// Operations pending when the power went.
    pub unsynced: usize,
    /// Operations that landed whole.
    pub landed: usize,
    /// Writes that landed in part: some of their sector pieces, not all.
    pub torn: usize,
}

impl CrashReport {
    /// Operations lost entirely.
    pub const fn lost(&self) -> usize {
        self.unsynced
            .saturating_sub(self.landed)
            .saturating_sub(self.torn)
    }
}

/// How much of one pending operation lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Lost,
    Whole,
    /// The first `n` sector pieces land.
    FirstPieces(u64),
    /// Each sector piece lands by its own coin toss.
    TossedPieces {
        seed: u64,
        seq: u64,
    },
}

/// Rebuilds, in place, every named record's durable image as the device
/// holds it after a power cut under `plan`, and returns what happened.
/// Pending operations are left in place: the caller writes back only the
/// files that had some, then drops them. Memory for the
/// images is reserved before any image changes, so an out-of-memory error
/// leaves every image as it was.
pub(super) fn rebuild<A: Allocator + Clone>(
    journal: &mut Journal<A>,
    plan: CrashPlan,
    sector_size: u64,
) -> Result<CrashReport, PlatformError> {
    for record in journal.records_mut() {
        if record.path.is_some() {
            record.reserve_for_pending()?;
        }
    }
    let mut report = CrashReport {
        unsynced: journal.unsynced(),
        ..CrashReport::default()
    };
    let decide = Decide::new(journal, plan);
    for record in journal.records_mut() {
        if record.path.is_none() {
            continue;
        }
        for op in record.pending.iter() {
            match land(&mut record.durable, op, decide.fate(op), sector_size)? {
                Landed::Nothing => {}
                Landed::Whole => report.landed += 1,
                Landed::Part => report.torn += 1,
            }
        }
    }
    Ok(report)
}

/// A plan, with what it needs to know of the whole log resolved up front
/// so that deciding an operation's fate looks at that operation alone.
#[derive(Debug, Clone, Copy)]
enum Decide {
    Lose,
    Keep,
    /// Operations numbered below `cut` land whole; `cut` itself lands
    /// `torn_sectors` pieces; `None` when fewer operations are pending
    /// than the plan lets land.
    InOrder {
        cut: Option<u64>,
        torn_sectors: u64,
    },
    Random {
        seed: u64,
        tear: bool,
    },
}

impl Decide {
    fn new<A: Allocator + Clone>(journal: &Journal<A>, plan: CrashPlan) -> Self {
        match plan {
            CrashPlan::LoseAll => Decide::Lose,
            CrashPlan::KeepAll => Decide::Keep,
            CrashPlan::InOrder {
                landed,
                torn_sectors,
            } => Decide::InOrder {
                cut: nth_pending(journal, landed),
                torn_sectors,
            },
            CrashPlan::Random { seed, tear } => Decide::Random { seed, tear },
        }
    }

    /// How much of `op` lands.
    fn fate<A: Allocator>(self, op: &Pending<A>) -> Fate {
        let seq = op.seq();
        match self {
            Decide::Lose => Fate::Lost,
            Decide::Keep => Fate::Whole,
            Decide::InOrder { cut: None, .. } => Fate::Whole,
            Decide::InOrder {
                cut: Some(cut),
                torn_sectors,
            } => {
                if seq < cut {
                    Fate::Whole
                } else if seq == cut && torn_sectors > 0 {
                    Fate::FirstPieces(torn_sectors)
                } else {
                    Fate::Lost
                }
            }
            Decide::Random { seed, .. } if toss(seed, seq, 0) => Fate::Lost,
            Decide::Random { seed, tear: true } => Fate::TossedPieces { seed, seq },
            Decide::Random { tear: false, .. } => Fate::Whole,
        }
    }
}

/// The sequence number of the `n`-th pending operation (from 0) in issue
/// order across all files, if there are more than `n`.
fn nth_pending<A: Allocator + Clone>(journal: &Journal<A>, n: usize) -> Option<u64> {
    journal
        .records()
        .iter()
        .filter(|r| r.path.is_some())
        .flat_map(|r| r.pending.iter())
        .map(Pending::seq)
        .find(|&seq| rank(journal, seq) == n)
}

/// Position of the operation numbered `seq` among all pending operations,
/// in issue order.
fn rank<A: Allocator + Clone>(journal: &Journal<A>, seq: u64) -> usize {
    journal
        .records()
        .iter()
        .filter(|r| r.path.is_some())
        .map(|r| r.pending.partition_point(|p| p.seq() < seq))
        .sum()
}

/// What of an operation reached the image.
enum Landed {
    Nothing,
    Whole,
    Part,
}

/// Applies to `image` the part of `op` that `fate` lets land.
fn land<A: Allocator>(
    image: &mut boundlite_alloc::Vec<u8, A>,
    op: &Pending<A>,
    fate: Fate,
    sector_size: u64,
) -> Result<Landed, PlatformError> {
    let (offset, data) = match (fate, op) {
        (Fate::Lost, _) => return Ok(Landed::Nothing),
        (Fate::Whole, _) => {
            journal::apply(image, op)?;
            return Ok(Landed::Whole);
        }
        // A truncation changes one length field: it cannot land in part.
        (_, Pending::Truncate { .. }) => return Ok(Landed::Nothing),
        (_, Pending::Write { offset, data, .. }) => (*offset, data.as_slice()),
    };
    let mut pieces = 0u64;
    let mut kept = 0u64;
    for (index, piece_offset, piece) in sector_pieces(offset, data, sector_size) {
        pieces += 1;
        let lands = match fate {
            Fate::FirstPieces(n) => index < n,
            Fate::TossedPieces { seed, seq } => toss(seed, seq, index + 1),
            Fate::Lost | Fate::Whole => false,
        };
        if lands {
            kept += 1;
            journal::write(image, piece_offset, piece)?;
        }
    }
    Ok(match kept {
        0 => Landed::Nothing,
        k if k == pieces => Landed::Whole,
        _ => Landed::Part,
    })
}

/// Splits a write of `data` at `offset` at the aligned sector boundaries
/// it crosses: yields `(piece index, piece offset, piece bytes)`.
fn sector_pieces(
    offset: u64,
    data: &[u8],
    sector_size: u64,
) -> impl Iterator<Item = (u64, u64, &[u8])> {
    let sector_size = sector_size.max(1);
    let mut rest = data;
    let mut at = offset;
    let mut index = 0u64;
    core::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let to_boundary = sector_size - at % sector_size;
        let take = usize::try_from(to_boundary).map_or(rest.len(), |t| t.min(rest.len()));
        let (piece, tail) = rest.split_at(take);
        let item = (index, at, piece);
        rest = tail;
        at = at.saturating_add(len_u64(take));
        index += 1;
        Some(item)
    })
}

/// A seeded coin toss for operation `seq`, piece `salt`: true half the time.
/// splitmix64 over the inputs, so outcomes depend on nothing but them.
fn toss(seed: u64, seq: u64, salt: u64) -> bool {
    let mut z = seed
        .wrapping_add(seq.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .wrapping_add(salt.wrapping_mul(0xd1b5_4a32_d192_ed03));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    z & 1 == 1
}
