SELECT * FROM t;
SELECT 1 AS "x y", '';
