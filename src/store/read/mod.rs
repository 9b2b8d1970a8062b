//! Reads for the API, behind one interface ([`ReadStore`]) so that a second
//! backend (PostgreSQL) can answer the same questions. Every read is "as of"
//! a run: the published one, or an older one for time travel. One file per
//! entity holds its answer types and their queries; `query` holds what they
//! share and `pool` the connections.

mod centros;
mod certificadores;
mod comites;
mod estados;
mod estandares;
pub mod facets;
mod graph;
mod pool;
mod query;
mod runs;
mod search;
mod sectores;

pub use crate::store::view::search::{SearchHit, SearchPage};
pub use centros::{CentroDetail, CentroFilter, NamedSummary};
pub use certificadores::{
    certificador_tipos_from, CertDetail, CertFilter, CertLink, CertSummary, EstadoCount,
    TipoSummary,
};
pub use comites::{estado_name, ComiteDetail, ComiteFilter, ComiteSummary};
pub use estados::{EstadoRef, EstadoSummary};
pub use estandares::{EcDetail, EcFilter, EcSort, EcSummary};
pub use graph::{Graph, GraphEdge, GraphFilter, GraphNode};
pub use pool::SqliteReader;
pub(crate) use query::at;
pub use query::{fts_query, NameSort, Order, Page, PageReq, Ref};
pub use runs::RunView;
pub use sectores::SectorDetail;

use super::Result;

/// Every read the API makes. Implemented by SQLite today; a PostgreSQL
/// backend implements the same trait for stateless API nodes.
pub trait ReadStore: Send + Sync {
    /// How many reads can run at once (the connections it holds): the API
    /// starts no more database reads than that at a time.
    fn connections(&self) -> usize;
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
    /// [`ReadStore::list_ec`] with every item already serialized (the
    /// in-memory view keeps each standard's JSON; others serialize here).
    fn list_ec_json(
        &self,
        run: i64,
        f: &EcFilter,
        sort: (EcSort, Order),
        page: PageReq,
    ) -> Result<Page<Box<serde_json::value::RawValue>>> {
        let p = self.list_ec(run, f, sort, page)?;
        Ok(Page {
            items: p
                .items
                .iter()
                .map(|i| serde_json::value::to_raw_value(i).expect("serializes"))
                .collect(),
            total: p.total,
        })
    }
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
        f: &CentroFilter,
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
    /// Search across kinds (`tipos`: `ec`, `certificador`, …; empty: all).
    fn search(&self, q: &str, tipos: &[String], page: PageReq) -> Result<SearchPage>;
    /// A search, and the facets of the standards that match its words in
    /// `run` (none asked: no facets).
    fn search_faceted(
        &self,
        run: i64,
        q: &str,
        tipos: &[String],
        page: PageReq,
        facets: &[facets::EcFacet],
    ) -> Result<(SearchPage, Vec<facets::Facet>)> {
        let found = self.search(q, tipos, page)?;
        if facets.is_empty() {
            return Ok((found, vec![]));
        }
        Ok((found, self.ec_facets(run, &EcFilter::words(q), facets)?))
    }
    fn graph(&self, run: i64, f: &GraphFilter) -> Result<Graph>;
    fn counts(&self, run: i64) -> Result<crate::store::stats::Counts>;
    fn list_runs(&self, page: PageReq) -> Result<Page<RunView>>;
    fn get_run(&self, id: i64) -> Result<Option<RunView>>;
    /// Published runs, oldest first, with when they finished.
    fn published_runs(&self) -> Result<Vec<(i64, Option<String>)>>;
    /// A value remembered in the database (`served_bundle`, …).
    fn state(&self, key: &str) -> Result<Option<String>>;
    /// The diff document between two runs (see `store::diff`).
    fn diff(&self, from: i64, to: i64) -> Result<crate::store::diff::Diff>;
    /// An entity's history (`ec`, `certificadores`, `comites`); None if never seen.
    fn history(&self, kind: &str, key: &str) -> Result<Option<Vec<serde_json::Value>>>;
    /// Facets of the standards a filter keeps.
    fn ec_facets(
        &self,
        run: i64,
        f: &EcFilter,
        facets: &[facets::EcFacet],
    ) -> Result<Vec<facets::Facet>>;
    /// Facets of the certifiers a filter keeps.
    fn cert_facets(
        &self,
        run: i64,
        f: &CertFilter,
        facets: &[facets::CertFacet],
    ) -> Result<Vec<facets::Facet>>;
    /// The in-memory view of `run` (see `store::view`).
    fn load_view(&self, run: i64) -> Result<crate::store::view::View>;
    /// Codes of the standards of a sector and/or of committees in a state, as of a run.
    fn ec_scope(
        &self,
        run: i64,
        sector: Option<&str>,
        estado: Option<&str>,
    ) -> Result<std::collections::BTreeSet<String>>;
}

impl ReadStore for SqliteReader {
    fn connections(&self) -> usize {
        self.size()
    }

