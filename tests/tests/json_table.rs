//! `json_each` and `json_tree` against SQLite: every column (the hidden
//! `json` and `root` and the rowid too) row for row and in SQLite's
//! order, `id` and `parent` included (SQLite's JSONB offsets). Hand
//! cases (errors, NULL arguments, paths into objects and arrays, joins,
//! correlated use, views, `EXPLAIN QUERY PLAN`), then generated
//! documents (nesting, escapes, numbers, strings long enough to need
//! every JSONB header size) under generated root paths, then a table of
//! generated documents joined to both functions, then nesting at the
//! depth limit and allocation failures.
//!
//! Replay a run with `BOUNDLITE_SEED=<seed>`.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use boundlite::alloc::{Arena, Counting, FaultAlloc, Global};
use boundlite::platform::{MemoryPlatform, Platform};
use boundlite::{Config, Connection, Database};
use boundlite_tests::compare::{Exact, Owned};
use boundlite_tests::rng::{Rng, seed};
use boundlite_tests::sweep::sweep_rows;

/// One answer: the rows (sorted when order is not asked for), or the
/// error's text.
#[derive(Debug, PartialEq)]
enum Answer {
    Rows(Vec<Vec<Exact>>),
    Error(String),
}

fn ours<P: Platform>(conn: &Connection<'_, P, Global>, sql: &str) -> Answer {
    match Exact::ours(conn, sql) {
        Ok(rows) => Answer::Rows(rows),
        Err(e) => Answer::Error(e.to_string()),
    }
}

fn theirs(conn: &rusqlite::Connection, sql: &str) -> Answer {
    match Exact::theirs(conn, sql) {
        Ok(rows) => Answer::Rows(rows),
        Err(e) => Answer::Error(e.to_string()),
    }
}

/// Whether two answers agree: the same rows, or errors whose texts
/// agree (ours carries SQLite's message after a prefix).
fn agree(a: &Answer, b: &Answer, sorted: bool) -> bool {
    match (a, b) {
        (Answer::Rows(x), Answer::Rows(y)) if sorted => {
            let (mut x, mut y) = (x.clone(), y.clone());
            x.sort_by_key(|r| format!("{r:?}"));
            y.sort_by_key(|r| format!("{r:?}"));
            x == y
        }
        (Answer::Rows(x), Answer::Rows(y)) => x == y,
        (Answer::Error(x), Answer::Error(y)) => {
            let theirs = y.split(" in ").next().unwrap_or(y);
            x.contains(theirs)
        }
        _ => false,
    }
}

