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
    pub certificadores: Vec<CertifierRow>,
    pub centros: Vec<String>,
    pub miembros: Vec<String>,
    /// Panel headers that matched no known section (reported, not fatal).
    pub unknown_sections: Vec<String>,
    /// At least one known section was found, or the page is the site's own
    /// "no information" form: only then does the page count as covered.
    pub recognised: bool,
}

/// One row of "¿En dónde puedo certificarme?": the certifier's name, and
/// its state(s) and type as published when the table has those columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CertifierRow {
    pub nombre: String,
    /// State names as published (a cell may list several).
    pub estados: Vec<String>,
    /// The type as published (`ECE`, `Organismo Certificador`, …).
    pub tipo: Option<String>,
}

impl CertifierRow {
    pub fn named(nombre: &str) -> CertifierRow {
        CertifierRow {
            nombre: nombre.to_string(),
            ..CertifierRow::default()
        }
    }
}

/// One list row of a panel: its value and the side columns, when present.
struct Row {
    value: String,
    state: Option<String>,
    kind: Option<String>,
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

/// Which cells of a table's rows to read.
struct Columns {
    value: usize,
    state: Option<usize>,
    kind: Option<usize>,
}

/// The value column is the one whose header names the section's column
/// (else the first one), never a state or type column.
fn columns(headers: &[String], section: &Section) -> Columns {
    let state = headers
        .iter()
        .position(|h| matches_any(h, &section.state_columns));
    let kind = headers
        .iter()
        .position(|h| matches_any(h, &section.type_columns));
    let free = |i: &usize| Some(*i) != state && Some(*i) != kind;
    let value = (0..headers.len())
        .filter(free)
        .find(|i| matches_any(&headers[*i], &section.columns))
        .or_else(|| (0..headers.len().max(1)).find(free))
        .unwrap_or(0);
    Columns { value, state, kind }
}

fn table_rows<'a>(
    rows: impl Iterator<Item = ElementRef<'a>>,
    cell: &Selector,
    cols: &Columns,
    out: &mut Vec<Row>,
) {
    for row in rows {
        let cells: Vec<ElementRef> = row.select(cell).collect();
        let side = |i: Option<usize>| {
            i.and_then(|i| cells.get(i))
                .map(|c| text_of(*c))
                .filter(|t| !t.is_empty())
        };
        if let Some(value) = cells.get(cols.value).or(cells.first()) {
            out.push(Row {
                value: text_of(*value),
                state: side(cols.state),
                kind: side(cols.kind),
            });
        }
    }
}

/// The rows of one panel, from every list shape it holds.
fn panel_rows(panel: ElementRef<'_>, s: &Selectors, section: &Section) -> Vec<Row> {
    let mut out = Vec::new();
    for table in panel.select(&s.table) {
        let headers: Vec<String> = table.select(&s.th).map(text_of).collect();
        table_rows(
            table.select(&s.tr),
            &s.td,
            &columns(&headers, section),
            &mut out,
        );
    }
    for table in panel.select(&s.mat_table) {
        let headers: Vec<String> = table.select(&s.mat_header_cell).map(text_of).collect();
        table_rows(
            table.select(&s.mat_row),
            &s.mat_cell,
            &columns(&headers, section),
            &mut out,
        );
    }
    for list in panel.select(&s.ul) {
        // Only direct items of this list: nested lists are read on their own.
        for item in list.child_elements().filter(|c| c.value().name() == "li") {
            out.push(Row {
                value: text_of(item),
                state: None,
                kind: None,
            });
        }
    }
    out.retain(|r| !r.value.is_empty());
    out
}

fn values(rows: Vec<Row>) -> Vec<String> {
    rows.into_iter().map(|r| r.value).collect()
}

/// A state cell may list several states: "Jalisco, Nuevo León; Puebla".
fn split_states(cell: Option<String>) -> Vec<String> {
    cell.map(|c| {
        c.split([',', ';'])
            .map(clean)
            .filter(|s| !s.is_empty())
            .collect()
    })
    .unwrap_or_default()
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
        if matches_any(&header, &sections.certificadores.headers) {
            page.recognised = true;
            let rows = panel_rows(panel, &s, &sections.certificadores);
            page.certificadores
                .extend(rows.into_iter().map(|r| CertifierRow {
                    nombre: r.value,
                    estados: split_states(r.state),
                    tipo: r.kind,
                }));
            continue;
        }
        let (target, section) = if matches_any(&header, &sections.centros.headers) {
            (&mut page.centros, &sections.centros)
        } else if matches_any(&header, &sections.comite.headers) {
            (&mut page.miembros, &sections.comite)
        } else if matches_any(&header, &sections.ocupaciones.headers) {
            (&mut page.ocupaciones, &sections.ocupaciones)
        } else {
            page.unknown_sections.push(header);
            continue;
        };
        page.recognised = true;
        target.extend(values(panel_rows(panel, &s, section)));
    }
    if !page.recognised && !reg.no_information.is_empty() {
        let text = fold_key(&doc.root_element().text().collect::<Vec<_>>().join(" "));
        page.recognised = reg
            .no_information
            .iter()
            .any(|t| text.contains(&fold_key(t)));
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
                CertifierRow::named("ICEMéxico"),
                CertifierRow::named("Instituto de Capacitación & Certificación, A.C."),
                CertifierRow::named("Grupo \"Becas\" S.A.S. de C.V.")
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
        // The multi-column table: the certifier column, and the state beside it.
        assert_eq!(
            page.certificadores,
            vec![CertifierRow {
                nombre: "Universidad Tecnológica de Tijuana".into(),
                estados: vec!["Baja California".into()],
                tipo: None,
            }]
        );
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

    #[test]
    fn certifier_state_and_type_columns_in_any_order_and_shape() {
        let html = r#"<mat-expansion-panel>
 <mat-expansion-panel-header>¿EN DÓNDE PUEDO CERTIFICARME?</mat-expansion-panel-header>
 <table><tr><th>Tipo de certificador</th><th>Certificador</th><th>Entidad federativa</th></tr>
  <tr><td>ECE</td><td> ICEMéxico </td><td>Jalisco, NUEVO LEÓN; </td></tr>
  <tr><td></td><td>Colegio de Bachilleres</td><td></td></tr></table>
 <mat-table role="grid"><mat-header-row><mat-header-cell>Estado</mat-header-cell>
  <mat-header-cell>Nombre</mat-header-cell><mat-header-cell>Tipo</mat-header-cell></mat-header-row>
  <mat-row><mat-cell>Puebla</mat-cell><mat-cell>Organismo X</mat-cell><mat-cell>Organismo Certificador</mat-cell></mat-row>
 </mat-table>
</mat-expansion-panel>"#;
        let page = parse(html, &Registry::embedded().detail);
        assert_eq!(
            page.certificadores,
            vec![
                CertifierRow {
                    nombre: "ICEMéxico".into(),
                    estados: vec!["Jalisco".into(), "NUEVO LEÓN".into()],
                    tipo: Some("ECE".into()),
                },
                CertifierRow::named("Colegio de Bachilleres"),
                CertifierRow {
                    nombre: "Organismo X".into(),
                    estados: vec!["Puebla".into()],
                    tipo: Some("Organismo Certificador".into()),
                },
            ]
        );
    }
}
