//! The workloads and the statement stream both engines run.
//!
//! A workload is a deterministic stream of [`WorkItem`]s grouped in
//! batches, one transaction each: first the setup batches that seed the
//! table, then `iterations` run batches of `batch_size` statements. The
//! stream depends only on its [`WorkloadSpec`] (the RNG seed included), so
//! the same spec gives the same statements, in the same order, to every
//! engine and every repetition.
//!
//! Every statement is one of four prepared statements on
//! `bench(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)`; a work
//! item carries only numbers, and [`WorkItem::params`] spells out its
//! parameters, so the drivers allocate nothing per statement to build them.
//!
//! Seeded rows are `(id, 'seed_<id>', id * 1.1)` for ids `1..=seed_rows`;
//! the bulk workload seeds `(id, 'bulk_<key>', id * 1.1)` instead, `key`
//! drawn from `0..seed_rows / 4`, so its `data` column repeats (about four
//! rows a value) in no particular order: its DISTINCT and ORDER BY steps
//! have duplicates to fold and a column to sort. Its run is not a batch
//! stream but the steps of [`super::bulk`].
//! The scan workload looks for `'%seed_<n>%'` with `n` drawn from the
//! seeded ids, so every scan matches at least row `n` (and the rows whose
//! id starts with `n`'s digits: `seed_12` also matches `seed_120`..).

use std::fmt::Write;

use super::rng::SplitMix64;

/// The table every workload runs on.
pub const SCHEMA: &str =
    "CREATE TABLE bench(id INTEGER PRIMARY KEY, data TEXT NOT NULL, value REAL)";
/// `(id, data, value)`.
pub const INSERT_SQL: &str = "INSERT INTO bench VALUES (?1, ?2, ?3)";
/// `(id)`.
pub const SELECT_SQL: &str = "SELECT * FROM bench WHERE id = ?1";
/// `(pattern)`.
pub const SCAN_SQL: &str = "SELECT * FROM bench WHERE data LIKE ?1";
/// `(data, value, id)`.
pub const UPDATE_SQL: &str = "UPDATE bench SET data = ?1, value = ?2 WHERE id = ?3";

/// The classes of rows [`Workload::UpdateDisjoint`] keeps apart: batch
/// `n` changes only seeded rows whose id is `n % DISJOINT_CLASSES + 1`
/// modulo it.
pub const DISJOINT_CLASSES: u64 = 64;

/// Rows per setup transaction while seeding.
pub const SEED_BATCH: u64 = 1_000;

/// Rows the read, mixed, scan and churn workloads seed unless told.
pub const DEFAULT_SEED_ROWS: u64 = 10_000;

/// Rows the bulk workload seeds unless told.
pub const DEFAULT_BULK_SEED_ROWS: u64 = 200_000;

/// The size of the bulk workload's zeroblob unless told: 16 MiB.
pub const DEFAULT_BLOB_BYTES: u64 = 16 << 20;

/// The RNG seed of a run unless told.
pub const DEFAULT_RNG_SEED: u64 = 0x5eed_0000_b0de_d11e;

/// What a run does, after its setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workload {
    /// 100% INSERT of fresh ids; nothing seeded.
    InsertHeavy,
    /// 90% SELECT of a random existing id, 10% INSERT.
    ReadHeavy,
    /// 50% SELECT of a random existing id, 50% INSERT.
    Mixed,
    /// 100% `LIKE '%seed_<n>%'` full-table scans.
    ScanHeavy,
    /// 100% UPDATE of a random existing row's data and value.
    UpdateChurn,
    /// 100% UPDATE of a random seeded row among those whose id is the
    /// batch's number modulo [`DISJOINT_CLASSES`] (plus one): batches
    /// `n` and `m` with different residues never change the same row, so
    /// the batches of up to 64 connections taking them in turn (batch
    /// `n` on connection `n % N`, `N` dividing 64) never conflict.
    UpdateDisjoint,
    /// 100% UPDATE of row 1: every batch changes the same hot row, so
    /// overlapping transactions conflict.
    UpdateHot,
    /// Seeds the table, then runs the big statements of
    /// [`super::bulk::Step`] once each (CREATE INDEX, DELETE and UPDATE of
    /// many rows, ORDER BY, GROUP BY, DISTINCT, INSERT ... SELECT in one
    /// transaction, a zeroblob), each timed and checked on its own.
    Bulk,
}

