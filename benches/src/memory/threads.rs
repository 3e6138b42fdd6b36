//! Run the connections' batches on threads of their own, for
//! `--threads`: connection `i` runs batches `i`, `i + N`, ... on thread
//! `i`, each batch in a transaction, a batch that loses a write conflict
//! rolled back and run again by its thread until it commits.
//!
//! The engine stays on the calling thread: a boundlite `Database` and
//! its connections are `!Sync` (the core is single-threaded by design),
//! and a connection borrows its database, so it cannot move to another
//! thread while its transaction is open, nor live across holds of
//! `boundlite_std::SharedDatabase`'s lock (which runs a whole
//! transaction per hold, never two at once). The calling thread serves
//! the threads' requests one at a time, in the order they arrive, as a
//! mutex around the engine would. In overlapping mode (MVCC) a request
//! is one statement, `BEGIN`, `COMMIT` or `ROLLBACK`, so the threads'
//! transactions stay open across each other's statements and the
//! interleaving is whatever the scheduler makes it; otherwise (WAL) a
//! request is a whole batch, as a writer holding the write lock runs it.
//!
//! Invariant: every batch commits exactly once; its statements are
//! counted once whatever its retries.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread;

use super::driver::Session;
use super::error::EngineFailure;
use super::measure::Tally;
use super::overlap::Concurrency;
use super::workload::WorkItem;

/// Tries of one batch before its thread gives up: first committer wins,
/// so some transaction always commits, but one thread may keep losing
/// a hot row to the others for a while.
const TRIES: u32 = 100_000;

/// What a thread asks the engine to do on its connection.
#[derive(Debug, Clone, Copy)]
enum Request {
    Begin,
    Execute(WorkItem),
    Commit,
    Rollback,
    /// `BEGIN`, the items of the thread's batch `batch`, `COMMIT`.
    Batch(usize),
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    Done,
    /// Lost a write conflict: the transaction must be rolled back.
    Conflict,
    /// Failed otherwise: the engine keeps the error and the thread stops.
    Failed,
}

/// One request, from connection `conn`, answered on `reply`.
struct Message {
    conn: usize,
    request: Request,
    reply: Sender<Reply>,
}

/// Runs `batches` (connection `i`'s in `batches[i]`) on one thread per
/// connection, serving their requests on this thread, counting into
/// `counts`; `Err` with the first failure and the item that failed
/// (`None` for `BEGIN`/`COMMIT`/`ROLLBACK`).
pub fn run<S: Session>(
    session: &mut S,
    batches: &[Vec<Vec<WorkItem>>],
    text: &mut String,
    tally: &mut Tally,
    counts: &mut Concurrency,
) -> Result<(), (S::Error, Option<WorkItem>)> {
    let overlaps = session.overlaps();
    let (send, receive) = channel::<Message>();
    let mut failure = None;
    let totals = thread::scope(|scope| {
        let workers: Vec<_> = batches
            .iter()
            .enumerate()
            .map(|(conn, mine)| {
                let send = send.clone();
                scope.spawn(move || worker(conn, mine, overlaps, &send))
            })
            .collect();
        drop(send);
        failure = serve(session, batches, &receive, text, tally);
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect::<Vec<_>>()
    });
    for c in totals {
        counts.commits += c.commits;
        counts.conflicts += c.conflicts;
        counts.retries += c.retries;
    }
    match failure {
        Some(failed) => Err(failed),
        None => Ok(()),
    }
}

/// Answers requests until every thread is done; the first failure,
/// after which every request is answered [`Reply::Failed`].
fn serve<S: Session>(
    session: &mut S,
    batches: &[Vec<Vec<WorkItem>>],
    receive: &Receiver<Message>,
    text: &mut String,
    tally: &mut Tally,
) -> Option<(S::Error, Option<WorkItem>)> {
    let mut failure = None;
    while let Ok(Message {
        conn,
        request,
        reply,
    }) = receive.recv()
    {
        let answer = if failure.is_some() {
            Reply::Failed
        } else {
            let done = match request {
                Request::Begin => session.begin(conn).map_err(|e| (e, None)),
                Request::Execute(item) => session
                    .execute(conn, &item, text, tally)
                    .map_err(|e| (e, Some(item))),
                Request::Commit => session.commit(conn).map_err(|e| (e, None)),
                Request::Rollback => session.rollback(conn).map_err(|e| (e, None)),
                Request::Batch(at) => {
                    let items = batches
                        .get(conn)
                        .and_then(|b| b.get(at))
                        .map_or(&[][..], Vec::as_slice);
                    run_batch(session, conn, items, text, tally)
                }
            };
            match done {
                Ok(()) => Reply::Done,
                Err((e, _)) if e.is_conflict() => Reply::Conflict,
                Err(failed) => {
                    failure = Some(failed);
                    Reply::Failed
                }
            }
        };
        // A thread that stopped waiting has nothing left to learn.
        let _ = reply.send(answer);
    }
    failure
}

/// `BEGIN`, `items`, `COMMIT` on `conn`; after a failure the
/// transaction is the caller's to roll back.
fn run_batch<S: Session>(
    session: &mut S,
    conn: usize,
    items: &[WorkItem],
    text: &mut String,
    tally: &mut Tally,
) -> Result<(), (S::Error, Option<WorkItem>)> {
    session.begin(conn).map_err(|e| (e, None))?;
    for item in items {
        session
            .execute(conn, item, text, tally)
            .map_err(|e| (e, Some(*item)))?;
    }
    session.commit(conn).map_err(|e| (e, None))
}

/// Connection `conn`'s thread: its batches in turn, each until it
/// commits; stops at the first failure.
fn worker(
    conn: usize,
    batches: &[Vec<WorkItem>],
    overlaps: bool,
    send: &Sender<Message>,
) -> Concurrency {
    let (reply, answers) = channel();
    let ask = |request| {
        let message = Message {
            conn,
            request,
            reply: reply.clone(),
        };
        if send.send(message).is_err() {
            return Reply::Failed;
        }
        answers.recv().unwrap_or(Reply::Failed)
    };
    let mut counts = Concurrency::default();
    for (at, items) in batches.iter().enumerate() {
        let mut tries = 0;
        loop {
            tries += 1;
            let outcome = if overlaps {
                statements(&ask, items)
            } else {
                ask(Request::Batch(at))
            };
            match outcome {
                Reply::Done => {
                    counts.commits += 1;
                    break;
                }
                Reply::Failed => return counts,
                Reply::Conflict => {
                    counts.conflicts += 1;
                    if tries >= TRIES || ask(Request::Rollback) == Reply::Failed {
                        return counts;
                    }
                    counts.retries += 1;
                }
            }
        }
    }
    counts
}

/// One batch as separate requests: `BEGIN`, each item, `COMMIT`.
fn statements(ask: &impl Fn(Request) -> Reply, items: &[WorkItem]) -> Reply {
    let begun = ask(Request::Begin);
    if begun != Reply::Done {
        return begun;
    }
    for &item in items {
        let done = ask(Request::Execute(item));
        if done != Reply::Done {
            return done;
        }
    }
    ask(Request::Commit)
}
