//! [`Config`]: everything that bounds a database's memory, as data.
//!
//! The memory a database needs is bounded by its `Config` and the page
//! size of its file: the page cache starts with no frame, adds frames only
//! when those it has are all in use, and never has more than
//! `cache_frames`. [`Config::cache_bytes`] bounds what it takes at its
//! largest.

use crate::format::PageSize;

/// When the page cache adds a frame. Either way it never holds more than
/// [`Config::cache_frames`], and when the allocator refuses a frame it
/// works with the frames it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheGrowth {
    /// Only when every frame it has was used since the clock hand last
    /// passed it: the cache settles near the working set, and a page read
    /// once and not again is the next one reused (and read again from the
    /// file or log if it is wanted later). The least memory.
    UnderPressure,
    /// On every miss, as SQLite's cache grows: every page read stays
    /// cached until `cache_frames` is reached. The fewest re-reads, the
    /// most memory.
    OnMiss,
}

/// How a database is opened and how much memory it may use.
///
/// ```
/// use boundlite::Config;
/// use boundlite::format::PageSize;
///
/// let small = Config { cache_frames: 16, page_size: PageSize::new(1024).unwrap(), ..Config::DEFAULT };
/// assert_eq!(small.cache_frames * 1024, 16 * 1024);
/// assert!(small.cache_bytes(1024) >= 16 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Page size of a database this configuration creates. A file that
    /// exists keeps its own page size.
    pub page_size: PageSize,
    /// Pages the cache may hold; at least [`Config::MIN_CACHE_FRAMES`]. The
    /// cache grows to this only when that many pages are in use at once.
    /// A write transaction that changes more pages spills them to the log
    /// before its commit and reads them back from there. When the
    /// allocator refuses a frame before then, the cache works with the
    /// frames it has. `PRAGMA cache_size` and `Pager::set_cache_frames`
    /// change it while the database is open.
    pub cache_frames: usize,
    /// When the cache adds a frame on its way to `cache_frames`.
    pub cache_growth: CacheGrowth,
    /// Frames in the write-ahead log past which a commit runs a passive
    /// checkpoint (SQLite's `wal_autocheckpoint`, default 1000); 0 never.
    pub wal_autocheckpoint: u32,
    /// Bytes of the log's index kept in memory (10.5 bytes a frame, in
    /// blocks of 256 frames, at least one block). Past it the oldest
    /// frames' index moves to a temporary file of the platform (about
    /// 0.1 byte a frame stays in memory), so a transaction larger than
    /// the cache, which writes a frame per page it changes, is bounded by
    /// the disk; a platform without temporary files keeps the whole index
    /// in memory. A commit also checkpoints earlier than
    /// `wal_autocheckpoint` when the index would outgrow this.
    pub wal_index_budget: usize,
    /// How long, in milliseconds, a lock another process (or another
    /// `Database` on the same file) holds is waited for before `Busy` is
    /// returned: SQLite's `busy_timeout`, retried with its backoff through
    /// the platform's `sleep`. 0 answers `Busy` at once. A platform that
    /// cannot sleep answers at once whatever this says.
    pub busy_timeout_ms: u32,
    /// Bytes a statement's sorting (`ORDER BY`, `DISTINCT`, `GROUP BY`,
    /// the rowids `UPDATE` and `DELETE` collect, the rows `INSERT ...
    /// SELECT` holds) may take in memory; default
    /// [`Config::DEFAULT_SORT_MEMORY`]. Rows
    /// past it are sorted in runs written to temporary files of the
    /// platform and merged, one page-size read buffer per run; see
    /// [`Config::sort_bytes`] for what a sort takes. `PRAGMA sort_memory`
    /// reads and sets it per database. A sort that fits takes no file; on
    /// a platform without temporary files, one that does not fit fails
    /// with an error that says so.
    pub sort_memory: usize,
    /// Bytes the MVCC version store may hold (records plus a fixed charge
    /// per version and per row; see `docs/mvcc.md`). A write past it
    /// checkpoints and is retried once; when transactions that began
    /// before the checkpoint still pin the versions, it fails with
    /// `OutOfMemory`. Default [`Config::DEFAULT_MVCC_MEMORY`].
    pub mvcc_memory: usize,
    /// Bytes of the MVCC log (`<db>-log`) past which a commit checkpoints
    /// (`PRAGMA mvcc_checkpoint_threshold`); 0 never. Default
    /// [`Config::DEFAULT_MVCC_CHECKPOINT_THRESHOLD`].
    pub mvcc_checkpoint_threshold: u64,
}

