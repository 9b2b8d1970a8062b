// The JSON API of this server: every figure the UI shows comes from it.
import { lang, t } from "./i18n.js";

// Fetches one API path. The server answers errors in the UI's language; a
// network failure is said in it too. `signal` is the page's: leaving the page
// aborts what it still waits for (an AbortError, which the router ignores).
export async function api(path, signal) {
  let res;
  try { res = await fetch(path, { signal, headers: { Accept: "application/json", "Accept-Language": lang } }); }
  catch (e) { if (e.name === "AbortError") throw e; throw new Error(t("unreachable")); }
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new Error(body?.error?.message || `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

export const query = (params) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined && v !== false) p.set(k, String(v));
  return p;
};

// Every item of a paged list, following `next` (the API gives at most 500 a page).
export async function apiAll(path, signal) {
  const items = [];
  let next = `${path}${path.includes("?") ? "&" : "?"}limit=500`;
  while (next) { const page = await api(next, signal); items.push(...page.items); next = page.next; }
  return { items };
}
