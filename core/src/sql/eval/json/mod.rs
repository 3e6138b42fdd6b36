//! SQLite's JSON functions (its `json.c`, as of 3.54): `json`,
//! `json_valid`, `json_quote`, `json_array`, `json_object`,
//! `json_array_length`, `json_type`, `json_extract` and the `->` and
//! `->>` operators, `json_insert`, `json_replace`, `json_set`,
//! `json_remove`, `json_patch`, and the values `json_group_array` and
//! `json_group_object` gather, and the rows of the table-valued
//! `json_each` and `json_tree`. Each file has one job: `text` checks,
//! minifies and reads JSON text; `path` follows paths and edits where
//! they lead; `patch` merges; `subtype` tells which arguments are JSON;
//! `each` walks a document for `json_each` and `json_tree`.
//!
//! Invariants:
//! - a document argument is checked and minified once per call, then
//!   read as minified text; results are byte for byte SQLite's (numbers
//!   and string escapes kept as written, reals from SQL rendered as
//!   SQLite renders them);
//! - a value carries SQLite's JSON subtype only from the call that made
//!   it to the JSON function that reads it as an argument; `subtype`
//!   decides from the expression, and refuses where that cannot be told;
//! - JSON5 input, JSONB (BLOB) documents and values, `json_valid`'s
//!   flags, and the functions this module lacks (`json_error_position`, `json_pretty`,
//!   `json_array_insert`, the `jsonb_` family) are refused with an error
//!   that names them;
//! - memory is a small multiple of the document (its minified copy and
//!   the edited one); nesting is bounded by [`text::MAX_DEPTH`] and
//!   followed in loops, not recursion.

mod each;
mod patch;
mod path;
mod subtype;
mod text;

use crate::alloc::{Allocator, Vec};
use crate::record::ValueRef;
use crate::sql::ast::Ident;
use crate::{ConstraintName, Error, Named, Result};

use super::cast::{bytes_of, text_of};
use super::func::Output;
use super::num::atof;
use super::printf::printf;
use super::value::Value;

pub(crate) use each::{COLUMNS, JsonRows, SHOWN, TOO_MANY, TYPE, VALUE};
pub(crate) use subtype::{Subtype, UNKNOWN_COLUMN_SUBTYPE, UNKNOWN_SUBTYPE, may_pass, subtype_of};

use path::{Edit, Found};
use text::Bad;

/// A JSON function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonFn {
    /// `json(x)`: minified
    Json,
    /// `json_valid(x)`
    Valid,
    /// `json_quote(x)`
    Quote,
    /// `json_array(x, ...)`
    Array,
    /// `json_object(label, value, ...)`
    Object,
    /// `json_array_length(json[, path])`
    ArrayLength,
    /// `json_type(json[, path])`
    Type,
    /// `json_extract(json, path, ...)`
    Extract,
    /// `json_insert(json, path, value, ...)`
    Insert,
    /// `json_replace(json, path, value, ...)`
    Replace,
    /// `json_set(json, path, value, ...)`
    Set,
    /// `json_remove(json, path, ...)`
    Remove,
    /// `json_patch(target, patch)`
    Patch,
}

/// A name, its function, and the error for a wrong argument count.
macro_rules! json {
    ($name:literal, $f:ident) => {
        (
            $name,
            JsonFn::$f,
            concat!("wrong number of arguments to function ", $name, "()"),
        )
    };
}

/// Names and functions, for lookup ignoring ASCII case.
pub(super) const JSON_NAMES: [(&str, JsonFn, &str); 13] = [
    json!("json", Json),
    json!("json_valid", Valid),
    json!("json_quote", Quote),
    json!("json_array", Array),
    json!("json_object", Object),
    json!("json_array_length", ArrayLength),
    json!("json_type", Type),
    json!("json_extract", Extract),
    json!("json_insert", Insert),
    json!("json_replace", Replace),
    json!("json_set", Set),
    json!("json_remove", Remove),
    json!("json_patch", Patch),
];

