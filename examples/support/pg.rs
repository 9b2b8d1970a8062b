//! Throwaway PostgreSQL 15 clusters on 127.0.0.1 for the tests and the
//! benchmarks: `initdb`
//! and `pg_ctl` from Debian's packages (`/usr/lib/postgresql/15/bin`), as
//! the `postgres` system user when the tests run as root (initdb refuses
//! root), with the socket in the cluster's own directory and fsync off.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = "/usr/lib/postgresql/15/bin";

/// Why PostgreSQL tests cannot run here (None: they can).
pub fn unavailable() -> Option<String> {
    if !Path::new(BIN).join("initdb").exists() {
        return Some(format!("no {BIN}/initdb (apt-get install postgresql-15)"));
    }
    None
}

pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
    /// More `-c name=value` server options (TLS, say).
    extra: String,
    _tmp: tempfile::TempDir,
}

pub fn as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A command for a PostgreSQL server binary, as the cluster's owner.
fn server_cmd(bin: &str) -> Command {
    let path = Path::new(BIN).join(bin);
    if as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn run(mut cmd: Command, what: &str) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn owned_tempdir() -> tempfile::TempDir {
    let tmp = tempfile::Builder::new()
        .prefix("renec-pg-")
        .tempdir_in("/tmp")
        .unwrap();
    if as_root() {
        run(
            {
                let mut c = Command::new("chown");
                c.args(["postgres:postgres"]).arg(tmp.path());
                c
            },
            "chown",
        );
    }
    tmp
}

impl Cluster {
    /// A new cluster, started. Superuser `postgres`, trust authentication
    /// on 127.0.0.1, replication allowed (for replicas).
    pub fn start() -> Cluster {
        Cluster::start_with("")
    }

    /// [`Cluster::start`] with more server options (`-c ssl=on …`).
    pub fn start_with(extra: &str) -> Cluster {
        let tmp = owned_tempdir();
        let dir = tmp.path().join("data");
        run(
            {
                let mut c = server_cmd("initdb");
                c.args([
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale",
                    "C.UTF-8",
                    "-D",
                ])
                .arg(&dir);
                c
            },
            "initdb",
        );
        let c = Cluster {
            dir,
            port: free_port(),
            extra: extra.to_string(),
            _tmp: tmp,
        };
        c.start_server();
        c
    }

    /// Where files the server must read can go (owned by the server's user).
    pub fn home(&self) -> &Path {
        self.dir.parent().unwrap()
    }

    fn options(&self) -> String {
        format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_level=replica -c max_wal_senders=4 -c hot_standby=on {}",
            self.port,
            self.dir.parent().unwrap().display(),
            self.extra
        )
    }

    pub fn start_server(&self) {
        run(
            {
                let mut c = server_cmd("pg_ctl");
                c.args(["-w", "-t", "60", "-D"])
                    .arg(&self.dir)
                    .args(["-l"])
                    .arg(
                        self.dir
                            .parent()
                            .unwrap()
                            .join(format!("log-{}", self.port)),
                    )
                    .args(["-o", &self.options(), "start"]);
                c
            },
            "pg_ctl start",
        );
    }

    /// Stops the server (`fast`: active transactions are rolled back).
    pub fn stop_server(&self) {
        run(
            {
                let mut c = server_cmd("pg_ctl");
                c.args(["-w", "-D"])
                    .arg(&self.dir)
                    .args(["-m", "fast", "stop"]);
                c
            },
            "pg_ctl stop",
        );
    }

    /// A hot standby of this cluster (`pg_basebackup -R`), started.
    pub fn replica(&self) -> Cluster {
        let tmp = owned_tempdir();
        let dir = tmp.path().join("data");
        run(
            {
                let mut c = server_cmd("pg_basebackup");
                c.args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "postgres",
                    "-R",
                    "-X",
                    "stream",
                    "-D",
                ])
                .arg(&dir);
                c
            },
            "pg_basebackup",
        );
        let c = Cluster {
            dir,
            port: free_port(),
            extra: String::new(),
            _tmp: tmp,
        };
        c.start_server();
        c
    }

    pub fn url(&self, user: &str, db: &str) -> String {
        format!(
            "postgres://{user}@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// `psql` as `user` on `db`: the unaligned, tuples-only output.
    pub fn psql_as(&self, user: &str, db: &str, sql: &str) -> Result<String, String> {
        let out = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
            ])
            .arg(self.port.to_string())
            .args(["-U", user, "-d", db, "-c", sql])
            .output()
            .expect("psql");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).to_string())
        }
    }

    pub fn psql(&self, db: &str, sql: &str) -> String {
        self.psql_as("postgres", db, sql)
            .unwrap_or_else(|e| panic!("psql {sql}: {e}"))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = server_cmd("pg_ctl")
            .args(["-D"])
            .arg(&self.dir)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}
