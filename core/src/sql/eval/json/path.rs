//! JSON paths (`$`, `.key`, `."quoted key"`, `[N]`, `[#]`, `[#-N]`)
//! followed through minified JSON text, step by step as SQLite's
//! `jsonLookupStep` follows them, and the edits that `json_set`,
//! `json_insert`, `json_replace` and `json_remove` make where a path
//! leads.
//!
//! Invariants, SQLite's: a path is read only as far as the document
//! goes (a step past a missing key is not checked); a key matches the
//! first equal label, escapes read on both sides; every step counts
//! toward [`MAX_DEPTH`]. The walk is a loop over the path, never
//! recursion.

use crate::alloc::{Allocator, Vec};
use crate::{Error, Result};

use super::text::{MAX_DEPTH, grow, push_string, same_text, splice, string_end, value_end};

/// Where a path led.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    /// The value at `start..end`; `label` is where its key starts when
    /// it is an object's member.
    At {
        start: usize,
        end: usize,
        label: Option<usize>,
    },
    /// Nowhere: a key or index the document does not have.
    Missing,
    /// The path is not a path ("bad JSON path").
    BadPath,
    /// The path goes deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A key of the path holds a JSON5 line continuation, which this
    /// engine does not read.
    Json5Key,
}

/// What an edit does at the end of its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Edit {
    /// `json_remove`: the value goes, with its key.
    Remove,
    /// `json_insert`: a missing value is created; one that exists stays.
    Insert,
    /// `json_replace`: a value that exists is replaced.
    Replace,
    /// `json_set`: both.
    Set,
}

/// Where a missing step of an edit's path would be created.
#[derive(Clone, Copy)]
enum Hole<'p> {
    /// A member `key` appended to the object whose `}` is at `at`.
    Key {
        at: usize,
        empty: bool,
        key: Key<'p>,
        rest: &'p [u8],
    },
    /// An element appended to the array whose `]` is at `at`.
    Element {
        at: usize,
        empty: bool,
        rest: &'p [u8],
    },
}

/// A key as a path writes it.
#[derive(Clone, Copy)]
struct Key<'p> {
    text: &'p [u8],
    /// Whether it has no escapes to read (any unquoted key).
    raw: bool,
}

/// A step of a path.
enum Step<'p> {
    Key(Key<'p>, &'p [u8]),
    Index(&'p [u8]),
}

/// Reads the key of a `.` step (`p` after the dot): the key and the rest
/// of the path.
fn key_step(p: &[u8]) -> Option<(Key<'_>, &[u8])> {
    if p.first() == Some(&b'"') {
        let mut i = 1;
        while let Some(&c) = p.get(i) {
            if c == b'"' {
                break;
            }
            if c == b'\\' && p.get(i + 1).is_some() {
                i += 1;
            }
            i += 1;
        }
        p.get(i)?;
        let text = p.get(1..i).unwrap_or_default();
        let raw = !text.contains(&b'\\');
        Some((Key { text, raw }, p.get(i + 1..).unwrap_or_default()))
    } else {
        let n = p
            .iter()
            .position(|&c| c == b'.' || c == b'[')
            .unwrap_or(p.len());
        if n == 0 {
            return None;
        }
        let (text, rest) = p.split_at(n);
        Some((Key { text, raw: true }, rest))
    }
}

/// The outcome of reading an array step (`p` at its `[`) against an
/// array of `count` elements: the index and the rest of the path.
enum Index<'p> {
    At(u64, &'p [u8]),
    Missing,
    Bad,
}

fn index_step(p: &[u8], count: impl FnOnce() -> u64) -> Index<'_> {
    let at = |i: usize| p.get(i).copied().unwrap_or(0);
    let mut i = 1;
    let mut k: u64 = 0;
    while at(i).is_ascii_digit() {
        if k < 0xffff_ffff {
            k = k * 10 + u64::from(at(i) - b'0');
        }
        i += 1;
    }
    if i < 2 || at(i) != b']' {
        if at(1) != b'#' {
            return Index::Bad;
        }
        k = count();
        i = 2;
        if at(2) == b'-' && at(3).is_ascii_digit() {
            let mut n: u64 = 0;
            i = 3;
            while at(i).is_ascii_digit() {
                if n < 0xffff_ffff {
                    n = n * 10 + u64::from(at(i) - b'0');
                }
                i += 1;
            }
            if n > k {
                return Index::Missing;
            }
            k -= n;
        }
        if at(i) != b']' {
            return Index::Bad;
        }
    }
    Index::At(k, p.get(i + 1..).unwrap_or_default())
}

