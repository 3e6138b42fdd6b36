.mode insert
SELECT * FROM t;
.mode insert "odd name"
.headers on
SELECT * FROM "odd name";
.mode insert select
.headers off
SELECT 1, 'x';
