//! Before a page goes to the HTML parser, drop what can never hold data:
//! the content of `script` and `style`, and every attribute that
//! no selector reads (Angular's `_ngcontent-…` on every element, `href`,
//! `style`, `aria-…`). A real Angular page carries far more markup than
//! text, and html5ever's cost is per byte of markup: on the heavy pages this
//! takes 56 % of the bytes away before the parse (real corpus).
//!
//! The scan follows the HTML tokenizer's rules for where tags, attribute
//! values, comments, CDATA and raw text begin and end. Where it cannot be
//! sure it copies the rest unchanged, so the parser then sees the original.
//! Only script and style text and attributes no selector reads can differ:
//! `prune_keeps_every_element_and_text` checks that on generated markup.
//! A page cut to its data ([`Pruner::prune_scoped`]) also loses what
//! [`Scope`] leaves out.

use super::scope::{void, Anchor, Scope, Tag};
use memchr::{memchr, memmem};

/// What to keep of a page's markup.
#[derive(Debug, Clone)]
pub struct Pruner {
    /// The attributes the selectors can read, each on one element name
    /// (`p.titulo` reads `class` on `p` only) or on any (`None`), with the
    /// one value that can match when the selector asks for it exactly
    /// (`[role=grid]`); all lower case. `None` keeps every attribute.
    keep: Option<Vec<Keep>>,
    /// The elements the data is read from, when every one is a plain name
    /// with classes (see [`Pruner::scoped_to`]).
    anchors: Option<Vec<Anchor>>,
    /// The element names the selectors name, lower case; `None` when one
    /// may match any element (`*`). A cut part loses the tags of the
    /// wrappers no selector names (see [`Scope`]).
    named: Option<Vec<String>>,
}

/// An attribute a selector reads: on which element (or any), its name, and
/// the value it must have (or any).
type Keep = (Option<String>, String, Option<String>);

/// The value of `[name=value]` (quotes taken off), when a selector asks for
/// exactly that; `None` for any other test (`[x]`, `[x~=y]`, `[x=y i]`, …).
fn exact_value(after_name: &str) -> Option<String> {
    let v = after_name.trim_start().strip_prefix('=')?;
    let v = v.split(']').next()?.trim();
    let v = [('"', '"'), ('\'', '\'')]
        .iter()
        .find_map(|&(a, b)| v.strip_prefix(a).and_then(|v| v.strip_suffix(b)))
        .unwrap_or(v);
    let plain =
        !v.is_empty() && !v.contains(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '\\'));
    plain.then(|| v.to_ascii_lowercase())
}

/// A pruned page, cut to the part with the anchors or whole.
pub struct Scoped {
    pub text: String,
    pub cut: bool,
}

/// A selector's compound parts (`div.a > p[x]` → `div.a`, `p[x]`): split at
/// white space, commas and combinators outside brackets and quotes.
fn compounds(selector: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut depth, mut quote) = (0, 0, None);
    for (i, c) in selector.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => depth -= 1,
            (None, c)
                if depth == 0 && (c.is_whitespace() || matches!(c, ',' | '>' | '+' | '~')) =>
            {
                parts.push(&selector[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&selector[start..]);
    parts.retain(|p| !p.is_empty());
    parts
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

/// Elements whose content the tokenizer reads as text, not markup.
#[derive(Clone, Copy, PartialEq)]
enum Raw {
    /// `script`, `style`: the content is dropped.
    Drop,
    /// `title`, `textarea`, `xmp`, `iframe`, …: copied as it is.
    Keep,
    /// `plaintext`: the rest of the document is text.
    Rest,
}

fn raw_kind(name: &[u8]) -> Option<Raw> {
    const DROP: [&[u8]; 2] = [b"script", b"style"];
    const KEEP: [&[u8]; 7] = [
        b"title",
        b"textarea",
        b"xmp",
        b"iframe",
        b"noembed",
        b"noframes",
        b"noscript",
    ];
    if DROP.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        Some(Raw::Drop)
    } else if KEEP.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        Some(Raw::Keep)
    } else if name.eq_ignore_ascii_case(b"plaintext") {
        Some(Raw::Rest)
    } else {
        None
    }
}

