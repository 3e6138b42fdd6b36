.changes on
INSERT INTO empty VALUES(1),(2);
UPDATE empty SET x = x + 1;
SELECT count(*) FROM empty;
.changes off
DELETE FROM empty;
