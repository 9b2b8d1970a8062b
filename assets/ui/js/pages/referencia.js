// The API reference: this server's OpenAPI document, rendered here (no
// outside viewer): every route with what it does, its parameters and answers,
// and for the simple reads a link that tries them.
import { t } from "../i18n.js";
import { h, link, tableWrap } from "../dom.js";
import { api } from "../api.js";

const group = (path) => path.startsWith("/api/v1/admin") ? "admin" : path.startsWith("/api/v1/") ? path.split("/")[3].replace(/\.\w+$/, "").replace(/\{.*$/, "") : "service";
const schemaText = (s) => !s ? "" : s.enum ? s.enum.join(" | ") : s.anyOf ? s.anyOf.map(schemaText).join(" | ")
  : s.type === "array" ? `${schemaText(s.items)}[]` : [s.type, s.format, s.minimum !== undefined ? `≥ ${s.minimum}` : "", s.maximum !== undefined ? `≤ ${s.maximum}` : ""].filter(Boolean).join(" ");

export async function mount(ctx) {
  ctx.title(t("api_reference"));
  const doc = await api("/api/v1/openapi.json", ctx.signal);
  const groups = {};
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) if (["get", "post", "put", "delete"].includes(method)) (groups[group(path)] ||= []).push([method, path, op]);
  }
  const toc = h("ul", { class: "links", id: "api-toc" }, Object.keys(groups).map((g) => h("li", {}, h("a", { href: `#api-${g}` }, g))));
  ctx.show(h("h1", {}, t("api_reference")), h("p", {}, doc.info.title, " · ", doc.info.version),
    h("p", { class: "meta" }, t("api_intro"), " ", link("/api/v1/openapi.json", "openapi.json")),
    toc,
    Object.entries(groups).map(([g, ops]) => h("section", { id: `api-${g}`, class: "api-group" }, h("h2", {}, g),
      ops.map(([method, path, op]) => h("details", { class: "op", "data-path": path },
        h("summary", {}, h("span", { class: `method ${method}` }, method.toUpperCase()), " ", h("code", {}, path), " ", h("span", { class: "meta" }, op.summary || "")),
        op.description ? h("p", {}, op.description) : null,
        op.parameters?.length ? tableWrap(`${method.toUpperCase()} ${path}`, h("table", {}, h("thead", {}, h("tr", {}, [t("api_param"), t("api_in"), t("api_type"), t("api_desc")].map((x) => h("th", {}, x)))),
          h("tbody", {}, op.parameters.map((p) => h("tr", {}, h("td", {}, h("code", {}, p.name), p.required ? " *" : ""), h("td", {}, p.in), h("td", {}, schemaText(p.schema)), h("td", {}, p.description || "")))))) : null,
        h("p", { class: "meta" }, `${t("api_answers")}: `, Object.entries(op.responses || {}).map(([code, r]) => h("span", { title: r.description || "" }, code)).flatMap((x, i) => (i ? [", ", x] : [x]))),
        method === "get" && !path.includes("{") && !path.startsWith("/api/v1/admin") ? h("p", {}, link(path, t("api_try"))) : null)))));
}
