//! Deciding which operations fail: the [`IoFault`] plan, the power budget,
//! and the [`IoCounts`] that let a sweep know how many operations a
//! workload makes.
//!
//! Lock operations (file locks, shared-memory lock slots, attaching to the
//! shared memory) are counted apart from reads, writes and syncs: a plan
//! aimed at `Read`, `Write`, `Sync` or `WriteOrSync` counts and fails the
//! same operations whether or not the workload locks. They do not spend
//! the power budget, as they change nothing a power cut could keep.
//!
//! Reads and writes of temporary files are counted apart too, for the same
//! reason: a plan aimed at the database's files fails the same operations
//! whether or not a statement spilled a sort, and a crash sweep steps only
//! through what a crash could keep (a temporary file vanishes whole).
//!
//! Everything here is plain `Copy` data, kept in a `Cell` by the fault
//! platform: deciding an operation's fate allocates nothing and borrows
//! nothing.

use crate::ErrorKind;

/// Which operations an [`IoFault`] counts and fails.
///
/// ```
/// use boundlite_platform::{
///     ErrorKind, FaultPlatform, FaultTarget, File, IoFault, LockLevel, MemoryPlatform, OpenMode,
///     Platform, PlatformError,
/// };
///
/// let disk = MemoryPlatform::new();
/// let fault = FaultPlatform::new(&disk);
/// let mut f = (&fault).open("main.db", OpenMode::Create)?;
/// // A busy database without a second user: the first lock is refused.
/// fault.arm(IoFault::Once { target: FaultTarget::LockBusy, n: 1 });
/// assert_eq!(f.lock(LockLevel::Shared).unwrap_err().kind(), ErrorKind::Busy);
/// f.lock(LockLevel::Shared)?;
/// f.write_at(0, b"page")?;
/// let counts = fault.counts();
/// assert_eq!((counts.locks, counts.writes, counts.failed), (2, 1, 1));
/// # Ok::<(), PlatformError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultTarget {
    /// `read_at` (and `read_exact_at`).
    Read,
    /// `write_at` and `truncate`: the operations that change a file.
    Write,
    /// `sync`.
    Sync,
    /// Writes, truncations and syncs: the operations a crash sweep steps
    /// through.
    WriteOrSync,
    /// `lock`, `shm_lock` and `shm_attach`: the operations where another
    /// user of the file could refuse. A failed one reports
    /// [`ErrorKind::Io`](crate::ErrorKind::Io), as a broken lock manager
    /// would.
    Lock,
    /// The operations of [`Lock`](Self::Lock), but a failed one reports
    /// [`ErrorKind::Busy`](crate::ErrorKind::Busy), as if another handle
    /// held a conflicting lock: for testing the engine's busy paths without
    /// staging a second user.
    LockBusy,
    /// `read_at` of temporary files ([`Platform::open_temp`](crate::Platform::open_temp)).
    TempRead,
    /// `write_at`, `truncate` and `sync` of temporary files.
    TempWrite,
    /// Writes and truncations of any file, temporary ones included, but a
    /// failed one reports [`ErrorKind::NoSpace`](crate::ErrorKind::NoSpace),
    /// as a full device does: `IoFault::From` with it is a disk that
    /// fills up at write `n`.
    DiskFull,
    /// Every counted operation, lock operations included.
    Any,
}

/// Which operations fail with [`ErrorKind::Io`](crate::ErrorKind::Io)
/// ([`ErrorKind::Busy`](crate::ErrorKind::Busy) for
/// [`FaultTarget::LockBusy`]), counted from 1 among those `target` selects, since the last
/// [`FaultPlatform::arm`](crate::FaultPlatform::arm). A failed operation
/// does not reach the inner platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IoFault {
    /// No operation fails.
    Never,
    /// Operation `n` fails; later ones succeed (a transient error).
    Once {
        /// The operations counted.
        target: FaultTarget,
        /// Which one fails, from 1.
        n: u64,
    },
    /// Operation `n` and every later one fail (a device gone bad).
    From {
        /// The operations counted.
        target: FaultTarget,
        /// The first that fails, from 1.
        n: u64,
    },
}

/// Operations a fault platform has seen since its last
/// [`arm`](crate::FaultPlatform::arm), failed ones included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct IoCounts {
    /// Calls to `read_at`.
    pub reads: u64,
    /// Calls to `write_at` and `truncate`.
    pub writes: u64,
    /// Calls to `sync`.
    pub syncs: u64,
    /// Calls to `lock`, `shm_lock` and `shm_attach`.
    pub locks: u64,
    /// Calls to `read_at` on temporary files (not in `reads`).
    pub temp_reads: u64,
    /// Calls to `write_at`, `truncate` and `sync` on temporary files (not
    /// in `writes` or `syncs`).
    pub temp_writes: u64,
    /// Operations failed on purpose, by the plan or for lack of power.
    pub failed: u64,
}

