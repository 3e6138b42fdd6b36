//! Hermitage's isolation tests (github.com/ept/hermitage) as interleavings
//! of store transactions on its table `test(id, value)` holding (1, 10)
//! and (2, 20). Snapshot isolation with first-committer-wins prevents G0,
//! G1a, G1b, G1c, OTV, PMP, P4 and G-single, and allows G2-item and G2
//! (write skew), as Hermitage records for PostgreSQL's repeatable read.
//! Where PostgreSQL blocks a second writer until the first ends, this
//! store lets it write and fails it with `BusyConflict` once the first
//! commits.

use super::*;

/// The store after Hermitage's setup commit.
fn setup() -> VersionStore<Global> {
    let mut s = store();
    let t = s.begin().unwrap();
    set_new(&mut s, t, 1, 10);
    set_new(&mut s, t, 2, 20);
    commit(&mut s, t).unwrap();
    s
}

fn set_new(s: &mut VersionStore<Global>, t: TxnId, row: i64, value: i64) {
    s.write(t, root(T), id(row), Change::Insert(&value.to_be_bytes()))
        .unwrap();
}

/// `update test set value = value where id = row`.
fn set(s: &mut VersionStore<Global>, t: TxnId, row: i64, value: i64) -> Result<()> {
    s.write(t, root(T), id(row), Change::Update(&value.to_be_bytes()))
}

/// `select value from test where id = row`.
fn get(s: &VersionStore<Global>, t: TxnId, row: i64) -> Option<i64> {
    match s.read(t, root(T), id(row)).unwrap() {
        Seen::Row(r) => Some(i64::from_be_bytes(r.try_into().unwrap())),
        Seen::Deleted | Seen::Unversioned => None,
    }
}

/// `select id, value from test where pick(value)`, by a scan.
fn select(s: &VersionStore<Global>, t: TxnId, pick: impl Fn(i64) -> bool) -> StdVec<(i64, i64)> {
    let mut out = StdVec::new();
    let mut after = None;
    while let Some((rowid, seen)) = s.next_row(t, root(T), after).unwrap() {
        if let Seen::Row(r) = seen {
            let value = i64::from_be_bytes(r.try_into().unwrap());
            if pick(value) {
                out.push((rowid.get(), value));
            }
        }
        after = Some(rowid);
    }
    out
}

fn all(s: &mut VersionStore<Global>) -> StdVec<(i64, i64)> {
    let t = s.begin().unwrap();
    let rows = select(s, t, |_| true);
    s.rollback(t).unwrap();
    rows
}

#[test]
fn g0_write_cycles_are_prevented() {
    let mut s = setup();
    let (t1, t2) = (s.begin().unwrap(), s.begin().unwrap());
    set(&mut s, t1, 1, 11).unwrap();
    set(&mut s, t2, 1, 12).unwrap();
    set(&mut s, t1, 2, 21).unwrap();
    commit(&mut s, t1).unwrap();
    assert_eq!(set(&mut s, t2, 2, 22), Err(Error::BusyConflict));
    s.rollback(t2).unwrap();
    assert_eq!(all(&mut s), [(1, 11), (2, 21)]);
}

#[test]
fn g1a_aborted_reads_are_prevented() {
    let mut s = setup();
    let (t1, t2) = (s.begin().unwrap(), s.begin().unwrap());
    set(&mut s, t1, 1, 101).unwrap();
    assert_eq!(select(&s, t2, |_| true), [(1, 10), (2, 20)]);
    s.rollback(t1).unwrap();
    assert_eq!(select(&s, t2, |_| true), [(1, 10), (2, 20)]);
    commit(&mut s, t2).unwrap();
}

#[test]
fn g1b_intermediate_reads_are_prevented() {
    let mut s = setup();
    let (t1, t2) = (s.begin().unwrap(), s.begin().unwrap());
    set(&mut s, t1, 1, 101).unwrap();
    assert_eq!(select(&s, t2, |_| true), [(1, 10), (2, 20)]);
    set(&mut s, t1, 1, 11).unwrap();
    commit(&mut s, t1).unwrap();
    assert_eq!(select(&s, t2, |_| true), [(1, 10), (2, 20)]);
    commit(&mut s, t2).unwrap();
}

