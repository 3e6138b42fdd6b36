//! `json_each` and `json_tree` (SQLite's `json_each` virtual table, as
//! of 3.54): the walk of a document, one row at a time, and the columns
//! of the row it is on.
//!
//! SQLite walks the JSONB form of the document and its `id` and `parent`
//! columns are byte offsets in that form. This walk reads the minified
//! text and keeps the offset each node would have in JSONB beside it:
//! a node's JSONB size is a header (1, 2, 3 or 5 bytes, by its payload
//! size, as SQLite sizes it) and its payload (a string's text between
//! its quotes, a number's text, nothing for a literal, the nodes inside
//! a container, keys included).
//!
//! Invariants: memory is the minified document, the path of the row and
//! a stack of the containers around it, at most [`MAX_DEPTH`] deep as the document is; a container's
//! size is counted in a loop over its text with a stack of the same
//! bound, never by recursion. Rows are produced in SQLite's order with
//! SQLite's quirks (the `key` and `path` of the first row of `json_tree`
//! under a root path are read back from that path as SQLite reads them).

use crate::Result;
use crate::alloc::{Allocator, Vec};
use crate::record::ValueRef;
use crate::sql::ast::JsonTable;
use crate::sql::eval::Value;

use super::super::cast::{bytes_of, text_of};
use super::super::func::c_str;
use super::path::{self, Found};
use super::text::{MAX_DEPTH, string_end, value_end};
use super::{bad_path, document, path_error, sql_value, type_name};

/// The columns of both functions, in SQLite's order; the last two
/// (the arguments) are hidden from `*`.
pub const COLUMNS: [&str; 10] = [
    "key", "value", "type", "atom", "id", "parent", "fullkey", "path", "json", "root",
];

/// How many of [`COLUMNS`] `*` shows.
pub const SHOWN: usize = 8;

/// The position of the `value` column in [`COLUMNS`].
pub const VALUE: usize = 1;

/// The position of the `type` column in [`COLUMNS`].
pub const TYPE: usize = 2;

/// SQLite's message for a third argument.
pub const TOO_MANY: [&str; 2] = [
    "too many arguments on json_each() - max 2",
    "too many arguments on json_tree() - max 2",
];

/// The kind of container a row is a member of (SQLite's `eType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    /// None: the root, reached without a path.
    None,
    Array,
    Object,
}

/// A container the walk is inside.
#[derive(Debug, Clone, Copy)]
struct Parent {
    /// The `id` of the row that holds it (its key's, in an object).
    head: usize,
    kind: Container,
    /// The index of the current element, in an array.
    key: i64,
    /// The length of the path outside it.
    path_len: usize,
}

/// A walk of one document.
pub struct JsonRows<A: Allocator + Clone> {
    table: JsonTable,
    alloc: A,
    /// The minified document.
    doc: Vec<u8, A>,
    /// The root path, then the names of the containers entered below it.
    path: Vec<u8, A>,
    /// The length of the root path.
    n_root: usize,
    parents: Vec<Parent, A>,
    /// The sizes of the open containers while one is measured.
    sizes: Vec<usize, A>,
    /// Where the row's node starts: its key, in an object.
    at: usize,
    /// The row's JSONB offset (its `id`).
    id: usize,
    /// The kind of container the row is in.
    container: Container,
    rowid: i64,
    on_row: bool,
}

/// SQLite's JSONB header size for a payload of `n` bytes.
fn header(n: usize) -> usize {
    match n {
        0..=11 => 1,
        12..=0xff => 2,
        0x100..=0xffff => 3,
        _ => 5,
    }
}

/// The JSONB payload of the scalar at `doc[i..end]`.
fn scalar_payload(doc: &[u8], i: usize, end: usize) -> usize {
    match doc.get(i) {
        Some(b'"') => end.saturating_sub(i + 2),
        Some(b't' | b'f' | b'n') => 0,
        _ => end - i,
    }
}

impl<A: Allocator + Clone> JsonRows<A> {
    /// A walk with no rows yet.
    pub fn new(table: JsonTable, alloc: A) -> Self {
        JsonRows {
            table,
            doc: Vec::new_in(alloc.clone()),
            path: Vec::new_in(alloc.clone()),
            n_root: 0,
            parents: Vec::new_in(alloc.clone()),
            sizes: Vec::new_in(alloc.clone()),
            alloc,
            at: 0,
            id: 0,
            container: Container::None,
            rowid: 0,
            on_row: false,
        }
    }

