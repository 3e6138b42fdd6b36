.mode column
SELECT * FROM t;
SELECT id, score FROM t WHERE id < 3;
SELECT 12345 AS longname, NULL;
SELECT id FROM t WHERE id > 100;
