// RENEC Harvester UI: every figure comes from the JSON API of this server.
"use strict";

const I18N = {
  es: {
    nav_changes: "Cambios", changes_title: "Cambios en el registro", timeline: "Altas y bajas por corrida",
    subscribe: "Suscribirse:", since_run: (a, b) => `De la corrida ${a} a la ${b}`, added: "Altas", removed: "Bajas", changed: "Cambios",
    accreditations: "Acreditaciones", no_changes: "Aún no hay dos corridas publicadas que comparar.", field_change: (f, b, a) => `Cambió ${f}: «${b}» → «${a}»`,
    f_titulo: "el título", f_nivel: "el nivel", f_comite_id: "el número de comité", f_comite_nombre: "de comité", f_sector_id: "de sector", f_tipo: "el tipo", f_nombre: "el nombre",
    f_clase: "la clase", f_id_renec: "el identificador en el RENEC", f_clave_publicada: "la forma publicada del código", f_conservado_de_run: "los datos conservados",
    no_value: "sin dato", left_force: "Dejó de estar vigente", back_in_force: "Volvió a estar vigente",
    skip: "Ir al contenido", nav_search: "Buscador", nav_directory: "Directorio", nav_runs: "Corridas", nav_status: "Estado",
    loading: "Cargando…", source_note: "Datos públicos del RENEC (CONOCER), tal como se publican.",
    intro: "El RENEC es el registro oficial de los estándares de competencia de México (CONOCER): lo que una persona debe saber hacer en un oficio, y quién puede certificarlo. Aquí puede buscar un estándar, ver quién certifica y dónde capacitarse, y seguir sus cambios.",
    search_title: "Buscar un estándar de competencia", search_label: "Código, título, comité, sector u ocupación",
    search_placeholder: "p. ej. traducción, EC0217, cocinero", sector: "Sector", level: "Nivel", committee: "Comité",
    download_csv: "Descargar CSV de esta vista", in_force: "Solo vigentes", any: "Todos", results: (n) => `${n.toLocaleString("es-MX")} resultados`, more: "Más resultados",
    certifiers_n: (n) => `${n} certificadores`, level_n: (n) => `Nivel ${n}`, no_results: "Sin resultados.",
    others_title: "También en el registro", did_you_mean: "¿Quiso decir", k_certificador: "Certificadores", k_comite: "Comités", k_centro: "Capacitación", k_sector: "Sectores",
    matched_in: (f) => `coincide en ${f}`, c_nombre_publicado: "un nombre publicado", c_ocupacion: "la ocupación", c_comite: "el comité", c_sector: "el sector", c_estado: "la entidad", c_clave: "el código",
    corrected: "con corrección ortográfica", successor: "Versión vigente de este estándar",
    directory_title: "Directorio de certificadores", directory_label: "Nombre del certificador", standards_n: (n) => `${n} estándares`,
    sort: "Orden", by_name: "Nombre", by_standards: "Número de estándares",
    cert_state: "Entidad federativa", cert_states: "Entidades donde certifica", cert_type: "Tipo",
    not_published_state: "Las páginas del RENEC que se cosecharon no publican la entidad federativa de los certificadores.",
    not_published_type: "Las páginas del RENEC que se cosecharon no publican el tipo (ECE u OC) de los certificadores.",
    unknown_type_n: (n) => `${n.toLocaleString("es-MX")} certificadores sin tipo publicado no aparecen al filtrar por tipo.`,
    cert_state_changes: "Entidades de certificadores",
    official: "sitio oficial", test_source: "no es el sitio oficial",
    nav_map: "Mapa", map_title: "El registro por entidad federativa", map_metric: "Mostrar",
    m_certificadores: "Certificadores que certifican ahí", m_comites: "Comités con domicilio ahí", m_estandares: "Estándares certificables ahí",
    map_note: "Cada cuadro es una entidad, en su posición aproximada; el color crece con la cifra. Elija una para ver sus certificadores.",
    map_no_cert_states: "Las páginas cosechadas no publican la entidad de los certificadores: solo los comités tienen entidad.",
    standard: "Estándar", occupations: "Ocupaciones", certifiers: "¿En dónde puedo certificarme?", offerings: "¿En dónde puedo capacitarme?",
    members: "Integrantes del comité", first_seen: "Visto por primera vez", last_seen: "Visto por última vez", run: "corrida",
    source: "Fuente", type: "Tipo", spellings: "Nombres publicados", standards: "Estándares", address: "Domicilio", phone: "Teléfono",
    state: "Estado", founded: "Integración", postal: "C.P.", runs_title: "Corridas de cosecha", status: "Estado", started: "Inicio",
    finished: "Fin", duration: "Duración", coverage: "Cobertura", counts: "Conteos", reasons: "Motivos de retención",
    status_title: "Estado del servicio", harvest_running: "Cosecha en curso", no_harvest_running: "No hay cosecha en curso",
    pg_title: "PostgreSQL", pg_role: "Papel", pg_role_sync: "sincroniza cada corrida publicada", pg_role_read: "nodo de lectura (sirve lo sincronizado)",
    pg_server: "Servidor", pg_synced: "Corrida en PostgreSQL", pg_lag: "Corridas sin sincronizar", pg_serving: "Corrida servida",
    pg_last_success: "Último éxito", pg_last_error: "Último error",
    published_run: "Corrida publicada", data_age: "Antigüedad de los datos", age_h: (h) => `${h} h`, pages_done: "Páginas obtenidas",
    show_rest: (n) => `Mostrar los ${n} restantes`, showing_of: (a, b) => `Se muestran ${a} de ${b}.`,
    error: "No se pudo cargar", unreachable: "el servidor no responde; revise su conexión", retry: "Reintentar", not_found: "No encontrado", sector_title: "Sector", committee_title: "Comité",
    offering_title: "Oferta de capacitación", certifier_title: "Certificador", vigente: "vigente", inactivo: "no vigente",
    marca: "de marca", historica: "histórica", published: "publicada", held: "retenida", running: "en curso", failed: "fallida", interrupted: "interrumpida (la próxima cosecha la reanuda)",
    data_from: (d) => `Datos publicados el ${d}`, none: "—",
    not_official: (u) => `Datos de prueba: esta instancia cosechó ${u}, no el sitio del RENEC (conocer.gob.mx); no lo tome como el registro vigente.`,
    jobs: "Tareas programadas", job: "Tarea", next_run: "Próxima", last_run: "Última", last_result: "Resultado",
    bundle: "Paquete servido (espejo sin red)", offline: "Espejo sin red: no cosecha",
  },
  en: {
    nav_changes: "Changes", changes_title: "Changes in the registry", timeline: "Additions and removals per run",
    subscribe: "Subscribe:", since_run: (a, b) => `From run ${a} to run ${b}`, added: "Added", removed: "Removed", changed: "Changed",
    accreditations: "Accreditations", no_changes: "There are not yet two published runs to compare.", field_change: (f, b, a) => `Changed ${f}: «${b}» → «${a}»`,
    f_titulo: "the title", f_nivel: "the level", f_comite_id: "the committee number", f_comite_nombre: "committee", f_sector_id: "sector", f_tipo: "the kind", f_nombre: "the name",
    f_clase: "the class", f_id_renec: "the RENEC id", f_clave_publicada: "the published form of the code", f_conservado_de_run: "the kept data",
    no_value: "no value", left_force: "Left force", back_in_force: "Back in force",
    skip: "Skip to content", nav_search: "Search", nav_directory: "Directory", nav_runs: "Runs", nav_status: "Status",
    loading: "Loading…", source_note: "Public RENEC data (CONOCER), as published.",
    intro: "RENEC is Mexico's official register of competency standards (CONOCER): what a person must be able to do in a trade, and who may certify it. Here you can find a standard, see who certifies it and where to train, and follow how it changes.",
    search_title: "Find a competency standard", search_label: "Code, title, committee, sector or occupation",
    search_placeholder: "e.g. traducción, EC0217, cocinero", sector: "Sector", level: "Level", committee: "Committee",
    download_csv: "Download this view as CSV", in_force: "In force only", any: "All", results: (n) => `${n.toLocaleString("en-US")} results`, more: "More results",
    certifiers_n: (n) => `${n} certifiers`, level_n: (n) => `Level ${n}`, no_results: "No results.",
    others_title: "Also in the registry", did_you_mean: "Did you mean", k_certificador: "Certifiers", k_comite: "Committees", k_centro: "Training", k_sector: "Sectors",
    matched_in: (f) => `matches ${f}`, c_nombre_publicado: "a published name", c_ocupacion: "the occupation", c_comite: "the committee", c_sector: "the sector", c_estado: "the state", c_clave: "the code",
    corrected: "spelling corrected", successor: "The version of this standard in force",
    directory_title: "Certifier directory", directory_label: "Certifier name", standards_n: (n) => `${n} standards`,
    sort: "Order", by_name: "Name", by_standards: "Number of standards",
    cert_state: "State", cert_states: "States where it certifies", cert_type: "Type",
    not_published_state: "The harvested RENEC pages do not publish the certifiers' state.",
    not_published_type: "The harvested RENEC pages do not publish the certifiers' type (ECE or OC).",
    unknown_type_n: (n) => `${n.toLocaleString("en-US")} certifiers without a published type are left out when filtering by type.`,
    cert_state_changes: "Certifier states",
    official: "official site", test_source: "not the official site",
    nav_map: "Map", map_title: "The registry by state", map_metric: "Show",
    m_certificadores: "Certifiers that certify there", m_comites: "Committees based there", m_estandares: "Standards that can be certified there",
    map_note: "Each square is a state, placed roughly where it lies; darker means more. Choose one to see its certifiers.",
    map_no_cert_states: "The harvested pages do not publish the certifiers' state: only committees have one.",
    standard: "Standard", occupations: "Occupations", certifiers: "Where can I get certified?", offerings: "Where can I get trained?",
    members: "Committee members", first_seen: "First seen", last_seen: "Last seen", run: "run",
    source: "Source", type: "Type", spellings: "Published names", standards: "Standards", address: "Address", phone: "Phone",
    state: "State", founded: "Founded", postal: "Postal code", runs_title: "Harvest runs", status: "Status", started: "Started",
    finished: "Finished", duration: "Duration", coverage: "Coverage", counts: "Counts", reasons: "Reasons held",
    status_title: "Service status", harvest_running: "A harvest is running", no_harvest_running: "No harvest running",
    pg_title: "PostgreSQL", pg_role: "Role", pg_role_sync: "syncs every published run", pg_role_read: "read node (serves what was synced)",
    pg_server: "Server", pg_synced: "Run in PostgreSQL", pg_lag: "Runs not synced yet", pg_serving: "Run served",
    pg_last_success: "Last success", pg_last_error: "Last error",
    published_run: "Published run", data_age: "Data age", age_h: (h) => `${h} h`, pages_done: "Pages fetched",
    show_rest: (n) => `Show the other ${n}`, showing_of: (a, b) => `Showing ${a} of ${b}.`,
    error: "Could not load", unreachable: "the server does not answer; check your connection", retry: "Try again", not_found: "Not found", sector_title: "Sector", committee_title: "Committee",
    offering_title: "Training offering", certifier_title: "Certifier", vigente: "in force", inactivo: "withdrawn",
    marca: "brand", historica: "historic", published: "published", held: "held", running: "running", failed: "failed", interrupted: "interrupted (resumes on the next harvest)",
    data_from: (d) => `Data published on ${d}`, none: "—",
    not_official: (u) => `Test data: this instance harvested ${u}, not the RENEC site (conocer.gob.mx); do not take it for the current registry.`,
    jobs: "Scheduled jobs", job: "Job", next_run: "Next", last_run: "Last", last_result: "Result",
    bundle: "Bundle served (air-gapped mirror)", offline: "Air-gapped mirror: never crawls",
  },
};
let lang = localStorage.getItem("lang") === "en" ? "en" : "es";
const t = (key, ...args) => { const v = I18N[lang][key]; return typeof v === "function" ? v(...args) : (v ?? key); };

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