    /// Starts the walk of `doc` from `root` (the one-argument form when
    /// `None`), on its first row if it has one. Errors are SQLite's:
    /// malformed JSON, a bad path; a NULL document or path, or a path to
    /// nothing, gives no rows.
    pub fn start(&mut self, doc: ValueRef<'_>, root: Option<ValueRef<'_>>) -> Result<()> {
        self.on_row = false;
        self.parents.clear();
        self.path.clear();
        self.rowid = 0;
        let Some(m) = document(doc, &self.alloc)? else {
            return Ok(());
        };
        self.doc = m;
        // The node the walk starts at (a key, under a path to a member),
        // and the value there.
        let (row_at, value_at, container) = match root {
            None => {
                self.path.try_push(b'$')?;
                (0, 0, Container::None)
            }
            Some(root) => {
                let Some(p) = text_of(root) else {
                    return Ok(());
                };
                let p = c_str(bytes_of(&p));
                if p.first() != Some(&b'$') {
                    return Err(bad_path(p));
                }
                self.path.try_extend_from_slice(p)?;
                match p.get(1..).unwrap_or_default() {
                    [] => (0, 0, Container::None),
                    steps => match path::lookup(&self.doc, steps) {
                        Found::At {
                            start,
                            label: Some(label),
                            ..
                        } => (label, start, Container::Object),
                        Found::At { start, .. } => (start, start, Container::Array),
                        Found::Missing => return Ok(()),
                        found @ Found::Json5Key => return Err(path_error(found, p)),
                        _ => return Err(bad_path(p)),
                    },
                }
            }
        };
        self.n_root = self.path.len();
        let value_id = self.offset_of(value_at)?;
        let kind = self.kind_at(value_at);
        if self.table == JsonTable::Each && kind != Container::None {
            self.parents.try_push(Parent {
                head: 0,
                kind,
                key: 0,
                path_len: self.path.len(),
            })?;
            self.container = kind;
            self.at = value_at + 1;
            self.id = value_id + self.header_at(value_at)?;
            self.on_row = !matches!(self.doc.get(self.at), Some(b']' | b'}'));
        } else {
            self.at = row_at;
            self.id = self.offset_of(row_at)?;
            self.container = container;
            self.on_row = true;
        }
        Ok(())
    }

    /// Whether the walk is on a row.
    pub fn on_row(&self) -> bool {
        self.on_row
    }

    /// The row's rowid: its number, from 0.
    pub fn rowid(&self) -> i64 {
        self.rowid
    }

    /// Moves to the next row; [`Self::on_row`] is false past the last.
    pub fn next(&mut self) -> Result<()> {
        if !self.on_row {
            return Ok(());
        }
        let (v, vid) = self.skip_label()?;
        match self.table {
            JsonTable::Each => {
                if self.parents.is_empty() {
                    self.on_row = false;
                    return Ok(());
                }
                self.id = vid + self.size_at(v)?;
                let end = value_end(&self.doc, v);
                if self.doc.get(end) == Some(&b',') {
                    self.at = end + 1;
                } else {
                    self.on_row = false;
                    return Ok(());
                }
            }
            JsonTable::Tree => {
                let kind = self.kind_at(v);
                if kind == Container::None {
                    self.at = value_end(&self.doc, v);
                    self.id = vid + self.size_at(v)?;
                } else {
                    let path_len = self.path.len();
                    if self.container != Container::None && !self.parents.is_empty() {
                        self.push_name_into_path()?;
                    }
                    self.parents.try_push(Parent {
                        head: self.id,
                        kind,
                        key: -1,
                        path_len,
                    })?;
                    self.at = v + 1;
                    self.id = vid + self.header_at(v)?;
                }
                loop {
                    match self.doc.get(self.at) {
                        Some(b',') => {
                            self.at += 1;
                            break;
                        }
                        Some(b']' | b'}') if !self.parents.is_empty() => {
                            if let Some(done) = self.parents.pop() {
                                self.path.truncate(done.path_len);
                            }
                            self.at += 1;
                        }
                        _ => break,
                    }
                }
                if self.parents.is_empty() {
                    self.on_row = false;
                    return Ok(());
                }
                self.container = self.parents.last().map_or(Container::None, |p| p.kind);
            }
        }
        if self.container == Container::Array {
            if let Some(p) = self.parents.last_mut() {
                p.key += 1;
            }
        }
        self.rowid += 1;
        Ok(())
    }

