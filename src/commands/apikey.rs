//! `apikey`: create, list and revoke the keys of the API.

use crate::config::Config;
use anyhow::{Context, Result};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum ApikeyAction {
    /// Create a key; its secret is printed once and stored only hashed.
    Create {
        name: String,
        #[arg(long, value_parser = ["admin", "read"])]
        role: String,
    },
    /// The keys, without their secrets.
    List,
    /// Revoke a key by name.
    Revoke { name: String },
}

pub fn apikey(cfg: &Config, action: ApikeyAction) -> Result<ExitCode> {
    use crate::store::keys;
    let store = crate::store::local::LocalStore::for_config(cfg)?;
    let c = &store;
    match action {
        ApikeyAction::Create { name, role } => {
            let role = keys::Role::parse(&role).context("--role must be admin or read")?;
            let secret = c
                .create_key(&name, role)
                .with_context(|| format!("cannot create the key {name:?} (names are unique)"))?;
            c.audit(
                "apikey_create",
                Some("cli"),
                None,
                "ok",
                &serde_json::json!({"name": name, "role": role.as_str()}),
            )?;
            println!("{secret}");
            eprintln!("this is the only time the key is shown; use it as `Authorization: Bearer {secret}`");
        }
        ApikeyAction::List => {
            for k in c.list_keys()? {
                println!(
                    "{:<20} {:<6} rh_{}_…  created {}  {}{}",
                    k.name,
                    k.role.as_str(),
                    k.prefix,
                    k.created_at,
                    k.revoked_at
                        .map_or(String::new(), |r| format!("REVOKED {r}  ")),
                    k.last_used_at
                        .map_or("never used".into(), |u| format!("last used {u}"))
                );
            }
        }
        ApikeyAction::Revoke { name } => {
            if !c.revoke_key(&name)? {
                anyhow::bail!(
                    "there is no active key named {name:?} (see `renec-harvester apikey list`)"
                );
            }
            c.audit(
                "apikey_revoke",
                Some("cli"),
                None,
                "ok",
                &serde_json::json!({"name": name}),
            )?;
            println!("revoked {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