impl Workload {
    /// The statement-stream workloads (batches of one-row statements),
    /// in the order the CLI lists them; [`Workload::Bulk`] follows them.
    pub const ALL: [Workload; 7] = [
        Workload::InsertHeavy,
        Workload::ReadHeavy,
        Workload::Mixed,
        Workload::ScanHeavy,
        Workload::UpdateChurn,
        Workload::UpdateDisjoint,
        Workload::UpdateHot,
    ];

    /// The name the CLI and the reports use.
    pub const fn name(self) -> &'static str {
        match self {
            Workload::InsertHeavy => "insert-heavy",
            Workload::ReadHeavy => "read-heavy",
            Workload::Mixed => "mixed",
            Workload::ScanHeavy => "scan-heavy",
            Workload::UpdateChurn => "update-churn",
            Workload::UpdateDisjoint => "update-disjoint",
            Workload::UpdateHot => "update-hot",
            Workload::Bulk => "bulk",
        }
    }

    /// Whether the workload seeds the table before it runs.
    pub const fn seeds(self) -> bool {
        !matches!(self, Workload::InsertHeavy)
    }

    /// Whether the run is [`super::bulk`]'s steps rather than batches.
    pub const fn is_bulk(self) -> bool {
        matches!(self, Workload::Bulk)
    }

    /// Rows the workload seeds unless told.
    pub const fn default_seed_rows(self) -> u64 {
        match self {
            Workload::Bulk => DEFAULT_BULK_SEED_ROWS,
            _ => DEFAULT_SEED_ROWS,
        }
    }
}

/// Everything that decides a statement stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkloadSpec {
    /// The workload.
    pub workload: Workload,
    /// Run batches.
    pub iterations: u64,
    /// Statements per run batch.
    pub batch_size: u64,
    /// Rows seeded before the run (ignored by insert-heavy).
    pub seed_rows: u64,
    /// The RNG seed.
    pub rng_seed: u64,
    /// The bulk workload's zeroblob, in bytes (ignored by the others).
    pub blob_bytes: u64,
}

impl WorkloadSpec {
    /// Rows the setup phase inserts.
    pub const fn seeded_rows(&self) -> u64 {
        if self.workload.seeds() {
            self.seed_rows
        } else {
            0
        }
    }

    /// Statements of the run phase.
    pub const fn run_statements(&self) -> u64 {
        self.iterations.saturating_mul(self.batch_size)
    }

    /// Batches of the run phase: none for bulk, whose run is its steps.
    pub const fn run_batches(&self) -> u64 {
        if self.workload.is_bulk() {
            0
        } else {
            self.iterations
        }
    }

    /// The stream of this spec, from its beginning.
    pub fn stream(&self) -> Stream {
        Stream {
            spec: *self,
            rng: SplitMix64::new(self.rng_seed),
            next_id: 1,
            serial: 0,
            seed_left: self.seeded_rows(),
            setup_batches: 0,
            run_batches: 0,
        }
    }
}

/// Where a batch belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Creating and seeding the table; not part of steady-state figures.
    Setup,
    /// The measured workload.
    Run,
}

impl Phase {
    /// The name reports use.
    pub const fn name(self) -> &'static str {
        match self {
            Phase::Setup => "setup",
            Phase::Run => "run",
        }
    }
}

/// Which prepared statement a work item runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatementKind {
    /// [`INSERT_SQL`].
    Insert,
    /// [`SELECT_SQL`].
    Select,
    /// [`SCAN_SQL`].
    Scan,
    /// [`UPDATE_SQL`].
    Update,
}

impl StatementKind {
    /// Every kind, in the order drivers prepare them.
    pub const ALL: [StatementKind; 4] = [
        StatementKind::Insert,
        StatementKind::Select,
        StatementKind::Scan,
        StatementKind::Update,
    ];

