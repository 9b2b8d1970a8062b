// Cambios: what changed between published runs, as sentences; altas and
// bajas per run as a chart (and the same numbers as a table and a CSV).
import { lang, t, fmtDate, fmtNum } from "../i18n.js";
import { changeSentences } from "../history.js";
import { h, svg, link, list, page, ecLink, csvLink, tableWrap, titleCase } from "../dom.js";
import { api, apiAll, query } from "../api.js";

// A standard that left force is a baja, though it is still listed.
const leftForce = (e) => e.fields?.vigente && !(e.fields.vigente.after === true || e.fields.vigente.after === "true");

// Altas above the line, bajas below it, one pair of bars per run.
function timelineChart(rows) {
  const W = 640, H = 220, pad = 28, top = Math.max(1, ...rows.map((r) => r.altas)), bottom = Math.max(1, ...rows.map((r) => r.bajas));
  const mid = pad + (H - 2 * pad) * (top / (top + bottom));
  const scale = (H - 2 * pad) / (top + bottom);
  const step = (W - 2 * pad) / Math.max(rows.length, 1), bar = Math.min(28, step * 0.6);
  return svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", id: "timeline-chart", role: "img", "aria-label": t("timeline_chart_label") },
    svg("line", { x1: pad, x2: W - pad, y1: mid, y2: mid, class: "axis" }),
    rows.map((r, i) => {
      const x = pad + i * step + (step - bar) / 2;
      return svg("g", { "data-run": r.run },
        svg("rect", { x, y: mid - r.altas * scale, width: bar, height: Math.max(r.altas * scale, 0), class: "up" }, svg("title", {}, `${t("run")} ${r.run}: ${fmtNum(r.altas)} ${t("added")}`)),
        svg("rect", { x, y: mid, width: bar, height: Math.max(r.bajas * scale, 0), class: "down" }, svg("title", {}, `${t("run")} ${r.run}: ${fmtNum(r.bajas)} ${t("removed")}`)),
        svg("text", { x: x + bar / 2, y: H - 6, class: "tick" }, String(r.run)));
    }),
    svg("text", { x: 4, y: 14, class: "tick start" }, `▲ ${t("added")}`), svg("text", { x: 4, y: H - 18, class: "tick start" }, `▼ ${t("removed")}`));
}

