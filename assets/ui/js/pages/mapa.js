// Mapa: a choropleth of the 32 states with their real outlines
// (@svg-maps/mexico, CC BY 4.0), in quantile classes so that one large state
// does not wash the others out. Hover or keyboard focus says a state's
// figure; a state opens the Directory filtered by it. The same numbers are in
// the table below, and in its CSV.
import { t, fmtNum } from "../i18n.js";
import { h, svg, csvLink, tableWrap } from "../dom.js";
import { api } from "../api.js";
import outlines from "../../vendor/svg-maps/mexico/index.js";

// The package's ids and INEGI's state codes (the API's `clave`).
const INEGI = { agu: "01", bcn: "02", bcs: "03", cam: "04", coa: "05", col: "06", chp: "07", chh: "08", cmx: "09", dur: "10", gua: "11",
  gro: "12", hid: "13", jal: "14", mex: "15", mic: "16", mor: "17", nay: "18", nle: "19", oax: "20", pue: "21", que: "22", roo: "23",
  slp: "24", sin: "25", son: "26", tab: "27", tam: "28", tla: "29", ver: "30", yuc: "31", zac: "32" };
const METRICS = ["certificadores", "comites", "estandares"];
const CLASSES = 5;

// Class limits at the quantiles of the non-zero figures (fewer when they repeat).
export function quantileBreaks(values) {
  const v = values.filter((x) => x > 0).sort((a, b) => a - b);
  if (!v.length) return [];
  const breaks = [];
  for (let i = 1; i <= CLASSES; i++) {
    const b = v[Math.min(v.length - 1, Math.ceil((i / CLASSES) * v.length) - 1)];
    if (!breaks.length || b > breaks[breaks.length - 1]) breaks.push(b);
  }
  return breaks;
}
const classOf = (n, breaks) => (n <= 0 ? 0 : 1 + breaks.findIndex((b) => n <= b));

export async function mount(ctx) {
  const estados = (await api("/api/v1/estados", ctx.signal)).items;
  const byCode = Object.fromEntries(estados.map((e) => [e.clave, e]));
  // A figure that is zero in every state (the pages do not publish it) is not offered.
  const offered = METRICS.filter((m) => estados.some((e) => e[`n_${m}`] > 0));
  const asked = ctx.query.get("m");
  let metric = offered.includes(asked) ? asked : offered[0];
  const certStates = offered.includes("certificadores");
  const select = h("select", { id: "mmetric" }, offered.map((m) => h("option", { value: m, selected: m === metric }, t(`m_${m}`))));
  const readout = h("p", { class: "readout", id: "readout", "aria-live": "polite" }, t("map_hover"));
  const legend = h("ul", { class: "legend", id: "legend", "aria-label": t("map_legend") });
  const drawing = svg("svg", { viewBox: outlines.viewBox, class: "choropleth", id: "choropleth", role: "group", "aria-label": t("map_title") });
  const body = h("tbody");
  const download = h("span");
  const say = (e) => { readout.textContent = `${e.nombre}: ${fmtNum(e[`n_${metric}`])} · ${t(`m_${metric}`)}`; };
  const shapes = outlines.locations.map((loc) => {
    const e = byCode[INEGI[loc.id]];
    const shape = svg("path", { d: loc.path, "data-code": e.clave });
    // With the certifiers' states published, a state opens the Directory filtered by it.
    const node = certStates ? svg("a", { href: `/directorio?estado=${e.clave}`, "data-code": e.clave }, shape)
      : svg("g", { tabindex: "0", "data-code": e.clave }, shape);
    node.append(svg("title", {}, e.nombre));
    for (const ev of ["mouseenter", "focus"]) node.addEventListener(ev, () => say(e));
    return node;
  });
  drawing.append(...shapes);
  const draw = () => {
    const key = `n_${metric}`;
    const breaks = quantileBreaks(estados.map((e) => e[key]));
    for (const node of shapes) {
      const e = byCode[node.dataset.code];
      node.setAttribute("class", `q${classOf(e[key], breaks)}`);
      node.setAttribute("aria-label", `${e.nombre}: ${fmtNum(e[key])}`);
    }
    const ranges = breaks.map((b, i) => [i ? breaks[i - 1] + 1 : 1, b]);
    legend.replaceChildren(h("li", {}, h("span", { class: "swatch q0" }), "0"),
      ...ranges.map(([a, b], i) => h("li", {}, h("span", { class: `swatch q${i + 1}` }), a === b ? fmtNum(a) : `${fmtNum(a)}–${fmtNum(b)}`)));
    const rows = [...estados].sort((a, b) => b[key] - a[key] || a.clave.localeCompare(b.clave));
    body.replaceChildren(...rows.map((e) => h("tr", {},
      h("td", {}, certStates ? h("a", { href: `/directorio?estado=${e.clave}` }, e.nombre) : e.nombre),
      h("td", {}, fmtNum(e.n_certificadores)), h("td", {}, fmtNum(e.n_comites)), h("td", {}, fmtNum(e.n_estandares)))));
    download.replaceChildren(csvLink("renec-estados", ["clave", "entidad", "certificadores", "comites", "estandares"],
      rows.map((e) => [e.clave, e.nombre, e.n_certificadores, e.n_comites, e.n_estandares])));
    ctx.setQuery({ m: metric === offered[0] ? "" : metric });
  };
  select.addEventListener("change", () => { metric = select.value; draw(); });
  ctx.title(t("nav_map"));
  ctx.show(h("h1", {}, t("map_title")),
    h("div", { class: "filters" }, h("label", { for: "mmetric" }, t("map_metric"), select)),
    certStates ? null : h("p", { class: "empty" }, t("map_no_cert_states")),
    h("p", { class: "meta" }, t(certStates ? "map_note" : "map_note_plain")),
    h("div", { class: "map" }, drawing, h("div", { class: "map-side" }, readout, legend)),
    h("p", { class: "meta credit" }, t("map_credit")),
    h("h2", {}, t("map_table")), download,
    tableWrap(t("map_table"), h("table", { id: "states" }, h("thead", {}, h("tr", {},
      [t("cert_state"), t("m_certificadores"), t("m_comites"), t("m_estandares")].map((x) => h("th", {}, x)))), body)));
  draw();
  // Keyboard focus goes through the states in reading order: north to south, west to east.
  const at = shapes.map((n) => { const b = n.getBBox(); return [n, Math.round((b.y + b.height / 2) / 60), b.x + b.width / 2]; });
  at.sort((a, b) => a[1] - b[1] || a[2] - b[2]).forEach(([n]) => drawing.append(n));
}
