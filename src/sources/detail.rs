//! Source 3: the detail page of a standard (Angular Material markup).
//!
//! Sections are found by their panel header text, never by position, and
//! lists are read from `table tr td`, `mat-row mat-cell` or `ul li`. Header
//! rows and anything outside the panels are never taken as data.

use super::prune::Pruner;
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

/// The texts a section is known by, folded as [`fold_key`] folds what the
/// page shows (the registry's are folded once, not on every comparison).
struct Folded {
    headers: Vec<String>,
    columns: Vec<String>,
    state_columns: Vec<String>,
    type_columns: Vec<String>,
}

/// The registry's detail texts, folded.
struct Wanted {
    certificadores: Folded,
    centros: Folded,
    comite: Folded,
    ocupaciones: Folded,
    no_information: Vec<String>,
}

fn folded(texts: &[String]) -> Vec<String> {
    texts.iter().map(|t| fold_key(t)).collect()
}

impl Folded {
    fn of(s: &Section) -> Folded {
        Folded {
            headers: folded(&s.headers),
            columns: folded(&s.columns),
            state_columns: folded(&s.state_columns),
            type_columns: folded(&s.type_columns),
        }
    }
}

impl Wanted {
    fn of(reg: &Detail) -> Wanted {
        let s = &reg.sections;
        Wanted {
            certificadores: Folded::of(&s.certificadores),
            centros: Folded::of(&s.centros),
            comite: Folded::of(&s.comite),
            ocupaciones: Folded::of(&s.ocupaciones),
            no_information: folded(&reg.no_information),
        }
    }
}

/// One list row of a panel: its value and the side columns, when present.
struct Row {
    value: String,
    states: Vec<String>,
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
    li: Selector,
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("selector validated by the registry")
}

/// The list shapes read inside a panel, beside the registry's selectors.
const TABLE: &str = "table";
const TR: &str = "tr";
const TH: &str = "th";
const TD: &str = "td";
const MAT_TABLE: &str = "mat-table, [role=grid]";
const MAT_HEADER_CELL: &str = "mat-header-cell, [role=columnheader]";
const MAT_ROW: &str = "mat-row";
const MAT_CELL: &str = "mat-cell";
const UL: &str = "ul, ol";
const LI: &str = "li";
const LIST_SHAPES: [&str; 10] = [
    TABLE,
    TR,
    TH,
    TD,
    MAT_TABLE,
    MAT_HEADER_CELL,
    MAT_ROW,
    MAT_CELL,
    UL,
    LI,
];

impl Selectors {
    fn new(reg: &Detail) -> Selectors {
        Selectors {
            title: sel(&reg.title_selector),
            panel: sel(&reg.panel_selector),
            header: sel(&reg.header_selector),
            table: sel(TABLE),
            tr: sel(TR),
            th: sel(TH),
            td: sel(TD),
            mat_table: sel(MAT_TABLE),
            mat_header_cell: sel(MAT_HEADER_CELL),
            mat_row: sel(MAT_ROW),
            mat_cell: sel(MAT_CELL),
            ul: sel(UL),
            li: sel(LI),
        }
    }
}

/// The detail-page parser of one registry, its selectors compiled once.
pub struct Parser<'r> {
    reg: &'r Detail,
    selectors: Selectors,
    /// The registry's texts, folded once.
    wanted: Wanted,
    /// Drops the markup no selector reads before the HTML parse, and cuts
    /// the page to the part from the title to the last panel.
    pruner: Pruner,
}

