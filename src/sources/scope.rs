//! Where on a page the data can be: from the first to the last element the
//! detail parser reads from (its title and its panels), so the pruner can
//! hand html5ever that part alone. On the heavy pages of the real corpus the
//! navigation bar, cookie banner, footer and head are a third of the markup
//! left after pruning (7.8 → 5.2 MB), and reading the 1,476 pages takes
//! 258 ms instead of 331 (offline).
//!
//! The cut part is parsed as `<!DOCTYPE …><body>` + part. That builds the
//! same elements, with the same text, as the whole page does when
//! - every end tag on the page closes the element opened last (void
//!   elements aside), so html5ever's tree is the tags' own tree, with no
//!   implied end tags, adoption or stale formatting elements;
//! - every element open where the part starts is one whose presence
//!   changes nothing inside it for the tree builder (`div`, `main`, custom
//!   elements, … see [`benign`]); a part that starts inside anything else
//!   (`template`, `table`, `p`, `a`, …) starts at that element's start tag;
//! - a start tag is counted as one of the parser's elements whenever the
//!   selector could match what it creates (more is safe, never fewer).
//!
//! Anything else (a tag left open to be closed by another, a selector that
//! is not a plain name with classes, a page the pruner could not scan to
//! its end) and the page is parsed whole. The property test in `detail`
//! checks the parser reads the same from the cut part as from the page.

/// One element the data is read from, as a start tag shows it: its name
/// and the classes it must carry (`p.titulo-estandar`).
#[derive(Debug, Clone, PartialEq)]
pub struct Anchor {
    name: String,
    classes: Vec<String>,
    /// `<` and the name: how its start tag begins in markup a scan skipped.
    start: Vec<u8>,
}

/// Elements the tree builder makes without a start tag of their own name
/// (`<td>` makes `tbody` and `tr`, `</p>` an empty `p`): a selector naming
/// one with no class could match an element no tag shows.
const IMPLIED: [&str; 8] = ["html", "head", "body", "tbody", "tr", "colgroup", "p", "br"];

impl Anchor {
    /// The anchor of a selector that is one element name with classes, or
    /// None (then no page is cut).
    pub fn parse(selector: &str) -> Option<Anchor> {
        let mut parts = selector.trim().split('.');
        let name = parts.next()?.to_ascii_lowercase();
        let word = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        };
        let classes: Vec<String> = parts.map(str::to_string).collect();
        let plain = word(&name)
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && classes.iter().all(|c| word(c));
        let implied = IMPLIED.contains(&name.as_str()) && classes.is_empty();
        let start = [b"<", name.as_bytes()].concat();
        (plain && !implied).then_some(Anchor {
            name,
            classes,
            start,
        })
    }

    /// Whether an element with this name and these `class` values could
    /// match. Classes are compared without case (quirks mode does so), and
    /// a value with a character reference may be anything.
    fn matches<'v>(
        &self,
        name: &[u8],
        class_values: impl Iterator<Item = &'v [u8]> + Clone,
    ) -> bool {
        self.name.as_bytes().eq_ignore_ascii_case(name)
            && self.classes.iter().all(|wanted| {
                class_values.clone().any(|value| {
                    value.contains(&b'&')
                        || value
                            .split(|c| c.is_ascii_whitespace())
                            .any(|token| token.eq_ignore_ascii_case(wanted.as_bytes()))
                })
            })
    }
}

/// Elements whose presence around the cut part changes nothing the tree
/// builder does inside it: no scope, insertion mode, `p` or list item is
/// involved (a `li` start tag looks through a `div`, but finds no `li`).
fn benign(name: &[u8]) -> bool {
    const NAMES: [&[u8]; 11] = [
        b"html", b"body", b"div", b"span", b"main", b"section", b"article", b"aside", b"header",
        b"footer", b"nav",
    ];
    name.contains(&b'-') || NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Elements with no end tag (html5ever never puts anything inside them).
pub fn void(name: &[u8]) -> bool {
    const NAMES: [&[u8]; 19] = [
        b"area",
        b"base",
        b"basefont",
        b"bgsound",
        b"br",
        b"col",
        b"embed",
        b"frame",
        b"hr",
        b"image",
        b"img",
        b"input",
        b"keygen",
        b"link",
        b"meta",
        b"param",
        b"source",
        b"track",
        b"wbr",
    ];
    NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// A start tag, as the pruner's scan saw it.
pub struct Tag<'v> {
    /// Where its name is in the page.
    pub name: (usize, usize),
    /// Where its `class` attributes' values are in the page (read only when
    /// [`Scope::wants_classes`] its name).
    pub classes: &'v [(usize, usize)],
    /// Where it begins in the pruned output, and where it ends (after the
    /// content, for a unit the scan skipped whole).
    pub out_at: usize,
    pub out_end: usize,
    /// False for a void element, a self-closed foreign one and a unit.
    pub opens: bool,
    /// For a unit the scan skipped whole (`svg`, `math`, `select`), its
    /// content, searched for anchors it could hide.
    pub unit: Option<&'v [u8]>,
}

/// An element open at this point of the scan.
struct Open {
    /// Where its name is in the page.
    name: (usize, usize),
    /// Where its start tag begins in the pruned output.
    out_at: usize,
    anchor: bool,
}

/// Follows the pruner's scan: the elements open, and where the part with the
/// anchors begins and ends in the pruned output.
pub struct Scope<'a> {
    anchors: &'a [Anchor],
    open: Vec<Open>,
    doctype: Option<(usize, usize)>,
    started: bool,
    from: Option<usize>,
    to: Option<usize>,
    /// The page cannot be cut (see the module's text).
    whole: bool,
}