async function api(path) {
  let res;
  // The server answers errors in the UI's language; a network failure is said in it too.
  try { res = await fetch(path, { headers: { Accept: "application/json", "Accept-Language": lang } }); }
  catch { throw new Error(t("unreachable")); }
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error?.message || `HTTP ${res.status}`);
  return body;
}

const main = () => document.getElementById("main");
function show(...nodes) { main().replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false)); }
function failure(e) {
  return h("div", { class: "error", role: "alert" }, h("p", {}, `${t("error")}: ${e.message}`),
    h("button", { type: "button", class: "retry", on: { click: () => render() } }, t("retry")));
}
const link = (href, text, cls) => h("a", { href, class: cls }, text);
// Sector names are published in capitals: shown in title case, the published form in a tooltip.
const SMALL = new Set(["de", "del", "y", "e", "o", "u", "la", "las", "el", "los", "en", "a", "al", "por", "para", "con", "sin"]);
function titleCase(name) {
  if (!name || name !== name.toUpperCase()) return name;
  return name.toLowerCase().split(" ").map((w, i) => (i > 0 && SMALL.has(w)) ? w : w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
}
const sectorName = (name) => h("span", { title: name }, titleCase(name));
const ecLink = (e) => link(`#/ec/${encodeURIComponent(e.clave)}`, e.clave, "code");

function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  const b = document.getElementById("lang");
  b.textContent = lang === "es" ? "EN" : "ES";
  b.setAttribute("aria-label", lang === "es" ? "English" : "Español");
}

