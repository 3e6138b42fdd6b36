//! Run batches of several connections in overlapping transactions, for
//! `--mode mvcc`: a group of one batch per connection, each begun
//! (`BEGIN CONCURRENT`), their statements run round-robin, one statement
//! of each connection in turn, so every transaction of the group is open
//! while the others run; then each commits in connection order. A batch
//! that loses a write conflict (at a statement or at its `COMMIT`) is
//! rolled back and run again, alone, after the group: the first committer
//! wins, the loser retries, as an application does.
//!
//! Invariant: every batch of a group commits exactly once; its statements
//! are counted once whatever its retries.

use super::driver::Session;
use super::error::EngineFailure;
use super::measure::Tally;
use super::workload::WorkItem;

/// Transactions committed, conflicts lost and batches run again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Concurrency {
    /// Transactions committed (one per batch).
    pub commits: u64,
    /// Statements or commits that lost a write conflict.
    pub conflicts: u64,
    /// Batches run again after losing one.
    pub retries: u64,
}

/// How many times a batch is run alone after a conflict before the run
/// stops: alone it has no one to conflict with, so a second loss is a bug.
const RETRIES: u32 = 3;

/// Where one connection's batch of a group stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turn {
    /// Running its statements; the next is at this index.
    Running(usize),
    /// Lost a conflict and was rolled back: runs again after the group.
    Lost,
}

/// Runs `group` (batch `i` on connection `i`) in overlapping
/// transactions, counting into `counts`; `Err` with the statement that
/// failed otherwise (`None` for `BEGIN`/`COMMIT`/`ROLLBACK`).
pub fn run_group<S: Session>(
    session: &mut S,
    group: &[Vec<WorkItem>],
    text: &mut String,
    tally: &mut Tally,
    counts: &mut Concurrency,
) -> Result<(), (S::Error, Option<WorkItem>)> {
    let mut turns = vec![Turn::Running(0); group.len()];
    for conn in 0..group.len() {
        session.begin(conn).map_err(|e| (e, None))?;
    }
    loop {
        let mut ran = false;
        for (conn, items) in group.iter().enumerate() {
            let Turn::Running(next) = turns[conn] else {
                continue;
            };
            let Some(item) = items.get(next) else {
                continue;
            };
            ran = true;
            match session.execute(conn, item, text, tally) {
                Ok(()) => turns[conn] = Turn::Running(next + 1),
                Err(e) if e.is_conflict() => {
                    counts.conflicts += 1;
                    session.rollback(conn).map_err(|e| (e, None))?;
                    turns[conn] = Turn::Lost;
                }
                Err(e) => return Err((e, Some(*item))),
            }
        }
        if !ran {
            break;
        }
    }
    for (conn, turn) in turns.iter_mut().enumerate() {
        if *turn == Turn::Lost {
            continue;
        }
        match session.commit(conn) {
            Ok(()) => counts.commits += 1,
            Err(e) if e.is_conflict() => {
                counts.conflicts += 1;
                session.rollback(conn).map_err(|e| (e, None))?;
                *turn = Turn::Lost;
            }
            Err(e) => return Err((e, None)),
        }
    }
    for (conn, items) in group.iter().enumerate() {
        if turns[conn] == Turn::Lost {
            run_alone(session, conn, items, text, tally, counts)?;
        }
    }
    Ok(())
}

/// Runs `items` on `conn` in a transaction of their own until it commits.
fn run_alone<S: Session>(
    session: &mut S,
    conn: usize,
    items: &[WorkItem],
    text: &mut String,
    tally: &mut Tally,
    counts: &mut Concurrency,
) -> Result<(), (S::Error, Option<WorkItem>)> {
    let mut tries = 0;
    loop {
        counts.retries += 1;
        tries += 1;
        session.begin(conn).map_err(|e| (e, None))?;
        let mut lost = None;
        for item in items {
            if let Err(e) = session.execute(conn, item, text, tally) {
                lost = Some((e, Some(*item)));
                break;
            }
        }
        let failure = match lost {
            None => match session.commit(conn) {
                Ok(()) => {
                    counts.commits += 1;
                    return Ok(());
                }
                Err(e) => (e, None),
            },
            Some(failure) => {
                session.rollback(conn).map_err(|e| (e, None))?;
                failure
            }
        };
        if !failure.0.is_conflict() || tries >= RETRIES {
            return Err(failure);
        }
        counts.conflicts += 1;
    }
}
