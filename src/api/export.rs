//! `/api/v1/export/{entity}.csv|.json|.ndjson`, and any list with
//! `format=csv|ndjson`: every row the list's filters keep, in the list's
//! order, streamed page by page (no cut-off), UTF-8, with an optional
//! byte-order mark (`?bom=1`) for spreadsheets.

use super::error::ApiError;
use super::{centros, certificadores, comites, estandares, Reply, Request};
use crate::entity::Kind;
use crate::store::read::{
    CentroFilter, CertFilter, ComiteFilter, EcSort, NameSort, Order, PageReq, ReadStore,
};
use bytes::Bytes;
use warp::http::{header, HeaderValue};
use warp::Reply as _;

const PAGE: u32 = 1000;

#[derive(Clone, Copy, PartialEq)]
pub enum Format {
    Csv,
    Json,
    Ndjson,
}

/// What to export: a list's filter and order.
pub enum Query {
    Ec(crate::store::read::EcFilter, (EcSort, Order)),
    Certificadores(CertFilter, (NameSort, Order)),
    Centros(CentroFilter, (NameSort, Order)),
    Comites(ComiteFilter, (NameSort, Order)),
    Sectores(Option<String>),
}

/// `format` of a list: `json` (a page, the default), or `csv` / `ndjson`
/// (every row, streamed). `bom` is checked here too, whatever the format.
pub fn list_format(p: &super::params::Params) -> Result<Option<Format>, ApiError> {
    p.boolean("bom")?;
    Ok(
        match p.one_of("format", &["json", "csv", "ndjson"])?.as_deref() {
            Some("csv") => Some(Format::Csv),
            Some("ndjson") => Some(Format::Ndjson),
            _ => None,
        },
    )
}

/// Rows of one page as JSON values, and the total.
fn fetch(
    store: &dyn ReadStore,
    run: i64,
    q: &Query,
    page: PageReq,
) -> crate::store::Result<(Vec<serde_json::Value>, u64)> {
    fn vals<T: serde::Serialize>(p: crate::store::read::Page<T>) -> (Vec<serde_json::Value>, u64) {
        (
            p.items
                .into_iter()
                .map(|i| serde_json::to_value(i).expect("serializes"))
                .collect(),
            p.total,
        )
    }
    Ok(match q {
        Query::Ec(f, sort) => vals(store.list_ec(run, f, *sort, page)?),
        Query::Certificadores(f, sort) => vals(store.list_certificadores(run, f, *sort, page)?),
        Query::Centros(f, sort) => vals(store.list_centros(run, f, *sort, page)?),
        Query::Comites(f, sort) => vals(store.list_comites(run, f, *sort, page)?),
        Query::Sectores(q) => vals(store.list_sectores(run, q.as_deref(), page)?),
    })
}

fn columns(q: &Query) -> &'static [&'static str] {
    match q {
        Query::Ec(..) => &[
            "clave",
            "titulo",
            "nivel",
            "tipo",
            "vigente",
            "sector_id",
            "sector",
            "comite_id",
            "comite",
            "n_certificadores",
        ],
        Query::Comites(..) => &[
            "id",
            "clave",
            "nombre",
            "sector",
            "estado_inegi",
            "estado",
            "n_estandares",
        ],
        Query::Certificadores(..) => &["id", "nombre", "tipo", "estados", "n_estandares"],
        _ => &["id", "nombre", "n_estandares"],
    }
}

fn csv_line(fields: impl IntoIterator<Item = String>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(fields).expect("in-memory CSV");
    w.into_inner().expect("in-memory CSV")
}

/// The lines of these rows in the format; `from_first`: they start the
/// export (the JSON array's first row has no comma before it).
fn render(rows: &[serde_json::Value], cols: &[&str], format: Format, from_first: bool) -> Vec<u8> {
    let mut chunk = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match format {
            Format::Csv => chunk.extend(csv_line(cols.iter().map(|c| cell(&row[*c])))),
            Format::Json => {
                if i > 0 || !from_first {
                    chunk.push(b',');
                }
                chunk.extend(serde_json::to_vec(row).expect("serializes"));
            }
            Format::Ndjson => {
                chunk.extend(serde_json::to_vec(row).expect("serializes"));
                chunk.push(b'\n');
            }
        }
    }
    chunk
}

/// The stream ends in an error: the client sees a broken answer, never a
/// silently short one.
async fn failed(tx: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>, error: String) {
    tracing::error!(error = %error, "export_failed");
    let _ = tx.send(Err(std::io::Error::other(error))).await;
}

/// A CSV cell: lists (a certifier's states) as their names joined by "; ".
fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| cell(i.get("nombre").unwrap_or(i)))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