// ---- Buscador ---------------------------------------------------------------
const searchState = { q: "", sector: "", nivel: "", comite: "", vigente: true, shown: 0 };
const PAGE = 30;
// Where each page was scrolled to when left, for Back.
const scrolls = new Map();

function ecCard(e) {
  return h("article", { class: "card" },
    h("h3", {}, ecLink(e), " ", link(`#/ec/${encodeURIComponent(e.clave)}`, e.titulo || "")),
    h("div", { class: "meta" },
      e.nivel ? h("span", {}, t("level_n", e.nivel)) : null,
      h("span", { class: e.vigente ? "tag ok" : "tag off" }, t(e.tipo)),
      e.sector ? link(`#/sector/${encodeURIComponent(e.sector_id)}`, sectorName(e.sector)) : null),
    h("div", { class: "meta" },
      e.comite_id ? link(`#/comite/${e.comite_id}`, e.comite) : (e.comite ? h("span", {}, e.comite) : null),
      h("span", {}, t("certifiers_n", e.n_certificadores))));
}

// A search hit's fragment: the matched words come between « and », shown marked.
function fragment(text) {
  return text.split(/(«[^»]*»)/).filter(Boolean).map((part) => part.startsWith("«") ? h("mark", {}, part.slice(1, -1)) : part);
}
// Certifiers, committees, training offerings and sectors the words find (the
// standards are the list below), grouped by kind (each kind's page is #/kind/id),
// the matched words marked; a match outside the name says where it is.
function otherHits(page) {
  const groups = {};
  for (const hit of page.items) (groups[hit.tipo] ||= []).push(hit);
  return Object.entries(groups).map(([kind, hits]) => h("div", { class: "kind", "data-kind": kind },
    h("h3", {}, t(`k_${kind}`)),
    h("ul", {}, hits.map((hit) => {
      const inName = hit.campo === "nombre" || hit.campo === "titulo";
      return h("li", {},
        link(`#/${kind}/${encodeURIComponent(hit.id)}`, inName ? fragment(hit.fragmento) : hit.titulo),
        inName ? null : h("span", { class: "why" }, ` — ${t("matched_in", t(`c_${hit.campo}`))}: `, fragment(hit.fragmento)),
        hit.corregido ? h("span", { class: "why" }, ` (${t("corrected")})`) : null);
    }))));
}

// The Buscador's state lives in the URL (#/?q=…&sector=…&nivel=…&comite=…&todos=1),
// so that a search can be shared, bookmarked and reloaded.
function readSearchUrl() {
  const q = location.hash.indexOf("?");
  const p = new URLSearchParams(q >= 0 ? location.hash.slice(q + 1) : "");
  searchState.q = p.get("q") || "";
  for (const k of ["sector", "nivel", "comite"]) searchState[k] = p.get(k) || "";
  searchState.vigente = p.get("todos") !== "1";
  searchState.shown = Math.min(Number.parseInt(p.get("n"), 10) || 0, 600);
}
function writeSearchUrl() {
  const p = new URLSearchParams();
  if (searchState.q.trim()) p.set("q", searchState.q.trim());
  for (const k of ["sector", "nivel", "comite"]) if (searchState[k]) p.set(k, searchState[k]);
  if (!searchState.vigente) p.set("todos", "1");
  if (searchState.shown > PAGE) p.set("n", searchState.shown);
  const hash = p.toString() ? `#/?${p}` : "#/";
  if (location.hash !== hash && !(location.hash === "" && hash === "#/")) history.replaceState(null, "", hash);
}

