//! The JSON functions against SQLite: `json`, `json_valid`, `json_quote`,
//! `json_array`, `json_object`, `json_array_length`, `json_type`,
//! `json_extract`, `->`, `->>`, `json_insert`, `json_replace`,
//! `json_set`, `json_remove`, `json_patch`, `json_group_array`,
//! `json_group_object`. Each expression runs as `SELECT <expr>` on
//! boundlite and on SQLite: the same type, text byte for byte, reals bit
//! for bit, an error where SQLite has one. Hand-picked cases, then
//! thousands of generated documents (nesting, unicode, escapes, big and
//! small numbers) and calls over them with generated paths (keys quoted
//! and not, indexes, `#-N`). Then queries over a table of JSON, the
//! aggregates over groups and windows, what is refused, and allocation
//! failures.
//!
//! Replay a run with `BOUNDLITE_SEED=<seed>`.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, Counting, FaultAlloc, Global};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::sweep::{sweep_change, sweep_rows};

/// One answer: the rows, or that there was an error.
#[derive(Debug, PartialEq)]
enum Answer {
    Rows(Vec<Vec<Exact>>),
    Error,
    /// An error naming what this engine does not do (JSON5, JSONB...),
    /// where SQLite may have an answer: never a wrong one.
    Refused,
}

fn ours<P: Platform>(conn: &Connection<'_, P, Global>, sql: &str) -> Answer {
    match Exact::ours(conn, sql) {
        Ok(rows) => Answer::Rows(rows),
        Err(e) if e.to_string().contains("not supported") => Answer::Refused,
        Err(_) => Answer::Error,
    }
}

fn theirs(conn: &rusqlite::Connection, sql: &str) -> Answer {
    match Exact::theirs(conn, sql) {
        Ok(rows) => Answer::Rows(rows),
        Err(_) => Answer::Error,
    }
}

/// Runs every query on both engines; panics listing the first
/// differences, or when more than a tenth are refused. Returns how many
/// answers were values on both.
fn check_all<P: Platform>(
    mine: &Connection<'_, P, Global>,
    oracle: &rusqlite::Connection,
    queries: &[String],
) -> usize {
    let mut mismatches = Vec::new();
    let mut values = 0;
    let mut refused = 0;
    for sql in queries {
        let (a, b) = (ours(mine, sql), theirs(oracle, sql));
        match (&a, &b) {
            (Answer::Refused, _) => refused += 1,
            (Answer::Rows(_), _) if a == b => values += 1,
            _ if a == b => {}
            _ => mismatches.push(format!("{sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}")),
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} queries differ:\n{}",
        mismatches.len(),
        queries.len(),
        mismatches
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        refused <= queries.len() / 10 + 8,
        "{refused} of {} queries refused",
        queries.len()
    );
    values
}

fn select_each(exprs: &[&str]) -> Vec<String> {
    exprs.iter().map(|e| format!("SELECT {e}")).collect()
}

