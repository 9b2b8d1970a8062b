//! API keys (stored as a salted SHA-256, never the secret) and the audit
//! log, in the machine's local store (see `local`).

use super::local::LocalStore;
use super::{now_text, Result};
use rand::Rng;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Read,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "read" => Some(Role::Read),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Read => "read",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    pub name: String,
    pub role: Role,
    pub prefix: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill(&mut b[..]);
    hex::encode(b)
}

fn digest(salt: &str, secret: &str) -> String {
    hex::encode(Sha256::digest(format!("{salt}:{secret}").as_bytes()))
}

impl LocalStore {
    /// Creates a key; returns the full secret (`rh_PREFIX_SECRET`), shown once.
    pub fn create_key(&self, name: &str, role: Role) -> Result<String> {
        let conn = &self.conn;
        let prefix = random_hex(4);
        let secret = random_hex(24);
        let salt = random_hex(16);
        conn.execute(
        "INSERT INTO api_keys (name, role, prefix, salt, hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![name, role.as_str(), prefix, salt, digest(&salt, &secret), now_text()],
    )?;
        Ok(format!("rh_{prefix}_{secret}"))
    }

    pub fn list_keys(&self) -> Result<Vec<KeyInfo>> {
        let conn = &self.conn;
        let mut stmt = conn.prepare("SELECT name, role, prefix, created_at, revoked_at, last_used_at FROM api_keys ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok(KeyInfo {
                name: r.get(0)?,
                role: Role::parse(&r.get::<_, String>(1)?).unwrap_or(Role::Read),
                prefix: r.get(2)?,
                created_at: r.get(3)?,
                revoked_at: r.get(4)?,
                last_used_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Revokes a key by name; false when there is no such active key.
    pub fn revoke_key(&self, name: &str) -> Result<bool> {
        let conn = &self.conn;
        Ok(conn.execute(
            "UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
            params![name, now_text()],
        )? > 0)
    }

    /// The name and role of an active key matching `presented`, else None.
    pub fn check_key(&self, presented: &str) -> Result<Option<(String, Role)>> {
        let conn = &self.conn;
        let mut parts = presented.trim().splitn(3, '_');
        let (Some("rh"), Some(prefix), Some(secret)) = (parts.next(), parts.next(), parts.next())
        else {
            return Ok(None);
        };
        let row: Option<(String, String, String, String)> = conn
        .query_row(
            "SELECT name, role, salt, hash FROM api_keys WHERE prefix = ?1 AND revoked_at IS NULL",
            [prefix],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
        let Some((name, role, salt, hash)) = row else {
            return Ok(None);
        };
        let computed = digest(&salt, secret);
        // Constant-time comparison of the two digests.
        let same = computed.len() == hash.len()
            && computed
                .bytes()
                .zip(hash.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        Ok(same.then(|| (name, Role::parse(&role).unwrap_or(Role::Read))))
    }

    pub fn touch_key(&self, name: &str) -> Result<()> {
        let conn = &self.conn;
        conn.execute(
            "UPDATE api_keys SET last_used_at = ?2 WHERE name = ?1",
            params![name, now_text()],
        )?;
        Ok(())
    }

    pub fn audit(
        &self,
        event: &str,
        actor: Option<&str>,
        client_ip: Option<&str>,
        outcome: &str,
        details: &serde_json::Value,
    ) -> Result<()> {
        let conn = &self.conn;
        conn.execute(
        "INSERT INTO audit_log (at, event, actor, client_ip, outcome, details_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![now_text(), event, actor, client_ip, outcome, details.to_string()],
    )?;
        Ok(())
    }

    pub fn audit_entries(&self, limit: u32, offset: u64) -> Result<(Vec<AuditEntry>, u64)> {
        let conn = &self.conn;
        let total: i64 = conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))?;
        let mut stmt = conn.prepare("SELECT id, at, event, actor, client_ip, outcome, details_json FROM audit_log ORDER BY id DESC LIMIT ?1 OFFSET ?2")?;
        let rows = stmt.query_map(params![limit, offset as i64], |r| {
            let details: Option<String> = r.get(6)?;
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                event: r.get(2)?,
                actor: r.get(3)?,
                client_ip: r.get(4)?,
                outcome: r.get(5)?,
                details: details
                    .and_then(|d| serde_json::from_str(&d).ok())
                    .unwrap_or(serde_json::Value::Null),
            })
        })?;
        Ok((rows.collect::<rusqlite::Result<_>>()?, total as u64))
    }

    /// Deletes audit records older than `days`.
    pub fn prune_audit(&self, days: u32) -> Result<usize> {
        let conn = &self.conn;
        let cutoff = (chrono::Utc::now() - chrono::Duration::days(i64::from(days)))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        Ok(conn.execute("DELETE FROM audit_log WHERE at < ?1", [cutoff])?)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub event: String,
    pub actor: Option<String>,
    pub client_ip: Option<String>,
    pub outcome: String,
    pub details: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_revoked_and_never_stored_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path(), &dir.path().join("renec.sqlite3")).unwrap();
        let c = &store;
        let secret = c.create_key("ops", Role::Admin).unwrap();
        assert!(secret.starts_with("rh_"));
        assert_eq!(
            c.check_key(&secret).unwrap(),
            Some(("ops".into(), Role::Admin))
        );
        assert_eq!(c.check_key(&format!("{secret}x")).unwrap(), None);
        assert_eq!(c.check_key("nonsense").unwrap(), None);
        let stored: String = c
            .conn
            .query_row(
                "SELECT group_concat(prefix || salt || hash) FROM api_keys",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(!stored.contains(secret.rsplit('_').next().unwrap()));
        assert!(c.revoke_key("ops").unwrap());
        assert_eq!(c.check_key(&secret).unwrap(), None);
        assert!(c.create_key("ops", Role::Read).is_err(), "names are unique");
    }
}