async function buscador() {
  readSearchUrl();
  const input = h("input", { type: "search", id: "q", value: searchState.q, placeholder: t("search_placeholder"), autocomplete: "off" });
  const results = h("div", { class: "cards", id: "results" });
  const count = h("p", { class: "count", "aria-live": "polite", id: "count" });
  const others = h("section", { class: "others", id: "others", hidden: true, "aria-label": t("others_title") });
  const meant = h("p", { class: "meant", id: "meant", hidden: true });
  const csv = h("a", { class: "download", id: "csv", download: "" }, t("download_csv"));
  const moreBtn = h("button", { type: "button", class: "more", hidden: true }, t("more"));
  // The filters are facets: each select lists the values the other filters
  // and the words leave, with how many standards each has.
  const FACETS = [["sector", "f-sector", t("sector")], ["nivel", "f-nivel", t("level")], ["comite", "f-comite", t("committee")]];
  const selects = {};
  for (const [key, id] of FACETS) {
    const s = h("select", { id }, h("option", { value: "" }, t("any")));
    if (searchState[key]) s.append(h("option", { value: searchState[key], selected: true }, searchState[key]));
    s.addEventListener("change", () => { searchState[key] = s.value; run(); });
    selects[key] = s;
  }
  const optionLabel = (key, v) => key === "sector" ? titleCase(v.nombre)
    : key === "comite" ? v.nombre.replace("Comité de Gestión por Competencias ", "") : t("level_n", v.valor);
  async function refreshFacets(my) {
    const counted = await Promise.all(FACETS.map(([key]) => {
      const p = new URLSearchParams();
      if (searchState.q.trim()) p.set("q", searchState.q.trim());
      for (const [k] of FACETS) if (k !== key && searchState[k]) p.set(k, searchState[k]);
      if (searchState.vigente) p.set("vigente", "true");
      p.set("facet", key); p.set("limit", "1");
      return api(`/api/v1/ec?${p}`).then((page) => page.facetas[key]);
    }));
    if (my !== seq) return;
    FACETS.forEach(([key], i) => {
      const values = counted[i].filter((v) => v.valor !== null);
      const chosen = String(searchState[key]);
      if (chosen && !values.some((v) => String(v.valor) === chosen)) values.push({ valor: searchState[key], nombre: chosen, total: 0 });
      if (key !== "nivel") values.sort((a, b) => optionLabel(key, a).localeCompare(optionLabel(key, b), "es"));
      selects[key].replaceChildren(h("option", { value: "" }, t("any")), ...values.map((v) => h("option", {
        value: v.valor, selected: String(v.valor) === chosen, title: key === "sector" ? v.nombre : null,
      }, `${optionLabel(key, v)} (${v.total.toLocaleString(lang === "es" ? "es-MX" : "en-US")})`)));
    });
  }
  const vig = h("input", { type: "checkbox", id: "vigente", checked: searchState.vigente });
  vig.addEventListener("change", () => { searchState.vigente = vig.checked; run(); });
  const filters = h("div", { class: "filters" });
  // Enter on an exact code (EC0217.01, ec0217.01, ECM0001, CADM0001.01) opens that standard.
  async function submit(ev) {
    ev.preventDefault();
    clearTimeout(timer);
    const q = searchState.q.trim();
    if (/^[a-z]{2,5}\d{3,4}(\.\d{2})?$/i.test(q)) {
      try { const e = await api(`/api/v1/ec/${encodeURIComponent(q)}`); location.hash = `#/ec/${encodeURIComponent(e.clave)}`; return; } catch { /* not a known code: search it */ }
    }
    run();
  }
  show(h("p", { class: "intro" }, t("intro")), h("h1", {}, t("search_title")),
    h("form", { class: "search", role: "search", on: { submit } },
      h("label", { for: "q" }, t("search_label")), input, filters),
    count, meant, others, csv, results, moreBtn);
  let next = null, seq = 0, timer = null;
  async function run(append, initial) {
    // A search typed just before leaving the page never rewrites the next page's URL.
    if (!/^(#\/?)?(\?.*)?$/.test(location.hash)) return;
    const my = ++seq;
    let url;
    if (append && next) url = next;
    else {
      if (!initial) searchState.shown = 0;
      writeSearchUrl();
      const p = new URLSearchParams();
      if (searchState.q.trim()) p.set("q", searchState.q.trim());
      for (const k of ["sector", "nivel", "comite"]) if (searchState[k]) p.set(k, searchState[k]);
      if (searchState.vigente) p.set("vigente", "true");
      csv.href = `/api/v1/ec?${p}&format=csv&bom=1`;
      p.set("limit", String(Math.max(PAGE, searchState.shown)));
      url = `/api/v1/ec?${p}`;
    }
    try {
      const page = await api(url);
      if (my !== seq) return;
      if (!append) results.replaceChildren();
      results.append(...page.items.map(ecCard));
      count.textContent = page.total ? t("results", page.total) : t("no_results");
      next = page.next; moreBtn.hidden = !next;
      if (append) { searchState.shown = results.children.length; writeSearchUrl(); }
      // Back to a search: the results it showed, where it was scrolled to.
      if (initial && scrolls.has(location.hash || "#/")) window.scrollTo(0, scrolls.get(location.hash || "#/"));
      if (!append) await Promise.all([alsoFound(my, page.total), refreshFacets(my)]);
    } catch (e) { if (my === seq) results.replaceChildren(failure(e)); }
  }
  // The other kinds the words find, and "did you mean" when no standard matched.
  async function alsoFound(my, total) {
    const q = searchState.q.trim();
    let hits = { items: [] }, near = [];
    if (/[\p{L}\p{N}]/u.test(q)) {
      const p = new URLSearchParams({ q, tipo: "certificador,comite,centro,sector", limit: "12" });
      hits = await api(`/api/v1/search?${p}`);
      if (!total) near = (await api(`/api/v1/search?${new URLSearchParams({ q, tipo: "ec", limit: "1" })}`)).sugerencias || [];
    }
    if (my !== seq) return;
    others.replaceChildren(...(hits.items.length ? [h("h2", {}, t("others_title")), ...otherHits(hits)] : []));
    others.hidden = !hits.items.length;
    meant.replaceChildren(...(near.length ? [`${t("did_you_mean")} `, ...near.flatMap((w, i) => [i ? ", " : "", h("a", {
      href: `#/?${new URLSearchParams({ q: w })}`,
      on: { click: (ev) => { ev.preventDefault(); input.value = w; searchState.q = w; run(); } },
    }, w)]), "?"] : []));
    meant.hidden = !near.length;
  }
  input.addEventListener("input", () => { searchState.q = input.value; clearTimeout(timer); timer = setTimeout(() => run(), 200); });
  moreBtn.addEventListener("click", () => run(true));
  input.focus({ preventScroll: true });
  run(false, true);
  filters.append(...FACETS.map(([key, id, label]) => h("label", { for: id }, label, selects[key])),
    h("label", { class: "check", for: "vigente" }, vig, t("in_force")));
}

// ---- Directorio --------------------------------------------------------------
const dirState = { q: "", sort: "-estandares", estado: "", tipo: "" };
const stateNames = (estados) => (estados || []).map((e) => e.nombre).join(", ");
const estadoName = (code) => estadoNames?.[code] || code;
const TYPE_NAMES = { ECE: "Entidad de Certificación y Evaluación", OC: "Organismo Certificador" };
const typeTag = (tipo) => (tipo ? h("span", { class: "tag", title: TYPE_NAMES[tipo] }, tipo) : null);

async function directorio() {
  const input = h("input", { type: "search", id: "dq", value: dirState.q, placeholder: t("directory_label"), autocomplete: "off" });
  const sort = h("select", { id: "dsort" }, h("option", { value: "-estandares" }, t("by_standards")), h("option", { value: "nombre" }, t("by_name")));
  sort.value = dirState.sort;
  const estado = h("select", { id: "destado", disabled: true }, h("option", { value: "" }, t("any")));
  const tipo = h("select", { id: "dtipo", disabled: true }, h("option", { value: "" }, t("any")));
  const notes = h("div", { id: "dnotes" });
  const body = h("tbody");
  const count = h("p", { class: "count", "aria-live": "polite", id: "dcount" });
  const csv = h("a", { class: "download", id: "dcsv", download: "" }, t("download_csv"));
  const moreBtn = h("button", { type: "button", class: "more", hidden: true }, t("more"));
  show(h("h1", {}, t("directory_title")),
    h("form", { class: "search", role: "search", on: { submit: (e) => e.preventDefault() } },
      h("label", { for: "dq" }, t("directory_label")), input,
      h("div", { class: "filters" }, h("label", { for: "destado" }, t("cert_state"), estado), h("label", { for: "dtipo" }, t("cert_type"), tipo),
        h("label", { for: "dsort" }, t("sort"), sort))),
    notes, count, csv,
    h("div", { class: "table-wrap" }, h("table", { id: "directory" }, h("thead", {}, h("tr", {},
      [t("certifier_title"), t("cert_type"), t("cert_states"), t("standards")].map((x) => h("th", {}, x)))), body)), moreBtn);
  let next = null, seq = 0, timer = null;
  async function run(append) {
    const my = ++seq;
    const p = new URLSearchParams({ sort: dirState.sort, limit: "50" });
    if (dirState.q.trim()) p.set("q", dirState.q.trim());
    if (dirState.estado) p.set("estado", dirState.estado);
    if (dirState.tipo) p.set("tipo", dirState.tipo);
    const all = new URLSearchParams(p); all.delete("limit"); all.set("format", "csv"); all.set("bom", "1");
    csv.href = `/api/v1/certificadores?${all}`;
    try {
      const page = await api(append && next ? next : `/api/v1/certificadores?${p}`);
      if (my !== seq) return;
      if (!append) body.replaceChildren();
      body.append(...page.items.map((c) => h("tr", {},
        h("td", {}, link(`#/certificador/${encodeURIComponent(c.id)}`, c.nombre)), h("td", {}, typeTag(c.tipo) || t("none")),
        h("td", {}, stateNames(c.estados) || t("none")), h("td", {}, c.n_estandares))));
      count.textContent = page.total ? t("results", page.total) : t("no_results");
      next = page.next; moreBtn.hidden = !next;
    } catch (e) { if (my === seq) body.replaceChildren(h("tr", {}, h("td", { colspan: 4 }, failure(e)))); }
  }
  input.addEventListener("input", () => { dirState.q = input.value; clearTimeout(timer); timer = setTimeout(() => run(), 200); });
  for (const [el, key] of [[sort, "sort"], [estado, "estado"], [tipo, "tipo"]]) el.addEventListener("change", () => { dirState[key] = el.value; run(); });
  moreBtn.addEventListener("click", () => run(true));
  run();
  // The filters offer what the published data holds, with counts; they say so when the pages publish nothing.
  try {
    const [estados, tipos] = await Promise.all([api("/api/v1/estados"), api("/api/v1/certificadores/tipos")]);
    const withCerts = estados.items.filter((e) => e.n_certificadores > 0);
    estado.append(...withCerts.map((e) => h("option", { value: e.clave, selected: dirState.estado === e.clave }, `${e.nombre} (${e.n_certificadores})`)));
    estado.disabled = withCerts.length === 0;
    const known = tipos.items.filter((x) => x.tipo && x.n_certificadores > 0);
    tipo.append(...known.map((x) => h("option", { value: x.tipo, selected: dirState.tipo === x.tipo }, `${x.tipo} · ${x.nombre} (${x.n_certificadores})`)));
    tipo.disabled = known.length === 0;
    // A choice kept from an earlier visit that the published data no longer offers is dropped.
    const offered = { estado: withCerts.map((e) => e.clave), tipo: known.map((x) => x.tipo) };
    const stale = ["estado", "tipo"].filter((k) => dirState[k] && !offered[k].includes(dirState[k]));
    stale.forEach((k) => { dirState[k] = ""; });
    if (stale.length) { estado.value = dirState.estado; tipo.value = dirState.tipo; run(); }
    const unknownType = tipos.items.find((x) => !x.tipo)?.n_certificadores || 0;
    const total = tipos.items.reduce((n, x) => n + x.n_certificadores, 0);
    const msgs = [];
    if (withCerts.length === 0) msgs.push(t("not_published_state"));
    if (known.length === 0) msgs.push(t("not_published_type"));
    else if (unknownType > 0 && unknownType < total) msgs.push(t("unknown_type_n", unknownType));
    notes.replaceChildren(...msgs.map((m) => h("p", { class: "empty" }, m)));
  } catch (e) { notes.replaceChildren(failure(e)); }
}

// ---- Mapa: a tile map of the 32 states (row, column), fed by /api/v1/estados --------
const TILES = {
  "02": [0, 0, "BC"], "26": [0, 1, "SON"], "08": [0, 2, "CHIH"], "05": [0, 3, "COAH"], "19": [0, 4, "NL"],
  "03": [1, 0, "BCS"], "25": [1, 1, "SIN"], "10": [1, 2, "DGO"], "32": [1, 3, "ZAC"], "24": [1, 4, "SLP"], "28": [1, 5, "TAMPS"],
  "18": [2, 2, "NAY"], "01": [2, 3, "AGS"], "11": [2, 4, "GTO"], "22": [2, 5, "QRO"], "13": [2, 6, "HGO"],
  "14": [3, 2, "JAL"], "16": [3, 3, "MICH"], "15": [3, 4, "MEX"], "09": [3, 5, "CDMX"], "29": [3, 6, "TLAX"], "30": [3, 7, "VER"], "31": [3, 9, "YUC"],
  "06": [4, 2, "COL"], "12": [4, 3, "GRO"], "17": [4, 4, "MOR"], "21": [4, 5, "PUE"], "20": [4, 6, "OAX"], "27": [4, 7, "TAB"], "04": [4, 8, "CAMP"], "23": [4, 9, "QROO"],
  "07": [5, 7, "CHIS"],
};
const mapState = { metric: null };

async function mapa() {
  const estados = (await api("/api/v1/estados")).items;
  const anyCertState = estados.some((e) => e.n_certificadores > 0);
  mapState.metric ??= anyCertState ? "certificadores" : "comites";
  const metric = h("select", { id: "mmetric" }, ["certificadores", "comites", "estandares"].map((m) => h("option", { value: m, selected: mapState.metric === m }, t(`m_${m}`))));
  const tiles = h("div", { class: "tiles", id: "tiles" });
  const body = h("tbody");
  const draw = () => {
    const key = `n_${mapState.metric}`;
    const max = Math.max(1, ...estados.map((e) => e[key]));
    tiles.replaceChildren(...estados.map((e) => {
      const [row, col, abbr] = TILES[e.clave];
      const light = 96 - (e[key] / max) * 72;
      const tile = h("a", { href: "#/directorio", class: light < 36 ? "tile dark" : "tile", "data-code": e.clave, title: e.nombre,
        "aria-label": `${e.nombre}: ${e[key]} · ${t(`m_${mapState.metric}`)}`, on: { click: () => { dirState.estado = e.clave; } } },
      h("span", { class: "abbr" }, abbr), h("span", { class: "n" }, e[key].toLocaleString(lang === "es" ? "es-MX" : "en-US")));
      // Set through the CSSOM: the Content-Security-Policy forbids style attributes.
      Object.assign(tile.style, { gridRow: String(row + 1), gridColumn: String(col + 1), background: `hsl(163 ${e[key] ? 60 : 10}% ${light}%)` });
      return tile;
    }));
    body.replaceChildren(...[...estados].sort((a, b) => b[key] - a[key] || a.clave.localeCompare(b.clave)).map((e) => h("tr", {},
      h("td", {}, e.nombre), h("td", {}, e.n_certificadores), h("td", {}, e.n_comites), h("td", {}, e.n_estandares))));
  };
  metric.addEventListener("change", () => { mapState.metric = metric.value; draw(); });
  show(h("h1", {}, t("map_title")),
    h("div", { class: "filters" }, h("label", { for: "mmetric" }, t("map_metric"), metric)),
    anyCertState ? null : h("p", { class: "empty" }, t("map_no_cert_states")),
    h("p", { class: "meta" }, t("map_note")), tiles,
    h("div", { class: "table-wrap" }, h("table", { id: "states" }, h("thead", {}, h("tr", {},
      [t("cert_state"), t("m_certificadores"), t("m_comites"), t("m_estandares")].map((x) => h("th", {}, x)))), body)));
  draw();
}

// ---- entity pages --------------------------------------------------------------
const list = (items, render) => items.length ? h("ul", { class: "links" }, items.map((i) => h("li", {}, render(i)))) : h("p", { class: "empty" }, t("none"));
const facts = (pairs) => h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));

