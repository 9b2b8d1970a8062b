// Corridas: the run ledger, for operators (what each harvest fetched, published or held, and why).
import { I18N, lang, t, fmtDate } from "../i18n.js";
import { h, tableWrap } from "../dom.js";
import { api } from "../api.js";

export const statusTag = (s) => h("span", { class: `tag ${s === "published" ? "ok" : s === "held" ? "held" : s === "failed" ? "off" : ""}` }, t(s));

export async function mount(ctx) {
  ctx.title(t("nav_runs"));
  const runs = await api("/api/v1/runs?limit=50", ctx.signal);
  ctx.show(h("h1", {}, t("runs_title")), h("p", { class: "meta" }, t("runs_intro")), tableWrap(t("runs_title"), h("table", { id: "runs" },
    h("thead", {}, h("tr", {}, ["#", t("status"), t("started"), t("finished"), t("duration"), t("coverage"), t("counts"), t("reasons")].map((x) => h("th", {}, x)))),
    h("tbody", {}, runs.items.map((r) => h("tr", {},
      h("td", {}, r.id), h("td", {}, statusTag(r.status)), h("td", {}, fmtDate(r.started_at)), h("td", {}, fmtDate(r.finished_at)),
      h("td", {}, r.summary?.duration_ms ? `${(r.summary.duration_ms / 1000).toFixed(1)} s` : t("none")),
      h("td", {}, Object.entries(r.coverage || {}).map(([k, v]) => h("div", {}, `${I18N[lang][`src_${k}`] ? t(`src_${k}`) : k}: ${(v.ratio * 100).toFixed(2)} %`))),
      h("td", {}, r.counts?.estandares_vigentes !== undefined ? `${r.counts.estandares_vigentes} EC · ${r.counts.certificadores} cert.` : t("none")),
      h("td", {}, (r.reasons || []).map((x) => h("div", {}, x)))))))));
}
