-- RENEC Harvester: the PostgreSQL schema, version 1 (append-only: a change
-- is a new numbered file beside this one, never an edit of this one).
--
-- PostgreSQL holds what the harvester publishes: every published run's
-- entities and links as a ledger (one row per version, with the first and
-- last run that saw it, as in SQLite), the runs, the harvest events and the
-- admin and export access log. The harvester's own SQLite stays the source:
-- `renec-harvester sync postgres` (and the service, after every publish)
-- writes each run's changes here in one transaction.
--
-- In these tables `row_id` is the version's id in the harvester's SQLite,
-- `last_seen_run` is NULL while the version is still in the last synced run,
-- and `synced_run` is the sync that last wrote the row (read nodes load what
-- changed since the run they hold). Every table has `created_at`.

CREATE TABLE sync_state (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id),
    source_id       text NOT NULL,         -- the harvester database synced from
    generation      bigint NOT NULL,       -- +1 on every full resync
    last_synced_run bigint,                -- the published run PostgreSQL holds
    run_started_at  text,                  -- that run's start, to recognise it
    audit_id        bigint NOT NULL DEFAULT 0,  -- last api_logs entry synced
    synced_at       timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE runs (
    id             bigint PRIMARY KEY,
    status         text NOT NULL,
    started_at     text NOT NULL,
    finished_at    text,
    basis_run      bigint,
    binary_version text NOT NULL,
    source_url     text NOT NULL,
    coverage_json  text,
    counts_json    text,
    summary_json   text,
    reasons_json   text,
    error          text,
    synced_run     bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- The harvest events (every request attempt).
CREATE TABLE spider_logs (
    id            bigint PRIMARY KEY,
    run_id        bigint NOT NULL,
    at            text NOT NULL,
    source        text NOT NULL,
    url           text NOT NULL,
    status        bigint,
    attempt       bigint NOT NULL,
    bytes         bigint NOT NULL,
    sha256        text,
    etag          text,
    last_modified text,
    duration_ms   bigint NOT NULL,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX spider_logs_run ON spider_logs (run_id);
CREATE INDEX spider_logs_created ON spider_logs (created_at);

CREATE TABLE data_issues (
    id         bigint PRIMARY KEY,
    run_id     bigint NOT NULL,
    source     text NOT NULL,
    key        text NOT NULL,
    problem    text NOT NULL,
    raw        text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_issues_run ON data_issues (run_id);

-- Admin and export access (the service's audit log), not every read.
CREATE TABLE api_logs (
    id           bigint PRIMARY KEY,
    at           text NOT NULL,
    event        text NOT NULL,
    actor        text,
    client_ip    text,
    outcome      text NOT NULL,
    details_json text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_logs_created ON api_logs (created_at);

-- ---- the ledger ---------------------------------------------------------

CREATE TABLE sectores (
    row_id         bigint PRIMARY KEY,
    id             text NOT NULL,
    nombre         text NOT NULL,
    id_renec       text,
    first_seen_run bigint NOT NULL,
    last_seen_run  bigint,
    synced_run     bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Every standard the site lists, in force or not.
CREATE TABLE ec_standards_v2 (
    row_id            bigint PRIMARY KEY,
    clave             text NOT NULL,
    clave_publicada   text NOT NULL,
    tipo              text NOT NULL,
    clase             text NOT NULL,
    vigente           boolean NOT NULL,
    titulo            text,
    nivel             bigint,
    sector_id         text,
    comite_id         bigint,
    comite_nombre     text,
    id_renec          text,
    source_url        text,
    conservado_de_run bigint,
    first_seen_run    bigint NOT NULL,
    last_seen_run     bigint,
    synced_run        bigint NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ec_standards_v2_clave ON ec_standards_v2 (clave);

CREATE TABLE comites (
    row_id                bigint PRIMARY KEY,
    id                    bigint NOT NULL,
    clave                 text,
    nombre                text NOT NULL,
    nombre_publicado      text,
    sector_id_renec       text,
    sector_nombre         text,
    fecha_integracion     text,
    calle_numero          text,
    colonia               text,
    codigo_postal         text,
    codigo_postal_raw     text,
    municipio             text,
    estado_inegi          text,
    estado_raw            text,
    telefono_e164         text,
    telefono_raw          text,
    url                   text,
    presidente            text,
    vicepresidente        text,
    puesto_presidente     text,
    puesto_vicepresidente text,
    contacto              text,
    correo                text,
    first_seen_run        bigint NOT NULL,
    last_seen_run         bigint,
    synced_run            bigint NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now()
);

-- One row per certifier (per version of its name or type).
CREATE TABLE certificadores_v2 (
    row_id         bigint PRIMARY KEY,
    id             text NOT NULL,
    nombre         text NOT NULL,
    nombre_key     text NOT NULL,
    tipo           text,
    first_seen_run bigint NOT NULL,
    last_seen_run  bigint,
    synced_run     bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX certificadores_v2_id ON certificadores_v2 (id);

CREATE TABLE certificador_alias (
    row_id          bigint PRIMARY KEY,
    certificador_id text NOT NULL,
    alias           text NOT NULL,
    first_seen_run  bigint NOT NULL,
    last_seen_run   bigint,
    synced_run      bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- One row per training offering.
CREATE TABLE centros (
    row_id         bigint PRIMARY KEY,
    id             text NOT NULL,
    nombre         text NOT NULL,
    first_seen_run bigint NOT NULL,
    last_seen_run  bigint,
    synced_run     bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ec_certificador (
    row_id          bigint PRIMARY KEY,
    ec_clave        text NOT NULL,
    certificador_id text NOT NULL,
    first_seen_run  bigint NOT NULL,
    last_seen_run   bigint,
    synced_run      bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ec_certificador_ec ON ec_certificador (ec_clave);

CREATE TABLE ec_certificador_estado (
    row_id          bigint PRIMARY KEY,
    ec_clave        text NOT NULL,
    certificador_id text NOT NULL,
    estado_inegi    text NOT NULL,
    first_seen_run  bigint NOT NULL,
    last_seen_run   bigint,
    synced_run      bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ec_centro (
    row_id         bigint PRIMARY KEY,
    ec_clave       text NOT NULL,
    centro_id      text NOT NULL,
    first_seen_run bigint NOT NULL,
    last_seen_run  bigint,
    synced_run     bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ec_ocupacion (
    row_id         bigint PRIMARY KEY,
    ec_clave       text NOT NULL,
    ocupacion      text NOT NULL,
    first_seen_run bigint NOT NULL,
    last_seen_run  bigint,
    synced_run     bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ec_comite_miembro (
    row_id         bigint PRIMARY KEY,
    ec_clave       text NOT NULL,
    institucion    text NOT NULL,
    first_seen_run bigint NOT NULL,
    last_seen_run  bigint,
    synced_run     bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE comite_ec (
    row_id         bigint PRIMARY KEY,
    comite_id      bigint NOT NULL,
    ec_clave       text NOT NULL,
    first_seen_run bigint NOT NULL,
    last_seen_run  bigint,
    synced_run     bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE legacy_pages (
    row_id         bigint PRIMARY KEY,
    url            text NOT NULL,
    titulo         text,
    status         bigint NOT NULL,
    content_sha256 text,
    links_json     text NOT NULL,
    first_seen_run bigint NOT NULL,
    last_seen_run  bigint,
    synced_run     bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Read nodes load the rows a sync wrote since the run they hold.
CREATE INDEX sectores_synced ON sectores (synced_run);
CREATE INDEX ec_standards_v2_synced ON ec_standards_v2 (synced_run);
CREATE INDEX comites_synced ON comites (synced_run);
CREATE INDEX certificadores_v2_synced ON certificadores_v2 (synced_run);
CREATE INDEX certificador_alias_synced ON certificador_alias (synced_run);
CREATE INDEX centros_synced ON centros (synced_run);
CREATE INDEX ec_certificador_synced ON ec_certificador (synced_run);
CREATE INDEX ec_certificador_estado_synced ON ec_certificador_estado (synced_run);
CREATE INDEX ec_centro_synced ON ec_centro (synced_run);
CREATE INDEX ec_ocupacion_synced ON ec_ocupacion (synced_run);
CREATE INDEX ec_comite_miembro_synced ON ec_comite_miembro (synced_run);
CREATE INDEX comite_ec_synced ON comite_ec (synced_run);
CREATE INDEX legacy_pages_synced ON legacy_pages (synced_run);
