//! The test site's pages, in the shapes of renec-site.md.

#[cfg(test)]
use super::corpus::CertifierFacts;
use super::corpus::{Corpus, DetailData, ListingRow};
use std::fmt::Write as _;

pub const ROBOTS_TXT: &str = "# RENEC test site\n\
User-agent: *\n\
Disallow: /RENEC/controlador.do?comp=ES&\n\
Disallow: /RENEC/controlador.do?comp=BU\n\
Disallow: /privado/\n\
\n\
User-agent: BadBot\n\
Disallow: /\n";

pub const ROWS_PER_PAGE: usize = 100;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn mat_table(out: &mut String, header: &str, values: &[String]) {
    let _ = write!(
        out,
        "   <mat-table role=\"grid\">\n    <mat-header-row><mat-header-cell role=\"columnheader\">{}</mat-header-cell></mat-header-row>\n",
        escape(header)
    );
    for v in values {
        // Names may span lines and carry extra white space on the live site.
        let _ = writeln!(out, "    <mat-row role=\"row\"><mat-cell role=\"gridcell\">\n      {}\n    </mat-cell></mat-row>", escape(v));
    }
    out.push_str("   </mat-table>\n");
}

/// A detail page with Angular Material markup: occupations and committee
/// members in `mat-table`s, certifiers in a `table` (the name only, as
/// renec-site.md shows it; with state and type columns around the name when
/// the corpus has them), offerings in a `ul` (the panel is left out when empty).
pub fn detail_page(d: &DetailData, corpus: &Corpus) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"es\"><head><meta charset=\"utf-8\"><title>RENEC - Estándar de competencia</title></head>\n<body>\n<app-root><nav><ul><li>Inicio</li><li>Estándares</li></ul></nav>\n<app-competencia>\n",
    );
    let _ = writeln!(
        out,
        " <p class=\"titulo-estandar\">{}</p>\n <mat-accordion>",
        escape(&d.title)
    );
    out.push_str("  <mat-expansion-panel>\n   <mat-expansion-panel-header><span>DESCRIPCIÓN DEL ESTÁNDAR</span></mat-expansion-panel-header>\n");
    mat_table(&mut out, "Ocupaciones", &d.occupations);
    out.push_str("  </mat-expansion-panel>\n");
    out.push_str("  <mat-expansion-panel>\n   <mat-expansion-panel-header>¿EN DÓNDE PUEDO CERTIFICARME?</mat-expansion-panel-header>\n");
    if d.certifiers.iter().any(|c| corpus.facts(c).is_some()) {
        out.push_str("   <table class=\"tabla\"><thead><tr><th>Entidad federativa</th><th>Certificador</th><th>Tipo</th></tr></thead><tbody>\n");
        for c in &d.certifiers {
            let facts = corpus.facts(c).cloned().unwrap_or_default();
            let _ = writeln!(
                out,
                "    <tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&facts.estados.join(", ")),
                escape(c),
                escape(&facts.tipo)
            );
        }
    } else {
        out.push_str(
            "   <table class=\"tabla\"><thead><tr><th>Certificador</th></tr></thead><tbody>\n",
        );
        for c in &d.certifiers {
            let _ = writeln!(out, "    <tr><td>{}</td></tr>", escape(c));
        }
    }
    out.push_str("   </tbody></table>\n  </mat-expansion-panel>\n");
    if !d.courses.is_empty() {
        out.push_str("  <mat-expansion-panel>\n   <mat-expansion-panel-header>¿En dónde puedo capacitarme?</mat-expansion-panel-header>\n   <ul>\n");
        for c in &d.courses {
            let _ = writeln!(out, "    <li>{}</li>", escape(c));
        }
        out.push_str("   </ul>\n  </mat-expansion-panel>\n");
    }
    out.push_str("  <mat-expansion-panel>\n   <mat-expansion-panel-header>Comité de Gestión por Competencias</mat-expansion-panel-header>\n");
    mat_table(&mut out, "Integrantes del comité", &d.committee_members);
    out.push_str("  </mat-expansion-panel>\n </mat-accordion>\n</app-competencia>\n<footer><table><tr><td>CONOCER 2025</td></tr></table></footer></app-root>\n</body></html>\n");
    out
}

