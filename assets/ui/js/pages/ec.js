// A standard's page: what it is, who certifies it (paged, filterable by
// name, state and type), where to train, its committee, and how to get
// certified. A code is found in any case (/ec/ec0217.01); an unknown one
// gets the nearest codes.
import { t, fmtNum } from "../i18n.js";
import { h, link, page, facts, list, ecLink, sectorName, typeTag, stateNames } from "../dom.js";
import { api, query } from "../api.js";
import { pagedList } from "../lists.js";
import { historySection, asOfControl } from "../history.js";

let lists = [];
export function unmount() { lists.forEach((l) => l.stop()); lists = []; }

// A standard no longer in force names the version of it that is (EC0217 → EC0217.01).
async function successor(e, signal) {
  if (e.vigente) return null;
  const base = e.clave.replace(/\.\d+$/, "");
  const found = await api(`/api/v1/ec?${query({ q: base, vigente: "true", limit: 20 })}`, signal);
  const next = found.items.filter((x) => x.clave !== e.clave && x.clave.replace(/\.\d+$/, "") === base)
    .sort((a, b) => b.clave.localeCompare(a.clave))[0];
  return next ? h("p", { class: "successor", id: "successor" }, `${t("successor")}: `, ecLink(next), " ", next.titulo || "") : null;
}

// An unknown code: "No encontrado", and the codes nearest to it.
async function notFound(ctx, clave) {
  // The code as typed, then without its version (EC0217.01 → EC0217): the search forgives a typo in either.
  let near = { items: [] };
  for (const q of new Set([clave, clave.replace(/\.\d+$/, "")])) {
    near = await api(`/api/v1/search?${query({ q, tipo: "ec", limit: 5 })}`, ctx.signal).catch(() => ({ items: [] }));
    if (near.items.length) break;
  }
  ctx.show(h("h1", {}, t("not_found")), h("p", {}, t("no_such_code", clave)),
    near.items.length ? [h("p", {}, t("nearest_codes")), h("ul", { class: "links", id: "nearest" }, near.items.map((x) => h("li", {}, link(page("ec", x.id), x.id), " ", x.titulo)))] : null,
    h("p", {}, link(`/?${query({ q: clave })}`, t("search_it"))));
}

export async function mount(ctx) {
  const when = await asOfControl(ctx);
  const asOf = when.asOf ? { as_of: when.asOf } : {};
  let e;
  try { e = await api(`/api/v1/ec/${encodeURIComponent(ctx.params[0])}?${query(asOf)}`, ctx.signal); }
  catch (err) { if (err.status === 404) return notFound(ctx, ctx.params[0]); throw err; }
  ctx.setPath(page("ec", e.clave));
  ctx.title(e.clave);
  const newer = await successor(e, ctx.signal).catch(() => null);
  const [estados, tipos] = await Promise.all([
    api(`/api/v1/estados`, ctx.signal), api(`/api/v1/certificadores/tipos`, ctx.signal)]);
  const certStates = estados.items.filter((s) => s.n_certificadores > 0);
  const certifiers = pagedList(ctx, {
    id: "certificadores", path: "/api/v1/certificadores", fixed: { ec: e.clave, sort: "nombre", ...asOf },
    selects: [["estado", t("cert_state"), certStates.map((s) => [s.clave, s.nombre])],
      ["tipo", t("cert_type"), tipos.items.filter((x) => x.tipo && x.n_certificadores > 0).map((x) => [x.tipo, `${x.tipo} · ${x.nombre}`])]],
    render: (c) => [link(page("certificador", c.id), c.nombre), " ", typeTag(c.tipo), c.estados?.length ? h("span", { class: "meta" }, ` ${stateNames(c.estados)}`) : null],
  });
  const centros = pagedList(ctx, { id: "centros", path: "/api/v1/centros", fixed: { ec: e.clave, ...asOf }, render: (c) => link(page("centro", c.id), c.nombre) });
  lists = [certifiers, centros];
  const retired = !e.vigente;
  const history = await historySection(ctx, `/api/v1/ec/${encodeURIComponent(e.clave)}`);
  ctx.show(when.note, h("p", {}, h("span", { class: "code" }, e.clave), " ", h("span", { class: retired ? "tag off" : "tag ok" }, t(e.tipo)),
    // A retired brand or historic standard says so besides its kind ("no vigente" already does).
    retired && e.tipo !== "inactivo" ? [" ", h("span", { class: "tag off" }, t("retired"))] : null),
    h("h1", { class: retired ? "retired" : null }, e.titulo || e.clave), newer,
    facts([[t("level"), e.nivel], [t("sector"), e.sector ? link(page("sector", e.sector_id), sectorName(e.sector)) : null],
      [t("committee"), e.comite_id ? link(page("comite", e.comite_id), e.comite) : e.comite],
      [t("first_seen"), `${t("run")} ${e.first_seen_run}`], [t("last_seen"), `${t("run")} ${e.last_seen_run}`],
      [t("official_page"), e.source_url ? h("a", { href: e.source_url, rel: "noopener external" }, t("official_page_link", new URL(e.source_url).host)) : null]]),
    h("details", { class: "howto" }, h("summary", {}, t("howto_title")), h("p", {}, t("howto_text")), h("p", { class: "meta" }, t("not_published_contact"))),
    h("h2", {}, `${t("certifiers")} (${fmtNum(e.n_certificadores ?? e.certificadores.length)})`),
    certStates.length ? null : h("p", { class: "meta" }, t("not_published_state")),
    certifiers.element,
    h("h2", {}, t("offerings")), centros.element,
    h("h2", {}, t("occupations")), list(e.ocupaciones, (o) => o),
    e.comite_miembros?.length ? [h("h2", {}, t("members")), list(e.comite_miembros, (m) => m)] : null,
    when.element, history);
  await Promise.all([certifiers.ready, centros.ready]);
}
