//! Deciding which operations fail: the [`IoFault`] plan, the power budget,
//! and the [`IoCounts`] that let a sweep know how many operations a
//! workload makes.
//!
//! Everything here is plain `Copy` data, kept in a `Cell` by the fault
//! platform: deciding an operation's fate allocates nothing and borrows
//! nothing.

/// Which operations an [`IoFault`] counts and fails.
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
    /// Every counted operation.
    Any,
}

/// Which operations fail with [`ErrorKind::Io`](crate::ErrorKind::Io),
/// counted from 1 among those `target` selects, since the last
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
}

impl FaultTarget {
    fn selects(self, op: OpKind) -> bool {
        match self {
            FaultTarget::Read => op == OpKind::Read,
            FaultTarget::Write => op == OpKind::Write,
            FaultTarget::Sync => op == OpKind::Sync,
            FaultTarget::WriteOrSync => op != OpKind::Read,
            FaultTarget::Any => true,
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

    /// Counts `op` and decides whether it may proceed (`true`) or fails.
    pub(super) fn admit(&mut self, op: OpKind) -> bool {
        match op {
            OpKind::Read => self.counts.reads += 1,
            OpKind::Write => self.counts.writes += 1,
            OpKind::Sync => self.counts.syncs += 1,
        }
        let powered = match self.power {
            Power::Off => false,
            Power::On => true,
            Power::OnFor(_) if op == OpKind::Read => true,
            Power::OnFor(0) => {
                self.power = Power::Off;
                false
            }
            Power::OnFor(left) => {
                self.power = Power::OnFor(left - 1);
                true
            }
        };
        let ok = powered && !self.planned_failure(op);
        if !ok {
            self.counts.failed += 1;
        }
        ok
    }

    fn planned_failure(&mut self, op: OpKind) -> bool {
        let (target, n, persistent) = match self.fault {
            IoFault::Never => return false,
            IoFault::Once { target, n } => (target, n, false),
            IoFault::From { target, n } => (target, n, true),
        };
        if !target.selects(op) {
            return false;
        }
        self.selected += 1;
        if persistent {
            self.selected >= n
        } else {
            self.selected == n
        }
    }
}
