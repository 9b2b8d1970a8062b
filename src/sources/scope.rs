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
//!
//! The cut part also loses the tags of its wrappers: a `div`, `span` or
//! custom element that no selector names and that has no attribute left
//! gives way to a space, and its content goes to its parent. On the heavy
//! pages of the real corpus (with the attributes the pruner drops for their
//! value) the elements parsed fall from about 160,000 to 90,000 and the
//! markup from 5.2 to 4.3 MB, and reading the 1,476 pages takes 204–222 ms
//! instead of 265–269 (offline, on a noisy machine). The content reads the
//! same where it lands:
//! - the parent is ordinary content, a cell, an item or a heading (see
//!   [`Kind::holds_flow`]): never a list (whose items are read as its
//!   children), a table (which would move the content out of it), a
//!   template or the head;
//! - the reader joins text nodes with spaces, so one space stands for the
//!   boundary the tag made;
//! - nothing on the page may close an element without its end tag (a `div`
//!   in a `p`, a second `li` in an item, a cell in a cell, a nested `a`;
//!   see [`Scope::may_close_others`]): then the tree builder's elements may
//!   not be the tags', and no wrapper is dropped.
//!
//! Under the same conditions the part leaves out the white space that
//! stands alone between two tags (indentation, mostly): it would only make
//! text nodes of white space, which the reader joins and trims away. On the
//! heavy real-corpus pages the nodes html5ever builds fall from 202,000 to
//! 169,000, and the markup from 4.3 to 4.0 MB. White space beside text, a
//! comment or a `<` that starts no tag stays, and so does all of it when a
//! selector has a pseudo-class (`:empty` reads it) or the page has a
//! `frame` (ignored outside a frameset, so the texts around it join).

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
    /// No attribute of it is left in the output.
    pub bare: bool,
}

/// An element open at this point of the scan.
struct Open {
    /// Where its name is in the page.
    name: (usize, usize),
    kind: Kind,
    /// Where its start tag begins in the pruned output.
    out_at: usize,
    anchor: bool,
    /// Its tags are left out of the cut part.
    dropped: bool,
}

/// What an element is to the tree builder, as far as [`Scope`] cares: the
/// elements a later start tag may close without an end tag, and the ones a
/// wrapper's content may be lifted into ([`Kind::Flow`] and the cells,
/// items and headings beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Html,
    Head,
    Body,
    P,
    Li,
    DdDt,
    A,
    Nobr,
    Button,
    Form,
    Template,
    Heading,
    Option,
    Ruby,
    Cell,
    Tr,
    TableSection,
    Table,
    Colgroup,
    Caption,
    List,
    /// Ordinary content: wrappers, custom elements, phrasing and sections.
    Flow,
    Other,
}

const KINDS: usize = Kind::Other as usize + 1;

impl Kind {
    fn of(name: &[u8]) -> Kind {
        const FLOW: [&[u8]; 28] = [
            b"div",
            b"span",
            b"b",
            b"i",
            b"em",
            b"strong",
            b"small",
            b"u",
            b"s",
            b"font",
            b"code",
            b"label",
            b"section",
            b"article",
            b"main",
            b"header",
            b"footer",
            b"nav",
            b"aside",
            b"blockquote",
            b"center",
            b"address",
            b"figure",
            b"figcaption",
            b"details",
            b"summary",
            b"fieldset",
            b"legend",
        ];
        let mut lower = [0u8; 10];
        if name.len() > lower.len() {
            return if name.contains(&b'-') {
                Kind::Flow
            } else {
                Kind::Other
            };
        }
        let lower = &mut lower[..name.len()];
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        match &*lower {
            b"html" => Kind::Html,
            b"head" => Kind::Head,
            b"body" => Kind::Body,
            b"p" => Kind::P,
            b"li" => Kind::Li,
            b"dd" | b"dt" => Kind::DdDt,
            b"a" => Kind::A,
            b"nobr" => Kind::Nobr,
            b"button" => Kind::Button,
            b"form" => Kind::Form,
            b"template" => Kind::Template,
            b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" => Kind::Heading,
            b"option" | b"optgroup" => Kind::Option,
            b"rb" | b"rp" | b"rt" | b"rtc" => Kind::Ruby,
            b"td" | b"th" => Kind::Cell,
            b"tr" => Kind::Tr,
            b"tbody" | b"thead" | b"tfoot" => Kind::TableSection,
            b"table" => Kind::Table,
            b"colgroup" => Kind::Colgroup,
            b"caption" => Kind::Caption,
            b"ul" | b"ol" => Kind::List,
            n if n.contains(&b'-') || FLOW.contains(&n) => Kind::Flow,
            _ => Kind::Other,
        }
    }