pub fn not_found_page() -> String {
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>No encontrado</title></head><body><p>La página no existe.</p></body></html>".into()
}

fn legacy_shell(title: &str, body: &str) -> String {
    format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"><title>{}</title></head>\n<body>\n<div class=\"menu\"><a href=\"controlador.do?comp=IR\">Inicio</a> | <a href=\"/RENEC/ayuda.jsp\">Ayuda</a></div>\n{}\n</body></html>\n",
        escape(title),
        body
    )
}

/// The hub: links to every component (the search form `comp=ES&` among them).
pub fn hub() -> String {
    let links = [
        ("ESLACT", "Estándares de competencia vigentes"),
        ("ESLINACT", "Estándares de competencia no vigentes"),
        ("ESLHIST", "Calificaciones históricas (NTCL)"),
        ("ECNew", "Estándares de nueva creación"),
        ("MARCA", "Estándares de marca"),
        ("COM", "Comités de gestión por competencias"),
        ("ESL", "Estándares por sector"),
        ("BU", "Búsqueda avanzada"),
    ];
    let mut body = String::from("<h1>Registro Nacional de Estándares de Competencia</h1>\n<ul>\n");
    for (comp, label) in links {
        let _ = writeln!(
            body,
            " <li><a href=\"controlador.do?comp={comp}\">{}</a></li>",
            escape(label)
        );
    }
    body.push_str(
        " <li><a href=\"controlador.do?comp=ES&amp;tipo=1\">Buscar estándares</a></li>\n",
    );
    body.push_str(" <li><a href=\"/documentos/manual.pdf\">Manual</a></li>\n");
    body.push_str(" <li><a href=\"https://www.gob.mx/conocer\">CONOCER</a></li>\n</ul>\n");
    legacy_shell(
        "RENEC - Registro Nacional de Estándares de Competencia",
        &body,
    )
}

/// One page (1-based) of a listing, or None past its end.
pub fn listing(comp: &str, title: &str, rows: &[ListingRow], page: usize) -> Option<String> {
    let pages = rows.len().div_ceil(ROWS_PER_PAGE).max(1);
    if page == 0 || page > pages {
        return None;
    }
    let start = (page - 1) * ROWS_PER_PAGE;
    let end = (start + ROWS_PER_PAGE).min(rows.len());
    let mut body = format!(
        "<h2>{}</h2>\n<div class=\"paginacion\">Registros {} a {} de {}</div>\n<table class=\"dataTable\">\n<thead><tr><th>Código</th><th>Título</th><th>Comité</th></tr></thead>\n<tbody>\n",
        escape(title),
        if rows.is_empty() { 0 } else { start + 1 },
        end,
        rows.len()
    );
    for r in &rows[start..end] {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.codigo),
            escape(&r.titulo),
            escape(&r.comite)
        );
    }
    body.push_str("</tbody></table>\n");
    if page > 1 {
        let _ = writeln!(
            body,
            "<a href=\"controlador.do?comp={comp}&amp;pagina={}\">Anterior</a>",
            page - 1
        );
    }
    if page < pages {
        let _ = writeln!(
            body,
            "<a href=\"controlador.do?comp={comp}&amp;pagina={}\">Siguiente</a>",
            page + 1
        );
    }
    Some(legacy_shell(title, &body))
}