/// The number of elements of the array at `m[i]`.
fn count(m: &[u8], i: usize) -> u64 {
    let mut n = 0;
    let mut j = i + 1;
    if m.get(j) == Some(&b']') {
        return 0;
    }
    while m.get(j).is_some() {
        n += 1;
        j = value_end(m, j);
        if m.get(j) != Some(&b',') {
            break;
        }
        j += 1;
    }
    n
}

/// Follows `path` (after its `$`) through the minified document `m`.
pub(super) fn lookup(m: &[u8], path: &[u8]) -> Found {
    match walk(m, path) {
        Walk::Found(f) => f,
        Walk::Hole(_) => Found::Missing,
    }
}

enum Walk<'p> {
    Found(Found),
    Hole(Hole<'p>),
}

fn walk<'p>(m: &[u8], path: &'p [u8]) -> Walk<'p> {
    let mut root = 0;
    let mut label = None;
    let mut p = path;
    let mut depth = 0;
    loop {
        let step = match p.first() {
            None => {
                return Walk::Found(Found::At {
                    start: root,
                    end: value_end(m, root),
                    label,
                });
            }
            Some(b'.') => match key_step(p.get(1..).unwrap_or_default()) {
                Some((key, rest)) => Step::Key(key, rest),
                None => return Walk::Found(Found::BadPath),
            },
            Some(b'[') => Step::Index(p),
            Some(_) => return Walk::Found(Found::BadPath),
        };
        match step {
            Step::Key(key, rest) => {
                if m.get(root) != Some(&b'{') {
                    return Walk::Found(Found::Missing);
                }
                let mut j = root + 1;
                let mut hit = None;
                while m.get(j) == Some(&b'"') {
                    let label_end = string_end(m, j);
                    let value = label_end + 1;
                    let content = m.get(j + 1..label_end - 1).unwrap_or_default();
                    match same_text(key.text, key.raw, content, !content.contains(&b'\\')) {
                        Some(true) => {
                            hit = Some((j, value));
                            break;
                        }
                        Some(false) => {}
                        None => return Walk::Found(Found::Json5Key),
                    }
                    j = value_end(m, value);
                    if m.get(j) != Some(&b',') {
                        break;
                    }
                    j += 1;
                }
                let Some((at_label, value)) = hit else {
                    return Walk::Hole(Hole::Key {
                        at: j,
                        empty: m.get(root + 1) == Some(&b'}'),
                        key,
                        rest,
                    });
                };
                depth += 1;
                if depth >= MAX_DEPTH {
                    return Walk::Found(Found::TooDeep);
                }
                root = value;
                label = Some(at_label);
                p = rest;
            }
            Step::Index(p_at) => {
                if m.get(root) != Some(&b'[') {
                    return Walk::Found(Found::Missing);
                }
                let (mut k, rest) = match index_step(p_at, || count(m, root)) {
                    Index::At(k, rest) => (k, rest),
                    Index::Missing => return Walk::Found(Found::Missing),
                    Index::Bad => return Walk::Found(Found::BadPath),
                };
                let mut j = root + 1;
                let mut hit = None;
                if m.get(j) != Some(&b']') {
                    while m.get(j).is_some() {
                        if k == 0 {
                            hit = Some(j);
                            break;
                        }
                        k -= 1;
                        j = value_end(m, j);
                        if m.get(j) != Some(&b',') {
                            break;
                        }
                        j += 1;
                    }
                }
                let Some(element) = hit else {
                    if k > 0 {
                        return Walk::Found(Found::Missing);
                    }
                    return Walk::Hole(Hole::Element {
                        at: j,
                        empty: m.get(root + 1) == Some(&b']'),
                        rest,
                    });
                };
                depth += 1;
                if depth >= MAX_DEPTH {
                    return Walk::Found(Found::TooDeep);
                }
                root = element;
                label = None;
                p = rest;
            }
        }
    }
}

/// The error for a key in a path that holds escapes only JSON5 has,
/// which a created member's key would have to translate.
pub(super) const JSON5_KEY: Error =
    Error::Sql("JSON5 escapes in a JSON path key are not supported");

