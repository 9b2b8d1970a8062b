-- RENEC Harvester: the SQLite schema (version 2).
--
-- This file is the single source of the schema: a new database gets it
-- whole; an older one gets the append-only migrations in
-- src/store/migrations/, and a test checks that both end up identical.
--
-- The ledger: every entity and link table keeps one row per *version* of a
-- record, with the first and last run that saw it unchanged. The rows
-- visible as of run R are those with first_seen_run <= R <= last_seen_run;
-- readers use the v_current_* views, which show the last *published* run,
-- so a running or held run never changes what is served.

-- Harvest runs. A run is published only when its quality checks pass.
CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    status          TEXT NOT NULL CHECK (status IN ('running', 'published', 'held', 'failed')),
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    basis_run       INTEGER REFERENCES runs(id),   -- last published run when this one started
    binary_version  TEXT NOT NULL,
    source_url      TEXT NOT NULL,
    coverage_json   TEXT,                          -- per source: {expected, covered, ratio}
    counts_json     TEXT,                          -- entity and link counts of this run
    summary_json    TEXT,                          -- requests by status, retries, 304s, duration
    reasons_json    TEXT,                          -- why the run was held or failed
    error           TEXT
);
CREATE INDEX runs_status ON runs(status, id);

-- Small state remembered between runs (committees_max_id, …).
CREATE TABLE crawl_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Raw bodies, content-addressed and zstd-compressed: every page the
-- harvester received (so a 304 can reuse it), failed pages included.
CREATE TABLE page_snapshots (
    sha256         TEXT PRIMARY KEY,
    size           INTEGER NOT NULL,
    body_zstd      BLOB NOT NULL,
    first_seen_run INTEGER NOT NULL,
    created_at     TEXT NOT NULL
);

-- The last answer of every URL, for conditional requests.
CREATE TABLE http_cache (
    url           TEXT PRIMARY KEY,
    status        INTEGER NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    content_type  TEXT,
    sha256        TEXT NOT NULL REFERENCES page_snapshots(sha256),
    fetched_at    TEXT NOT NULL
);

-- Checkpoint: the pages a run already has. A resumed run reads them from
-- here instead of fetching them again.
CREATE TABLE run_pages (
    run_id        INTEGER NOT NULL REFERENCES runs(id),
    url           TEXT NOT NULL,
    source        TEXT NOT NULL,
    status        INTEGER NOT NULL,
    content_type  TEXT,
    sha256        TEXT NOT NULL REFERENCES page_snapshots(sha256),
    not_modified  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, url)
);

-- Every request attempt.
CREATE TABLE harvest_events (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs(id),
    at            TEXT NOT NULL,
    source        TEXT NOT NULL,
    url           TEXT NOT NULL,
    status        INTEGER,
    attempt       INTEGER NOT NULL,
    bytes         INTEGER NOT NULL DEFAULT 0,
    sha256        TEXT,
    etag          TEXT,
    last_modified TEXT,
    duration_ms   INTEGER NOT NULL,
    error         TEXT
);
CREATE INDEX harvest_events_run ON harvest_events(run_id, source);
CREATE INDEX harvest_events_at ON harvest_events(at);

-- Problems found in the data (unknown states, malformed codes, empty
-- codes, pages that failed): kept and reported, never dropped silently.
CREATE TABLE data_issues (
    id       INTEGER PRIMARY KEY,
    run_id   INTEGER NOT NULL REFERENCES runs(id),
    source   TEXT NOT NULL,
    key      TEXT NOT NULL,
    problem  TEXT NOT NULL,
    raw      TEXT
);
CREATE INDEX data_issues_run ON data_issues(run_id);

-- ---- the ledger --------------------------------------------------------

CREATE TABLE sectores (
    row_id         INTEGER PRIMARY KEY,
    id             TEXT NOT NULL,          -- slug of the name
    nombre         TEXT NOT NULL,
    id_renec       TEXT,                   -- idSectorProductivo when the catalogue gives one
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL
);
CREATE INDEX sectores_key ON sectores(id, last_seen_run);