/// SQLite's JSON functions this engine does not have, each with the
/// error that refuses it.
const REFUSED: [(&str, &str); 15] = [
    (
        "json_error_position",
        "json_error_position is not supported",
    ),
    ("json_pretty", "json_pretty is not supported"),
    ("json_array_insert", "json_array_insert is not supported"),
    ("jsonb", "jsonb is not supported"),
    ("jsonb_array", "jsonb_array is not supported"),
    ("jsonb_array_insert", "jsonb_array_insert is not supported"),
    ("jsonb_extract", "jsonb_extract is not supported"),
    ("jsonb_insert", "jsonb_insert is not supported"),
    ("jsonb_object", "jsonb_object is not supported"),
    ("jsonb_patch", "jsonb_patch is not supported"),
    ("jsonb_remove", "jsonb_remove is not supported"),
    ("jsonb_replace", "jsonb_replace is not supported"),
    ("jsonb_set", "jsonb_set is not supported"),
    ("jsonb_group_array", "jsonb_group_array is not supported"),
    ("jsonb_group_object", "jsonb_group_object is not supported"),
];

/// The error refusing `name`, when it is one of SQLite's JSON functions
/// this engine does not have.
pub(crate) fn refused(name: &Ident<'_>) -> Option<Error> {
    REFUSED
        .iter()
        .find(|(n, _)| name.eq_ignore_ascii_case(n))
        .map(|&(_, m)| Error::Sql(m))
}

impl JsonFn {
    /// Whether the function takes `n` arguments.
    pub fn accepts(self, n: usize) -> bool {
        match self {
            JsonFn::Json | JsonFn::Quote => n == 1,
            JsonFn::Valid | JsonFn::ArrayLength | JsonFn::Type => n == 1 || n == 2,
            JsonFn::Patch => n == 2,
            JsonFn::Array
            | JsonFn::Object
            | JsonFn::Extract
            | JsonFn::Insert
            | JsonFn::Replace
            | JsonFn::Set
            | JsonFn::Remove => true,
        }
    }

    /// Whether the function reads the JSON subtype of argument `i` (a
    /// value it writes into JSON; a document reads the same either way).
    pub(crate) fn reads_subtype(self, i: usize) -> bool {
        match self {
            JsonFn::Quote => i == 0,
            JsonFn::Array => true,
            JsonFn::Object => i % 2 == 1,
            JsonFn::Insert | JsonFn::Replace | JsonFn::Set => i >= 2 && i % 2 == 0,
            JsonFn::Json
            | JsonFn::Valid
            | JsonFn::ArrayLength
            | JsonFn::Type
            | JsonFn::Extract
            | JsonFn::Remove
            | JsonFn::Patch => false,
        }
    }

    /// Whether SQLite gives the function's result the JSON subtype
    /// (`json_extract` with one path: only for an array or object).
    pub(crate) fn gives_json(self) -> bool {
        !matches!(self, JsonFn::Valid | JsonFn::ArrayLength | JsonFn::Type)
    }
}

/// SQLite's error for a document that is not JSON.
const MALFORMED: Error = Error::Sql("malformed JSON");
/// The refusal of JSON5 input.
const JSON5: Error = Error::Sql("JSON5 input is not supported");
/// The refusal of a BLOB document (JSONB, or text cast to a BLOB).
const BLOB_DOCUMENT: Error = Error::Sql("JSONB (a BLOB argument as JSON) is not supported");
/// The refusal of a BLOB value: SQLite reads one as JSONB when it can,
/// else fails with "JSON cannot hold BLOB values".
const BLOB_VALUE: Error = Error::Sql("BLOB values in JSON (JSONB) are not supported");
/// SQLite's error for a path deeper than it follows.
const TOO_DEEP: Error = Error::Sql("JSON path too deep");

/// `bad JSON path: 'path'`, the path quoted as SQLite's `%Q` quotes.
fn bad_path(path: &[u8]) -> Error {
    struct Quoted<'p>(&'p [u8]);
    impl core::fmt::Display for Quoted<'_> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            for chunk in self.0.utf8_chunks() {
                for c in chunk.valid().chars() {
                    if c == '\'' {
                        f.write_str("''")?;
                    } else {
                        core::fmt::Write::write_char(f, c)?;
                    }
                }
                if !chunk.invalid().is_empty() {
                    f.write_str("\u{fffd}")?;
                }
            }
            Ok(())
        }
    }
    Error::Named(
        Named::BadJsonPath,
        ConstraintName::format(format_args!("{}", Quoted(path))),
    )
}