const HAND_PICKED: &[&str] = &[
    "json(' { \"a\" : [1, 2.50, -0, 1E5, \"x\\u00e9\\n\"] , \"b\":null } ')",
    "json('[]'), json('{}'), json(' 1 '), json('\"\"'), json('true'), json('-12.5e-3')",
    "json(''), json('[1,]'), json('{a:1}'), json('[1] x'), json('01'), json(NULL)",
    "json(123), json(1.5), json(x'5b315d')",
    "json_valid('[1,2]'), json_valid('[1,2'), json_valid(''), json_valid(NULL), json_valid('{\"a\":1,}'), json_valid(5)",
    "json_valid('\"a\tb\"'), json_valid('\"\\x41\"'), json_valid('[.5]'), json_valid('[5.]'), json_valid('0x10')",
    "json_quote('a\"b\\c'), json_quote(1), json_quote(0.1), json_quote(NULL), json_quote(json('[1, 2]'))",
    "json_quote(char(1, 8, 9, 10, 12, 13, 31, 39, 127)), json_quote(1e300), json_quote(-0.0), json_quote(9e999), json_quote(-9e999)",
    "json_quote(x'00')",
    "json_array(), json_array(1, 'a', NULL, 2.5, json('{\"x\": 1}'), '[1]')",
    "json_array(json_array(1, 2), json_object('a', 1), json_quote('q'))",
    "json_object(), json_object('a', 1, 'b', 'two', 'c', json('[3]'))",
    "json_object('a')",
    "json_object(1, 2)",
    "json_object('a', x'01')",
    "json_array_length('[1,2,[3,4]]'), json_array_length('[1,2,[3,4]]', '$[2]'), json_array_length('{}'), json_array_length('[]')",
    "json_array_length('[1]', '$.x'), json_array_length('[1]', 'x'), json_array_length(NULL)",
    "json_type('[1, 1.5, \"s\", null, true, false, {}, []]'), json_type('1'), json_type('1.0'), json_type('1e3'), json_type('-5')",
    "json_type('[1, 1.5, \"s\", null, true, false, {}, []]', '$[0]'), json_type('[1, 1.5, \"s\", null]', '$[1]'), json_type('[1, 1.5, \"s\", null]', '$[3]'), json_type('[1]', '$[9]')",
    "json_type('[1]', 'x')",
    "json_extract('{\"a\":{\"b\":[10,20,30]}}', '$.a.b[1]'), json_extract('{\"a\":{\"b\":[10,20,30]}}', '$.a.b[#-1]'), json_extract('{\"a\":{\"b\":[10,20,30]}}', '$.a')",
    "json_extract('{\"a\":1,\"b\":2}', '$.a', '$.b', '$.c'), json_extract('[1,2]', '$[#]'), json_extract('[1,2]', '$[#-3]')",
    "json_extract('{\"a b\":1, \"c.d\":2, \"\":3}', '$.\"a b\"', '$.\"c.d\"', '$.\"\"')",
    "json_extract('{\"a\":1}', '$.'), json_extract('[1]', '$[')",
    "json_extract('{\"a\":1}', 'a')",
    "json_extract('[1]', '$[x]')",
    "json_extract('{\"a\":1}', '$[x]'), json_extract('{\"a\":1}', '$.b[x'), json_extract('[1]', '$.a.')",
    "json_extract('{\"a\":\"\\u0041\\ud83d\\ude00\\t\"}', '$.a'), json_extract('{\"a\\u0062\":1}', '$.ab'), json_extract('{\"ab\":1}', '$.\"a\\u0062\"')",
    "json_extract('[9223372036854775807, 9223372036854775808, -9223372036854775808, -9223372036854775809, 1e400, -0, 0.1]', '$[0]', '$[1]')",
    "json_extract('[9223372036854775807]', '$[0]'), json_extract('[9223372036854775808]', '$[0]'), json_extract('[-9223372036854775808]', '$[0]'), json_extract('[-9223372036854775809]', '$[0]')",
    "json_extract('[1e400]', '$[0]'), json_extract('[-0]', '$[0]'), json_extract('[-0.0]', '$[0]'), json_extract('[true, false, null]', '$[0]', '$[2]'), json_extract('[true]', '$[0]')",
    "json_extract('{\"a\":1}', '$'), json_extract('{\"a\":1}', NULL), json_extract(NULL, '$'), json_extract('{\"a\":1}'), json_extract('[1]', '$[0]', NULL)",
    "'{\"a\":[1,\"x\",{\"b\":2}]}' -> '$.a', '{\"a\":[1,\"x\",{\"b\":2}]}' -> 'a', '{\"a\":[1,\"x\",{\"b\":2}]}' ->> 'a'",
    "'[1,\"x\",{\"b\":2}]' -> 1, '[1,\"x\",{\"b\":2}]' ->> 1, '[1,\"x\",{\"b\":2}]' -> -1, '[1,\"x\",{\"b\":2}]' ->> '[2]', '[1,2]' -> '$[0]'",
    "'{\"a b\":1}' -> 'a b', '{\"a\":{\"b\":1}}' -> 'a' -> 'b', '{\"a\":{\"b\":1}}' ->> 'a' ->> 'b', '{\"x\":1}' -> '', '{\"1\":5}' ->> '1'",
    "'{\"a\":2}' ->> 'a' + 1, '{\"a\":2}' ->> 'a' * 3, '{\"a\":\"x\"}' ->> 'a' || 'y', 1 + '[5]' ->> 0",
    "json_set('{\"a\":1}', '$.a', 2, '$.b', 'x', '$.c.d', json('[1]')), json_insert('{\"a\":1}', '$.a', 2, '$.b', 3), json_replace('{\"a\":1}', '$.a', 2, '$.b', 3)",
    "json_set('[1,2]', '$[2]', 3, '$[#]', 4, '$[9]', 5), json_insert('[1,2]', '$[#]', 3), json_set('[]', '$[0].a[0]', 1), json_set('{}', '$.a[1]', 1)",
    "json_set('{\"a\":1}', '$', 5), json_insert('{\"a\":1}', '$', 5), json_replace('1', '$', json('[2]')), json_set('{}', '$.x', NULL), json_set('{}', NULL, 1)",
    "json_set('{}', '$.\"a b\".c', 0.1, '$.d', 1e300, '$.e', 9e999, '$.f', -0.0), json_set('[1]', '$[0]', 'str', '$[1]', x'')",
    "json_set('{\"a\":1}', 'a', 2)",
    "json_set('{\"a\":1}', '$.a')",
    "json_insert('{\"a\":1}', '$.', 2)",
    "json_set('{}', '$.a', json('{bad'))",
    "json_remove('[1,2,3]', '$[1]'), json_remove('[1,2,3]', '$[0]', '$[0]'), json_remove('{\"a\":1,\"b\":2}', '$.a'), json_remove('{\"a\":1,\"b\":2}', '$.b'), json_remove('[1]', '$')",
    "json_remove('[1,2,3]', '$[#-1]'), json_remove('{\"a\":{\"b\":1,\"c\":2}}', '$.a.b'), json_remove('[1]', '$[5]'), json_remove('[1]'), json_remove('[1]', NULL)",
    "json_remove('[1]', 'x')",
    "json_patch('{\"a\":1,\"b\":2}', '{\"b\":null,\"c\":{\"d\":null,\"e\":3}}'), json_patch('[1]', '{\"a\":1}'), json_patch('{\"a\":1}', '[2]'), json_patch('{\"a\":{\"b\":1}}', '{\"a\":{\"c\":2}}')",
    "json_patch('{\"a\":1,\"a\":2}', '{\"a\":null}'), json_patch('{\"a\":1}', '{\"a\":{\"x\":null}}'), json_patch(NULL, '{}'), json_patch('{}', NULL)",
    "json_array(json_extract('[[1]]', '$[0]')), json_array(json_extract('[\"[1]\"]', '$[0]')), json_array('[1]' -> '$'), json_array('[1]' ->> '$')",
    "json_object('k', json_set('{}', '$.a', 1)), json_array(json_remove('[1,2]', '$[0]')), json_array(json_patch('{}', '{\"a\":1}'))",
    "json_array(upper(json('[\"a\"]'))), json_array(json_type('[1]')), json_array(json_valid('[1]'))",
    "json_array(CASE WHEN 1 THEN json('[1]') END)",
    "json_array(coalesce(NULL, json('[1]')))",
    "json('[' || '1,' || '2]'), json_array(length(json('[1]')))",
    "json_each('[1]')",
    "json_array((SELECT json('[1]')))",
    "(SELECT json_array(j) FROM (SELECT json('[1]') AS j))",
    "(SELECT json_array(j) FROM (SELECT json('[1]') AS j UNION ALL SELECT json('[2]') ORDER BY 1 LIMIT 1))",
    "(WITH c(j) AS (SELECT json_object('a', 1)) SELECT json_array(j) FROM c)",
    "(WITH c(j) AS MATERIALIZED (SELECT json_object('a', 1)) SELECT json_array(j) FROM c)",
    "json_error_position('[1')",
    "jsonb('[1]')",
    "json_valid('[1]', 1)",
];

