//! Attributing program points to boundlite code and summing them.
//!
//! Every program point is charged to one frame of its stack, its *landing
//! frame*: walking from the allocation end, the first frame of a boundlite
//! crate (`boundlite`, `boundlite_platform`, ...). Frames of the allocation
//! machinery never land while anything else is on the stack: std, core,
//! alloc, hashbrown, allocator_api2, talc, dhat, backtrace, the allocator
//! shims (`__rg_alloc`), `[root]`, unresolved symbols, and boundlite_alloc,
//! whose collections are the allocator layer every engine allocation passes
//! through. A stack with no boundlite frame lands on its first frame of any
//! other named crate (the profiled program, rusqlite); a stack with neither
//! (often one cut short by dhat's backtrace trimming, 10 frames by default)
//! lands on its deepest resolved frame, the nearest thing to a caller.
//!
//! Frames resolved from line tables have short names (`start_generation`)
//! and no crate. Their crate and module are recovered from the file, and
//! they are then shown as `boundlite::wal::log::start_generation` (the type
//! segment, if any, is not recoverable). The file is first looked up in the
//! boundlite source tree (see [`crate::source`]): a release build names no
//! module anywhere, so the tree is all there is to go on. Failing that, a
//! file that some fully named frame of the same profile lives in
//! (`boundlite::wal::log::Wal::append (src/wal/log.rs:..)`) lends its
//! module to the short-named frames there; a trimmed path claimed by two
//! crates lends nothing.
//!
//! Program points are grouped by the landing frame's function, or with
//! `--modules` by its module, and each group sums the metrics of its points.

use std::collections::{BTreeSet, HashMap};

use clap::ValueEnum;

use crate::format::{Profile, ProgramPoint};
use crate::frame::{Frame, is_boundlite_crate, registry_crate};
use crate::source::SourceTree;

/// Crates whose frames are allocation machinery, never a landing frame.
const PLUMBING_CRATES: &[&str] = &[
    "std",
    "core",
    "alloc",
    "hashbrown",
    "allocator_api2",
    "talc",
    "dhat",
    "backtrace",
    "boundlite_alloc",
];

/// The metric groups are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Metric {
    /// Bytes live at the global peak (t-gmax).
    Gb,
    /// Bytes still live at the end (leaks, caches never freed).
    Eb,
    /// Bytes allocated over the whole run (allocation pressure).
    Tb,
    /// Sum of each program point's own peak of live bytes.
    Mb,
    /// Blocks allocated over the whole run (chatty allocators).
    Tbk,
}

impl Metric {
    /// The field name DHAT uses.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Gb => "gb",
            Metric::Eb => "eb",
            Metric::Tb => "tb",
            Metric::Mb => "mb",
            Metric::Tbk => "tbk",
        }
    }

    /// What the metric measures, for headings.
    pub fn describe(self) -> &'static str {
        match self {
            Metric::Gb => "bytes live at the global peak",
            Metric::Eb => "bytes live at the end",
            Metric::Tb => "bytes allocated in total",
            Metric::Mb => "sum of per-site peak bytes",
            Metric::Tbk => "blocks allocated in total",
        }
    }

    /// Whether the metric counts bytes (otherwise blocks).
    pub fn is_bytes(self) -> bool {
        self != Metric::Tbk
    }
}

/// What program points are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// The landing frame's function.
    Function,
    /// The landing frame's module.
    Module,
}

/// How a frame takes part in landing, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A boundlite crate other than the allocator layer.
    Ours,
    /// Some other named crate: the profiled program, a dependency.
    Other,
    /// A short name in a file neither the source tree nor a fully named
    /// frame identified.
    Unknown,
    /// Allocation machinery, the root marker, unresolved symbols.
    Plumbing,
}

impl Kind {
    /// A lowercase label for output.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::Other => "other",
            Kind::Unknown => "unknown",
            Kind::Plumbing => "plumbing",
        }
    }
}

/// A frame table entry with its attribution settled.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The function, module-qualified when the module is known.
    pub function: String,
    /// The module, or the crate, or the file when neither is known.
    pub module: String,
    /// `FILE:LINE:COL`.
    pub location: String,
    /// How the frame takes part in landing.
    pub kind: Kind,
    /// The root marker or a symbol the profiler could not resolve.
    pub unresolved: bool,
}

/// Attributes every entry of a frame table, looking short names' files up
/// in `sources` when given.
pub fn resolve_frames(ftbl: &[String], sources: Option<&SourceTree>) -> Vec<Resolved> {
    let frames: Vec<Frame> = ftbl.iter().map(|s| Frame::parse(s)).collect();
    let files = learn_files(&frames);
    frames.iter().map(|f| resolve(f, &files, sources)).collect()
}

