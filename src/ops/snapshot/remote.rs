//! Off-machine copies of the snapshots in an S3 bucket (AWS or any
//! S3-compatible store): every snapshot is uploaded after it verifies,
//! retention applies there too, and a snapshot can be listed and restored
//! from there. Requests are signed by `rusty-s3` and sent by `ureq`.
//!
//! Objects: `PREFIX/ID.sqlite3.zst`, then `PREFIX/ID.json` (the manifest)
//! last. A snapshot is listed only when both are there and the data object
//! has the size the manifest says, so an interrupted upload is never listed:
//! a single PUT that breaks off stores nothing, a multipart upload that
//! fails is aborted (and an upload that never completes is not an object).

use super::{io, Manifest, Result, SnapshotError, Snapshots};
use crate::config::Config;
use rusty_s3::actions::{ListObjectsV2, S3Action};
use rusty_s3::{Bucket, Credentials, UrlStyle};
use std::fs::File;
use std::io::{Read, Write};
use std::time::Duration;

/// How long a signed request stays valid.
const SIGNED_FOR: Duration = Duration::from_secs(15 * 60);

/// The bucket of off-machine copies named by the configuration.
pub struct Remote {
    bucket: Bucket,
    credentials: Credentials,
    prefix: String,
    part_size: usize,
    agent: ureq::Agent,
}

fn remote_err(what: impl Into<String>) -> SnapshotError {
    SnapshotError::Remote(what.into())
}