    fn ec_facets(
        &self,
        run: i64,
        f: &EcFilter,
        facets: &[facets::EcFacet],
    ) -> Result<Vec<facets::Facet>> {
        estandares::ec_facets(&*self.lease()?, run, f, facets)
    }

    fn cert_facets(
        &self,
        run: i64,
        f: &CertFilter,
        facets: &[facets::CertFacet],
    ) -> Result<Vec<facets::Facet>> {
        certificadores::cert_facets(&*self.lease()?, run, f, facets)
    }

    fn load_view(&self, run: i64) -> Result<crate::store::view::View> {
        crate::store::view::View::from_sqlite(&*self.lease()?, run)
    }

    fn published_run(&self) -> Result<Option<(i64, Option<String>)>> {
        runs::published_run(&*self.lease()?)
    }

    fn schema_current(&self) -> Result<bool> {
        runs::schema_current(&*self.lease()?)
    }

    fn list_ec(
        &self,
        run: i64,
        f: &EcFilter,
        sort: (EcSort, Order),
        page: PageReq,
    ) -> Result<Page<EcSummary>> {
        estandares::list_ec(&*self.lease()?, run, f, sort, page)
    }

    fn get_ec(&self, run: i64, clave: &str) -> Result<Option<EcDetail>> {
        estandares::get_ec(&*self.lease()?, run, clave)
    }

    fn list_certificadores(
        &self,
        run: i64,
        f: &CertFilter,
        sort: (NameSort, Order),
        page: PageReq,
    ) -> Result<Page<CertSummary>> {
        certificadores::list_certificadores(&*self.lease()?, run, f, sort, page)
    }

    fn get_certificador(&self, run: i64, id: &str) -> Result<Option<CertDetail>> {
        certificadores::get_certificador(&*self.lease()?, run, id)
    }

    fn certificador_tipos(&self, run: i64) -> Result<Vec<TipoSummary>> {
        certificadores::certificador_tipos(&*self.lease()?, run)
    }

    fn estados(&self, run: i64) -> Result<Vec<EstadoSummary>> {
        estados::estados(&*self.lease()?, run)
    }

    fn list_centros(
        &self,
        run: i64,
        f: &CentroFilter,
        sort: (NameSort, Order),
        page: PageReq,
    ) -> Result<Page<NamedSummary>> {
        centros::list_centros(&*self.lease()?, run, f, sort, page)
    }

    fn get_centro(&self, run: i64, id: &str) -> Result<Option<CentroDetail>> {
        centros::get_centro(&*self.lease()?, run, id)
    }

    fn list_comites(
        &self,
        run: i64,
        f: &ComiteFilter,
        sort: (NameSort, Order),
        page: PageReq,
    ) -> Result<Page<ComiteSummary>> {
        comites::list_comites(&*self.lease()?, run, f, sort, page)
    }

    fn get_comite(&self, run: i64, id: i64) -> Result<Option<ComiteDetail>> {
        comites::get_comite(&*self.lease()?, run, id)
    }

    fn list_sectores(
        &self,
        run: i64,
        q: Option<&str>,
        page: PageReq,
    ) -> Result<Page<NamedSummary>> {
        sectores::list_sectores(&*self.lease()?, run, q, page)
    }

    fn get_sector(&self, run: i64, id: &str) -> Result<Option<SectorDetail>> {
        sectores::get_sector(&*self.lease()?, run, id)
    }

    fn search(&self, q: &str, tipos: &[String], page: PageReq) -> Result<SearchPage> {
        search::search(&*self.lease()?, q, tipos, page)
    }

    fn graph(&self, run: i64, f: &GraphFilter) -> Result<Graph> {
        graph::graph(&*self.lease()?, run, f)
    }

    fn counts(&self, run: i64) -> Result<crate::store::stats::Counts> {
        runs::counts(&*self.lease()?, run)
    }

    fn list_runs(&self, page: PageReq) -> Result<Page<RunView>> {
        runs::list_runs(&*self.lease()?, page)
    }

    fn get_run(&self, id: i64) -> Result<Option<RunView>> {
        runs::get_run(&*self.lease()?, id)
    }

    fn published_runs(&self) -> Result<Vec<(i64, Option<String>)>> {
        runs::published_runs(&*self.lease()?)
    }

    fn state(&self, key: &str) -> Result<Option<String>> {
        runs::state(&*self.lease()?, key)
    }

    fn diff(&self, from: i64, to: i64) -> Result<crate::store::diff::Diff> {
        runs::diff(&*self.lease()?, from, to)
    }

    fn history(&self, kind: &str, key: &str) -> Result<Option<Vec<serde_json::Value>>> {
        runs::history(&*self.lease()?, kind, key)
    }

    fn ec_scope(
        &self,
        run: i64,
        sector: Option<&str>,
        estado: Option<&str>,
    ) -> Result<std::collections::BTreeSet<String>> {
        estandares::ec_scope(&*self.lease()?, run, sector, estado)
    }
}
