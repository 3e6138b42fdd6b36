.import --csv data.csv imp
.schema imp
.mode quote
SELECT * FROM imp;