    /// The statement's SQL.
    pub const fn sql(self) -> &'static str {
        match self {
            StatementKind::Insert => INSERT_SQL,
            StatementKind::Select => SELECT_SQL,
            StatementKind::Scan => SCAN_SQL,
            StatementKind::Update => UPDATE_SQL,
        }
    }

    /// Whether the statement returns rows.
    pub const fn is_query(self) -> bool {
        matches!(self, StatementKind::Select | StatementKind::Scan)
    }

    /// Position in [`StatementKind::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// One statement of the stream, as numbers; [`WorkItem::params`] makes
/// its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WorkItem {
    /// A seeded row: `(id, 'seed_<id>', id * 1.1)`.
    Seed {
        /// The row's id.
        id: i64,
    },
    /// A row the bulk workload seeds: `(id, 'bulk_<key>', id * 1.1)`.
    BulkSeed {
        /// The row's id.
        id: i64,
        /// What its data names; shared with other rows.
        key: u64,
    },
    /// A fresh row: `(id, 'data_<id>', id * 1.1)`.
    Insert {
        /// The row's id.
        id: i64,
    },
    /// The row with this id.
    Select {
        /// The id looked up.
        id: i64,
    },
    /// Rows whose data contains `seed_<needle>`.
    Scan {
        /// The seeded id the pattern names.
        needle: i64,
    },
    /// Sets row `id` to `('churn_<serial>', serial * 0.5)`.
    Update {
        /// The row changed.
        id: i64,
        /// Which update of the run this is, from 0.
        serial: u64,
    },
}

/// One bound parameter, borrowed from the text buffer it was written to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'t> {
    /// An INTEGER.
    Integer(i64),
    /// A REAL.
    Real(f64),
    /// A TEXT.
    Text(&'t str),
}

impl WorkItem {
    /// The prepared statement this item runs.
    pub const fn kind(&self) -> StatementKind {
        match self {
            WorkItem::Seed { .. } | WorkItem::BulkSeed { .. } | WorkItem::Insert { .. } => {
                StatementKind::Insert
            }
            WorkItem::Select { .. } => StatementKind::Select,
            WorkItem::Scan { .. } => StatementKind::Scan,
            WorkItem::Update { .. } => StatementKind::Update,
        }
    }

    /// The item's parameters in statement order (`?1`, `?2`, ...), its
    /// TEXT written into `text` (cleared first, so one buffer serves a
    /// whole run without reallocating once it is long enough).
    pub fn params<'t>(&self, text: &'t mut String) -> ([Param<'t>; 3], usize) {
        text.clear();
        // Writing to a String cannot fail.
        let _ = match self {
            WorkItem::Seed { id } => write!(text, "seed_{id}"),
            WorkItem::BulkSeed { key, .. } => write!(text, "bulk_{key}"),
            WorkItem::Insert { id } => write!(text, "data_{id}"),
            WorkItem::Scan { needle } => write!(text, "%seed_{needle}%"),
            WorkItem::Update { serial, .. } => write!(text, "churn_{serial}"),
            WorkItem::Select { .. } => Ok(()),
        };
        let text = text.as_str();
        match *self {
            WorkItem::Seed { id } | WorkItem::BulkSeed { id, .. } | WorkItem::Insert { id } => (
                [
                    Param::Integer(id),
                    Param::Text(text),
                    Param::Real(id as f64 * 1.1),
                ],
                3,
            ),
            WorkItem::Select { id } => ([Param::Integer(id); 3], 1),
            WorkItem::Scan { .. } => ([Param::Text(text); 3], 1),
            WorkItem::Update { id, serial } => (
                [
                    Param::Text(text),
                    Param::Real(serial as f64 * 0.5),
                    Param::Integer(id),
                ],
                3,
            ),
        }
    }

    /// A short description for error messages: the key numbers.
    pub fn describe(&self) -> String {
        match self {
            WorkItem::Seed { id }
            | WorkItem::BulkSeed { id, .. }
            | WorkItem::Insert { id }
            | WorkItem::Select { id } => format!("id {id}"),
            WorkItem::Scan { needle } => format!("pattern '%seed_{needle}%'"),
            WorkItem::Update { id, serial } => format!("id {id}, update {serial}"),
        }
    }
}

/// The statement stream of one spec: batches of work items.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    spec: WorkloadSpec,
    rng: SplitMix64,
    /// The id the next insert takes; ids below it all exist.
    next_id: i64,
    /// Updates made so far.
    serial: u64,
    seed_left: u64,
    setup_batches: u64,
    run_batches: u64,
}