#[test]
fn hand_picked_expressions_match_sqlite() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "f.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let queries = select_each(HAND_PICKED);
    let values = check_all(&mine, &oracle, &queries);
    assert!(
        values > queries.len() / 2,
        "only {values} answers were values"
    );
}

/// What this engine refuses and SQLite does: the error names it.
#[test]
fn refusals_name_what_is_missing() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "r.db", &Config::DEFAULT, Global).unwrap();
    let conn = db.connect();
    for (sql, needle) in [
        ("SELECT json_each('[1]')", "no such function: json_each"),
        ("SELECT json_tree('[1]')", "no such function: json_tree"),
        ("SELECT json_error_position('[1')", "json_error_position"),
        ("SELECT json_pretty('[1]')", "json_pretty"),
        ("SELECT jsonb_extract('[1]', '$[0]')", "jsonb_extract"),
        ("SELECT jsonb_group_array(1)", "jsonb_group_array"),
        ("SELECT json('{a:1}')", "JSON5"),
        ("SELECT json('[1,]')", "JSON5"),
        ("SELECT json('[1')", "malformed JSON"),
        (
            "SELECT json_extract('[1]', '$[x]')",
            "bad JSON path: '$[x]'",
        ),
        (
            "SELECT json_extract('[1]', 'it''s')",
            "bad JSON path: 'it''s'",
        ),
        ("SELECT json_extract(x'5b315d', '$[0]')", "JSONB"),
        ("SELECT json_array(iif(1, json('[1]'), 2))", "not supported"),
        (
            "SELECT json_group_array(json_extract('[1]', '$')) OVER ()",
            "not supported",
        ),
        (
            "SELECT * FROM json_each('[1]') NATURAL JOIN json_each('[1]')",
            "USING or NATURAL beside json_each",
        ),
        (
            "SELECT * FROM json_each('[1]') a RIGHT JOIN json_each('[2]') b ON 1",
            "beside a RIGHT or FULL JOIN",
        ),
        (
            "SELECT * FROM generate_series(1, 3)",
            "table-valued functions",
        ),
    ] {
        let err = Exact::ours(&conn, sql).unwrap_err().to_string();
        assert!(err.contains(needle), "{sql}: {err}");
    }
}

