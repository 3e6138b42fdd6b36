//! [`Spilled`]: the oldest frames of an index too large for its memory
//! budget, in a temporary file of the platform.
//!
//! A transaction that changes more pages than the cache holds writes them
//! to the log (see the pager's spill), and the index of those frames would
//! otherwise grow with the transaction. Past its budget the index moves
//! its oldest block of frames here, as two things written to the file:
//!
//! - the block's page numbers in frame order (an *array*, 4 bytes a
//!   frame), which answer "which page does frame F hold" for resealing,
//!   checkpoints and the shared index;
//! - the block's `(page, frame)` pairs sorted (a *run*, 8 bytes a frame),
//!   which answer "which frame holds page P as of frame S".
//!
//! Runs are merged as in a log-structured merge tree: after a run is
//! added, while the run before it is no larger, the two become one, so
//! sizes halve from the oldest run to the newest and a lookup reads at
//! most one chunk of each of about `log2(frames / BLOCK_FRAMES)` runs.
//! A chunk is [`CHUNK_ENTRIES`] pairs; memory holds the first pair of
//! every chunk (a *fence*, 8 bytes per 2 KiB of run) and 16 bytes per
//! array: about 0.09 bytes a frame, so a 1 GiB transaction of 4 KiB pages
//! keeps about 24 KiB here. The file grows by the merges' copies (each
//! frame is rewritten once per level) until the log restarts.
//!
//! Invariants:
//! - the spilled frames are `1..=frames`; arrays and runs cover them in
//!   frame order, each array's first frame after the one before's;
//! - a run holds every frame of its range `first..` at most once, sorted
//!   by `(page, frame)`; its pairs for frames past `valid` were dropped by
//!   a truncation and are skipped by lookups and merges;
//! - the runs partition the frames in order: every valid frame of a run
//!   is below every frame of the runs after it, so the newest run holding
//!   a page answers for it;
//! - nothing in memory changes until what it describes is in the file, so
//!   a failed write or allocation leaves the spilled frames as they were;
//! - truncating only drops arrays and runs or lowers `valid`: it needs no
//!   I/O and no memory.

use boundlite_platform::{ErrorKind, File};

use super::super::FrameNo;
use super::blocks::BLOCK_FRAMES;
use crate::alloc::{Allocator, Vec};
use crate::{Error, PageNo, Result};

/// Pairs per chunk of a run: one fence each, one read per lookup.
const CHUNK_ENTRIES: usize = 256;

/// Bytes of a `(page, frame)` pair in the file.
const ENTRY_BYTES: usize = 8;

/// Bytes of a run chunk.
const CHUNK_BYTES: usize = CHUNK_ENTRIES * ENTRY_BYTES;

/// Bytes of one array: a block's page numbers.
const ARRAY_BYTES: usize = BLOCK_FRAMES * 4;

/// Bytes a merge reads from each run at a time.
const MERGE_READ_BYTES: usize = 512;

/// The sort key of a pair: by page, then frame.
fn key(page: u32, frame: u32) -> u64 {
    (u64::from(page) << 32) | u64::from(frame)
}

fn page_of_key(key: u64) -> u32 {
    (key >> 32) as u32
}

fn frame_of_key(key: u64) -> u32 {
    key as u32
}

/// Reads `buf.len()` bytes of the temporary file at `offset`.
fn read<F: File>(file: &mut F, offset: u64, buf: &mut [u8]) -> Result<()> {
    file.read_exact_at(offset, buf).map_err(|e| match e.kind() {
        ErrorKind::UnexpectedEof => damaged(),
        _ => e.into(),
    })
}

fn damaged() -> Error {
    Error::Misuse("the spilled WAL index file is shorter than what it holds")
}

/// The temporary file, opened when the first block spills.
enum Temp<F> {
    Unopened,
    Open(F),
    /// The platform has no temporary files: the index stays in memory.
    Unavailable,
}

/// Arrays start on multiples of this many bytes of the file, so their
/// offsets fit in 32 bits.
const ARRAY_ALIGN: u64 = 1024;

