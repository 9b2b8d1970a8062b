//! The HTTP API (read-only JSON, `/api/v1/…`), health and metrics, and the
//! embedded UI, on warp. `routes` is the one route table; `server` drives
//! the connections; `dispatch` takes one request from start to end (limits,
//! authorization, parameters, ETags and 304s, the cache, metrics and the
//! access log); `state` is what every request can reach; `http` shapes the
//! answers (compression, CORS, security headers); one file per resource
//! holds its handlers. This file holds the request and reply types and the
//! list envelopes they share.

pub mod error;
pub mod params;

mod admin;
mod centros;
mod certificadores;
mod changes;
mod comites;
mod dispatch;
mod estados;
mod estandares;
mod export;
mod health;
mod http;
pub mod routes;
mod runs;
mod search;
mod sectores;
pub mod server;
mod state;

use crate::store::read::ReadStore;
pub use dispatch::filter;
use error::ApiError;
use params::Params;
pub use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use warp::http::HeaderMap;

/// What a handler produces.
pub enum Reply {
    /// JSON that may be cached and revalidated (tied to the published run).
    Json(serde_json::Value),
    /// Another body that may be cached and revalidated (feeds, Markdown reports).
    Body {
        content_type: &'static str,
        body: bytes::Bytes,
    },
    /// An answer built by the handler (exports, metrics, health, UI files).
    Raw(warp::reply::Response),
}

/// One matched request: its route, its checked parameters and what it needs.
pub struct Request<'a> {
    pub state: &'a AppState,
    /// The published run when the request arrived.
    pub run: Option<i64>,
    /// The query parameters, already checked against the route's list.
    pub params: Params,
    pub params_raw: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub client: Option<SocketAddr>,
    /// The name of the admin key that authorized the request.
    pub actor: Option<String>,
}

impl Request<'_> {
    /// The run to answer from, or 503 when nothing is published yet.
    pub fn run(&self) -> Result<i64, ApiError> {
        self.run.ok_or_else(ApiError::no_data)
    }

    /// The run to answer from: `as_of` (a published run id, or a date
    /// YYYY-MM-DD meaning the last run published that day or before), else
    /// the published run. With an older run, `q` still matches the words of
    /// the published run (its search index): the rows it keeps are shown as
    /// they were then.
    pub async fn run_for(&self, p: &Params) -> Result<i64, ApiError> {
        self.as_of(p).await
    }

    async fn as_of(&self, p: &Params) -> Result<i64, ApiError> {
        let Some(v) = p.typed("as_of")? else {
            return self.run();
        };
        let runs = self.state.read(|s| s.published_runs()).await?;
        if let Ok(id) = v.parse::<i64>() {
            return runs.iter().find(|(r, _)| *r == id).map(|(r, _)| *r).ok_or_else(|| {
                ApiError::not_found(
                    format!("la corrida {id} no se publicó; `as_of` acepta el número de una corrida publicada o una fecha AAAA-MM-DD"),
                    format!("run {id} was not published; `as_of` takes a published run id or a date YYYY-MM-DD"),
                )
            });
        }
        let date = chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
            .map_err(|_| {
                ApiError::bad_parameter(
                    "as_of",
                    format!("`as_of` debe ser el número de una corrida publicada o una fecha AAAA-MM-DD; se recibió {v:?}"),
                    format!("`as_of` must be a published run id or a date YYYY-MM-DD, got {v:?}"),
                )
            })?
            .to_string();
        runs.iter()
            .rev()
            .find(|(_, finished)| {
                finished
                    .as_deref()
                    .and_then(|f| f.get(..10))
                    .is_some_and(|d| d <= date.as_str())
            })
            .map(|(r, _)| *r)
            .ok_or_else(|| {
                ApiError::not_found(
                    format!("no se publicó ninguna corrida el {date} ni antes"),
                    format!("no run was published on or before {date}"),
                )
            })
    }

    /// The name of the admin key that authorized the request.
    pub fn actor(&self) -> &str {
        self.actor.as_deref().unwrap_or("?")
    }
}

/// Serves on `listener` until `shutdown` resolves.
pub async fn serve(
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    server::run(
        filter(state),
        listener,
        shutdown,
        server::HEADER_READ_TIMEOUT,
    )
    .await;
}

/// Sort keys of the named lists (certifiers, offerings, committees).
pub const NAME_SORTS: &[(&str, crate::store::read::NameSort)] = &[
    ("nombre", crate::store::read::NameSort::Nombre),
    ("estandares", crate::store::read::NameSort::Estandares),
];