/// Text that stands for some unicode, with escapes JSON has.
fn string_body(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "a",
        "b",
        "key",
        " ",
        "é",
        "日本",
        "😀",
        "\\\"",
        "\\\\",
        "\\/",
        "\\n",
        "\\t",
        "\\r",
        "\\b",
        "\\f",
        "\\u0041",
        "\\u00e9",
        "\\u20ac",
        "\\ud83d\\ude00",
        "\\ud800",
        "\\u0000",
        "'",
        ".",
        "[",
        "]",
        "$",
        "#",
        "-1",
        "0",
    ];
    let n = rng.below(5);
    (0..n)
        .map(|_| PIECES[rng.below(PIECES.len() as u64) as usize])
        .collect()
}

/// A key: mostly from a few, so paths find them and objects repeat them.
fn key(rng: &mut Rng) -> String {
    const KEYS: &[&str] = &[
        "a", "b", "c", "a b", "é", "x.y", "", "k1", "\\u0061", "q\\\"t", "[0]", "日",
    ];
    if rng.below(8) == 0 {
        string_body(rng)
    } else {
        KEYS[rng.below(KEYS.len() as u64) as usize].to_string()
    }
}

fn number(rng: &mut Rng) -> String {
    const NUMBERS: &[&str] = &[
        "0",
        "-0",
        "1",
        "-7",
        "42",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "0.5",
        "-2.25",
        "1e10",
        "1E+2",
        "2.5e-3",
        "1e400",
        "-1e400",
        "0.1",
        "3.14159265358979323846",
        "1.0",
        "100",
        "-0.0",
        "5e-324",
    ];
    NUMBERS[rng.below(NUMBERS.len() as u64) as usize].to_string()
}

/// Whitespace between tokens: usually none.
fn space(rng: &mut Rng) -> &'static str {
    match rng.below(10) {
        0 => " ",
        1 => "\n  ",
        2 => "\t",
        3 => " \r\n",
        _ => "",
    }
}