/// The page numbers of a block's frames `after + 1 ..= after + BLOCK_FRAMES`,
/// at byte `kib * ARRAY_ALIGN` of the file.
struct Array {
    after: u32,
    kib: u32,
}

impl Array {
    fn offset(&self) -> u64 {
        u64::from(self.kib) * ARRAY_ALIGN
    }
}

/// Sorted `(page, frame)` pairs of frames `first..`.
struct Run<A: Allocator> {
    offset: u64,
    entries: u32,
    first: u32,
    /// Pairs of frames past this one are no longer in the log.
    valid: u32,
    /// The first key of each chunk.
    fences: Vec<u64, A>,
}

/// The spilled frames. See the module documentation.
pub(super) struct Spilled<F, A: Allocator> {
    temp: Temp<F>,
    /// Bytes of the file in use; the next write goes here.
    end: u64,
    arrays: Vec<Array, A>,
    runs: Vec<Run<A>, A>,
    frames: u32,
    alloc: A,
}

impl<F: File, A: Allocator + Clone> Spilled<F, A> {
    pub(super) fn new_in(alloc: A) -> Self {
        Spilled {
            temp: Temp::Unopened,
            end: 0,
            arrays: Vec::new_in(alloc.clone()),
            runs: Vec::new_in(alloc.clone()),
            frames: 0,
            alloc,
        }
    }

    /// Takes the block of frames `frames() + 1 ..` holding `pages`, and
    /// merges runs as the module documentation says. On error the block
    /// is not taken, or it is and a merge was left undone.
    pub(super) fn spill_block(&mut self, pages: &[u32; BLOCK_FRAMES]) -> Result<()> {
        let after = self.frames;
        let last = after.checked_add(BLOCK_FRAMES as u32).ok_or(Error::Full)?;
        let mut keys = [0u64; BLOCK_FRAMES];
        for ((k, &page), frame) in keys.iter_mut().zip(pages).zip(after + 1..) {
            *k = key(page, frame);
        }
        keys.sort_unstable();
        let mut bytes = [0u8; CHUNK_BYTES + ARRAY_BYTES];
        let (array, run) = bytes.split_at_mut(ARRAY_BYTES);
        for (at, k) in run.chunks_exact_mut(ENTRY_BYTES).zip(keys) {
            at.copy_from_slice(&k.to_le_bytes());
        }
        for (at, page) in array.chunks_exact_mut(4).zip(pages) {
            at.copy_from_slice(&page.to_le_bytes());
        }
        self.arrays.try_reserve(1)?;
        self.runs.try_reserve(1)?;
        let mut fences = Vec::try_with_capacity_in(1, self.alloc.clone())?;
        fences.try_push(keys[0])?;
        // The array first, at an aligned offset, then the run.
        let at = self.end.next_multiple_of(ARRAY_ALIGN);
        let kib = u32::try_from(at / ARRAY_ALIGN).map_err(|_| Error::Full)?;
        let offset = at + ARRAY_BYTES as u64;
        self.file()?.write_at(at, &bytes)?;
        self.end = at + bytes.len() as u64;
        self.runs.try_push(Run {
            offset,
            entries: BLOCK_FRAMES as u32,
            first: after + 1,
            valid: last,
            fences,
        })?;
        self.arrays.try_push(Array { after, kib })?;
        self.frames = last;
        self.compact()
    }

    /// Merges the two newest runs while the older is no larger.
    fn compact(&mut self) -> Result<()> {
        while let [.., older, newer] = self.runs.as_slice() {
            if older.entries > newer.entries {
                break;
            }
            self.merge_newest()?;
        }
        Ok(())
    }

