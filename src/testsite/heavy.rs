//! Detail pages the way a real Angular page serves them (`--markup heavy`):
//! `_ngcontent-…` attributes on every element, wrapper `div`/`span`s, a
//! navigation bar, a cookie banner, a footer with tables, `script`,
//! `style` and `template` content, decoy lists and tables outside the
//! panels, a "Documentos relacionados" panel, header texts in mixed, upper
//! and entity-encoded forms (sometimes split across a nested `span` and a
//! line break) and panels in shuffled order; about 9 KB a page. The data
//! are the same as the light pages', so a harvest must find the same figures.

use super::corpus::{Corpus, DetailData};
use super::render::escape;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// How the test site renders detail pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Markup {
    /// The tidy shape of renec-site.md.
    #[default]
    Light,
    /// Real-world Angular markup (this module).
    Heavy,
}

impl std::str::FromStr for Markup {
    type Err = String;
    fn from_str(s: &str) -> Result<Markup, String> {
        match s {
            "light" => Ok(Markup::Light),
            "heavy" => Ok(Markup::Heavy),
            other => Err(format!("markup {other:?}: light or heavy")),
        }
    }
}

/// A stable stream of small numbers from the standard's code.
struct Dice(Vec<u8>, usize);

impl Dice {
    fn of(code: &str) -> Dice {
        Dice(Sha256::digest(code.as_bytes()).to_vec(), 0)
    }
    fn roll(&mut self, n: usize) -> usize {
        let v = self.0[self.1 % self.0.len()] as usize;
        self.1 += 1;
        v % n
    }
}

/// One way of writing a header's text: upper case, as written, with
/// entities, or split over a nested span and a line break.
fn header(text: &str, dice: &mut Dice) -> String {
    match dice.roll(4) {
        0 => escape(&text.to_uppercase()),
        1 => escape(text),
        2 => text
            .chars()
            .map(|c| match c {
                'á' => "&aacute;".to_string(),
                'é' => "&eacute;".to_string(),
                'í' => "&iacute;".to_string(),
                'ó' => "&oacute;".to_string(),
                'ú' => "&uacute;".to_string(),
                'ñ' => "&ntilde;".to_string(),
                '¿' => "&iquest;".to_string(),
                'Á' => "&Aacute;".to_string(),
                'É' => "&Eacute;".to_string(),
                'Ó' => "&Oacute;".to_string(),
                c => escape(&c.to_string()),
            })
            .collect(),
        _ => match text.split_once(' ') {
            Some((a, b)) => format!(
                "<span class=\"mat-content\"><span>{}</span><br>\n        <span> {}</span></span>",
                escape(a),
                escape(b)
            ),
            None => escape(text),
        },
    }
}

fn panel(title: &str, body: &str, dice: &mut Dice) -> String {
    format!(
        "  <mat-expansion-panel class=\"mat-expansion-panel mat-elevation-z0\">\n   <mat-expansion-panel-header role=\"button\" class=\"mat-expansion-panel-header\"><span class=\"mat-content\"><mat-panel-title>{}</mat-panel-title></span><span class=\"mat-expansion-indicator\"></span></mat-expansion-panel-header>\n   <div class=\"mat-expansion-panel-content\" role=\"region\"><div class=\"mat-expansion-panel-body\">\n{body}   </div></div>\n  </mat-expansion-panel>\n",
        header(title, dice)
    )
}

fn mat_table(header: &str, values: &[String]) -> String {
    let mut out = format!(
        "    <mat-table role=\"grid\" class=\"mat-table\"><mat-header-row role=\"row\" class=\"mat-header-row\"><mat-header-cell role=\"columnheader\" class=\"mat-header-cell\"><span>{}</span></mat-header-cell></mat-header-row>\n",
        escape(header)
    );
    for v in values {
        let _ = writeln!(
            out,
            "     <mat-row role=\"row\" class=\"mat-row\"><mat-cell role=\"gridcell\" class=\"mat-cell\"><div class=\"celda\">\n        {}\n      </div></mat-cell></mat-row>",
            escape(v)
        );
    }
    out.push_str("    </mat-table>\n");
    out
}