// A standard no longer in force names the version of it that is (EC0217 → EC0217.01).
async function successor(e) {
  if (e.vigente) return null;
  const base = e.clave.replace(/\.\d+$/, "");
  const page = await api(`/api/v1/ec?${new URLSearchParams({ q: base, vigente: "true", limit: "20" })}`);
  const next = page.items.filter((x) => x.clave !== e.clave && x.clave.replace(/\.\d+$/, "") === base)
    .sort((a, b) => b.clave.localeCompare(a.clave))[0];
  return next ? h("p", { class: "successor", id: "successor" }, `${t("successor")}: `, ecLink(next), " ", next.titulo || "") : null;
}

async function ecPage(clave) {
  const e = await api(`/api/v1/ec/${encodeURIComponent(clave)}`);
  document.title = `${e.clave} · RENEC`;
  const newer = await successor(e).catch(() => null);
  show(h("p", {}, h("span", { class: "code" }, e.clave), " ", h("span", { class: e.vigente ? "tag ok" : "tag off" }, t(e.tipo))),
    h("h1", {}, e.titulo || e.clave), newer,
    facts([[t("level"), e.nivel], [t("sector"), e.sector ? link(`#/sector/${encodeURIComponent(e.sector_id)}`, sectorName(e.sector)) : null],
      [t("committee"), e.comite_id ? link(`#/comite/${e.comite_id}`, e.comite) : e.comite],
      [t("first_seen"), `${t("run")} ${e.first_seen_run}`], [t("last_seen"), `${t("run")} ${e.last_seen_run}`],
      [t("source"), e.source_url ? h("a", { href: e.source_url, rel: "noopener" }, e.source_url) : null]]),
    h("h2", {}, t("occupations")), list(e.ocupaciones, (o) => o),
    h("h2", {}, `${t("certifiers")} (${e.certificadores.length})`),
    list(e.certificadores, (c) => [link(`#/certificador/${encodeURIComponent(c.id)}`, c.nombre), " ", typeTag(c.tipo), c.estados.length ? h("span", { class: "meta" }, ` ${stateNames(c.estados)}`) : null]),
    h("h2", {}, t("offerings")), list(e.centros, (c) => link(`#/centro/${encodeURIComponent(c.id)}`, c.nombre)),
    h("h2", {}, t("members")), list(e.comite_miembros, (m) => m));
}