/// One batch (one transaction) of a [`Stream`], yielding its items.
#[derive(Debug)]
pub struct Batch<'s> {
    stream: &'s mut Stream,
    phase: Phase,
    number: u64,
    left: u64,
}

impl Stream {
    /// The next batch, or `None` when the run is over.
    pub fn next_batch(&mut self) -> Option<Batch<'_>> {
        if self.seed_left > 0 {
            let len = self.seed_left.min(SEED_BATCH);
            self.seed_left -= len;
            let number = self.setup_batches;
            self.setup_batches += 1;
            return Some(Batch {
                stream: self,
                phase: Phase::Setup,
                number,
                left: len,
            });
        }
        if self.run_batches < self.spec.run_batches() {
            let number = self.run_batches;
            self.run_batches += 1;
            let left = self.spec.batch_size;
            return Some(Batch {
                stream: self,
                phase: Phase::Run,
                number,
                left,
            });
        }
        None
    }

    /// A fresh id for an insert.
    fn fresh_id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// An id that exists (1 when the table is empty).
    fn existing_id(&mut self) -> i64 {
        let rows = u64::try_from(self.next_id - 1).unwrap_or(0);
        1 + i64::try_from(self.rng.below(rows)).unwrap_or(0)
    }

    /// A seeded id (1 when nothing was seeded).
    fn seeded_id(&mut self) -> i64 {
        1 + i64::try_from(self.rng.below(self.spec.seeded_rows())).unwrap_or(0)
    }

    /// The next setup statement: a seeded row.
    fn seed_item(&mut self) -> WorkItem {
        let id = self.fresh_id();
        if self.spec.workload.is_bulk() {
            let keys = (self.spec.seed_rows / 4).max(1);
            WorkItem::BulkSeed {
                id,
                key: self.rng.below(keys),
            }
        } else {
            WorkItem::Seed { id }
        }
    }

    /// The next update, of row `id`.
    fn update(&mut self, id: i64) -> WorkItem {
        let serial = self.serial;
        self.serial += 1;
        WorkItem::Update { id, serial }
    }

    /// The next run statement of the workload, in run batch `batch`.
    fn run_item(&mut self, batch: u64) -> WorkItem {
        match self.spec.workload {
            Workload::InsertHeavy => WorkItem::Insert {
                id: self.fresh_id(),
            },
            Workload::ReadHeavy | Workload::Mixed => {
                let insert = if self.spec.workload == Workload::ReadHeavy {
                    self.rng.below(10) == 0
                } else {
                    self.rng.below(2) == 0
                };
                if insert {
                    WorkItem::Insert {
                        id: self.fresh_id(),
                    }
                } else {
                    WorkItem::Select {
                        id: self.existing_id(),
                    }
                }
            }
            Workload::ScanHeavy => WorkItem::Scan {
                needle: self.seeded_id(),
            },
            Workload::UpdateChurn => {
                let id = self.existing_id();
                self.update(id)
            }
            Workload::UpdateDisjoint => {
                let class = batch % DISJOINT_CLASSES;
                let rows = self.spec.seeded_rows().saturating_sub(class) / DISJOINT_CLASSES;
                let nth = self.rng.below(rows.max(1));
                let id = 1 + class + nth * DISJOINT_CLASSES;
                self.update(i64::try_from(id).unwrap_or(1))
            }
            Workload::UpdateHot => self.update(1),
            // No run batches: `run_batches` is zero, so this is never
            // asked for; a select of an existing row keeps it harmless.
            Workload::Bulk => WorkItem::Select {
                id: self.existing_id(),
            },
        }
    }
}

impl Batch<'_> {
    /// The phase the batch belongs to.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The batch's number within its phase, from 0.
    pub fn number(&self) -> u64 {
        self.number
    }
}

impl Iterator for Batch<'_> {
    type Item = WorkItem;

    fn next(&mut self) -> Option<WorkItem> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(match self.phase {
            Phase::Setup => self.stream.seed_item(),
            Phase::Run => self.stream.run_item(self.number),
        })
    }
}