/// The smaller components: new standards, committees, by sector, search.
pub fn simple_component(comp: &str, corpus: &Corpus) -> Option<String> {
    let (title, body) = match comp {
        "ECNew" => {
            let mut b = String::from("<h2>Estándares de nueva creación</h2>\n<ul>\n");
            for r in corpus.listings.get("ESLACT").into_iter().flatten().rev().take(10) {
                let _ = writeln!(b, "<li>{} {}</li>", escape(&r.codigo), escape(&r.titulo));
            }
            b.push_str("</ul>\n<a href=\"controlador.do?comp=ESLACT\">Ver todos</a>\n");
            ("RENEC - Nuevos estándares", b)
        }
        "COM" => (
            "RENEC - Comités",
            format!("<h2>Comités de gestión por competencias</h2>\n<p>{} comités registrados.</p>\n", corpus.comites.len()),
        ),
        "ESL" => (
            "RENEC - Estándares por sector",
            "<h2>Estándares por sector</h2>\n<a href=\"controlador.do?comp=ESLACT\">Todos los sectores</a>\n".to_string(),
        ),
        "BU" | "ES" => ("RENEC - Búsqueda", "<form><input name=\"q\"></form>\n".to_string()),
        _ => return None,
    };
    Some(legacy_shell(title, &body))
}

pub fn listing_title(comp: &str) -> Option<&'static str> {
    Some(match comp {
        "ESLACT" => "RENEC - Estándares vigentes",
        "ESLINACT" => "RENEC - Estándares no vigentes",
        "ESLHIST" => "RENEC - Calificaciones históricas",
        "MARCA" => "RENEC - Estándares de marca",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;
    use crate::sources::detail;

    #[test]
    fn rendered_detail_pages_parse_back_to_their_data() {
        let d = DetailData {
            title: "EC1571 -Coordinación de “eventos” & más".into(),
            occupations: vec!["Cocinero / Cocinera".into()],
            certifiers: vec!["Grupo \"Becas\" S.A.S. de C.V.".into(), "ICEMéxico".into()],
            courses: vec![],
            committee_members: vec!["SEP".into(), "CONALEP".into()],
        };
        let mut corpus = Corpus::default();
        let page = detail::parse(&detail_page(&d, &corpus), &Registry::embedded().detail);
        assert_eq!(page.codigo.as_deref(), Some("EC1571"));
        assert_eq!(
            page.titulo.as_deref(),
            Some("Coordinación de “eventos” & más")
        );
        let names: Vec<&str> = page
            .certificadores
            .iter()
            .map(|r| r.nombre.as_str())
            .collect();
        assert_eq!(names, d.certifiers);
        assert!(page
            .certificadores
            .iter()
            .all(|r| r.tipo.is_none() && r.estados.is_empty()));
        // With type and states, they come back beside the names.
        corpus.certifier_facts.insert(
            crate::normalize::names::org_key("ICEMéxico"),
            CertifierFacts {
                tipo: "ECE".into(),
                estados: vec!["JALISCO".into(), "Nuevo León".into()],
            },
        );
        let page = detail::parse(&detail_page(&d, &corpus), &Registry::embedded().detail);
        assert_eq!(
            page.certificadores[1],
            detail::CertifierRow {
                nombre: "ICEMéxico".into(),
                estados: vec!["JALISCO".into(), "Nuevo León".into()],
                tipo: Some("ECE".into()),
            }
        );
        assert_eq!(
            page.certificadores[0],
            detail::CertifierRow::named(d.certifiers[0].as_str())
        );
        assert_eq!(page.ocupaciones, d.occupations);
        assert_eq!(page.miembros, d.committee_members);
        assert!(page.centros.is_empty());
    }

    #[test]
    fn listings_paginate_by_one_hundred() {
        let rows: Vec<ListingRow> = (0..250)
            .map(|i| ListingRow {
                codigo: format!("EC{i:04}"),
                titulo: "t".into(),
                comite: "c".into(),
            })
            .collect();
        assert!(listing("ESLINACT", "x", &rows, 3)
            .unwrap()
            .contains("Registros 201 a 250 de 250"));
        assert!(listing("ESLINACT", "x", &rows, 2)
            .unwrap()
            .contains("pagina=3\">Siguiente"));
        assert!(!listing("ESLINACT", "x", &rows, 3)
            .unwrap()
            .contains("Siguiente"));
        assert!(listing("ESLINACT", "x", &rows, 4).is_none());
    }
}
