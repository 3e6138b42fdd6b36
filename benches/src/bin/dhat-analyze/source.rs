//! Attributing frames to crates and modules from their file paths.
//!
//! A release build (fat LTO, `debug = "line-tables-only"`) inlines nearly
//! all of boundlite, and the line tables name inlined functions without
//! their path: `grow<&Counting<Global>> (src/pager/cache.rs:274:23)`. No
//! frame of the profile then says which module `src/pager/cache.rs` is, so
//! the module is read off the source tree instead: the file is looked up
//! among the `.rs` files of the Cargo packages under a source root, and its
//! place in its package gives the crate and module
//! (`core/src/pager/cache.rs` is `boundlite::pager::cache`).
//!
//! dhat keeps only the last three components of a path, so a path can fit
//! several files (`src/memory/mod.rs` is in both `platform/` and
//! `benches/`), and files outside the tree can share a trimmed path with
//! one inside it (the standard library's `alloc/src/boxed.rs` and
//! boundlite-alloc's). A file only counts when it can hold the frame: it
//! has the frame's line, and a function named like the frame is declared
//! at or before that line (the line is a call site inside the function).
//! Closures, whose names say nothing, are only checked by line. When more
//! than one file passes, or none does, the frame gets nothing from here.

use std::cell::OnceCell;
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::frame::is_boundlite_crate;

/// Directories never searched for packages or sources.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

/// How deep below the root packages are looked for.
const PACKAGE_DEPTH: usize = 3;

/// The Rust sources of the Cargo packages under one directory.
#[derive(Debug)]
pub struct SourceTree {
    root: PathBuf,
    files: Vec<SourceFile>,
}

/// One `.rs` file with the crate and module it makes up.
#[derive(Debug)]
struct SourceFile {
    /// Path components relative to the root.
    components: Vec<String>,
    krate: String,
    module: String,
    /// The file's text, read the first time a frame names the file.
    text: OnceCell<Option<String>>,
}

impl SourceTree {
    /// Indexes the packages under `root`. Fails when there are none, since
    /// the directory is then not a source tree at all.
    pub fn open(root: &Path) -> Result<SourceTree, String> {
        let mut packages = Vec::new();
        find_packages(root, PACKAGE_DEPTH, &mut packages);
        let mut files = Vec::new();
        for package in &packages {
            index_package(root, package, &mut files);
        }
        if files.is_empty() {
            return Err(format!(
                "no Cargo package with Rust sources under {}",
                root.display()
            ));
        }
        Ok(SourceTree {
            root: root.to_path_buf(),
            files,
        })
    }

    /// The directory the tree was read from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether any of the tree's crates is boundlite's: a default found by
    /// walking up from some other project's directory is no use.
    pub fn has_boundlite(&self) -> bool {
        self.files.iter().any(|f| is_boundlite_crate(&f.krate))
    }

    /// The crate and module of the one file that holds a frame named
    /// `name` at `file:line`, if exactly one does.
    pub fn locate(&self, file: &str, line: usize, name: &str) -> Option<(String, String)> {
        let wanted = path_components(file);
        let mut found = self
            .files
            .iter()
            .filter(|f| suffix_match(&wanted, &f.components))
            .filter(|f| self.holds(f, line, name));
        let first = found.next()?;
        found
            .next()
            .is_none()
            .then(|| (first.krate.clone(), first.module.clone()))
    }

    fn holds(&self, file: &SourceFile, line: usize, name: &str) -> bool {
        let text = file.text.get_or_init(|| {
            let mut path = self.root.clone();
            path.extend(&file.components);
            fs::read_to_string(path).ok()
        });
        let Some(text) = text else {
            return false;
        };
        let wanted = if line == 0 { usize::MAX } else { line };
        let upto: Vec<&str> = text.lines().take(wanted).collect();
        if upto.len() < line {
            return false;
        }
        if !is_identifier(name) {
            return true;
        }
        upto.iter().any(|l| declares(l, name))
    }
}

