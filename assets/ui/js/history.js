// Changes said in words, shared by Cambios and each entity's history
// (/api/v1/{kind}/{key}/history), and the "as it was on" control.
import { I18N, lang, t, fmtDate } from "./i18n.js";
import { h, link, ecCard } from "./dom.js";
import { pagedList } from "./lists.js";
import { api, apiAll } from "./api.js";

// A change of fields as sentences: "Dejó de estar vigente", "Cambió el título: «…» → «…»".
// The committee's id goes with its name, and `tipo` says the kind in words.
export function changeSentences(fields) {
  const value = (f, v) => (v === null || v === undefined || v === "") ? t("no_value") : (f === "tipo" ? t(v) : v);
  return Object.entries(fields)
    .filter(([f]) => !(f === "comite_id" && "comite_nombre" in fields))
    .map(([f, c]) => {
      if (f === "vigente") return t(c.after === true || c.after === "true" ? "back_in_force" : "left_force");
      const name = I18N[lang][`f_${f}`] ? t(`f_${f}`) : f;
      return t("field_change", name, value(f, c.before), value(f, c.after));
    });
}

// What one run changed for one entity, as sentences.
function runSentences(change) {
  const out = [];
  if (change.added) out.push(t("h_added"));
  if (change.removed) out.push(t("h_removed"));
  if (change.changed?.fields) out.push(...changeSentences(change.changed.fields));
  const names = (items, pick) => items.map(pick).join(" · ");
  const links = [
    ["ec_certificador", "h_certifiers", (l) => l.certificador || l.certificador_id],
    ["ec_centro", "h_offerings", (l) => l.centro || l.centro_id],
    ["ec_ocupacion", "h_occupations", (l) => l.ocupacion],
    ["comite_ec", "h_committee", (l) => l.comite || l.ec],
    ["certificador_estado", "h_states", (l) => l.estado_nombre || l.estado],
  ];
  for (const [key, label, pick] of links) {
    const c = change[key];
    if (c?.added?.length) out.push(`${t(label)} + ${c.added.length}: ${names(c.added, pick)}`);
    if (c?.removed?.length) out.push(`${t(label)} − ${c.removed.length}: ${names(c.removed, pick)}`);
  }
  return out;
}

// The history of one entity, folded: one entry per run that changed it.
export async function historySection(ctx, apiPath) {
  const found = await api(`${apiPath}/history`, ctx.signal).catch(() => null);
  const runs = found?.history || [];
  return h("details", { class: "history", id: "history" }, h("summary", {}, h("h2", {}, t("history_title", runs.length))),
    runs.length ? h("ol", { class: "timeline" }, [...runs].reverse().map((r) => h("li", {},
      h("p", { class: "meta" }, link(`/cambios/${r.run}`, `${t("run")} ${r.run}`), ` · ${fmtDate(r.finished_at)}`),
      h("ul", {}, runSentences(r.change).map((x) => h("li", {}, x)))))) : h("p", { class: "empty" }, t("none")),
    h("p", { class: "meta" }, link(`${apiPath}/history`, "JSON")));
}

// "As it was on": the published runs to choose from; the page reads ?as_of=N.
export async function asOfControl(ctx) {
  const runs = (await apiAll("/api/v1/runs", ctx.signal).catch(() => ({ items: [] }))).items.filter((r) => r.status === "published");
  const asOf = ctx.query.get("as_of") || "";
  if (runs.length < 2 && !asOf) return { asOf, element: null, note: null };
  const select = h("select", { id: "as-of" }, h("option", { value: "" }, t("as_of_now")),
    runs.map((r) => h("option", { value: String(r.id), selected: String(r.id) === asOf }, `${t("run")} ${r.id} · ${fmtDate(r.finished_at)}`)));
  select.addEventListener("change", () => { ctx.setQuery({ as_of: select.value }); ctx.redraw("as-of"); });
  const when = runs.find((r) => String(r.id) === asOf);
  return {
    asOf,
    element: h("label", { class: "as-of", for: "as-of" }, t("as_of_label"), select),
    note: asOf ? h("p", { class: "banner as-of-note", role: "note", id: "as-of-note" }, t("as_of_note", asOf, when ? fmtDate(when.finished_at) : ""), " ",
      link(location.pathname, t("as_of_back"))) : null,
  };
}

// An entity page with history and "as it was in": the entity (as of the run
// the URL asks), its standards as a paged list, its history and the control.
export async function entityAsOf(ctx, path) {
  const when = await asOfControl(ctx);
  const asOf = when.asOf ? { as_of: when.asOf } : {};
  const entity = await api(`${path}?${new URLSearchParams(asOf)}`, ctx.signal);
  const standards = pagedList(ctx, { id: "estandares", path: `${path}/estandares`, fixed: asOf, render: ecCard, cards: true, size: 30 });
  return { entity, when, standards, history: await historySection(ctx, path) };
}
