//! Power cuts: a crash sweep on the RAM disk, run on the firmware.
//!
//! A small workload (a table, then commits of rows, the last larger than
//! the page cache so it spills) runs on a [`FaultPlatform`] over a fresh
//! RAM disk once to count its writes, truncations and syncs; then, for
//! many of them (see [`STRIDE`]) and each [`CrashPlan`], it runs again on a fresh disk with
//! the power cut right after that operation, the device keeps what the
//! plan says of the unsynced writes, and the database is reopened: every
//! acknowledged commit must be there, the one in flight whole or not at
//! all, and the integrity check `ok`.

use boundlite::alloc::Arena;
use boundlite::platform::{CrashPlan, FaultPlatform, MemoryPlatform, Platform};
use boundlite::record::ValueRef;
use boundlite::{Connection, Database, Error};

use crate::board::say;
use crate::workload::{During, Failure, Outcome, config};

/// Rows of each commit after the table's creation; the last, larger than
/// the cache, spills to the log before it commits.
const COMMITS: [i64; 3] = [40, 40, 800];

/// One cut point in this many, through the workload's operations...
const STRIDE: u64 = 5;
/// ...and every one of its last this many.
const LAST: u64 = 40;

const PLANS: [CrashPlan; 3] = [
    CrashPlan::LoseAll,
    CrashPlan::KeepAll,
    CrashPlan::Random {
        seed: 16,
        tear: true,
    },
];

/// Runs the workload until its first error; returns the commits
/// acknowledged (the table's creation is the first).
fn workload<P: Platform>(conn: &Connection<'_, P, &Arena<'_>>) -> usize {
    if conn
        .execute(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
            &[],
        )
        .is_err()
    {
        return 0;
    }
    let mut done = 1;
    for rows in COMMITS {
        let inserted = conn.execute(
            "INSERT INTO t(v) WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n \
             WHERE x < ?1) SELECT printf('%040d', x) FROM n",
            &[ValueRef::Integer(rows)],
        );
        if inserted.is_err() {
            return done;
        }
        done += 1;
    }
    done
}

/// The rows in the table after `commits` commits, or `None` before it
/// exists.
fn rows_after(commits: usize) -> Option<i64> {
    let inserts = commits.checked_sub(1)?;
    Some(COMMITS.iter().take(inserts).sum())
}

/// The rows in the reopened database, `None` without the table.
fn rows_now<P: Platform>(conn: &Connection<'_, P, &Arena<'_>>) -> Result<Option<i64>, Error> {
    let mut exists = conn.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 't'")?;
    let tables = match exists.step()? {
        Some(row) => row.get_i64(0)?,
        None => 0,
    };
    drop(exists);
    if tables == 0 {
        return Ok(None);
    }
    let mut count = conn.prepare("SELECT count(*) FROM t")?;
    match count.step()? {
        Some(row) => Ok(Some(row.get_i64(0)?)),
        None => Ok(Some(0)),
    }
}

/// One cut after `k` mutations under `plan`; checks what the reopened
/// database holds.
fn cut(heap: &Arena<'_>, disk: &Arena<'_>, k: u64, plan: CrashPlan) -> Outcome<()> {
    let step = "power cut";
    let config = config(heap.stats().capacity);
    let platform = MemoryPlatform::new_in(disk);
    let mut fault = FaultPlatform::new_in(&platform, disk);
    fault.cut_power_after(k);
    let acknowledged = match Database::open(&fault, "cut.db", &config, heap) {
        Ok(db) => workload(&db.connect()),
        Err(_) => 0,
    };
    fault.power_cut(plan).map_err(Error::from).during(step)?;
    let db = Database::open(&platform, "cut.db", &config, heap).during(step)?;
    let conn = db.connect();
    let rows = rows_now(&conn).during(step)?;
    // The commit in flight may land or not; past the last commit there is
    // none, and `rows_after` of one more is the same as of all.
    if rows != rows_after(acknowledged) && rows != rows_after(acknowledged + 1) {
        return Err(Failure::Wrong {
            step: "power cut: rows after reopening",
            expected: rows_after(acknowledged).unwrap_or(-1),
            got: rows.unwrap_or(-1),
        });
    }
    let report = db.integrity_check(0).during(step)?;
    if !report.is_ok() {
        return Err(Failure::WrongText {
            step: "power cut: integrity check",
            expected: "ok",
        });
    }
    Ok(())
}

/// The whole sweep.
pub fn sweep(heap: &Arena<'_>, disk: &Arena<'_>) -> Outcome<()> {
    let config = config(heap.stats().capacity);
    let mutations = {
        let platform = MemoryPlatform::new_in(disk);
        let fault = FaultPlatform::new_in(&platform, disk);
        let db = Database::open(&fault, "cut.db", &config, heap).during("power cut")?;
        let done = workload(&db.connect());
        if done != COMMITS.len() + 1 {
            return Err(Failure::Wrong {
                step: "power cut: the workload without a cut",
                expected: COMMITS.len() as i64 + 1,
                got: done as i64,
            });
        }
        drop(db);
        fault.counts().mutations()
    };
    let mut cuts = 0;
    // Every STRIDE-th operation, and each of the last ones: the large
    // commit's spill and commit frames, the log's sync and the checkpoint.
    let cut_points = (0..mutations).filter(|k| k % STRIDE == 0 || mutations - k <= LAST);
    for k in cut_points {
        for plan in PLANS {
            cut(heap, disk, k, plan)?;
            cuts += 1;
        }
    }
    say(format_args!(
        "power cuts: {cuts} (after every {STRIDE}th of the workload's {mutations} writes, \
         truncations and syncs and each of its last {LAST}, x {} plans: lose all unsynced, \
         keep all, random with torn sectors); every acknowledged commit there, none in part, \
         integrity ok",
        PLANS.len()
    ));
    Ok(())
}
