//! `SharedDatabase`: threads sharing one database, their work
//! serialized; a thread that panics mid-transaction leaves it rolled
//! back and the database usable.

use boundlite::{TransactionBehavior, params};
use boundlite_std::SharedDatabase;

fn send_sync<T: Send + Sync + Clone>() {}

#[test]
fn threads_share_one_database() {
    send_sync::<SharedDatabase>();
    let dir = tempfile::tempdir().unwrap();
    let shared = SharedDatabase::open(dir.path().join("shared.db")).unwrap();
    shared
        .with_connection(|conn| conn.execute("CREATE TABLE t(thread INTEGER, n INTEGER)", ()))
        .unwrap();
    let threads: Vec<_> = (0..8i64)
        .map(|thread| {
            let shared = shared.clone();
            std::thread::spawn(move || {
                for n in 0..50i64 {
                    shared
                        .with_connection(|conn| {
                            let tx =
                                conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                            tx.execute("INSERT INTO t VALUES (?1, ?2)", params![thread, n])?;
                            tx.execute("INSERT INTO t VALUES (?1, ?2)", params![thread, -n])?;
                            tx.commit()
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let db = shared.lock();
    let conn = db.connect();
    let (rows, sum): (i64, i64) = conn
        .query_row("SELECT count(*), sum(n) FROM t", (), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((rows, sum), (800, 0));
    assert!(db.integrity_check(0).unwrap().is_ok());
}

#[test]
fn a_thread_that_panics_mid_transaction_rolls_it_back() {
    let shared = SharedDatabase::open(":memory:").unwrap();
    shared
        .with_connection(|conn| conn.execute("CREATE TABLE t(x)", ()))
        .unwrap();
    let panicking = shared.clone();
    let joined = std::thread::spawn(move || {
        panicking
            .with_connection(|conn| {
                let tx = conn.transaction()?;
                tx.execute("INSERT INTO t VALUES (1)", ())?;
                panic!("the thread fails with the transaction open");
                #[allow(unreachable_code)]
                tx.commit()
            })
            .unwrap();
    })
    .join();
    assert!(joined.is_err());
    let count: i64 = shared
        .with_connection(|conn| {
            assert!(!conn.in_transaction());
            conn.execute("INSERT INTO t VALUES (2)", ())?;
            conn.query_row("SELECT count(*) FROM t", (), |r| r.get(0))
        })
        .unwrap();
    assert_eq!(count, 1);
}
