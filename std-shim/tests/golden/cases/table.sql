.mode table
SELECT * FROM t;
SELECT id, score FROM t WHERE id < 3;
SELECT * FROM "odd name";