const CHROME_TOP: &str = r#"<header class="barra"><nav class="navbar navbar-expand-lg"><div class="container"><a class="navbar-brand" href="/">CONOCER</a>
<ul class="navbar-nav"><li class="nav-item"><a class="nav-link" href="/">Inicio</a></li><li class="nav-item"><a class="nav-link" href="/renec">Estándares de competencia</a></li>
<li class="nav-item"><a class="nav-link" href="/certificadores">¿En dónde puedo certificarme?</a></li><li class="nav-item"><a class="nav-link" href="/capacitacion">¿En dónde puedo capacitarme?</a></li>
<li class="nav-item"><a class="nav-link" href="/comites">Comités de Gestión por Competencias</a></li><li class="nav-item"><a class="nav-link" href="/contacto">Contacto</a></li></ul></div></nav></header>
<div class="cookie-banner" role="dialog"><p>Este sitio utiliza cookies para mejorar su experiencia. Al continuar navegando acepta su uso.</p>
<table class="cookies"><tr><th>Certificador</th><th>Entidad federativa</th></tr><tr><td>Cookie de sesión</td><td>Necesaria</td></tr><tr><td>Cookie analítica</td><td>Opcional</td></tr></table>
<ul><li>Esenciales</li><li>Analíticas</li><li>Publicidad</li></ul><button class="btn">Aceptar</button></div>
<template id="plantilla-panel"><mat-expansion-panel><mat-expansion-panel-header>¿En dónde puedo certificarme?</mat-expansion-panel-header><table><tr><th>Certificador</th></tr><tr><td>Certificador de plantilla</td></tr></table></mat-expansion-panel></template>
"#;

