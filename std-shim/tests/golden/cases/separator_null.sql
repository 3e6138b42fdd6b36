.separator , ;
.nullvalue NIL
SELECT * FROM t;
.separator "\t" "\n"
.headers on
SELECT id, score FROM t;
