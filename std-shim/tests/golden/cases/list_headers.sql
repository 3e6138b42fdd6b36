.headers on
SELECT * FROM t;
SELECT id FROM t WHERE id > 100;
