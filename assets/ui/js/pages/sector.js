// A sector: its standards, paged and filterable.
import { t, fmtNum } from "../i18n.js";
import { h, ecCard, titleCase } from "../dom.js";
import { api } from "../api.js";
import { pagedList } from "../lists.js";

let standards = null;
export function unmount() { standards?.stop(); }

export async function mount(ctx) {
  const id = ctx.params[0];
  const s = await api(`/api/v1/sectores/${encodeURIComponent(id)}`, ctx.signal);
  ctx.title(titleCase(s.nombre));
  standards = pagedList(ctx, { id: "estandares", path: `/api/v1/sectores/${encodeURIComponent(id)}/estandares`, render: ecCard, cards: true, size: 30 });
  ctx.show(h("p", { class: "meta" }, t("sector_title")), h("h1", { title: s.nombre }, titleCase(s.nombre)),
    h("h2", {}, `${t("standards")} (${fmtNum(s.n_estandares)})`), standards.element);
  await standards.ready;
}
