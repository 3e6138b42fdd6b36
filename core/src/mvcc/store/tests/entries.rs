//! Entry sets against a model: after random writes, statement undos and
//! other transactions' commits (whose GC drops sets), a transaction's
//! entry set walks exactly the entries of the rows it sees, and every
//! byte they held is given back once the transactions end.

use super::*;
use core::cmp::Ordering;

/// An entry is the record then the rowid; a record starting with an odd
/// byte has none (as a partial index's `WHERE` leaves a row out).
struct Maker;

impl EntryMaker<Global> for Maker {
    fn entry(&mut self, rowid: RowId, record: &[u8], out: &mut Vec<u8, Global>) -> Result<bool> {
        if record.first().is_some_and(|b| b % 2 == 1) {
            return Ok(false);
        }
        out.clear();
        out.try_extend_from_slice(record)?;
        out.try_extend_from_slice(&rowid.get().to_be_bytes())?;
        Ok(true)
    }

    fn compare(&mut self, a: &[u8], b: &[u8]) -> Result<Ordering> {
        Ok(a.cmp(b))
    }
}

/// The entries `txn` sees, from its reads of every row.
fn model(store: &VersionStore<Global>, txn: TxnId, table: PageNo) -> StdVec<StdVec<u8>> {
    let mut out = StdVec::new();
    for rowid in 0..2 * ROWS {
        if let Seen::Row(record) = store.read(txn, table, id(rowid)).unwrap() {
            let mut entry = Vec::new_in(Global);
            if Maker.entry(id(rowid), record, &mut entry).unwrap() {
                out.push(entry.as_slice().to_vec());
            }
        }
    }
    out.sort();
    out
}

/// The entries of `txn`'s set, walked in order.
fn walk(store: &mut VersionStore<Global>, txn: TxnId, table: PageNo) -> StdVec<StdVec<u8>> {
    store.sync_entries(txn, table, INDEX, &mut Maker).unwrap();
    let mut out: StdVec<StdVec<u8>> = StdVec::new();
    loop {
        let last = out.last().cloned();
        let next = store
            .first_entry_where(txn, INDEX, |e| Ok(last.as_deref().is_none_or(|l| e > l)))
            .unwrap();
        match next {
            Some(e) => out.push(e.to_vec()),
            None => return out,
        }
    }
}

const ROWS: i64 = 40;
const INDEX: PageNo = match PageNo::new(9) {
    Some(p) => p,
    None => PageNo::ONE,
};

#[test]
fn entry_sets_agree_with_what_their_transaction_sees() {
    let table = root(2);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _round in 0..20 {
        let mut store = store();
        let first = store.begin().unwrap();
        for rowid in 0..ROWS / 2 {
            let record = [rng.below(6) as u8, rowid as u8];
            store
                .write(first, table, id(rowid), Change::Insert(&record))
                .unwrap();
        }
        commit(&mut store, first).unwrap();
        let long = store.begin().unwrap();
        store.begin_statement(long).unwrap();
        for _ in 0..300 {
            let rowid = id(rng.below(ROWS as u64) as i64);
            let record = [rng.below(6) as u8, rng.below(256) as u8];
            match rng.below(10) {
                0..=4 => store
                    .write(long, table, rowid, Change::Update(&record))
                    .unwrap(),
                5 => store.write(long, table, rowid, Change::Delete).unwrap(),
                6 => {
                    store.undo_statement(long).unwrap();
                    store.begin_statement(long).unwrap();
                }
                7 => {
                    store.end_statement(long).unwrap();
                    store.begin_statement(long).unwrap();
                }
                _ => {
                    let other = store.begin().unwrap();
                    let theirs = id(ROWS + rng.below(ROWS as u64) as i64);
                    store
                        .write(other, table, theirs, Change::Update(&record))
                        .unwrap();
                    commit(&mut store, other).unwrap();
                }
            }
            if rng.below(3) == 0 {
                assert_eq!(walk(&mut store, long, table), model(&store, long, table));
            }
        }
        assert_eq!(walk(&mut store, long, table), model(&store, long, table));
        assert!(store.entries_made() > 0);
        commit(&mut store, long).unwrap();
        let last = store.clock();
        store.checkpointed(last).unwrap();
        assert_eq!(
            store.used(),
            0,
            "bytes left counted after every transaction ended"
        );
    }
}