/// The error for a path outcome that is neither a value nor missing.
fn path_error(found: Found, path: &[u8]) -> Error {
    match found {
        Found::TooDeep => TOO_DEEP,
        Found::Json5Key => path::JSON5_KEY,
        _ => bad_path(path),
    }
}

/// The minified document `v` is; `None` for NULL.
fn document<A: Allocator + Clone>(v: ValueRef<'_>, alloc: &A) -> Result<Option<Vec<u8, A>>> {
    let text = match v {
        ValueRef::Null => return Ok(None),
        ValueRef::Blob(_) => return Err(BLOB_DOCUMENT),
        other => text_of(other),
    };
    let text = text.as_ref().map_or(&[][..], bytes_of);
    match text::minify(text, alloc.clone())? {
        Ok(m) if !m.is_empty() => Ok(Some(m)),
        Ok(_) | Err(Bad::Malformed) => Err(MALFORMED),
        Err(Bad::Json5) => Err(JSON5),
    }
}

/// Appends `v` as SQLite's `jsonAppendSqlValue` writes an argument of
/// `json_array`, `json_object`, `json_quote` and the aggregates: text
/// that is `json` is copied as JSON, other text quoted, a REAL written
/// with `%!0.17g`.
pub(crate) fn push_sql_value<A: Allocator + Clone>(
    out: &mut Vec<u8, A>,
    v: ValueRef<'_>,
    json: bool,
) -> Result<()> {
    match v {
        ValueRef::Null => push(out, b"null"),
        ValueRef::Integer(_) => {
            let t = text_of(v);
            push(out, t.as_ref().map_or(&[][..], bytes_of))
        }
        ValueRef::Real(_) => {
            let alloc = out.allocator().clone();
            let rendered = printf(&[ValueRef::text("%!0.17g"), v], alloc)?;
            match rendered {
                Output::Value(r) => push(out, bytes_of_value(&r)),
                Output::Arg(_) => Ok(()),
            }
        }
        ValueRef::Text(t) if json => push(out, t),
        ValueRef::Text(t) => text::push_string(out, t),
        ValueRef::Blob(_) => Err(BLOB_VALUE),
    }
}

fn bytes_of_value<A: Allocator>(v: &Value<A>) -> &[u8] {
    match v {
        Value::Text(t) | Value::Blob(t) => t,
        _ => &[],
    }
}

/// Appends `bytes`, within SQLite's length limit.
fn push<A: Allocator>(out: &mut Vec<u8, A>, bytes: &[u8]) -> Result<()> {
    text::grow(out, bytes.len())?;
    Ok(out.try_extend_from_slice(bytes)?)
}

/// Appends `label` as a JSON string (a `json_object` key).
pub(crate) fn push_label<A: Allocator>(out: &mut Vec<u8, A>, label: &[u8]) -> Result<()> {
    text::push_string(out, label)
}

/// `v` as the minified JSON an edit inserts (SQLite's
/// `jsonFunctionArgToBlob`): text that is `json` is checked and
/// minified, other text quoted, a REAL written as SQL text, infinities
/// as `9e999`.
fn edit_value<A: Allocator + Clone>(v: ValueRef<'_>, json: bool, alloc: &A) -> Result<Vec<u8, A>> {
    let mut out = Vec::new_in(alloc.clone());
    match v {
        ValueRef::Null => push(&mut out, b"null")?,
        ValueRef::Real(r) if r.is_infinite() => {
            push(&mut out, if r < 0.0 { b"-9e999" } else { b"9e999" })?
        }
        ValueRef::Real(_) | ValueRef::Integer(_) => {
            let t = text_of(v);
            push(&mut out, t.as_ref().map_or(&[][..], bytes_of))?
        }
        ValueRef::Text(t) if json => {
            return match text::minify(t, alloc.clone())? {
                Ok(m) if !m.is_empty() => Ok(m),
                Ok(_) | Err(Bad::Malformed) => Err(MALFORMED),
                Err(Bad::Json5) => Err(JSON5),
            };
        }
        ValueRef::Text(t) => text::push_string(&mut out, t)?,
        ValueRef::Blob(_) => return Err(BLOB_VALUE),
    }
    Ok(out)
}

