# Writes tests/slt/foreign_keys.slt (run from the repository root): each
# statement runs through SQLite (Python's sqlite3 module, isolation_level
# None) and its outcome or rows become the expected results.
import sqlite3
head = """# Foreign keys enforced with PRAGMA foreign_keys = ON: child checks by
# rowid and by a UNIQUE parent index, NULL keys, ON DELETE / ON UPDATE
# CASCADE, SET NULL, SET DEFAULT, RESTRICT and NO ACTION, cascades that
# recurse (a self-referencing tree), composite keys, immediate keys
# checked at statement end, deferred keys checked at COMMIT (which fails
# and leaves the transaction open), PRAGMA defer_foreign_keys, the
# "foreign key mismatch" and missing parent errors, and PRAGMA
# foreign_key_check. Expected results were produced by SQLite (Python's
# sqlite3 module, isolation_level None) running the same statements.
"""
script = [
 ("s", "PRAGMA foreign_keys = ON"),
 ("q", "PRAGMA foreign_keys", "I"),
 ("s", "CREATE TABLE artist(id INTEGER PRIMARY KEY, name TEXT UNIQUE)"),
 ("s", "CREATE TABLE track(id INTEGER PRIMARY KEY, artist INTEGER REFERENCES artist(id) ON DELETE CASCADE ON UPDATE CASCADE, byname TEXT REFERENCES artist(name) ON DELETE SET NULL ON UPDATE RESTRICT)"),
 ("s", "INSERT INTO artist VALUES (1, 'ada'), (2, 'bob'), (3, 'cy')"),
 ("s", "INSERT INTO track(artist, byname) VALUES (1, 'ada'), (1, 'bob'), (2, NULL), (NULL, 'cy'), (3, 'cy')"),
 ("e", "INSERT INTO track(artist) VALUES (9)"),
 ("e", "INSERT INTO track(artist, byname) VALUES (1, 'zed')"),
 ("s", "INSERT INTO track(artist, byname) VALUES ('2', NULL)"),
 ("e", "INSERT INTO track(artist) VALUES ('two')"),
 ("e", "INSERT INTO track(artist) VALUES (1), (9)"),
 ("q", "SELECT count(*) FROM track", "I"),
 ("e", "UPDATE track SET artist = 7 WHERE id = 1"),
 ("s", "UPDATE artist SET id = 10 WHERE id = 1"),
 ("q", "SELECT id, artist, byname FROM track ORDER BY id", "IIT"),
 ("e", "UPDATE artist SET name = 'ADA' WHERE id = 10"),
 ("s", "UPDATE artist SET name = 'dan' WHERE id = 2 AND 0"),
 ("s", "DELETE FROM artist WHERE id = 3"),
 ("q", "SELECT id, artist, byname FROM track ORDER BY id", "IIT"),
 ("s", "DELETE FROM artist WHERE name = 'bob'"),
 ("q", "SELECT id, artist, byname FROM track ORDER BY id", "IIT"),
 ("s", "CREATE TABLE dept(id INTEGER PRIMARY KEY)"),
 ("s", "CREATE TABLE emp(id INTEGER PRIMARY KEY, dept INTEGER DEFAULT 1 REFERENCES dept ON DELETE SET DEFAULT)"),
 ("s", "INSERT INTO dept VALUES (1), (2)"),
 ("s", "INSERT INTO emp(dept) VALUES (2), (2), (1)"),
 ("s", "DELETE FROM dept WHERE id = 2"),
 ("q", "SELECT id, dept FROM emp ORDER BY id", "II"),
 ("e", "DELETE FROM dept WHERE id = 1"),
 ("q", "SELECT count(*) FROM dept", "I"),
 ("s", "CREATE TABLE keep(id INTEGER PRIMARY KEY, p INTEGER REFERENCES dept ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED)"),
 ("s", "INSERT INTO dept VALUES (5)"),
 ("s", "INSERT INTO keep(p) VALUES (5)"),
 ("s", "BEGIN"),
 ("e", "DELETE FROM dept WHERE id = 5"),
 ("s", "ROLLBACK"),
 ("s", "CREATE TABLE node(id INTEGER PRIMARY KEY, up INTEGER REFERENCES node(id) ON DELETE CASCADE)"),
 ("s", "INSERT INTO node VALUES (1, NULL), (2, 1), (3, 2), (4, 3), (5, 1), (6, 6)"),
 ("s", "DELETE FROM node WHERE id = 2"),
 ("q", "SELECT id, up FROM node ORDER BY id", "II"),
 ("s", "DELETE FROM node WHERE id = 6"),
 ("q", "SELECT id, up FROM node ORDER BY id", "II"),
 ("s", "CREATE TABLE pair(x, y, PRIMARY KEY(x, y))"),
 ("s", "CREATE TABLE ref(a, b, FOREIGN KEY(a, b) REFERENCES pair ON UPDATE CASCADE)"),
 ("s", "INSERT INTO pair VALUES (1, 'a'), (2, 'b')"),
 ("s", "INSERT INTO ref VALUES (1, 'a'), (2, NULL), (NULL, 'zz')"),
 ("e", "INSERT INTO ref VALUES (1, 'b')"),
 ("s", "UPDATE pair SET y = 'c' WHERE x = 1"),
 ("q", "SELECT a, b FROM ref ORDER BY rowid", "IT"),
 ("s", "CREATE TABLE later(id INTEGER PRIMARY KEY, p INTEGER REFERENCES dept DEFERRABLE INITIALLY DEFERRED)"),
 ("s", "BEGIN"),
 ("s", "INSERT INTO later(p) VALUES (42)"),
 ("e", "COMMIT"),
 ("q", "SELECT count(*) FROM later", "I"),
 ("s", "INSERT INTO dept VALUES (42)"),
 ("s", "COMMIT"),
 ("q", "SELECT p FROM later", "I"),
 ("e", "INSERT INTO later(p) VALUES (43)"),
 ("s", "BEGIN"),
 ("s", "PRAGMA defer_foreign_keys = ON"),
 ("q", "PRAGMA defer_foreign_keys", "I"),
 ("s", "INSERT INTO emp(dept) VALUES (77)"),
 ("s", "PRAGMA foreign_keys = OFF"),
 ("q", "PRAGMA foreign_keys", "I"),
 ("e", "COMMIT"),
 ("s", "UPDATE emp SET dept = 1 WHERE dept = 77"),
 ("s", "COMMIT"),
 ("q", "PRAGMA defer_foreign_keys", "I"),
 ("s", "CREATE TABLE bad(x REFERENCES artist(byname))"),
 ("e", "INSERT INTO bad VALUES (1)"),
 ("e", "DELETE FROM artist"),
 ("s", "CREATE TABLE orphan(x REFERENCES nowhere)"),
 ("e", "INSERT INTO orphan VALUES (NULL)"),
 ("s", "CREATE TABLE boss(id INTEGER PRIMARY KEY)"),
 ("s", "CREATE TABLE crew(id INTEGER PRIMARY KEY, boss INTEGER REFERENCES boss ON DELETE CASCADE)"),
 ("s", "CREATE TABLE tool(id INTEGER PRIMARY KEY, crew INTEGER REFERENCES crew)"),
 ("s", "INSERT INTO boss VALUES (1), (2)"),
 ("s", "INSERT INTO crew VALUES (10, 1), (20, 2)"),
 ("s", "INSERT INTO tool VALUES (100, 10)"),
 ("e", "DROP TABLE boss"),
 ("q", "SELECT count(*) FROM crew", "I"),
 ("s", "DELETE FROM tool"),
 ("s", "DROP TABLE boss"),
 ("q", "SELECT count(*) FROM crew", "I"),
 ("s", "CREATE TABLE late(id INTEGER PRIMARY KEY, tool INTEGER REFERENCES tool DEFERRABLE INITIALLY DEFERRED)"),
 ("s", "INSERT INTO tool VALUES (200, NULL)"),
 ("s", "INSERT INTO late VALUES (1, 200)"),
 ("s", "BEGIN"),
 ("s", "DROP TABLE tool"),
 ("e", "COMMIT"),
 ("e", "DELETE FROM late"),
 ("s", "ROLLBACK"),
 ("q", "SELECT count(*) FROM tool", "I"),
 ("s", "PRAGMA foreign_keys = OFF"),
 ("s", "INSERT INTO orphan VALUES (1), (NULL)"),
 ("s", "INSERT INTO emp(dept) VALUES (99)"),
 ("s", "INSERT INTO ref VALUES (3, 'q')"),
 ("q", "PRAGMA foreign_key_check(emp)", "TITI"),
 ("q", "PRAGMA foreign_key_check(orphan)", "TITI"),
 ("q", "PRAGMA foreign_key_check(ref)", "TITI"),
 ("e", "PRAGMA foreign_key_check(bad)"),
 ("q", "PRAGMA foreign_keys", "I"),
 ("s", "DELETE FROM artist"),
 ("q", "SELECT count(*) FROM track", "I"),
]
c = sqlite3.connect(':memory:', isolation_level=None)
out = [head]
def show(v, t):
    if v is None: return "NULL"
    if isinstance(v, float): return f"{v:.3f}"
    if isinstance(v, str) and v == "": return "(empty)"
    return str(v)
for rec in script:
    kind, sql = rec[0], rec[1]
    if kind == "s":
        c.execute(sql).fetchall()
        out.append(f"statement ok\n{sql}\n")
    elif kind == "e":
        try:
            c.execute(sql).fetchall()
            raise SystemExit(f"expected an error: {sql}")
        except sqlite3.Error as e:
            msg = str(e)
            out.append(f"statement error {msg}\n{sql}\n")
    else:
        rows = c.execute(sql).fetchall()
        body = "\n".join(" ".join(show(v, t) for v, t in zip(r, rec[2])) for r in rows)
        out.append(f"query {rec[2]} nosort\n{sql}\n----\n{body}\n" if rows else f"query {rec[2]} nosort\n{sql}\n----\n")
open('tests/slt/foreign_keys.slt', 'w').write("\n".join(out))
