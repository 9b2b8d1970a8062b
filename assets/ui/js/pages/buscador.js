// Buscador: one search over every kind. Standards are the cards (with facets
// for sector, level and committee); certifiers, committees, training and
// sectors the words find are listed above them, grouped by kind. The whole
// state (words, filters, how many shown) is in the URL: /?q=…&sector=…&n=60.
import { t, fmtNum, lang } from "../i18n.js";
import { h, link, page, ecCard, fragment, failure, titleCase, committeeShort } from "../dom.js";
import { api, query } from "../api.js";

const PAGE = 30;
const CODE = /^[a-z]{2,5}\d{3,4}(\.\d{2})?$/i;
const FACETS = ["sector", "nivel", "comite"];
let timer = null;

export function unmount() { clearTimeout(timer); }

// Certifiers, committees, training offerings and sectors the words find,
// grouped by kind, the matched words marked; a match outside the name says where it is.
function otherHits(found) {
  const groups = {};
  for (const hit of found.items) (groups[hit.tipo] ||= []).push(hit);
  return Object.entries(groups).map(([kind, hits]) => h("div", { class: "kind", "data-kind": kind },
    h("h3", {}, t(`k_${kind}`)),
    h("ul", {}, hits.map((hit) => {
      const inName = hit.campo === "nombre" || hit.campo === "titulo";
      return h("li", {},
        link(page(kind, hit.id), inName ? fragment(hit.fragmento) : hit.titulo),
        inName ? null : h("span", { class: "why" }, ` — ${t("matched_in", t(`c_${hit.campo}`))}: `, fragment(hit.fragmento)),
        hit.corregido ? h("span", { class: "why" }, ` (${t("corrected")})`) : null);
    }))));
}

