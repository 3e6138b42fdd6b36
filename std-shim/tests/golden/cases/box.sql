.mode box
SELECT * FROM t;
SELECT id, score FROM t WHERE id < 3;
.nullvalue null
SELECT * FROM "odd name";
