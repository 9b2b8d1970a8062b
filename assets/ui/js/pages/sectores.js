// Sectores: the sectors with their standards, and a Sankey of sector →
// committee → number of standards in force (each sector's largest committees,
// the rest grouped). The same numbers are in the table and its CSV.
import { t, fmtNum, lang } from "../i18n.js";
import { h, svg, link, page, csvLink, tableWrap, titleCase, committeeShort } from "../dom.js";
import { apiAll } from "../api.js";
import { d3Sankey } from "../vendor.js";

const TOP = 4;

// Sector → committee flows: each sector's TOP committees, then one "other committees" node.
export function flows(standards) {
  const bySector = new Map();
  for (const e of standards) {
    if (!e.sector_id) continue;
    const s = bySector.get(e.sector_id) || { id: e.sector_id, name: titleCase(e.sector), total: 0, comites: new Map() };
    s.total++;
    const key = e.comite_id ?? "none";
    const c = s.comites.get(key) || { id: e.comite_id, name: e.comite ? committeeShort(e.comite) : t("no_committee"), n: 0 };
    c.n++;
    s.comites.set(key, c);
    bySector.set(e.sector_id, s);
  }
  const rows = [];
  for (const s of [...bySector.values()].sort((a, b) => b.total - a.total)) {
    const cs = [...s.comites.values()].sort((a, b) => b.n - a.n || a.name.localeCompare(b.name, lang));
    cs.slice(0, TOP).forEach((c) => rows.push({ sector: s, comite: c, n: c.n }));
    const rest = cs.slice(TOP);
    if (rest.length) rows.push({ sector: s, comite: { id: null, name: t("other_committees", rest.length), other: true }, n: rest.reduce((k, c) => k + c.n, 0) });
  }
  return rows;
}

function sankeyChart(d3, rows) {
  const W = 960, H = Math.max(420, rows.length * 16);
  const nodes = [], index = new Map();
  const node = (key, name, kind, id) => { if (!index.has(key)) { index.set(key, nodes.length); nodes.push({ name, kind, id }); } return index.get(key); };
  const links = rows.map((r) => ({ source: node(`s${r.sector.id}`, r.sector.name, "sector", r.sector.id),
    target: node(r.comite.other ? `o${r.sector.id}` : `c${r.comite.id}`, r.comite.name, r.comite.other ? "other" : "comite", r.comite.id), value: r.n }));
  const graph = d3.sankey().nodeWidth(12).nodePadding(5).nodeSort(null).extent([[1, 1], [W - 1, H - 1]])({ nodes: nodes.map((d) => ({ ...d })), links: links.map((d) => ({ ...d })) });
  const path = d3.sankeyLinkHorizontal();
  const label = (n) => { const s = n.name.length > 48 ? `${n.name.slice(0, 46)}…` : n.name; return s; };
  return svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart sankey", id: "sankey", role: "group", "aria-label": t("sankey_label") },
    svg("g", { class: "links" }, graph.links.map((l) => svg("path", { d: path(l), "stroke-width": Math.max(1, l.width), class: "flow" },
      svg("title", {}, `${l.source.name} → ${l.target.name}: ${fmtNum(l.value)}`)))),
    svg("g", { class: "nodes" }, graph.nodes.map((n) => {
      const box = svg("rect", { x: n.x0, y: n.y0, width: n.x1 - n.x0, height: Math.max(1, n.y1 - n.y0), class: `node ${n.kind}` }, svg("title", {}, `${n.name}: ${fmtNum(n.value)}`));
      const left = n.x0 < W / 2;
      const text = svg("text", { x: left ? n.x1 + 6 : n.x0 - 6, y: (n.y0 + n.y1) / 2, dy: "0.35em", class: left ? "tick start" : "tick end" }, `${label(n)} (${fmtNum(n.value)})`);
      const href = n.kind === "sector" ? page("sector", n.id) : n.kind === "comite" ? page("comite", n.id) : null;
      return href ? svg("a", { href, "data-kind": n.kind }, box, text) : svg("g", {}, box, text);
    })));
}

export async function mount(ctx) {
  ctx.title(t("nav_sectors"));
  const [standards, sectores] = await Promise.all([apiAll("/api/v1/ec?vigente=true", ctx.signal), apiAll("/api/v1/sectores", ctx.signal)]);
  const rows = flows(standards.items);
  const d3 = await d3Sankey();
  const list = [...sectores.items].sort((a, b) => b.n_estandares - a.n_estandares);
  ctx.show(h("h1", {}, t("sectors_title")), h("p", { class: "meta" }, t("sectors_intro")),
    tableWrap(t("sectors_title"), h("table", { id: "sectors" }, h("thead", {}, h("tr", {}, h("th", {}, t("sector")), h("th", {}, t("standards")))),
      h("tbody", {}, list.map((s) => h("tr", {}, h("td", {}, link(page("sector", s.id), h("span", { title: s.nombre }, titleCase(s.nombre)))), h("td", {}, fmtNum(s.n_estandares))))))),
    csvLink("renec-sectores", ["sector_id", "sector", "estandares"], list.map((s) => [s.id, s.nombre, s.n_estandares])),
    h("h2", {}, t("sankey_title")), h("p", { class: "meta" }, t("sankey_note", TOP)),
    rows.length ? h("div", { class: "sankey-wrap", tabindex: "0", role: "region", "aria-label": t("sankey_title") }, sankeyChart(d3, rows)) : h("p", { class: "empty" }, t("no_results")),
    csvLink("renec-sector-comite", ["sector", "comite", "estandares_vigentes"], rows.map((r) => [r.sector.name, r.comite.name, r.n])),
    h("details", {}, h("summary", {}, t("sankey_table")), tableWrap(t("sankey_table"), h("table", { id: "sankey-table" },
      h("thead", {}, h("tr", {}, [t("sector"), t("committee"), t("standards")].map((x) => h("th", {}, x)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, r.sector.name), h("td", {}, r.comite.id ? link(page("comite", r.comite.id), r.comite.name) : r.comite.name), h("td", {}, fmtNum(r.n)))))))));
}
