.mode csv
SELECT * FROM t;
.headers on
SELECT * FROM "odd name";
SELECT ' ', '', 'x''y', 'a|b';