impl Config {
    /// The fewest frames a cache may have: a B-tree balance pins a parent,
    /// up to three siblings and the pages it splits into, on top of the
    /// cursor's path, and page 1 stays pinned during a write.
    pub const MIN_CACHE_FRAMES: usize = 12;

    /// The default [`Config::sort_memory`]: 64 KiB, sixteen 4 KiB pages.
    pub const DEFAULT_SORT_MEMORY: usize = 64 * 1024;

    /// The default [`Config::mvcc_memory`]: 1 MiB.
    pub const DEFAULT_MVCC_MEMORY: usize = 1024 * 1024;

    /// The default [`Config::mvcc_checkpoint_threshold`]: 32 KiB of log.
    /// The store holds each logged row until the checkpoint, at several
    /// times its log bytes for rows of a few dozen bytes (a version, a
    /// row entry and the record each), so the threshold keeps the
    /// committed versions near the page cache's size rather than the
    /// budget's; a checkpoint writes them with one WAL commit.
    pub const DEFAULT_MVCC_CHECKPOINT_THRESHOLD: u64 = 32 * 1024;

    /// 4096-byte pages and a 128-frame (512 KiB) cache.
    pub const DEFAULT: Config = Config {
        page_size: PageSize::DEFAULT,
        cache_frames: 128,
        cache_growth: CacheGrowth::UnderPressure,
        wal_autocheckpoint: 1000,
        wal_index_budget: 64 * 1024,
        busy_timeout_ms: 0,
        sort_memory: Self::DEFAULT_SORT_MEMORY,
        mvcc_memory: Self::DEFAULT_MVCC_MEMORY,
        mvcc_checkpoint_threshold: Self::DEFAULT_MVCC_CHECKPOINT_THRESHOLD,
    };

    /// An upper bound on the bytes the page cache takes for a file of
    /// `page_size`-byte pages, at its largest (`cache_frames` frames) and
    /// while it grows there: the frames, their bookkeeping, the page index
    /// (kept at room for twice the frames, so inserting never allocates)
    /// and the commit list, each at the moment it is reallocated, and the
    /// one page checkpoints copy through. A cache that stays smaller takes
    /// less.
    pub const fn cache_bytes(&self, page_size: u32) -> usize {
        let frames = if self.cache_frames < Self::MIN_CACHE_FRAMES {
            Self::MIN_CACHE_FRAMES
        } else {
            self.cache_frames
        };
        (frames + 1) * (page_size as usize + FRAME_OVERHEAD) + CACHE_OVERHEAD
    }
}

impl Config {
    /// The frame count at which a commit checkpoints: the configured
    /// auto-checkpoint size, or less when the index budget is smaller.
    pub fn checkpoint_threshold(&self) -> u32 {
        let budget = crate::wal::index_frames_within(self.wal_index_budget);
        let budget = u32::try_from(budget).unwrap_or(u32::MAX).max(1);
        match self.wal_autocheckpoint {
            0 => 0,
            frames => frames.min(budget),
        }
    }

    /// An upper bound on the bytes an open database takes while it is read
    /// with cursors, for a file of `page_size`-byte pages: the page cache
    /// plus [`READ_OVERHEAD`]. A payload that spills to overflow pages adds
    /// its own size while a cursor assembles it.
    pub const fn read_bound(&self, page_size: u32) -> usize {
        self.cache_bytes(page_size) + READ_OVERHEAD
    }

    /// An upper bound on the bytes one statement's sorting takes, for a
    /// file of `page_size`-byte pages, whatever the number of rows: the
    /// rows it holds before spilling (`sort_memory`, passed by at most its
    /// last row) or, merging, one `page_size` buffer per run read and one
    /// for a run written, within `sort_memory` but never fewer than three;
    /// plus [`SORT_OVERHEAD`]. A row longer than a page adds its own
    /// length while it is read back. `ORDER BY` with `DISTINCT`, and `GROUP
    /// BY`, run two sorts at once, each in half of `sort_memory`; `GROUP BY`
    /// and `DISTINCT` aggregates share their half among the sort of the
    /// group keys and the two of the `DISTINCT` values, a third each. The
    /// rowids an `UPDATE` or `DELETE` collects take eight bytes each up to
    /// `sort_memory`, then spill the same way. `INSERT ... SELECT` holds
    /// the rows it inserts in a `sort_memory` of their own, beside the
    /// query's sorting: twice this bound for that statement.
    pub const fn sort_bytes(&self, page_size: u32) -> usize {
        let pages = 3 * page_size as usize;
        let held = if self.sort_memory > pages {
            self.sort_memory
        } else {
            pages
        };
        held + SORT_OVERHEAD
    }
}

