.mode markdown
SELECT * FROM t;
SELECT id, score FROM t WHERE id < 3;
