.mode json
SELECT * FROM "odd name";
SELECT id, score FROM t WHERE id < 3;