    /// Column `i` (of [`COLUMNS`]) of the row, but `json` (the
    /// document as given, which the caller has).
    pub fn column(&mut self, i: usize) -> Result<Value<A>> {
        let alloc = self.alloc.clone();
        let (v, _) = self.skip_label_text();
        let node = self.doc.get(v..value_end(&self.doc, v)).unwrap_or_default();
        Ok(match i {
            0 => self.key()?,
            1 => sql_value(node, &alloc)?,
            2 => Value::try_text(type_name(node).as_bytes(), alloc)?,
            3 if self.kind_at(v) == Container::None => sql_value(node, &alloc)?,
            4 => Value::Integer(as_i64(self.id)),
            5 => match self.parents.last() {
                Some(p) if self.table == JsonTable::Tree => Value::Integer(as_i64(p.head)),
                _ => Value::Null,
            },
            6 => {
                let base = self.path.len();
                if !self.parents.is_empty() {
                    self.push_name_into_path()?;
                }
                let full = Value::try_text(&self.path, alloc);
                self.path.truncate(base);
                full?
            }
            7 => {
                let n = self.path_length()?;
                Value::try_text(self.path.get(..n).unwrap_or_default(), alloc)?
            }
            9 => Value::try_text(self.path.get(..self.n_root).unwrap_or_default(), alloc)?,
            _ => Value::Null,
        })
    }

    /// The `key` column (SQLite's `JEACH_KEY`).
    fn key(&mut self) -> Result<Value<A>> {
        let alloc = self.alloc.clone();
        if self.parents.is_empty() {
            if self.n_root == 1 {
                return Ok(Value::Null);
            }
            let j = self.path_length()?;
            let n = self.n_root.saturating_sub(j);
            let at = |k: usize| self.path.get(k).copied();
            let slice = |from: usize, len: usize| {
                self.path
                    .get(from..from.saturating_add(len).min(self.path.len()))
                    .unwrap_or_default()
            };
            return Ok(if n == 0 {
                Value::Null
            } else if at(j) == Some(b'[') {
                Value::Integer(atoi64(slice(j + 1, n - 1)))
            } else if at(j + 1) == Some(b'"') {
                Value::try_text(slice(j + 2, n.saturating_sub(3)), alloc)?
            } else {
                Value::try_text(slice(j + 1, n - 1), alloc)?
            });
        }
        match (self.container, self.parents.last()) {
            (Container::Object, _) => {
                let end = string_end(&self.doc, self.at);
                sql_value(self.doc.get(self.at..end).unwrap_or_default(), &alloc)
            }
            (_, Some(p)) => Ok(Value::Integer(p.key)),
            (_, None) => Ok(Value::Null),
        }
    }

    /// The length of the row's path (SQLite's `jsonEachPathLength`): the
    /// path of its container, but for `json_tree`'s first row, whose
    /// root path is cut back to the last step whose container holds it
    /// first (else to `$`).
    fn path_length(&mut self) -> Result<usize> {
        let mut n = self.path.len();
        if self.rowid == 0 && self.table == JsonTable::Tree && n >= 2 {
            while n > 1 {
                n -= 1;
                if !matches!(self.path.get(n), Some(b'[' | b'.')) {
                    continue;
                }
                let prefix = self.path.get(1..n).unwrap_or_default();
                let Found::At { start, .. } = path::lookup(&self.doc, prefix) else {
                    continue;
                };
                if self.offset_of(start)? + self.header_at(start)? == self.id {
                    break;
                }
            }
        }
        Ok(n)
    }

    /// Appends the row's step to the path: `[key]` in an array, `.key`
    /// (quoted unless letters and digits starting with a letter) in an
    /// object.
    fn push_name_into_path(&mut self) -> Result<()> {
        match self.container {
            Container::Array => {
                let key = self.parents.last().map_or(0, |p| p.key);
                let mut digits = [0u8; 24];
                let written = format_i64(key, &mut digits);
                self.path.try_push(b'[')?;
                self.path.try_extend_from_slice(written)?;
                self.path.try_push(b']')?;
            }
            Container::Object => {
                let end = string_end(&self.doc, self.at);
                let label = self
                    .doc
                    .get(self.at + 1..end.saturating_sub(1))
                    .unwrap_or_default();
                let plain = label.first().is_some_and(u8::is_ascii_alphabetic)
                    && label.iter().all(u8::is_ascii_alphanumeric);
                self.path.try_push(b'.')?;
                if plain {
                    self.path.try_extend_from_slice(label)?;
                } else {
                    self.path.try_push(b'"')?;
                    self.path.try_extend_from_slice(label)?;
                    self.path.try_push(b'"')?;
                }
            }
            Container::None => {}
        }
        Ok(())
    }