const CHROME_BOTTOM: &str = r#"<footer class="pie"><div class="container"><div class="row">
<div class="col"><h5>Enlaces</h5><ul><li><a href="/transparencia">Transparencia</a></li><li><a href="/privacidad">Aviso de privacidad</a></li><li><a href="/datos">Datos abiertos</a></li><li><a href="/accesibilidad">Accesibilidad</a></li></ul></div>
<div class="col"><h5>Contacto</h5><table class="contacto"><tr><th>Certificador</th><th>Tipo</th></tr><tr><td>Atención ciudadana</td><td>ECE</td></tr><tr><td>Barranca del Muerto 275, Ciudad de México</td><td>OC</td></tr></table></div>
<div class="col"><h5>Síguenos</h5><ul class="redes"><li>Facebook</li><li>X</li><li>YouTube</li><li>Instagram</li></ul></div>
</div><p class="legal">Consejo Nacional de Normalización y Certificación de Competencias Laborales. Todos los derechos reservados. Los estándares de competencia publicados en este sitio son de carácter informativo.</p></div></footer>
<script>window.__estado = {"paneles":["<mat-expansion-panel><mat-expansion-panel-header>¿En dónde puedo capacitarme?</mat-expansion-panel-header><ul><li>Curso de script</li></ul></mat-expansion-panel>"]};
(function(){var d=document,s=d.createElement('script');s.async=true;s.src='/assets/analytics.js';d.head.appendChild(s);})();</script>
"#;

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>RENEC | Estándar de competencia</title>
<base href="/acciones_movil/renec_v2/"><link rel="stylesheet" href="styles.3f1c9a2b7e.css"><link rel="icon" type="image/x-icon" href="favicon.ico">
<style>.mat-expansion-panel{box-sizing:content-box;display:block;margin:0;border-radius:4px;overflow:hidden;transition:margin 225ms cubic-bezier(.4,0,.2,1),box-shadow 280ms cubic-bezier(.4,0,.2,1)}
.mat-expansion-panel-header{display:flex;flex-direction:row;align-items:center;padding:0 24px;border-radius:inherit;transition:height 225ms cubic-bezier(.4,0,.2,1)}
.mat-expansion-panel-content{display:flex;flex-direction:column;overflow:visible}.mat-expansion-panel-body{padding:0 24px 16px}
.mat-table{display:block}.mat-header-row,.mat-row{display:flex;border-width:0 0 1px;border-style:solid;align-items:center;box-sizing:border-box}
.mat-cell,.mat-header-cell{flex:1;display:flex;align-items:center;overflow:hidden;word-wrap:break-word;min-height:inherit}
.cookie-banner{position:fixed;bottom:0;left:0;right:0;padding:16px;background:#333;color:#fff;z-index:1000}
.navbar{position:relative;display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;padding:.5rem 1rem}
.pie{background:#13322b;color:#fff;padding:32px 0}.pie a{color:#fff}.titulo-estandar{font-size:1.4rem;font-weight:700;color:#691c32}</style>
</head>
"#;

/// Adds an `_ngcontent-…` attribute to every opening tag (Angular's view
/// encapsulation), outside `script` and `style` content.
fn encapsulate(html: &str, component: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 3);
    let mut rest = html;
    let mut raw_until: Option<&str> = None;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(end) = raw_until {
            if rest.starts_with(end) {
                raw_until = None;
            }
            out.push('<');
            rest = &rest[1..];
            continue;
        }
        let name_len = rest[1..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .unwrap_or(rest.len() - 1);
        let name = &rest[1..1 + name_len];
        out.push('<');
        out.push_str(name);
        if !name.is_empty() && name.as_bytes()[0].is_ascii_alphabetic() {
            let _ = write!(out, " _ngcontent-{component}");
            match name {
                "script" => raw_until = Some("</script"),
                "style" => raw_until = Some("</style"),
                _ => {}
            }
        }
        rest = &rest[1 + name_len..];
    }
    out.push_str(rest);
    out
}

/// A detail page with real-world Angular markup (same data as the light page).
pub fn detail_page(d: &DetailData, corpus: &Corpus) -> String {
    let mut dice = Dice::of(&d.title);
    let mut panels: Vec<String> = Vec::new();
    panels.push(panel(
        "Descripción del estándar",
        &mat_table("Ocupaciones", &d.occupations),
        &mut dice,
    ));
    let mut certs = String::new();
    let with_facts = d.certifiers.iter().any(|c| corpus.facts(c).is_some());
    if with_facts {
        certs.push_str("    <div class=\"table-responsive\"><table class=\"table tabla\"><thead><tr><th><span>Entidad federativa</span></th><th><span>Certificador</span></th><th><span>Tipo</span></th></tr></thead><tbody>\n");
    } else {
        certs.push_str("    <div class=\"table-responsive\"><table class=\"table tabla\"><thead><tr><th><span>Certificador</span></th></tr></thead><tbody>\n");
    }
    for c in &d.certifiers {
        if with_facts {
            let facts = corpus.facts(c).cloned().unwrap_or_default();
            // Several states as a list inside the cell, or comma-separated.
            let states = if facts.estados.len() > 1 && dice.roll(2) == 0 {
                let items: String = facts
                    .estados
                    .iter()
                    .map(|e| format!("<li>{}</li>", escape(e)))
                    .collect();
                format!("<ul class=\"estados\">{items}</ul>")
            } else {
                escape(&facts.estados.join(", "))
            };
            let _ = writeln!(
                certs,
                "     <tr class=\"fila\"><td>{states}</td><td><span class=\"nombre\">{}</span></td><td><span>{}</span></td></tr>",
                escape(c),
                escape(&facts.tipo)
            );
        } else {
            let _ = writeln!(
                certs,
                "     <tr class=\"fila\"><td><span class=\"nombre\">{}</span></td></tr>",
                escape(c)
            );
        }
    }
    certs.push_str("    </tbody></table></div>\n");
    panels.push(panel("¿En dónde puedo certificarme?", &certs, &mut dice));
    if !d.courses.is_empty() {
        let mut list = String::from("    <ul class=\"lista-cursos\">\n");
        for c in &d.courses {
            let _ = writeln!(
                list,
                "     <li><span class=\"curso\">{}</span></li>",
                escape(c)
            );
        }
        list.push_str("    </ul>\n");
        panels.push(panel("¿En dónde puedo capacitarme?", &list, &mut dice));
    }
    panels.push(panel(
        "Comité de Gestión por Competencias",
        &mat_table("Integrantes del comité", &d.committee_members),
        &mut dice,
    ));
    if dice.roll(3) > 0 {
        panels.push(panel(
            "Documentos relacionados",
            "    <ul><li><a href=\"/docs/estandar.pdf\">Estándar de competencia (PDF)</a></li><li><a href=\"/docs/guia.pdf\">Guía de evaluación</a></li><li><a href=\"/docs/instrumento.pdf\">Instrumento de evaluación</a></li></ul>\n    <table><tr><th>Documento</th><th>Fecha</th></tr><tr><td>Publicación en el DOF</td><td>2019-05-14</td></tr></table>\n",
            &mut dice,
        ));
    }
    // Shuffled, the same way for the same standard.
    for i in (1..panels.len()).rev() {
        let j = dice.roll(i + 1);
        panels.swap(i, j);
    }
    let mut body = String::from("<body><app-root ng-version=\"15.2.9\">\n");
    body.push_str(CHROME_TOP);
    let _ = write!(
        body,
        "<main class=\"contenido\"><div class=\"container\"><div class=\"row\"><div class=\"col-12\">\n<app-competencia>\n <div class=\"encabezado\"><p class=\"titulo-estandar\">{}</p></div>\n <mat-accordion class=\"mat-accordion\" displaymode=\"flat\">\n",
        escape(&d.title)
    );
    for p in panels {
        body.push_str(&p);
    }
    body.push_str(" </mat-accordion>\n</app-competencia>\n</div></div></div></main>\n");
    body.push_str(CHROME_BOTTOM);
    body.push_str("</app-root></body></html>\n");
    let component = format!("ng-c{}", 1000 + dice.roll(250) * 7);
    format!("{HEAD}{}", encapsulate(&body, &component))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;
    use crate::sources::detail;
    use crate::testsite::generate::generate;

    #[test]
    fn heavy_pages_read_the_same_as_light_ones_and_weigh_about_9_kb() {
        let corpus = generate(1, 7);
        let reg = Registry::embedded().detail;
        let mut sizes = Vec::new();
        for (code, d) in corpus.detalles.iter().take(40) {
            let heavy = detail_page(d, &corpus);
            let light = crate::testsite::render::detail_page(d, &corpus);
            sizes.push(heavy.len());
            assert!(heavy.contains("_ngcontent-ng-c"), "encapsulated");
            let (h, l) = (detail::parse(&heavy, &reg), detail::parse(&light, &reg));
            assert_eq!(h.codigo, l.codigo, "{code}");
            assert_eq!(h.titulo, l.titulo, "{code}");
            assert_eq!(h.ocupaciones, l.ocupaciones, "{code}");
            assert_eq!(h.certificadores, l.certificadores, "{code}");
            assert_eq!(h.centros, l.centros, "{code}");
            assert_eq!(h.miembros, l.miembros, "{code}");
            assert!(h.recognised);
        }
        let mean = sizes.iter().sum::<usize>() / sizes.len();
        assert!((7_000..=13_000).contains(&mean), "mean page {mean} bytes");
    }

    #[test]
    fn encapsulation_leaves_script_content_alone() {
        let out = encapsulate(
            "<div><script>if (a<b) x='<p>';</script><p>t</p></div>",
            "c1",
        );
        assert_eq!(
            out,
            "<div _ngcontent-c1><script _ngcontent-c1>if (a<b) x='<p>';</script><p _ngcontent-c1>t</p></div>"
        );
    }
}