async function standardsList(path) {
  const items = [];
  let next = `${path}?limit=500`;
  while (next) { const page = await api(next); items.push(...page.items); next = page.next; }
  return items.length ? h("div", { class: "cards" }, items.map(ecCard)) : h("p", { class: "empty" }, t("none"));
}

async function certPage(id) {
  const c = await api(`/api/v1/certificadores/${encodeURIComponent(id)}`);
  document.title = `${c.nombre} · RENEC`;
  show(h("p", { class: "meta" }, t("certifier_title")), h("h1", {}, c.nombre),
    facts([[t("cert_type"), c.tipo ? [typeTag(c.tipo), ` ${TYPE_NAMES[c.tipo]}`] : null],
      [t("cert_states"), c.estados.length ? c.estados.map((e) => `${e.nombre} (${t("standards_n", e.n_estandares)})`).join(" · ") : null],
      [t("spellings"), c.nombres_publicados.join(" · ")], [t("first_seen"), `${t("run")} ${c.first_seen_run}`], [t("last_seen"), `${t("run")} ${c.last_seen_run}`]]),
    h("h2", {}, `${t("standards")} (${c.n_estandares})`), await standardsList(`/api/v1/certificadores/${encodeURIComponent(id)}/estandares`));
}

async function centroPage(id) {
  const c = await api(`/api/v1/centros/${encodeURIComponent(id)}`);
  show(h("p", { class: "meta" }, t("offering_title")), h("h1", {}, c.nombre),
    h("h2", {}, `${t("standards")} (${c.estandares.length})`), h("div", { class: "cards" }, c.estandares.map(ecCard)));
}

async function comitePage(id) {
  const c = await api(`/api/v1/comites/${encodeURIComponent(id)}`);
  show(h("p", { class: "meta" }, t("committee_title"), c.clave ? ` ${c.clave}` : ""), h("h1", {}, c.nombre),
    facts([[t("sector"), c.sector], [t("state"), c.estado], [t("address"), [c.direccion, c.colonia, c.municipio].filter(Boolean).join(", ")],
      [t("postal"), c.codigo_postal], [t("phone"), c.telefono_e164 ? link(`tel:${c.telefono_e164}`, c.telefono || c.telefono_e164) : c.telefono], [t("founded"), c.fecha_integracion]]),
    h("h2", {}, `${t("standards")} (${c.n_estandares})`), h("div", { class: "cards" }, c.estandares.map(ecCard)));
}

async function sectorPage(id) {
  const s = await api(`/api/v1/sectores/${encodeURIComponent(id)}`);
  document.title = `${titleCase(s.nombre)} · RENEC`;
  show(h("p", { class: "meta" }, t("sector_title")), h("h1", { title: s.nombre }, titleCase(s.nombre)),
    h("h2", {}, `${t("standards")} (${s.n_estandares})`), await standardsList(`/api/v1/sectores/${encodeURIComponent(id)}/estandares`));
}

