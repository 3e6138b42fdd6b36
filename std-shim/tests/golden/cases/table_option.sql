SELECT id, name FROM t WHERE id < 3;
