// A training offering: the standards it prepares for.
import { t } from "../i18n.js";
import { h, ecCard } from "../dom.js";
import { api } from "../api.js";

export async function mount(ctx) {
  const c = await api(`/api/v1/centros/${encodeURIComponent(ctx.params[0])}`, ctx.signal);
  ctx.title(c.nombre);
  ctx.show(h("p", { class: "meta" }, t("offering_title")), h("h1", {}, c.nombre),
    h("h2", {}, `${t("standards")} (${c.estandares.length})`), h("div", { class: "cards" }, c.estandares.map(ecCard)));
}