/// The SQL value of the JSON value `m[start..end]` (SQLite's
/// `jsonReturnFromBlob`): NULL, 1 or 0 for the literals, a number,
/// unescaped text, or an array or object as its text.
fn sql_value<A: Allocator + Clone>(node: &[u8], alloc: &A) -> Result<Value<A>> {
    Ok(match node.first() {
        Some(b'n') => Value::Null,
        Some(b't') => Value::Integer(1),
        Some(b'f') => Value::Integer(0),
        Some(b'"') => {
            let content = node.get(1..node.len() - 1).unwrap_or_default();
            let mut out = Vec::try_with_capacity_in(content.len(), alloc.clone())?;
            for b in text::Unescaped::new(content, !content.contains(&b'\\')) {
                out.try_push(b)?;
            }
            Value::Text(out)
        }
        Some(b'[' | b'{') => Value::try_text(node, alloc.clone())?,
        _ => number(node),
    })
}

/// A JSON number as SQLite reads it: an integer when it is one that
/// fits (`-9223372036854775808` included), else a REAL.
fn number<A: Allocator>(n: &[u8]) -> Value<A> {
    let (negative, digits) = match n.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, n),
    };
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        let mut magnitude: u64 = 0;
        let mut fits = true;
        for &d in digits {
            match magnitude
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(d - b'0')))
            {
                Some(m) => magnitude = m,
                None => {
                    fits = false;
                    break;
                }
            }
        }
        if fits {
            if let Ok(i) = i64::try_from(magnitude) {
                return Value::Integer(if negative { -i } else { i });
            }
            if negative && magnitude == 1 << 63 {
                return Value::Integer(i64::MIN);
            }
        }
    }
    Value::real(atof(n).0)
}

/// The type name `json_type` gives the value starting `node`.
fn type_name(node: &[u8]) -> &'static str {
    match node.first() {
        Some(b'n') => "null",
        Some(b't') => "true",
        Some(b'f') => "false",
        Some(b'"') => "text",
        Some(b'[') => "array",
        Some(b'{') => "object",
        _ if node.iter().any(|c| matches!(c, b'.' | b'e' | b'E')) => "real",
        _ => "integer",
    }
}

/// How `json_extract` and the operators give a value they found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extract {
    /// `json_extract`: an SQL value, an array or object as JSON text.
    Function,
    /// `->`: always JSON text.
    Json,
    /// `->>`: always an SQL value.
    Sql,
}

/// A function's value, and whether SQLite gives it the JSON subtype.
pub(crate) struct Typed<A: Allocator> {
    /// The value.
    pub value: Value<A>,
    /// Whether it has the JSON subtype.
    pub json: bool,
}

/// `json_extract(doc, path)`, `doc -> path` or `doc ->> path`, with
/// whether the result has the JSON subtype.
pub(crate) fn extract<A: Allocator + Clone>(
    doc: ValueRef<'_>,
    path: ValueRef<'_>,
    how: Extract,
    alloc: &A,
) -> Result<Typed<A>> {
    let null = Typed {
        value: Value::Null,
        json: false,
    };
    let Some(m) = document(doc, alloc)? else {
        return Ok(null);
    };
    let Some(p) = text_of(path) else {
        return Ok(null);
    };
    let p = bytes_of(&p);
    let found = if p.first() == Some(&b'$') {
        path::lookup(&m, p.get(1..).unwrap_or_default())
    } else if how == Extract::Function {
        return Err(bad_path(p));
    } else {
        let full = abbreviated(p, matches!(path, ValueRef::Integer(_)), alloc)?;
        path::lookup(&m, &full)
    };
    let (start, end) = match found {
        Found::At { start, end, .. } => (start, end),
        Found::Missing => return Ok(null),
        other => return Err(path_error(other, p)),
    };
    let node = m.get(start..end).unwrap_or_default();
    Ok(match how {
        Extract::Json => Typed {
            value: Value::try_text(node, alloc.clone())?,
            json: true,
        },
        Extract::Sql => Typed {
            value: sql_value(node, alloc)?,
            json: false,
        },
        Extract::Function => Typed {
            value: sql_value(node, alloc)?,
            json: matches!(node.first(), Some(b'[' | b'{')),
        },
    })
}

