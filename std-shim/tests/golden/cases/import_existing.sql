CREATE TABLE ex(p, q INTEGER, r);
.import --csv --skip 1 data.csv ex
.mode quote
SELECT *, typeof(q) FROM ex;
