CREATE TABLE li(x, y);
.import data.csv li
.mode quote
SELECT * FROM li;