export async function mount(ctx) {
  const state = {
    q: ctx.query.get("q") || "", vigente: ctx.query.get("todos") !== "1",
    shown: Math.min(Number.parseInt(ctx.query.get("n"), 10) || 0, 600),
  };
  for (const k of FACETS) state[k] = ctx.query.get(k) || "";
  const words = () => state.q.trim();
  const writeUrl = () => ctx.setQuery({ q: words(), sector: state.sector, nivel: state.nivel, comite: state.comite,
    todos: state.vigente ? "" : "1", n: state.shown > PAGE ? state.shown : "" });
  const filterParams = (except) => {
    const p = { q: words() };
    for (const k of FACETS) if (k !== except) p[k] = state[k];
    if (state.vigente) p.vigente = "true";
    return p;
  };

  const input = h("input", { type: "search", id: "q", value: state.q, placeholder: t("search_placeholder"), autocomplete: "off" });
  const results = h("div", { class: "cards", id: "results" });
  const count = h("p", { class: "count", "aria-live": "polite", id: "count" });
  const others = h("section", { class: "others", id: "others", hidden: true, "aria-label": t("others_title") });
  const meant = h("p", { class: "meant", id: "meant", hidden: true });
  const csv = h("a", { class: "download", id: "csv", download: "" }, t("download_csv"));
  const moreBtn = h("button", { type: "button", class: "more", hidden: true }, t("more"));
  // The filters are facets: each lists the values the other filters and the
  // words leave, with how many standards each has, the largest first; a long
  // one shows its first 8 and opens to all (with a box to narrow it).
  const labels = { sector: t("sector"), nivel: t("level"), comite: t("committee") };
  const SHOWN = 8;
  const optionLabel = (key, v) => key === "sector" ? titleCase(v.nombre)
    : key === "comite" ? committeeShort(v.nombre) : t("level_n", v.valor);
  const boxes = {};
  for (const key of FACETS) {
    const list = h("ul", { class: "facet-values" });
    const more = h("button", { type: "button", class: "facet-more", hidden: true });
    const narrowBox = h("input", { type: "search", class: "facet-filter", hidden: true, "aria-label": t("facet_filter", labels[key]), placeholder: t("facet_filter", labels[key]) });
    const box = { key, list, more, narrowBox, values: [], expanded: false,
      el: h("fieldset", { class: "facet", id: `facet-${key}` }, h("legend", {}, labels[key]), narrowBox, list, more) };
    more.addEventListener("click", () => { box.expanded = !box.expanded; drawFacet(box); if (box.expanded && !box.narrowBox.hidden) box.narrowBox.focus(); });
    narrowBox.addEventListener("input", () => drawFacet(box));
    boxes[key] = box;
  }
  function drawFacet(box) {
    const { key } = box;
    const chosen = String(state[key]);
    const words = box.narrowBox.value.trim().toLowerCase();
    let values = box.values.filter((v) => !words || optionLabel(key, v).toLowerCase().includes(words));
    if (!box.expanded) {
      const first = values.slice(0, SHOWN);
      const picked = values.find((v) => String(v.valor) === chosen);
      values = picked && !first.includes(picked) ? [picked, ...first.slice(0, SHOWN - 1)] : first;
    }
    box.list.replaceChildren(...values.map((v) => h("li", {}, h("button", {
      type: "button", class: "facet-value", "data-value": v.valor, "aria-pressed": String(String(v.valor) === chosen), title: key === "sector" ? v.nombre : null,
      on: { click: () => { state[key] = String(v.valor) === chosen ? "" : String(v.valor); run(); } },
    }, h("span", { class: "label" }, optionLabel(key, v)), h("span", { class: "n" }, fmtNum(v.total))))));
    box.more.hidden = box.values.length <= SHOWN;
    box.more.textContent = box.expanded ? t("show_fewer") : t("show_all_n", box.values.length);
    box.more.setAttribute("aria-expanded", String(box.expanded));
    box.narrowBox.hidden = !(box.expanded && box.values.length > 20);
  }
  async function refreshFacets(my) {
    const counted = await Promise.all(FACETS.map((key) =>
      api(`/api/v1/ec?${query({ ...filterParams(key), facet: key, limit: 1 })}`, ctx.signal).then((p) => p.facetas[key])));
    if (my !== seq) return;
    FACETS.forEach((key, i) => {
      const values = counted[i].filter((v) => v.valor !== null);
      const chosen = String(state[key]);
      if (chosen && !values.some((v) => String(v.valor) === chosen)) values.push({ valor: state[key], nombre: chosen, total: 0 });
      values.sort(key === "nivel" ? (a, b) => a.valor - b.valor : (a, b) => b.total - a.total || optionLabel(key, a).localeCompare(optionLabel(key, b), lang));
      boxes[key].values = values;
      drawFacet(boxes[key]);
    });
  }
  const vig = h("input", { type: "checkbox", id: "vigente", checked: state.vigente });
  vig.addEventListener("change", () => { state.vigente = vig.checked; run(); });
  // Enter on an exact code (EC0217.01, ec0217.01, ECM0001, CADM0001.01) opens that standard.
  async function submit(ev) {
    ev.preventDefault();
    clearTimeout(timer);
    if (CODE.test(words())) {
      try { const e = await api(`/api/v1/ec/${encodeURIComponent(words())}`, ctx.signal); ctx.go(page("ec", e.clave)); return; } catch { /* not a known code: search it */ }
    }
    run();
  }
  const browse = h("p", { class: "meta browse" }, `${t("browse")}: `, link("/directorio", t("nav_directory")), " · ", link("/comites", t("nav_committees")), " · ",
    link("/sectores", t("nav_sectors")), " · ", link("/capacitacion", t("nav_training")), " · ", link("/mapa", t("nav_map")), " · ", link("/red", t("nav_graph")));
  // The filters fold on a phone (open when one is set), so that the results come first.
  const active = FACETS.filter((k) => state[k]).length + (state.vigente ? 0 : 1);
  const narrow = window.matchMedia("(max-width: 600px)").matches;
  ctx.show(h("h1", {}, t("search_title")), h("p", { class: "intro" }, t("intro")),
    h("form", { class: "search", role: "search", on: { submit } },
      h("label", { for: "q" }, t("search_label")), h("div", { class: "search-row" }, input, h("button", { type: "submit", class: "go" }, t("search_button"))),
      h("details", { class: "filter-box", open: !narrow || active > 0 }, h("summary", {}, active ? t("filters_on", active) : t("filters")),
        h("label", { class: "check", for: "vigente" }, vig, t("in_force")),
        h("div", { class: "facets" }, FACETS.map((key) => boxes[key].el)))),
    count, meant, others, csv, results, moreBtn, browse);

  let next = null, seq = 0;
  async function run(append, initial) {
    const my = ++seq;
    let url;
    if (append && next) url = next;
    else {
      if (!initial) state.shown = 0;
      writeUrl();
      csv.href = `/api/v1/ec?${query({ ...filterParams(), format: "csv", bom: 1 })}`;
      url = `/api/v1/ec?${query({ ...filterParams(), limit: Math.max(PAGE, state.shown) })}`;
    }
    // While a new search runs, the results of the last one are marked as old.
    results.setAttribute("aria-busy", "true");
    try {
      const found = await api(url, ctx.signal);
      if (my !== seq) return;
      if (!append) results.replaceChildren();
      results.append(...found.items.map(ecCard));
      count.textContent = found.total ? t("results", found.total) : t("no_results");
      next = found.next; moreBtn.hidden = !next;
      if (append) { state.shown = results.children.length; writeUrl(); }
      if (!append) await Promise.all([alsoFound(my, found.total), refreshFacets(my)]);
    } catch (e) {
      if (e.name !== "AbortError" && my === seq) results.replaceChildren(failure(e, () => run(append)));
    } finally { if (my === seq) results.setAttribute("aria-busy", "false"); }
  }
  // The other kinds the words find, and "did you mean" when no standard matched.
  async function alsoFound(my, total) {
    const q = words();
    let hits = { items: [] }, near = [];
    if (/[\p{L}\p{N}]/u.test(q)) {
      hits = await api(`/api/v1/search?${query({ q, tipo: "certificador,comite,centro,sector", limit: 12 })}`, ctx.signal);
      if (!total) near = (await api(`/api/v1/search?${query({ q, tipo: "ec", limit: 1 })}`, ctx.signal)).sugerencias || [];
    }
    if (my !== seq) return;
    others.replaceChildren(...(hits.items.length ? [h("h2", {}, t("others_title")), ...otherHits(hits)] : []));
    others.hidden = !hits.items.length;
    meant.replaceChildren(...(near.length ? [`${t("did_you_mean")} `, ...near.flatMap((w, i) => [i ? ", " : "", h("a", {
      href: `/?${query({ q: w })}`,
      on: { click: (ev) => { ev.preventDefault(); input.value = w; state.q = w; run(); } },
    }, w)]), "?"] : []));
    meant.hidden = !near.length;
  }
  input.addEventListener("input", () => { state.q = input.value; clearTimeout(timer); timer = setTimeout(() => run(), 200); });
  moreBtn.addEventListener("click", () => run(true));
  input.focus({ preventScroll: true });
  await run(false, true);
}