/// Runs every query on both engines; panics listing the first
/// differences. Returns how many answers were rows on both.
fn check_all<P: Platform>(
    mine: &Connection<'_, P, Global>,
    oracle: &rusqlite::Connection,
    queries: &[String],
    sorted: bool,
) -> usize {
    let mut mismatches = Vec::new();
    let mut rows = 0;
    for sql in queries {
        let (a, b) = (ours(mine, sql), theirs(oracle, sql));
        if !agree(&a, &b, sorted) {
            mismatches.push(format!("{sql}\n  boundlite: {a:?}\n  sqlite:    {b:?}"));
        } else if matches!(a, Answer::Rows(_)) {
            rows += 1;
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} queries differ:\n{}",
        mismatches.len(),
        queries.len(),
        mismatches
            .iter()
            .take(10)
            .map(|m| m.chars().take(1500).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    );
    rows
}

fn engines() -> (
    Database<&'static MemoryPlatform, Global>,
    rusqlite::Connection,
) {
    let disk: &'static MemoryPlatform = Box::leak(Box::new(MemoryPlatform::new()));
    let db = Database::open(disk, "j.db", &Config::DEFAULT, Global).unwrap();
    (db, rusqlite::Connection::open_in_memory().unwrap())
}

const HAND: &[&str] = &[
    "SELECT * FROM json_each('[1,2]')",
    "SELECT *, json, root, rowid FROM json_each('[1,[2,3],{\"a\":null}]')",
    "SELECT *, json, root, rowid FROM json_tree('{\"a b\":[1,{\"c\":\"x\\\"y\"}],\"\":2, \"1a\":null, \"é\":true}')",
    "SELECT * FROM json_each('{\"a\":1}', '$.a')",
    "SELECT * FROM json_each('{\"a\":[1,2]}', '$.a')",
    "SELECT * FROM json_each('{\"x\":0,\"a\":{\"b\":3}}', '$.a')",
    "SELECT * FROM json_each('[0,[1,2]]', '$[1]')",
    "SELECT * FROM json_each('[0,[1,2]]', '$[#-1]')",
    "SELECT * FROM json_each('[1]', '$')",
    "SELECT * FROM json_each('[1]', '$.missing')",
    "SELECT * FROM json_tree('{\"a\":{\"x\":1,\"b\":2}}', '$.a.b')",
    "SELECT * FROM json_tree('{\"a\":{\"b\":2,\"x\":1}}', '$.a.b')",
    "SELECT * FROM json_tree('{\"a\":{\"x\":1,\"b\":[2,{\"c\":3}]}}', '$.a.b')",
    "SELECT * FROM json_tree('[1,[2,3]]', '$[1]')",
    "SELECT * FROM json_tree('[[2,3],1]', '$[0]')",
    "SELECT *, root FROM json_tree('[1,[2,3]]', '$[#-1]')",
    "SELECT *, root FROM json_tree('{\"a\":{\"b c\":[1]}}', '$.a.\"b c\"')",
    "SELECT * FROM json_each('5') a, json_each('\"s\"') b, json_each('null') c",
    "SELECT * FROM json_tree('[]') a, json_tree('{}') b",
    "SELECT * FROM json_each()",
    "SELECT * FROM json_each(NULL)",
    "SELECT * FROM json_each(NULL, 'bad')",
    "SELECT * FROM json_each('[1]', NULL)",
    "SELECT * FROM json_each(123) a, json_each(1.5) b",
    "SELECT * FROM json_each('[1,2')",
    "SELECT * FROM json_each('[1,2', NULL)",
    "SELECT * FROM json_each('[1]', 'a')",
    "SELECT * FROM json_each('[1]', '$[')",
    "SELECT * FROM json_tree('[1]', '$.a.')",
    "SELECT * FROM json_each('[1]', '$', 'x')",
    "SELECT * FROM json_tree('[1]', '$', 'x')",
    "SELECT json_each('[1]')",
    "SELECT value FROM json_each('{\"a\":\"\\u00e9\\n\",\"b\":-0,\"c\":1e400,\"d\":99999999999999999999,\"e\":-9223372036854775808,\"f\":0.5}')",
    "SELECT json_group_array(value), json_group_object(key, value) FROM json_each('[1,[2],{\"a\":3},\"x\"]')",
    "SELECT json_array(value), json_set('{}', '$.v', value), json_object('k', value) FROM json_each('[1,[2],{\"a\":3},\"x\"]')",
    "SELECT json_extract(value, '$[0]'), value -> 0, json_type(value) FROM json_each('[[7],[8,9]]') GROUP BY key",
    "SELECT (SELECT json_array(j.value)) FROM json_each('[[1],\"x\"]') j",
    "SELECT json_array(j.value, j.atom), json_quote(j.value) FROM json_each('[[1],{\"b\":2},\"[3]\"]') AS j",
    "SELECT json_group_array(value) OVER () FROM json_each('[1,[2],\"x\"]')",
    "SELECT rowid, key FROM json_each('[5,6,7]') WHERE rowid > 0",
    "SELECT a.value, b.value FROM json_each('[1,2]') a, json_each('[3,4]') b ORDER BY 1, 2",
    "SELECT a.key, b.key, b.value FROM json_each('[[1,2],[3]]') a, json_each(a.value) b",
    "SELECT a.fullkey, b.fullkey FROM json_each('{\"p\":{\"q\":[1]}}') a JOIN json_tree(a.value, '$.q') b",
    "SELECT max(id), key FROM json_each('[3,1,2]')",
    "SELECT key, value FROM json_each('[3,1,2]') ORDER BY value LIMIT 2",
    "SELECT DISTINCT type FROM json_tree('[1,2.5,\"a\",null,true,false,[],{},1e3,-0.0]') ORDER BY 1",
    "SELECT type, count(*) FROM json_tree('[1,2.5,\"a\",[1,2,[3]],{\"k\":1}]') GROUP BY type ORDER BY 1",
    "SELECT * FROM json_each('[1]') WHERE json = '[1]'",
    "SELECT * FROM (SELECT * FROM json_each('[1,2]')) ORDER BY 1",
    "WITH c AS (SELECT '[7,8]' d) SELECT c.d, j.value FROM c, json_each(c.d) j",
    "SELECT j.value FROM json_each('[1,2]') j WHERE j.value IN (SELECT value FROM json_each('[2,3]'))",
    "SELECT (SELECT group_concat(key) FROM json_each('{\"a\":1,\"b\":2}')), (SELECT count(*) FROM json_tree('[[[]]]'))",
    "SELECT count(*) FROM json_each((SELECT json_group_array(value) FROM json_each('[1,2,3]')))",
    "SELECT json_each.key FROM json_each('[9]')",
    "SELECT json_tree.path FROM json_tree('[9]')",
    "SELECT * FROM json_each('[1]') NATURAL JOIN json_each('[1]')",
    "EXPLAIN QUERY PLAN SELECT * FROM json_each('[1]')",
];

#[test]
fn hand_cases_match_sqlite() {
    let (db, oracle) = engines();
    let mine = db.connect();
    let queries: Vec<String> = HAND.iter().map(|q| q.to_string()).collect();
    // Refused by name where SQLite has rows: never a wrong answer.
    let refused = [
        "NATURAL JOIN json_each",
        "EXPLAIN QUERY PLAN SELECT * FROM json_each",
    ];
    let (refusals, compared): (Vec<String>, Vec<String>) = queries
        .into_iter()
        .partition(|q| refused.iter().any(|r| q.contains(r)));
    let rows = check_all(&mine, &oracle, &compared, false);
    assert!(rows > compared.len() / 2, "only {rows} answers were rows");
    for sql in refusals {
        match ours(&mine, &sql) {
            Answer::Error(e) if e.contains("not supported") => {}
            Answer::Rows(_) if sql.starts_with("EXPLAIN") => {}
            other => panic!("{sql}: {other:?}"),
        }
    }
}

/// Where SQLite keeps or drops the JSON subtype of a `value` as its plan
/// goes (a subquery it flattens or not, a sorter, a function passing its
/// argument on), a JSON function reading it is refused.
#[test]
fn subtypes_that_depend_on_sqlites_plan_are_refused() {
    let (db, _) = engines();
    let mine = db.connect();
    mine.execute(
        "CREATE VIEW v AS SELECT value FROM json_each('[[1],\"x\"]')",
        &[],
    )
    .unwrap();
    for sql in [
        "SELECT json_array(value) FROM (SELECT value FROM json_each('[[1],\"x\"]'))",
        "SELECT json_array(value) FROM (SELECT * FROM json_each('[[1],\"x\"]') ORDER BY 1)",
        "SELECT json_array(value) FROM v",
        "WITH c AS (SELECT value FROM json_each('[[1]]')) SELECT json_array(value) FROM c",
        "SELECT json_array(value) FROM (SELECT 1 AS value UNION ALL SELECT value FROM json_each('[[1]]'))",
        "SELECT json_array(coalesce(value, 1)) FROM json_each('[[1],\"x\"]')",
        "SELECT json_array(CASE WHEN 1 THEN value END) FROM json_each('[[1]]')",
        "SELECT json_array(value) FROM json_each('[[1],\"x\"]') GROUP BY key",
        "SELECT json_array(value), count(*) FROM json_each('[[1],\"x\"]')",
        "SELECT json_group_array(value) FROM json_each('[[1],\"x\"]') GROUP BY type",
    ] {
        match ours(&mine, sql) {
            Answer::Error(e) if e.contains("not supported") => {}
            other => panic!("{sql}: {other:?}"),
        }
    }
}

#[test]
fn explain_query_plan_names_the_virtual_table() {
    let (db, oracle) = engines();
    let mine = db.connect();
    oracle.execute("CREATE TABLE t(doc)", []).unwrap();
    mine.execute("CREATE TABLE t(doc)", &[]).unwrap();
    for sql in [
        "EXPLAIN QUERY PLAN SELECT * FROM json_each('[1]')",
        "EXPLAIN QUERY PLAN SELECT * FROM json_tree('[1]', '$')",
        "EXPLAIN QUERY PLAN SELECT * FROM json_each()",
        "EXPLAIN QUERY PLAN SELECT * FROM t, json_each(t.doc) AS j",
    ] {
        let detail = |rows: Vec<Vec<Exact>>| -> Vec<Exact> {
            rows.into_iter().map(|r| r[3].clone()).collect()
        };
        let a = detail(Exact::ours(&mine, sql).unwrap());
        let b = detail(Exact::theirs(&oracle, sql).unwrap());
        assert_eq!(a, b, "{sql}");
    }
}

/// Text of a string, with escapes and unicode; sometimes long enough to
/// need a 2-, 3- or 5-byte JSONB header.
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
        "\\u0041",
        "\\u00e9",
        "\\ud83d\\ude00",
        "'",
        ".",
        "[",
        "]",
        "$",
        "0",
    ];
    match rng.below(40) {
        0 => "x".repeat(11 + rng.below(3) as usize),
        1 => "y".repeat(250 + rng.below(10) as usize),
        2 if rng.below(6) == 0 => "z".repeat(65_530 + rng.below(10) as usize),
        _ => (0..rng.below(5))
            .map(|_| PIECES[rng.below(PIECES.len() as u64) as usize])
            .collect(),
    }
}

