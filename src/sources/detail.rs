//! Source 3: the detail page of a standard (Angular Material markup).
//!
//! Sections are found by their panel header text, never by position, and
//! lists are read from `table tr td`, `mat-row mat-cell` or `ul li`. Header
//! rows and anything outside the panels are never taken as data.

use crate::normalize::{clean, fold_key};
use crate::registry::{Detail, Section};
use scraper::{ElementRef, Html, Selector};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DetailPage {
    /// The title line split at its first hyphen: ("EC0002", "Asistencia …").
    pub codigo: Option<String>,
    pub titulo: Option<String>,
    pub ocupaciones: Vec<String>,
    pub certificadores: Vec<String>,
    pub centros: Vec<String>,
    pub miembros: Vec<String>,
    /// Panel headers that matched no known section (reported, not fatal).
    pub unknown_sections: Vec<String>,
}

struct Selectors {
    title: Selector,
    panel: Selector,
    header: Selector,
    table: Selector,
    tr: Selector,
    th: Selector,
    td: Selector,
    mat_table: Selector,
    mat_header_cell: Selector,
    mat_row: Selector,
    mat_cell: Selector,
    ul: Selector,
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("selector validated by the registry")
}

impl Selectors {
    fn new(reg: &Detail) -> Selectors {
        Selectors {
            title: sel(&reg.title_selector),
            panel: sel(&reg.panel_selector),
            header: sel(&reg.header_selector),
            table: sel("table"),
            tr: sel("tr"),
            th: sel("th"),
            td: sel("td"),
            mat_table: sel("mat-table, [role=grid]"),
            mat_header_cell: sel("mat-header-cell, [role=columnheader]"),
            mat_row: sel("mat-row"),
            mat_cell: sel("mat-cell"),
            ul: sel("ul, ol"),
        }
    }
}

fn text_of(el: ElementRef<'_>) -> String {
    clean(&el.text().collect::<String>())
}

fn matches_any(text: &str, wanted: &[String]) -> bool {
    let key = fold_key(text);
    !key.is_empty() && wanted.iter().any(|w| key.contains(&fold_key(w)))
}

/// Which column to read: the one whose header names the section's column,
/// else the first.
fn column_index(headers: &[String], section: &Section) -> usize {
    headers
        .iter()
        .position(|h| matches_any(h, &section.columns))
        .unwrap_or(0)
}

/// The values of one panel, from every list shape it holds.
fn panel_values(panel: ElementRef<'_>, s: &Selectors, section: &Section) -> Vec<String> {
    let mut out = Vec::new();
    for table in panel.select(&s.table) {
        let headers: Vec<String> = table.select(&s.th).map(text_of).collect();
        let col = column_index(&headers, section);
        for row in table.select(&s.tr) {
            let cells: Vec<ElementRef> = row.select(&s.td).collect();
            if let Some(cell) = cells.get(col).or(cells.first()) {
                out.push(text_of(*cell));
            }
        }
    }
    for table in panel.select(&s.mat_table) {
        let headers: Vec<String> = table.select(&s.mat_header_cell).map(text_of).collect();
        let col = column_index(&headers, section);
        for row in table.select(&s.mat_row) {
            let cells: Vec<ElementRef> = row.select(&s.mat_cell).collect();
            if let Some(cell) = cells.get(col).or(cells.first()) {
                out.push(text_of(*cell));
            }
        }
    }
    for list in panel.select(&s.ul) {
        // Only direct items of this list: nested lists are read on their own.
        for item in list.child_elements().filter(|c| c.value().name() == "li") {
            out.push(text_of(item));
        }
    }
    out.retain(|v| !v.is_empty());
    out
}

/// Parses a detail page. Never fails: a page without panels gives an empty
/// result, which the harvest reports.
pub fn parse(html: &str, reg: &Detail) -> DetailPage {
    let doc = Html::parse_document(html);
    let s = Selectors::new(reg);
    let mut page = DetailPage::default();
    if let Some(title) = doc.select(&s.title).next().map(text_of) {
        match title.split_once('-') {
            Some((code, rest)) => {
                page.codigo = Some(clean(code)).filter(|c| !c.is_empty());
                page.titulo = Some(clean(rest)).filter(|t| !t.is_empty());
            }
            None => page.titulo = Some(title).filter(|t| !t.is_empty()),
        }
    }
    let sections = &reg.sections;
    for panel in doc.select(&s.panel) {
        let Some(header) = panel.select(&s.header).next().map(text_of) else {
            continue;
        };
        let (target, section) = if matches_any(&header, &sections.certificadores.headers) {
            (&mut page.certificadores, &sections.certificadores)
        } else if matches_any(&header, &sections.centros.headers) {
            (&mut page.centros, &sections.centros)
        } else if matches_any(&header, &sections.comite.headers) {
            (&mut page.miembros, &sections.comite)
        } else if matches_any(&header, &sections.ocupaciones.headers) {
            (&mut page.ocupaciones, &sections.ocupaciones)
        } else {
            page.unknown_sections.push(header);
            continue;
        };
        target.extend(panel_values(panel, &s, section));
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn reads_every_section_by_its_header() {
        let page = parse(
            &fixture("detail_page_full.html"),
            &Registry::embedded().detail,
        );
        assert_eq!(page.codigo.as_deref(), Some("EC0002"));
        assert_eq!(
            page.titulo.as_deref(),
            Some("Asistencia primaria de un evento adverso")
        );
        assert_eq!(
            page.ocupaciones,
            vec!["Brigadista de protección civil", "Paramédico"]
        );
        assert_eq!(
            page.certificadores,
            vec![
                "ICEMéxico",
                "Instituto de Capacitación & Certificación, A.C.",
                "Grupo \"Becas\" S.A.S. de C.V."
            ]
        );
        assert_eq!(
            page.centros,
            vec![
                "ASISTENCIA PRIMARIA DE UN EVENTO ADVERSO",
                "ATENCIÓN PRIMARIA"
            ]
        );
        assert_eq!(
            page.miembros,
            vec!["Secretaría del Trabajo del Estado de Chiapas."]
        );
        assert!(page.unknown_sections.is_empty());
    }

    #[test]
    fn sections_out_of_order_with_odd_headers_and_no_data_outside_panels() {
        let page = parse(
            &fixture("detail_page_reordered.html"),
            &Registry::embedded().detail,
        );
        assert_eq!(page.codigo.as_deref(), Some("EC1571"));
        assert_eq!(
            page.certificadores,
            vec!["Universidad Tecnológica de Tijuana"]
        );
        // The multi-column table: the certifier column, not the state column.
        assert_eq!(page.ocupaciones, vec!["Cocinero"]);
        assert_eq!(page.centros, Vec::<String>::new());
        assert_eq!(page.miembros, vec!["CONALEP", "SEP"]);
        assert_eq!(page.unknown_sections, vec!["Documentos"]);
    }

    #[test]
    fn empty_and_missing_sections() {
        let page = parse(
            &fixture("detail_page_empty_sections.html"),
            &Registry::embedded().detail,
        );
        assert_eq!(page.codigo.as_deref(), Some("EC0001"));
        assert!(
            page.certificadores.is_empty() && page.centros.is_empty() && page.miembros.is_empty()
        );
        let nothing = parse(
            "<html><body>Not found</body></html>",
            &Registry::embedded().detail,
        );
        assert_eq!(nothing, DetailPage::default());
    }
}
