// Red: the standard–certifier graph (who may certify what), drawn with
// sigma (WebGL) after a ForceAtlas2 layout, filtered by sector, committee,
// the committee's state and where the certifying happens. Hovering a node
// highlights its neighbours; a click opens its page. The busiest nodes are in
// a table below (the same figures for screen readers) and every edge is in the CSV.
import { t, fmtNum, lang } from "../i18n.js";
import { h, page, csvLink, tableWrap, titleCase, link, committeeShort } from "../dom.js";
import { api, apiAll, query } from "../api.js";
import { graphTools } from "../vendor.js";

const COLORS = { ec: "#0b5d4b", certificador: "#c77d00" };
let renderer = null;
export function unmount() { renderer?.kill(); renderer = null; }

// A repeatable start (same filters, same picture): a small seeded generator.
function seeded(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

export async function mount(ctx) {
  ctx.title(t("nav_graph"));
  const state = { sector: ctx.query.get("sector") || "", comite: ctx.query.get("comite") || "", estado: ctx.query.get("estado") || "", certifica_en: ctx.query.get("certifica_en") || "" };
  const [sectores, comites, estados] = await Promise.all([
    apiAll("/api/v1/sectores", ctx.signal), apiAll("/api/v1/comites?sort=nombre", ctx.signal), api("/api/v1/estados", ctx.signal)]);
  const select = (key, label, options) => {
    const s = h("select", { id: `g-${key}` }, h("option", { value: "" }, t("any")), options.map(([v, text]) => h("option", { value: v, selected: String(v) === state[key] }, text)));
    s.addEventListener("change", () => { state[key] = s.value; ctx.setQuery(state); draw(); });
    return h("label", { for: `g-${key}` }, label, s);
  };
  const byName = (a, b) => a[1].localeCompare(b[1], lang);
  const filters = h("div", { class: "filters" },
    select("sector", t("sector"), sectores.items.map((s) => [s.id, titleCase(s.nombre)]).sort(byName)),
    select("comite", t("committee"), comites.items.filter((c) => c.n_estandares > 0).map((c) => [c.id, committeeShort(c.nombre)]).sort(byName)),
    select("estado", t("committee_state"), estados.items.filter((e) => e.n_comites > 0).map((e) => [e.clave, e.nombre])),
    estados.items.some((e) => e.n_certificadores > 0) ? select("certifica_en", t("certifies_in"), estados.items.filter((e) => e.n_certificadores > 0).map((e) => [e.clave, e.nombre])) : null);
  const summary = h("p", { class: "count", id: "graph-summary", "aria-live": "polite" });
  const container = h("div", { class: "graph", id: "graph", role: "img", "aria-label": t("graph_label") });
  const readout = h("p", { class: "readout", id: "graph-readout", "aria-live": "polite" }, t("graph_hover"));
  // Finding a node by name does what hovering does (its neighbours lit, its figure said) and
  // offers its page: the keyboard's way into the drawing.
  const nameList = h("datalist", { id: "graph-names" });
  const find = h("input", { type: "search", id: "graph-find", list: "graph-names", autocomplete: "off", placeholder: t("graph_find") });
  const open = h("a", { id: "graph-open", hidden: true }, t("graph_open"));
  let focusNode = () => {};
  find.addEventListener("change", () => focusNode(find.value));
  const tables = h("div", { id: "graph-tables" });
  ctx.show(h("h1", {}, t("graph_title")), h("p", { class: "meta" }, t("graph_intro")), filters, summary,
    h("p", { class: "legend-inline" }, h("span", { class: "dot ec" }), t("standards"), " ", h("span", { class: "dot cert" }), t("certifiers_word")),
    h("div", { class: "filters" }, h("label", { for: "graph-find" }, t("graph_find"), find), nameList), container, readout, open, tables);
  const { Graph, layout, Sigma } = await graphTools();
  let seq = 0;
  async function draw() {
    const my = ++seq;
    container.setAttribute("aria-busy", "true");
    const data = await api(`/api/v1/graph?${query(state)}`, ctx.signal);
    if (my !== seq || !ctx.alive()) return;
    const graph = new Graph({ type: "undirected" });
    const random = seeded(data.nodes.length * 7919 + data.edges.length);
    // Short labels on the drawing (the code; a certifier's name cut at 32 letters); the readout says it all.
    const cut = (s) => (s.length > 32 ? `${s.slice(0, 31)}…` : s);
    for (const n of data.nodes) graph.addNode(n.id, { label: n.tipo === "ec" ? n.id : cut(n.nombre), full: n.tipo === "ec" ? `${n.id} ${n.nombre}` : n.nombre, kind: n.tipo, x: random(), y: random(), color: COLORS[n.tipo] });
    for (const e of data.edges) if (!graph.hasEdge(e.source, e.target)) graph.addEdge(e.source, e.target, { color: "#c9d3ce", size: 0.5 });
    // Size grows with the logarithm of the connections: ICEMéxico's 329 do not hide the rest.
    graph.forEachNode((n) => graph.setNodeAttribute(n, "size", 1.5 + Math.log2(1 + graph.degree(n))));
    // ForceAtlas2 (Barnes–Hut on large graphs), with strong gravity so that loose parts stay in view.
    if (graph.order > 1) {
      layout.assign(graph, { iterations: graph.order > 800 ? 80 : 150,
        settings: { ...layout.inferSettings(graph), barnesHutOptimize: graph.order > 800, strongGravityMode: true, gravity: 0.02, scalingRatio: 20, adjustSizes: false } });
    }
    const ecs = data.nodes.filter((n) => n.tipo === "ec").length;
    summary.textContent = t("graph_counts", ecs, data.nodes.length - ecs, graph.size);
    unmount();
    container.replaceChildren();
    if (!graph.order) { container.append(h("p", { class: "empty" }, t("no_results"))); }
    else {
      let hovered = null, near = new Set();
      // Only the drawing may fail (no WebGL): the tables below still hold the figures.
      try {
        renderer = new Sigma(graph, container, {
          labelRenderedSizeThreshold: 11, labelDensity: 0.5, labelFont: "system-ui, sans-serif", zIndex: true,
          nodeReducer: (n, a) => (hovered && n !== hovered && !near.has(n) ? { ...a, color: "#e3e8e5", label: "", zIndex: 0 } : { ...a, zIndex: 1, highlighted: n === hovered }),
          edgeReducer: (e, a) => (hovered && !graph.hasExtremity(e, hovered) ? { ...a, hidden: true } : hovered ? { ...a, color: "#5b6660", size: 1 } : a),
        });
      } catch {
        renderer = null;
        container.append(h("p", { class: "empty" }, t("no_webgl")));
      }
      if (renderer) {
        const light = (node) => {
          hovered = node; near = new Set(graph.neighbors(node));
          const a = graph.getNodeAttributes(node);
          readout.textContent = `${a.full} · ${t(a.kind === "ec" ? "graph_certified_by" : "graph_certifies", graph.degree(node))}`;
          renderer.refresh({ skipIndexation: true });
        };
        renderer.on("enterNode", ({ node }) => light(node));
        renderer.on("leaveNode", () => { hovered = null; near = new Set(); renderer.refresh({ skipIndexation: true }); });
        const byLabel = new Map(graph.mapNodes((n, a) => [a.full, n]));
        nameList.replaceChildren(...[...byLabel.keys()].sort((x, y) => x.localeCompare(y, lang)).map((label) => h("option", { value: label })));
        focusNode = (label) => {
          const node = byLabel.get(label);
          open.hidden = !node;
          if (!node) return;
          light(node);
          open.href = page(graph.getNodeAttribute(node, "kind"), node);
          renderer.getCamera().animate({ ...renderer.getNodeDisplayData(node), ratio: 0.4 }, { duration: 400 });
        };
        renderer.on("clickNode", ({ node }) => ctx.go(page(graph.getNodeAttribute(node, "kind"), node)));
      }
    }
    // The busiest nodes of what is drawn, as a table; every edge in the CSV.
    const top = (kind) => graph.filterNodes((n, a) => a.kind === kind).sort((a, b) => graph.degree(b) - graph.degree(a) || a.localeCompare(b)).slice(0, 15);
    const table = (kind, title, col) => tableWrap(title, h("table", { id: `graph-top-${kind}` },
      h("caption", {}, title), h("thead", {}, h("tr", {}, h("th", {}, kind === "ec" ? t("standard") : t("certifier_title")), h("th", {}, col))),
      h("tbody", {}, top(kind).map((n) => h("tr", {}, h("td", {}, link(page(kind, n), graph.getNodeAttribute(n, "full"))), h("td", {}, fmtNum(graph.degree(n))))))));
    const names = Object.fromEntries(data.nodes.map((n) => [n.id, n.nombre]));
    tables.replaceChildren(
      csvLink("renec-red", ["ec", "titulo", "certificador_id", "certificador"], data.edges.map((e) => [e.source, names[e.source], e.target, names[e.target]])),
      h("div", { class: "two" }, table("certificador", t("graph_top_certifiers"), t("standards")), table("ec", t("graph_top_standards"), t("certifiers_word"))));
    container.setAttribute("aria-busy", "false");
  }
  await draw();
}