/// Where the end tag `</name` (any case, then a space, `/` or `>`) starts,
/// at or after `from`.
fn end_tag(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    while let Some(off) = memmem::find(&b[at..], b"</") {
        let start = at + off;
        let after = start + 2 + name.len();
        if b.len() > after
            && b[start + 2..after].eq_ignore_ascii_case(name)
            && (is_space(b[after]) || matches!(b[after], b'/' | b'>'))
        {
            return Some(start);
        }
        at = start + 2;
    }
    None
}

/// Where a comment that opens at `lt` (`<!--`) ends, after its `>`.
fn comment_end(b: &[u8], lt: usize) -> Option<usize> {
    let body = lt + 4;
    if b.get(body) == Some(&b'>') {
        return Some(body + 1); // `<!-->`
    }
    if b[body..].starts_with(b"->") {
        return Some(body + 2); // `<!--->`
    }
    let mut at = body;
    while let Some(off) = memmem::find(&b[at..], b"--") {
        let mut q = at + off + 2;
        while b.get(q) == Some(&b'-') {
            q += 1;
        }
        match b.get(q) {
            Some(b'>') => return Some(q + 1),
            Some(b'!') if b.get(q + 1) == Some(&b'>') => return Some(q + 2),
            Some(_) => at = q,
            None => return None,
        }
    }
    None
}

/// The output being built: the input is copied in runs, skipping the
/// ranges dropped.
struct Out<'a> {
    src: &'a str,
    text: String,
    copied: usize,
}

impl Out<'_> {
    /// Where `at` (not yet copied nor dropped) lands in the output.
    fn at(&self, at: usize) -> usize {
        self.text.len() + (at - self.copied)
    }

    fn drop_range(&mut self, from: usize, to: usize) {
        self.text.push_str(&self.src[self.copied..from]);
        self.copied = to;
    }
}

