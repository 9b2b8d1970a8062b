//! The standard–certifier graph.

use super::query::*;
use crate::store::Result;
use rusqlite::Connection;
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct GraphFilter {
    pub sector: Option<String>,
    /// Standards whose committee is in this state (INEGI code).
    pub estado: Option<String>,
    /// Only the edges certified in this state (INEGI code), when published.
    pub certifica_en: Option<String>,
    /// Standards of this committee.
    pub comite: Option<i64>,
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

pub(super) fn graph(c: &Connection, run: i64, f: &GraphFilter) -> Result<Graph> {
    let mut sql = Sql::new(run);
    sql.cond(at("l"));
    sql.cond(at("e"));
    sql.cond(at("x"));
    if let Some(s) = &f.sector {
        sql.cond("e.sector_id = :sector");
        sql.param(":sector", s.clone());
    }
    if let Some(k) = f.comite {
        sql.cond("e.comite_id = :comite");
        sql.param(":comite", k);
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
