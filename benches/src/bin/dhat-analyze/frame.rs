//! One entry of DHAT's frame table, taken apart.
//!
//! dhat 0.3 writes each frame as `ADDR: NAME (FILE:LINE:COL)`, where NAME
//! is the demangled symbol without its hash and FILE keeps only the last
//! three path components (`src/pager/cache.rs`, `hashbrown-0.17.1/src/raw.rs`).
//! Frames resolved from the symbol table carry full paths
//! (`boundlite::pager::cache::PageCache<A>::new`); frames resolved from line
//! tables, inlined ones above all, carry only the short name
//! (`try_reserve<u8, Global>`). This module turns either form into a name
//! without generic arguments, the crate it belongs to when the name says so,
//! and the module that contains it. The special entries `[root]` and
//! unresolved names (`???`, `<unresolved>`) parse as frames with no crate.

/// A frame table entry, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The symbol name with generic arguments removed.
    pub name: String,
    /// `FILE:LINE:COL` as DHAT wrote it, or empty when the entry has none.
    pub location: String,
    /// The file part of `location`, used to recognise a file across frames.
    pub file: String,
    /// The line part of `location`, 0 when it has none.
    pub line: usize,
    /// The crate the name is qualified with, if it is qualified.
    pub krate: Option<String>,
    /// The module that holds the function, if the name is qualified.
    pub module: Option<String>,
}

impl Frame {
    /// Parses one `ftbl` string. Never fails: text that does not follow the
    /// format becomes a frame named after the whole string.
    pub fn parse(raw: &str) -> Frame {
        let body = strip_address(raw);
        let (name, location) = split_location(body);
        let (file, line) = split_line_numbers(location);
        let file = file.to_string();
        let name = strip_generics(name);
        let (krate, module) = crate_and_module(&name);
        Frame {
            name,
            location: location.to_string(),
            file,
            line,
            krate,
            module,
        }
    }

    /// Whether this entry stands for no code: the root marker or a symbol
    /// the profiler could not resolve.
    pub fn is_unresolved(&self) -> bool {
        matches!(self.name.as_str(), "[root]" | "???" | "<unresolved>" | "")
    }
}

/// Drops the leading `0x1234: `; entries without one are returned whole.
fn strip_address(raw: &str) -> &str {
    match raw.split_once(": ") {
        Some((addr, rest)) if addr.starts_with("0x") && !addr.contains(' ') => rest,
        _ => raw,
    }
}

/// Splits `NAME (FILE:LINE:COL)` at the last ` (` whose parenthesised tail
/// looks like a location, so names that contain parentheses (`fn(u8)`
/// in generic arguments) stay whole.
fn split_location(body: &str) -> (&str, &str) {
    let Some(inner) = body.strip_suffix(')') else {
        return (body, "");
    };
    match inner.rfind(" (") {
        Some(open) if inner[open + 2..].contains(':') => (&inner[..open], &inner[open + 2..]),
        _ => (body, ""),
    }
}

