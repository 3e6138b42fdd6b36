//! [`FaultPlatform`]: wraps any [`Platform`] to inject I/O errors and to
//! simulate power cuts, and [`FaultFile`], its handle.
//!
//! Two tools, usable together:
//! - **I/O errors.** An [`IoFault`] fails the N-th read, write or sync (once,
//!   or from N on) with [`ErrorKind::Io`]; [`IoCounts`] say how many of each
//!   a workload made, so a sweep can fail each in turn.
//! - **Power cuts.** Every write and truncation reaches the inner platform
//!   at once (so reads see it), and is also logged as *pending* until its
//!   file's next successful sync. [`FaultPlatform::power_cut`] rewrites each
//!   file as a device would hold it after losing power: its last synced
//!   content plus the pending operations a [`CrashPlan`] lets land, whole
//!   or torn at sector boundaries. [`FaultPlatform::cut_power_after`] stops
//!   a workload exactly after its k-th write, truncation or sync: later
//!   operations of every kind fail, as on a dead device.
//!
//! - **Locks and shared memory.** File locks and the shared memory (the
//!   WAL index) pass through to the inner platform. `lock`, `shm_lock` and
//!   `shm_attach` are counted ([`IoCounts::locks`]) and can be failed with
//!   [`ErrorKind::Io`] ([`FaultTarget::Lock`]) or refused with
//!   [`ErrorKind::Busy`] ([`FaultTarget::LockBusy`]); none of them spends
//!   the power budget, and with the power off every one fails.
//!
//! - **Temporary files.** [`Platform::open_temp`] opens one on the inner
//!   platform. Its reads, writes, truncations and syncs are counted apart
//!   ([`IoCounts::temp_reads`], [`IoCounts::temp_writes`]) and failed by
//!   their own targets ([`FaultTarget::TempRead`],
//!   [`FaultTarget::TempWrite`], and [`FaultTarget::DiskFull`], which fails
//!   every file's writes as a full device); they are not logged, spend no
//!   power budget (a power cut loses a temporary file whole, so there is
//!   nothing to step through), and fail once the power is off.
//!
//! A crash sweep therefore runs its workload once to learn its number of
//! mutations `N` ([`IoCounts::mutations`]), then for each `k` in `0..N`
//! builds fresh state, cuts power after `k`, runs the workload into the
//! error, drops its handles, calls `power_cut` with each plan of interest,
//! and reopens the files to check them.
//!
//! Invariants and limits:
//! - all access to the tracked files goes through this platform while it
//!   lives; changes made behind its back are not in its log;
//! - the first open of a path reads the file whole from the inner platform
//!   and takes it as synced (its durable image); the log and the images
//!   live in allocator `A`, and an allocation failure is an error of the
//!   operation that needed it, which then does not reach the inner platform;
//! - reads, `size`, `open`, `delete` and `exists` never change what a crash
//!   leaves; creation and deletion of files are taken as durable at once;
//! - `power_cut` takes `&mut self`, so no handle can be open across it;
//! - shared memory is volatile: a power cut clears it. Its writes are not
//!   file writes, so they are neither logged nor counted, and `power_cut`
//!   leaves the inner platform's copy alone: with no handle open across the
//!   cut, no handle is attached, and the next to attach is the first and
//!   finds it cleared (the inner platform's "dead man switch", which every
//!   platform with shared memory keeps). What a crash leaves in the
//!   shared memory is therefore never read.

mod crash;
mod inject;
mod journal;
#[cfg(test)]
mod tests;

use core::cell::{Cell, RefCell, RefMut};
use core::fmt;
use core::num::NonZeroU32;

use boundlite_alloc::{Allocator, Global, Vec};

pub use crash::{CrashPlan, CrashReport};
pub use inject::{FaultTarget, IoCounts, IoFault};

use crate::lock::{LockLevel, ShmLockKind, ShmSlots};
use crate::{ErrorKind, File, OpenMode, Platform, PlatformError};
use inject::{Injector, OpKind};
use journal::Journal;

/// The sector size of [`FaultPlatform::new`], in bytes: the unit a disk
/// writes atomically, and so the unit in which writes tear.
pub const DEFAULT_SECTOR_SIZE: NonZeroU32 = match NonZeroU32::new(512) {
    Some(n) => n,
    None => NonZeroU32::MIN,
};