    /// Replaces the two newest runs by one holding their valid pairs.
    fn merge_newest(&mut self) -> Result<()> {
        let n = self.runs.len();
        let (Some(older), Some(newer)) = (self.runs.get(n.wrapping_sub(2)), self.runs.get(n - 1))
        else {
            return Ok(());
        };
        let total = older.entries as usize + newer.entries as usize;
        let mut fences =
            Vec::try_with_capacity_in(total.div_ceil(CHUNK_ENTRIES), self.alloc.clone())?;
        let mut a = RunReader::of(older);
        let mut b = RunReader::of(newer);
        let (first, valid) = (older.first, newer.valid);
        let start = self.end;
        let Temp::Open(file) = &mut self.temp else {
            return Err(Error::Misuse("runs without a spilled WAL index file"));
        };
        let mut out = RunWriter {
            offset: start,
            chunk: [0; CHUNK_BYTES],
            filled: 0,
            entries: 0,
        };
        loop {
            let next = match (a.peek(file)?, b.peek(file)?) {
                (Some(x), Some(y)) if x <= y => a.take(),
                (Some(_), Some(_)) | (None, Some(_)) => b.take(),
                (Some(_), None) => a.take(),
                (None, None) => break,
            };
            let Some(k) = next else { break };
            if out.entries % CHUNK_ENTRIES as u32 == 0 {
                fences.try_push(k)?;
            }
            out.push(file, k)?;
        }
        out.flush(file)?;
        self.end = out.offset;
        self.runs.truncate(n - 2);
        self.runs.try_push(Run {
            offset: start,
            entries: out.entries,
            first,
            valid,
            fences,
        })?;
        Ok(())
    }
}

impl<F: File, A: Allocator> Spilled<F, A> {
    /// The frames held here: `1..=frames()`.
    pub(super) fn frames(&self) -> u32 {
        self.frames
    }

    /// Whether blocks can be spilled, opening the temporary file from
    /// `source`'s platform the first time. `false` on a platform without
    /// temporary files.
    pub(super) fn ready(&mut self, source: &F) -> Result<bool> {
        if let Temp::Unopened = self.temp {
            self.temp = match source.open_temp() {
                Ok(file) => Temp::Open(file),
                Err(e) if e.kind() == ErrorKind::Unsupported => Temp::Unavailable,
                Err(e) => return Err(e.into()),
            };
        }
        Ok(matches!(self.temp, Temp::Open(_)))
    }

    /// The latest frame at or below `limit` holding `page`.
    pub(super) fn find(&mut self, page: PageNo, limit: u32) -> Result<Option<FrameNo>> {
        let limit = limit.min(self.frames);
        let Temp::Open(file) = &mut self.temp else {
            return Ok(None);
        };
        for run in self.runs.iter().rev() {
            if run.first > limit {
                continue;
            }
            let target = key(page.get(), limit.min(run.valid));
            let chunk = run.fences.partition_point(|&f| f <= target);
            let Some(chunk) = chunk.checked_sub(1) else {
                continue;
            };
            let from = chunk * CHUNK_ENTRIES;
            let count = (run.entries as usize)
                .saturating_sub(from)
                .min(CHUNK_ENTRIES);
            let mut bytes = [0u8; CHUNK_BYTES];
            let bytes = bytes.get_mut(..count * ENTRY_BYTES).ok_or_else(damaged)?;
            let at = run.offset + (from * ENTRY_BYTES) as u64;
            read(file, at, bytes)?;
            let entry = |i: usize| {
                bytes
                    .get(i * ENTRY_BYTES..(i + 1) * ENTRY_BYTES)
                    .and_then(|b| b.try_into().ok())
                    .map_or(u64::MAX, u64::from_le_bytes)
            };
            // The last pair at or below the target: the chunk's first is.
            let (mut lo, mut hi) = (0usize, count);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if entry(mid) <= target {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let found = entry(lo);
            if page_of_key(found) == page.get() {
                return Ok(FrameNo::new(frame_of_key(found)));
            }
        }
        Ok(None)
    }

    /// The page frame `frame` holds, if it is spilled.
    pub(super) fn page_of(&mut self, frame: FrameNo) -> Result<Option<PageNo>> {
        if frame.get() > self.frames {
            return Ok(None);
        }
        let i = self.arrays.partition_point(|a| a.after < frame.get());
        let Some(array) = i.checked_sub(1).and_then(|i| self.arrays.get(i)) else {
            return Ok(None);
        };
        let entry = u64::from(frame.get() - array.after - 1);
        let offset = array.offset() + entry * 4;
        let mut word = [0u8; 4];
        read(self.file()?, offset, &mut word)?;
        Ok(PageNo::new(u32::from_le_bytes(word)))
    }

    fn file(&mut self) -> Result<&mut F> {
        match &mut self.temp {
            Temp::Open(file) => Ok(file),
            Temp::Unopened | Temp::Unavailable => Err(Error::Misuse("no spilled WAL index file")),
        }
    }
}

impl<F, A: Allocator + Clone> Spilled<F, A> {
    /// Forgets every frame after `frames`. No I/O, no memory.
    pub(super) fn truncate(&mut self, frames: u32) {
        if frames >= self.frames {
            return;
        }
        if frames == 0 {
            self.clear();
            return;
        }
        while self.arrays.last().is_some_and(|a| a.after >= frames) {
            self.arrays.pop();
        }
        while self.runs.last().is_some_and(|r| r.first > frames) {
            self.runs.pop();
        }
        for run in self.runs.iter_mut() {
            run.valid = run.valid.min(frames);
        }
        self.frames = frames;
    }

