-- Version 2: API keys and the audit log.

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