// ---- Cambios -----------------------------------------------------------------
let estadoNames = null;
// A change of fields as sentences: "Dejó de estar vigente", "Cambió el título: «…» → «…»".
// The committee's id goes with its name, and `tipo` says the kind in words.
function changeSentences(fields) {
  const value = (f, v) => (v === null || v === undefined || v === "") ? t("no_value") : (f === "tipo" ? t(v) : v);
  return Object.entries(fields)
    .filter(([f]) => !(f === "comite_id" && "comite_nombre" in fields))
    .map(([f, c]) => {
      if (f === "vigente") return t(c.after === true || c.after === "true" ? "back_in_force" : "left_force");
      const name = I18N[lang][`f_${f}`] ? t(`f_${f}`) : f;
      return t("field_change", name, value(f, c.before), value(f, c.after));
    });
}

async function cambios(run) {
  estadoNames ??= Object.fromEntries((await api("/api/v1/estados")).items.map((e) => [e.clave, e.nombre]));
  const runs = (await api("/api/v1/runs?limit=30")).items.filter((r) => r.status === "published");
  const feeds = h("p", { class: "meta" }, t("subscribe"), " ", link("/api/v1/changes.atom", "Atom"), " ", link("/api/v1/changes.json", "JSON Feed"));
  if (runs.length < 2) { show(h("h1", {}, t("changes_title")), feeds, h("p", { class: "empty" }, t("no_changes"))); return; }
  const diffs = await Promise.all(runs.slice(0, -1).map((r) => api(`/api/v1/runs/${r.id}/diff`)));
  const n = (d, kind, f) => (d[kind]?.[f] || []).length;
  const timeline = h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, ["#", t("finished"), `EC ${t("added")}`, `EC ${t("removed")}`, `EC ${t("changed")}`, `${t("accreditations")} +`, `${t("accreditations")} −`].map((x) => h("th", {}, x)))),
    h("tbody", {}, diffs.map((d, i) => h("tr", {},
      h("td", {}, link(`#/cambios/${d.to_run}`, String(d.to_run))), h("td", {}, fmtDate(runs[i].finished_at)),
      h("td", {}, n(d, "ec", "added")), h("td", {}, n(d, "ec", "removed")), h("td", {}, n(d, "ec", "changed")),
      h("td", {}, n(d, "ec_certificador", "added")), h("td", {}, n(d, "ec_certificador", "removed")))))));
  const d = diffs.find((x) => String(x.to_run) === String(run)) || diffs[0];
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
  show(h("h1", {}, t("changes_title")), feeds, h("h2", {}, t("timeline")), timeline,
    h("h2", {}, t("since_run", d.from_run, d.to_run)),
    section(`EC · ${t("added")}`, d.ec.added, ecItem), section(`EC · ${t("removed")}`, d.ec.removed, ecItem), section(`EC · ${t("changed")}`, d.ec.changed, ecItem),
    section(`${t("certifier_title")} · ${t("changed")}`, d.certificadores.changed, (c) => [link(`#/certificador/${encodeURIComponent(c.id)}`, c.nombre), " ", h("span", { class: "meta" }, changeSentences(c.fields).join("; "))]),
    section(`${t("accreditations")} · ${t("added")}`, d.ec_certificador.added, (l) => [ecLink({ clave: l.ec }), " — ", link(`#/certificador/${encodeURIComponent(l.certificador_id)}`, l.certificador || l.certificador_id)]),
    section(`${t("accreditations")} · ${t("removed")}`, d.ec_certificador.removed, (l) => [ecLink({ clave: l.ec }), " — ", l.certificador || l.certificador_id]),
    section(`${t("cert_state_changes")} · ${t("added")}`, d.certificador_estado?.added || [], (l) => [link(`#/certificador/${encodeURIComponent(l.certificador_id)}`, l.certificador || l.certificador_id), " — ", estadoName(l.estado)]),
    section(`${t("cert_state_changes")} · ${t("removed")}`, d.certificador_estado?.removed || [], (l) => [l.certificador || l.certificador_id, " — ", estadoName(l.estado)]),
    section(`${t("committee_title")} · ${t("added")}`, d.comites.added, (c) => link(`#/comite/${c.id}`, c.nombre)),
    section(`${t("committee_title")} · ${t("removed")}`, d.comites.removed, (c) => c.nombre));
}

// ---- Corridas and Estado --------------------------------------------------------
const statusTag = (s) => h("span", { class: `tag ${s === "published" ? "ok" : s === "held" ? "held" : s === "failed" ? "off" : ""}` }, t(s));
// A job's schedule (cron with seconds: "0 0 7 * * Mon") said in words, with its time zone;
// a form it does not know is shown as written.
function scheduleWords(cron, tz) {
  const f = (cron || "").trim().split(/\s+/);
  if (f.length !== 6 || !/^\d+$/.test(f[1]) || !/^\d+$/.test(f[2]) || f[3] !== "*" || f[4] !== "*") return cron;
  const at = `${f[2].padStart(2, "0")}:${f[1].padStart(2, "0")}`;
  const days = { es: { mon: "lunes", tue: "martes", wed: "miércoles", thu: "jueves", fri: "viernes", sat: "sábado", sun: "domingo" },
    en: { mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday", sun: "Sunday" } }[lang];
  const zone = tz ? ` (${tz})` : "";
  if (f[5] === "*") return lang === "es" ? `cada día a las ${at}${zone}` : `every day at ${at}${zone}`;
  const day = days[f[5].toLowerCase().slice(0, 3)];
  if (!day) return cron;
  return lang === "es" ? `cada ${day} a las ${at}${zone}` : `every ${day} at ${at}${zone}`;
}
const fmtDate = (s) => (s ? new Date(s).toLocaleString(lang === "es" ? "es-MX" : "en-US") : t("none"));

async function corridas() {
  const page = await api("/api/v1/runs?limit=50");
  show(h("h1", {}, t("runs_title")), h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, ["#", t("status"), t("started"), t("duration"), t("coverage"), t("counts"), t("reasons")].map((x) => h("th", {}, x)))),
    h("tbody", {}, page.items.map((r) => h("tr", {},
      h("td", {}, r.id), h("td", {}, statusTag(r.status)), h("td", {}, fmtDate(r.started_at)),
      h("td", {}, r.summary?.duration_ms ? `${(r.summary.duration_ms / 1000).toFixed(1)} s` : t("none")),
      h("td", {}, Object.entries(r.coverage || {}).map(([k, v]) => h("div", {}, `${k}: ${(v.ratio * 100).toFixed(2)} %`))),
      h("td", {}, r.counts?.estandares_vigentes !== undefined ? `${r.counts.estandares_vigentes} EC · ${r.counts.certificadores} cert.` : t("none")),
      h("td", {}, (r.reasons || []).map((x) => h("div", {}, x)))))))));
}