    /// The row's value past its key (SQLite's `jsonSkipLabel`), with its
    /// JSONB offset.
    fn skip_label(&mut self) -> Result<(usize, usize)> {
        let (v, label) = self.skip_label_text();
        match label {
            Some(len) => Ok((v, self.id + header(len) + len)),
            None => Ok((v, self.id)),
        }
    }

    /// The text position of the row's value, and the payload of its key
    /// when it has one.
    fn skip_label_text(&self) -> (usize, Option<usize>) {
        if self.container == Container::Object {
            let end = string_end(&self.doc, self.at);
            (end + 1, Some(end.saturating_sub(self.at + 2)))
        } else {
            (self.at, None)
        }
    }

    /// The kind of container at `doc[i]`, `None` for a scalar.
    fn kind_at(&self, i: usize) -> Container {
        match self.doc.get(i) {
            Some(b'[') => Container::Array,
            Some(b'{') => Container::Object,
            _ => Container::None,
        }
    }

    /// The JSONB size of the node at `doc[i]`.
    fn size_at(&mut self, i: usize) -> Result<usize> {
        let payload = self.payload_at(i)?;
        Ok(header(payload) + payload)
    }

    /// The JSONB header size of the node at `doc[i]`.
    fn header_at(&mut self, i: usize) -> Result<usize> {
        Ok(header(self.payload_at(i)?))
    }

    /// The JSONB payload size of the node at `doc[i]`, counted over its
    /// text with a stack of the open containers' sums.
    fn payload_at(&mut self, i: usize) -> Result<usize> {
        if self.kind_at(i) == Container::None {
            let end = value_end(&self.doc, i);
            return Ok(scalar_payload(&self.doc, i, end));
        }
        self.sizes.clear();
        let mut j = i;
        loop {
            match self.doc.get(j) {
                Some(b'[' | b'{') => {
                    if self.sizes.len() > MAX_DEPTH {
                        return Err(crate::Error::Misuse("a JSON document deeper than checked"));
                    }
                    self.sizes.try_push(0)?;
                    j += 1;
                }
                Some(b']' | b'}') => {
                    let p = self.sizes.pop().unwrap_or(0);
                    match self.sizes.last_mut() {
                        Some(top) => *top += header(p) + p,
                        None => return Ok(p),
                    }
                    j += 1;
                }
                Some(b',' | b':') => j += 1,
                Some(_) => {
                    let end = value_end(&self.doc, j);
                    let p = scalar_payload(&self.doc, j, end);
                    if let Some(top) = self.sizes.last_mut() {
                        *top += header(p) + p;
                    }
                    j = end;
                }
                None => return Ok(self.sizes.first().copied().unwrap_or(0)),
            }
        }
    }

    /// The JSONB offset of the node starting at `doc[target]`.
    fn offset_of(&mut self, target: usize) -> Result<usize> {
        let mut offset = 0;
        let mut j = 0;
        while j < target {
            match self.doc.get(j) {
                Some(b'[' | b'{') => {
                    let end = value_end(&self.doc, j);
                    let payload = self.payload_at(j)?;
                    if target < end {
                        offset += header(payload);
                        j += 1;
                    } else {
                        offset += header(payload) + payload;
                        j = end;
                    }
                }
                Some(b',' | b':' | b']' | b'}') => j += 1,
                Some(_) => {
                    let end = value_end(&self.doc, j);
                    let p = scalar_payload(&self.doc, j, end);
                    offset += header(p) + p;
                    j = end;
                }
                None => break,
            }
        }
        Ok(offset)
    }
}

/// An offset as SQL reads it (documents are far below `i64::MAX`).
fn as_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `n` in decimal, written into `buf`.
fn format_i64(n: i64, buf: &mut [u8; 24]) -> &[u8] {
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        if let Some(b) = buf.get_mut(i) {
            *b = b'0' + (m % 10) as u8;
        }
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        if let Some(b) = buf.get_mut(i) {
            *b = b'-';
        }
    }
    buf.get(i..).unwrap_or_default()
}

/// SQLite's `sqlite3Atoi64` as `json_each` uses it: a sign, then the
/// digits up to the first other byte (none: 0).
fn atoi64(s: &[u8]) -> i64 {
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    let mut n: i64 = 0;
    for &d in digits.iter().take_while(|d| d.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    if negative { -n } else { n }
}