/// What a trimmed file path is known to hold.
#[derive(Debug, Clone)]
enum FileOwner {
    Module { krate: String, module: String },
    Ambiguous,
}

/// Maps each file that a fully named, inherent (non-trait) frame lives in
/// to that frame's module. Trait impls are left out: their self type's
/// module need not be the file's.
fn learn_files(frames: &[Frame]) -> HashMap<String, FileOwner> {
    let mut files: HashMap<String, FileOwner> = HashMap::new();
    for f in frames {
        let (Some(krate), Some(module)) = (&f.krate, &f.module) else {
            continue;
        };
        if f.name.starts_with('<')
            || is_shim(&f.name)
            || krate.starts_with("__")
            || f.file.is_empty()
            || f.file.contains("???")
        {
            continue;
        }
        let learned = match files.get(&f.file) {
            None => FileOwner::Module {
                krate: krate.clone(),
                module: module.clone(),
            },
            Some(FileOwner::Module {
                krate: k,
                module: m,
            }) if k == krate => FileOwner::Module {
                krate: k.clone(),
                // Inline submodules share the file: keep what they share.
                module: common_module(m, module),
            },
            Some(_) => FileOwner::Ambiguous,
        };
        files.insert(f.file.clone(), learned);
    }
    files
}

fn common_module(a: &str, b: &str) -> String {
    a.split("::")
        .zip(b.split("::"))
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect::<Vec<_>>()
        .join("::")
}

fn resolve(
    f: &Frame,
    files: &HashMap<String, FileOwner>,
    sources: Option<&SourceTree>,
) -> Resolved {
    // The source tree goes before the profile's own fully named frames: it
    // checks this frame's name and line against the file, where a learned
    // file only says what some other frame with the same trimmed path was.
    let located = || {
        let worth_it = !f.is_unresolved() && !is_shim(&f.name) && !f.file.is_empty();
        sources
            .filter(|_| worth_it)
            .and_then(|s| s.locate(&f.file, f.line, &f.name))
    };
    let (krate, module, function) = if let Some(krate) = &f.krate {
        (Some(krate.clone()), f.module.clone(), f.name.clone())
    } else if let Some((krate, module)) = located() {
        let function = format!("{module}::{}", f.name);
        (Some(krate), Some(module), function)
    } else if let Some(FileOwner::Module { krate, module }) = files.get(&f.file) {
        let function = format!("{module}::{}", f.name);
        (Some(krate.clone()), Some(module.clone()), function)
    } else {
        (registry_crate(&f.file), None, f.name.clone())
    };
    let kind = if f.is_unresolved() || is_shim(&f.name) {
        Kind::Plumbing
    } else {
        match krate.as_deref() {
            Some(k) if PLUMBING_CRATES.contains(&k) => Kind::Plumbing,
            Some(k) if is_boundlite_crate(k) => Kind::Ours,
            Some(_) => Kind::Other,
            None => Kind::Unknown,
        }
    };
    let module = module.or(krate).unwrap_or_else(|| match f.file.as_str() {
        "" => f.name.clone(),
        file => format!("[{file}]"),
    });
    Resolved {
        function,
        module,
        location: f.location.clone(),
        kind,
        unresolved: f.is_unresolved(),
    }
}