    /// Whether content lifted out of a dropped wrapper into an element of
    /// this kind is read and built as it was inside the wrapper: no list
    /// (whose items are read as its children), table, template, head or
    /// select context.
    fn holds_flow(self) -> bool {
        matches!(
            self,
            Kind::Flow
                | Kind::Body
                | Kind::P
                | Kind::Li
                | Kind::DdDt
                | Kind::A
                | Kind::Heading
                | Kind::Cell
                | Kind::Caption
                | Kind::Button
                | Kind::Form
        )
    }
}

/// Start tags that close an open `p` (beside those of the kinds `P`, `Li`,
/// `DdDt`, `Heading`, `Form`, `Table` and `List`).
const CLOSE_P: [&[u8]; 27] = [
    b"address",
    b"article",
    b"aside",
    b"blockquote",
    b"center",
    b"details",
    b"dialog",
    b"dir",
    b"div",
    b"dl",
    b"fieldset",
    b"figcaption",
    b"figure",
    b"footer",
    b"header",
    b"hgroup",
    b"main",
    b"menu",
    b"nav",
    b"search",
    b"section",
    b"summary",
    b"pre",
    b"listing",
    b"plaintext",
    b"hr",
    b"xmp",
];

/// A wrapper whose tags a cut part may lose: a `div`, a `span` or a custom
/// element.
fn wrapper(name: &[u8]) -> bool {
    name.contains(&b'-') || name.eq_ignore_ascii_case(b"div") || name.eq_ignore_ascii_case(b"span")
}

/// Follows the pruner's scan: the elements open, and where the part with the
/// anchors begins and ends in the pruned output.
pub struct Scope<'a> {
    anchors: &'a [Anchor],
    /// The element names the selectors name (`None`: any element).
    named: Option<&'a [String]>,
    open: Vec<Open>,
    /// How many elements of each kind are open.
    counts: [u32; KINDS],
    /// What the part leaves out of the output, in order, and what stands
    /// in its place: the tags of dropped wrappers (a space) and the white
    /// space between two tags (nothing).
    drops: Vec<(usize, usize, &'static str)>,
    /// A start tag may have closed an element without its end tag: the tree
    /// builder's open elements may not be the scan's, and no wrapper is
    /// dropped.
    implied: bool,
    doctype: Option<(usize, usize)>,
    started: bool,
    from: Option<usize>,
    to: Option<usize>,
    /// The page cannot be cut (see the module's text).
    whole: bool,
}

impl<'a> Scope<'a> {
    pub fn new(anchors: &'a [Anchor], named: Option<&'a [String]>) -> Scope<'a> {
        Scope {
            anchors,
            named,
            open: Vec::new(),
            counts: [0; KINDS],
            drops: Vec::new(),
            implied: false,
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
        let kind = Kind::of(name);
        if !self.implied && self.may_close_others(name, kind) {
            self.implied = true;
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
            let dropped = !anchor && tag.bare && self.droppable(name);
            if dropped {
                self.drops.push((tag.out_at, tag.out_end, " "));
            }
            self.counts[kind as usize] += 1;
            self.open.push(Open {
                name: tag.name,
                kind,
                out_at: tag.out_at,
                anchor,
                dropped,
            });
        }
    }

