-- Reals needing more than 17 digits are left out: sqlite3 versions differ
-- in those digits (see modes/value.rs).
.mode quote
SELECT * FROM t WHERE id < 6;
.headers on
SELECT * FROM "odd name";