#[test]
fn g1c_circular_information_flow_is_prevented() {
    let mut s = setup();
    let (t1, t2) = (s.begin().unwrap(), s.begin().unwrap());
    set(&mut s, t1, 1, 11).unwrap();
    set(&mut s, t2, 2, 22).unwrap();
    assert_eq!(get(&s, t1, 2), Some(20));
    assert_eq!(get(&s, t2, 1), Some(10));
    commit(&mut s, t1).unwrap();
    commit(&mut s, t2).unwrap();
}

#[test]
fn otv_observed_transaction_vanishes_is_prevented() {
    let mut s = setup();
    let (t1, t2) = (s.begin().unwrap(), s.begin().unwrap());
    set(&mut s, t1, 1, 11).unwrap();
    set(&mut s, t1, 2, 19).unwrap();
    set(&mut s, t2, 1, 12).unwrap();
    commit(&mut s, t1).unwrap();
    let t3 = s.begin().unwrap();
    assert_eq!((get(&s, t3, 1), get(&s, t3, 2)), (Some(11), Some(19)));
    assert_eq!(set(&mut s, t2, 2, 18), Err(Error::BusyConflict));
    assert_eq!((get(&s, t3, 1), get(&s, t3, 2)), (Some(11), Some(19)));
    s.rollback(t2).unwrap();
    commit(&mut s, t3).unwrap();
}

#[test]
fn pmp_predicate_many_preceders_is_prevented() {
    let mut s = setup();
    let (t1, t2) = (s.begin().unwrap(), s.begin().unwrap());
    assert_eq!(select(&s, t1, |v| v == 30), []);
    set_new(&mut s, t2, 3, 30);
    commit(&mut s, t2).unwrap();
    assert_eq!(select(&s, t1, |v| v % 3 == 0), []);
    commit(&mut s, t1).unwrap();
}

#[test]
fn p4_lost_update_is_prevented() {
    let mut s = setup();
    let (t1, t2) = (s.begin().unwrap(), s.begin().unwrap());
    assert_eq!(get(&s, t1, 1), Some(10));
    assert_eq!(get(&s, t2, 1), Some(10));
    set(&mut s, t1, 1, 11).unwrap();
    set(&mut s, t2, 1, 11).unwrap();
    commit(&mut s, t1).unwrap();
    assert_eq!(commit(&mut s, t2), Err(Error::BusyConflict));
    assert_eq!(all(&mut s), [(1, 11), (2, 20)]);
}

#[test]
fn g_single_read_skew_is_prevented() {
    let mut s = setup();
    let (t1, t2) = (s.begin().unwrap(), s.begin().unwrap());
    assert_eq!(get(&s, t1, 1), Some(10));
    assert_eq!((get(&s, t2, 1), get(&s, t2, 2)), (Some(10), Some(20)));
    set(&mut s, t2, 1, 12).unwrap();
    set(&mut s, t2, 2, 18).unwrap();
    commit(&mut s, t2).unwrap();
    assert_eq!(get(&s, t1, 2), Some(20));
    commit(&mut s, t1).unwrap();
}

#[test]
fn g2_item_write_skew_is_allowed() {
    let mut s = setup();
    let (t1, t2) = (s.begin().unwrap(), s.begin().unwrap());
    assert_eq!(select(&s, t1, |_| true), [(1, 10), (2, 20)]);
    assert_eq!(select(&s, t2, |_| true), [(1, 10), (2, 20)]);
    set(&mut s, t1, 1, 11).unwrap();
    set(&mut s, t2, 2, 21).unwrap();
    commit(&mut s, t1).unwrap();
    commit(&mut s, t2).unwrap();
    assert_eq!(all(&mut s), [(1, 11), (2, 21)]);
}

#[test]
fn g2_anti_dependency_cycles_are_allowed() {
    let mut s = setup();
    let (t1, t2) = (s.begin().unwrap(), s.begin().unwrap());
    assert_eq!(select(&s, t1, |v| v % 3 == 0), []);
    assert_eq!(select(&s, t2, |v| v % 3 == 0), []);
    set_new(&mut s, t1, 3, 30);
    set_new(&mut s, t2, 4, 42);
    commit(&mut s, t1).unwrap();
    commit(&mut s, t2).unwrap();
    assert_eq!(all(&mut s), [(1, 10), (2, 20), (3, 30), (4, 42)]);
}
