//! Source 4: the legacy server-rendered RENEC pages (JSP, windows-1252).
//! The crawl starts at the hub and follows `controlador.do?comp=` links on
//! the same host; listing pages give inactive, historic and brand standards.

use crate::normalize::{clean, fold_key};
use crate::registry::Legacy;
use scraper::{ElementRef, Html, Selector};
use url::Url;

#[derive(Debug, Clone, PartialEq)]
pub struct LegacyRow {
    pub codigo_raw: String,
    pub titulo: Option<String>,
    pub comite: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LegacyPage {
    pub title: Option<String>,
    /// Links to follow: absolute, same host, matching the registry's
    /// `follow` text, in page order, without duplicates or fragments.
    pub links: Vec<Url>,
    /// Rows of the listing table (empty on pages without one).
    pub rows: Vec<LegacyRow>,
    /// The `Siguiente` link, when there is one.
    pub next: Option<Url>,
    /// The listing's own total ("Registros 1 a 100 de 264" → 264).
    pub reported_total: Option<u64>,
}

/// The `comp=` value of a legacy URL (`ESLINACT`, `MARCA`, …).
pub fn component(url: &Url) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == "comp")
        .map(|(_, v)| v.into_owned())
}

fn text_of(el: ElementRef<'_>) -> String {
    clean(&el.text().collect::<String>())
}

fn last_number(text: &str) -> Option<u64> {
    text.split(|c: char| !c.is_ascii_digit() && c != ',')
        .filter_map(|t| t.replace(',', "").parse::<u64>().ok())
        .next_back()
}

/// The column whose header is one of `names`; else, as the registry says,
/// the first whose header contains one of them ("Código del estándar").
fn column(headers: &[String], names: &[String]) -> Option<usize> {
    let keys: Vec<String> = headers.iter().map(|h| fold_key(h)).collect();
    let wanted: Vec<String> = names.iter().map(|n| fold_key(n)).collect();
    keys.iter().position(|h| wanted.contains(h)).or_else(|| {
        keys.iter().position(|h| {
            wanted
                .iter()
                .any(|w| !w.is_empty() && h.contains(w.as_str()))
        })
    })
}

/// Parses one legacy page fetched from `page_url`.
pub fn parse(html: &str, page_url: &Url, reg: &Legacy) -> LegacyPage {
    let doc = Html::parse_document(html);
    let sel = |s: &str| Selector::parse(s).expect("selector validated by the registry");
    let mut page = LegacyPage {
        title: doc
            .select(&sel("title"))
            .next()
            .map(text_of)
            .filter(|t| !t.is_empty()),
        ..LegacyPage::default()
    };

    let next_key = fold_key(&reg.next_link_text);
    for a in doc.select(&sel("a[href]")) {
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        let Ok(mut target) = page_url.join(href.trim()) else {
            continue;
        };
        target.set_fragment(None);
        if target.host_str() != page_url.host_str()
            || target.port_or_known_default() != page_url.port_or_known_default()
            || !target.as_str().contains(&reg.follow)
        {
            continue;
        }
        if fold_key(&text_of(a)) == next_key && page.next.is_none() {
            page.next = Some(target.clone());
        }
        if !page.links.contains(&target) {
            page.links.push(target);
        }
    }

    if let Some(total) = doc.select(&sel(&reg.total_selector)).next() {
        page.reported_total = last_number(&text_of(total));
    }

    if let Some(table) = doc.select(&sel(&reg.table_selector)).next() {
        let headers: Vec<String> = table.select(&sel("th")).map(text_of).collect();
        let code_col = column(&headers, &reg.columns.codigo).unwrap_or(0);
        let title_col = column(&headers, &reg.columns.titulo);
        let committee_col = column(&headers, &reg.columns.comite);
        for tr in table.select(&sel("tr")) {
            let cells: Vec<String> = tr.select(&sel("td")).map(text_of).collect();
            let Some(code) = cells.get(code_col).filter(|c| !c.is_empty()) else {
                continue;
            };
            let get = |i: Option<usize>| {
                i.and_then(|i| cells.get(i))
                    .filter(|v| !v.is_empty())
                    .cloned()
            };
            page.rows.push(LegacyRow {
                codigo_raw: code.clone(),
                titulo: get(title_col),
                comite: get(committee_col),
            });
        }
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_column_matches_exactly_first_then_by_containing_the_text() {
        let headers: Vec<String> = [
            "Nombre del comité",
            "Código del estándar",
            "Título",
            "Comité",
        ]
        .map(String::from)
        .to_vec();
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(column(&headers, &names(&["Código", "Clave"])), Some(1));
        assert_eq!(column(&headers, &names(&["Título", "Nombre"])), Some(2));
        assert_eq!(
            column(&headers, &names(&["Comité"])),
            Some(3),
            "the exact header wins"
        );
        assert_eq!(column(&headers, &names(&["Sector"])), None);
    }
    use crate::registry::Registry;

    fn page(name: &str) -> String {
        let bytes = std::fs::read(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        encoding_rs::WINDOWS_1252.decode(&bytes).0.into_owned()
    }

    #[test]
    fn listing_rows_pagination_and_total() {
        let url = Url::parse("http://127.0.0.1:8080/RENEC/controlador.do?comp=ESLINACT").unwrap();
        let p = parse(
            &page("legacy_listing_windows1252.html"),
            &url,
            &Registry::embedded().legacy,
        );
        assert_eq!(p.title.as_deref(), Some("RENEC - Estándares inactivos"));
        assert_eq!(p.reported_total, Some(264));
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].codigo_raw, "EC0003");
        assert_eq!(p.rows[0].titulo.as_deref(), Some("Atención a comensales"));
        assert_eq!(p.rows[1].comite.as_deref(), Some("de Turismo"));
        assert_eq!(
            p.next.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:8080/RENEC/controlador.do?comp=ESLINACT&pagina=2")
        );
    }

    #[test]
    fn follows_only_component_links_on_the_same_host() {
        let url = Url::parse("http://127.0.0.1:8080/RENEC/controlador.do?comp=IR").unwrap();
        let p = parse(&page("legacy_hub.html"), &url, &Registry::embedded().legacy);
        let links: Vec<String> = p.links.iter().map(|u| component(u).unwrap()).collect();
        assert_eq!(links, vec!["ESLACT", "ESLINACT", "MARCA", "ES"]);
        assert!(p.rows.is_empty() && p.next.is_none());
    }
}
