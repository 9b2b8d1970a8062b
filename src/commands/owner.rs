//! Commands run from a shell act on the service's data as the service's
//! user: a data directory owned by another user is refused with the line
//! that runs the same command as its owner (files made by root in
//! /var/lib/renec-harvester would lock the service out of its own data).

use crate::config::Config;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The effective user id of this process (the owner of `/proc/self`).
pub fn current_uid() -> Option<u32> {
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// The name of user `uid` in /etc/passwd.
pub fn user_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        (id == uid).then(|| name.to_string())
    })
}

/// The owner of the data directory when it is not this process's user.
pub fn foreign_owner(data_dir: &Path) -> Option<u32> {
    let owner = std::fs::metadata(data_dir).ok()?.uid();
    (Some(owner) != current_uid()).then_some(owner)
}

fn shell_quote(arg: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Refuses to act on a data directory owned by another user, naming the
/// command that runs this one as its owner.
pub fn refuse_foreign_data_dir(cfg: &Config) -> anyhow::Result<()> {
    let Some(owner) = foreign_owner(&cfg.data_dir) else {
        return Ok(());
    };
    let name = user_name(owner).unwrap_or_else(|| format!("#{owner}"));
    let me = current_uid()
        .and_then(user_name)
        .unwrap_or_else(|| "this user".into());
    let args: Vec<String> = std::env::args().skip(1).map(|a| shell_quote(&a)).collect();
    anyhow::bail!(
        "the data directory {} belongs to user {name}, not {me}: run the command as its owner, so that every file stays the service's:\n  sudo -u {name} renec-harvester {}",
        cfg.data_dir.display(),
        args.join(" ")
    )
}

/// Lines for `config check`: what commands act on, as whom, and which
/// environment files were read.
pub fn summary(cfg: &Config) -> String {
    let mut out = format!(
        "# commands act on the data directory {} ({}); database {}\n",
        cfg.data_dir.display(),
        cfg.origins["storage.data_dir"],
        cfg.sqlite_path().display()
    );
    if let Some(owner) = foreign_owner(&cfg.data_dir) {
        let name = user_name(owner).unwrap_or_else(|| format!("#{owner}"));
        out.push_str(&format!(
            "# it belongs to user {name}: run commands as `sudo -u {name} renec-harvester …`\n"
        ));
    }
    for f in &cfg.environment_files {
        let state = if Path::new(f).is_file() {
            "read"
        } else {
            "absent"
        };
        out.push_str(&format!("# environment file {f}: {state}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_quoted_for_the_shell_only_when_needed() {
        assert_eq!(shell_quote("snapshot"), "snapshot");
        assert_eq!(shell_quote("/tmp/a b.tar"), "'/tmp/a b.tar'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn root_is_user_zero() {
        assert_eq!(user_name(0).as_deref(), Some("root"));
    }
}