pub async fn export(req: &Request<'_>, what: Kind, format: &str) -> Result<Reply, ApiError> {
    let entity = what.plural();
    let format = match format {
        "csv" => Format::Csv,
        "json" => Format::Json,
        "ndjson" => Format::Ndjson,
        _ => {
            return Err(ApiError::bad_parameter(
                "format",
                format!("{entity}.{format}: una exportación es {entity}.csv, {entity}.json o {entity}.ndjson"),
                format!(
                "{entity}.{format}: an export is {entity}.csv, {entity}.json or {entity}.ndjson"
            ),
            ))
        }
    };
    let p = &req.params;
    let (by_name, by_code) = ((NameSort::Nombre, Order::Asc), (EcSort::Clave, Order::Asc));
    let query = match what {
        Kind::Ec => Query::Ec(estandares::filter(p)?, by_code),
        Kind::Certificador => Query::Certificadores(certificadores::filter(p)?, by_name),
        Kind::Centro => Query::Centros(centros::filter(p)?, by_name),
        Kind::Comite => Query::Comites(comites::filter(p)?, by_name),
        Kind::Sector => Query::Sectores(p.text("q")),
    };
    stream(req, what, format, query).await
}

/// Streams every row of `query` in `format`.
pub async fn stream(
    req: &Request<'_>,
    what: Kind,
    format: Format,
    query: Query,
) -> Result<Reply, ApiError> {
    let entity = what.plural();
    let p = &req.params;
    let params = p;

    let bom = params.boolean("bom")?.unwrap_or(false);
    let run = req.run_for(p).await?;
    let database = req.state.database.clone();
    let cols = columns(&query);
    let query = std::sync::Arc::new(query);
    // A page of rows read and rendered, with how many and the total, on a
    // database reader: neither the runtime's workers nor a connection wait
    // for the client.
    let page_at = move |offset: u64| {
        let query = query.clone();
        move |store: &dyn ReadStore| {
            let page = PageReq {
                limit: PAGE,
                offset,
            };
            fetch(store, run, &query, page)
                .map(|(rows, total)| (render(&rows, cols, format, offset == 0), rows.len(), total))
        }
    };
    let (first_page, first_rows, total) = database.read(page_at(0)).await??;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    tokio::spawn(async move {
        let mut head = Vec::new();
        if bom {
            head.extend_from_slice(b"\xEF\xBB\xBF");
        }
        match format {
            Format::Csv => head.extend(csv_line(cols.iter().map(|c| c.to_string()))),
            Format::Json => head.push(b'['),
            Format::Ndjson => {}
        }
        if tx.send(Ok(Bytes::from(head))).await.is_err() {
            return;
        }
        let (mut chunk, mut rows, mut offset) = (first_page, first_rows, 0u64);
        loop {
            if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return;
            }
            offset += rows as u64;
            if rows == 0 || offset >= total {
                break;
            }
            match database.read(page_at(offset)).await {
                Ok(Ok((next, n, _))) => (chunk, rows) = (next, n),
                Ok(Err(e)) => return failed(&tx, e.to_string()).await,
                Err(e) => return failed(&tx, e.message.en).await,
            }
        }
        if format == Format::Json {
            let _ = tx.send(Ok(Bytes::from_static(b"]\n"))).await;
        }
    });
    let (ext, content_type) = match format {
        Format::Csv => ("csv", "text/csv; charset=utf-8"),
        Format::Json => ("json", super::JSON),
        Format::Ndjson => ("ndjson", "application/x-ndjson; charset=utf-8"),
    };
    let mut r =
        warp::reply::stream(tokio_stream::wrappers::ReceiverStream::new(rx)).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!(
            "attachment; filename=\"renec-{entity}-run{run}.{ext}\""
        ))
        .expect("ascii"),
    );
    h.insert("x-total-count", HeaderValue::from(total));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    tracing::info!(entity, rows = total, run, "data_export");
    req.state.audit(
        "data_export",
        req.actor.as_deref(),
        req.client,
        "ok",
        serde_json::json!({"entity": entity, "rows": total, "run": run, "query": req.params_raw}),
    );
    Ok(Reply::Raw(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_rendered_one_by_one_make_one_json_array_and_one_csv() {
        let rows: Vec<serde_json::Value> = (0..5)
            .map(|i| serde_json::json!({"clave": format!("EC{i:04}"), "titulo": "a, \"b\""}))
            .collect();
        let cols: &[&str] = &["clave", "titulo"];
        let pages = |format| {
            let mut out = Vec::new();
            for (at, page) in [(0, &rows[..2]), (2, &rows[2..4]), (4, &rows[4..])] {
                out.extend(render(page, cols, format, at == 0));
            }
            out
        };
        let json = [b"[".as_slice(), &pages(Format::Json), b"]"].concat();
        let parsed: Vec<serde_json::Value> = serde_json::from_slice(&json).unwrap();
        assert_eq!(parsed, rows);
        let csv = String::from_utf8(pages(Format::Csv)).unwrap();
        assert_eq!(csv.lines().count(), 5);
        assert!(csv.starts_with("EC0000,\"a, \"\"b\"\"\"\n"), "{csv}");
        let nd = String::from_utf8(pages(Format::Ndjson)).unwrap();
        assert_eq!(nd.lines().count(), 5);
    }
}