/// Wraps platform `P` with I/O-error injection and power-cut simulation.
/// Use it through `&FaultPlatform`, which implements [`Platform`]; its log
/// of pending writes lives in allocator `A`.
///
/// ```
/// use boundlite_platform::{
///     CrashPlan, ErrorKind, FaultPlatform, FaultTarget, File, IoFault, MemoryPlatform, OpenMode,
///     Platform, PlatformError,
/// };
///
/// let disk = MemoryPlatform::new();
/// let mut fault = FaultPlatform::new(&disk);
/// {
///     let mut file = (&fault).open("test.db", OpenMode::Create)?;
///     file.write_at(0, b"synced")?;
///     file.sync()?;
///     file.write_at(0, b"lost!!")?;
///     // The second sync fails: its writes stay pending.
///     fault.arm(IoFault::Once { target: FaultTarget::Sync, n: 1 });
///     assert_eq!(file.sync().unwrap_err().kind(), ErrorKind::Io);
///     assert_eq!(disk.file_bytes("test.db")?, *b"lost!!");
/// }
/// let report = fault.power_cut(CrashPlan::LoseAll)?;
/// assert_eq!((report.unsynced, report.lost()), (1, 1));
/// assert_eq!(disk.file_bytes("test.db")?, *b"synced");
/// # Ok::<(), PlatformError>(())
/// ```
pub struct FaultPlatform<P, A: Allocator + Clone = Global> {
    inner: P,
    sector_size: NonZeroU32,
    io: Cell<Injector>,
    journal: RefCell<Journal<A>>,
}

impl<P: Platform> FaultPlatform<P, Global> {
    /// Wraps `inner`, logging on the global heap, with nothing planned to
    /// fail and sectors of [`DEFAULT_SECTOR_SIZE`] bytes.
    pub fn new(inner: P) -> Self {
        Self::new_in(inner, Global)
    }
}

impl<P: Platform, A: Allocator + Clone> FaultPlatform<P, A> {
    /// Wraps `inner`, logging in `alloc`.
    pub fn new_in(inner: P, alloc: A) -> Self {
        Self {
            inner,
            sector_size: DEFAULT_SECTOR_SIZE,
            io: Cell::new(Injector::new()),
            journal: RefCell::new(Journal::new_in(alloc)),
        }
    }

    /// Tears writes at multiples of `bytes` instead.
    pub fn with_sector_size(mut self, bytes: NonZeroU32) -> Self {
        self.sector_size = bytes;
        self
    }

    /// The unit, in bytes, in which writes tear.
    pub fn sector_size(&self) -> NonZeroU32 {
        self.sector_size
    }

    /// Follows `fault` from here on and restarts the counts at zero.
    pub fn arm(&self, fault: IoFault) {
        self.update_io(|io| io.arm(fault));
    }

    /// The fault plan in force.
    pub fn fault(&self) -> IoFault {
        self.io.get().fault()
    }

    /// Operations seen since the last [`arm`](Self::arm).
    pub fn counts(&self) -> IoCounts {
        self.io.get().counts()
    }

    /// Lets the next `mutations` writes, truncations and syncs through and
    /// cuts the power at the one after: it and every later operation, of any
    /// kind, fail with [`ErrorKind::Io`] until [`power_cut`](Self::power_cut).
    /// With 0, the very next mutation fails.
    ///
    /// A crash sweep over a small workload:
    ///
    /// ```
    /// use boundlite_platform::{
    ///     CrashPlan, FaultPlatform, File, MemoryPlatform, OpenMode, Platform, PlatformError,
    /// };
    ///
    /// fn workload(p: &FaultPlatform<&MemoryPlatform>) -> Result<(), PlatformError> {
    ///     let mut f = p.open("db", OpenMode::Create)?;
    ///     f.write_at(0, b"old")?;
    ///     f.sync()?;
    ///     f.write_at(0, b"new")?;
    ///     f.sync()
    /// }
    ///
    /// let disk = MemoryPlatform::new();
    /// let fault = FaultPlatform::new(&disk);
    /// workload(&fault)?;
    /// let points = fault.counts().mutations();
    /// assert_eq!(points, 4);
    /// for k in 0..points {
    ///     let disk = MemoryPlatform::new();
    ///     let mut fault = FaultPlatform::new(&disk);
    ///     fault.cut_power_after(k);
    ///     assert!(workload(&fault).is_err());
    ///     fault.power_cut(CrashPlan::KeepAll)?;
    ///     let bytes = disk.file_bytes("db")?;
    ///     assert!(bytes.is_empty() || bytes == *b"old" || bytes == *b"new");
    /// }
    /// # Ok::<(), PlatformError>(())
    /// ```
    pub fn cut_power_after(&self, mutations: u64) {
        self.update_io(|io| io.cut_power_after(mutations));
    }

    /// False once a [`cut_power_after`](Self::cut_power_after) budget has
    /// run out, until the next [`power_cut`](Self::power_cut).
    pub fn is_powered(&self) -> bool {
        self.io.get().is_powered()
    }

    /// Writes and truncations issued and not yet synced, across all files:
    /// [`CrashPlan::InOrder`] can keep any number from 0 to this.
    pub fn unsynced(&self) -> usize {
        // The log is borrowed only inside this type's own methods, none of
        // which calls out while holding it, so the borrow cannot fail here.
        self.journal.try_borrow().map_or(0, |j| j.unsynced())
    }

