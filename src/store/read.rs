//! Reads for the API, behind one interface ([`ReadStore`]) so that a second
//! backend (PostgreSQL) can answer the same questions. Every read is "as of"
//! a run: the published one, or an older one for time travel.

use super::{Result, StoreError};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

// ---- what the API asks --------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageReq {
    pub limit: u32,
    pub offset: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Default)]
pub struct EcFilter {
    pub q: Option<String>,
    pub sector: Option<String>,
    pub nivel: Option<i64>,
    pub comite: Option<i64>,
    pub vigente: Option<bool>,
    pub tipo: Option<String>,
    pub certificador: Option<String>,
    pub centro: Option<String>,
    pub estado: Option<String>,
    /// Also standards no longer listed, as last seen (`retirado: true`).
    pub include_retired: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcSort {
    Clave,
    Titulo,
    Nivel,
    Certificadores,
}

#[derive(Debug, Clone, Default)]
pub struct CertFilter {
    pub q: Option<String>,
    pub ec: Option<String>,
    pub min_ec: Option<i64>,
    /// `ECE` or `OC` (certifiers only).
    pub tipo: Option<String>,
    /// Two-digit INEGI code: bodies that certify (the `ec` standard, when
    /// given) in that state (certifiers only).
    pub estado: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSort {
    Nombre,
    Estandares,
}

#[derive(Debug, Clone, Default)]
pub struct ComiteFilter {
    pub q: Option<String>,
    pub estado: Option<String>,
    pub ec: Option<String>,
    pub min_ec: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct GraphFilter {
    pub sector: Option<String>,
    /// Standards whose committee is in this state (INEGI code).
    pub estado: Option<String>,
    /// Only the edges certified in this state (INEGI code), when published.
    pub certifica_en: Option<String>,
}

// ---- what it answers ----------------------------------------------------

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Ref {
    pub id: String,
    pub nombre: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EcSummary {
    pub clave: String,
    pub titulo: Option<String>,
    pub nivel: Option<i64>,
    pub tipo: String,
    pub vigente: bool,
    pub sector_id: Option<String>,
    pub sector: Option<String>,
    pub comite_id: Option<i64>,
    pub comite: Option<String>,
    pub certificadores: i64,
    /// No longer listed as of the run asked for: shown as last seen.
    pub retirado: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EcDetail {
    #[serde(flatten)]
    pub summary: EcSummary,
    pub clave_publicada: String,
    pub clase: String,
    pub id_renec: Option<String>,
    pub source_url: Option<String>,
    pub ocupaciones: Vec<String>,
    pub certificadores_lista: Vec<CertLink>,
    pub centros: Vec<Ref>,
    pub comite_miembros: Vec<String>,
    pub first_seen_run: i64,
    pub last_seen_run: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NamedSummary {
    pub id: String,
    pub nombre: String,
    pub estandares: i64,
}

/// A state, by its INEGI code and official name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct EstadoRef {
    pub clave: String,
    pub nombre: String,
}

impl EstadoRef {
    pub fn from_code(code: &str) -> EstadoRef {
        EstadoRef {
            clave: code.to_string(),
            nombre: crate::normalize::states::state_name(code)
                .unwrap_or(code)
                .to_string(),
        }
    }

    /// From `group_concat` of codes (any order, maybe NULL), sorted by code.
    fn list(codes: Option<String>) -> Vec<EstadoRef> {
        let mut out: Vec<EstadoRef> = codes
            .unwrap_or_default()
            .split(',')
            .filter(|c| !c.is_empty())
            .map(EstadoRef::from_code)
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// A certifier with its type and states: in a standard's detail, the states
/// where it certifies that standard; in lists, where it certifies any.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CertLink {
    pub id: String,
    pub nombre: String,
    /// `ECE` or `OC`; null when the pages do not publish it.
    pub tipo: Option<String>,
    /// Empty when the pages do not publish states.
    pub estados: Vec<EstadoRef>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CertSummary {
    #[serde(flatten)]
    pub certificador: CertLink,
    pub estandares: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EstadoCount {
    #[serde(flatten)]
    pub estado: EstadoRef,
    /// Standards this body certifies in the state.
    pub estandares: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CertDetail {
    pub id: String,
    /// Not listed on any page as of the run asked for: shown as last seen.
    pub retirado: bool,
    pub nombre: String,
    pub nombres_publicados: Vec<String>,
    pub tipo: Option<String>,
    pub estados: Vec<EstadoCount>,
    pub estandares: i64,
    pub first_seen_run: i64,
    pub last_seen_run: i64,
}

/// One state for the map: what is registered there.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EstadoSummary {
    pub clave: String,
    pub nombre: String,
    /// Committees whose address is in the state.
    pub comites: i64,
    /// Bodies that certify at least one standard there.
    pub certificadores: i64,
    /// Standards that can be certified there.
    pub estandares: i64,
}

/// Certifiers by type (`tipo` null: the pages do not say).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TipoSummary {
    pub tipo: Option<String>,
    pub nombre: String,
    pub certificadores: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CentroDetail {
    pub id: String,
    pub nombre: String,
    pub estandares: Vec<EcSummary>,
    pub first_seen_run: i64,
    pub last_seen_run: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ComiteSummary {
    pub id: i64,
    pub clave: Option<String>,
    pub nombre: String,
    pub sector: Option<String>,
    pub estado_inegi: Option<String>,
    pub estado: Option<String>,
    pub estandares: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComiteDetail {
    #[serde(flatten)]
    pub summary: ComiteSummary,
    /// No longer answered by the site as of the run asked for: shown as last seen.
    pub retirado: bool,
    pub fecha_integracion: Option<String>,
    pub direccion: Option<String>,
    pub colonia: Option<String>,
    pub codigo_postal: Option<String>,
    pub municipio: Option<String>,
    pub telefono: Option<String>,
    pub telefono_e164: Option<String>,
    pub url: Option<String>,
    pub estandares_lista: Vec<EcSummary>,
    pub first_seen_run: i64,
    pub last_seen_run: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SectorDetail {
    pub id: String,
    pub nombre: String,
    pub id_renec: Option<String>,
    pub estandares: i64,
    pub comites: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub tipo: String,
    pub id: String,
    pub titulo: String,
    pub fragmento: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphNode {
    pub id: String,
    pub tipo: String,
    pub nombre: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphEdge {
    pub source: String,
    pub target: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub id: i64,
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub basis_run: Option<i64>,
    pub binary_version: String,
    pub coverage: serde_json::Value,
    pub counts: serde_json::Value,
    pub summary: serde_json::Value,
    pub reasons: Vec<String>,
    pub error: Option<String>,
    /// The site this run harvested (RENEC_SOURCE_URL at the time).
    pub source_url: String,
    /// Pages obtained so far by source, while the run is running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<std::collections::BTreeMap<String, i64>>,
}

/// Every read the API makes. Implemented by SQLite today; a PostgreSQL
/// backend implements the same trait for stateless API nodes.
pub trait ReadStore: Send + Sync {
    /// The run readers see, and when it finished.
    fn published_run(&self) -> Result<Option<(i64, Option<String>)>>;
    fn schema_current(&self) -> Result<bool>;
    fn list_ec(
        &self,
        run: i64,
        f: &EcFilter,
        sort: (EcSort, Order),
        page: PageReq,
    ) -> Result<Page<EcSummary>>;
    fn get_ec(&self, run: i64, clave: &str) -> Result<Option<EcDetail>>;
    fn list_certificadores(
        &self,
        run: i64,
        f: &CertFilter,
        sort: (NameSort, Order),
        page: PageReq,
    ) -> Result<Page<CertSummary>>;
    fn get_certificador(&self, run: i64, id: &str) -> Result<Option<CertDetail>>;
    /// Certifiers by type: ECE, OC, and those whose type is not published.
    fn certificador_tipos(&self, run: i64) -> Result<Vec<TipoSummary>>;
    /// The 32 states with their committees, certifiers and certifiable standards.
    fn estados(&self, run: i64) -> Result<Vec<EstadoSummary>>;
    fn list_centros(
        &self,
        run: i64,
        f: &CertFilter,
        sort: (NameSort, Order),
        page: PageReq,
    ) -> Result<Page<NamedSummary>>;
    fn get_centro(&self, run: i64, id: &str) -> Result<Option<CentroDetail>>;
    fn list_comites(
        &self,
        run: i64,
        f: &ComiteFilter,
        sort: (NameSort, Order),
        page: PageReq,
    ) -> Result<Page<ComiteSummary>>;
    fn get_comite(&self, run: i64, id: i64) -> Result<Option<ComiteDetail>>;
    fn list_sectores(&self, run: i64, q: Option<&str>, page: PageReq)
        -> Result<Page<NamedSummary>>;
    fn get_sector(&self, run: i64, id: &str) -> Result<Option<SectorDetail>>;
    fn search(&self, q: &str, page: PageReq) -> Result<Page<SearchHit>>;
    fn graph(&self, run: i64, f: &GraphFilter) -> Result<Graph>;
    fn counts(&self, run: i64) -> Result<super::stats::Counts>;
    fn list_runs(&self, page: PageReq) -> Result<Page<RunView>>;
    fn get_run(&self, id: i64) -> Result<Option<RunView>>;
    /// Published runs, oldest first, with when they finished.
    fn published_runs(&self) -> Result<Vec<(i64, Option<String>)>>;
    /// A value remembered in the database (`served_bundle`, …).
    fn state(&self, key: &str) -> Result<Option<String>>;
    /// The diff document between two runs (see `store::diff`).
    fn diff(&self, from: i64, to: i64) -> Result<serde_json::Value>;
    /// An entity's history (`ec`, `certificadores`, `comites`); None if never seen.
    fn history(&self, kind: &str, key: &str) -> Result<Option<Vec<serde_json::Value>>>;
    /// Codes of the standards of a sector and/or of committees in a state, as of a run.
    fn ec_scope(
        &self,
        run: i64,
        sector: Option<&str>,
        estado: Option<&str>,
    ) -> Result<std::collections::BTreeSet<String>>;
}

// ---- SQLite -------------------------------------------------------------

/// A small pool of read-only connections.
pub struct SqliteReader {
    path: PathBuf,
    size: usize,
    idle: Mutex<Vec<Connection>>,
    open: Mutex<usize>,
    returned: Condvar,
    /// Bumped when the database file is replaced: older connections are closed.
    generation: std::sync::atomic::AtomicU64,
}

struct Lease<'a> {
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
            path: path.to_path_buf(),
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

    pub fn size(&self) -> usize {
        self.size
    }

    /// Connections not in use right now (including ones not yet opened).
    pub fn available(&self) -> usize {
        let idle = self.idle.lock().expect("pool lock").len();
        let open = *self.open.lock().expect("pool lock");
        idle + (self.size - open)
    }

    fn lease(&self) -> Result<Lease<'_>> {
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
                    let conn = Connection::open_with_flags(
                        &self.path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY
                            | OpenFlags::SQLITE_OPEN_NO_MUTEX
                            | OpenFlags::SQLITE_OPEN_URI,
                    )
                    .map_err(|source| {
                        *self.open.lock().expect("pool lock") -= 1;
                        StoreError::Open {
                            path: self.path.clone(),
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

fn at(alias: &str) -> String {
    format!("{alias}.first_seen_run <= :run AND {alias}.last_seen_run >= :run")
}

/// A user's words as an FTS5 query: each word quoted, prefix-matched, all required.
pub fn fts_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

struct Sql {
    where_: Vec<String>,
    params: Vec<(String, Value)>,
}

impl Sql {
    fn new(run: i64) -> Sql {
        Sql {
            where_: Vec::new(),
            params: vec![(":run".into(), Value::Integer(run))],
        }
    }
    fn cond(&mut self, c: impl Into<String>) {
        self.where_.push(c.into());
    }
    fn param(&mut self, name: &str, v: impl Into<Value>) {
        self.params.push((name.into(), v.into()));
    }
    fn where_clause(&self) -> String {
        if self.where_.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.where_.join(" AND "))
        }
    }
    fn refs(&self) -> Vec<(&str, &dyn rusqlite::ToSql)> {
        self.params
            .iter()
            .map(|(k, v)| (k.as_str(), v as &dyn rusqlite::ToSql))
            .collect()
    }
}

const EC_SELECT: &str = "SELECT e.clave, e.titulo, e.nivel, e.tipo, e.vigente, e.sector_id, s.nombre, e.comite_id,
        coalesce(c.nombre, e.comite_nombre),
        (SELECT count(*) FROM ec_certificador l WHERE l.ec_clave = e.clave AND l.first_seen_run <= min(:run, e.last_seen_run) AND l.last_seen_run >= min(:run, e.last_seen_run)) AS n_cert,
        e.last_seen_run < :run AS retirado
    FROM estandares e
    LEFT JOIN sectores s ON s.id = e.sector_id AND s.first_seen_run <= :run AND s.last_seen_run >= :run
    LEFT JOIN comites c ON c.id = e.comite_id AND c.first_seen_run <= :run AND c.last_seen_run >= :run";

fn ec_summary(r: &rusqlite::Row) -> rusqlite::Result<EcSummary> {
    Ok(EcSummary {
        clave: r.get(0)?,
        titulo: r.get(1)?,
        nivel: r.get(2)?,
        tipo: r.get(3)?,
        vigente: r.get(4)?,
        sector_id: r.get(5)?,
        sector: r.get(6)?,
        comite_id: r.get(7)?,
        comite: r.get(8)?,
        certificadores: r.get(9)?,
        retirado: r.get(10)?,
    })
}

fn order(o: Order) -> &'static str {
    match o {
        Order::Asc => "ASC",
        Order::Desc => "DESC",
    }
}

fn paged<T>(
    conn: &Connection,
    select: &str,
    sql: &Sql,
    order_by: &str,
    page: PageReq,
    map: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
) -> Result<Page<T>> {
    let where_ = sql.where_clause();
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM ({select} {where_})"),
        sql.refs().as_slice(),
        |r| r.get(0),
    )?;
    let text = format!(
        "{select} {where_} ORDER BY {order_by} LIMIT {} OFFSET {}",
        page.limit, page.offset
    );
    let mut stmt = conn.prepare_cached(&text)?;
    let items = stmt
        .query_map(sql.refs().as_slice(), map)?
        .collect::<rusqlite::Result<Vec<T>>>()?;
    Ok(Page {
        items,
        total: total as u64,
    })
}

fn strings(conn: &Connection, sql: &str, run: i64, key: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(rusqlite::named_params! {":run": run, ":key": key}, |r| {
        r.get(0)
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The certifiers of a standard, with the states where they certify it.
fn cert_links(conn: &Connection, run: i64, clave: &str) -> Result<Vec<CertLink>> {
    let sql = format!(
        "SELECT x.id, x.nombre, x.tipo,
            (SELECT group_concat(s.estado_inegi) FROM ec_certificador_estado s WHERE s.ec_clave = l.ec_clave AND s.certificador_id = x.id AND {})
         FROM ec_certificador l JOIN certificadores x ON x.id = l.certificador_id AND {}
         WHERE l.ec_clave = :key AND {} ORDER BY x.nombre",
        at("s"),
        at("x"),
        at("l")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::named_params! {":run": run, ":key": clave}, |r| {
        Ok(CertLink {
            id: r.get(0)?,
            nombre: r.get(1)?,
            tipo: r.get(2)?,
            estados: EstadoRef::list(r.get(3)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn refs(conn: &Connection, sql: &str, run: i64, key: &str) -> Result<Vec<Ref>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(rusqlite::named_params! {":run": run, ":key": key}, |r| {
        Ok(Ref {
            id: r.get(0)?,
            nombre: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The run to read an entity at: `run` itself when it is there, else the
/// last run it was seen in before `run` (None: never seen by then).
fn last_seen_by(
    conn: &Connection,
    table: &str,
    key_col: &str,
    key: &Value,
    run: i64,
) -> Result<Option<i64>> {
    let sql = format!(
        "SELECT CASE WHEN max(last_seen_run) >= :run THEN :run ELSE max(last_seen_run) END FROM {table} WHERE {key_col} = :key AND first_seen_run <= :run"
    );
    Ok(conn.query_row(
        &sql,
        rusqlite::named_params! {":key": key, ":run": run},
        |r| r.get(0),
    )?)
}

/// First run an entity was seen in any version, and the last run of its current version.
fn seen(
    conn: &Connection,
    table: &str,
    key_col: &str,
    key: &Value,
    run: i64,
) -> Result<(i64, i64)> {
    let sql = format!(
        "SELECT (SELECT min(first_seen_run) FROM {table} WHERE {key_col} = :key), max(last_seen_run) FROM {table} t WHERE {key_col} = :key AND {}",
        at("t")
    );
    Ok(conn.query_row(
        &sql,
        rusqlite::named_params! {":key": key, ":run": run},
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

fn run_view(r: &rusqlite::Row) -> rusqlite::Result<RunView> {
    let json = |i: usize| -> rusqlite::Result<serde_json::Value> {
        let t: Option<String> = r.get(i)?;
        Ok(t.and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null))
    };
    let reasons: Option<String> = r.get(9)?;
    Ok(RunView {
        id: r.get(0)?,
        status: r.get(1)?,
        started_at: r.get(2)?,
        finished_at: r.get(3)?,
        basis_run: r.get(4)?,
        binary_version: r.get(5)?,
        coverage: json(6)?,
        counts: json(7)?,
        summary: json(8)?,
        reasons: reasons
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default(),
        error: r.get(10)?,
        source_url: r.get(11)?,
        progress: None,
    })
}

fn with_progress(c: &Connection, mut run: RunView) -> Result<RunView> {
    if run.status == "running" {
        let mut stmt = c.prepare_cached(
            "SELECT source, count(*) FROM run_pages WHERE run_id = ?1 GROUP BY source",
        )?;
        let rows = stmt.query_map([run.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        run.progress = Some(rows.collect::<rusqlite::Result<_>>()?);
    }
    Ok(run)
}

const RUN_SELECT: &str = "SELECT id, status, started_at, finished_at, basis_run, binary_version, coverage_json, counts_json, summary_json, reasons_json, error, source_url FROM runs";

impl ReadStore for SqliteReader {
    fn published_run(&self) -> Result<Option<(i64, Option<String>)>> {
        let c = self.lease()?;
        Ok(c.query_row(
            "SELECT id, finished_at FROM runs WHERE status = 'published' ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
    }

    fn schema_current(&self) -> Result<bool> {
        let c = self.lease()?;
        Ok(super::migrate::current_version(&c)? == super::migrate::SCHEMA_VERSION)
    }

    fn list_ec(
        &self,
        run: i64,
        f: &EcFilter,
        sort: (EcSort, Order),
        page: PageReq,
    ) -> Result<Page<EcSummary>> {
        let c = self.lease()?;
        let mut sql = Sql::new(run);
        if f.include_retired {
            // The latest version of every standard seen by then: current ones and retired ones as last seen.
            sql.cond("e.row_id IN (SELECT max(row_id) FROM estandares WHERE first_seen_run <= :run GROUP BY clave)");
        } else {
            sql.cond(at("e"));
        }
        if let Some(q) = f.q.as_deref().and_then(fts_query) {
            sql.cond(
                "e.clave IN (SELECT key FROM search_fts WHERE search_fts MATCH :q AND kind = 'ec')",
            );
            sql.param(":q", q);
        }
        if let Some(v) = &f.sector {
            sql.cond("e.sector_id = :sector");
            sql.param(":sector", v.clone());
        }
        if let Some(v) = f.nivel {
            sql.cond("e.nivel = :nivel");
            sql.param(":nivel", v);
        }
        if let Some(v) = f.comite {
            // The committee's own list of standards, or the standard's committee.
            sql.cond(format!(
                "(e.comite_id = :comite OR EXISTS (SELECT 1 FROM comite_ec k WHERE k.comite_id = :comite AND k.ec_clave = e.clave AND {}))",
                at("k")
            ));
            sql.param(":comite", v);
        }
        if let Some(v) = &f.centro {
            sql.cond(format!("EXISTS (SELECT 1 FROM ec_centro l WHERE l.ec_clave = e.clave AND l.centro_id = :centro AND {})", at("l")));
            sql.param(":centro", v.clone());
        }
        if let Some(v) = f.vigente {
            sql.cond("e.vigente = :vigente");
            sql.param(":vigente", i64::from(v));
        }
        if let Some(v) = &f.tipo {
            sql.cond("e.tipo = :tipo");
            sql.param(":tipo", v.clone());
        }
        if let Some(v) = &f.certificador {
            sql.cond(format!("EXISTS (SELECT 1 FROM ec_certificador l WHERE l.ec_clave = e.clave AND l.certificador_id = :cert AND {})", at("l")));
            sql.param(":cert", v.clone());
        }
        if let Some(v) = &f.estado {
            sql.cond("c.estado_inegi = :estado");
            sql.param(":estado", v.clone());
        }
        let dir = order(sort.1);
        let order_by = match sort.0 {
            EcSort::Clave => format!("e.clave {dir}"),
            EcSort::Titulo => format!("e.titulo COLLATE NOCASE {dir}, e.clave"),
            EcSort::Nivel => format!("e.nivel {dir}, e.clave"),
            EcSort::Certificadores => format!("n_cert {dir}, e.clave"),
        };
        paged(&c, EC_SELECT, &sql, &order_by, page, ec_summary)
    }

    fn get_ec(&self, run: i64, clave: &str) -> Result<Option<EcDetail>> {
        let c = self.lease()?;
        // A standard no longer listed is shown as it was when last seen.
        let Some(seen_run) =
            last_seen_by(&c, "estandares", "clave", &Value::Text(clave.into()), run)?
        else {
            return Ok(None);
        };
        let retired = seen_run < run;
        let run = seen_run;
        let sql = format!("{EC_SELECT} WHERE e.clave = :key AND {}", at("e"));
        let summary = c
            .query_row(
                &sql,
                rusqlite::named_params! {":key": clave, ":run": run},
                ec_summary,
            )
            .optional()?;
        let Some(mut summary) = summary else {
            return Ok(None);
        };
        summary.retirado = retired;
        let (clave_publicada, clase, id_renec, source_url): (String, String, Option<String>, Option<String>) = c.query_row(
            &format!("SELECT clave_publicada, clase, id_renec, source_url FROM estandares e WHERE clave = :key AND {}", at("e")),
            rusqlite::named_params! {":key": clave, ":run": run},
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let (first_seen_run, last_seen_run) =
            seen(&c, "estandares", "clave", &Value::Text(clave.into()), run)?;
        Ok(Some(EcDetail {
            ocupaciones: strings(&c, &format!("SELECT ocupacion FROM ec_ocupacion l WHERE ec_clave = :key AND {} ORDER BY ocupacion", at("l")), run, clave)?,
            certificadores_lista: cert_links(&c, run, clave)?,
            centros: refs(&c, &format!("SELECT x.id, x.nombre FROM ec_centro l JOIN centros x ON x.id = l.centro_id AND {} WHERE l.ec_clave = :key AND {} ORDER BY x.nombre", at("x"), at("l")), run, clave)?,
            comite_miembros: strings(&c, &format!("SELECT institucion FROM ec_comite_miembro l WHERE ec_clave = :key AND {} ORDER BY row_id", at("l")), run, clave)?,
            summary,
            clave_publicada,
            clase,
            id_renec,
            source_url,
            first_seen_run,
            last_seen_run,
        }))
    }

    fn list_certificadores(
        &self,
        run: i64,
        f: &CertFilter,
        sort: (NameSort, Order),
        page: PageReq,
    ) -> Result<Page<CertSummary>> {
        let c = self.lease()?;
        let select = format!(
            "SELECT * FROM (SELECT x.id, x.nombre, x.tipo,
                (SELECT count(*) FROM ec_certificador l WHERE l.certificador_id = x.id AND {}) AS n,
                (SELECT group_concat(DISTINCT s.estado_inegi) FROM ec_certificador_estado s WHERE s.certificador_id = x.id AND {}) AS estados
             FROM certificadores x WHERE {})",
            at("l"),
            at("s"),
            at("x")
        );
        let mut sql = Sql::new(run);
        if let Some(q) = f.q.as_deref().and_then(fts_query) {
            sql.cond("id IN (SELECT key FROM search_fts WHERE search_fts MATCH :q AND kind = 'certificador')");
            sql.param(":q", q);
        }
        if let Some(ec) = &f.ec {
            sql.cond(format!("EXISTS (SELECT 1 FROM ec_certificador l WHERE l.certificador_id = id AND l.ec_clave = :ec AND {})", at("l")));
            sql.param(":ec", ec.clone());
        }
        if let Some(min) = f.min_ec {
            sql.cond("n >= :min");
            sql.param(":min", min);
        }
        if let Some(t) = &f.tipo {
            sql.cond("tipo = :tipo");
            sql.param(":tipo", t.clone());
        }
        if let Some(e) = &f.estado {
            // With `ec`, the state must be one where it certifies that standard.
            let same_standard = if f.ec.is_some() {
                "AND s.ec_clave = :ec"
            } else {
                ""
            };
            sql.cond(format!("EXISTS (SELECT 1 FROM ec_certificador_estado s WHERE s.certificador_id = id AND s.estado_inegi = :estado {same_standard} AND {})", at("s")));
            sql.param(":estado", e.clone());
        }
        paged(&c, &select, &sql, &name_order(sort), page, |r| {
            Ok(CertSummary {
                certificador: CertLink {
                    id: r.get(0)?,
                    nombre: r.get(1)?,
                    tipo: r.get(2)?,
                    estados: EstadoRef::list(r.get(4)?),
                },
                estandares: r.get(3)?,
            })
        })
    }

    fn get_certificador(&self, run: i64, id: &str) -> Result<Option<CertDetail>> {
        let c = self.lease()?;
        let Some(seen_run) =
            last_seen_by(&c, "certificadores", "id", &Value::Text(id.into()), run)?
        else {
            return Ok(None);
        };
        let (retirado, run) = (seen_run < run, seen_run);
        let row: Option<(String, Option<String>, i64)> = c
            .query_row(
                &format!("SELECT x.nombre, x.tipo, (SELECT count(*) FROM ec_certificador l WHERE l.certificador_id = x.id AND {}) FROM certificadores x WHERE x.id = :key AND {}", at("l"), at("x")),
                rusqlite::named_params! {":key": id, ":run": run},
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((nombre, tipo, estandares)) = row else {
            return Ok(None);
        };
        let estados = {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT estado_inegi, count(DISTINCT ec_clave) FROM ec_certificador_estado s WHERE certificador_id = :key AND {} GROUP BY estado_inegi ORDER BY estado_inegi",
                at("s")
            ))?;
            let rows = stmt.query_map(rusqlite::named_params! {":key": id, ":run": run}, |r| {
                Ok(EstadoCount {
                    estado: EstadoRef::from_code(&r.get::<_, String>(0)?),
                    estandares: r.get(1)?,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        let (first_seen_run, last_seen_run) =
            seen(&c, "certificadores", "id", &Value::Text(id.into()), run)?;
        Ok(Some(CertDetail {
            id: id.to_string(),
            retirado,
            nombre,
            nombres_publicados: strings(&c, &format!("SELECT alias FROM certificador_alias l WHERE certificador_id = :key AND {} ORDER BY alias", at("l")), run, id)?,
            tipo,
            estados,
            estandares,
            first_seen_run,
            last_seen_run,
        }))
    }

    fn certificador_tipos(&self, run: i64) -> Result<Vec<TipoSummary>> {
        let c = self.lease()?;
        let mut stmt = c.prepare_cached(&format!(
            "SELECT tipo, count(*) FROM certificadores x WHERE {} GROUP BY tipo",
            at("x")
        ))?;
        let counts: std::collections::HashMap<Option<String>, i64> = stmt
            .query_map(rusqlite::named_params! {":run": run}, |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let kinds = [
            (Some("ECE"), "Entidad de Certificación y Evaluación"),
            (Some("OC"), "Organismo Certificador"),
            (None, "Tipo no publicado"),
        ];
        Ok(kinds
            .into_iter()
            .map(|(tipo, nombre)| TipoSummary {
                tipo: tipo.map(str::to_string),
                nombre: nombre.to_string(),
                certificadores: counts.get(&tipo.map(str::to_string)).copied().unwrap_or(0),
            })
            .collect())
    }

    fn estados(&self, run: i64) -> Result<Vec<EstadoSummary>> {
        let c = self.lease()?;
        let mut per_state: std::collections::HashMap<String, (i64, i64, i64)> =
            std::collections::HashMap::new();
        let mut stmt = c.prepare_cached(&format!(
            "SELECT estado_inegi, count(*) FROM comites x WHERE estado_inegi IS NOT NULL AND {} GROUP BY estado_inegi",
            at("x")
        ))?;
        for row in stmt.query_map(rusqlite::named_params! {":run": run}, |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (code, n) = row?;
            per_state.entry(code).or_default().0 = n;
        }
        let mut stmt = c.prepare_cached(&format!(
            "SELECT estado_inegi, count(DISTINCT certificador_id), count(DISTINCT ec_clave) FROM ec_certificador_estado s WHERE {} GROUP BY estado_inegi",
            at("s")
        ))?;
        for row in stmt.query_map(rusqlite::named_params! {":run": run}, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })? {
            let (code, certs, standards) = row?;
            let e = per_state.entry(code).or_default();
            (e.1, e.2) = (certs, standards);
        }
        Ok(crate::normalize::states::STATES
            .iter()
            .map(|(code, nombre)| {
                let (comites, certificadores, estandares) =
                    per_state.get(*code).copied().unwrap_or_default();
                EstadoSummary {
                    clave: code.to_string(),
                    nombre: nombre.to_string(),
                    comites,
                    certificadores,
                    estandares,
                }
            })
            .collect())
    }

    fn list_centros(
        &self,
        run: i64,
        f: &CertFilter,
        sort: (NameSort, Order),
        page: PageReq,
    ) -> Result<Page<NamedSummary>> {
        let c = self.lease()?;
        let select = format!(
            "SELECT * FROM (SELECT x.id, x.nombre, (SELECT count(*) FROM ec_centro l WHERE l.centro_id = x.id AND {}) AS n FROM centros x WHERE {})",
            at("l"),
            at("x")
        );
        let mut sql = Sql::new(run);
        if let Some(q) = f.q.as_deref().and_then(fts_query) {
            sql.cond(
                "id IN (SELECT key FROM search_fts WHERE search_fts MATCH :q AND kind = 'centro')",
            );
            sql.param(":q", q);
        }
        if let Some(ec) = &f.ec {
            sql.cond(format!("EXISTS (SELECT 1 FROM ec_centro l WHERE l.centro_id = id AND l.ec_clave = :ec AND {})", at("l")));
            sql.param(":ec", ec.clone());
        }
        if let Some(min) = f.min_ec {
            sql.cond("n >= :min");
            sql.param(":min", min);
        }
        paged(&c, &select, &sql, &name_order(sort), page, |r| {
            Ok(NamedSummary {
                id: r.get(0)?,
                nombre: r.get(1)?,
                estandares: r.get(2)?,
            })
        })
    }

    fn get_centro(&self, run: i64, id: &str) -> Result<Option<CentroDetail>> {
        let c = self.lease()?;
        let nombre: Option<String> = c
            .query_row(
                &format!(
                    "SELECT nombre FROM centros x WHERE id = :key AND {}",
                    at("x")
                ),
                rusqlite::named_params! {":key": id, ":run": run},
                |r| r.get(0),
            )
            .optional()?;
        let Some(nombre) = nombre else {
            return Ok(None);
        };
        let sql = format!("{EC_SELECT} WHERE {} AND e.clave IN (SELECT ec_clave FROM ec_centro l WHERE l.centro_id = :key AND {}) ORDER BY e.clave", at("e"), at("l"));
        let mut stmt = c.prepare_cached(&sql)?;
        let estandares = stmt
            .query_map(
                rusqlite::named_params! {":key": id, ":run": run},
                ec_summary,
            )?
            .collect::<rusqlite::Result<_>>()?;
        let (first_seen_run, last_seen_run) =
            seen(&c, "centros", "id", &Value::Text(id.into()), run)?;
        Ok(Some(CentroDetail {
            id: id.to_string(),
            nombre,
            estandares,
            first_seen_run,
            last_seen_run,
        }))
    }

    fn list_comites(
        &self,
        run: i64,
        f: &ComiteFilter,
        sort: (NameSort, Order),
        page: PageReq,
    ) -> Result<Page<ComiteSummary>> {
        let c = self.lease()?;
        let select = format!(
            "SELECT * FROM (SELECT x.id, x.clave, x.nombre, x.sector_nombre, x.estado_inegi, x.estado_raw,
                (SELECT count(*) FROM comite_ec l WHERE l.comite_id = x.id AND {}) AS n FROM comites x WHERE {})",
            at("l"),
            at("x")
        );
        let mut sql = Sql::new(run);
        if let Some(q) = f.q.as_deref().and_then(fts_query) {
            sql.cond("CAST(id AS TEXT) IN (SELECT key FROM search_fts WHERE search_fts MATCH :q AND kind = 'comite')");
            sql.param(":q", q);
        }
        if let Some(v) = &f.estado {
            sql.cond("estado_inegi = :estado");
            sql.param(":estado", v.clone());
        }
        if let Some(ec) = &f.ec {
            sql.cond(format!("EXISTS (SELECT 1 FROM comite_ec l WHERE l.comite_id = id AND l.ec_clave = :ec AND {})", at("l")));
            sql.param(":ec", ec.clone());
        }
        if let Some(min) = f.min_ec {
            sql.cond("n >= :min");
            sql.param(":min", min);
        }
        let order_by = match sort {
            (NameSort::Nombre, o) => format!("nombre COLLATE NOCASE {}, id", order(o)),
            (NameSort::Estandares, o) => format!("n {}, id", order(o)),
        };
        paged(&c, &select, &sql, &order_by, page, comite_summary)
    }

    fn get_comite(&self, run: i64, id: i64) -> Result<Option<ComiteDetail>> {
        let c = self.lease()?;
        let Some(seen_run) = last_seen_by(&c, "comites", "id", &Value::Integer(id), run)? else {
            return Ok(None);
        };
        let (retirado, run) = (seen_run < run, seen_run);
        let sql = format!(
            "SELECT x.id, x.clave, x.nombre, x.sector_nombre, x.estado_inegi, x.estado_raw,
                (SELECT count(*) FROM comite_ec l WHERE l.comite_id = x.id AND {}),
                x.fecha_integracion, x.calle_numero, x.colonia, x.codigo_postal, x.municipio, x.telefono_raw, x.telefono_e164, x.url
             FROM comites x WHERE x.id = :key AND {}",
            at("l"),
            at("x")
        );
        let row = c
            .query_row(
                &sql,
                rusqlite::named_params! {":key": id, ":run": run},
                |r| {
                    Ok((
                        comite_summary(r)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                        r.get(10)?,
                        r.get(11)?,
                        r.get(12)?,
                        r.get(13)?,
                        r.get(14)?,
                    ))
                },
            )
            .optional()?;
        let Some((
            summary,
            fecha_integracion,
            direccion,
            colonia,
            codigo_postal,
            municipio,
            telefono,
            telefono_e164,
            url,
        )) = row
        else {
            return Ok(None);
        };
        let sql = format!("{EC_SELECT} WHERE {} AND e.clave IN (SELECT ec_clave FROM comite_ec l WHERE l.comite_id = :key AND {}) ORDER BY e.clave", at("e"), at("l"));
        let mut stmt = c.prepare_cached(&sql)?;
        let estandares_lista = stmt
            .query_map(
                rusqlite::named_params! {":key": id, ":run": run},
                ec_summary,
            )?
            .collect::<rusqlite::Result<_>>()?;
        let (first_seen_run, last_seen_run) = seen(&c, "comites", "id", &Value::Integer(id), run)?;
        Ok(Some(ComiteDetail {
            retirado,
            summary,
            fecha_integracion,
            direccion,
            colonia,
            codigo_postal,
            municipio,
            telefono,
            telefono_e164,
            url,
            estandares_lista,
            first_seen_run,
            last_seen_run,
        }))
    }

    fn list_sectores(
        &self,
        run: i64,
        q: Option<&str>,
        page: PageReq,
    ) -> Result<Page<NamedSummary>> {
        let c = self.lease()?;
        let select = format!(
            "SELECT * FROM (SELECT x.id, x.nombre, (SELECT count(*) FROM estandares e WHERE e.sector_id = x.id AND {}) AS n FROM sectores x WHERE {})",
            at("e"),
            at("x")
        );
        let mut sql = Sql::new(run);
        if let Some(q) = q.and_then(fts_query) {
            sql.cond(
                "id IN (SELECT key FROM search_fts WHERE search_fts MATCH :q AND kind = 'sector')",
            );
            sql.param(":q", q);
        }
        paged(&c, &select, &sql, "nombre", page, |r| {
            Ok(NamedSummary {
                id: r.get(0)?,
                nombre: r.get(1)?,
                estandares: r.get(2)?,
            })
        })
    }

    fn get_sector(&self, run: i64, id: &str) -> Result<Option<SectorDetail>> {
        let c = self.lease()?;
        let sql = format!(
            "SELECT x.nombre, x.id_renec,
                (SELECT count(*) FROM estandares e WHERE e.sector_id = x.id AND {}),
                (SELECT count(DISTINCT e.comite_id) FROM estandares e WHERE e.sector_id = x.id AND e.comite_id IS NOT NULL AND {})
             FROM sectores x WHERE x.id = :key AND {}",
            at("e"),
            at("e"),
            at("x")
        );
        Ok(c.query_row(
            &sql,
            rusqlite::named_params! {":key": id, ":run": run},
            |r| {
                Ok(SectorDetail {
                    id: id.to_string(),
                    nombre: r.get(0)?,
                    id_renec: r.get(1)?,
                    estandares: r.get(2)?,
                    comites: r.get(3)?,
                })
            },
        )
        .optional()?)
    }

    fn search(&self, q: &str, page: PageReq) -> Result<Page<SearchHit>> {
        let c = self.lease()?;
        let Some(query) = fts_query(q) else {
            return Ok(Page {
                items: vec![],
                total: 0,
            });
        };
        let total: i64 = c.query_row(
            "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?1",
            [&query],
            |r| r.get(0),
        )?;
        let mut stmt = c.prepare_cached(
            "SELECT kind, key, title, snippet(search_fts, -1, '«', '»', '…', 12) FROM search_fts
             WHERE search_fts MATCH ?1 ORDER BY bm25(search_fts, 10.0, 1.0) LIMIT ?2 OFFSET ?3",
        )?;
        let items = stmt
            .query_map(
                rusqlite::params![query, page.limit, page.offset as i64],
                |r| {
                    Ok(SearchHit {
                        tipo: r.get(0)?,
                        id: r.get(1)?,
                        titulo: r.get(2)?,
                        fragmento: r.get(3)?,
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Page {
            items,
            total: total as u64,
        })
    }

    fn graph(&self, run: i64, f: &GraphFilter) -> Result<Graph> {
        let c = self.lease()?;
        let mut sql = Sql::new(run);
        sql.cond(at("l"));
        sql.cond(at("e"));
        sql.cond(at("x"));
        if let Some(s) = &f.sector {
            sql.cond("e.sector_id = :sector");
            sql.param(":sector", s.clone());
        }
        if let Some(s) = &f.estado {
            sql.cond(format!(
                "e.comite_id IN (SELECT id FROM comites k WHERE k.estado_inegi = :estado AND {})",
                at("k")
            ));
            sql.param(":estado", s.clone());
        }
        if let Some(s) = &f.certifica_en {
            sql.cond(format!(
                "EXISTS (SELECT 1 FROM ec_certificador_estado s WHERE s.ec_clave = l.ec_clave AND s.certificador_id = l.certificador_id AND s.estado_inegi = :certifica_en AND {})",
                at("s")
            ));
            sql.param(":certifica_en", s.clone());
        }
        let text = format!(
            "SELECT e.clave, e.titulo, x.id, x.nombre FROM ec_certificador l
             JOIN estandares e ON e.clave = l.ec_clave JOIN certificadores x ON x.id = l.certificador_id {} ORDER BY e.clave, x.id",
            sql.where_clause()
        );
        let mut stmt = c.prepare_cached(&text)?;
        let mut rows = stmt.query(sql.refs().as_slice())?;
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while let Some(r) = rows.next()? {
            let (ec, titulo, cert, nombre): (String, Option<String>, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            if seen.insert(ec.clone()) {
                nodes.push(GraphNode {
                    id: ec.clone(),
                    tipo: "ec".into(),
                    nombre: titulo.unwrap_or_default(),
                });
            }
            if seen.insert(cert.clone()) {
                nodes.push(GraphNode {
                    id: cert.clone(),
                    tipo: "certificador".into(),
                    nombre,
                });
            }
            edges.push(GraphEdge {
                source: ec,
                target: cert,
            });
        }
        Ok(Graph { nodes, edges })
    }

    fn counts(&self, run: i64) -> Result<super::stats::Counts> {
        let c = self.lease()?;
        super::stats::counts_at(&c, run)
    }

    fn list_runs(&self, page: PageReq) -> Result<Page<RunView>> {
        let c = self.lease()?;
        let total: i64 = c.query_row("SELECT count(*) FROM runs", [], |r| r.get(0))?;
        let mut stmt =
            c.prepare_cached(&format!("{RUN_SELECT} ORDER BY id DESC LIMIT ?1 OFFSET ?2"))?;
        let items: Vec<RunView> = stmt
            .query_map(rusqlite::params![page.limit, page.offset as i64], run_view)?
            .collect::<rusqlite::Result<_>>()?;
        let items = items
            .into_iter()
            .map(|r| with_progress(&c, r))
            .collect::<Result<_>>()?;
        Ok(Page {
            items,
            total: total as u64,
        })
    }

    fn state(&self, key: &str) -> Result<Option<String>> {
        let c = self.lease()?;
        Ok(
            c.query_row("SELECT value FROM crawl_state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?,
        )
    }

    fn published_runs(&self) -> Result<Vec<(i64, Option<String>)>> {
        let c = self.lease()?;
        super::diff::published_runs(&c)
    }

    fn diff(&self, from: i64, to: i64) -> Result<serde_json::Value> {
        let c = self.lease()?;
        super::diff::diff_runs(&c, from, to)
    }

    fn history(&self, kind: &str, key: &str) -> Result<Option<Vec<serde_json::Value>>> {
        let c = self.lease()?;
        super::diff::history(&c, kind, key)
    }

    fn ec_scope(
        &self,
        run: i64,
        sector: Option<&str>,
        estado: Option<&str>,
    ) -> Result<std::collections::BTreeSet<String>> {
        self.ec_scope_impl(run, sector, estado)
    }

    fn get_run(&self, id: i64) -> Result<Option<RunView>> {
        let c = self.lease()?;
        let run = c
            .query_row(&format!("{RUN_SELECT} WHERE id = ?1"), [id], run_view)
            .optional()?;
        run.map(|r| with_progress(&c, r)).transpose()
    }
}

impl SqliteReader {
    fn ec_scope_impl(
        &self,
        run: i64,
        sector: Option<&str>,
        estado: Option<&str>,
    ) -> Result<std::collections::BTreeSet<String>> {
        let c = self.lease()?;
        let mut sql = Sql::new(run);
        sql.cond(at("e"));
        if let Some(s) = sector {
            sql.cond("e.sector_id = :sector");
            sql.param(":sector", s.to_string());
        }
        if let Some(s) = estado {
            sql.cond(format!(
                "e.comite_id IN (SELECT id FROM comites k WHERE k.estado_inegi = :estado AND {})",
                at("k")
            ));
            sql.param(":estado", s.to_string());
        }
        let mut stmt = c.prepare(&format!(
            "SELECT e.clave FROM estandares e {}",
            sql.where_clause()
        ))?;
        let rows = stmt.query_map(sql.refs().as_slice(), |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn name_order(sort: (NameSort, Order)) -> String {
    match sort {
        (NameSort::Nombre, o) => format!("nombre COLLATE NOCASE {}, id", order(o)),
        (NameSort::Estandares, o) => format!("n {}, id", order(o)),
    }
}

fn comite_summary(r: &rusqlite::Row) -> rusqlite::Result<ComiteSummary> {
    let raw: Option<String> = r.get(5)?;
    let code: Option<String> = r.get(4)?;
    Ok(ComiteSummary {
        id: r.get(0)?,
        clave: r.get(1)?,
        nombre: r.get(2)?,
        sector: r.get(3)?,
        estado: code
            .as_deref()
            .and_then(crate::normalize::states::state_name)
            .map(str::to_string)
            .or(raw),
        estado_inegi: code,
        estandares: r.get(6)?,
    })
}

/// Rebuilds the search index from the run just published (in its transaction).
pub fn rebuild_search_index(conn: &Connection, run: i64) -> Result<()> {
    conn.execute("DELETE FROM search_fts", [])?;
    let inserts = [
        format!(
            "INSERT INTO search_fts (kind, key, title, body)
             SELECT 'ec', e.clave, e.clave || ' ' || coalesce(e.titulo, ''),
                    coalesce(e.comite_nombre, '') || ' ' || coalesce((SELECT nombre FROM sectores s WHERE s.id = e.sector_id AND {}), '') || ' ' ||
                    coalesce((SELECT group_concat(ocupacion, ' · ') FROM ec_ocupacion o WHERE o.ec_clave = e.clave AND {}), '')
             FROM estandares e WHERE {}",
            at("s"),
            at("o"),
            at("e")
        ),
        format!(
            "INSERT INTO search_fts (kind, key, title, body)
             SELECT 'certificador', x.id, x.nombre, coalesce((SELECT group_concat(alias, ' · ') FROM certificador_alias a WHERE a.certificador_id = x.id AND {}), '') || ' ' || coalesce(x.tipo, '')
             FROM certificadores x WHERE {}",
            at("a"),
            at("x")
        ),
        format!("INSERT INTO search_fts (kind, key, title, body) SELECT 'centro', x.id, x.nombre, '' FROM centros x WHERE {}", at("x")),
        format!(
            "INSERT INTO search_fts (kind, key, title, body)
             SELECT 'comite', CAST(x.id AS TEXT), x.nombre, coalesce(x.clave, '') || ' ' || coalesce(x.sector_nombre, '') || ' ' || coalesce(x.estado_raw, '')
             FROM comites x WHERE {}",
            at("x")
        ),
        format!("INSERT INTO search_fts (kind, key, title, body) SELECT 'sector', x.id, x.nombre, '' FROM sectores x WHERE {}", at("x")),
    ];
    for sql in inserts {
        conn.execute(&sql, rusqlite::named_params! {":run": run})?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_queries_are_quoted_words() {
        assert_eq!(
            fts_query("traducción lenguas").as_deref(),
            Some("\"traducción\"* \"lenguas\"*")
        );
        assert_eq!(
            fts_query("\"a\" OR b*").as_deref(),
            Some("\"a\"* \"OR\"* \"b\"*")
        );
        assert_eq!(fts_query(" ¿? "), None);
    }
}