export async function mount(ctx) {
  ctx.title(t("nav_changes"));
  const estadoNames = Object.fromEntries((await api("/api/v1/estados", ctx.signal)).items.map((e) => [e.clave, e.nombre]));
  const estadoName = (code) => estadoNames[code] || code;
  const runs = (await api("/api/v1/runs?limit=30", ctx.signal)).items.filter((r) => r.status === "published");
  const feeds = h("p", { class: "meta" }, t("subscribe"), " ", link("/api/v1/changes.atom", "Atom"), " ", link("/api/v1/changes.json", "JSON Feed"));
  if (runs.length < 2) {
    // The demo harvests once unless asked for two states: it says how to see changes.
    const stats = await api("/api/v1/stats", ctx.signal).catch(() => null);
    ctx.show(h("h1", {}, t("changes_title")), feeds, h("p", { class: "empty" }, t("no_changes")),
      stats?.source && !stats.source.oficial ? h("p", { class: "meta", id: "two-states" }, t("demo_two_states")) : null);
    return;
  }
  // Filters (in the URL): the sector and the committee's state narrow the changes (the
  // JSON feed filters them on the server); the kind shows one kind of change.
  const state = { sector: ctx.query.get("sector") || "", estado: ctx.query.get("estado") || "", tipo: ctx.query.get("tipo") || "" };
  const [sectores, estados] = await Promise.all([apiAll("/api/v1/sectores", ctx.signal), api("/api/v1/estados", ctx.signal)]);
  const narrowed = state.sector || state.estado;
  const diffs = narrowed
    ? (await api(`/api/v1/changes.json?${query({ sector: state.sector, estado: state.estado, limit: 30 })}`, ctx.signal)).items.map((i) => i._renec.diff)
    : await Promise.all(runs.slice(0, -1).map((r) => api(`/api/v1/runs/${r.id}/diff`, ctx.signal)));
  const finished = Object.fromEntries(runs.map((r) => [r.id, r.finished_at]));
  const KINDS = ["ec", "certificadores", "acreditaciones", "entidades", "comites"];
  const select = (key, label, options) => {
    const el = h("select", { id: `c-${key}` }, h("option", { value: "" }, t("any")), options.map(([v, text]) => h("option", { value: v, selected: v === state[key] }, text)));
    el.addEventListener("change", () => { state[key] = el.value; ctx.setQuery(state); ctx.redraw(`c-${key}`); });
    return h("label", { for: `c-${key}` }, label, el);
  };
  const filters = h("form", { class: "filters", role: "search", on: { submit: (e) => e.preventDefault() } },
    select("sector", t("sector"), sectores.items.map((x) => [x.id, titleCase(x.nombre)]).sort((a, b) => a[1].localeCompare(b[1], lang))),
    select("estado", t("committee_state"), estados.items.filter((e) => e.n_comites > 0).map((e) => [e.clave, e.nombre])),
    select("tipo", t("change_kind"), KINDS.map((k) => [k, t(`ck_${k}`)])));
  const shown = (kind) => !state.tipo || state.tipo === kind;
  const n = (d, kind, f) => (d[kind]?.[f] || []).length;
  // Oldest first, as a timeline reads.
  const rows = diffs.map((d) => ({ run: d.to_run, at: finished[d.to_run],
    altas: n(d, "ec", "added"), bajas: n(d, "ec", "removed") + d.ec.changed.filter(leftForce).length, cambios: d.ec.changed.filter((e) => !leftForce(e)).length,
    acc_up: n(d, "ec_certificador", "added"), acc_down: n(d, "ec_certificador", "removed") })).reverse();
  const header = ["#", t("finished"), `EC ${t("added")}`, `EC ${t("removed")}`, `EC ${t("changed")}`, `${t("accreditations")} +`, `${t("accreditations")} −`];
  const cells = (r) => [r.run, fmtDate(r.at), r.altas, r.bajas, r.cambios, r.acc_up, r.acc_down];
  const timeline = tableWrap(t("timeline"), h("table", { id: "timeline" },
    h("thead", {}, h("tr", {}, header.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, cells(r).map((c, i) => h("td", {}, i === 0 ? link(`/cambios/${r.run}${location.search}`, String(c)) : c)))))));
  const d = diffs.find((x) => String(x.to_run) === String(ctx.params[0])) || diffs[0];
  const ecItem = (e) => [ecLink(e), " ", e.titulo || "", e.fields ? h("div", { class: "meta" }, changeSentences(e.fields).map((x) => h("span", {}, x))) : null];
  // Each kind of change folds (open when short); a long one shows its first 200 and says
  // so, with a button for the rest: nothing is hidden without a word.
  const SHOWN = 200;
  const section = (title, items, render) => {
    if (!items.length) return [];
    const ul = list(items.slice(0, SHOWN), render);
    const rest = items.length - SHOWN;
    const more = rest > 0 ? h("button", { type: "button", class: "more" }, t("show_rest", rest)) : null;
    const note = rest > 0 ? h("p", { class: "meta" }, t("showing_of", SHOWN, items.length)) : null;
    more?.addEventListener("click", () => {
      ul.append(...items.slice(SHOWN).map((i) => h("li", {}, render(i))));
      more.remove(); note.remove();
    });
    return h("details", { class: "changes", open: items.length <= 50 }, h("summary", {}, h("h2", {}, `${title} (${items.length})`)), note, ul, more);
  };
  const certLink = (id, name) => link(page("certificador", id), name || id);
  const sections = [
    shown("ec") && section(`EC · ${t("added")}`, d.ec.added, ecItem),
    shown("ec") && section(`EC · ${t("removed")}`, [...d.ec.removed, ...d.ec.changed.filter(leftForce)], ecItem),
    shown("ec") && section(`EC · ${t("changed")}`, d.ec.changed.filter((e) => !leftForce(e)), ecItem),
    shown("certificadores") && section(`${t("certifier_title")} · ${t("changed")}`, d.certificadores.changed, (c) => [certLink(c.id, c.nombre), " ", h("span", { class: "meta" }, changeSentences(c.fields).join("; "))]),
    shown("acreditaciones") && section(`${t("accreditations")} · ${t("added")}`, d.ec_certificador.added, (l) => [ecLink({ clave: l.ec }), " — ", certLink(l.certificador_id, l.certificador)]),
    shown("acreditaciones") && section(`${t("accreditations")} · ${t("removed")}`, d.ec_certificador.removed, (l) => [ecLink({ clave: l.ec }), " — ", l.certificador || l.certificador_id]),
    shown("entidades") && section(`${t("cert_state_changes")} · ${t("added")}`, d.certificador_estado?.added || [], (l) => [certLink(l.certificador_id, l.certificador), " — ", estadoName(l.estado)]),
    shown("entidades") && section(`${t("cert_state_changes")} · ${t("removed")}`, d.certificador_estado?.removed || [], (l) => [l.certificador || l.certificador_id, " — ", estadoName(l.estado)]),
    shown("comites") && section(`${t("committee_title")} · ${t("added")}`, d.comites.added, (c) => link(page("comite", c.id), c.nombre)),
    shown("comites") && section(`${t("committee_title")} · ${t("removed")}`, d.comites.removed, (c) => c.nombre),
  ].flat().filter(Boolean);
  ctx.show(h("h1", {}, t("changes_title")), feeds, filters,
    h("h2", {}, t("timeline")), timelineChart(rows), csvLink("renec-altas-bajas", header, rows.map(cells)), timeline,
    h("h2", {}, t("since_run", d.from_run, d.to_run)),
    sections.length ? sections : h("p", { class: "empty", id: "no-changes" }, t("no_changes_here")));
}