/// The global allocator entry points rustc generates.
/// Their frames point at the `#[global_allocator]` item, so they also teach
/// nothing about the file they name.
fn is_shim(name: &str) -> bool {
    let name = name.strip_prefix("__rustc::").unwrap_or(name);
    ["__rg_", "__rust_", "__rdl_", "__rde_"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// The index into `fs` of the frame a program point is charged to.
pub fn landing(fs: &[usize], frames: &[Resolved]) -> Option<usize> {
    let first = |kind: Kind| {
        fs.iter()
            .position(|&f| frames.get(f).is_some_and(|r| r.kind == kind))
    };
    first(Kind::Ours)
        .or_else(|| first(Kind::Other))
        .or_else(|| {
            fs.iter()
                .rposition(|&f| frames.get(f).is_some_and(|r| !r.unresolved))
        })
        .or_else(|| fs.len().checked_sub(1))
}

/// Metrics summed over a set of program points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Program points summed.
    pub pps: u64,
    /// Bytes allocated.
    pub tb: u64,
    /// Blocks allocated.
    pub tbk: u64,
    /// Summed per-point peak bytes.
    pub mb: u64,
    /// Summed per-point peak blocks.
    pub mbk: u64,
    /// Bytes at the global peak.
    pub gb: u64,
    /// Blocks at the global peak.
    pub gbk: u64,
    /// Bytes at the end.
    pub eb: u64,
    /// Blocks at the end.
    pub ebk: u64,
}

impl Totals {
    fn add(&mut self, pp: &ProgramPoint) {
        self.pps += 1;
        self.tb = self.tb.saturating_add(pp.tb);
        self.tbk = self.tbk.saturating_add(pp.tbk);
        self.mb = self.mb.saturating_add(pp.mb);
        self.mbk = self.mbk.saturating_add(pp.mbk);
        self.gb = self.gb.saturating_add(pp.gb);
        self.gbk = self.gbk.saturating_add(pp.gbk);
        self.eb = self.eb.saturating_add(pp.eb);
        self.ebk = self.ebk.saturating_add(pp.ebk);
    }

    /// The value of `metric`.
    pub fn get(&self, metric: Metric) -> u64 {
        match metric {
            Metric::Gb => self.gb,
            Metric::Eb => self.eb,
            Metric::Tb => self.tb,
            Metric::Mb => self.mb,
            Metric::Tbk => self.tbk,
        }
    }
}

fn metric_of(pp: &ProgramPoint, metric: Metric) -> u64 {
    match metric {
        Metric::Gb => pp.gb,
        Metric::Eb => pp.eb,
        Metric::Tb => pp.tb,
        Metric::Mb => pp.mb,
        Metric::Tbk => pp.tbk,
    }
}

/// Program points charged to one function or module.
#[derive(Debug, Clone)]
pub struct Group {
    /// The function or module name.
    pub name: String,
    /// The landing frames' kind (all points of a group share it).
    pub kind: Kind,
    /// Where the group's biggest program point landed.
    pub location: String,
    /// Distinct landing locations in the group.
    pub sites: usize,
    /// The summed metrics.
    pub totals: Totals,
    /// The biggest program point by the ranking metric, as an index into
    /// the profile's `pps`.
    pub biggest: usize,
    /// Index into the biggest point's `fs` of its landing frame.
    pub biggest_landing: usize,
}

/// A profile with its program points attributed and grouped.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Every program point summed.
    pub all: Totals,
    /// The program points that passed the filter, summed.
    pub matched: Totals,
    /// Of those, the ones with no boundlite frame, summed.
    pub foreign: Totals,
    /// Groups, biggest first by the ranking metric.
    pub groups: Vec<Group>,
    /// The frame table, attributed.
    pub frames: Vec<Resolved>,
}

/// What to analyse and how.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    /// The ranking metric.
    pub metric: Metric,
    /// Function or module grouping.
    pub group_by: GroupBy,
    /// Keep only program points with a frame containing this text.
    pub filter: Option<&'a str>,
    /// The boundlite sources that short frame names are looked up in.
    pub sources: Option<&'a SourceTree>,
}