-- `tipo` and `clase` are checked by comparisons rather than `IN (…)`: for an
-- IN list of more than two values SQLite builds a temporary table on every
-- insert, which cost 2 % of a whole harvest's instructions (schema version 5).
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
-- conservado_de_run: when the standard left the catalogue, the listing that
-- shows it now does not publish nivel, sector_id or the committee; their last
-- published values are kept, and this is the run they were last seen in.
CREATE INDEX estandares_key ON estandares(clave, last_seen_run);

CREATE TABLE comites (
    row_id                INTEGER PRIMARY KEY,
    id                    INTEGER NOT NULL,      -- RENEC's numeric id
    clave                 TEXT,
    nombre                TEXT NOT NULL,         -- "Comité de Gestión por Competencias " + tail
    nombre_publicado      TEXT,
    sector_id_renec       TEXT,
    sector_nombre         TEXT,
    fecha_integracion     TEXT,                  -- YYYY-MM-DD
    calle_numero          TEXT,
    colonia               TEXT,
    codigo_postal         TEXT,                  -- five digits
    codigo_postal_raw     TEXT,
    municipio             TEXT,
    estado_inegi          TEXT,                  -- two-digit INEGI code
    estado_raw            TEXT,
    telefono_e164         TEXT,
    telefono_raw          TEXT,
    url                   TEXT,
    -- person-level fields: NULL unless privacy.keep_person_fields is on
    presidente            TEXT,
    vicepresidente        TEXT,
    puesto_presidente     TEXT,
    puesto_vicepresidente TEXT,
    contacto              TEXT,
    correo                TEXT,
    first_seen_run        INTEGER NOT NULL,
    last_seen_run         INTEGER NOT NULL
);
CREATE INDEX comites_key ON comites(id, last_seen_run);

-- `tipo` (ECE or OC, when the detail pages publish it) came with schema
-- version 3; it is written last, as `ALTER TABLE … ADD COLUMN` leaves it.
CREATE TABLE certificadores (
    row_id         INTEGER PRIMARY KEY,
    id             TEXT NOT NULL,          -- stable id from the normalized name key
    nombre         TEXT NOT NULL,          -- the spelling of the latest run
    nombre_key     TEXT NOT NULL,
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL
    , tipo         TEXT CHECK (tipo IN ('ECE', 'OC')));
CREATE INDEX certificadores_key ON certificadores(id, last_seen_run);

CREATE TABLE certificador_alias (
    row_id          INTEGER PRIMARY KEY,
    certificador_id TEXT NOT NULL,
    alias           TEXT NOT NULL,         -- every published spelling
    first_seen_run  INTEGER NOT NULL,
    last_seen_run   INTEGER NOT NULL
);
CREATE INDEX certificador_alias_key ON certificador_alias(certificador_id, alias, last_seen_run);

-- Training offerings ("¿En dónde puedo capacitarme?").
CREATE TABLE centros (
    row_id         INTEGER PRIMARY KEY,
    id             TEXT NOT NULL,
    nombre         TEXT NOT NULL,
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL
);
CREATE INDEX centros_key ON centros(id, last_seen_run);

CREATE TABLE ec_certificador (
    row_id          INTEGER PRIMARY KEY,
    ec_clave        TEXT NOT NULL,
    certificador_id TEXT NOT NULL,
    first_seen_run  INTEGER NOT NULL,
    last_seen_run   INTEGER NOT NULL
);
CREATE INDEX ec_certificador_key ON ec_certificador(ec_clave, certificador_id, last_seen_run);
CREATE INDEX ec_certificador_cert ON ec_certificador(certificador_id);

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

CREATE TABLE ec_centro (
    row_id         INTEGER PRIMARY KEY,
    ec_clave       TEXT NOT NULL,
    centro_id      TEXT NOT NULL,
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL
);
CREATE INDEX ec_centro_key ON ec_centro(ec_clave, centro_id, last_seen_run);