/// A JSON document, `depth` levels at most; built without recursion on
/// the generator's side only as deep as `depth`.
fn document(rng: &mut Rng, depth: u32) -> String {
    let kind = if depth == 0 {
        rng.below(5)
    } else {
        rng.below(8)
    };
    match kind {
        0 => ["null", "true", "false"][rng.below(3) as usize].to_string(),
        1 | 2 => number(rng),
        3 | 4 => format!("\"{}\"", string_body(rng)),
        5 | 6 => {
            let n = rng.below(5);
            let items: Vec<String> = (0..n)
                .map(|_| format!("{}{}{}", space(rng), document(rng, depth - 1), space(rng)))
                .collect();
            if rng.below(2) == 0 {
                format!("[{}]", items.join(","))
            } else {
                let pairs: Vec<String> = items
                    .into_iter()
                    .map(|v| format!("{}\"{}\"{}:{}", space(rng), key(rng), space(rng), v))
                    .collect();
                format!("{{{}}}", pairs.join(","))
            }
        }
        _ => {
            let n = rng.below(4);
            let items: Vec<String> = (0..n).map(|_| document(rng, depth - 1)).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// A document, sometimes broken or written in JSON5.
fn maybe_bad_document(rng: &mut Rng) -> String {
    let doc = format!("{}{}{}", space(rng), document(rng, 4), space(rng));
    match rng.below(14) {
        0 if doc.len() > 1 => {
            let cut = rng.below(doc.len() as u64) as usize;
            let mut cut = cut.max(1);
            while !doc.is_char_boundary(cut) {
                cut -= 1;
            }
            doc[..cut].to_string()
        }
        1 => {
            const JUNK: &[&str] = &[
                ",",
                "]",
                "}",
                ":",
                "'",
                "x",
                "/*c*/",
                "\u{b}",
                "+1",
                ".5",
                "0x1F",
                "NaN",
                "Infinity",
                "\"\\x41\"",
                "{a:1}",
                "[1,]",
                "01",
                "1.",
                "\"\\q\"",
                "\"a\tb\"",
            ];
            let junk = JUNK[rng.below(JUNK.len() as u64) as usize];
            let mut at = rng.below(doc.len() as u64 + 1) as usize;
            while !doc.is_char_boundary(at) {
                at -= 1;
            }
            format!("{}{}{}", &doc[..at], junk, &doc[at..])
        }
        _ => doc,
    }
}

/// A path for `doc`: often one that follows it, sometimes one that
/// does not parse.
fn path(rng: &mut Rng) -> String {
    const BAD: &[&str] = &[
        "$.",
        "$[",
        "$[x]",
        "$[1",
        "$a",
        "a",
        "",
        "$.\"unterminated",
        "$[#-]",
        "$[-1]",
        "$[#+1]",
        "$..a",
        "$.a.",
        "$]",
    ];
    if rng.below(12) == 0 {
        return BAD[rng.below(BAD.len() as u64) as usize].to_string();
    }
    let mut p = String::from("$");
    for _ in 0..rng.below(4) {
        match rng.below(7) {
            0 => p.push_str(&format!("[{}]", rng.below(4))),
            1 => p.push_str(&format!("[#-{}]", rng.below(4))),
            2 => p.push_str("[#]"),
            3 => {
                let k = key(rng);
                p.push_str(&format!(".\"{k}\""));
            }
            _ => {
                const PLAIN: &[&str] = &["a", "b", "c", "k1", "é", "日", "x"];
                p.push('.');
                p.push_str(PLAIN[rng.below(PLAIN.len() as u64) as usize]);
            }
        }
    }
    p
}

/// An operator's right side: a path, or an abbreviation of one.
fn arrow_path(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => format!("{}", rng.below(4) as i64 - 2),
        1 => sql_text(["a", "b", "a b", "k1", "x.y", ""][rng.below(6) as usize]),
        2 => sql_text(&format!("[{}]", rng.below(3))),
        _ => sql_text(&path(rng)),
    }
}

/// `s` as an SQL string literal.
fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An SQL value to store in JSON.
fn sql_value(rng: &mut Rng) -> String {
    match rng.below(14) {
        0 => "NULL".into(),
        1 => format!("{}", rng.below(2000) as i64 - 1000),
        2 => [
            "0.1",
            "1.5",
            "-2.25",
            "1e300",
            "-0.0",
            "9e999",
            "3.0",
            "1e-7",
            "123456.789",
        ][rng.below(9) as usize]
            .into(),
        3 => "9223372036854775807".into(),
        4 => "x'00'".into(),
        5 => format!("json({})", sql_text(&document(rng, 2))),
        6 => format!(
            "json_array({}, {})",
            sql_value_flat(rng),
            sql_value_flat(rng)
        ),
        7 => format!(
            "json_extract({}, {})",
            sql_text(&document(rng, 2)),
            sql_text(&path(rng))
        ),
        8 => format!("{} -> {}", sql_text(&document(rng, 2)), arrow_path(rng)),
        _ => sql_value_flat(rng),
    }
}

/// An SQL value that is not JSON.
fn sql_value_flat(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => "NULL".into(),
        1 => format!("{}", rng.below(100)),
        2 => "0.5".into(),
        3 => "char(10, 34, 92, 39, 1)".into(),
        _ => sql_text(&string_body(rng).replace('\\', "")),
    }
}

/// A call of a JSON function over generated documents and paths.
fn call(rng: &mut Rng) -> String {
    let doc = sql_text(&maybe_bad_document(rng));
    let p = sql_text(&path(rng));
    match rng.below(20) {
        0 => format!("json({doc})"),
        1 => format!("json_valid({doc})"),
        2 => format!("json_type({doc}), json_type({doc}, {p})"),
        3 => format!("json_array_length({doc}), json_array_length({doc}, {p})"),
        4 | 5 => format!("json_extract({doc}, {p})"),
        6 => format!("json_extract({doc}, {p}, {})", sql_text(&path(rng))),
        7 => format!("{doc} -> {}", arrow_path(rng)),
        8 => format!("{doc} ->> {}", arrow_path(rng)),
        9 | 10 => {
            let f = ["json_set", "json_insert", "json_replace"][rng.below(3) as usize];
            let mut args = vec![doc];
            for _ in 0..1 + rng.below(2) {
                args.push(sql_text(&path(rng)));
                args.push(sql_value(rng));
            }
            format!("{f}({})", args.join(", "))
        }
        11 => format!("json_remove({doc}, {p}, {})", sql_text(&path(rng))),
        12 => format!("json_remove({doc}, {p})"),
        13 => format!("json_patch({doc}, {})", sql_text(&maybe_bad_document(rng))),
        14 => format!("json_quote({})", sql_value(rng)),
        15 => {
            let n = rng.below(4);
            let args: Vec<String> = (0..n).map(|_| sql_value(rng)).collect();
            format!("json_array({})", args.join(", "))
        }
        16 => {
            let n = rng.below(3);
            let args: Vec<String> = (0..n)
                .map(|_| format!("{}, {}", sql_text(&key(rng)), sql_value(rng)))
                .collect();
            format!("json_object({})", args.join(", "))
        }
        17 => format!("json_type({doc} -> {})", arrow_path(rng)),
        18 => format!(
            "json_set({doc}, {p}, json_extract({}, {}))",
            sql_text(&document(rng, 3)),
            sql_text(&path(rng))
        ),
        _ => format!(
            "json_patch({}, {})",
            sql_text(&document(rng, 3)),
            sql_text(&document(rng, 3))
        ),
    }
}

#[test]
fn generated_calls_match_sqlite() {
    let seed = seed(0x150_e0c0);
    let mut rng = Rng::new(seed);
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "g.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let queries: Vec<String> = (0..6000)
        .map(|_| format!("SELECT {}", call(&mut rng)))
        .collect();
    let values = check_all(&mine, &oracle, &queries);
    assert!(
        values > queries.len() / 2,
        "seed {seed}: only {values} answers were values"
    );
}

/// Documents nested to SQLite's limit and past it.
#[test]
fn nesting_stops_at_sqlite_depth() {
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "d.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    let mut queries = Vec::new();
    for depth in [999, 1000, 1001, 5000, 100_000] {
        let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        for doc in [arrays, objects] {
            let doc = sql_text(&doc);
            queries.push(format!("SELECT json_valid({doc}), length(json({doc}))"));
            queries.push(format!("SELECT json_extract({doc}, '$[0][0]')"));
            queries.push(format!("SELECT json_patch({doc}, {doc}) = json({doc})"));
            queries.push(format!("SELECT length(json_set({doc}, '$.a.a.b', 1))"));
        }
    }
    check_all(&mine, &oracle, &queries);
}

/// The same statements on both engines, for queries over tables.
fn both<P: Platform>(mine: &Connection<'_, P, Global>, oracle: &rusqlite::Connection, sql: &str) {
    mine.execute(sql, &[]).unwrap();
    oracle.execute_batch(sql).unwrap();
}

#[test]
fn queries_over_json_columns_match_sqlite() {
    let seed = seed(0x7ab1e);
    let mut rng = Rng::new(seed);
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "t.db", &Config::DEFAULT, Global).unwrap();
    let mine = db.connect();
    let oracle = rusqlite::Connection::open_in_memory().unwrap();
    both(
        &mine,
        &oracle,
        "CREATE TABLE t(id INTEGER PRIMARY KEY, g, doc TEXT)",
    );
    for id in 0..300 {
        let doc = format!(
            "{{\"name\":\"n{}\",\"n\":{},\"tags\":[{}],\"sub\":{{\"x\":{}}}}}",
            rng.below(40),
            number(&mut rng),
            (0..rng.below(4))
                .map(|_| format!("\"t{}\"", rng.below(5)))
                .collect::<Vec<_>>()
                .join(","),
            document(&mut rng, 2)
        );
        let g = rng.below(6);
        both(
            &mine,
            &oracle,
            &format!("INSERT INTO t VALUES ({id}, {g}, {})", sql_text(&doc)),
        );
    }
    both(
        &mine,
        &oracle,
        "INSERT INTO t VALUES (1000, 9, NULL), (1001, 9, '[1,2,3]'), (1002, 9, '\"just text\"')",
    );
    both(
        &mine,
        &oracle,
        "CREATE TABLE c(id INTEGER PRIMARY KEY, doc TEXT CHECK (json_valid(doc)))",
    );
    both(
        &mine,
        &oracle,
        "CREATE VIEW cv AS SELECT id, doc ->> 'name' AS name, doc, json_object('id', id, 'd', json(doc)) AS o FROM c",
    );
    for id in 0..40 {
        let doc = sql_text(&format!("{{\"name\":\"n{}\",\"v\":{id}}}", id % 7));
        both(
            &mine,
            &oracle,
            &format!("INSERT INTO c(id, doc) VALUES ({id}, {doc})"),
        );
    }
    both(
        &mine,
        &oracle,
        "UPDATE c SET doc = json_set(doc, '$.v', json_array(id, id * 2)) WHERE id % 3 = 0",
    );
    let bad = "INSERT INTO c(id, doc) VALUES (99, '{\"name\":')";
    assert!(mine.execute(bad, &[]).is_err() && oracle.execute_batch(bad).is_err());
    let queries = [
        "SELECT id, doc ->> 'name', doc -> 'tags', doc ->> '$.sub.x' FROM t ORDER BY id",
        "SELECT id FROM t WHERE doc ->> 'n' > 10 ORDER BY id",
        "SELECT id FROM t WHERE doc -> '$.tags[0]' = '\"t1\"' ORDER BY id",
        "SELECT id, doc ->> 'name' FROM t ORDER BY doc ->> 'name', doc ->> 'n', id",
        "SELECT id FROM t ORDER BY doc -> 'sub', id",
        "SELECT g, json_group_array(doc ->> 'name') FROM t GROUP BY g ORDER BY g",
        "SELECT g, json_group_array(doc -> 'sub') FROM t GROUP BY g ORDER BY g",
        "SELECT g, json_group_object(id, doc ->> 'n') FROM t WHERE id < 40 GROUP BY g ORDER BY g",
        "SELECT g, json_group_object(doc ->> 'name', json(doc) -> 'tags') FROM t WHERE id < 60 GROUP BY g ORDER BY g",
        "SELECT json_group_array(id) FROM t WHERE id < 0",
        "SELECT json_group_object('k', id) FROM t WHERE id < 0",
        "SELECT json_group_array(NULL), json_group_object(NULL, 1), json_group_object('a', NULL) FROM t WHERE id < 3",
        "SELECT json_group_array(json_array(id, g)) FROM t WHERE id < 10",
        "SELECT id, json_array_length(doc, '$.tags'), json_type(doc, '$.n') FROM t ORDER BY id",
        "SELECT id, json_set(doc, '$.tags[#]', id, '$.new', g) FROM t WHERE id % 7 = 0 ORDER BY id",
        "SELECT id, json_remove(doc, '$.sub', '$.tags[0]') FROM t WHERE id % 5 = 0 ORDER BY id",
        "SELECT doc ->> 'name' AS nm, count(*) FROM t GROUP BY nm ORDER BY 2 DESC, 1",
        "SELECT id, json_group_array(id) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t WHERE id < 20 ORDER BY id",
        "SELECT id, json_group_array(doc ->> 'name') OVER (PARTITION BY g ORDER BY id) FROM t WHERE id < 30 ORDER BY id",
        "SELECT id, json_group_object(id, g) OVER (ORDER BY id ROWS 1 PRECEDING) FROM t WHERE id < 12 ORDER BY id",
        "SELECT json_group_array(DISTINCT g) FROM t",
        "SELECT id, name, doc, o FROM cv ORDER BY id",
        "SELECT id FROM cv WHERE name = 'n3' ORDER BY id",
        "SELECT name, json_group_array(id), json_group_array(o) FROM cv GROUP BY name ORDER BY name",
        "SELECT json_array(o), o -> 'd' FROM cv WHERE id < 5 ORDER BY id",
        "SELECT json_array(o) FROM (SELECT o FROM cv ORDER BY id LIMIT 3)",
        "SELECT json_array(o) FROM (SELECT DISTINCT o FROM cv) ORDER BY 1 LIMIT 3",
        "SELECT json_array(m) FROM (SELECT max(o) AS m FROM cv GROUP BY name) ORDER BY 1",
        "SELECT json_array(j) FROM (SELECT json_group_array(id) AS j FROM cv GROUP BY name) ORDER BY 1",
        "SELECT json_array(o) FROM (SELECT o FROM cv UNION ALL SELECT o FROM cv) ORDER BY 1 LIMIT 2",
        "SELECT json_array((SELECT o FROM cv WHERE id = 1))",
        "SELECT json_array(x.o) FROM cv AS x JOIN cv AS y ON x.id = y.id WHERE x.id < 3 ORDER BY x.id",
        "WITH w(j) AS (SELECT json_array(1, 2)) SELECT json_array(j) FROM w",
        "SELECT json_array(j) FROM (SELECT json_array(id) AS j FROM c ORDER BY id LIMIT 2) ORDER BY j",
    ];
    let queries: Vec<String> = queries.iter().map(|q| q.to_string()).collect();
    check_all(&mine, &oracle, &queries);
}