/// Whether `line` declares a function called `name`.
fn declares(line: &str, name: &str) -> bool {
    let needle = format!("fn {name}");
    line.match_indices(&needle).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + needle.len()..].chars().next();
        !before.is_some_and(is_ident_char) && !after.is_some_and(is_ident_char)
    })
}

fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(is_ident_char)
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn path_components(path: &str) -> Vec<&str> {
    path.split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

/// Whether one path ends with the other, over two components at least: a
/// bare `mod.rs` or `lib.rs` names no file in particular.
fn suffix_match(wanted: &[&str], have: &[String]) -> bool {
    let overlap = wanted.len().min(have.len());
    overlap >= 2
        && wanted[wanted.len() - overlap..]
            .iter()
            .zip(&have[have.len() - overlap..])
            .all(|(w, h)| *w == h)
}

/// Collects package directories (those whose `Cargo.toml` has a
/// `[package]` section) at most `depth` levels below `dir`.
fn find_packages(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if package_names(dir).is_some() {
        out.push(dir.to_path_buf());
    }
    if depth == 0 {
        return;
    }
    for sub in subdirectories(dir) {
        find_packages(&sub, depth - 1, out);
    }
}

fn subdirectories(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref())
        })
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs
}

/// The package's name and its library's crate name, with `-` as `_`.
struct PackageNames {
    package: String,
    lib: String,
}

/// Reads the names from `dir/Cargo.toml`, or `None` when it holds no
/// package (a virtual workspace manifest, or no manifest).
fn package_names(dir: &Path) -> Option<PackageNames> {
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let mut section = "";
    let mut package = None;
    let mut lib = None;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let Some(value) = line
            .strip_prefix("name")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').replace('-', "_"))
        else {
            continue;
        };
        match section {
            "[package]" => package = Some(value),
            "[lib]" => lib = Some(value),
            _ => {}
        }
    }
    let package = package?;
    Some(PackageNames {
        lib: lib.unwrap_or_else(|| package.clone()),
        package,
    })
}

/// Adds the package's sources, each with its crate and module, following
/// Cargo's target layout: `src/` is the library (or the binary of the
/// package's name), `src/bin/NAME(.rs|/)`, `benches/`, `tests/` and
/// `examples/` hold one crate per file or directory.
fn index_package(root: &Path, package: &Path, out: &mut Vec<SourceFile>) {
    let Some(names) = package_names(package) else {
        return;
    };
    let mut seen = HashSet::new();
    for top in ["src", "benches", "tests", "examples"] {
        let mut found = Vec::new();
        rust_files(&package.join(top), &mut found);
        for path in found {
            let (Ok(in_root), Ok(in_package)) =
                (path.strip_prefix(root), path.strip_prefix(package))
            else {
                continue;
            };
            let in_package: Vec<String> = in_package
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let Some((krate, module)) = crate_and_module(&names, &in_package) else {
                continue;
            };
            let components: Vec<String> = in_root
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if seen.insert(components.clone()) {
                out.push(SourceFile {
                    components,
                    krate,
                    module,
                    text: OnceCell::new(),
                });
            }
        }
    }
}