impl Remote {
    /// `None` when no bucket is configured (`S3_BUCKET` empty).
    pub fn from_config(cfg: &Config) -> Result<Option<Remote>> {
        if cfg.s3_bucket.is_empty() {
            return Ok(None);
        }
        let (endpoint, style) = if cfg.s3_endpoint.is_empty() {
            (
                format!("https://s3.{}.amazonaws.com", cfg.s3_region),
                UrlStyle::VirtualHost,
            )
        } else {
            // S3-compatible stores (MinIO, Ceph, moto…) answer path-style.
            (cfg.s3_endpoint.clone(), UrlStyle::Path)
        };
        let endpoint = endpoint
            .parse()
            .map_err(|e| remote_err(format!("S3 endpoint {endpoint}: {e}")))?;
        let bucket = Bucket::new(
            endpoint,
            style,
            cfg.s3_bucket.clone(),
            cfg.s3_region.clone(),
        )
        .map_err(|e| remote_err(format!("bucket {}: {e}", cfg.s3_bucket)))?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(Duration::from_secs(120)))
            .user_agent(cfg.user_agent())
            .build()
            .into();
        let mut prefix = cfg.s3_prefix.trim_matches('/').to_string();
        if !prefix.is_empty() {
            prefix.push('/');
        }
        Ok(Some(Remote {
            bucket,
            credentials: Credentials::new(
                cfg.aws_access_key_id.clone(),
                cfg.aws_secret_access_key.clone(),
            ),
            prefix,
            part_size: cfg.s3_part_mb as usize * 1024 * 1024,
            agent,
        }))
    }

    /// `s3://BUCKET/PREFIX` (no credentials), for messages.
    pub fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket.name(), self.prefix)
    }

    fn data_key(&self, id: &str) -> String {
        format!("{}{id}.sqlite3.zst", self.prefix)
    }

    fn manifest_key(&self, id: &str) -> String {
        format!("{}{id}.json", self.prefix)
    }

    fn failed(&self, doing: &str, e: impl std::fmt::Display) -> SnapshotError {
        remote_err(format!("{doing} at {}: {e}", self.describe()))
    }

    /// Sends one signed request; a non-2xx answer is an error with S3's own message.
    fn send(
        &self,
        doing: &str,
        method: &str,
        url: url::Url,
        body: Option<&[u8]>,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        let url = url.as_str();
        let sent = match (method, body) {
            ("PUT", Some(b)) => self.agent.put(url).send(b),
            ("POST", Some(b)) => self.agent.post(url).send(b),
            ("GET", _) => self.agent.get(url).call(),
            ("DELETE", _) => self.agent.delete(url).call(),
            _ => unreachable!("only the requests below are made"),
        };
        let mut resp = sent.map_err(|e| self.failed(doing, e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .unwrap_or_default();
        let code = between(&text, "<Code>", "</Code>");
        let message = between(&text, "<Message>", "</Message>");
        Err(self.failed(
            doing,
            format!(
                "HTTP {status} {}{}",
                code.unwrap_or(""),
                message.map(|m| format!(": {m}")).unwrap_or_default()
            ),
        ))
    }

    /// The complete snapshots in the bucket, oldest first.
    pub fn list(&self) -> Result<Vec<Manifest>> {
        let mut sizes = std::collections::HashMap::new();
        let mut token: Option<String> = None;
        loop {
            let mut action = ListObjectsV2::new(&self.bucket, Some(&self.credentials));
            action.with_prefix(self.prefix.as_str());
            if let Some(t) = &token {
                action.with_continuation_token(t.as_str());
            }
            let url = action.sign(SIGNED_FOR);
            let mut resp = self.send("listing the bucket", "GET", url, None)?;
            let text = resp
                .body_mut()
                .with_config()
                .limit(64 << 20)
                .read_to_string()
                .map_err(|e| self.failed("listing the bucket", e))?;
            let page = ListObjectsV2::parse_response(&text)
                .map_err(|e| self.failed("reading the bucket listing", e))?;
            for o in page.contents {
                // Keys come URL-encoded (the action asks for encoding-type=url).
                let key = percent_encoding::percent_decode_str(&o.key)
                    .decode_utf8_lossy()
                    .to_string();
                sizes.insert(key, o.size.unwrap_or(0));
            }
            match page.next_continuation_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        let mut out = Vec::new();
        for key in sizes.keys().filter(|k| k.ends_with(".json")) {
            let id = &key[self.prefix.len()..key.len() - ".json".len()];
            let Ok(m) = self.manifest(id) else { continue };
            if sizes.get(&self.data_key(id)) == Some(&m.compressed_size) {
                out.push(m);
            }
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// The manifest of remote snapshot `id`.
    pub fn manifest(&self, id: &str) -> Result<Manifest> {
        let url = self
            .bucket
            .get_object(Some(&self.credentials), &self.manifest_key(id))
            .sign(SIGNED_FOR);
        let mut resp = self
            .send("reading a manifest", "GET", url, None)
            .map_err(|_| SnapshotError::NotFound(format!("{id} in {}", self.describe())))?;
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| self.failed("reading a manifest", e))?;
        serde_json::from_str(&text).map_err(|e| SnapshotError::Corrupt {
            id: id.into(),
            reason: format!("remote manifest unreadable: {e}"),
        })
    }

    /// Uploads local snapshot `m`: the data, then the manifest.
    pub fn upload(&self, snaps: &Snapshots, m: &Manifest) -> Result<()> {
        let path = snaps.data_path(&m.id);
        let size = io(
            format!("reading {}", path.display()),
            std::fs::metadata(&path),
        )?
        .len();
        let key = self.data_key(&m.id);
        if size as usize <= self.part_size {
            let bytes = io(format!("reading {}", path.display()), std::fs::read(&path))?;
            let url = self
                .bucket
                .put_object(Some(&self.credentials), &key)
                .sign(SIGNED_FOR);
            self.send("uploading a snapshot", "PUT", url, Some(&bytes))?;
        } else {
            self.upload_in_parts(&path, &key)?;
        }
        let manifest = serde_json::to_vec_pretty(m).expect("manifest serializes");
        let url = self
            .bucket
            .put_object(Some(&self.credentials), &self.manifest_key(&m.id))
            .sign(SIGNED_FOR);
        self.send("uploading a manifest", "PUT", url, Some(&manifest))?;
        Ok(())
    }

    /// A multipart upload of a large file, aborted when any part fails.
    fn upload_in_parts(&self, path: &std::path::Path, key: &str) -> Result<()> {
        let create = self
            .bucket
            .create_multipart_upload(Some(&self.credentials), key);
        let url = create.sign(SIGNED_FOR);
        let mut resp = self.send("starting a multipart upload", "POST", url, Some(b""))?;
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| self.failed("starting a multipart upload", e))?;
        let upload = rusty_s3::actions::CreateMultipartUpload::parse_response(&text)
            .map_err(|e| self.failed("starting a multipart upload", e))?;
        let id = upload.upload_id();
        let result = (|| {
            let mut file = io(format!("reading {}", path.display()), File::open(path))?;
            let mut etags = Vec::new();
            let mut buf = vec![0u8; self.part_size];
            for number in 1u16.. {
                let n = read_full(&mut file, &mut buf)
                    .map_err(|e| self.failed("reading the snapshot", e))?;
                if n == 0 {
                    break;
                }
                let url = self
                    .bucket
                    .upload_part(Some(&self.credentials), key, number, id)
                    .sign(SIGNED_FOR);
                let resp = self.send("uploading a part", "PUT", url, Some(&buf[..n]))?;
                let etag = resp
                    .headers()
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| self.failed("uploading a part", "no ETag in the answer"))?;
                etags.push(etag.to_string());
            }
            let complete = self.bucket.complete_multipart_upload(
                Some(&self.credentials),
                key,
                id,
                etags.iter().map(String::as_str),
            );
            let url = complete.sign(SIGNED_FOR);
            let body = complete.body();
            self.send(
                "completing a multipart upload",
                "POST",
                url,
                Some(body.as_bytes()),
            )?;
            Ok(())
        })();
        if result.is_err() {
            let url = self
                .bucket
                .abort_multipart_upload(Some(&self.credentials), key, id)
                .sign(SIGNED_FOR);
            if let Err(e) = self.send("aborting a multipart upload", "DELETE", url, None) {
                tracing::warn!(error = %e, "s3_abort_failed");
            }
        }
        result
    }

    /// Downloads remote snapshot `id` into the local snapshot folder and
    /// verifies it there (size, SHA-256, SQLite integrity); a copy that does
    /// not verify is not kept.
    pub fn download(&self, snaps: &Snapshots, id: &str) -> Result<Manifest> {
        let m = self.manifest(id)?;
        io(
            "creating the snapshot directory",
            std::fs::create_dir_all(snaps.dir()),
        )?;
        let tmp = snaps.dir().join(format!(".{id}.download.tmp"));
        let fetched = (|| {
            let url = self
                .bucket
                .get_object(Some(&self.credentials), &self.data_key(id))
                .sign(SIGNED_FOR);
            let mut resp = self.send("downloading a snapshot", "GET", url, None)?;
            let mut out = io(format!("writing {}", tmp.display()), File::create(&tmp))?;
            let mut reader = resp.body_mut().with_config().limit(u64::MAX).reader();
            std::io::copy(&mut reader, &mut out)
                .map_err(|e| self.failed("downloading a snapshot", e))?;
            io("flushing", out.flush())?;
            io(
                "placing the snapshot",
                std::fs::rename(&tmp, snaps.data_path(id)),
            )?;
            io(
                "writing the manifest",
                std::fs::write(
                    snaps.manifest_path(id),
                    serde_json::to_vec_pretty(&m).expect("manifest serializes"),
                ),
            )?;
            snaps.verify(id)
        })();
        let _ = std::fs::remove_file(&tmp);
        if fetched.is_err() {
            snaps.delete(id);
        }
        fetched
    }

    /// Deletes remote snapshot `id` (manifest first, so it stops being listed at once).
    pub fn delete(&self, id: &str) -> Result<()> {
        for key in [self.manifest_key(id), self.data_key(id)] {
            let url = self
                .bucket
                .delete_object(Some(&self.credentials), &key)
                .sign(SIGNED_FOR);
            self.send("deleting a snapshot", "DELETE", url, None)?;
        }
        Ok(())
    }

    /// Makes the bucket hold what retention keeps of the local and remote
    /// snapshots together: uploads (newest first, each verified first) the
    /// kept local ones it lacks, so a failed upload is retried by the next
    /// pass, and deletes the remote ones retention drops. Returns the ids
    /// uploaded and deleted.
    pub fn sync(
        &self,
        snaps: &Snapshots,
        daily: usize,
        weekly: usize,
    ) -> Result<(Vec<String>, Vec<String>)> {
        let there = self.list()?;
        let here = snaps.list()?;
        let mut all: Vec<Manifest> = there.clone();
        all.extend(
            here.iter()
                .filter(|m| !there.iter().any(|t| t.id == m.id))
                .cloned(),
        );
        all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        let keep = super::kept_by_retention(&all, daily, weekly);
        let mut uploaded = Vec::new();
        for m in here.iter().rev() {
            if keep.contains(&m.id) && !there.iter().any(|t| t.id == m.id) {
                snaps.verify(&m.id)?;
                self.upload(snaps, m)?;
                uploaded.push(m.id.clone());
            }
        }
        let mut deleted = Vec::new();
        for m in there.iter().filter(|m| !keep.contains(&m.id)) {
            self.delete(&m.id)?;
            deleted.push(m.id.clone());
        }
        Ok((uploaded, deleted))
    }
}

/// Reads until `buf` is full or the file ends.
fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The text between the first `open` and the next `close`.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

/// What one off-machine backup pass did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BackedUp {
    /// `s3://BUCKET/PREFIX`.
    pub target: String,
    pub uploaded: Vec<String>,
    pub deleted: Vec<String>,
}

/// After a snapshot (and on `snapshot upload`/`retain`): see [`Remote::sync`]. `None` when no bucket is configured.
pub fn back_up(cfg: &Config, snaps: &Snapshots) -> Result<Option<BackedUp>> {
    let Some(remote) = Remote::from_config(cfg)? else {
        return Ok(None);
    };
    let (uploaded, deleted) = remote.sync(
        snaps,
        cfg.snapshot_keep_daily as usize,
        cfg.snapshot_keep_weekly as usize,
    )?;
    let done = BackedUp {
        target: remote.describe(),
        uploaded,
        deleted,
    };
    tracing::info!(target = %done.target, uploaded = ?done.uploaded, deleted = ?done.deleted, "snapshot_backed_up");
    Ok(Some(done))
}
