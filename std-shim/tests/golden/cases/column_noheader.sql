.headers off
.mode column
SELECT id, name AS a_rather_long_name FROM t WHERE id < 3;