/// Attributes, filters, groups and ranks the program points of `profile`.
pub fn analyse(profile: &Profile, options: &Options<'_>) -> Analysis {
    let frames = resolve_frames(&profile.ftbl, options.sources);
    let mut all = Totals::default();
    let mut matched = Totals::default();
    let mut foreign = Totals::default();
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut sites: Vec<BTreeSet<String>> = Vec::new();
    for (pp_index, pp) in profile.pps.iter().enumerate() {
        all.add(pp);
        if let Some(pattern) = options.filter {
            let hit = pp.fs.iter().any(|&f| {
                profile
                    .ftbl
                    .get(f)
                    .is_some_and(|frame| frame.contains(pattern))
            });
            if !hit {
                continue;
            }
        }
        matched.add(pp);
        let land = landing(&pp.fs, &frames);
        let frame = land.and_then(|i| pp.fs.get(i)).and_then(|&f| frames.get(f));
        let (name, kind, location) = match frame {
            Some(r) => {
                let name = match options.group_by {
                    GroupBy::Function => r.function.clone(),
                    GroupBy::Module => r.module.clone(),
                };
                (name, r.kind, r.location.clone())
            }
            None => ("[no frames]".to_string(), Kind::Plumbing, String::new()),
        };
        if kind != Kind::Ours {
            foreign.add(pp);
        }
        let slot = *index.entry(name.clone()).or_insert_with(|| {
            groups.push(Group {
                name,
                kind,
                location: location.clone(),
                sites: 0,
                totals: Totals::default(),
                biggest: pp_index,
                biggest_landing: land.unwrap_or(0),
            });
            sites.push(BTreeSet::new());
            groups.len() - 1
        });
        let (Some(group), Some(seen)) = (groups.get_mut(slot), sites.get_mut(slot)) else {
            continue;
        };
        group.totals.add(pp);
        seen.insert(location.clone());
        group.sites = seen.len();
        let current = profile.pps.get(group.biggest);
        let bigger = current.is_none_or(|b| {
            (metric_of(pp, options.metric), pp.tb) > (metric_of(b, options.metric), b.tb)
        });
        if bigger {
            group.biggest = pp_index;
            group.biggest_landing = land.unwrap_or(0);
            group.location = location;
        }
    }
    let metric = options.metric;
    groups.sort_by(|a, b| {
        b.totals
            .get(metric)
            .cmp(&a.totals.get(metric))
            .then(b.totals.tb.cmp(&a.totals.tb))
            .then_with(|| a.name.cmp(&b.name))
    });
    Analysis {
        all,
        matched,
        foreign,
        groups,
        frames,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|s| s.to_string()).collect()
    }

    fn resolve_frames_plain(ftbl: &[String]) -> Vec<Resolved> {
        resolve_frames(ftbl, None)
    }

    #[test]
    fn short_names_borrow_the_module_of_their_file() {
        let frames = resolve_frames_plain(&table(&[
            "[root]",
            "0x1: start_generation<F, A> (src/wal/log.rs:365:19)",
            "0x2: boundlite::wal::log::Wal<F,A>::append (src/wal/log.rs:262:33)",
            "0x3: alloc_impl (stable/alloc/global.rs:35:21)",
        ]));
        assert_eq!(frames[1].function, "boundlite::wal::log::start_generation");
        assert_eq!(frames[1].module, "boundlite::wal::log");
        assert_eq!(frames[1].kind, Kind::Ours);
        assert_eq!(frames[0].kind, Kind::Plumbing);
        assert_eq!(frames[3].kind, Kind::Unknown);
        assert_eq!(frames[3].module, "[stable/alloc/global.rs]");
    }

    #[test]
    fn allocator_shims_are_plumbing_and_teach_nothing() {
        let frames = resolve_frames_plain(&table(&[
            "[root]",
            "0x1: __rustc::__rust_alloc (benches/tests/prog.rs:2:15)",
            "0x2: prog::workload (benches/tests/prog.rs:15:14)",
            "0x3: run (benches/tests/prog.rs:27:9)",
        ]));
        assert_eq!(frames[1].kind, Kind::Plumbing);
        assert_eq!(frames[3].function, "prog::run");
        assert_eq!(frames[3].kind, Kind::Other);
    }

    #[test]
    fn a_file_claimed_by_two_crates_lends_nothing() {
        let frames = resolve_frames_plain(&table(&[
            "[root]",
            "0x1: helper (src/lib.rs:1:1)",
            "0x2: dhat::thing (src/lib.rs:2:1)",
            "0x3: boundlite_platform::thing (src/lib.rs:3:1)",
        ]));
        assert_eq!(frames[1].kind, Kind::Unknown);
    }

    #[test]
    fn landing_skips_plumbing_and_the_allocator_layer() {
        let frames = resolve_frames_plain(&table(&[
            "[root]",
            "0x1: alloc::alloc::alloc (alloc/src/alloc.rs:95:9)",
            "0x2: boundlite_alloc::vec::Vec<T,A>::try_reserve (alloc/src/vec.rs:149:26)",
            "0x3: hashbrown::raw::RawTable<T,A>::try_reserve (hashbrown-0.17.1/src/raw.rs:932:27)",
            "0x4: inlined_thing (src/somewhere.rs:1:1)",
            "0x5: myprog::main (src/main.rs:1:1)",
            "0x6: boundlite::pager::cache::PageCache<A>::new (src/pager/cache.rs:94:36)",
        ]));
        assert_eq!(landing(&[1, 2, 3, 4, 5, 6], &frames), Some(5));
        assert_eq!(landing(&[1, 2, 4, 5], &frames), Some(3));
        assert_eq!(landing(&[1, 2, 4], &frames), Some(2));
        // Nothing but machinery (a truncated stack): the deepest frame.
        assert_eq!(landing(&[1, 3, 2], &frames), Some(2));
        assert_eq!(landing(&[1, 2, 0], &frames), Some(1));
        assert_eq!(landing(&[0], &frames), Some(0));
        assert_eq!(landing(&[], &frames), None);
    }
}