impl Pruner {
    /// Keeps the attributes these CSS selectors can read: `class` for
    /// `.x`, `id` for `#x`, the name of each `[attr…]`, on the element the
    /// compound selector names (or on any). A selector with a pseudo-class
    /// (`:…`) or a namespace (`|`) may read any attribute, so then all are
    /// kept.
    pub fn for_selectors<'s>(selectors: impl IntoIterator<Item = &'s str>) -> Pruner {
        let mut keep = Vec::new();
        let mut named = Some(Vec::new());
        for s in selectors {
            if s.contains([':', '|']) {
                return Pruner {
                    keep: None,
                    anchors: None,
                    named: None,
                };
            }
            for compound in compounds(s) {
                if compound.starts_with('*') {
                    named = None;
                }
                let tag_len = compound
                    .find(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_')))
                    .unwrap_or(compound.len());
                let element =
                    Some(compound[..tag_len].to_ascii_lowercase()).filter(|t| !t.is_empty());
                if let (Some(names), Some(e)) = (named.as_mut(), element.as_ref()) {
                    names.push(e.clone());
                }
                let rest = &compound[tag_len..];
                let mut read = |attr: &str, value: Option<String>| {
                    keep.push((element.clone(), attr.to_ascii_lowercase(), value))
                };
                if rest.contains('.') {
                    read("class", None);
                }
                if rest.contains('#') {
                    read("id", None);
                }
                for part in rest.split('[').skip(1) {
                    let part = part.trim_start();
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
                        .collect();
                    if !name.is_empty() {
                        read(&name, exact_value(&part[name.len()..]));
                    }
                }
            }
        }
        keep.sort();
        keep.dedup();
        if let Some(names) = named.as_mut() {
            names.sort();
            names.dedup();
        }
        Pruner {
            keep: Some(keep),
            anchors: None,
            named,
        }
    }

    /// Whether a selector may read this attribute of this element, with
    /// this value as the page writes it (`None`: whatever its value). A
    /// value with a character reference, a NUL or a CR may read as another,
    /// so it is taken as any.
    fn keeps(&self, element: &[u8], attr: &[u8], value: Option<&[u8]>) -> bool {
        let value = value.filter(|v| !v.iter().any(|c| matches!(c, b'&' | b'\0' | b'\r')));
        match &self.keep {
            None => true,
            Some(keep) => keep.iter().any(|(on, name, wanted)| {
                name.as_bytes().eq_ignore_ascii_case(attr)
                    && on
                        .as_ref()
                        .is_none_or(|e| e.as_bytes().eq_ignore_ascii_case(element))
                    && wanted
                        .as_ref()
                        .zip(value)
                        .is_none_or(|(w, v)| w.as_bytes().eq_ignore_ascii_case(v))
            }),
        }
    }

    /// The page with its script and style text and unread attributes
    /// dropped.
    pub fn prune(&self, html: &str) -> String {
        self.scan(html, None)
    }

    /// Cuts pages to where the elements of these selectors are (see
    /// [`Scope`]) in [`Pruner::prune_scoped`]. A selector that is not one
    /// element name with classes turns cutting off.
    pub fn scoped_to<'s>(mut self, selectors: impl IntoIterator<Item = &'s str>) -> Pruner {
        self.anchors = selectors.into_iter().map(Anchor::parse).collect();
        self
    }

    /// The pruned page cut to the part with the anchors, when it can be cut
    /// (`cut` is then true), else the whole pruned page.
    pub fn prune_scoped(&self, html: &str) -> Scoped {
        let Some(anchors) = &self.anchors else {
            return Scoped {
                text: self.prune(html),
                cut: false,
            };
        };
        let mut scope = Scope::new(anchors, self.named.as_deref());
        let text = self.scan(html, Some(&mut scope));
        match scope.cut(&text) {
            Some(part) => Scoped {
                text: part,
                cut: true,
            },
            None => Scoped { text, cut: false },
        }
    }

    fn scan(&self, html: &str, mut scope: Option<&mut Scope>) -> String {
        let b = html.as_bytes();
        let mut out = Out {
            src: html,
            text: String::with_capacity(html.len()),
            copied: 0,
        };
        let mut i = 0;
        // White space alone between two tags may be left out of a cut part
        // (see `Scope::blank`), unless a selector has a pseudo-class
        // (`:empty` reads it).
        let blanks = self.keep.is_some();
        let mut after_tag = false;
        while let Some(off) = memchr(b'<', &b[i..]) {
            let lt = i + off;
            let next = b.get(lt + 1).copied();
            let tag_next = match next {
                Some(c) => {
                    c.is_ascii_alphabetic()
                        || (c == b'/' && b.get(lt + 2).is_some_and(u8::is_ascii_alphabetic))
                }
                None => false,
            };
            if let Some(scope) = scope.as_deref_mut() {
                if blanks
                    && after_tag
                    && tag_next
                    && off > 0
                    && b[i..lt]
                        .iter()
                        .all(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r'))
                {
                    scope.blank(out.at(i), out.at(lt));
                }
            }
            after_tag = tag_next;
            let step = match next {
                Some(c) if c.is_ascii_alphabetic() => {
                    self.start_tag(b, lt, &mut out, scope.as_deref_mut())
                }
                Some(b'/') => match b.get(lt + 2) {
                    Some(c) if c.is_ascii_alphabetic() => {
                        let out_at = out.at(lt);
                        let tag = self.tag(b, lt + 2, Some(&mut out), None);
                        if let (Some((name, end, ..)), Some(scope)) = (tag, scope.as_deref_mut()) {
                            scope.end(b, name, out_at, out.at(end));
                        }
                        tag.map(|(_, end, ..)| end)
                    }
                    Some(b'>') => Some(lt + 3),
                    Some(_) => memchr(b'>', &b[lt..]).map(|o| lt + o + 1),
                    None => None,
                },
                // Comments stay: dropping one would join the text around
                // it, which in a table changes where that text goes.
                Some(b'!') if b[lt..].starts_with(b"<!--") => comment_end(b, lt),
                // Doctype and bogus comments (CDATA too, outside foreign
                // content) end at the first `>`.
                Some(b'!' | b'?') => {
                    let end = memchr(b'>', &b[lt..]).map(|o| lt + o + 1);
                    if let (Some(end), Some(scope)) = (end, scope.as_deref_mut()) {
                        scope.declaration(&b[lt..end], out.at(lt), out.at(end));
                    }
                    end
                }
                Some(_) => Some(lt + 1),
                None => None,
            };
            match step {
                Some(at) => i = at,
                // Unterminated: the rest is copied as it is.
                None => {
                    if let Some(scope) = scope.as_deref_mut() {
                        scope.give_up();
                    }
                    break;
                }
            }
        }
        out.text.push_str(&html[out.copied..]);
        out.text
    }

    /// A start tag at `lt`; returns where scanning goes on (after the
    /// content of a raw-text element).
    fn start_tag(
        &self,
        b: &[u8],
        lt: usize,
        out: &mut Out,
        scope: Option<&mut Scope>,
    ) -> Option<usize> {
        let out_at = out.at(lt);
        let (name, end, closed, kept) = self.tag(b, lt + 1, Some(out), None)?;
        // What the scope is told of the element; its classes only when its
        // name is an anchor's (the tag is read again for them).
        let named =
            |opens: bool, unit: Option<&[u8]>, out_end: usize, scope: Option<&mut Scope>| {
                if let Some(scope) = scope {
                    let mut classes = Vec::new();
                    if scope.wants_classes(name) {
                        self.tag(b, lt + 1, None, Some(&mut classes));
                    }
                    let tag = Tag {
                        name: (lt + 1, name.len()),
                        classes: &classes,
                        out_at,
                        out_end,
                        opens,
                        unit,
                        bare: !kept,
                    };
                    scope.start(b, &tag);
                }
            };
        let nested = [&b"svg"[..], b"math", b"select"];
        let is_nested = nested.iter().any(|n| n.eq_ignore_ascii_case(name));
        if !closed && is_nested {
            let after = self.verbatim(b, end, name)?;
            named(false, Some(&b[end..after]), out.at(after), scope);
            return Some(after);
        }
        // A frameset page ignores most elements: it is left to the parser.
        if name.eq_ignore_ascii_case(b"frameset") {
            return None;
        }
        // A self-closed `svg` or `math` is foreign, and closed at once.
        let foreign_closed = closed && is_nested && !name.eq_ignore_ascii_case(b"select");
        let opens = !void(name) && !foreign_closed;
        named(opens, None, out.at(end), scope);
        match raw_kind(name) {
            None => Some(end),
            Some(Raw::Rest) => None,
            Some(Raw::Keep) => end_tag(b, end, name),
            Some(Raw::Drop) => {
                let close = end_tag(b, end, name)?;
                // Script text with `<!` may hide its end tag in an escaped
                // comment: then the rest is left to the parser.
                if memmem::find(&b[end..close], b"<!").is_some() {
                    return None;
                }
                out.drop_range(end, close);
                Some(close)
            }
        }
    }

    /// The tag whose name starts at `name_at`: drops the attributes not
    /// kept from `out` (when given) and collects where the values of its
    /// `class` attributes are (when asked); returns the name, where the tag
    /// ends (after its `>`), whether it closes itself (`/>`) and whether any
    /// attribute is left in the output (any at all when `out` is `None`).
    fn tag<'b>(
        &self,
        b: &'b [u8],
        name_at: usize,
        mut out: Option<&mut Out>,
        mut classes: Option<&mut Vec<(usize, usize)>>,
    ) -> Option<(&'b [u8], usize, bool, bool)> {
        let n = b.len();
        let mut p = name_at;
        let mut kept = false;
        // Attributes dropped for their value: a later one of the same name
        // is ignored by the parser, so it goes too. Never on `svg` or
        // `math`, where a dropped attribute could leave a `/>` that counts.
        let mut by_value: Vec<&[u8]> = Vec::new();
        while p < n && !is_space(b[p]) && !matches!(b[p], b'/' | b'>') {
            p += 1;
        }
        let name = &b[name_at..p];
        let foreign = name.eq_ignore_ascii_case(b"svg") || name.eq_ignore_ascii_case(b"math");
        loop {
            while p < n && (is_space(b[p]) || b[p] == b'/') {
                if b[p] == b'/' && b.get(p + 1) == Some(&b'>') {
                    return Some((name, p + 2, true, kept));
                }
                p += 1;
            }
            if p >= n {
                return None;
            }
            if b[p] == b'>' {
                return Some((name, p + 1, false, kept));
            }
            let attr = p;
            // The first character belongs to the name, even a `=`.
            p += 1;
            while p < n && !is_space(b[p]) && !matches!(b[p], b'/' | b'>' | b'=') {
                p += 1;
            }
            let attr_name = &b[attr..p];
            let mut value = (p, p);
            let mut q = p;
            while q < n && is_space(b[q]) {
                q += 1;
            }
            if q < n && b[q] == b'=' {
                q += 1;
                while q < n && is_space(b[q]) {
                    q += 1;
                }
                match b.get(q)? {
                    quote @ (b'"' | b'\'') => {
                        p = q + 1 + memchr(*quote, &b[q + 1..])? + 1;
                        value = (q + 1, p - 1);
                    }
                    b'>' => p = q,
                    _ => {
                        let from = q;
                        while q < n && !is_space(b[q]) && b[q] != b'>' {
                            q += 1;
                        }
                        p = q;
                        value = (from, q);
                    }
                }
            }
            if let Some(classes) = classes
                .as_mut()
                .filter(|_| attr_name.eq_ignore_ascii_case(b"class"))
            {
                classes.push(value);
            }
            let Some(out) = out.as_mut() else {
                kept = true;
                continue;
            };
            if by_value.iter().any(|n| n.eq_ignore_ascii_case(attr_name)) {
                out.drop_range(attr, p);
            } else if b[attr - 1] == b'/' {
                // After a `/` the attribute is kept, so no `/>` is made.
                kept = true;
            } else if !self.keeps(name, attr_name, None) {
                out.drop_range(attr, p);
            } else if !foreign && !self.keeps(name, attr_name, Some(&b[value.0..value.1])) {
                by_value.push(attr_name);
                out.drop_range(attr, p);
            } else {
                kept = true;
            }
        }
    }

    /// Inside `svg`, `math` or `select` the tree builder, not the
    /// tokenizer, decides what is raw text, so the element is copied as it
    /// is up to its end tag. Anything there that could switch the
    /// tokenizer (a raw-text element, an HTML integration point, a tag
    /// that leaves foreign content) leaves the rest to the parser.
    fn verbatim(&self, b: &[u8], from: usize, root: &[u8]) -> Option<usize> {
        // Beside the raw-text elements: HTML integration points and the tags
        // that leave foreign content (or close a select).
        const SWITCHES: &[&[u8]] = &[
            b"template",
            b"foreignobject",
            b"desc",
            b"annotation-xml",
            b"mi",
            b"mo",
            b"mn",
            b"ms",
            b"mtext",
            b"input",
            b"keygen",
            b"select",
            b"b",
            b"big",
            b"blockquote",
            b"body",
            b"br",
            b"center",
            b"code",
            b"dd",
            b"div",
            b"dl",
            b"dt",
            b"em",
            b"embed",
            b"h1",
            b"h2",
            b"h3",
            b"h4",
            b"h5",
            b"h6",
            b"head",
            b"hr",
            b"i",
            b"img",
            b"li",
            b"listing",
            b"menu",
            b"meta",
            b"nobr",
            b"ol",
            b"p",
            b"pre",
            b"ruby",
            b"s",
            b"small",
            b"span",
            b"strong",
            b"strike",
            b"sub",
            b"sup",
            b"table",
            b"tt",
            b"u",
            b"ul",
            b"var",
            b"font",
        ];
        let switches = |name: &[u8]| {
            raw_kind(name).is_some() || SWITCHES.iter().any(|s| s.eq_ignore_ascii_case(name))
        };
        let foreign = !root.eq_ignore_ascii_case(b"select");
        let mut depth = 1;
        let mut i = from;
        loop {
            let lt = i + memchr(b'<', &b[i..])?;
            i = match *b.get(lt + 1)? {
                c if c.is_ascii_alphabetic() => {
                    let (name, end, closed, _) = self.tag(b, lt + 1, None, None)?;
                    if switches(name) {
                        return None;
                    }
                    if name.eq_ignore_ascii_case(root) && !closed {
                        depth += 1;
                    }
                    end
                }
                b'/' if b.get(lt + 2)?.is_ascii_alphabetic() => {
                    let (name, end, _, _) = self.tag(b, lt + 2, None, None)?;
                    if name.eq_ignore_ascii_case(b"p") || name.eq_ignore_ascii_case(b"br") {
                        return None;
                    }
                    if name.eq_ignore_ascii_case(root) {
                        depth -= 1;
                        if depth == 0 {
                            return Some(end);
                        }
                    }
                    end
                }
                b'/' if b.get(lt + 2) == Some(&b'>') => lt + 3,
                b'!' if b[lt..].starts_with(b"<!--") => comment_end(b, lt)?,
                b'!' if foreign && b[lt..].starts_with(b"<![CDATA[") => {
                    lt + memmem::find(&b[lt..], b"]]>")? + 3
                }
                // In a select, a math or svg element may be foreign content
                // (as the parser treats them in a select now), and then this
                // starts CDATA: the tree builder decides, so the rest is its.
                b'!' if b[lt..].starts_with(b"<![CDATA[") => return None,
                b'!' | b'?' | b'/' => lt + memchr(b'>', &b[lt..])? + 1,
                _ => lt + 1,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep_class() -> Pruner {
        Pruner::for_selectors(["p.titulo", "mat-table, [role=grid]"])
    }

    #[test]
    fn attributes_kept_are_the_ones_selectors_read_on_the_elements_they_name() {
        let on = |e: Option<&str>, a: &str| (e.map(String::from), a.to_string(), None);
        let valued = |e: Option<&str>, a: &str, v: &str| {
            (e.map(String::from), a.to_string(), Some(v.to_string()))
        };
        assert_eq!(
            keep_class().keep,
            Some(vec![valued(None, "role", "grid"), on(Some("p"), "class")])
        );
        assert_eq!(Pruner::for_selectors(["a:first-child"]).keep, None);
        assert_eq!(Pruner::for_selectors(["svg|a"]).keep, None);
        assert_eq!(
            Pruner::for_selectors(["div#x > [ data-k = 'a b' ] +.c, Mat-Row[role]"]).keep,
            Some(vec![
                on(None, "class"),
                on(None, "data-k"),
                on(Some("div"), "id"),
                on(Some("mat-row"), "role"),
            ])
        );
        assert_eq!(
            Pruner::for_selectors(["[a = \"X\"], b[c='d'], [e=f i], [g~=h]"]).keep,
            Some(vec![
                valued(None, "a", "x"),
                on(None, "e"),
                on(None, "g"),
                valued(Some("b"), "c", "d"),
            ])
        );
        let p = keep_class();
        assert!(p.keeps(b"P", b"CLASS", None) && !p.keeps(b"div", b"class", None));
        assert!(p.keeps(b"td", b"role", None) && p.keeps(b"td", b"ROLE", Some(b"Grid")));
        assert!(!p.keeps(b"td", b"role", Some(b"gridcell")));
        // A reference may spell the value wanted.
        assert!(p.keeps(b"td", b"role", Some(b"gr&#105;d")));
    }

    #[test]
    fn an_attribute_whose_value_no_selector_wants_goes_with_its_duplicates() {
        let p = keep_class();
        assert_eq!(
            p.prune("<div role=region>a</div><div role=\"grid\">b</div>"),
            "<div >a</div><div role=\"grid\">b</div>"
        );
        // The parser reads the first of two: the second must not stand in.
        assert_eq!(
            p.prune("<div role=row role=grid>c</div><div role=grid role=row>d</div>"),
            "<div  >c</div><div role=grid >d</div>"
        );
        assert_eq!(p.prune("<div role=row /role=grid>e"), "<div  />e");
        // On svg the attribute after a `/` stays (`<svg/>` is closed).
        assert_eq!(
            p.prune("<svg role=row /role=grid>"),
            "<svg role=row /role=grid>"
        );
    }

    #[test]
    fn drops_script_and_style_text_and_unread_attributes() {
        let html = "<!DOCTYPE html><html><head><style>p{x:1}</style><script src=a.js>if (a<b) {}</script></head>\
            <body><!-- <p x=1> --><p _ngcontent-c1 class=\"titulo\" style='c:red'>Texto</p>\
            <div role=grid data-x=1 hidden>uno</div><!----><!-->dos</body></html>";
        assert_eq!(
            keep_class().prune(html),
            "<!DOCTYPE html><html><head><style></style><script ></script></head>\
            <body><!-- <p x=1> --><p  class=\"titulo\" >Texto</p>\
            <div role=grid  >uno</div><!----><!-->dos</body></html>"
        );
    }

    #[test]
    fn markup_inside_quotes_raw_text_and_cdata_is_left_alone() {
        let p = keep_class();
        // A `>` in a quoted value does not end the tag.
        assert_eq!(
            p.prune("<p href=\"x>y\" class=c>t</p>"),
            "<p  class=c>t</p>"
        );
        // Title and textarea text keeps what looks like tags and comments.
        let title = "<title>a <b x=1> <!-- c --></title><p x=1>d</p>";
        assert_eq!(
            p.prune(title),
            "<title>a <b x=1> <!-- c --></title><p >d</p>"
        );
        let cdata = "<svg><![CDATA[ <p x=1> ]]></svg>";
        assert_eq!(p.prune(cdata), cdata);
        // In a select, a math element may make it CDATA (found by the
        // property test): the rest is left to the parser.
        let in_select = "<select><math><![CDATA[ x ></select><a x=1>";
        assert_eq!(p.prune(in_select), in_select);
        // Script text that could hide its end tag is not dropped.
        let escaped = "<script><!--<script>x</script>--></script><p x=1>t</p>";
        assert_eq!(p.prune(escaped), escaped);
        let escaped = "<script><!-- </script><p x=1>t</p><!-- -->";
        assert_eq!(p.prune(escaped), escaped);
        // Plaintext: the rest is text.
        let plain = "<plaintext><p x=1>t";
        assert_eq!(p.prune(plain), plain);
        // A bogus comment ends at its first `>`.
        assert_eq!(p.prune("<!x <p y=1>z"), "<!x <p y=1>z");
        assert_eq!(p.prune("<?xml v=1?><p y=1>z"), "<?xml v=1?><p >z");
    }

    #[test]
    fn unterminated_markup_is_left_to_the_parser() {
        let p = keep_class();
        assert_eq!(p.prune("<p x=\"unclosed>a"), "<p x=\"unclosed>a");
        assert_eq!(p.prune("a<!-- b <p y=2>"), "a<!-- b <p y=2>");
        assert_eq!(p.prune("<style>b <p y=2>"), "<style>b <p y=2>");
        assert_eq!(p.prune("<title>b <p y=2>"), "<title>b <p y=2>");
    }

    #[test]
    fn a_slash_before_a_dropped_attribute_makes_no_self_closing_tag() {
        assert_eq!(keep_class().prune("<svg/a=1><p>"), "<svg/a=1><p>");
    }

    /// The document as the detail parser can see it: elements with the
    /// attributes kept, and text outside script and style (adjacent text
    /// joined, as a dropped comment joins it).
    fn seen(html: &str, p: &Pruner) -> String {
        fn walk(node: ego_tree::NodeRef<'_, scraper::Node>, p: &Pruner, out: &mut String) {
            for child in node.children() {
                match child.value() {
                    scraper::Node::Element(e) => {
                        out.push('<');
                        out.push_str(e.name());
                        let mut attrs: Vec<_> = e
                            .attrs()
                            .filter(|(name, value)| {
                                p.keeps(
                                    e.name().as_bytes(),
                                    name.as_bytes(),
                                    Some(value.as_bytes()),
                                )
                            })
                            .collect();
                        attrs.sort();
                        for (name, value) in attrs {
                            out.push_str(&format!(" {name}={value:?}"));
                        }
                        out.push('>');
                        if !matches!(e.name(), "script" | "style") {
                            walk(child, p, out);
                        }
                        out.push_str("</>");
                    }
                    scraper::Node::Text(t) => out.push_str(t),
                    _ => walk(child, p, out),
                }
            }
        }
        let doc = scraper::Html::parse_document(html);
        let mut out = String::new();
        walk(doc.tree.root(), p, &mut out);
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// Pruned or not, the parser sees the same elements, kept attributes
        /// and text, whatever the markup (tricky pieces glued at random).
        #[test]
        fn prune_keeps_every_element_and_text(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "<p", "<div", "<P", "<script>", "</script>", "</SCRIPT >", "<style>", "</style>",
                "<title>", "</title>", "<textarea>", "</textarea>", "<svg>", "</svg>", "<math>",
                "<![CDATA[", "]]>", "<!--", "-->", "--!>", "<!-->", "<!---->", "--", "<!", "<?", "</p>",
                "</", ">", "/>", "/", " ", "\n", " class=a", " class=\"b c\"", " CLASS='d'",
                " x=1", " _ngcontent-c1", " href='>'", " title=\"a'b\"", "=", "\"", "'", "texto",
                "ñ", "<plaintext>", "<template>", "</template>", "<table>", "<tr>", "<td>",
                "<noscript>", "</noscript>", "<iframe>", "</iframe>", "<!DOCTYPE html>", "<br",
                " role=grid", " role", " role=row", " ROLE='Grid'", " role=gr&#105;d", "<mat-table", "<li>", "<ul>", "&amp;", "&lt;p x=1&gt;",
                "<select>", "</select>", "<foreignObject>", "<desc>", "<font color=1>", "<mi>",
                "<xmp>", "</svg >", "<svg/>", "</math>", "<a", " b=\"</svg>\"", "<path d=1/>",
                "<option>", "<input>", "</table>", "<frameset>", "<head>", "</html>", "</body>",
            ]),
            0..60,
        )) {
            let html = parts.concat();
            let p = Pruner::for_selectors(["p.titulo", "mat-table, [role=grid]"]);
            proptest::prop_assert_eq!(seen(&p.prune(&html), &p), seen(&html, &p), "{}", html);
        }
    }
}