    /// Whether a start tag of this name and kind may close an open element
    /// (or, in a table, make one) without a tag of its own, or is ignored:
    /// then html5ever's open elements (or text) may differ from the scan's
    /// from here on.
    fn may_close_others(&self, name: &[u8], kind: Kind) -> bool {
        let open = |k: Kind| self.counts[k as usize] > 0;
        let top = self.open.last().map(|o| o.kind);
        let closes_p = || {
            matches!(
                kind,
                Kind::P
                    | Kind::Li
                    | Kind::DdDt
                    | Kind::Heading
                    | Kind::Form
                    | Kind::Table
                    | Kind::List
            ) || CLOSE_P.iter().any(|n| n.eq_ignore_ascii_case(name))
        };
        // In a column group anything but `col` closes it.
        let in_colgroup = top == Some(Kind::Colgroup) && !name.eq_ignore_ascii_case(b"col");
        (open(Kind::P) && closes_p())
            || in_colgroup
            || match kind {
                Kind::Li | Kind::DdDt | Kind::A | Kind::Nobr | Kind::Button => open(kind),
                // A form in a table is closed as soon as it is made.
                Kind::Form => {
                    open(kind) || matches!(top, Some(Kind::Table | Kind::TableSection | Kind::Tr))
                }
                Kind::Heading | Kind::Option => top == Some(kind),
                Kind::Ruby => true,
                Kind::Cell => top != Some(Kind::Tr),
                Kind::Tr => !matches!(top, Some(Kind::TableSection | Kind::Table)),
                Kind::TableSection | Kind::Caption | Kind::Colgroup => top != Some(Kind::Table),
                Kind::Table => matches!(top, Some(Kind::Table | Kind::TableSection | Kind::Tr)),
                Kind::Html => !self.open.is_empty(),
                Kind::Head | Kind::Body => self.open.iter().any(|o| o.kind != Kind::Html),
                _ if name.eq_ignore_ascii_case(b"col") => {
                    !matches!(top, Some(Kind::Colgroup | Kind::Table))
                }
                // Ignored outside a frameset: the texts on either side join,
                // so the white space between them must stay.
                _ if name.eq_ignore_ascii_case(b"frame") => true,
                _ => false,
            }
    }

    /// Whether the tags of an element of this name, opened here with no
    /// attribute left, may be left out of the cut part: a wrapper no
    /// selector names, outside any template, whose content goes into an
    /// element that holds it the same way (see [`Kind::holds_flow`]).
    fn droppable(&self, name: &[u8]) -> bool {
        let Some(named) = self.named else {
            return false;
        };
        wrapper(name)
            && !named
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
            && self.counts[Kind::Template as usize] == 0
            && self.open.last().is_some_and(|o| o.kind.holds_flow())
    }

    /// White space alone between two tags, at `out_at..out_end` in the
    /// output: the part leaves it out (see the module's text).
    pub fn blank(&mut self, out_at: usize, out_end: usize) {
        if !self.whole && !self.implied {
            self.drops.push((out_at, out_end, ""));
        }
    }

