//! The source registry: URL templates, JSON field names, selectors and panel
//! headers of the RENEC site, read from `assets/registry.toml` (embedded) or
//! from an operator's copy named by `registry_file`.

use crate::assets::Assets;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use url::Url;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    pub catalogue: Catalogue,
    pub committees: Committees,
    pub detail: Detail,
    pub legacy: Legacy,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub path: String,
    pub fields: CatalogueFields,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFields {
    pub id: String,
    pub codigo: String,
    pub titulo: String,
    pub nivel: String,
    pub comite: String,
    pub sector_id: String,
    pub sector: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Committees {
    pub path: String,
    pub status_field: String,
    pub results_field: String,
    pub fields: CommitteeFields,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitteeFields {
    pub clave: String,
    pub nombre: String,
    pub presidente: String,
    pub vicepresidente: String,
    pub puesto_presidente: String,
    pub puesto_vicepresidente: String,
    pub contacto: String,
    pub correo: String,
    pub telefonos: String,
    pub calle_numero: String,
    pub colonia: String,
    pub codigo_postal: String,
    pub municipio: String,
    pub entidad: String,
    pub sector_id: String,
    pub sector: String,
    pub fecha_integracion: String,
    pub url: String,
    pub estandares: String,
    pub estandar_codigo: String,
    pub estandar_titulo: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detail {
    pub path: String,
    pub title_selector: String,
    pub panel_selector: String,
    pub header_selector: String,
    /// Texts of the site's own "no information" page for a standard: such a
    /// page is understood (and has nothing to add), not unrecognised markup.
    pub no_information: Vec<String>,
    pub sections: DetailSections,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailSections {
    pub ocupaciones: Section,
    pub certificadores: Section,
    pub centros: Section,
    pub comite: Section,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub headers: Vec<String>,
    pub columns: Vec<String>,
    /// Columns read beside the value when the table has them (certifiers:
    /// the state and the type of each certifying body).
    #[serde(default)]
    pub state_columns: Vec<String>,
    #[serde(default)]
    pub type_columns: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Legacy {
    pub hub: String,
    /// One listing by its component: a path with `{comp}`.
    pub listing: String,
    pub follow: String,
    pub skip_components: Vec<String>,
    pub table_selector: String,
    pub next_link_text: String,
    pub total_selector: String,
    pub columns: LegacyColumns,
    pub listings: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyColumns {
    pub codigo: Vec<String>,
    pub titulo: Vec<String>,
    pub comite: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot read the source registry {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the source registry {path} is not valid: {message}")]
    Invalid { path: String, message: String },
}

const EMBEDDED: &str = "registry.toml";

impl Registry {
    /// The registry built into the binary.
    pub fn embedded() -> Registry {
        let file = Assets::get(EMBEDDED).expect("assets/registry.toml is embedded");
        let text = std::str::from_utf8(&file.data).expect("registry.toml is UTF-8");
        Registry::parse(text, "embedded registry.toml").expect("embedded registry.toml is valid")
    }

    /// An operator's registry file, or the embedded one when `path` is None.
    pub fn load(path: Option<&Path>) -> Result<Registry, RegistryError> {
        let Some(path) = path else {
            return Ok(Registry::embedded());
        };
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Read {
            path: shown.clone(),
            source,
        })?;
        Registry::parse(&text, &shown)
    }

    pub fn parse(text: &str, origin: &str) -> Result<Registry, RegistryError> {
        let registry: Registry = toml::from_str(text).map_err(|e| RegistryError::Invalid {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        registry
            .validate()
            .map_err(|message| RegistryError::Invalid {
                path: origin.to_string(),
                message,
            })?;
        Ok(registry)
    }

    fn validate(&self) -> Result<(), String> {
        if !self.committees.path.contains("{id}") {
            return Err(format!(
                "committees.path must contain {{id}}, got {:?}",
                self.committees.path
            ));
        }
        if !self.legacy.listing.contains("{comp}") {
            return Err(format!(
                "legacy.listing must contain {{comp}}, got {:?}",
                self.legacy.listing
            ));
        }
        if !self.detail.path.contains("{codigo}") {
            return Err(format!(
                "detail.path must contain {{codigo}}, got {:?}",
                self.detail.path
            ));
        }
        for (name, selector) in [
            ("detail.title_selector", &self.detail.title_selector),
            ("detail.panel_selector", &self.detail.panel_selector),
            ("detail.header_selector", &self.detail.header_selector),
            ("legacy.table_selector", &self.legacy.table_selector),
            ("legacy.total_selector", &self.legacy.total_selector),
        ] {
            scraper::Selector::parse(selector)
                .map_err(|e| format!("{name} is not a valid CSS selector ({selector:?}): {e}"))?;
        }
        for kind in self.legacy.listings.values() {
            if !["inactivo", "historica", "marca"].contains(&kind.as_str()) {
                return Err(format!(
                    "legacy.listings values must be inactivo, historica or marca, got {kind:?}"
                ));
            }
        }
        Ok(())
    }

    /// `base` (the site, `source.url`) joined with a path of this registry.
    pub fn url(base: &Url, path: &str) -> Result<Url, url::ParseError> {
        Url::parse(&format!("{}{path}", base.as_str().trim_end_matches('/')))
    }

    /// The catalogue of active standards (JSON).
    pub fn catalogue_url(&self, base: &Url) -> Result<Url, url::ParseError> {
        Registry::url(base, &self.catalogue.path)
    }

    /// One committee (JSON) by RENEC's id.
    pub fn committee_url(&self, base: &Url, id: u32) -> Result<Url, url::ParseError> {
        Registry::url(base, &self.committees.path.replace("{id}", &id.to_string()))
    }

    /// One standard's detail page (HTML).
    pub fn detail_url(&self, base: &Url, codigo: &str) -> Result<Url, url::ParseError> {
        Registry::url(base, &self.detail.path.replace("{codigo}", codigo))
    }

    /// Whether `url` is a standard's detail page (its path fits `detail.path`).
    pub fn is_detail_url(&self, url: &Url) -> bool {
        let (prefix, suffix) = self
            .detail
            .path
            .split_once("{codigo}")
            .unwrap_or((self.detail.path.as_str(), ""));
        let path = url.path();
        path.len() > prefix.len() + suffix.len()
            && path.starts_with(prefix)
            && path.ends_with(suffix)
    }

    /// The legacy hub, where the breadth-first walk of listings starts.
    pub fn hub_url(&self, base: &Url) -> Result<Url, url::ParseError> {
        Registry::url(base, &self.legacy.hub)
    }

    /// The legacy listing of one component (`ESLINACT`, `MARCA`, …).
    pub fn listing_url(&self, base: &Url, comp: &str) -> Result<Url, url::ParseError> {
        Registry::url(base, &self.legacy.listing.replace("{comp}", comp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_registry_is_valid() {
        let r = Registry::embedded();
        let base = Url::parse("https://conocer.gob.mx/").unwrap();
        assert_eq!(
            r.committee_url(&base, 7).unwrap().as_str(),
            "https://conocer.gob.mx/CONOCERBACKCITAS/comites/7"
        );
        let detail = r.detail_url(&base, "EC0002").unwrap();
        assert_eq!(
            detail.as_str(),
            "https://conocer.gob.mx/acciones_movil/renec_v2/competencia/EC0002"
        );
        assert!(r.is_detail_url(&detail));
        assert!(!r.is_detail_url(&r.catalogue_url(&base).unwrap()));
        assert_eq!(
            r.listing_url(&base, "MARCA").unwrap().as_str(),
            "https://conocer.gob.mx/RENEC/controlador.do?comp=MARCA"
        );
        // A site under a path prefix keeps it.
        let prefixed = Url::parse("http://127.0.0.1:8088/espejo/").unwrap();
        assert_eq!(
            r.hub_url(&prefixed).unwrap().as_str(),
            "http://127.0.0.1:8088/espejo/RENEC/controlador.do?comp=IR"
        );
        assert_eq!(r.legacy.listings["MARCA"], "marca");
    }

    #[test]
    fn a_broken_override_names_the_problem() {
        let text = std::str::from_utf8(&Assets::get(EMBEDDED).unwrap().data)
            .unwrap()
            .replace("p.titulo-estandar", "p..bad[");
        let err = Registry::parse(&text, "mine.toml").unwrap_err().to_string();
        assert!(
            err.contains("mine.toml") && err.contains("detail.title_selector"),
            "{err}"
        );
    }
}