let statusTimer = null, estadoShown = null;
// Estado refreshes every 3 s, but redraws only when something changed, so
// that focus and selection stay where the reader left them.
async function estado(refresh) {
  const [runs, stats, sched] = await Promise.all([
    api("/api/v1/runs?limit=1"), api("/api/v1/stats").catch(() => null), api("/api/v1/scheduler").catch(() => null)]);
  const seen = JSON.stringify([runs, stats, sched, lang]);
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { if (location.hash.startsWith("#/estado")) estado(true).catch(() => {}); }, 3000);
  if (refresh === true && seen === estadoShown) return;
  estadoShown = seen;
  const last = runs.items[0];
  const running = last && last.status === "running";
  const age = stats?.published_at ? Math.round((Date.now() - new Date(stats.published_at)) / 3600000) : null;
  show(h("h1", {}, t("status_title")),
    facts([[t("status"), running ? t("harvest_running") : t("no_harvest_running")],
      [t("published_run"), stats ? `${stats.published_run} · ${fmtDate(stats.published_at)}` : t("none")],
      [t("data_age"), age !== null ? t("age_h", age) : t("none")],
      [t("source"), stats?.source ? [stats.source.url, " ", h("span", { class: stats.source.oficial ? "tag ok" : "tag held" }, t(stats.source.oficial ? "official" : "test_source"))] : null]]),
    running ? h("section", {}, h("h2", {}, t("pages_done")), Object.entries(last.progress || {}).map(([k, v]) => h("div", {}, `${k}: ${v}`))) : null,
    stats?.bundle ? facts([[t("bundle"), `${stats.bundle.id} · ${fmtDate(stats.bundle.created_at)}`]]) : null,
    stats?.postgres ? [h("h2", {}, t("pg_title")), facts([
      [t("pg_role"), t(stats.postgres.role === "read" ? "pg_role_read" : "pg_role_sync")],
      [t("pg_server"), stats.postgres.server],
      [t("pg_synced"), stats.postgres.last_synced_run ?? t("none")],
      stats.postgres.role === "read" ? [t("pg_serving"), stats.postgres.serving_run ?? t("none")] : [t("pg_lag"), stats.postgres.lag_runs ?? t("none")],
      [t("pg_last_success"), stats.postgres.last_success ? fmtDate(stats.postgres.last_success) : t("none")],
      [t("pg_last_error"), stats.postgres.last_error ? h("span", { class: "tag held" }, `${stats.postgres.last_error} · ${fmtDate(stats.postgres.last_error_at)}`) : t("none")]])] : null,
    sched ? [h("h2", {}, t("jobs")), sched.offline ? h("p", { class: "meta" }, t("offline")) : null,
      h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, [t("job"), t("next_run"), t("last_run"), t("last_result")].map((x) => h("th", {}, x)))),
        h("tbody", {}, sched.jobs.map((j) => h("tr", {}, h("td", {}, j.name, h("div", { class: "meta", title: j.schedule }, scheduleWords(j.schedule, sched.timezone))), h("td", {}, fmtDate(j.next_run)),
          h("td", {}, fmtDate(j.last_run)), h("td", {}, j.last_result || t("none")))))))] : null);
}

async function footer() {
  const banner = document.getElementById("source-banner");
  try {
    const s = await api("/api/v1/stats");
    document.getElementById("data-age").textContent = s.published_at ? t("data_from", fmtDate(s.published_at)) : "";
    // Data not harvested from conocer.gob.mx (a test site, the demo) is never shown as the real registry.
    banner.hidden = !s.source || s.source.oficial;
    document.querySelector(".foot [data-i18n='source_note']").hidden = !s.source?.oficial;
    if (s.source && !s.source.oficial) banner.textContent = t("not_official", s.source.url);
  } catch { document.getElementById("data-age").textContent = ""; banner.hidden = true; }
}

// ---- router ----------------------------------------------------------------------
const routes = [
  [/^#?\/?(?:\?.*)?$/, "buscador", buscador],
  [/^#\/directorio$/, "directorio", directorio],
  [/^#\/mapa$/, "mapa", mapa],
  [/^#\/corridas$/, "corridas", corridas],
  [/^#\/cambios$/, "cambios", cambios],
  [/^#\/cambios\/(\d+)$/, "cambios", cambios],
  [/^#\/estado$/, "estado", estado],
  [/^#\/ec\/(.+)$/, "buscador", ecPage],
  [/^#\/certificador\/(.+)$/, "directorio", certPage],
  [/^#\/centro\/(.+)$/, "buscador", centroPage],
  [/^#\/comite\/(.+)$/, "buscador", comitePage],
  [/^#\/sector\/(.+)$/, "buscador", sectorPage],
];

async function render() {
  const hash = location.hash || "#/";
  document.title = "RENEC Harvester";
  for (const [re, nav, fn] of routes) {
    const m = hash.match(re);
    if (!m) continue;
    document.querySelectorAll("[data-nav]").forEach((a) => a.toggleAttribute("aria-current", a.dataset.nav === nav) || a.removeAttribute("aria-current"));
    document.querySelectorAll(`[data-nav="${nav}"]`).forEach((a) => a.setAttribute("aria-current", "page"));
    const label = document.querySelector(`[data-nav="${nav}"]`)?.textContent;
    if (label) document.title = `${label} · RENEC`;
    try { await fn(...m.slice(1).map(decodeURIComponent)); } catch (e) { show(failure(e)); }
    return;
  }
  show(h("p", { class: "error" }, t("not_found")));
}

window.addEventListener("hashchange", (ev) => {
  scrolls.set(new URL(ev.oldURL).hash || "#/", window.scrollY);
  render(); main().focus({ preventScroll: true });
});
// The skip link jumps to the content; it is not a route (the router would say "No encontrado").
document.querySelector(".skip").addEventListener("click", (e) => {
  e.preventDefault();
  main().focus();
  main().scrollIntoView();
});
document.addEventListener("DOMContentLoaded", () => {
  applyLang();
  document.getElementById("lang").addEventListener("click", () => {
    lang = lang === "es" ? "en" : "es"; localStorage.setItem("lang", lang); applyLang(); render(); footer();
  });
  render();
  footer();
});
