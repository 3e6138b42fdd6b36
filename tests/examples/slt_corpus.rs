//! Runs sqllogictest files in SQLite's own format (one value a line,
//! `N values hashing to MD5`, `hash-threshold`, `skipif`/`onlyif`,
//! `halt`) on boundlite, as the engine named `sqlite`, and reports each
//! record whose outcome differs from the file's.
//!
//! `cargo run -p boundlite-tests --example slt_corpus -- FILE...`: one line
//! `FILE: N records, N ok, N wrong, N error, N unexpected-ok, N panic` a
//! file, and each failure in detail on stderr.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::panic::{AssertUnwindSafe, catch_unwind};

use boundlite::alloc::Global;
use boundlite::platform::MemoryPlatform;
use boundlite::record::ValueRef;
use boundlite::{Config, Database};

/// MD5 of `data` as lower-case hex (RFC 1321).
fn md5_hex(data: &[u8]) -> String {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4294967296.0) as u32)
        .collect();
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_le_bytes());
    let (mut a0, mut b0, mut c0, mut d0) =
        (0x67452301u32, 0xefcdab89u32, 0x98badcfeu32, 0x10325476u32);
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        a0 = a0.wrapping_add(a);
        b0 = b0.wrapping_add(b);
        c0 = c0.wrapping_add(c);
        d0 = d0.wrapping_add(d);
    }
    [a0, b0, c0, d0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// SQLite's `%!.15g` for a REAL shown as text.
fn real_text(r: f64) -> String {
    if r.is_nan() {
        return "NULL".into();
    }
    if r.is_infinite() {
        return if r > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    if r == r.trunc() && r.abs() < 1e15 {
        return format!("{r:.1}");
    }
    let e = format!("{r:.14e}");
    let (mant, exp) = e.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    if !(-5..15).contains(&exp) {
        let mant = mant.trim_end_matches('0').trim_end_matches('.');
        let mant = if mant.contains('.') {
            mant.to_string()
        } else {
            format!("{mant}.0")
        };
        return format!("{mant}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    let digits = (14 - exp).max(0) as usize;
    let s = format!("{r:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').to_string()
    } else {
        s
    };
    if s.ends_with('.') { format!("{s}0") } else { s }
}

/// SQLite's text to integer for `sqlite3_column_int64`: the leading
/// integer prefix, 0 when there is none.
fn text_int(t: &str) -> i64 {
    let t = t.trim_start();
    let r: f64 = text_real(t);
    if let Ok(i) = t.parse::<i64>() {
        return i;
    }
    r as i64
}

fn text_real(t: &str) -> f64 {
    let t = t.trim_start();
    let mut end = 0;
    let b = t.as_bytes();
    if end < b.len() && (b[end] == b'-' || b[end] == b'+') {
        end += 1;
    }
    while end < b.len() && b[end].is_ascii_digit() {
        end += 1;
    }
    if end < b.len() && b[end] == b'.' {
        end += 1;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
    }
    let mut best = t[..end].parse::<f64>().unwrap_or(0.0);
    if end < b.len() && (b[end] == b'e' || b[end] == b'E') {
        let mut e = end + 1;
        if e < b.len() && (b[e] == b'-' || b[e] == b'+') {
            e += 1;
        }
        let digits = e;
        while e < b.len() && b[e].is_ascii_digit() {
            e += 1;
        }
        if e > digits {
            best = t[..e].parse::<f64>().unwrap_or(best);
        }
    }
    best
}

fn show(v: ValueRef<'_>, ty: char) -> String {
    match (v, ty) {
        (ValueRef::Null, _) => "NULL".into(),
        (ValueRef::Integer(i), 'I') => i.to_string(),
        (ValueRef::Integer(i), 'R') => format!("{:.3}", i as f64),
        (ValueRef::Integer(i), _) => i.to_string(),
        (ValueRef::Real(r), 'I') => (r as i64).to_string(),
        (ValueRef::Real(r), 'R') => format!("{r:.3}"),
        (ValueRef::Real(r), _) => real_text(r),
        (ValueRef::Text(t), 'I') => text_int(&String::from_utf8_lossy(t)).to_string(),
        (ValueRef::Text(t), 'R') => format!("{:.3}", text_real(&String::from_utf8_lossy(t))),
        (ValueRef::Text([]), _) => "(empty)".into(),
        (ValueRef::Text(t), _) => boundlite_tests::slt::printable(t),
        (ValueRef::Blob(b), 'I') => text_int(&String::from_utf8_lossy(b)).to_string(),
        (ValueRef::Blob(b), 'R') => format!("{:.3}", text_real(&String::from_utf8_lossy(b))),
        (ValueRef::Blob([]), _) => "(empty)".into(),
        (ValueRef::Blob(b), _) => boundlite_tests::slt::printable(b),
    }
}

type Conn<'c, 'd> = boundlite::Connection<'c, &'d MemoryPlatform, Global>;

/// Runs `sql`; its rows (each value shown by `types`) and column count.
fn run(conn: &Conn<'_, '_>, sql: &str, types: &str) -> Result<(Vec<Vec<String>>, usize), String> {
    let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    let mut width = types.len();
    while let Some(row) = stmt.step().map_err(|e| e.to_string())? {
        width = row.column_count();
        let mut out = Vec::new();
        for i in 0..row.column_count() {
            let ty = types.chars().nth(i).unwrap_or('T');
            out.push(show(row.get(i).unwrap(), ty));
        }
        rows.push(out);
    }
    Ok((rows, width))
}

#[derive(Default)]
struct Counts {
    records: usize,
    ok: usize,
    wrong: usize,
    error: usize,
    unexpected_ok: usize,
    panic: usize,
}

fn run_file(name: &str, script: &str, counts: &mut Counts) {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "slt.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    let lines: Vec<&str> = script.lines().collect();
    let mut i = 0;
    let mut threshold = 0usize;
    while i < lines.len() {
        let line = lines[i].trim_end();
        if line.trim().is_empty() || line.starts_with('#') {
            i += 1;
            continue;
        }
        let at = i + 1;
        let mut skip = false;
        let mut header = line;
        loop {
            if let Some(e) = header.strip_prefix("skipif ") {
                skip |= e.split_whitespace().next() == Some("sqlite");
            } else if let Some(e) = header.strip_prefix("onlyif ") {
                skip |= e.split_whitespace().next() != Some("sqlite");
            } else {
                break;
            }
            i += 1;
            header = lines[i].trim_end();
        }
        i += 1;
        if header == "halt" {
            if skip {
                continue;
            }
            break;
        }
        if let Some(n) = header.strip_prefix("hash-threshold ") {
            threshold = n.trim().parse().unwrap();
            continue;
        }
        let (sql, expected) = boundlite_tests::slt::record_body(&lines, &mut i);
        if skip {
            continue;
        }
        counts.records += 1;
        if std::env::var_os("SLT_TRACE").is_some() {
            eprintln!("--- {name}:{at}");
        }
        let words: Vec<&str> = header.split_whitespace().collect();
        let outcome = catch_unwind(AssertUnwindSafe(|| match words.as_slice() {
            ["statement", "ok"] => match run(&conn, &sql, "") {
                Ok(_) => Ok(()),
                Err(e) => Err(("error", e)),
            },
            ["statement", "error", ..] => match run(&conn, &sql, "") {
                Ok(_) => Err(("unexpected-ok", String::new())),
                Err(_) => Ok(()),
            },
            ["query", types, rest @ ..] => {
                let (rows, width) = run(&conn, &sql, types).map_err(|e| ("error", e))?;
                if width != types.len() {
                    return Err(("wrong", format!("{width} columns for `{types}`")));
                }
                let mut rows = rows;
                let mut values: Vec<String> = match rest.first().copied() {
                    Some("rowsort") => {
                        rows.sort();
                        rows.into_iter().flatten().collect()
                    }
                    Some("valuesort") => {
                        let mut v: Vec<String> = rows.into_iter().flatten().collect();
                        v.sort();
                        v
                    }
                    _ => rows.into_iter().flatten().collect(),
                };
                let hashed = expected.len() == 1 && expected[0].contains(" values hashing to ");
                let got = if hashed || (threshold > 0 && values.len() > threshold) {
                    let mut all = String::new();
                    for v in &values {
                        all.push_str(v);
                        all.push('\n');
                    }
                    vec![format!(
                        "{} values hashing to {}",
                        values.len(),
                        md5_hex(all.as_bytes())
                    )]
                } else {
                    std::mem::take(&mut values)
                };
                if got == expected {
                    Ok(())
                } else {
                    Err(("wrong", format!("expected: {:?}\ngot: {:?}", expected, got)))
                }
            }
            _ => Err(("error", format!("unknown record `{header}`"))),
        }));
        let failure = match outcome {
            Ok(Ok(())) => {
                counts.ok += 1;
                continue;
            }
            Ok(Err(f)) => f,
            Err(_) => ("panic", String::new()),
        };
        match failure.0 {
            "wrong" => counts.wrong += 1,
            "error" => counts.error += 1,
            "unexpected-ok" => counts.unexpected_ok += 1,
            _ => counts.panic += 1,
        }
        eprintln!(
            "=== {} {name}:{at} `{header}`\n{sql}\n{}",
            failure.0, failure.1
        );
    }
}

fn main() {
    let mut total = Counts::default();
    for path in std::env::args().skip(1) {
        let script = std::fs::read_to_string(&path).unwrap();
        let mut counts = Counts::default();
        run_file(&path, &script, &mut counts);
        println!(
            "{path}: {} records, {} ok, {} wrong, {} error, {} unexpected-ok, {} panic",
            counts.records,
            counts.ok,
            counts.wrong,
            counts.error,
            counts.unexpected_ok,
            counts.panic
        );
        total.records += counts.records;
        total.ok += counts.ok;
        total.wrong += counts.wrong;
        total.error += counts.error;
        total.unexpected_ok += counts.unexpected_ok;
        total.panic += counts.panic;
    }
    println!(
        "TOTAL: {} records, {} ok, {} wrong, {} error, {} unexpected-ok, {} panic",
        total.records, total.ok, total.wrong, total.error, total.unexpected_ok, total.panic
    );
}
