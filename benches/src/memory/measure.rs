//! The figures a run collects as it goes, shared by both engines: heap
//! counter readings, wall times per stage, RSS at stage boundaries, and a
//! tally of the rows the queries returned.

use std::time::Duration;

/// One reading of an engine's allocation counters. Fields an allocator
/// cannot tell are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeapSnapshot {
    /// Allocation calls so far (fresh allocations; an arena counts its
    /// reallocations here too).
    pub allocations: u64,
    /// Reallocation calls so far (grows and shrinks).
    pub reallocations: Option<u64>,
    /// Requests refused so far.
    pub failures: Option<u64>,
    /// Bytes handed out so far.
    pub total_bytes: Option<u64>,
    /// Bytes live at the reading.
    pub live_bytes: u64,
    /// Highest live bytes so far.
    pub peak_bytes: u64,
    /// Highest number of allocations live at once (SQLite's
    /// `SQLITE_STATUS_MALLOC_COUNT` high-water mark).
    pub max_live_allocations: Option<u64>,
}

impl HeapSnapshot {
    /// Calls that asked the allocator for memory: allocations plus
    /// reallocations.
    pub fn calls(&self) -> u64 {
        self.allocations + self.reallocations.unwrap_or(0)
    }
}

/// Rows the queries of a run returned, and an order-independent checksum
/// of their values: two engines that return the same rows agree on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Rows stepped.
    pub rows: u64,
    /// Sum of a hash of every row.
    pub checksum: u64,
}

impl Tally {
    /// Counts one returned row.
    pub fn row(&mut self, id: i64, data: &[u8], value: Option<f64>) {
        // FNV-1a over the text, mixed with the other two columns.
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        for &byte in data {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        hash ^= (id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        hash ^= value.map_or(0, f64::to_bits).rotate_left(17);
        self.rows += 1;
        self.checksum = self.checksum.wrapping_add(hash);
    }
}

/// Wall time of each stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StageTimes {
    /// Opening the database and connections, setting pragmas.
    pub open: Duration,
    /// Creating the table, preparing statements, seeding.
    pub setup: Duration,
    /// The measured batches.
    pub run: Duration,
    /// The final checkpoint, when asked for.
    pub checkpoint: Option<Duration>,
}

/// Resident set size at stage boundaries, in KiB (whole process).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RssFigures {
    /// Before opening: what the process held before this engine started.
    pub at_start: Option<u64>,
    /// After opening.
    pub after_open: Option<u64>,
    /// After setup.
    pub after_setup: Option<u64>,
    /// After the run.
    pub after_run: Option<u64>,
    /// After the checkpoint, when there was one.
    pub after_checkpoint: Option<u64>,
    /// Peak resident set since this engine started (since the process
    /// started when `peak_reset` is false).
    pub peak: Option<u64>,
    /// Whether the kernel let the peak be reset when the engine started.
    pub peak_reset: bool,
}
