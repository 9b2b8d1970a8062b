-- Version 3: a certifier's type (ECE or OC) and the states where it
-- certifies each standard, when the detail pages publish them.

ALTER TABLE certificadores ADD COLUMN tipo TEXT CHECK (tipo IN ('ECE', 'OC'));

-- Where a body certifies a standard (a state per row of the detail page's
-- certifier table), when the page publishes it.
CREATE TABLE ec_certificador_estado (
    row_id          INTEGER PRIMARY KEY,
    ec_clave        TEXT NOT NULL,
    certificador_id TEXT NOT NULL,
    estado_inegi    TEXT NOT NULL,         -- two-digit INEGI code
    first_seen_run  INTEGER NOT NULL,
    last_seen_run   INTEGER NOT NULL
);
CREATE INDEX ec_certificador_estado_key ON ec_certificador_estado(ec_clave, certificador_id, estado_inegi, last_seen_run);
CREATE INDEX ec_certificador_estado_cert ON ec_certificador_estado(certificador_id, estado_inegi);

CREATE VIEW v_current_ec_certificador_estado AS
    SELECT t.* FROM ec_certificador_estado t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