fn key(rng: &mut Rng) -> String {
    const KEYS: &[&str] = &[
        "a", "b", "c", "a b", "é", "x.y", "", "k1", "1k", "\\u0061", "q\\\"t", "[0]", "A_",
    ];
    if rng.below(8) == 0 {
        string_body(rng)
    } else {
        KEYS[rng.below(KEYS.len() as u64) as usize].to_string()
    }
}

fn number(rng: &mut Rng) -> &'static str {
    const NUMBERS: &[&str] = &[
        "0",
        "-0",
        "1",
        "-7",
        "42",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "0.5",
        "-2.25",
        "1e10",
        "1E+2",
        "2.5e-3",
        "1e400",
        "123456789012345678901234567890",
    ];
    NUMBERS[rng.below(NUMBERS.len() as u64) as usize]
}

fn space(rng: &mut Rng) -> &'static str {
    match rng.below(10) {
        0 => " ",
        1 => "\n  ",
        _ => "",
    }
}

/// A document at most `depth` levels deep; containers sometimes wide
/// enough that their payload needs a longer header.
fn document(rng: &mut Rng, depth: u32) -> String {
    let kind = if depth == 0 {
        rng.below(5)
    } else {
        rng.below(9)
    };
    match kind {
        0 => ["null", "true", "false"][rng.below(3) as usize].to_string(),
        1 | 2 => number(rng).to_string(),
        3 | 4 => format!("\"{}\"", string_body(rng)),
        _ => {
            // Wide only near the leaves, so documents stay small.
            let n = match rng.below(12) {
                0 if depth <= 2 => 30 + rng.below(40),
                _ => rng.below(5),
            };
            let items: Vec<String> = (0..n)
                .map(|_| format!("{}{}{}", space(rng), document(rng, depth - 1), space(rng)))
                .collect();
            if rng.below(2) == 0 {
                format!("[{}]", items.join(","))
            } else {
                let pairs: Vec<String> = items
                    .into_iter()
                    .map(|v| format!("\"{}\":{v}", key(rng)))
                    .collect();
                format!("{{{}}}", pairs.join(","))
            }
        }
    }
}