/// Appends the key of a created member, quoted, as SQLite writes it.
fn push_key<A: Allocator>(out: &mut Vec<u8, A>, key: Key<'_>) -> Result<()> {
    if key.raw {
        return push_string(out, key.text);
    }
    let mut i = 0;
    while let Some(&c) = key.text.get(i) {
        if c < 0x20 {
            return Err(JSON5_KEY);
        }
        if c == b'\\' {
            match key.text.get(i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 1,
                Some(b'u')
                    if key
                        .text
                        .get(i + 2..i + 6)
                        .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                {
                    i += 5
                }
                _ => return Err(JSON5_KEY),
            }
        }
        i += 1;
    }
    grow(out, key.text.len() + 2)?;
    out.try_push(b'"')?;
    out.try_extend_from_slice(key.text)?;
    out.try_push(b'"')?;
    Ok(())
}

/// The text that creates what `rest` (the path past a missing step)
/// names, holding `value` at its end: `{"b":{"c":value}}` for `.b.c`;
/// `Err` with the outcome when the path is bad or names an element an
/// empty array cannot have.
fn create<A: Allocator + Clone>(
    mut rest: &[u8],
    value: &[u8],
    mut depth: usize,
    alloc: A,
) -> Result<core::result::Result<Vec<u8, A>, Found>> {
    let mut out = Vec::new_in(alloc.clone());
    let mut closers: Vec<u8, A> = Vec::new_in(alloc);
    loop {
        depth += 1;
        if depth >= MAX_DEPTH {
            return Ok(Err(Found::TooDeep));
        }
        match rest.first() {
            None => break,
            Some(b'.') => {
                let Some((key, more)) = key_step(rest.get(1..).unwrap_or_default()) else {
                    return Ok(Err(Found::BadPath));
                };
                out.try_push(b'{')?;
                push_key(&mut out, key)?;
                out.try_push(b':')?;
                closers.try_push(b'}')?;
                rest = more;
            }
            Some(_) => {
                if rest.first() != Some(&b'[') {
                    return Ok(Err(Found::BadPath));
                }
                match index_step(rest, || 0) {
                    Index::At(0, more) => {
                        out.try_push(b'[')?;
                        closers.try_push(b']')?;
                        rest = more;
                    }
                    Index::At(..) | Index::Missing => return Ok(Err(Found::Missing)),
                    Index::Bad => return Ok(Err(Found::BadPath)),
                }
            }
        }
    }
    grow(&mut out, value.len() + closers.len())?;
    out.try_extend_from_slice(value)?;
    while let Some(c) = closers.pop() {
        out.try_push(c)?;
    }
    Ok(Ok(out))
}

/// Makes `edit` at `path` (after its `$`, not empty) of the minified
/// document `m` with the minified `value`: the edited document, or
/// `None` when the path led nowhere (no change), or `Err` with the
/// outcome when the path is bad or too deep.
pub(super) fn edit<A: Allocator + Clone>(
    m: &[u8],
    path: &[u8],
    edit: Edit,
    value: &[u8],
    alloc: A,
) -> Result<core::result::Result<Option<Vec<u8, A>>, Found>> {
    match walk(m, path) {
        Walk::Found(Found::At { start, end, label }) => Ok(Ok(match edit {
            Edit::Insert => None,
            Edit::Replace | Edit::Set => Some(splice(m, start..end, &[value], alloc)?),
            Edit::Remove => {
                let start = label.unwrap_or(start);
                let range = if m.get(end) == Some(&b',') {
                    start..end + 1
                } else if start > 0 && m.get(start - 1) == Some(&b',') {
                    start - 1..end
                } else {
                    start..end
                };
                Some(splice(m, range, &[], alloc)?)
            }
        })),
        Walk::Found(Found::Missing) => Ok(Ok(None)),
        Walk::Found(other) => Ok(Err(other)),
        Walk::Hole(_) if matches!(edit, Edit::Remove | Edit::Replace) => Ok(Ok(None)),
        Walk::Hole(hole) => {
            let depth = path.iter().filter(|&&c| c == b'.' || c == b'[').count();
            let (at, empty, rest) = match hole {
                Hole::Key {
                    at, empty, rest, ..
                }
                | Hole::Element { at, empty, rest } => (at, empty, rest),
            };
            let made = match create(rest, value, depth.saturating_sub(1), alloc.clone())? {
                Ok(made) => made,
                Err(Found::Missing) => return Ok(Ok(None)),
                Err(other) => return Ok(Err(other)),
            };
            let comma: &[u8] = if empty { b"" } else { b"," };
            let mut head = Vec::new_in(alloc.clone());
            if let Hole::Key { key, .. } = hole {
                push_key(&mut head, key)?;
                head.try_push(b':')?;
            }
            Ok(Ok(Some(splice(m, at..at, &[comma, &head, &made], alloc)?)))
        }
    }
}