    /// Cuts the power: rewrites every file this platform has opened to what
    /// the device would hold under `plan` (its synced content plus the
    /// pending operations that land), forgets all pending operations, and
    /// turns the power back on. Files it never opened are untouched.
    ///
    /// Fails if memory for the images runs out (files untouched) or if the
    /// inner platform fails while they are written back (files then in an
    /// unspecified state: a sweep should treat it as a failed run).
    pub fn power_cut(&mut self, plan: CrashPlan) -> Result<CrashReport, PlatformError> {
        let sector_size = u64::from(self.sector_size.get());
        let journal = self.journal.get_mut();
        let report = crash::rebuild(journal, plan, sector_size)?;
        for record in journal.records() {
            let Some(path) = &record.path else { continue };
            if record.pending.is_empty() {
                continue;
            }
            let mut file = self.inner.open(path, OpenMode::ReadWrite)?;
            file.truncate(journal::len_u64(record.durable.len()))?;
            file.write_at(0, &record.durable)?;
            file.sync()?;
        }
        journal.clear();
        self.io.get_mut().restore_power();
        Ok(report)
    }

    /// The wrapped platform.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    /// Unwraps the platform, dropping the log.
    pub fn into_inner(self) -> P {
        self.inner
    }

    fn update_io(&self, f: impl FnOnce(&mut Injector)) {
        let mut io = self.io.get();
        f(&mut io);
        self.io.set(io);
    }

    /// Counts `op` and fails it if the plan or the power says so.
    fn admit(&self, op: OpKind) -> Result<(), PlatformError> {
        let mut io = self.io.get();
        let outcome = io.admit(op);
        self.io.set(io);
        outcome.map_err(PlatformError::new)
    }

    /// Fails uncounted operations once the power is gone.
    fn check_power(&self) -> Result<(), PlatformError> {
        if self.is_powered() {
            Ok(())
        } else {
            Err(ErrorKind::Io.into())
        }
    }

    fn journal(&self) -> Result<RefMut<'_, Journal<A>>, PlatformError> {
        self.journal
            .try_borrow_mut()
            .map_err(|_| ErrorKind::Io.into())
    }
}

/// Reads the whole of `file` into a vector in `alloc`, uncounted.
fn read_whole<F: File, A: Allocator>(file: &mut F, alloc: A) -> Result<Vec<u8, A>, PlatformError> {
    let len = journal::to_index(file.size()?)?;
    let mut image = Vec::try_with_capacity_in(len, alloc)?;
    image.try_resize(len, 0)?;
    file.read_exact_at(0, &mut image)?;
    Ok(image)
}

impl<P, A: Allocator + Clone> fmt::Debug for FaultPlatform<P, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let io = self.io.get();
        let mut s = f.debug_struct("FaultPlatform");
        s.field("sector_size", &self.sector_size)
            .field("fault", &io.fault())
            .field("counts", &io.counts())
            .field("powered", &io.is_powered());
        if let Ok(journal) = self.journal.try_borrow() {
            s.field("unsynced", &journal.unsynced());
        }
        s.finish_non_exhaustive()
    }
}

impl<'f, P: Platform, A: Allocator + Clone> Platform for &'f FaultPlatform<P, A> {
    type File = FaultFile<'f, P, A>;

    fn open(&self, path: &str, mode: OpenMode) -> Result<FaultFile<'f, P, A>, PlatformError> {
        let platform: &'f FaultPlatform<P, A> = self;
        platform.check_power()?;
        let mut inner = platform.inner.open(path, mode)?;
        let mut journal = platform.journal()?;
        let record = match journal.find(path) {
            Some(id) => id,
            None => {
                let image = read_whole(&mut inner, journal.allocator().clone())?;
                journal.insert(path, image)?
            }
        };
        journal.hold(record)?;
        drop(journal);
        Ok(FaultFile {
            platform,
            inner,
            tracking: Tracking::Logged(record),
        })
    }

    fn open_temp(&self) -> Result<FaultFile<'f, P, A>, PlatformError> {
        let platform: &'f FaultPlatform<P, A> = self;
        platform.check_power()?;
        Ok(FaultFile {
            platform,
            inner: platform.inner.open_temp()?,
            tracking: Tracking::Temporary,
        })
    }

    fn delete(&self, path: &str) -> Result<(), PlatformError> {
        self.check_power()?;
        self.inner.delete(path)?;
        self.journal()?.detach(path);
        Ok(())
    }

    fn exists(&self, path: &str) -> Result<bool, PlatformError> {
        self.check_power()?;
        self.inner.exists(path)
    }

    /// The inner platform's sleep; time passes with the power off too.
    fn sleep(&self, micros: u32) -> bool {
        self.inner.sleep(micros)
    }

    fn now_unix_millis(&self) -> Option<i64> {
        self.inner.now_unix_millis()
    }
}

