SELECT t.a, count(*), group_concat(u.y, ';'), sum(c) OVER (PARTITION BY b ORDER BY id)
FROM t LEFT JOIN u ON u.x = t.id
WHERE t.b IN (SELECT b FROM t WHERE c IS NOT NULL) AND a LIKE 'o%'
GROUP BY t.a HAVING count(*) > 0 ORDER BY 1 DESC LIMIT 5 OFFSET 1;
SELECT printf('%5.2f|%q', c, a), substr(a, -2), hex(randomblob(4)) IS NOT NULL FROM v
UNION ALL SELECT 1, 2, 3 EXCEPT SELECT * FROM (VALUES (1, 2, 3));
