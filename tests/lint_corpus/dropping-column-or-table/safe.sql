CREATE TABLE import_scratch (id INTEGER);
DROP TABLE import_scratch;