/// `.rs` files below `dir`, not entering nested packages.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let name = entry.file_name();
            let hidden = name.to_string_lossy().starts_with('.');
            if !hidden && !path.join("Cargo.toml").exists() {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate and module a file makes up, from its path in the package.
fn crate_and_module(names: &PackageNames, path: &[String]) -> Option<(String, String)> {
    let (top, rest) = path.split_first()?;
    let (krate, inside) = match (top.as_str(), rest) {
        ("src", [bin, target, inside @ ..]) if bin == "bin" => (crate_name(target), inside),
        ("src", [main]) if main == "main.rs" && names.lib != names.package => {
            (names.package.clone(), rest)
        }
        ("src", _) => (names.lib.clone(), rest),
        ("benches" | "tests" | "examples", [target, inside @ ..]) => (crate_name(target), inside),
        _ => return None,
    };
    Some((krate.clone(), module_path(&krate, inside)))
}

/// A target's crate name from its file (`dhat_analyze.rs`) or directory.
fn crate_name(target: &str) -> String {
    target
        .strip_suffix(".rs")
        .unwrap_or(target)
        .replace('-', "_")
}

/// `["pager", "cache.rs"]` -> `boundlite::pager::cache`; `mod.rs` names its
/// directory, and a crate root (`lib.rs`, `main.rs`, a one-file target
/// with nothing inside) names the crate.
fn module_path(krate: &str, inside: &[String]) -> String {
    let mut segments = vec![krate.to_string()];
    let Some((file, dirs)) = inside.split_last() else {
        return krate.to_string();
    };
    segments.extend(dirs.iter().map(|d| d.replace('-', "_")));
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    let root_file = dirs.is_empty() && matches!(stem, "lib" | "main");
    if stem != "mod" && !root_file {
        segments.push(stem.to_string());
    }
    segments.join("::")
}

/// The workspace `dir` is in: the outermost ancestor whose `Cargo.toml`
/// has a `[workspace]` section, else the nearest with any `Cargo.toml`.
pub fn find_workspace(dir: &Path) -> Option<PathBuf> {
    let mut nearest = None;
    let mut workspace = None;
    for ancestor in dir.ancestors() {
        let Ok(manifest) = fs::read_to_string(ancestor.join("Cargo.toml")) else {
            continue;
        };
        if nearest.is_none() {
            nearest = Some(ancestor.to_path_buf());
        }
        if manifest.lines().any(|l| l.trim() == "[workspace]") {
            workspace = Some(ancestor.to_path_buf());
        }
    }
    workspace.or(nearest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    fn names(package: &str, lib: &str) -> PackageNames {
        PackageNames {
            package: package.into(),
            lib: lib.into(),
        }
    }

    #[test]
    fn paths_in_a_package_name_crates_and_modules() {
        let core = names("boundlite", "boundlite");
        let module = |path: &[&str]| crate_and_module(&core, &strings(path)).map(|(_, m)| m);
        assert_eq!(
            module(&["src", "pager", "cache.rs"]).as_deref(),
            Some("boundlite::pager::cache")
        );
        assert_eq!(
            module(&["src", "pager", "mod.rs"]).as_deref(),
            Some("boundlite::pager")
        );
        assert_eq!(module(&["src", "lib.rs"]).as_deref(), Some("boundlite"));
        assert_eq!(module(&["build.rs"]), None);

        let benches = names("boundlite_benches", "boundlite_benches");
        let both = |path: &[&str]| crate_and_module(&benches, &strings(path));
        assert_eq!(
            both(&["src", "bin", "memory-benchmark", "main.rs"]),
            Some(("memory_benchmark".into(), "memory_benchmark".into()))
        );
        assert_eq!(
            both(&["src", "bin", "dhat-analyze", "frame.rs"]),
            Some(("dhat_analyze".into(), "dhat_analyze::frame".into()))
        );
        assert_eq!(
            both(&["benches", "btree.rs"]),
            Some(("btree".into(), "btree".into()))
        );
        assert_eq!(
            both(&["src", "memory", "engine.rs"]),
            Some((
                "boundlite_benches".into(),
                "boundlite_benches::memory::engine".into()
            ))
        );
    }

    #[test]
    fn suffixes_need_two_components() {
        let have = strings(&["core", "src", "pager", "cache.rs"]);
        assert!(suffix_match(&["src", "pager", "cache.rs"], &have));
        assert!(suffix_match(
            &["", "ci", "boundlite", "core", "src", "pager", "cache.rs"],
            &have
        ));
        assert!(!suffix_match(&["cache.rs"], &have));
        assert!(!suffix_match(&["src", "wal", "cache.rs"], &have));
    }

    #[test]
    fn declarations_are_whole_words() {
        assert!(declares("    pub fn grow(&self) {", "grow"));
        assert!(declares("fn encode_into<A: Allocator>(", "encode_into"));
        assert!(!declares("fn growth(&self) {", "grow"));
        assert!(!declares("let fn_grow = 1;", "grow"));
        assert!(!is_identifier("{closure#0}"));
        assert!(is_identifier("try_reserve"));
    }
}