impl IoCounts {
    /// Writes, truncations and syncs: the points at which a crash sweep can
    /// cut the power.
    pub const fn mutations(&self) -> u64 {
        self.writes.saturating_add(self.syncs)
    }
}

/// A counted operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OpKind {
    Read,
    Write,
    Sync,
    Lock,
    TempRead,
    TempWrite,
}

impl FaultTarget {
    fn selects(self, op: OpKind) -> bool {
        match self {
            FaultTarget::Read => op == OpKind::Read,
            FaultTarget::Write => op == OpKind::Write,
            FaultTarget::Sync => op == OpKind::Sync,
            FaultTarget::WriteOrSync => matches!(op, OpKind::Write | OpKind::Sync),
            FaultTarget::Lock | FaultTarget::LockBusy => op == OpKind::Lock,
            FaultTarget::TempRead => op == OpKind::TempRead,
            FaultTarget::TempWrite => op == OpKind::TempWrite,
            FaultTarget::DiskFull => matches!(op, OpKind::Write | OpKind::TempWrite),
            FaultTarget::Any => true,
        }
    }

    /// What an operation this target picks fails with.
    fn failure(self) -> ErrorKind {
        match self {
            FaultTarget::LockBusy => ErrorKind::Busy,
            FaultTarget::DiskFull => ErrorKind::NoSpace,
            _ => ErrorKind::Io,
        }
    }
}

/// Whether the device has power.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Power {
    On,
    /// On for this many more writes, truncations or syncs.
    OnFor(u64),
    Off,
}

/// The fault platform's plan, counters and power state.
#[derive(Debug, Clone, Copy)]
pub(super) struct Injector {
    fault: IoFault,
    counts: IoCounts,
    selected: u64,
    power: Power,
}

impl Injector {
    pub(super) const fn new() -> Self {
        Self {
            fault: IoFault::Never,
            counts: IoCounts {
                reads: 0,
                writes: 0,
                syncs: 0,
                locks: 0,
                temp_reads: 0,
                temp_writes: 0,
                failed: 0,
            },
            selected: 0,
            power: Power::On,
        }
    }

    pub(super) fn arm(&mut self, fault: IoFault) {
        self.fault = fault;
        self.counts = IoCounts::default();
        self.selected = 0;
    }

    pub(super) fn fault(&self) -> IoFault {
        self.fault
    }

    pub(super) fn counts(&self) -> IoCounts {
        self.counts
    }

    pub(super) fn is_powered(&self) -> bool {
        self.power != Power::Off
    }

    pub(super) fn cut_power_after(&mut self, mutations: u64) {
        self.power = Power::OnFor(mutations);
    }

    pub(super) fn restore_power(&mut self) {
        self.power = Power::On;
    }

    /// Counts `op` and decides whether it may proceed, or fails as what.
    pub(super) fn admit(&mut self, op: OpKind) -> Result<(), ErrorKind> {
        match op {
            OpKind::Read => self.counts.reads += 1,
            OpKind::Write => self.counts.writes += 1,
            OpKind::Sync => self.counts.syncs += 1,
            OpKind::Lock => self.counts.locks += 1,
            OpKind::TempRead => self.counts.temp_reads += 1,
            OpKind::TempWrite => self.counts.temp_writes += 1,
        }
        let powered = match self.power {
            Power::Off => false,
            Power::On => true,
            Power::OnFor(_) if !matches!(op, OpKind::Write | OpKind::Sync) => true,
            Power::OnFor(0) => {
                self.power = Power::Off;
                false
            }
            Power::OnFor(left) => {
                self.power = Power::OnFor(left - 1);
                true
            }
        };
        let outcome = if powered {
            self.planned_failure(op).map_or(Ok(()), Err)
        } else {
            Err(ErrorKind::Io)
        };
        if outcome.is_err() {
            self.counts.failed += 1;
        }
        outcome
    }

    /// Counts `op` against the plan, and says how it fails if the plan
    /// picks it.
    fn planned_failure(&mut self, op: OpKind) -> Option<ErrorKind> {
        let (target, n, persistent) = match self.fault {
            IoFault::Never => return None,
            IoFault::Once { target, n } => (target, n, false),
            IoFault::From { target, n } => (target, n, true),
        };
        if !target.selects(op) {
            return None;
        }
        self.selected += 1;
        let fails = if persistent {
            self.selected >= n
        } else {
            self.selected == n
        };
        fails.then_some(target.failure())
    }
}