/// The full path (after its `$`) an operator's abbreviated path stands
/// for: `N` is `[N]` (`[#N]` when negative), a name of letters, digits
/// and `_` is `.name`, `[...]` is itself, anything else `."..."`.
fn abbreviated<A: Allocator + Clone>(p: &[u8], integer: bool, alloc: &A) -> Result<Vec<u8, A>> {
    let mut out = Vec::new_in(alloc.clone());
    let parts: [&[u8]; 3] = if integer {
        let hash: &[u8] = if p.first() == Some(&b'-') {
            b"[#"
        } else {
            b"["
        };
        [hash, p, b"]"]
    } else if p.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_') {
        [b".", p, b""]
    } else if p.first() == Some(&b'[') && p.len() >= 3 && p.last() == Some(&b']') {
        [b"", p, b""]
    } else {
        [b".\"", p, b"\""]
    };
    for part in parts {
        push(&mut out, part)?;
    }
    Ok(out)
}

/// Calls `f` on `args` (the count checked with [`JsonFn::accepts`]);
/// `json[i]` says whether argument `i` has the JSON subtype.
pub(crate) fn call<A: Allocator + Clone>(
    f: JsonFn,
    args: &[ValueRef<'_>],
    json: &[bool],
    alloc: &A,
) -> Result<Typed<A>> {
    let arg = |i: usize| args.get(i).copied().unwrap_or(ValueRef::Null);
    let is_json = |i: usize| json.get(i).copied().unwrap_or(false);
    let text = |value: Value<A>| Typed { value, json: true };
    let sql = |value: Value<A>| Typed { value, json: false };
    let null = || Typed {
        value: Value::Null,
        json: false,
    };
    match f {
        JsonFn::Json => Ok(match document(arg(0), alloc)? {
            Some(m) => text(Value::Text(m)),
            None => null(),
        }),
        JsonFn::Valid => {
            if args.len() == 2 {
                return Err(Error::Sql("json_valid() with flags is not supported"));
            }
            let t = match arg(0) {
                ValueRef::Null => return Ok(null()),
                ValueRef::Blob(_) => return Err(BLOB_DOCUMENT),
                other => text_of(other),
            };
            let t = t.as_ref().map_or(&[][..], bytes_of);
            let valid = matches!(text::minify(t, alloc.clone())?, Ok(m) if !m.is_empty());
            Ok(sql(Value::Integer(i64::from(valid))))
        }
        JsonFn::Quote => {
            let mut out = Vec::new_in(alloc.clone());
            push_sql_value(&mut out, arg(0), is_json(0))?;
            Ok(text(Value::Text(out)))
        }
        JsonFn::Array => {
            let mut out = Vec::new_in(alloc.clone());
            push(&mut out, b"[")?;
            for (i, &v) in args.iter().enumerate() {
                if i > 0 {
                    push(&mut out, b",")?;
                }
                push_sql_value(&mut out, v, is_json(i))?;
            }
            push(&mut out, b"]")?;
            Ok(text(Value::Text(out)))
        }
        JsonFn::Object => {
            if args.len() % 2 == 1 {
                return Err(Error::Sql(
                    "json_object() requires an even number of arguments",
                ));
            }
            let mut out = Vec::new_in(alloc.clone());
            push(&mut out, b"{")?;
            for (i, pair) in args.chunks(2).enumerate() {
                let (Some(&ValueRef::Text(label)), Some(&v)) = (pair.first(), pair.get(1)) else {
                    return Err(Error::Sql("json_object() labels must be TEXT"));
                };
                if i > 0 {
                    push(&mut out, b",")?;
                }
                text::push_string(&mut out, label)?;
                push(&mut out, b":")?;
                push_sql_value(&mut out, v, is_json(2 * i + 1))?;
            }
            push(&mut out, b"}")?;
            Ok(text(Value::Text(out)))
        }
        JsonFn::ArrayLength | JsonFn::Type => {
            let Some(m) = document(arg(0), alloc)? else {
                return Ok(null());
            };
            let node = if args.len() == 2 {
                let path = arg(1);
                let Some(p) = text_of(path) else {
                    return Ok(null());
                };
                let p = bytes_of(&p);
                let found = match p.split_first() {
                    Some((b'$', rest)) => path::lookup(&m, rest),
                    _ if f == JsonFn::Type => return Err(bad_path(p)),
                    _ => Found::BadPath,
                };
                match found {
                    Found::At { start, end, .. } => m.get(start..end).unwrap_or_default(),
                    Found::Missing => return Ok(null()),
                    other => return Err(path_error(other, p)),
                }
            } else {
                &m[..]
            };
            if f == JsonFn::Type {
                return Ok(sql(Value::try_text(
                    type_name(node).as_bytes(),
                    alloc.clone(),
                )?));
            }
            let n = if node.first() == Some(&b'[') && node.get(1) != Some(&b']') {
                let mut n = 0;
                let mut j = 1;
                while node.get(j).is_some() {
                    n += 1;
                    j = text::value_end(node, j);
                    if node.get(j) != Some(&b',') {
                        break;
                    }
                    j += 1;
                }
                n
            } else {
                0
            };
            Ok(sql(Value::Integer(n)))
        }
        JsonFn::Extract => {
            if args.len() < 2 {
                return Ok(null());
            }
            if args.len() == 2 {
                return extract(arg(0), arg(1), Extract::Function, alloc);
            }
            let Some(m) = document(arg(0), alloc)? else {
                return Ok(null());
            };
            let mut out = Vec::new_in(alloc.clone());
            push(&mut out, b"[")?;
            for (i, path) in args.iter().enumerate().skip(1) {
                let Some(p) = text_of(*path) else {
                    return Ok(null());
                };
                let p = bytes_of(&p);
                let Some((b'$', rest)) = p.split_first() else {
                    return Err(bad_path(p));
                };
                if i > 1 {
                    push(&mut out, b",")?;
                }
                match path::lookup(&m, rest) {
                    Found::At { start, end, .. } => {
                        push(&mut out, m.get(start..end).unwrap_or_default())?
                    }
                    Found::Missing => push(&mut out, b"null")?,
                    other => return Err(path_error(other, p)),
                }
            }
            push(&mut out, b"]")?;
            Ok(text(Value::Text(out)))
        }
        JsonFn::Insert | JsonFn::Replace | JsonFn::Set => {
            if args.is_empty() {
                return Ok(null());
            }
            if args.len() % 2 == 0 {
                return Err(Error::Sql(match f {
                    JsonFn::Insert => "json_insert() needs an odd number of arguments",
                    JsonFn::Replace => "json_replace() needs an odd number of arguments",
                    _ => "json_set() needs an odd number of arguments",
                }));
            }
            let mode = match f {
                JsonFn::Insert => Edit::Insert,
                JsonFn::Replace => Edit::Replace,
                _ => Edit::Set,
            };
            let Some(mut m) = document(arg(0), alloc)? else {
                return Ok(null());
            };
            for i in (1..args.len()).step_by(2) {
                let path = arg(i);
                let Some(p) = text_of(path) else {
                    continue;
                };
                let p = bytes_of(&p);
                let Some((b'$', rest)) = p.split_first() else {
                    return Err(bad_path(p));
                };
                let value = edit_value(arg(i + 1), is_json(i + 1), alloc)?;
                if rest.is_empty() {
                    if mode != Edit::Insert {
                        m = value;
                    }
                    continue;
                }
                match path::edit(&m, rest, mode, &value, alloc.clone())? {
                    Ok(Some(edited)) => m = edited,
                    Ok(None) => {}
                    Err(other) => return Err(path_error(other, p)),
                }
            }
            Ok(text(Value::Text(m)))
        }
        JsonFn::Remove => {
            if args.is_empty() {
                return Ok(null());
            }
            let Some(mut m) = document(arg(0), alloc)? else {
                return Ok(null());
            };
            for path in args.iter().skip(1) {
                let Some(p) = text_of(*path) else {
                    return Ok(null());
                };
                let p = bytes_of(&p);
                let Some((b'$', rest)) = p.split_first() else {
                    return Err(bad_path(p));
                };
                if rest.is_empty() {
                    return Ok(null());
                }
                match path::edit(&m, rest, Edit::Remove, &[], alloc.clone())? {
                    Ok(Some(edited)) => m = edited,
                    Ok(None) => {}
                    Err(other) => return Err(path_error(other, p)),
                }
            }
            Ok(text(Value::Text(m)))
        }
        JsonFn::Patch => {
            let Some(target) = document(arg(0), alloc)? else {
                return Ok(null());
            };
            let Some(patch) = document(arg(1), alloc)? else {
                return Ok(null());
            };
            Ok(text(Value::Text(patch::merge(
                &target,
                &patch,
                alloc.clone(),
            )?)))
        }
    }
}
