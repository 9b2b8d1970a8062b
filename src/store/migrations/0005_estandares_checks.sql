-- Version 5: `tipo` and `clase` checked by comparisons instead of `IN (…)`
-- (the same values; see schema.sql). SQLite cannot change a CHECK in place,
-- so the table is copied out and written again with the same rows and row
-- ids. No foreign key refers to it; its index goes with the old table and is
-- made again; the view that reads it refers to it by name and stays. The
-- table's text is version 5's, copied here on purpose: a migration is
-- history, and schema.sql may change the table again in a later version
-- (the migration test checks that both give the same schema today).

CREATE TEMP TABLE estandares_v4 AS SELECT * FROM estandares;
DROP TABLE estandares;
CREATE TABLE estandares (
    row_id          INTEGER PRIMARY KEY,
    clave           TEXT NOT NULL,         -- trimmed code
    clave_publicada TEXT NOT NULL,         -- as published (may carry white space)
    tipo            TEXT NOT NULL CHECK (tipo = 'vigente' OR tipo = 'inactivo' OR tipo = 'marca' OR tipo = 'historica'),
    clase           TEXT NOT NULL CHECK (clase = 'ec' OR clase = 'ecm' OR clase = 'legacy' OR clase = 'malformed'),
    vigente         INTEGER NOT NULL,
    titulo          TEXT,
    nivel           INTEGER,
    sector_id       TEXT,
    comite_id       INTEGER,
    comite_nombre   TEXT,
    id_renec        TEXT,
    source_url      TEXT,
    first_seen_run  INTEGER NOT NULL,
    last_seen_run   INTEGER NOT NULL
    , conservado_de_run INTEGER);
INSERT INTO estandares SELECT * FROM estandares_v4 ORDER BY row_id;
DROP TABLE estandares_v4;
CREATE INDEX estandares_key ON estandares(clave, last_seen_run);
