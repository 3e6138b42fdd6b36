.mode tabs
SELECT * FROM t;
.headers on
SELECT * FROM "odd name";