#[test]
fn json_functions_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    let doc = "'{\"a\":[1,2.5,\"x\\u00e9\"],\"b\":{\"c\":null,\"d\":true}}'";
    for sql in [
        format!("SELECT json({doc}), json_valid({doc}), json_type({doc}, '$.a[1]')"),
        format!("SELECT json_array_length({doc}, '$.a'), json_extract({doc}, '$.a[2]', '$.b')"),
        format!("SELECT {doc} -> '$.b', {doc} ->> 'a', {doc} -> 'a' ->> 2"),
        format!("SELECT json_set({doc}, '$.a[#]', 0.1, '$.e.f', json('[1]')), json_insert({doc}, '$.z', 'q')"),
        format!("SELECT json_replace({doc}, '$.a[0]', 'r'), json_remove({doc}, '$.a[0]', '$.b.c')"),
        format!("SELECT json_patch({doc}, '{{\"b\":{{\"c\":1,\"d\":null}},\"n\":{{\"m\":2}}}}')"),
        "SELECT json_quote('a\"b'), json_array(1, 0.5, 'x', NULL, json('[2]')), json_object('k', 1.5, 'j', json_array())".to_string(),
    ] {
        let report = sweep_rows(&fault, &conn, &sql);
        assert!(report.failure_points > 0, "{sql}");
    }
    conn.execute("CREATE TABLE j(g, v)", &[]).unwrap();
    conn.execute(
        "INSERT INTO j VALUES (1, 'a'), (1, 2.5), (2, NULL), (2, '[1]')",
        &[],
    )
    .unwrap();
    for sql in [
        "SELECT g, json_group_array(v), json_group_object(coalesce(v, 'n'), g) FROM j GROUP BY g",
        "SELECT json_group_array(json(v)) FROM j WHERE v LIKE '[%'",
        "SELECT g, json_group_array(v) OVER (ORDER BY rowid ROWS 1 PRECEDING) FROM j",
    ] {
        let report = sweep_rows(&fault, &conn, sql);
        assert!(report.failure_points > 0, "{sql}");
    }
    conn.execute("CREATE TABLE w(doc)", &[]).unwrap();
    conn.execute(&format!("INSERT INTO w VALUES ({doc})"), &[])
        .unwrap();
    let contents = || boundlite_tests::compare::V::ours_ok(&conn, "SELECT doc FROM w");
    let report = sweep_change(
        &fault,
        &conn,
        "UPDATE w SET doc = json_set(doc, '$.b.n', json_array(doc -> '$.a', 3))",
        contents,
    );
    assert_eq!(report.value, 1);
    assert!(report.failure_points > 0);
    let check = boundlite_tests::compare::V::ours_ok(&conn, "PRAGMA integrity_check");
    assert!(format!("{check:?}").contains("ok"), "{check:?}");
}

