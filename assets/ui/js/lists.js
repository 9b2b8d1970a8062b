// A long list of an entity page (a standard's certifiers, a certifier's
// standards), read from the API a page at a time: a words filter, optional
// selects, the count, "Más resultados" and the CSV of what the filters leave.
import { t } from "./i18n.js";
import { h, failure } from "./dom.js";
import { api, query } from "./api.js";

// `path`: the API list; `fixed`: parameters always sent (ec=…); `selects`:
// [key, label, [[value, text], …]]; `render(item)` → a node; `cards`: a grid
// of cards instead of a bulleted list.
export function pagedList(ctx, { id, path, fixed = {}, selects = [], render, cards = false, size = 25 }) {
  const state = { q: "" };
  const input = h("input", { type: "search", id: `${id}-q`, autocomplete: "off", placeholder: t("filter_list") });
  const controls = selects.filter(([, , options]) => options.length > 0).map(([key, label, options]) => {
    const s = h("select", { id: `${id}-${key}` }, h("option", { value: "" }, t("any")), options.map(([v, text]) => h("option", { value: v }, text)));
    s.addEventListener("change", () => { state[key] = s.value; run(); });
    return h("label", { for: `${id}-${key}` }, label, s);
  });
  const items = cards ? h("div", { class: "cards", id }) : h("ul", { class: "links paged", id });
  const count = h("p", { class: "count", "aria-live": "polite" });
  const csv = h("a", { class: "download", download: "" }, t("download_csv"));
  const more = h("button", { type: "button", class: "more", hidden: true }, t("more"));
  let next = null, seq = 0, timer = null;
  async function run(append) {
    const my = ++seq;
    const p = { ...fixed, ...state, q: state.q.trim() };
    csv.href = `${path}?${query({ ...p, format: "csv", bom: 1 })}`;
    items.setAttribute("aria-busy", "true");
    try {
      const page = await api(append && next ? next : `${path}?${query({ ...p, limit: size })}`, ctx.signal);
      if (my !== seq) return;
      if (!append) items.replaceChildren();
      items.append(...page.items.map((x) => (cards ? render(x) : h("li", {}, render(x)))));
      count.textContent = page.total ? t("shown_of", items.children.length, page.total) : t("no_results");
      next = page.next; more.hidden = !next;
    } catch (e) {
      if (e.name !== "AbortError" && my === seq) items.replaceChildren(failure(e, () => run(append)));
    } finally { if (my === seq) items.setAttribute("aria-busy", "false"); }
  }
  input.addEventListener("input", () => { state.q = input.value; clearTimeout(timer); timer = setTimeout(() => run(), 200); });
  more.addEventListener("click", () => run(true));
  const element = h("div", { class: "paged-list" },
    h("form", { class: "filters", role: "search", on: { submit: (e) => e.preventDefault() } },
      h("label", { for: `${id}-q` }, t("filter_list"), input), controls),
    h("div", { class: "row" }, count, csv), items, more);
  return { element, ready: run(), stop: () => clearTimeout(timer) };
}