/// `src/a.rs:12:5` -> (`src/a.rs`, 12); Valgrind's `a.c:12` -> (`a.c`, 12).
fn split_line_numbers(location: &str) -> (&str, usize) {
    let mut file = location;
    let mut line = 0;
    for _ in 0..2 {
        match file.rsplit_once(':') {
            Some((rest, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
                file = rest;
                line = n.parse().unwrap_or(0);
            }
            _ => break,
        }
    }
    (file, line)
}

/// Removes generic argument lists (`Vec<T, A>::push` becomes `Vec::push`)
/// but keeps the `<Type as Trait>` qualifier of trait methods.
pub fn strip_generics(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if depth > 0 {
            match c {
                '<' => depth += 1,
                '>' if prev != Some('-') => depth -= 1,
                _ => {}
            }
        } else if c == '<' && prev.is_some_and(|p| is_ident(p) || p == '}') {
            depth = 1;
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The crate and module of a generics-free name, when it is a path.
fn crate_and_module(name: &str) -> (Option<String>, Option<String>) {
    if let Some((self_ty, trait_path)) = qualified_self(name) {
        // The impl lives with the type or with the trait; a boundlite side
        // wins because that is the side the reader can change.
        let ty = (path_crate(self_ty), type_module(self_ty));
        let tr = (path_crate(trait_path), type_module(trait_path));
        let ours = |k: &Option<String>| k.as_deref().is_some_and(is_boundlite_crate);
        return if ty.0.is_some() && (ours(&ty.0) || !ours(&tr.0)) {
            ty
        } else {
            tr
        };
    }
    let krate = path_crate(name);
    if krate.is_none() {
        return (None, None);
    }
    (krate, function_module(name))
}

/// Splits `<Type as Trait>::method` into `Type` and `Trait`. A bare
/// `<Type>::method` yields the type twice.
fn qualified_self(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix('<')?;
    let mut depth = 1usize;
    let mut close = None;
    for (i, c) in rest.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let inner = &rest[..close?];
    Some(match inner.split_once(" as ") {
        Some((ty, tr)) => (ty, tr),
        None => (inner, inner),
    })
}

/// The first segment of a path, if the text is a path at all.
fn path_crate(path: &str) -> Option<String> {
    let path = trim_type_prefix(path);
    let (first, _) = path.split_once("::")?;
    (!first.is_empty() && first.chars().all(is_ident)).then(|| first.to_string())
}

fn trim_type_prefix(mut path: &str) -> &str {
    loop {
        let before = path;
        for prefix in ["&", "mut ", "*const ", "*mut ", "dyn ", "impl ", "(", "["] {
            path = path.trim_start_matches(prefix);
        }
        if path == before {
            return path;
        }
    }
}

/// `boundlite::sql::parse_expr` -> `boundlite::sql`;
/// `boundlite::wal::log::Wal::append` -> `boundlite::wal::log`;
/// `boundlite::pager::commit::{impl#0}::f::{closure#1}` -> `boundlite::pager::commit`.
fn function_module(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split("::").collect();
    let lower = segments.iter().take_while(|s| is_module_segment(s)).count();
    // A path of modules only ends in the function itself.
    let keep = if lower == segments.len() {
        lower - 1
    } else {
        lower
    };
    (keep > 0).then(|| segments[..keep].join("::"))
}

/// The module a type path lives in: the lowercase segments before the type.
fn type_module(path: &str) -> Option<String> {
    let path = trim_type_prefix(path);
    let segments: Vec<&str> = path.split("::").collect();
    let lower = segments.iter().take_while(|s| is_module_segment(s)).count();
    let keep = lower.min(segments.len().saturating_sub(1));
    (keep > 0).then(|| segments[..keep].join("::"))
}

fn is_module_segment(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_lowercase() || c == '_' || c.is_ascii_digit())
        && s.chars().all(is_ident)
}

/// Crates that count as boundlite's own code.
pub fn is_boundlite_crate(krate: &str) -> bool {
    krate == "boundlite" || krate.starts_with("boundlite_")
}

/// The crate named by a registry directory in a trimmed path, as in
/// `hashbrown-0.17.1/src/raw.rs` or `allocator-api2-0.2.21/src/lib.rs`.
pub fn registry_crate(file: &str) -> Option<String> {
    file.split('/').find_map(|component| {
        let (name, version) = component.rsplit_once('-')?;
        let looks_like_version = version.starts_with(|c: char| c.is_ascii_digit())
            && version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.');
        (looks_like_version && !name.is_empty()).then(|| name.replace('-', "_"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_frame_has_crate_module_and_bare_name() {
        let f = Frame::parse(
            "0x5651: boundlite::pager::cache::PageCache<A>::new (src/pager/cache.rs:94:36)",
        );
        assert_eq!(f.name, "boundlite::pager::cache::PageCache::new");
        assert_eq!(f.location, "src/pager/cache.rs:94:36");
        assert_eq!(f.file, "src/pager/cache.rs");
        assert_eq!(f.krate.as_deref(), Some("boundlite"));
        assert_eq!(f.module.as_deref(), Some("boundlite::pager::cache"));
    }

    #[test]
    fn inlined_frame_has_no_crate() {
        let f = Frame::parse(
            "0x1: try_reserve<u8, allocator_api2::stable::alloc::global::Global> (alloc/src/vec.rs:149:26)",
        );
        assert_eq!(f.name, "try_reserve");
        assert_eq!(f.file, "alloc/src/vec.rs");
        assert_eq!(f.krate, None);
        assert_eq!(f.module, None);
    }

    #[test]
    fn trait_method_prefers_the_boundlite_side() {
        let f = Frame::parse(
            "0x2: <boundlite_platform::memory::MemoryFile<A> as boundlite_platform::file::File>::write_at (src/memory/mod.rs:196:31)",
        );
        assert_eq!(
            f.name,
            "<boundlite_platform::memory::MemoryFile as boundlite_platform::file::File>::write_at"
        );
        assert_eq!(f.krate.as_deref(), Some("boundlite_platform"));
        assert_eq!(f.module.as_deref(), Some("boundlite_platform::memory"));

        let g = Frame::parse(
            "0x3: <dhat::Alloc as core::alloc::global::GlobalAlloc>::alloc (src/lib.rs:1:1)",
        );
        assert_eq!(g.krate.as_deref(), Some("dhat"));

        let h = Frame::parse("0x4: <[T] as alloc::slice::hack::ConvertVec>::to_vec (x.rs:1:1)");
        assert_eq!(h.krate.as_deref(), Some("alloc"));
        assert_eq!(h.module.as_deref(), Some("alloc::slice::hack"));
    }

    #[test]
    fn module_stops_at_types_impls_and_closures() {
        let f = Frame::parse(
            "0x5: boundlite::pager::commit::{impl#0}::append_to_log::{closure#1}<F, A> (src/pager/commit.rs:3:4)",
        );
        assert_eq!(f.module.as_deref(), Some("boundlite::pager::commit"));
        let g = Frame::parse("0x6: alloc::alloc::alloc (alloc/src/alloc.rs:95:9)");
        assert_eq!(g.module.as_deref(), Some("alloc::alloc"));
    }

    #[test]
    fn arrows_inside_generics_do_not_close_them() {
        assert_eq!(strip_generics("f<fn(u8) -> u8, X<Y>>::g"), "f::g");
        let f = Frame::parse("0x7: call<fn(u8) -> u8> (src/a.rs:1:2)");
        assert_eq!(f.name, "call");
        assert_eq!(f.location, "src/a.rs:1:2");
    }

    #[test]
    fn locations_with_and_without_a_column() {
        assert_eq!(Frame::parse("0x1: f (src/a.rs:12:5)").file, "src/a.rs");
        assert_eq!(Frame::parse("0x1: f (src/a.rs:12:5)").line, 12);
        assert_eq!(
            Frame::parse("0x1: malloc (vg_replace_malloc.c:299)").line,
            299
        );
        assert_eq!(Frame::parse("0x1: f").line, 0);
        assert_eq!(
            Frame::parse("0x1: malloc (vg_replace_malloc.c:299)").file,
            "vg_replace_malloc.c"
        );
        assert_eq!(
            Frame::parse("0x1: f (C:\\src\\a.rs:3:4)").file,
            "C:\\src\\a.rs"
        );
        assert_eq!(Frame::parse("0x1: f").file, "");
    }

    #[test]
    fn root_and_unresolved_entries() {
        assert!(Frame::parse("[root]").is_unresolved());
        assert!(Frame::parse("0x9: ??? (???:0:0)").is_unresolved());
        assert!(!Frame::parse("0x9: main (src/main.rs:1:1)").is_unresolved());
    }

    #[test]
    fn registry_directories_name_their_crate() {
        assert_eq!(
            registry_crate("hashbrown-0.17.1/src/raw.rs").as_deref(),
            Some("hashbrown")
        );
        assert_eq!(
            registry_crate("allocator-api2-0.2.21/src/lib.rs").as_deref(),
            Some("allocator_api2")
        );
        assert_eq!(registry_crate("src/wal/log.rs"), None);
    }
}