CREATE TABLE ec_ocupacion (
    row_id         INTEGER PRIMARY KEY,
    ec_clave       TEXT NOT NULL,
    ocupacion      TEXT NOT NULL,
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL
);
CREATE INDEX ec_ocupacion_key ON ec_ocupacion(ec_clave, ocupacion, last_seen_run);

-- Institutions that make up the committee, as listed on the detail page.
CREATE TABLE ec_comite_miembro (
    row_id         INTEGER PRIMARY KEY,
    ec_clave       TEXT NOT NULL,
    institucion    TEXT NOT NULL,
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL
);
CREATE INDEX ec_comite_miembro_key ON ec_comite_miembro(ec_clave, institucion, last_seen_run);

CREATE TABLE comite_ec (
    row_id         INTEGER PRIMARY KEY,
    comite_id      INTEGER NOT NULL,
    ec_clave       TEXT NOT NULL,
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL
);
CREATE INDEX comite_ec_key ON comite_ec(comite_id, ec_clave, last_seen_run);

-- Inventory of the legacy site's pages.
CREATE TABLE legacy_pages (
    row_id         INTEGER PRIMARY KEY,
    url            TEXT NOT NULL,
    titulo         TEXT,
    status         INTEGER NOT NULL,
    content_sha256 TEXT,
    links_json     TEXT NOT NULL,
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL
);
CREATE INDEX legacy_pages_key ON legacy_pages(url, last_seen_run);

-- Full-text search over the published run (rebuilt when a run is published):
-- accents and case folded, so `traduccion` finds "traducción" and
-- `icemexico` finds "ICEMéxico".
CREATE VIRTUAL TABLE search_fts USING fts5(
    kind UNINDEXED,          -- ec | certificador | centro | comite | sector
    key UNINDEXED,
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- ---- what readers see: the last published run ---------------------------

CREATE VIEW v_published_run AS
    SELECT max(id) AS id FROM runs WHERE status = 'published';

CREATE VIEW v_current_sectores AS
    SELECT t.* FROM sectores t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
CREATE VIEW v_current_estandares AS
    SELECT t.* FROM estandares t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
CREATE VIEW v_current_comites AS
    SELECT t.* FROM comites t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
CREATE VIEW v_current_certificadores AS
    SELECT t.* FROM certificadores t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
CREATE VIEW v_current_certificador_alias AS
    SELECT t.* FROM certificador_alias t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
CREATE VIEW v_current_centros AS
    SELECT t.* FROM centros t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
CREATE VIEW v_current_ec_certificador AS
    SELECT t.* FROM ec_certificador t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
CREATE VIEW v_current_ec_certificador_estado AS
    SELECT t.* FROM ec_certificador_estado t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
CREATE VIEW v_current_ec_centro AS
    SELECT t.* FROM ec_centro t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
CREATE VIEW v_current_ec_ocupacion AS
    SELECT t.* FROM ec_ocupacion t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
CREATE VIEW v_current_ec_comite_miembro AS
    SELECT t.* FROM ec_comite_miembro t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
CREATE VIEW v_current_comite_ec AS
    SELECT t.* FROM comite_ec t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;
CREATE VIEW v_current_legacy_pages AS
    SELECT t.* FROM legacy_pages t, v_published_run p WHERE t.first_seen_run <= p.id AND t.last_seen_run >= p.id;

-- ---- operators ---------------------------------------------------------

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'read')),
    prefix       TEXT NOT NULL UNIQUE,      -- public part of the key, for lookup
    salt         TEXT NOT NULL,
    hash         TEXT NOT NULL,             -- SHA-256 of salt and secret; the secret is never stored
    created_at   TEXT NOT NULL,
    revoked_at   TEXT,
    last_used_at TEXT
);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    event        TEXT NOT NULL,             -- user_login, data_export, configuration_change, spider_start, …
    actor        TEXT,                      -- key name, or "cli"
    client_ip    TEXT,
    outcome      TEXT NOT NULL,             -- ok, refused, failed
    details_json TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