impl<'r> Parser<'r> {
    pub fn new(reg: &'r Detail) -> Parser<'r> {
        let registry = [
            reg.title_selector.as_str(),
            reg.panel_selector.as_str(),
            reg.header_selector.as_str(),
        ];
        Parser {
            reg,
            selectors: Selectors::new(reg),
            wanted: Wanted::of(reg),
            pruner: Pruner::for_selectors(registry.into_iter().chain(LIST_SHAPES))
                .scoped_to([reg.title_selector.as_str(), reg.panel_selector.as_str()]),
        }
    }
}

/// The element's text, its text nodes joined with spaces ("ORG<br>A" is
/// "ORG A", never "ORGA").
fn text_of(el: ElementRef<'_>) -> String {
    let mut joined = String::new();
    for t in el.text() {
        joined.push_str(t);
        joined.push(' ');
    }
    clean(&joined)
}

fn is_list(el: &scraper::node::Element) -> bool {
    matches!(el.name(), "ul" | "ol")
}

/// A list item's own text: nested lists are not part of it (`<li>ORG A
/// <ul><li>Jalisco</li></ul></li>` is "ORG A", not "ORG AJalisco").
fn own_text(item: ElementRef<'_>) -> String {
    let parts: Vec<&str> = item
        .descendants()
        .filter_map(|node| {
            let text = node.value().as_text()?;
            let in_nested_list = node
                .ancestors()
                .take_while(|a| a.id() != item.id())
                .any(|a| a.value().as_element().is_some_and(is_list));
            (!in_nested_list).then_some(&**text)
        })
        .collect();
    clean(&parts.join(" "))
}

/// The values of one table cell: the items of a list inside it, else its
/// text split at commas and semicolons ("Jalisco, Nuevo León; Puebla").
fn cell_values(cell: ElementRef<'_>, li: &Selector) -> Vec<String> {
    let items: Vec<String> = cell
        .select(li)
        .map(own_text)
        .filter(|t| !t.is_empty())
        .collect();
    if !items.is_empty() {
        return items;
    }
    text_of(cell)
        .split([',', ';'])
        .map(clean)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Whether a folded text contains one of the folded texts wanted.
fn matches_any(key: &str, wanted: &[String]) -> bool {
    !key.is_empty() && wanted.iter().any(|w| key.contains(w.as_str()))
}

/// Which cells of a table's rows to read.
struct Columns {
    value: usize,
    state: Option<usize>,
    kind: Option<usize>,
}

/// The value column is the one whose header names the section's column
/// (else the first one), never a state or type column.
fn columns(headers: &[String], section: &Folded) -> Columns {
    let headers: Vec<String> = headers.iter().map(|h| fold_key(h)).collect();
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
    li: &Selector,
    cols: &Columns,
    out: &mut Vec<Row>,
) {
    for row in rows {
        let cells: Vec<ElementRef> = row.select(cell).collect();
        let side = |i: Option<usize>| i.and_then(|i| cells.get(i)).copied();
        if let Some(value) = cells.get(cols.value).or(cells.first()) {
            out.push(Row {
                value: text_of(*value),
                states: side(cols.state)
                    .map(|c| cell_values(c, li))
                    .unwrap_or_default(),
                kind: side(cols.kind).map(text_of).filter(|t| !t.is_empty()),
            });
        }
    }
}

/// Whether any header text names one of the section's columns.
fn names_a_column(headers: &[String], section: &Folded) -> bool {
    headers.iter().any(|h| {
        let h = &fold_key(h);
        matches_any(h, &section.columns)
            || matches_any(h, &section.state_columns)
            || matches_any(h, &section.type_columns)
    })
}

/// The rows of one panel, from every list shape it holds.
fn panel_rows(panel: ElementRef<'_>, s: &Selectors, section: &Folded) -> Vec<Row> {
    let mut out = Vec::new();
    for table in panel.select(&s.table) {
        let mut headers: Vec<String> = table.select(&s.th).map(text_of).collect();
        let mut rows: Vec<ElementRef> = table.select(&s.tr).collect();
        if headers.is_empty() {
            // A header row of `td` cells is recognised by its text.
            if let Some(first) = rows.first() {
                let texts: Vec<String> = first.select(&s.td).map(text_of).collect();
                if names_a_column(&texts, section) {
                    headers = texts;
                    rows.remove(0);
                }
            }
        }
        table_rows(
            rows.into_iter(),
            &s.td,
            &s.li,
            &columns(&headers, section),
            &mut out,
        );
    }
    for table in panel.select(&s.mat_table) {
        let headers: Vec<String> = table.select(&s.mat_header_cell).map(text_of).collect();
        table_rows(
            table.select(&s.mat_row),
            &s.mat_cell,
            &s.li,
            &columns(&headers, section),
            &mut out,
        );
    }
    for list in panel.select(&s.ul) {
        // A list inside a table cell holds that cell's values, and a list
        // inside an item belongs to that item: neither is rows of its own.
        // (`mat-cell` is also a selector, MAT_CELL: the pruner never drops
        // the tags of an element a selector names.)
        let nested = list
            .ancestors()
            .take_while(|a| a.id() != panel.id())
            .filter_map(|a| a.value().as_element().map(|e| e.name().to_string()))
            .any(|name| matches!(name.as_str(), "td" | "th" | "li" | "mat-cell" | "table"));
        if nested {
            continue;
        }
        for item in list.child_elements().filter(|c| c.value().name() == "li") {
            out.push(Row {
                value: own_text(item),
                states: Vec::new(),
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

/// "EC0002-Asistencia…", "EC0002 – Auto-evaluación…" or "EC0002 — …":
/// split at the first hyphen, en dash or em dash whose left side is a code
/// (one word with a digit), so a hyphen inside the title never cuts it.
fn split_title(title: &str) -> Option<(&str, &str)> {
    title
        .char_indices()
        .filter(|(_, c)| matches!(c, '-' | '\u{2013}' | '\u{2014}'))
        .find_map(|(i, c)| {
            let code = title[..i].trim();
            let looks_like_code = !code.is_empty()
                && !code.contains(char::is_whitespace)
                && code.chars().any(|c| c.is_ascii_digit());
            looks_like_code.then(|| (code, &title[i + c.len_utf8()..]))
        })
}

/// Parses a detail page. Never fails: a page without panels gives an empty
/// result, which the harvest reports.
pub fn parse(html: &str, reg: &Detail) -> DetailPage {
    Parser::new(reg).parse(html)
}

impl Parser<'_> {
    /// Parses a detail page (see [`parse`]).
    pub fn parse(&self, html: &str) -> DetailPage {
        let pruned = self.pruner.prune_scoped(html);
        let page = read(
            &Html::parse_document(&pruned.text),
            &self.selectors,
            &self.wanted,
        );
        if page.recognised || !pruned.cut || self.reg.no_information.is_empty() {
            return page;
        }
        // The site's "no information" text may be outside the part cut.
        self.parse_whole(html)
    }

    /// Parses the whole page, never cut to the part with the panels.
    pub fn parse_whole(&self, html: &str) -> DetailPage {
        let doc = Html::parse_document(&self.pruner.prune(html));
        read(&doc, &self.selectors, &self.wanted)
    }
}

fn read(doc: &Html, s: &Selectors, sections: &Wanted) -> DetailPage {
    let mut page = DetailPage::default();
    if let Some(title) = doc.select(&s.title).next().map(text_of) {
        match split_title(&title) {
            Some((code, rest)) => {
                page.codigo = Some(clean(code)).filter(|c| !c.is_empty());
                page.titulo = Some(clean(rest)).filter(|t| !t.is_empty());
            }
            None => page.titulo = Some(title).filter(|t| !t.is_empty()),
        }
    }
    for panel in doc.select(&s.panel) {
        // A `template` holds markup the page may render later, not content.
        let in_template = panel.ancestors().any(|a| {
            a.value()
                .as_element()
                .is_some_and(|e| e.name() == "template")
        });
        if in_template {
            continue;
        }
        let Some(header) = panel.select(&s.header).next().map(text_of) else {
            continue;
        };
        let key = fold_key(&header);
        if matches_any(&key, &sections.certificadores.headers) {
            page.recognised = true;
            let rows = panel_rows(panel, s, &sections.certificadores);
            page.certificadores
                .extend(rows.into_iter().map(|r| CertifierRow {
                    nombre: r.value,
                    estados: r.states,
                    tipo: r.kind,
                }));
            continue;
        }
        let (target, section) = if matches_any(&key, &sections.centros.headers) {
            (&mut page.centros, &sections.centros)
        } else if matches_any(&key, &sections.comite.headers) {
            (&mut page.miembros, &sections.comite)
        } else if matches_any(&key, &sections.ocupaciones.headers) {
            (&mut page.ocupaciones, &sections.ocupaciones)
        } else {
            page.unknown_sections.push(header);
            continue;
        };
        page.recognised = true;
        target.extend(values(panel_rows(panel, s, section)));
    }
    if !page.recognised && !sections.no_information.is_empty() {
        let text = fold_key(&doc.root_element().text().collect::<Vec<_>>().join(" "));
        page.recognised = sections
            .no_information
            .iter()
            .any(|t| text.contains(t.as_str()));
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    fn parsed(name: &str) -> DetailPage {
        parse(&fixture(name), &Registry::embedded().detail)
    }

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn a_list_in_a_cell_is_that_cells_values_and_a_td_header_row_is_a_header() {
        let page = parsed("detail_cell_lists.html");
        assert_eq!(page.codigo.as_deref(), Some("EC1234"));
        assert_eq!(
            page.titulo.as_deref(),
            Some("Auto-evaluación del desempeño docente"),
            "split at the en dash, not inside Auto-evaluación"
        );
        assert_eq!(
            page.certificadores,
            vec![
                CertifierRow {
                    nombre: "Centro de Evaluación del Sur, A.C.".into(),
                    estados: vec!["Jalisco".into(), "Nuevo León".into()],
                    tipo: Some("ECE".into()),
                },
                CertifierRow {
                    nombre: "ORG B".into(),
                    estados: vec!["Puebla".into(), "Tlaxcala".into()],
                    tipo: Some("OC".into()),
                },
            ],
            "the header row of td cells is not a certifier, the cell's list is not certifiers"
        );
        assert!(page.recognised);
    }

    #[test]
    fn a_nested_list_is_not_glued_to_its_item_and_text_nodes_get_spaces() {
        let page = parsed("detail_nested_lists.html");
        assert_eq!(page.codigo.as_deref(), Some("EC0777"));
        assert_eq!(
            page.titulo.as_deref(),
            Some("Mantenimiento preventivo de equipo médico"),
            "split at the em dash"
        );
        assert_eq!(page.centros, vec!["ORG A", "Curso de mantenimiento"]);
    }

    #[test]
    fn a_title_without_a_code_is_all_title() {
        assert_eq!(split_title("Auto-evaluación docente"), None);
        assert_eq!(
            split_title("EC0002-Asistencia primaria"),
            Some(("EC0002", "Asistencia primaria"))
        );
        assert_eq!(
            split_title("EC0217.01 - Impartición de cursos"),
            Some(("EC0217.01", " Impartición de cursos"))
        );
    }

    #[test]
    fn reads_every_section_by_its_header() {
        let page = parsed("detail_page_full.html");
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
        let page = parsed("detail_page_reordered.html");
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
        let page = parsed("detail_page_empty_sections.html");
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

    /// Markup for the cut-or-whole property: panels with known and unknown
    /// headers, titles, tables and lists, nested at random in wrappers,
    /// decoys and the shapes that change how the tree builder works
    /// (tables, `p`, templates, formatting, `select`), with a tag left
    /// open or closed twice now and then.
    fn page_markup() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        use proptest::sample::select;
        let text = select(vec![
            "ORG A",
            "Jalisco, Puebla",
            "No se encontró información",
            " ",
            "\n  ",
            "\r\n\t \x0c",
            "x <3 y",
            "<p class=\"titulo-estandar\">EC0002-Asistencia primaria</p>",
            "<P CLASS='x TITULO-ESTANDAR'>EC0003 – Auto-evaluación</P>",
            "<ul><li>Curso <ul><li>Jalisco</li></ul></li><li>ORG B</li></ul>",
            "<table><tr><th>Certificador</th><th>Entidad federativa</th></tr>\
             <tr><td>ORG C</td><td><ul><li>Puebla</li><li>Colima</li></ul></td></tr></table>",
            "<table><tr><td>Nombre</td></tr><tr><td>ORG D</td></tr></table>",
            "<mat-table role=grid><mat-header-cell>Tipo</mat-header-cell>\
             <mat-header-cell>Certificador</mat-header-cell><mat-row><mat-cell>OC</mat-cell>\
             <mat-cell>ORG E</mat-cell></mat-row></mat-table>",
        ]);
        let unit = select(vec![
            "<br>",
            "<img src=x>",
            "<!-- <mat-expansion-panel> -->",
            "<script>x('<mat-expansion-panel>')</script>",
            "<title>t</title>",
            "<svg/>",
            "<svg><mat-expansion-panel>x</mat-expansion-panel></svg>",
            "<select><option>a</select>",
            "<!DOCTYPE html>",
            "<frame>",
            "</>",
            "<textarea>\n </textarea>",
            "<pre>\n\n</pre>",
        ]);
        let stray = select(vec![
            "</p>", "</div>", "</td>", "<p>", "<li>", "<td>", "<div>", "</span>", "<b>", "<a>",
            "<tr>", "<h3>",
        ]);
        let leaf = prop_oneof![
            8 => text.prop_map(str::to_string),
            2 => unit.prop_map(str::to_string),
            1 => stray.prop_map(str::to_string),
        ];
        let header = select(vec![
            "¿En dónde puedo certificarme?",
            "¿En dónde puedo <span>capacitarme</span>?",
            "COMITÉ DE GESTIÓN POR COMPETENCIAS",
            "Ocupaciones",
            "Documentos relacionados",
        ]);
        let element = select(vec![
            ("<div>", "</div>"),
            ("<span _ngcontent-c1>", "</span>"),
            ("<div role=region>", "</div>"),
            ("<ul><span>", "</span></ul>"),
            ("<ul><div><li>", "</li></div></ul>"),
            ("<table><div>", "</div></table>"),
            ("<table><tr><span><td>", "</td></span></tr></table>"),
            ("<p><span>", "</span></p>"),
            ("<li><app-y>", "</app-y></li>"),
            ("<table><form>", "</form></table>"),
            ("<table><colgroup>", "</colgroup></table>"),
            ("<p><xmp>", "</xmp></p>"),
            ("<app-x class=\"titulo-estandar\">", "</app-x>"),
            ("<main>", "</main>"),
            ("<mat-expansion-panel>", "</mat-expansion-panel>"),
            ("<template>", "</template>"),
            ("<table>", "</table>"),
            ("<table><tr><td>", "</td></tr></table>"),
            ("<ul><li>", "</li></ul>"),
            (
                "<mat-table role=grid><mat-row><mat-cell>",
                "</mat-cell></mat-row></mat-table>",
            ),
            ("<p>", "</p>"),
            ("<b>", "</b>"),
            ("<a href=x>", "</a>"),
            ("<h2>", "</h2>"),
            ("<form>", "</form>"),
            ("<button>", "</button>"),
            ("<head>", "</head>"),
            ("<pre>", "</pre>"),
            ("<listing>\n", "</listing>"),
        ]);
        leaf.prop_recursive(5, 80, 6, move |inner| {
            prop_oneof![
                3 => (element.clone(), proptest::collection::vec(inner.clone(), 0..6)).prop_map(
                    |((open, close), children)| format!("{open}{}{close}", children.concat()),
                ),
                2 => (header.clone(), proptest::collection::vec(inner, 0..5)).prop_map(
                    |(header, children)| format!(
                        "<mat-expansion-panel><mat-expansion-panel-header><span>{header}</span>\
                         </mat-expansion-panel-header>{}</mat-expansion-panel>",
                        children.concat()
                    ),
                ),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// Cut to the part with the title and panels or parsed whole, a page
        /// reads the same.
        #[test]
        fn a_page_cut_to_its_panels_reads_as_the_whole_page(
            doctype in proptest::bool::ANY,
            body in proptest::collection::vec(page_markup(), 1..5),
        ) {
            let reg = Registry::embedded().detail;
            let parser = Parser::new(&reg);
            let html = format!(
                "{}<html><head><meta charset=utf-8></head><body>{}</body></html>",
                if doctype { "<!DOCTYPE html>" } else { "" },
                body.concat()
            );
            proptest::prop_assert_eq!(parser.parse(&html), parser.parse_whole(&html), "{}", html);
        }
    }
}
