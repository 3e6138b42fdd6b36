.mode line
SELECT * FROM t;
SELECT 12345 AS longname, NULL;
.nullvalue -
SELECT score FROM t WHERE id < 3;