/// An open file of a [`FaultPlatform`]: forwards to the inner platform's
/// handle, counting, failing and logging as the platform says.
pub struct FaultFile<'f, P: Platform, A: Allocator + Clone = Global> {
    platform: &'f FaultPlatform<P, A>,
    inner: P::File,
    tracking: Tracking,
}

/// What the platform keeps about a handle's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tracking {
    /// A file by path: its record in the log of pending writes.
    Logged(usize),
    /// A temporary file: counted, never logged.
    Temporary,
}

impl<P: Platform, A: Allocator + Clone> FaultFile<'_, P, A> {
    fn unlog(&self, record: usize) {
        if let Ok(mut journal) = self.platform.journal() {
            journal.unlog(record);
        }
    }
}

impl<'f, P: Platform, A: Allocator + Clone> File for FaultFile<'f, P, A> {
    fn open_temp(&self) -> Result<FaultFile<'f, P, A>, PlatformError> {
        Platform::open_temp(&self.platform)
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, PlatformError> {
        let op = match self.tracking {
            Tracking::Logged(_) => OpKind::Read,
            Tracking::Temporary => OpKind::TempRead,
        };
        self.platform.admit(op)?;
        self.inner.read_at(offset, buf)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), PlatformError> {
        let Tracking::Logged(record) = self.tracking else {
            self.platform.admit(OpKind::TempWrite)?;
            return self.inner.write_at(offset, data);
        };
        self.platform.admit(OpKind::Write)?;
        self.platform.journal()?.log_write(record, offset, data)?;
        self.inner
            .write_at(offset, data)
            .inspect_err(|_| self.unlog(record))
    }

    fn sync(&mut self) -> Result<(), PlatformError> {
        let Tracking::Logged(record) = self.tracking else {
            self.platform.admit(OpKind::TempWrite)?;
            return self.inner.sync();
        };
        self.platform.admit(OpKind::Sync)?;
        self.platform.journal()?.prepare_sync(record)?;
        self.inner.sync()?;
        self.platform.journal()?.commit_sync(record)
    }

    fn truncate(&mut self, len: u64) -> Result<(), PlatformError> {
        let Tracking::Logged(record) = self.tracking else {
            self.platform.admit(OpKind::TempWrite)?;
            return self.inner.truncate(len);
        };
        self.platform.admit(OpKind::Write)?;
        self.platform.journal()?.log_truncate(record, len)?;
        self.inner.truncate(len).inspect_err(|_| self.unlog(record))
    }

    fn size(&mut self) -> Result<u64, PlatformError> {
        self.platform.check_power()?;
        self.inner.size()
    }

    fn lock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        self.platform.admit(OpKind::Lock)?;
        self.inner.lock(level)
    }

    fn unlock(&mut self, level: LockLevel) -> Result<(), PlatformError> {
        self.platform.check_power()?;
        self.inner.unlock(level)
    }

    fn is_reserved(&mut self) -> Result<bool, PlatformError> {
        self.platform.check_power()?;
        self.inner.is_reserved()
    }

    fn shm_attach(&mut self) -> Result<(), PlatformError> {
        self.platform.admit(OpKind::Lock)?;
        self.inner.shm_attach()
    }

    fn shm_detach(&mut self, delete: bool) -> Result<(), PlatformError> {
        self.platform.check_power()?;
        self.inner.shm_detach(delete)
    }

    fn shm_read(&mut self, offset: usize, buf: &mut [u8]) -> Result<(), PlatformError> {
        self.platform.check_power()?;
        self.inner.shm_read(offset, buf)
    }

    fn shm_write(&mut self, offset: usize, data: &[u8]) -> Result<(), PlatformError> {
        self.platform.check_power()?;
        self.inner.shm_write(offset, data)
    }

    fn shm_lock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        self.platform.admit(OpKind::Lock)?;
        self.inner.shm_lock(slots, kind)
    }

    fn shm_unlock(&mut self, slots: ShmSlots, kind: ShmLockKind) -> Result<(), PlatformError> {
        self.platform.check_power()?;
        self.inner.shm_unlock(slots, kind)
    }

    fn shm_barrier(&mut self) {
        self.inner.shm_barrier();
    }
}

impl<P: Platform, A: Allocator + Clone> Drop for FaultFile<'_, P, A> {
    fn drop(&mut self) {
        if let Tracking::Logged(record) = self.tracking {
            if let Ok(mut journal) = self.platform.journal() {
                journal.release(record);
            }
        }
    }
}

impl<P: Platform, A: Allocator + Clone> fmt::Debug for FaultFile<'_, P, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultFile")
            .field("tracking", &self.tracking)
            .finish_non_exhaustive()
    }
}