/// One entity as of the run the parameters ask for (`as_of`), or 404 naming `what`.
pub async fn detail<T: serde::Serialize + Send + 'static>(
    req: &Request<'_>,
    p: &Params,
    what: error::Text,
    read: impl Fn(&dyn ReadStore, i64) -> crate::store::Result<Option<T>> + Send + Sync + 'static,
) -> Result<Reply, ApiError> {
    let run = req.run_for(p).await?;
    match req.state.read(move |s| read(s, run)).await? {
        Some(v) => Ok(json_body(&v)),
        None => Err(ApiError::not_found(
            format!("no hay {} en los datos publicados", what.es),
            format!("no {} in the published data", what.en),
        )),
    }
}

/// A list reply with its facets (`facetas`), when any were asked for.
pub fn with_facets(reply: Reply, facets: Option<Vec<crate::store::read::facets::Facet>>) -> Reply {
    let Some(f) = facets else { return reply };
    with_members(
        reply,
        [("facetas", &crate::store::read::facets::FacetsJson(&f))],
    )
}

/// A JSON object reply with more members.
pub fn with_extra(reply: Reply, extra: serde_json::Map<String, serde_json::Value>) -> Reply {
    with_members(reply, extra.iter().map(|(k, v)| (k.as_str(), v)))
}

/// A JSON object reply with more members, each serialized as it is
/// appended.
fn with_members<'a, T: serde::Serialize + 'a>(
    reply: Reply,
    extra: impl IntoIterator<Item = (&'a str, &'a T)>,
) -> Reply {
    let mut extra = extra.into_iter().peekable();
    if extra.peek().is_none() {
        return reply;
    }
    match reply {
        Reply::Json(serde_json::Value::Object(mut o)) => {
            o.extend(
                extra.map(|(k, v)| (k.to_string(), serde_json::to_value(v).expect("serializes"))),
            );
            Reply::Json(serde_json::Value::Object(o))
        }
        Reply::Body { content_type, body } if body.ends_with(b"}") => {
            // A serialized object: its members, then these (in the same
            // buffer: a body just built has no other owner, so this does
            // not copy it).
            let mut out = Vec::from(body);
            out.pop();
            for (k, v) in extra {
                out.push(b',');
                serde_json::to_writer(&mut out, k).expect("serializes");
                out.push(b':');
                serde_json::to_writer(&mut out, v).expect("serializes");
            }
            out.push(b'}');
            Reply::Body {
                content_type,
                body: out.into(),
            }
        }
        other => other,
    }
}

/// JSON serialized straight from typed answers (no `serde_json::Value` in
/// between: lists and details are the API's hot path).
pub fn json_body<T: serde::Serialize>(value: &T) -> Reply {
    // Most answers are a few KB: start there rather than grow from 128 bytes.
    let mut body = Vec::with_capacity(4096);
    serde_json::to_writer(&mut body, value).expect("serializes");
    // The response cache weighs bodies by length: no hidden spare capacity.
    if body.capacity() - body.len() > 1024 {
        body.shrink_to_fit();
    }
    Reply::Body {
        content_type: JSON,
        body: body.into(),
    }
}

/// The content type of every JSON answer.
pub const JSON: &str = "application/json; charset=utf-8";

/// The list envelope for a short list answered whole (no next page).
pub fn whole_list<T: serde::Serialize>(items: Vec<T>) -> Reply {
    Reply::Json(serde_json::json!({
        "total": items.len(),
        "limit": items.len(),
        "next": null,
        "items": items,
    }))
}

/// The list envelope: `{"items", "total", "limit", "next"}`, with `next` a
/// URL carrying an opaque cursor (null on the last page).
pub fn list_reply<T: serde::Serialize>(
    path: &str,
    params: &Params,
    page: crate::store::read::PageReq,
    result: crate::store::read::Page<T>,
) -> Reply {
    let next_offset = page.offset + u64::from(page.limit);
    let next = (next_offset < result.total).then(|| {
        let mut query: Vec<(String, String)> =
            url::form_urlencoded::parse(params.canonical().as_bytes())
                .into_owned()
                .filter(|(k, _)| k != "offset" && k != "cursor")
                .collect();
        query.push(("cursor".into(), params::encode_cursor(next_offset)));
        let q = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        format!("{path}?{q}")
    });
    #[derive(serde::Serialize)]
    struct Envelope<T> {
        items: Vec<T>,
        total: u64,
        limit: u32,
        next: Option<String>,
    }
    json_body(&Envelope {
        items: result.items,
        total: result.total,
        limit: page.limit,
        next,
    })
}