impl Config {
    /// The heap a database with this configuration needs, for a file of
    /// `page_size`-byte pages: an arena (or a firmware's heap) of this
    /// many bytes runs its statements without `OutOfMemory`. The sum of
    ///
    /// - the page cache at its largest, [`cache_bytes`](Self::cache_bytes);
    /// - what reading takes beside it, [`READ_OVERHEAD`];
    /// - the log's index, `wal_index_budget` (at least one block of 256
    ///   frames, which it always keeps);
    /// - sorting, [`sort_bytes`](Self::sort_bytes) twice: `INSERT ...
    ///   SELECT` holds the rows it inserts in a sort budget of its own,
    ///   beside its query's;
    /// - a statement's undo log, `sort_memory`: past half of it the log
    ///   spills to a temporary file, and its buffers grow by doubling;
    /// - a statement itself, [`STATEMENT_BYTES`].
    ///
    /// The platform's own memory (a RAM disk's files, temporary files
    /// included) is not in it. A value longer than a page adds its own
    /// length while it is read (see [`read_bound`](Self::read_bound)).
    ///
    /// ```
    /// use boundlite::Config;
    ///
    /// let heap = Config::DEFAULT.heap_bytes(4096);
    /// assert_eq!(heap, 566_560 + 1024 + 65_536 + 2 * (65_536 + 2048) + 65_536 + 49_152);
    /// assert!(Config::for_heap(256 * 1024).heap_bytes(4096) <= 256 * 1024);
    /// ```
    pub const fn heap_bytes(&self, page_size: u32) -> usize {
        let index = if self.wal_index_budget > crate::wal::BLOCK_BYTES {
            self.wal_index_budget
        } else {
            crate::wal::BLOCK_BYTES
        };
        self.read_bound(page_size)
            + index
            + 2 * self.sort_bytes(page_size)
            + self.sort_memory
            + STATEMENT_BYTES
    }
}

impl Config {
    /// The heap a database in MVCC mode needs (`docs/mvcc.md`):
    /// [`heap_bytes`](Self::heap_bytes) and four times
    /// [`mvcc_memory`](Self::mvcc_memory). The version store counts the
    /// bytes of its rows' and versions' records and entries against
    /// `mvcc_memory`, not the spare room of the arrays that hold them
    /// (which grow by doubling, and for a moment hold the old array and
    /// the new) nor the allocator's header on each record: for rows of a
    /// few bytes these take up to twice what is counted. A commit's log
    /// frame, built while its versions are still in the store, holds
    /// what the transaction wrote, no more than is counted for it.
    ///
    /// ```
    /// use boundlite::Config;
    ///
    /// let config = Config { mvcc_memory: 64 * 1024, ..Config::for_heap(256 * 1024) };
    /// assert_eq!(config.mvcc_heap_bytes(4096), config.heap_bytes(4096) + 256 * 1024);
    /// ```
    pub const fn mvcc_heap_bytes(&self, page_size: u32) -> usize {
        self.heap_bytes(page_size) + 4 * self.mvcc_memory
    }

    /// The smallest heap for which [`for_heap`](Self::for_heap) gives a
    /// configuration that needs no more than it, for 4096-byte pages:
    /// `Config::for_heap(h).heap_bytes(4096) <= h` for every `h` from
    /// here up. Below it, the least cache and sort budget take too much.
    pub const MIN_HEAP_BYTES: usize = 195 * 1024;

