.headers on
PRAGMA table_info(t);
PRAGMA index_list("odd name");
PRAGMA user_version;
PRAGMA user_version = 7;
PRAGMA user_version;
.mode column
PRAGMA index_info(ti);
PRAGMA integrity_check;
