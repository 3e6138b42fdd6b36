//! The merged cursor against a model: B-tree rows overlaid with what the
//! store shows a transaction, over random trees and random transactions.
// Test scaffolding uses std's collections.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

extern crate std;

use std::collections::BTreeMap;
use std::vec::Vec as StdVec;

use boundlite_platform::MemoryPlatform;

use super::*;
use crate::alloc::Global;
use crate::mvcc::Timestamp;
use crate::mvcc::store::Change;
use crate::test_rng::Rng;
use crate::{Config, Database, TreeKind};

type Rows = BTreeMap<i64, StdVec<u8>>;

fn record(tag: u64, rowid: i64) -> StdVec<u8> {
    // A one-column record holding a blob: long enough now and then to
    // spill to an overflow page of the 4096-byte pages.
    let len = if tag % 7 == 0 {
        5000
    } else {
        (tag % 13) as usize + 1
    };
    let mut bytes = std::vec![0u8; len];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (tag as i64 + i as i64 + rowid) as u8;
    }
    bytes
}

/// All rows of the merged cursor, by `first`/`next`.
fn scan<S: PageSource, B: Allocator + Clone>(
    rows: &mut MergedRows<'_, S, Global>,
    store: &VersionStore<B>,
) -> Rows {
    let mut out = Rows::new();
    let mut on = rows.first(store).unwrap();
    while on {
        rows.with_record(store, |rowid, record| {
            assert!(
                out.insert(rowid.get(), record.to_vec()).is_none(),
                "rowid {rowid:?} twice"
            );
            Ok(())
        })
        .unwrap();
        on = rows.next(store).unwrap();
    }
    out
}

#[test]
fn merged_rows_are_the_tree_overlaid_with_the_versions_seen() {
    let mut checked = 0;
    for seed in 1..=25u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let disk = MemoryPlatform::new();
        let db = Database::open(&disk, "m.db", &Config::DEFAULT, Global).unwrap();
        let txn = db.begin_write().unwrap();
        let root = txn.create_tree(TreeKind::Table).unwrap();
        let mut tree = Rows::new();
        for rowid in -20..40 {
            if rng.below(2) == 0 {
                let r = record(rng.below(1000), rowid);
                txn.insert_row(root, RowId::new(rowid), &r).unwrap();
                tree.insert(rowid, r);
            }
        }
        txn.commit().unwrap();
        let mut store = VersionStore::new_in(Global, 1 << 24, Timestamp::ZERO);
        let mut committed = tree.clone();
        let mut reader = None;
        for round in 0..6 {
            if round == 3 {
                reader = Some((store.begin().unwrap(), committed.clone()));
            }
            let t = store.begin().unwrap();
            for _ in 0..8 {
                let rowid = rng.below(70) as i64 - 25;
                let change = if rng.below(3) == 0 {
                    committed.remove(&rowid);
                    Change::Delete
                } else {
                    let r = record(rng.below(1000), rowid);
                    committed.insert(rowid, r);
                    Change::Update(committed.get(&rowid).unwrap())
                };
                let mut copy = StdVec::new();
                let change = match change {
                    Change::Update(r) => {
                        copy.extend_from_slice(r);
                        Change::Update(&copy)
                    }
                    other => other,
                };
                store.write(t, root, RowId::new(rowid), change).unwrap();
            }
            store.commit(t, |_, _| Ok(())).unwrap();
        }
        // The reader's own pending changes on top of its snapshot.
        let (t, mut want) = reader.unwrap();
        for _ in 0..6 {
            let rowid = rng.below(70) as i64 - 25;
            let r = record(rng.below(1000), rowid);
            let change = if rng.below(2) == 0 {
                Change::Delete
            } else {
                Change::Update(&r)
            };
            // A row committed since the reader's snapshot is refused, and
            // the refusal changes nothing.
            match store.write(t, root, RowId::new(rowid), change) {
                Ok(()) if change == Change::Delete => {
                    want.remove(&rowid);
                }
                Ok(()) => {
                    want.insert(rowid, r.clone());
                }
                Err(e) => assert_eq!(e, Error::BusyConflict),
            }
        }
        let mut rows = MergedRows::new(db.table_cursor(root), t);
        assert_eq!(scan(&mut rows, &store), want, "seed {seed}");
        // A commit between moves changes nothing the reader sees.
        let mut on = rows.first(&store).unwrap();
        let w = store.begin().unwrap();
        store
            .write(w, root, RowId::new(-30), Change::Insert(b"late"))
            .unwrap();
        store
            .write(w, root, RowId::new(100), Change::Insert(b"late"))
            .unwrap();
        store.commit(w, |_, _| Ok(())).unwrap();
        let mut seen = StdVec::new();
        while on {
            seen.push(rows.rowid().unwrap().get());
            on = rows.next(&store).unwrap();
        }
        assert_eq!(
            seen,
            want.keys().copied().collect::<StdVec<_>>(),
            "seed {seed}"
        );
        assert_eq!(
            rows.last_rowid(&store).unwrap().map(RowId::get),
            want.keys().next_back().copied(),
            "seed {seed} last"
        );
        // Seeks land where the model says.
        for target in -27..47 {
            let ge = want.range(target..).next().map(|(k, _)| *k);
            let found = rows.seek(&store, RowId::new(target), SeekMode::Ge).unwrap();
            assert_eq!(
                found.then(|| rows.rowid().unwrap().get()),
                ge,
                "seed {seed} ge {target}"
            );
            let eq = rows.seek(&store, RowId::new(target), SeekMode::Eq).unwrap();
            assert_eq!(eq, want.contains_key(&target), "seed {seed} eq {target}");
            if eq {
                let r = rows.with_record(&store, |_, r| Ok(r.to_vec())).unwrap();
                assert_eq!(&r, want.get(&target).unwrap());
            }
            checked += 1;
        }
        assert!(matches!(
            rows.seek(&store, RowId::new(0), SeekMode::Lt),
            Err(Error::Misuse(_))
        ));
    }
    assert!(checked > 1000);
}