    /// An end tag for `name`, at `out_at..out_end` of the output.
    pub fn end(&mut self, page: &[u8], name: &[u8], out_at: usize, out_end: usize) {
        if self.whole {
            return;
        }
        match self.open.last() {
            Some(top) if page[top.name.0..top.name.0 + top.name.1].eq_ignore_ascii_case(name) => {
                if top.anchor {
                    self.to = Some(out_end);
                }
                if top.dropped {
                    self.drops.push((out_at, out_end, " "));
                }
                self.counts[top.kind as usize] -= 1;
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
        let mut at = from;
        if !self.implied {
            // Each dropped tag leaves a space, so the texts on either side
            // stay apart as they were (the reader joins text nodes with one);
            // white space between two tags leaves nothing.
            for &(a, b, leaves) in self.drops.iter().filter(|&&(a, b, _)| a >= from && b <= to) {
                part.push_str(&pruned[at..a]);
                part.push_str(leaves);
                at = b;
            }
        }
        part.push_str(&pruned[at..to]);
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
            Some("<!doctype html><body><p class=titulo>EC1-T</p><mat-expansion-panel>A</mat-expansion-panel> \
                  x <mat-expansion-panel>B</mat-expansion-panel>")
        );
    }

    /// What a pruner for `selectors` keeps of `inner`, put in a panel of a
    /// page, between the panel's tags (`None`: the page is parsed whole).
    fn panel_part(selectors: &[&str], inner: &str) -> Option<String> {
        let pruner = crate::sources::prune::Pruner::for_selectors(selectors.iter().copied())
            .scoped_to(["p.titulo", "mat-expansion-panel"]);
        let html = format!("<body><mat-expansion-panel>{inner}</mat-expansion-panel></body>");
        let scoped = pruner.prune_scoped(&html);
        scoped.cut.then_some(scoped.text).map(|c| {
            c.trim_start_matches("<body><mat-expansion-panel>")
                .trim_end_matches("</mat-expansion-panel>")
                .to_string()
        })
    }

    #[test]
    fn wrappers_no_selector_names_lose_their_tags_where_their_content_reads_the_same() {
        let part = |inner: &str| panel_part(&["p.titulo", "[role=grid]"], inner);
        // Bare div, span and custom elements, in content, cells and items.
        assert_eq!(
            part("<div _ngcontent-a1><span>A</span><app-x class=y>B</app-x></div>").as_deref(),
            Some("  A  B  ")
        );
        assert_eq!(
            part("<table><tr><td><span>C</span></td></tr></table><ul><li><div>D</div></li></ul>")
                .as_deref(),
            Some("<table><tr><td> C </td></tr></table><ul><li> D </li></ul>")
        );
        // Kept: a list's or a table's own child, a selector's element, an
        // attribute a selector reads, and anything in a template.
        for kept in [
            "<ul><span><li>E</li></span></ul>",
            "<table><div>F</div></table>",
            "<table><tr><span><td>G</td></span></tr></table>",
            "<p class=titulo>EC1-T</p>",
            "<span role=\"grid\">H</span>",
            "<template><div>I</div></template>",
        ] {
            assert_eq!(part(kept).as_deref(), Some(kept), "{kept}");
        }
        // After a start tag that closes an element by itself (a `div` in a
        // `p`, a second `li` in an item, a cell in a cell), the tree
        // builder's elements may not be the tags': no wrapper is dropped.
        for implied in [
            "<span>J</span><p>K<div>L</div></p>",
            "<ul><li>M<li>N</li></li></ul><span>O</span>",
            "<table><tr><td>P<td>Q</td></td></tr></table><span>R</span>",
            "<a>S<span><a>T</a></span></a>",
            "<span>U</span><p>V<xmp>W</xmp></p>",
            "<table><form><span>X</span></form></table>",
            "<table><colgroup><span><div>Y</div></span></colgroup></table>",
        ] {
            assert_eq!(part(implied).as_deref(), Some(implied), "{implied}");
        }
    }

    #[test]
    fn white_space_alone_between_two_tags_leaves_the_part() {
        let part = |inner: &str| panel_part(&["p.titulo", "li"], inner);
        assert_eq!(
            part("\n <ul>\r\n\t<li>A B</li> \x0c<li> C </li>\n</ul>  ").as_deref(),
            Some("<ul><li>A B</li><li> C </li></ul>")
        );
        // Kept: white space beside text, a comment, or a `<` that starts no
        // tag, and all of it where a tag may close another or is ignored.
        for kept in [
            "<ul><li>D</li> <!-- x --> <li>E</li></ul>",
            "<ul><li>F < <b>G</b></li></ul>",
            "<ul><li>H</> <b>I</b></li></ul>",
            "<ul><li>J<frame> <frame>K</li></ul>",
            "<ul><li>L<li>M</li> <li>N</li></li></ul>",
        ] {
            assert_eq!(part(kept).as_deref(), Some(kept), "{kept}");
        }
        // Unless a selector has a pseudo-class (`:empty` reads it).
        let reads_all = crate::sources::prune::Pruner::for_selectors(["li:empty"])
            .scoped_to(["mat-expansion-panel"]);
        let html = "<body><mat-expansion-panel><ul> <li> </li></ul></mat-expansion-panel>";
        assert!(reads_all
            .prune_scoped(html)
            .text
            .contains("<ul> <li> </li></ul>"));
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