impl<'a> Scope<'a> {
    pub fn new(anchors: &'a [Anchor]) -> Scope<'a> {
        Scope {
            anchors,
            open: Vec::new(),
            doctype: None,
            started: false,
            from: None,
            to: None,
            whole: false,
        }
    }

    /// The scan stopped short of the page's end: it is parsed whole.
    pub fn give_up(&mut self) {
        self.whole = true;
    }

    /// A `<!…>` token at `out_at..out_end` of the output: kept when it is
    /// the doctype (it decides quirks mode).
    pub fn declaration(&mut self, token: &[u8], out_at: usize, out_end: usize) {
        let doctype = token.len() >= 9 && token[..9].eq_ignore_ascii_case(b"<!doctype");
        if doctype && !self.started && self.doctype.is_none() {
            self.doctype = Some((out_at, out_end));
        }
    }

    /// Whether a start tag of this name may be an anchor (then its class
    /// values are worth collecting).
    pub fn wants_classes(&self, name: &[u8]) -> bool {
        self.anchors
            .iter()
            .any(|a| a.name.as_bytes().eq_ignore_ascii_case(name))
    }

    /// A start tag of `page`.
    pub fn start(&mut self, page: &[u8], tag: &Tag) {
        self.started = true;
        if self.whole {
            return;
        }
        let (name_at, name_len) = tag.name;
        let name = &page[name_at..name_at + name_len];
        if let Some(content) = tag.unit {
            let hides = self.anchors.iter().any(|a| {
                content
                    .windows(a.start.len())
                    .any(|w| w.eq_ignore_ascii_case(&a.start))
            });
            if hides {
                self.whole = true;
                return;
            }
        }
        let class_values = tag.classes.iter().map(|&(from, to)| &page[from..to]);
        let anchor = self
            .anchors
            .iter()
            .any(|a| a.matches(name, class_values.clone()));
        if anchor {
            if self.from.is_none() {
                let head = self
                    .open
                    .iter()
                    .any(|o| page[o.name.0..o.name.0 + o.name.1].eq_ignore_ascii_case(b"head"));
                if head {
                    self.whole = true;
                    return;
                }
                let outermost = self
                    .open
                    .iter()
                    .find(|o| !benign(&page[o.name.0..o.name.0 + o.name.1]));
                self.from = Some(outermost.map_or(tag.out_at, |o| o.out_at));
            }
            if !tag.opens {
                self.to = Some(tag.out_end);
            }
        }
        if tag.opens {
            self.open.push(Open {
                name: tag.name,
                out_at: tag.out_at,
                anchor,
            });
        }
    }

    /// An end tag for `name`, ending at `out_end` of the output.
    pub fn end(&mut self, page: &[u8], name: &[u8], out_end: usize) {
        if self.whole {
            return;
        }
        match self.open.last() {
            Some(top) if page[top.name.0..top.name.0 + top.name.1].eq_ignore_ascii_case(name) => {
                if top.anchor {
                    self.to = Some(out_end);
                }
                self.open.pop();
            }
            _ => self.whole = true,
        }
    }

    /// The part of `pruned` to parse, when the page can be cut.
    pub fn cut(&self, pruned: &str) -> Option<String> {
        if self.whole {
            return None;
        }
        let from = self.from?;
        // An anchor still open at the end of the page runs to its end.
        let to = if self.open.iter().any(|o| o.anchor) {
            pruned.len()
        } else {
            self.to?
        };
        let doctype = self.doctype.map_or("", |(a, b)| &pruned[a..b]);
        let mut part = String::with_capacity(doctype.len() + 6 + to - from);
        part.push_str(doctype);
        part.push_str("<body>");
        part.push_str(&pruned[from..to]);
        Some(part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_plain_names_with_classes() {
        let a = Anchor::parse("p.titulo-estandar").unwrap();
        assert_eq!((a.name.as_str(), a.classes.len()), ("p", 1));
        assert!(Anchor::parse(" Mat-Expansion-Panel ").is_some());
        for not_plain in [
            "div > p",
            "p.a:first-child",
            "[role=grid]",
            "#x",
            "p",
            "tbody",
            "*",
            "p.",
            "",
        ] {
            assert_eq!(Anchor::parse(not_plain), None, "{not_plain}");
        }
    }

    #[test]
    fn a_class_matches_as_a_token_without_case_or_when_a_reference_may_hide_it() {
        let a = Anchor::parse("p.titulo").unwrap();
        let one = |v: &'static str| std::iter::once(v.as_bytes());
        assert!(a.matches(b"P", one("x  TITULO\ty")));
        assert!(a.matches(b"p", one("tit&#117;lo")));
        assert!(!a.matches(b"p", one("titulos")));
        assert!(!a.matches(b"div", one("titulo")));
        assert!(!a.matches(b"p", std::iter::empty()));
    }

    fn cut(html: &str) -> Option<String> {
        let pruner = crate::sources::prune::Pruner::for_selectors(["p.titulo"])
            .scoped_to(["p.titulo", "mat-expansion-panel"]);
        let scoped = pruner.prune_scoped(html);
        scoped.cut.then_some(scoped.text)
    }

    #[test]
    fn the_part_runs_from_the_title_to_the_last_panel_after_the_doctype() {
        let html = "<!doctype html><html><head><title>t</title></head><body><nav><ul><li>Inicio</li></ul></nav>\
            <main><p class=titulo>EC1-T</p><mat-expansion-panel>A</mat-expansion-panel>\
            <div>x</div><mat-expansion-panel>B</mat-expansion-panel></main><footer>pie</footer></body></html>";
        assert_eq!(
            cut(html).as_deref(),
            Some("<!doctype html><body><p class=titulo>EC1-T</p><mat-expansion-panel>A</mat-expansion-panel>\
                  <div>x</div><mat-expansion-panel>B</mat-expansion-panel>")
        );
    }

    #[test]
    fn a_part_inside_a_template_or_table_starts_with_it() {
        let html =
            "<body><div><template><mat-expansion-panel>decoy</mat-expansion-panel></template>\
            <mat-expansion-panel>real</mat-expansion-panel></div></body>";
        assert_eq!(
            cut(html).as_deref(),
            Some(
                "<body><template><mat-expansion-panel>decoy</mat-expansion-panel></template>\
                  <mat-expansion-panel>real</mat-expansion-panel>"
            )
        );
        let html =
            "<b>x</b><table><tr><td><mat-expansion-panel>A</mat-expansion-panel></td></tr></table>";
        assert_eq!(
            cut(html).as_deref(),
            Some("<body><table><tr><td><mat-expansion-panel>A</mat-expansion-panel>")
        );
    }

    #[test]
    fn pages_it_cannot_be_sure_of_are_parsed_whole() {
        for html in [
            // A tag closed by another: html5ever's tree is not the tags'.
            "<div><p>a</div><mat-expansion-panel>A</mat-expansion-panel>",
            "<div><mat-expansion-panel>A</mat-expansion-panel><li>b</div>",
            // In the head the parser moves things around.
            "<head><mat-expansion-panel>A</mat-expansion-panel></head>",
            // Inside svg, skipped by the scan, a panel could hide.
            "<svg><mat-expansion-panel>A</mat-expansion-panel></svg><mat-expansion-panel>B</mat-expansion-panel>",
            // The scan stopped short.
            "<mat-expansion-panel>A</mat-expansion-panel><p x=\"unclosed>",
            // No anchor at all.
            "<div>nada</div>",
        ] {
            assert_eq!(cut(html), None, "{html}");
        }
        let anchor_open_at_the_end = "<div>x</div><mat-expansion-panel>A<br>";
        assert_eq!(
            cut(anchor_open_at_the_end).as_deref(),
            Some("<body><mat-expansion-panel>A<br>")
        );
    }

    #[test]
    fn a_heavy_test_site_page_loses_its_chrome() {
        let corpus = crate::testsite::generate::generate(1, 3);
        let reg = crate::registry::Registry::embedded().detail;
        let parser = crate::sources::detail::Parser::new(&reg);
        let pruner = crate::sources::prune::Pruner::for_selectors([reg.title_selector.as_str()])
            .scoped_to([reg.title_selector.as_str(), reg.panel_selector.as_str()]);
        for d in corpus.detalles.values().take(20) {
            let page = crate::testsite::heavy::detail_page(d, &corpus);
            let scoped = pruner.prune_scoped(&page);
            assert!(scoped.cut, "{page}");
            assert!(
                !scoped.text.contains("Este sitio utiliza cookies"),
                "{}",
                scoped.text
            );
            assert!(scoped.text.len() < pruner.prune(&page).len() * 3 / 4);
            assert_eq!(parser.parse(&page), parser.parse_whole(&page));
        }
    }
}