    /// The configuration for an engine that has `heap` bytes in all (an
    /// arena, a firmware's fixed heap): a page cache of the most frames
    /// that take at most a quarter of it ([`cache_bytes`](Self::cache_bytes),
    /// at least [`MIN_CACHE_FRAMES`](Self::MIN_CACHE_FRAMES)), and a sort
    /// budget of an eighth (at least three pages), so that a statement
    /// sorting beside an `INSERT ... SELECT` spool and a statement undo log
    /// (half the sort budget each at most in memory) leaves the rest of
    /// the heap to B-tree balancing, the log's index and the statements
    /// themselves; the log's index keeps a sixteenth in memory (at least
    /// two blocks). Everything else is [`DEFAULT`](Self::DEFAULT)'s.
    ///
    /// ```
    /// use boundlite::Config;
    ///
    /// let config = Config::for_heap(256 * 1024);
    /// assert!(config.cache_bytes(4096) <= 64 * 1024 || config.cache_frames == Config::MIN_CACHE_FRAMES);
    /// assert_eq!(config.sort_memory, 32 * 1024);
    /// assert_eq!(config.wal_index_budget, 16 * 1024);
    /// ```
    pub const fn for_heap(heap: usize) -> Config {
        let page_size = Self::DEFAULT.page_size.get();
        let frames = Self::cache_frames_for_heap(heap, page_size);
        let pages = 3 * page_size as usize;
        let sort_memory = if heap / 8 > pages { heap / 8 } else { pages };
        let index = 2 * crate::wal::BLOCK_BYTES;
        let wal_index_budget = if heap / 16 > index { heap / 16 } else { index };
        Config {
            cache_frames: frames,
            sort_memory,
            wal_index_budget,
            ..Self::DEFAULT
        }
    }
}

impl Config {
    /// The most frames whose cache, at its largest, takes no more than a
    /// quarter of a heap of `heap` bytes with pages of `page_size` bytes
    /// ([`cache_bytes`](Self::cache_bytes)), and at least
    /// [`MIN_CACHE_FRAMES`](Self::MIN_CACHE_FRAMES): the cache
    /// [`for_heap`](Self::for_heap) gives a file of that page size.
    pub const fn cache_frames_for_heap(heap: usize, page_size: u32) -> usize {
        let least = Self::MIN_CACHE_FRAMES;
        let at_least = Config {
            cache_frames: least,
            ..Self::DEFAULT
        }
        .cache_bytes(page_size);
        let per_frame = page_size as usize + FRAME_OVERHEAD;
        least + (heap / 4).saturating_sub(at_least) / per_frame
    }
}

/// What a sort takes beyond its rows and page buffers: its keys, the list
/// of its runs and the merge's heap, and a temporary file's handle.
pub const SORT_OVERHEAD: usize = 2048;

/// What one statement needs beside the page cache, the log's index, its
/// sorting and its undo log ([`Config::heap_bytes`]'s last term): the
/// parsed statement and its plan, the schema, cursors and row buffers,
/// result columns' names, the undo log's 4 KiB write buffer, and the
/// allocator's own headers and the fragments between its blocks. The
/// memory benchmark's workloads (`tests/tests/workload_heap.rs`, 12,000
/// rows), bisecting the smallest arena they all run in, need about 31 KiB
/// of it at most: the bulk workload's `INSERT ...
/// SELECT` doubling its table in a 16-frame cache growing on every miss
/// (15 KiB in `Config::for_heap(200 KiB)`; in the default configuration
/// the other terms leave it room to spare). The rest is margin for
/// statements larger than theirs (joins, windows, long expressions) and
/// for fragments that depend on what ran before.
pub const STATEMENT_BYTES: usize = 48 * 1024;

/// What reading needs beyond the page cache: the path buffer used to look
/// for journals at open, and slack for the allocator's rounding. Checked by
/// the 100,000-row scan test in `tests/tests/bounded_memory.rs`.
pub const READ_OVERHEAD: usize = 1024;

impl Default for Config {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Per-frame bytes beyond the page itself: the frame record (up to 64
/// bytes) and its share of the chunk table (up to 3); its share of the page
/// index, kept at room for twice the frames and rounded up to a power of
/// two buckets of 25 bytes (up to 115), plus the old table while the index
/// is resized (up to 58); and its share of the commit list, which grows by
/// doubling (up to 32). The pager's memory test measures 160 to 185.
pub(crate) const FRAME_OVERHEAD: usize = 288;

/// Bytes of the cache that do not grow with the frame count: the unused
/// records of the last chunk (up to 15 of 64 bytes) and the index's
/// trailing control group. Checked by the pager's memory test.
pub(crate) const CACHE_OVERHEAD: usize = 1024;
