//! The long list of API requests that two servers must answer identically
//! (the in-memory view against SQL, a PostgreSQL read node against the
//! SQLite node), and the comparison.

use super::{get, get_json};
use serde_json::Value;

pub fn ids(base: &str, path: &str, key: &str) -> Vec<String> {
    let mut out = vec![];
    let mut url = format!("{base}{path}?limit=500");
    loop {
        let (status, page) = get_json(&url);
        assert_eq!(status, 200, "{url}");
        for item in page["items"].as_array().unwrap() {
            out.push(match &item[key] {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            });
        }
        match page["next"].as_str() {
            Some(next) => url = format!("{base}{next}"),
            None => return out,
        }
    }
}

pub fn requests(base: &str) -> Vec<String> {
    let mut r: Vec<String> = vec![];
    let claves = ids(base, "/api/v1/ec", "clave");
    let certs = ids(base, "/api/v1/certificadores", "id");
    let comites = ids(base, "/api/v1/comites", "id");
    let centros = ids(base, "/api/v1/centros", "id");
    let sectores = ids(base, "/api/v1/sectores", "id");
    assert!(claves.len() > 50 && certs.len() > 10 && comites.len() > 3);
    for c in &claves {
        r.push(format!("/api/v1/ec/{c}"));
    }
    for c in &certs {
        r.push(format!("/api/v1/certificadores/{c}"));
        r.push(format!(
            "/api/v1/certificadores/{c}/estandares?sort=-titulo&limit=7"
        ));
    }
    for c in &comites {
        r.push(format!("/api/v1/comites/{c}"));
        r.push(format!("/api/v1/comites/{c}/estandares"));
    }
    for c in centros.iter().take(40) {
        r.push(format!("/api/v1/centros/{c}"));
        r.push(format!("/api/v1/centros/{c}/estandares?sort=nivel"));
    }
    for s in &sectores {
        r.push(format!("/api/v1/sectores/{s}"));
        r.push(format!(
            "/api/v1/sectores/{s}/estandares?sort=-certificadores&limit=20"
        ));
        r.push(format!("/api/v1/ec?sector={s}&vigente=true"));
    }
    for sort in ["clave", "titulo", "nivel", "certificadores"] {
        for dir in ["", "-"] {
            for offset in [0, 13, 50, 400] {
                r.push(format!(
                    "/api/v1/ec?sort={dir}{sort}&limit=25&offset={offset}"
                ));
            }
            r.push(format!(
                "/api/v1/ec?sort={dir}{sort}&include_retired=true&limit=30"
            ));
        }
    }
    for nivel in 1..=5 {
        r.push(format!("/api/v1/ec?nivel={nivel}&limit=50&offset=10"));
    }
    for tipo in ["vigente", "inactivo", "marca", "historica"] {
        r.push(format!("/api/v1/ec?tipo={tipo}&sort=-nivel"));
    }
    for c in comites.iter().take(10) {
        r.push(format!("/api/v1/ec?comite={c}"));
    }
    for c in certs.iter().step_by(7) {
        r.push(format!("/api/v1/ec?certificador={c}&sort=titulo"));
        r.push(format!("/api/v1/certificadores?ec={}&estado=09", claves[0]));
    }
    for c in centros.iter().step_by(11) {
        r.push(format!("/api/v1/ec?centro={c}"));
    }
    for e in ["09", "14", "19", "Jalisco", "15"] {
        r.push(format!("/api/v1/ec?estado={e}"));
        r.push(format!(
            "/api/v1/certificadores?estado={e}&sort=-estandares"
        ));
        r.push(format!("/api/v1/comites?estado={e}"));
    }
    for c in claves.iter().step_by(17) {
        r.push(format!("/api/v1/certificadores?ec={c}"));
        r.push(format!("/api/v1/certificadores?ec={c}&estado=14"));
        r.push(format!("/api/v1/comites?ec={c}"));
        r.push(format!("/api/v1/centros?ec={c}"));
    }
    for sort in ["nombre", "-nombre", "estandares", "-estandares"] {
        for path in ["certificadores", "comites", "centros"] {
            r.push(format!("/api/v1/{path}?sort={sort}&limit=40&offset=3"));
        }
    }
    for t in ["ECE", "OC", "ece"] {
        r.push(format!("/api/v1/certificadores?tipo={t}&min_ec=2"));
    }
    r.push("/api/v1/comites?min_ec=3".into());
    r.push("/api/v1/centros?min_ec=2".into());
    r.push("/api/v1/sectores?limit=5&offset=2".into());
    r.push("/api/v1/ec?facet=sector,nivel,comite,estado,vigente,tipo".into());
    r.push("/api/v1/ec?vigente=true&facet=sector&facet=nivel&limit=5".into());
    r.push("/api/v1/ec?nivel=3&facet=comite,estado&sort=-titulo".into());
    r.push("/api/v1/ec?include_retired=true&facet=tipo,vigente".into());
    r.push("/api/v1/certificadores?facet=tipo,estado".into());
    r.push("/api/v1/certificadores?tipo=ECE&facet=estado&limit=3".into());
    r.push(format!(
        "/api/v1/certificadores?ec={}&facet=tipo,estado",
        claves[1]
    ));
    r.push(format!(
        "/api/v1/sectores/{}/estandares?facet=nivel,comite",
        sectores[0]
    ));
    r.push("/api/v1/ec?as_of=1&facet=sector,estado".into());
    r.push("/api/v1/estados".into());
    r.push("/api/v1/certificadores/tipos".into());
    r.push("/api/v1/graph".into());
    r.push("/api/v1/ec/EC9999".into());
    r.push("/api/v1/certificadores/nadie".into());
    r.push("/api/v1/comites/999999".into());
    r.push("/api/v1/centros/nada".into());
    // The older run: answered by the database on both servers.
    for c in claves.iter().step_by(9) {
        r.push(format!("/api/v1/ec/{c}?as_of=1"));
    }
    r.push("/api/v1/ec?as_of=1&sort=-titulo&limit=100".into());
    r.push("/api/v1/certificadores?as_of=1".into());
    r.push("/api/v1/estados?as_of=1".into());
    r
}

pub fn same_answers(mem: &str, sql: &str, list: &[String]) {
    let mut differing = vec![];
    for path in list {
        let (s1, _, b1) = get(&format!("{mem}{path}"), &[]);
        let (s2, _, b2) = get(&format!("{sql}{path}"), &[]);
        if (s1, &b1) != (s2, &b2) {
            differing.push(format!(
                "{path}: {s1} {} | {s2} {}",
                String::from_utf8_lossy(&b1)
                    .chars()
                    .take(400)
                    .collect::<String>(),
                String::from_utf8_lossy(&b2)
                    .chars()
                    .take(400)
                    .collect::<String>()
            ));
        }
    }
    assert!(
        differing.is_empty(),
        "{} of {} answers differ:\n{}",
        differing.len(),
        list.len(),
        differing.join("\n")
    );
}
