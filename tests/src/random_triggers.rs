//! Random tables with random triggers, and random changes that fire
//! them: the schema and statements the trigger differentials run on
//! boundlite and SQLite alike, in WAL and in MVCC mode.
//!
//! The triggers' changes only ever go to a table after the one they are
//! on (the last takes none), so no chain of triggers comes back round to
//! where it started.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]
#![allow(clippy::indexing_slicing)]

use crate::rng::Rng;

/// Column types the random tables take.
pub const TYPES: [&str; 4] = ["", "INTEGER", "TEXT", "REAL"];
/// Values the random rows and statements take.
pub const VALUES: [&str; 8] = ["1", "2", "'2'", "2.5", "NULL", "'x'", "-1", "3"];

/// One of `items`.
pub fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// A condition on `who` (`new`, `old`, or a table's own columns when
/// empty).
pub fn condition(rng: &mut Rng, who: &str) -> String {
    let col = |rng: &mut Rng| {
        let c = pick(rng, &["a", "b", "c", "rowid"]);
        match who {
            "" => c.to_string(),
            _ => format!("{who}.{c}"),
        }
    };
    match rng.below(4) {
        0 => format!("{} > {}", col(rng), pick(rng, &VALUES)),
        1 => format!("{} IS NULL", col(rng)),
        2 => format!("{} = {}", col(rng), col(rng)),
        _ => format!("{} % 2 = 0", col(rng)),
    }
}

/// A statement of a trigger on the table `on` whose rows `who` names.
/// It changes only a table after `on` (`r4` takes no trigger): the
/// triggers' changes never come back round to a table they started
/// from, which would multiply rows in either engine without end.
pub fn action(rng: &mut Rng, on: usize, who: &[&str]) -> String {
    let target = TABLES[on + 1 + rng.below((TABLES.len() - on - 1) as u64) as usize];
    let w = if who.is_empty() { "" } else { pick(rng, who) };
    let value = |rng: &mut Rng| match (w, rng.below(3)) {
        ("", _) | (_, 0) => pick(rng, &VALUES).to_string(),
        (w, _) => format!("{w}.{}", pick(rng, &["a", "b", "c"])),
    };
    match rng.below(6) {
        5 => format!(
            "SELECT RAISE(ABORT, 'stop') WHERE {}",
            if w.is_empty() {
                condition(rng, "")
            } else {
                condition(rng, w)
            }
        ),
        0 | 1 => format!(
            "INSERT INTO {target} VALUES ({}, {}, {})",
            value(rng),
            value(rng),
            value(rng)
        ),
        2 => format!(
            "UPDATE {target} SET {} = {} WHERE {}",
            pick(rng, &["a", "b", "c"]),
            value(rng),
            condition(rng, "")
        ),
        3 => format!("DELETE FROM {target} WHERE {}", condition(rng, "")),
        _ => format!(
            "SELECT RAISE(IGNORE) WHERE {}",
            if w.is_empty() {
                condition(rng, "")
            } else {
                condition(rng, w)
            }
        ),
    }
}

/// The random schema's tables; the last takes no trigger.
pub const TABLES: [&str; 4] = ["r1", "r2", "r3", "r4"];

/// The four tables, a few rows each, and two to six triggers on them.
pub fn random_schema(rng: &mut Rng) -> String {
    let mut sql = String::new();
    for t in TABLES {
        // `r2.a` is unique: a change may fail halfway, or replace rows.
        let unique = if t == "r2" { " UNIQUE" } else { "" };
        sql += &format!(
            "CREATE TABLE {t}(a {}{unique}, b {}, c {});",
            pick(rng, &TYPES),
            pick(rng, &TYPES),
            pick(rng, &TYPES)
        );
        for _ in 0..rng.below(5) {
            sql += &format!(
                "INSERT OR IGNORE INTO {t} VALUES ({}, {}, {});",
                pick(rng, &VALUES),
                pick(rng, &VALUES),
                pick(rng, &VALUES)
            );
        }
    }
    for i in 0..2 + rng.below(5) {
        let on = rng.below(3) as usize;
        let table = TABLES[on];
        let timing = pick(rng, &["BEFORE", "AFTER", ""]);
        let (event, who): (String, &[&str]) = match rng.below(4) {
            0 => ("INSERT".into(), &["new"]),
            1 => ("DELETE".into(), &["old"]),
            2 => ("UPDATE".into(), &["new", "old"]),
            _ => (
                format!("UPDATE OF {}", pick(rng, &["a", "b", "c"])),
                &["new", "old"],
            ),
        };
        let when = match rng.below(3) {
            0 => {
                let w = pick(rng, who);
                format!(" WHEN {}", condition(rng, w))
            }
            _ => String::new(),
        };
        let body: Vec<String> = (0..1 + rng.below(3))
            .map(|_| action(rng, on, who))
            .collect();
        sql += &format!(
            "CREATE TRIGGER g{i} {timing} {event} ON {table}{when} BEGIN {}; END;",
            body.join("; ")
        );
    }
    sql
}

/// An `INSERT`, `UPDATE` or `DELETE` on one of the tables.
pub fn random_change(rng: &mut Rng) -> String {
    let table = pick(rng, &TABLES);
    let or = pick(rng, &["", "", " OR REPLACE", " OR IGNORE"]);
    match rng.below(4) {
        0 => format!(
            "INSERT{or} INTO {table} VALUES ({}, {}, {})",
            pick(rng, &VALUES),
            pick(rng, &VALUES),
            pick(rng, &VALUES)
        ),
        1 => format!(
            "INSERT{or} INTO {table} SELECT b, c, a FROM {} WHERE {} LIMIT 3",
            pick(rng, &TABLES),
            condition(rng, "")
        ),
        2 => format!(
            "UPDATE {table} SET {} = {} WHERE {}",
            pick(rng, &["a", "b", "c"]),
            pick(rng, &VALUES),
            condition(rng, "")
        ),
        _ => format!("DELETE FROM {table} WHERE {}", condition(rng, "")),
    }
}