/// A document of about 1 MiB, bound as a parameter: each function needs
/// a small multiple of it (its minified copy, an edited copy, the
/// result), never memory that grows with its nesting or element count
/// beyond that.
#[test]
fn memory_is_a_small_multiple_of_the_document() {
    let counting = Counting::new(Global);
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "m.db", &Config::DEFAULT, &counting).unwrap();
    let conn = db.connect();
    let elements: Vec<String> = (0..100_000).map(|i| format!("{{\"i\": {i}}}")).collect();
    let doc = format!(
        "{{\"k\": [{}], \"s\": \"{}\"}}",
        elements.join(", "),
        "x".repeat(1 << 18)
    );
    let len = doc.len();
    for (sql, times) in [
        ("SELECT length(json(?1))", 2),
        ("SELECT json_extract(?1, '$.k[#-1].i', '$.s')", 2),
        ("SELECT ?1 ->> '$.k[50000].i'", 2),
        (
            "SELECT json_array_length(?1, '$.k'), json_type(?1, '$.s'), json_valid(?1)",
            2,
        ),
        ("SELECT length(json_set(?1, '$.k[#]', 1, '$.n.m', 2))", 3),
        ("SELECT length(json_remove(?1, '$.k[0]', '$.s'))", 3),
        (
            "SELECT length(json_patch(?1, '{\"s\":null,\"t\":{\"u\":1}}'))",
            3,
        ),
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.bind(1, boundlite::record::ValueRef::text(&doc))
            .unwrap();
        counting.reset_peak();
        let before = counting.stats().live_bytes;
        assert!(stmt.step().unwrap().is_some(), "{sql}");
        let peak = counting.stats().peak_bytes - before;
        assert!(
            peak <= times * len + (64 << 10),
            "{sql}: {peak} bytes at the peak for a {len}-byte document"
        );
    }
}