    /// Forgets every frame and closes the file, giving its space back.
    pub(super) fn clear(&mut self) {
        self.arrays.release();
        self.runs.release();
        self.frames = 0;
        self.end = 0;
        if let Temp::Open(_) = self.temp {
            self.temp = Temp::Unopened;
        }
    }
}

impl<F, A: Allocator> Spilled<F, A> {
    /// Bytes held in the allocator.
    pub(super) fn memory_bytes(&self) -> usize {
        let fences: usize = self.runs.iter().map(|r| r.fences.capacity() * 8).sum();
        self.arrays.capacity() * core::mem::size_of::<Array>()
            + self.runs.capacity() * core::mem::size_of::<Run<A>>()
            + fences
    }
}

/// Reads a run's valid pairs in order, a few at a time.
struct RunReader {
    offset: u64,
    left: u32,
    valid: u32,
    buf: [u8; MERGE_READ_BYTES],
    pos: usize,
    filled: usize,
    head: Option<u64>,
}

impl RunReader {
    fn of<A: Allocator>(run: &Run<A>) -> Self {
        RunReader {
            offset: run.offset,
            left: run.entries,
            valid: run.valid,
            buf: [0; MERGE_READ_BYTES],
            pos: 0,
            filled: 0,
            head: None,
        }
    }

    /// The next valid pair, without taking it.
    fn peek<F: File>(&mut self, file: &mut F) -> Result<Option<u64>> {
        while self.head.is_none() {
            if self.pos == self.filled {
                if self.left == 0 {
                    return Ok(None);
                }
                let n = (self.left as usize).min(MERGE_READ_BYTES / ENTRY_BYTES);
                let part = self.buf.get_mut(..n * ENTRY_BYTES).ok_or_else(damaged)?;
                read(file, self.offset, part)?;
                self.offset += (n * ENTRY_BYTES) as u64;
                self.left -= n as u32;
                self.pos = 0;
                self.filled = n * ENTRY_BYTES;
            }
            let k = self
                .buf
                .get(self.pos..self.pos + ENTRY_BYTES)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
                .ok_or_else(damaged)?;
            self.pos += ENTRY_BYTES;
            if frame_of_key(k) <= self.valid {
                self.head = Some(k);
            }
        }
        Ok(self.head)
    }

    fn take(&mut self) -> Option<u64> {
        self.head.take()
    }
}

/// Writes a run a chunk at a time.
struct RunWriter {
    offset: u64,
    chunk: [u8; CHUNK_BYTES],
    filled: usize,
    entries: u32,
}

impl RunWriter {
    fn push<F: File>(&mut self, file: &mut F, k: u64) -> Result<()> {
        if let Some(at) = self.chunk.get_mut(self.filled..self.filled + ENTRY_BYTES) {
            at.copy_from_slice(&k.to_le_bytes());
        }
        self.filled += ENTRY_BYTES;
        self.entries += 1;
        if self.filled == CHUNK_BYTES {
            self.flush(file)?;
        }
        Ok(())
    }

    fn flush<F: File>(&mut self, file: &mut F) -> Result<()> {
        let part = self.chunk.get(..self.filled).unwrap_or_default();
        file.write_at(self.offset, part)?;
        self.offset += self.filled as u64;
        self.filled = 0;
        Ok(())
    }
}