/// A root path: mostly one that leads somewhere in typical documents,
/// sometimes one to nothing, sometimes not a path.
fn root(rng: &mut Rng) -> String {
    const STEPS: &[&str] = &[
        ".a", ".b", ".c", "[0]", "[1]", "[2]", "[#-1]", ".\"a b\"", ".\"x.y\"", ".\"\"", ".k1",
        "[#]", ".\"é\"", "[70]",
    ];
    const BAD: &[&str] = &["a", "$[", "$.", "$[x]", "$a", "", "$[-1]", "$.\"a"];
    match rng.below(12) {
        0 => BAD[rng.below(BAD.len() as u64) as usize].to_string(),
        1 => "$".to_string(),
        _ => {
            let mut p = "$".to_string();
            for _ in 0..=rng.below(3) {
                p.push_str(STEPS[rng.below(STEPS.len() as u64) as usize]);
            }
            p
        }
    }
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[test]
fn generated_documents_match_sqlite() {
    let (db, oracle) = engines();
    let mine = db.connect();
    let mut rng = Rng::new(seed(0x6a73_6f6e_7462));
    let mut queries = Vec::new();
    for _ in 0..1000 {
        let doc = format!(
            "{}{}{}",
            space(&mut rng),
            document(&mut rng, 4),
            space(&mut rng)
        );
        let doc = match rng.below(20) {
            0 => {
                let mut cut = doc.len() / 2;
                while !doc.is_char_boundary(cut) {
                    cut -= 1;
                }
                doc[..cut].to_string()
            }
            _ => doc,
        };
        let f = ["json_each", "json_tree"][rng.below(2) as usize];
        let args = match rng.below(3) {
            0 => quoted(&doc),
            _ => format!("{}, {}", quoted(&doc), quoted(&root(&mut rng))),
        };
        let columns = match rng.below(3) {
            0 => "*",
            1 => "key, value, type, atom, id, parent, fullkey, path, json = json, root, rowid",
            _ => "rowid, id, parent, key, path, fullkey, typeof(value), length(value)",
        };
        queries.push(format!("SELECT {columns} FROM {f}({args})"));
    }
    let rows = check_all(&mine, &oracle, &queries, false);
    assert!(
        rows > queries.len() / 2,
        "only {rows} of {} answers were rows",
        queries.len()
    );
}

#[test]
fn joins_over_a_table_of_documents_match_sqlite() {
    let (db, oracle) = engines();
    let mine = db.connect();
    let mut rng = Rng::new(seed(0x6a6f_696e_7462));
    let setup = "CREATE TABLE t(id INTEGER PRIMARY KEY, doc TEXT, p TEXT)";
    mine.execute(setup, &[]).unwrap();
    oracle.execute(setup, []).unwrap();
    for id in 1..=40 {
        let doc = match rng.below(10) {
            0 => "NULL".to_string(),
            _ => quoted(&document(&mut rng, 3)),
        };
        let p = match rng.below(3) {
            0 => "NULL".to_string(),
            _ => quoted(&root(&mut rng).replace("$[", "$.a[")),
        };
        let p = if p.contains("'$") {
            p
        } else {
            "'$'".to_string()
        };
        let insert = format!("INSERT INTO t VALUES ({id}, {doc}, {p})");
        mine.execute(&insert, &[]).unwrap();
        oracle.execute(&insert, []).unwrap();
    }
    let mut queries: Vec<String> = [
        "SELECT t.id, j.* FROM t, json_each(t.doc) AS j",
        "SELECT t.id, j.*, j.root FROM t JOIN json_tree(t.doc, t.p) j",
        "SELECT t.id, j.key, j.value FROM t, json_each(t.doc) j WHERE j.value > 1",
        "SELECT t.id, j.fullkey FROM t LEFT JOIN json_tree(t.doc) j ON j.type = 'integer'",
        "SELECT t.id, count(j.id), max(j.id), sum(j.atom IS NULL) FROM t LEFT JOIN json_tree(t.doc) j ON 1 GROUP BY t.id",
        "SELECT id, (SELECT count(*) FROM json_tree(t.doc)) FROM t",
        "SELECT id FROM t WHERE EXISTS (SELECT 1 FROM json_each(t.doc) WHERE type = 'object')",
        "SELECT id FROM t WHERE 1 IN (SELECT value FROM json_tree(t.doc))",
        "SELECT a.id, b.id FROM t a, json_each(a.doc) j, t b WHERE b.id = j.value",
        "SELECT j.type, count(*), min(j.fullkey) FROM t, json_tree(t.doc) j GROUP BY j.type",
        "SELECT t.id, j.key, k.key FROM t, json_each(t.doc) j, json_each(j.value) k",
        "SELECT json_group_array(j.value) FROM t, json_each(t.doc) j",
        "SELECT DISTINCT j.key FROM t, json_tree(t.doc) j WHERE j.key IS NOT NULL",
    ]
    .iter()
    .map(|q| q.to_string())
    .collect();
    let paths = ["'$.a'", "'$[0]'", "'$.b[1]'", "t.p", "'$'"];
    for _ in 0..200 {
        let f = ["json_each", "json_tree"][rng.below(2) as usize];
        let p = paths[rng.below(paths.len() as u64) as usize];
        let filter = match rng.below(5) {
            0 => "j.type IN ('integer', 'real')",
            1 => "j.atom IS NOT NULL",
            2 => "t.id % 3 = 0",
            3 => "j.key > 'a'",
            _ => "1",
        };
        queries.push(format!(
            "SELECT t.id, j.key, j.value, j.id, j.parent, j.path FROM t, {f}(t.doc, {p}) j WHERE {filter}"
        ));
    }
    let rows = check_all(&mine, &oracle, &queries, true);
    assert!(rows > queries.len() / 2, "only {rows} answers were rows");
}

/// Nesting at SQLite's limit is walked; one more level is malformed.
#[test]
fn nesting_at_the_depth_limit() {
    let (db, oracle) = engines();
    let mine = db.connect();
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    let queries = [
        format!(
            "SELECT count(*), max(id), max(length(path)) FROM json_tree('{}')",
            deep(1000)
        ),
        format!("SELECT * FROM json_each('{}')", deep(1000)),
        format!("SELECT count(*) FROM json_tree('{}')", deep(1001)),
        format!(
            "SELECT fullkey FROM json_tree('{}') WHERE atom IS NOT NULL",
            deep(999)
        ),
    ];
    check_all(&mine, &oracle, &queries, false);
}

#[test]
fn json_tables_survive_every_allocation_failure() {
    let disk = MemoryPlatform::new();
    let mut buffer = vec![0u8; 512 * 1024];
    let arena = Arena::new(&mut buffer).unwrap();
    let fault = FaultAlloc::new(&arena);
    let db = Database::open(&disk, "oom.db", &Config::DEFAULT, &fault).unwrap();
    let conn = db.connect();
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, doc)", &[])
        .unwrap();
    conn.execute(
        "INSERT INTO t VALUES (1, '{\"a\":[1,2.5,\"x\\u00e9\"],\"b\":{\"c\":null}}'), (2, '[[1],[2,[3]]]'), (3, NULL)",
        &[],
    )
    .unwrap();
    for sql in [
        "SELECT t.id, j.* FROM t, json_each(t.doc) j WHERE j.type <> 'null'",
        "SELECT t.id, j.key, j.fullkey, j.path, j.parent FROM t JOIN json_tree(t.doc, '$') j",
        "SELECT t.id, count(*) FROM t LEFT JOIN json_tree(t.doc) j ON j.atom > 1 GROUP BY t.id",
        "SELECT key, path FROM json_tree('{\"a\":{\"x\":1,\"b\":[2,{\"c\":3}]}}', '$.a.b')",
    ] {
        let report = sweep_rows(&fault, &conn, sql);
        assert!(report.failure_points > 0, "{sql}");
    }
    let check = boundlite_tests::compare::V::ours_ok(&conn, "PRAGMA integrity_check");
    assert!(format!("{check:?}").contains("ok"), "{check:?}");
}

