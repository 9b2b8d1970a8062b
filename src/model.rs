//! The normalized records a harvest produces and the store keeps.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sector {
    pub id: String,
    pub nombre: String,
    pub id_renec: Option<String>,
}

/// Where a standard is listed; the active catalogue wins over the legacy listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tipo {
    Vigente,
    Inactivo,
    Marca,
    Historica,
}

impl Tipo {
    pub fn as_str(self) -> &'static str {
        match self {
            Tipo::Vigente => "vigente",
            Tipo::Inactivo => "inactivo",
            Tipo::Marca => "marca",
            Tipo::Historica => "historica",
        }
    }

    pub fn from_listing(kind: &str) -> Option<Tipo> {
        match kind {
            "inactivo" => Some(Tipo::Inactivo),
            "marca" => Some(Tipo::Marca),
            "historica" => Some(Tipo::Historica),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standard {
    pub clave: String,
    pub clave_publicada: String,
    pub tipo: Tipo,
    pub clase: &'static str,
    pub titulo: Option<String>,
    pub nivel: Option<i64>,
    pub sector_id: Option<String>,
    pub comite_id: Option<i64>,
    pub comite_nombre: Option<String>,
    pub id_renec: Option<String>,
    pub source_url: String,
    /// The run whose nivel, sector and committee this standard keeps after
    /// leaving the catalogue (None: published by this run's sources).
    pub conservado_de_run: Option<i64>,
}

/// What a published run knew of a standard's fields that only the
/// catalogue publishes (kept when the standard leaves the catalogue).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KnownFields {
    pub nivel: Option<i64>,
    pub sector_id: Option<String>,
    pub comite_id: Option<i64>,
    pub comite_nombre: Option<String>,
    /// The run those values were last published in (None: that run itself).
    pub conservado_de_run: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Committee {
    pub id: i64,
    pub clave: Option<String>,
    pub nombre: String,
    pub nombre_publicado: Option<String>,
    pub sector_id_renec: Option<String>,
    pub sector_nombre: Option<String>,
    pub fecha_integracion: Option<String>,
    pub calle_numero: Option<String>,
    pub colonia: Option<String>,
    pub codigo_postal: Option<String>,
    pub codigo_postal_raw: Option<String>,
    pub municipio: Option<String>,
    pub estado_inegi: Option<String>,
    pub estado_raw: Option<String>,
    pub telefono_e164: Option<String>,
    pub telefono_raw: Option<String>,
    pub url: Option<String>,
    pub presidente: Option<String>,
    pub vicepresidente: Option<String>,
    pub puesto_presidente: Option<String>,
    pub puesto_vicepresidente: Option<String>,
    pub contacto: Option<String>,
    pub correo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Certifier {
    pub id: String,
    pub nombre: String,
    pub nombre_key: String,
    /// `ECE` or `OC` when the detail pages publish it.
    pub tipo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Centro {
    pub id: String,
    pub nombre: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegacyPageRecord {
    pub url: String,
    pub titulo: Option<String>,
    pub status: i64,
    pub content_sha256: Option<String>,
    pub links: Vec<String>,
}

/// A problem found in the data: kept and reported, never dropped silently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataIssue {
    pub source: &'static str,
    pub key: String,
    pub problem: String,
    pub raw: Option<String>,
}

impl DataIssue {
    pub fn new(
        source: &'static str,
        key: impl Into<String>,
        problem: impl Into<String>,
        raw: Option<String>,
    ) -> DataIssue {
        DataIssue {
            source,
            key: key.into(),
            problem: problem.into(),
            raw,
        }
    }
}

/// A text that many rows of a run repeat (a standard's code, a certifier's
/// id, an institution's name): one allocation, shared by every row.
pub type Shared = std::sync::Arc<str>;

/// Everything one run found, normalized, with unique keys.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub sectores: Vec<Sector>,
    pub estandares: Vec<Standard>,
    pub comites: Vec<Committee>,
    pub certificadores: Vec<Certifier>,
    /// (certificador_id, published spelling)
    pub certificador_alias: Vec<(Shared, Shared)>,
    pub centros: Vec<Centro>,
    /// (ec_clave, certificador_id)
    pub ec_certificador: Vec<(Shared, Shared)>,
    /// (ec_clave, certificador_id, estado_inegi): where a body certifies a
    /// standard, when the detail page publishes it.
    pub ec_certificador_estado: Vec<(Shared, Shared, &'static str)>,
    /// (ec_clave, centro_id)
    pub ec_centro: Vec<(Shared, Shared)>,
    /// (ec_clave, ocupacion)
    pub ec_ocupacion: Vec<(Shared, Shared)>,
    /// (ec_clave, institucion)
    pub ec_comite_miembro: Vec<(Shared, Shared)>,
    /// (comite_id, ec_clave)
    pub comite_ec: Vec<(i64, Shared)>,
    pub legacy_pages: Vec<LegacyPageRecord>,
    pub issues: Vec<DataIssue>,
}
