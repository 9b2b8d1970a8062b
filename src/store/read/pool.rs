//! The SQLite readers: a small pool of read-only connections, reopened
//! when the database file is replaced (restore, import).

use crate::store::{Result, StoreError};
use rusqlite::Connection;
use rusqlite::OpenFlags;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

/// A small pool of read-only connections.
pub struct SqliteReader {
    path: Mutex<PathBuf>,
    size: usize,
    idle: Mutex<Vec<Connection>>,
    open: Mutex<usize>,
    returned: Condvar,
    /// Bumped when the database file is replaced: older connections are closed.
    generation: std::sync::atomic::AtomicU64,
}

pub(super) struct Lease<'a> {
    pool: &'a SqliteReader,
    conn: Option<Connection>,
    generation: u64,
}

impl std::ops::Deref for Lease<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("leased connection")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            if self.generation
                == self
                    .pool
                    .generation
                    .load(std::sync::atomic::Ordering::SeqCst)
            {
                self.pool.idle.lock().expect("pool lock").push(c);
            } else {
                drop(c);
                *self.pool.open.lock().expect("pool lock") -= 1;
            }
            self.pool.returned.notify_one();
        }
    }
}

impl SqliteReader {
    pub fn new(path: &Path, size: usize) -> SqliteReader {
        SqliteReader {
            path: Mutex::new(path.to_path_buf()),
            size: size.max(1),
            idle: Mutex::new(Vec::new()),
            open: Mutex::new(0),
            returned: Condvar::new(),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Closes every connection (after a restore replaced the file); the next
    /// reads open the new file.
    pub fn reset(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut idle = self.idle.lock().expect("pool lock");
        let closed = idle.len();
        idle.clear();
        *self.open.lock().expect("pool lock") -= closed;
    }

    /// Reads go to another file from now on (a read node's new load).
    pub fn repoint(&self, path: &Path) {
        *self.path.lock().expect("path lock") = path.to_path_buf();
        self.reset();
    }

    /// The file reads go to.
    pub fn path(&self) -> PathBuf {
        self.path.lock().expect("path lock").clone()
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Connections not in use right now (including ones not yet opened).
    pub fn available(&self) -> usize {
        let idle = self.idle.lock().expect("pool lock").len();
        let open = *self.open.lock().expect("pool lock");
        idle + (self.size - open)
    }

    pub(super) fn lease(&self) -> Result<Lease<'_>> {
        let mut idle = self.idle.lock().expect("pool lock");
        loop {
            let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
            if let Some(c) = idle.pop() {
                return Ok(Lease {
                    pool: self,
                    conn: Some(c),
                    generation,
                });
            }
            {
                let mut open = self.open.lock().expect("pool lock");
                if *open < self.size {
                    *open += 1;
                    drop(open);
                    drop(idle);
                    let path = self.path();
                    let conn = Connection::open_with_flags(
                        &path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY
                            | OpenFlags::SQLITE_OPEN_NO_MUTEX
                            | OpenFlags::SQLITE_OPEN_URI,
                    )
                    .map_err(|source| {
                        *self.open.lock().expect("pool lock") -= 1;
                        StoreError::Open {
                            path: path.clone(),
                            source,
                        }
                    })?;
                    conn.busy_timeout(std::time::Duration::from_secs(5))?;
                    return Ok(Lease {
                        pool: self,
                        conn: Some(conn),
                        generation,
                    });
                }
            }
            idle = self.returned.wait(idle).expect("pool lock");
        }
    }
}
