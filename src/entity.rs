//! One vocabulary for what the registry holds. Each kind of entity has one
//! word, used alike by the Rust types, the API paths, the ledger tables,
//! the diff documents, the feeds, the exports and the UI; links between
//! entities are named once here too. `docs/glossary.md` explains the words.

/// A kind of entity of the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A competency standard (Estándar de Competencia, EC).
    Ec,
    /// A certifying body (ECE or OC).
    Certificador,
    /// A training offering ("¿En dónde puedo capacitarme?").
    Centro,
    /// A committee (Comité de Gestión por Competencias).
    Comite,
    /// A productive sector.
    Sector,
}

/// Where each kind's word appears.
#[derive(Debug)]
pub struct Info {
    pub kind: Kind,
    /// The API path (`/api/v1/{plural}`), the diff document's key, the
    /// feeds' `entity=` and the export's file name.
    pub plural: &'static str,
    /// The ledger table (and its `v_current_{table}` view).
    pub table: &'static str,
    /// The UI's page of one entity (`/{ui}/{key}`).
    pub ui: &'static str,
    /// What people read (Spanish, plural).
    pub nombre: &'static str,
}

pub const ENTITIES: [Info; 5] = [
    Info {
        kind: Kind::Ec,
        plural: "ec",
        table: "estandares",
        ui: "ec",
        nombre: "Estándares",
    },
    Info {
        kind: Kind::Certificador,
        plural: "certificadores",
        table: "certificadores",
        ui: "certificador",
        nombre: "Certificadores",
    },
    Info {
        kind: Kind::Centro,
        plural: "centros",
        table: "centros",
        ui: "centro",
        nombre: "Ofertas de capacitación",
    },
    Info {
        kind: Kind::Comite,
        plural: "comites",
        table: "comites",
        ui: "comite",
        nombre: "Comités",
    },
    Info {
        kind: Kind::Sector,
        plural: "sectores",
        table: "sectores",
        ui: "sector",
        nombre: "Sectores",
    },
];

impl Kind {
    pub const fn info(self) -> &'static Info {
        &ENTITIES[self as usize]
    }

    pub const fn plural(self) -> &'static str {
        self.info().plural
    }

    pub const fn table(self) -> &'static str {
        self.info().table
    }

    /// The kind named by its plural word (`certificadores`).
    pub fn from_plural(word: &str) -> Option<Kind> {
        ENTITIES.iter().find(|i| i.plural == word).map(|i| i.kind)
    }
}

/// A kind of link between entities, as diffs and feeds name it.
#[derive(Debug)]
pub struct Link {
    /// Its key in diff documents and the feeds' `entity=`.
    pub name: &'static str,
    /// The ledger table.
    pub table: &'static str,
    /// What people read (Spanish).
    pub nombre: &'static str,
    /// The entity whose feed (`entity=`) carries it.
    pub of: Kind,
}

pub const LINKS: [Link; 5] = [
    Link {
        name: "ec_certificador",
        table: "ec_certificador",
        nombre: "Estándar–certificador",
        of: Kind::Ec,
    },
    Link {
        name: "ec_centro",
        table: "ec_centro",
        nombre: "Estándar–capacitación",
        of: Kind::Ec,
    },
    Link {
        name: "comite_ec",
        table: "comite_ec",
        nombre: "Comité–estándar",
        of: Kind::Ec,
    },
    // The states where a body certifies (any standard).
    Link {
        name: "certificador_estado",
        table: "ec_certificador_estado",
        nombre: "Certificador–entidad federativa",
        of: Kind::Certificador,
    },
    Link {
        name: "ec_ocupacion",
        table: "ec_ocupacion",
        nombre: "Estándar–ocupación",
        of: Kind::Ec,
    },
];

/// Every key of a diff document with its name for people: entities, then links.
pub fn diff_kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    ENTITIES
        .iter()
        .map(|i| (i.plural, i.nombre))
        .chain(LINKS.iter().map(|l| (l.name, l.nombre)))
}

/// Whether the diff key `kind` belongs to the feed of `entity` (an entity's
/// plural or a link's name, as `entity=` takes it).
pub fn belongs_to(kind: &str, entity: &str) -> bool {
    kind == entity
        || LINKS
            .iter()
            .any(|l| l.name == kind && l.of.plural() == entity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_finds_its_own_row() {
        for info in &ENTITIES {
            assert_eq!(info.kind.info().plural, info.plural);
            assert_eq!(Kind::from_plural(info.plural), Some(info.kind));
        }
        assert!(belongs_to("comite_ec", "ec"));
        assert!(belongs_to("certificador_estado", "certificadores"));
        assert!(!belongs_to("ec_certificador", "certificadores"));
        assert_eq!(diff_kinds().count(), 10);
    }
}
