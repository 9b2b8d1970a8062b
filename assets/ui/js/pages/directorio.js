// Directorio: the certifiers, searchable by name and filtered by state and
// type; the state is in the URL (/directorio?estado=14&tipo=ECE&q=…).
import { t, fmtNum } from "../i18n.js";
import { h, link, page, failure, typeTag, stateNames, tableWrap } from "../dom.js";
import { api, query } from "../api.js";

let timer = null;
export function unmount() { clearTimeout(timer); }

export async function mount(ctx) {
  const state = { q: ctx.query.get("q") || "", sort: ctx.query.get("sort") === "nombre" ? "nombre" : "-estandares",
    estado: ctx.query.get("estado") || "", tipo: ctx.query.get("tipo") || "" };
  const writeUrl = () => ctx.setQuery({ q: state.q.trim(), estado: state.estado, tipo: state.tipo, sort: state.sort === "nombre" ? "nombre" : "" });
  ctx.title(t("nav_directory"));
  const input = h("input", { type: "search", id: "dq", value: state.q, placeholder: t("directory_label"), autocomplete: "off" });
  const sort = h("select", { id: "dsort" }, h("option", { value: "-estandares" }, t("by_standards")), h("option", { value: "nombre" }, t("by_name")));
  sort.value = state.sort;
  const estado = h("select", { id: "destado", disabled: true }, h("option", { value: "" }, t("any")));
  const tipo = h("select", { id: "dtipo", disabled: true }, h("option", { value: "" }, t("any")));
  if (state.estado) estado.append(h("option", { value: state.estado, selected: true }, state.estado));
  if (state.tipo) tipo.append(h("option", { value: state.tipo, selected: true }, state.tipo));
  const notes = h("div", { id: "dnotes" });
  const body = h("tbody");
  const count = h("p", { class: "count", "aria-live": "polite", id: "dcount" });
  const csv = h("a", { class: "download", id: "dcsv", download: "" }, t("download_csv"));
  const moreBtn = h("button", { type: "button", class: "more", hidden: true }, t("more"));
  // Columns that the harvested pages never fill (type, states) are left out.
  const table = h("table", { id: "directory" }, h("thead", {}, h("tr", {},
    h("th", {}, t("certifier_title")), h("th", { class: "col-tipo" }, t("cert_type")), h("th", { class: "col-estados" }, t("cert_states")), h("th", {}, t("standards")))), body);
  ctx.show(h("h1", {}, t("directory_title")),
    h("form", { class: "search", role: "search", on: { submit: (e) => e.preventDefault() } },
      h("label", { for: "dq" }, t("directory_label")), input,
      h("div", { class: "filters" }, h("label", { for: "destado" }, t("cert_state"), estado), h("label", { for: "dtipo" }, t("cert_type"), tipo),
        h("label", { for: "dsort" }, t("sort"), sort))),
    notes, count, csv, tableWrap(t("directory_title"), table), moreBtn);
  let next = null, seq = 0;
  async function run(append) {
    const my = ++seq;
    writeUrl();
    const p = { sort: state.sort, q: state.q.trim(), estado: state.estado, tipo: state.tipo };
    csv.href = `/api/v1/certificadores?${query({ ...p, format: "csv", bom: 1 })}`;
    body.setAttribute("aria-busy", "true");
    try {
      const found = await api(append && next ? next : `/api/v1/certificadores?${query({ ...p, limit: 50 })}`, ctx.signal);
      if (my !== seq) return;
      if (!append) body.replaceChildren();
      body.append(...found.items.map((c) => h("tr", {},
        h("td", {}, link(page("certificador", c.id), c.nombre)), h("td", { class: "col-tipo" }, typeTag(c.tipo) || t("none")),
        h("td", { class: "col-estados" }, stateNames(c.estados) || t("none")), h("td", {}, fmtNum(c.n_estandares)))));
      count.textContent = found.total ? t("results", found.total) : t("no_results");
      next = found.next; moreBtn.hidden = !next;
    } catch (e) {
      if (e.name !== "AbortError" && my === seq) body.replaceChildren(h("tr", {}, h("td", { colspan: 4 }, failure(e, () => run(append)))));
    } finally { if (my === seq) body.setAttribute("aria-busy", "false"); }
  }
  input.addEventListener("input", () => { state.q = input.value; clearTimeout(timer); timer = setTimeout(() => run(), 200); });
  for (const [el, key] of [[sort, "sort"], [estado, "estado"], [tipo, "tipo"]]) el.addEventListener("change", () => { state[key] = el.value; run(); });
  moreBtn.addEventListener("click", () => run(true));
  const first = run();
  // The filters offer what the published data holds, with counts; they say so when the pages publish nothing.
  try {
    const [estados, tipos] = await Promise.all([api("/api/v1/estados", ctx.signal), api("/api/v1/certificadores/tipos", ctx.signal)]);
    const withCerts = estados.items.filter((e) => e.n_certificadores > 0);
    estado.replaceChildren(h("option", { value: "" }, t("any")), ...withCerts.map((e) => h("option", { value: e.clave, selected: state.estado === e.clave }, `${e.nombre} (${fmtNum(e.n_certificadores)})`)));
    estado.disabled = withCerts.length === 0;
    const known = tipos.items.filter((x) => x.tipo && x.n_certificadores > 0);
    tipo.replaceChildren(h("option", { value: "" }, t("any")), ...known.map((x) => h("option", { value: x.tipo, selected: state.tipo === x.tipo }, `${x.tipo} · ${x.nombre} (${fmtNum(x.n_certificadores)})`)));
    tipo.disabled = known.length === 0;
    table.classList.toggle("no-tipo", known.length === 0);
    table.classList.toggle("no-estados", withCerts.length === 0);
    // A choice in the URL that the published data do not offer is dropped, and said.
    const offered = { estado: withCerts.map((e) => e.clave), tipo: known.map((x) => x.tipo) };
    const stale = ["estado", "tipo"].filter((k) => state[k] && !offered[k].includes(state[k]));
    stale.forEach((k) => { state[k] = ""; });
    if (stale.length) { estado.value = state.estado; tipo.value = state.tipo; run(); }
    const unknownType = tipos.items.find((x) => !x.tipo)?.n_certificadores || 0;
    const total = tipos.items.reduce((n, x) => n + x.n_certificadores, 0);
    const msgs = [];
    if (withCerts.length === 0) msgs.push(t("not_published_state"));
    if (known.length === 0) msgs.push(t("not_published_type"));
    else if (unknownType > 0 && unknownType < total) msgs.push(t("unknown_type_n", unknownType));
    notes.replaceChildren(...msgs.map((m) => h("p", { class: "empty" }, m)));
  } catch (e) { if (e.name !== "AbortError") notes.replaceChildren(failure(e, ctx.retry)); }
  await first;
}
