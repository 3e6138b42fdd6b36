//! The join workloads, shared by the `join` bench and the `join_probe`
//! example: `parent(id INTEGER PRIMARY KEY, name TEXT)` (1,000 rows),
//! `child(id INTEGER PRIMARY KEY, pid INTEGER, v REAL)` (10,000 rows,
//! indexed on `pid`), six small tables for a chain of comma joins, and
//! the queries over them.

/// The rows of `parent`.
pub const PARENTS: i64 = 1_000;
/// The rows of `child`.
pub const CHILDREN: i64 = 10_000;

/// The schema and rows of `parent` and `child`, the same on both engines.
pub fn setup() -> String {
    let mut sql = String::from(
        "CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE child(id INTEGER PRIMARY KEY, pid INTEGER, v REAL);
         CREATE INDEX child_pid ON child(pid);
         BEGIN;",
    );
    for i in 1..=PARENTS {
        sql += &format!("INSERT INTO parent VALUES ({i}, 'parent_{i}');");
    }
    for i in 1..=CHILDREN {
        let pid = (i * 7_919) % PARENTS + 1;
        sql += &format!("INSERT INTO child VALUES ({i}, {pid}, {i}.5);");
    }
    sql += "COMMIT;";
    sql
}

/// Each parent with each of its children, the inner loop an index seek.
pub const JOIN: &str = "SELECT p.name, c.v FROM parent p JOIN child c ON c.pid = p.id";

/// The parents with a child past 9000, a correlated `EXISTS`.
pub const EXISTS: &str = "SELECT count(*) FROM parent p WHERE EXISTS \
     (SELECT 1 FROM child c WHERE c.pid = p.id AND c.v > 9000.0)";

/// The parents with a child past 9000, a correlated `IN (SELECT ...)`.
pub const IN_SELECT: &str = "SELECT count(*) FROM parent p WHERE p.id IN \
     (SELECT c.pid FROM child c WHERE c.pid = p.id AND c.v > 9000.0)";

/// Each parent's largest child value, a correlated scalar subquery.
pub const SCALAR: &str =
    "SELECT sum((SELECT max(c.v) FROM child c WHERE c.pid = p.id)) FROM parent p";

/// `SELECT * FROM child WHERE id IN (...)` with 1,000 scattered ids.
pub fn in_list() -> String {
    let ids: Vec<String> = (0..1_000)
        .map(|i| ((i * 37) % CHILDREN + 1).to_string())
        .collect();
    format!("SELECT * FROM child WHERE id IN ({})", ids.join(","))
}

/// Six tables `s1`..`s6` of ten rows, `a` 1..10 and `b` = 11 - `a`.
pub fn chain_setup() -> String {
    let mut sql = String::new();
    for t in 1..=6 {
        sql += &format!("CREATE TABLE s{t}(a INTEGER, b INTEGER, c TEXT);");
        for a in 1..=10 {
            sql += &format!("INSERT INTO s{t} VALUES ({a}, {}, 'row {a}');", 11 - a);
        }
    }
    sql
}

/// The six tables joined by terms in another order than `FROM`'s.
pub const CHAIN: &str = "SELECT s1.c, s2.c, s3.c, s4.c, s5.c, s6.c \
     FROM s1, s2, s3, s4, s5, s6 \
     WHERE s4.a = s3.b AND s1.a = s6.b AND s5.a = s3.b AND s2.a = s6.b AND s4.b = s2.a";
