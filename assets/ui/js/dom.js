// DOM helpers shared by every page: an element builder, links, label/value
// lists, the error box with its retry, and the shapes of names the registry
// publishes (sectors in capitals, certifier types as initials).
import { t } from "./i18n.js";

export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);
// The same for SVG elements (charts and the map).
export const svg = (tag, attrs, ...children) => build(document.createElementNS("http://www.w3.org/2000/svg", tag), attrs, children);
function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === "class") el.setAttribute("class", v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

// A table that may scroll sideways (on a phone): a named region the keyboard can reach and scroll.
export const tableWrap = (label, table) => h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": label }, table);

export const link = (href, text, cls) => h("a", { href, class: cls }, text);
export const list = (items, render) => items.length ? h("ul", { class: "links" }, items.map((i) => h("li", {}, render(i)))) : h("p", { class: "empty" }, t("none"));
export const facts = (pairs) => h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));

// A failure said in the UI's language, with a button that tries again.
export function failure(e, retry) {
  return h("div", { class: "error", role: "alert" }, h("p", {}, `${t("error")}: ${e.message}`),
    retry ? h("button", { type: "button", class: "retry", on: { click: retry } }, t("retry")) : null);
}

// Sector names are published in capitals: shown in title case, the published form in a tooltip.
const SMALL = new Set(["de", "del", "y", "e", "o", "u", "la", "las", "el", "los", "en", "a", "al", "por", "para", "con", "sin"]);
export function titleCase(name) {
  if (!name || name !== name.toUpperCase()) return name;
  return name.toLowerCase().split(" ").map((w, i) => (i > 0 && SMALL.has(w)) ? w : w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
}
// "Comité de Gestión por Competencias de Turismo III" → "Turismo III", where space is short.
export const committeeShort = (name) => (name || "").replace(/^Comité de Gestión por Competencias\s+(de la |del |de los |de las |de )?/i, "");
export const sectorName = (name) => h("span", { title: name }, titleCase(name));

// Each kind's page is /kind/id; a standard's is /ec/CODE.
export const page = (kind, id) => `/${kind}/${encodeURIComponent(id)}`;
export const ecLink = (e) => link(page("ec", e.clave), e.clave, "code");

export const TYPE_NAMES = { ECE: "Entidad de Certificación y Evaluación", OC: "Organismo Certificador" };
export const typeTag = (tipo) => (tipo ? h("span", { class: "tag", title: TYPE_NAMES[tipo] }, tipo) : null);
export const stateNames = (estados) => (estados || []).map((e) => e.nombre).join(", ");

// A search hit's fragment: the matched words come between « and », shown marked.
export function fragment(text) {
  return text.split(/(«[^»]*»)/).filter(Boolean).map((part) => part.startsWith("«") ? h("mark", {}, part.slice(1, -1)) : part);
}

// A standard as a card of the result lists.
export function ecCard(e) {
  return h("article", { class: "card" },
    h("h3", {}, ecLink(e), " ", link(page("ec", e.clave), e.titulo || "")),
    h("div", { class: "meta" },
      e.nivel ? h("span", {}, t("level_n", e.nivel)) : null,
      h("span", { class: e.vigente ? "tag ok" : "tag off" }, t(e.tipo)),
      e.sector ? link(page("sector", e.sector_id), sectorName(e.sector)) : null),
    h("div", { class: "meta" },
      e.comite_id ? link(page("comite", e.comite_id), e.comite) : (e.comite ? h("span", {}, e.comite) : null),
      h("span", {}, t("certifiers_n", e.n_certificadores))));
}

// A CSV download of what a chart or a list shows: the rows as the reader sees them.
export function csvLink(name, header, rows) {
  const cell = (v) => { const s = String(v ?? ""); return /[",\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
  const text = "\ufeff" + [header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
  const a = h("a", { class: "download", download: `${name}.csv` }, t("download_csv"));
  a.href = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  return a;
}
