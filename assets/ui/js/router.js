// The router: real paths through the History API (/ec/EC0217.01, /?q=…),
// one page mounted at a time. Each page module exports mount(ctx) and may
// export unmount(): leaving a page aborts its requests, stops its timers and
// makes its late answers harmless (ctx.show does nothing once it is left),
// so one page's content never shows under another page's URL.
import { t } from "./i18n.js";
import { h, failure } from "./dom.js";

// Path, the navigation entry it lights, the module that draws it.
const ROUTES = [
  [/^\/$/, "buscador", () => import("./pages/buscador.js")],
  [/^\/directorio$/, "directorio", () => import("./pages/directorio.js")],
  [/^\/comites$/, "comites", () => import("./pages/comites.js")],
  [/^\/sectores$/, "sectores", () => import("./pages/sectores.js")],
  [/^\/capacitacion$/, "buscador", () => import("./pages/capacitacion.js")],
  [/^\/mapa$/, "mapa", () => import("./pages/mapa.js")],
  [/^\/red$/, "red", () => import("./pages/red.js")],
  [/^\/cambios(?:\/(\d+))?$/, "cambios", () => import("./pages/cambios.js")],
  [/^\/corridas$/, "estado", () => import("./pages/corridas.js")],
  [/^\/estado$/, "estado", () => import("./pages/estado.js")],
  [/^\/referencia-api$/, null, () => import("./pages/referencia.js")],
  [/^\/ec\/([^/]+)$/, "buscador", () => import("./pages/ec.js")],
  [/^\/certificador\/([^/]+)$/, "directorio", () => import("./pages/certificador.js")],
  [/^\/centro\/([^/]+)$/, "buscador", () => import("./pages/centro.js")],
  [/^\/comite\/([^/]+)$/, "comites", () => import("./pages/comite.js")],
  [/^\/sector\/([^/]+)$/, "sectores", () => import("./pages/sector.js")],
];

const main = () => document.getElementById("main");
const match = (path) => {
  for (const [re, nav, load] of ROUTES) { const m = path.match(re); if (m) return { nav, load, params: m.slice(1).map((x) => x && decodeURIComponent(x)) }; }
  return null;
};

let current = null, seq = 0;

// Draws the page of the current URL. `scroll`: where to put the page once drawn (Back).
export async function render(scroll, focus) {
  const my = ++seq;
  if (current) { current.abort.abort(); try { current.module?.unmount?.(); } catch { /* a page's cleanup never stops the next page */ } }
  const abort = new AbortController();
  const url = new URL(location.href);
  const route = match(url.pathname);
  current = { abort, module: null };
  const alive = () => my === seq;
  const ctx = {
    params: route?.params || [], query: url.searchParams, signal: abort.signal, alive,
    // Replaces the page's content, unless the reader has already left it.
    show: (...nodes) => { if (alive()) main().replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false)); },
    title: (s) => { if (alive()) document.title = `${s} · RENEC`; },
    // Rewrites the URL's query (the page's state) without a new history entry.
    setQuery: (params) => {
      if (!alive()) return;
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined && v !== false) q.set(k, String(v));
      const to = `${location.pathname}${q.toString() ? `?${q}` : ""}`;
      if (to !== location.pathname + location.search) history.replaceState(history.state, "", to);
    },
    // Rewrites the path (a code typed in lower case becomes the published one).
    setPath: (path) => { if (alive() && path !== location.pathname) history.replaceState(history.state, "", path + location.search); },
    go: (to) => { if (alive()) navigate(to); },
    retry: () => render(),
    // Draws the page again from its URL, keeping the scroll and the focus on the control that asked.
    redraw: (focusId) => render(window.scrollY, focusId),
  };
  document.querySelectorAll("[data-nav]").forEach((a) => {
    if (route && a.dataset.nav === route.nav) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  });
  const label = route?.nav && document.querySelector(`[data-nav="${route.nav}"]`)?.textContent;
  document.title = label ? `${label} · RENEC` : "RENEC";
  loading(true, my);
  try {
    if (!route) { ctx.show(h("h1", {}, t("not_found")), h("p", {}, h("a", { href: "/" }, t("nav_search")))); return; }
    // A page's code that cannot be fetched (the server is down) is said like any unreachable server.
    const module = await route.load().catch(() => { throw new Error(t("unreachable")); });
    if (!alive()) return;
    current.module = module;
    await module.mount(ctx);
  } catch (e) {
    if (e.name === "AbortError" || !alive()) return;
    // A page of something the registry does not hold is "No encontrado", not a failure to retry.
    if (e.status === 404) ctx.show(h("h1", {}, t("not_found")), h("p", {}, e.message), h("p", {}, h("a", { href: "/" }, t("nav_search"))));
    else ctx.show(failure(e, () => render()));
  } finally {
    if (alive()) {
      loading(false, my);
      if (typeof scroll === "number") window.scrollTo(0, scroll);
      if (focus) document.getElementById(focus)?.focus({ preventScroll: true });
    }
  }
}

// While a page loads, <main> says it is busy and a bar shows at the top
// (after 150 ms, so fast pages do not flicker).
let barTimer = null;
function loading(on, my) {
  const bar = document.getElementById("progress");
  clearTimeout(barTimer);
  main().setAttribute("aria-busy", on ? "true" : "false");
  if (on) barTimer = setTimeout(() => { if (my === seq) bar.hidden = false; }, 150);
  else bar.hidden = true;
}

// Goes to a UI path: a new history entry, the scroll position of the page
// left kept in its entry for Back.
export function navigate(to, replace) {
  history.replaceState({ ...(history.state || {}), scroll: window.scrollY }, "");
  if (replace) history.replaceState({}, "", to); else history.pushState({}, "", to);
  render(0);
  main().focus({ preventScroll: true });
}

export function start() {
  history.scrollRestoration = "manual";
  // Links shared before the UI had real paths (/#/ec/EC0217.01) still open their page.
  if (location.hash.startsWith("#/")) history.replaceState(null, "", location.hash.slice(1) || "/");
  // A click on a link to a UI page is handled here, without reloading.
  document.addEventListener("click", (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = ev.target.closest?.("a[href]");
    if (!a || a.hasAttribute("download") || a.target) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/api/") || !match(url.pathname)) return;
    if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
    ev.preventDefault();
    navigate(url.pathname + url.search);
  });
  // Where the reader is scrolled to is kept in the history entry, for Back and Forward.
  let saver = null;
  window.addEventListener("scroll", () => {
    clearTimeout(saver);
    saver = setTimeout(() => history.replaceState({ ...(history.state || {}), scroll: window.scrollY }, ""), 150);
  }, { passive: true });
  // A link of the old form (#/ec/EC0217.01) followed inside the page.
  window.addEventListener("hashchange", () => {
    if (location.hash.startsWith("#/")) { history.replaceState(null, "", location.hash.slice(1) || "/"); render(0); }
  });
  window.addEventListener("popstate", () => { render(history.state?.scroll ?? 0); main().focus({ preventScroll: true }); });
  // The skip link jumps to the content; it is not a route.
  document.querySelector(".skip").addEventListener("click", (e) => { e.preventDefault(); main().focus(); main().scrollIntoView(); });
  render();
  // Once the first page is up, the other pages' code is fetched in the background,
  // so that moving between pages needs only their data.
  const prefetch = () => ROUTES.forEach(([, , load]) => load().catch(() => {}));
  if ("requestIdleCallback" in window) requestIdleCallback(prefetch, { timeout: 3000 }); else setTimeout(prefetch, 1500);
}