/// A document of about 1.3 MiB walked whole: the walk holds a few copies
/// of the document (the argument, its minified form, its text for the
/// `json` column, the root's `value`), never memory that grows with the
/// number of rows.
#[test]
fn memory_is_a_small_multiple_of_the_document() {
    let counting = Counting::new(Global);
    let disk = MemoryPlatform::new();
    let db = Database::open(&disk, "m.db", &Config::DEFAULT, &counting).unwrap();
    let conn = db.connect();
    let elements: Vec<String> = (0..100_000)
        .map(|i| format!("{{\"i\": [{i}, \"v{i}\"]}}"))
        .collect();
    let doc = format!("{{\"k\": [{}]}}", elements.join(", "));
    let len = doc.len();
    for sql in [
        "SELECT count(*), max(id), sum(length(fullkey)) FROM json_tree(?1)",
        "SELECT count(*), sum(length(value)) FROM json_each(?1, '$.k')",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.bind(1, boundlite::record::ValueRef::text(&doc))
            .unwrap();
        counting.reset_peak();
        let before = counting.stats().live_bytes;
        assert!(stmt.step().unwrap().is_some(), "{sql}");
        let peak = counting.stats().peak_bytes - before;
        assert!(
            peak <= 4 * len + (64 << 10),
            "{sql}: {peak} bytes at the peak for a {len}-byte document"
        );
    }
}
