// Comités: every committee, paged, filtered by words and state.
import { t, fmtNum } from "../i18n.js";
import { h, link, page } from "../dom.js";
import { api } from "../api.js";
import { pagedList } from "../lists.js";

let list = null;
export function unmount() { list?.stop(); }

export async function mount(ctx) {
  ctx.title(t("nav_committees"));
  const estados = await api("/api/v1/estados", ctx.signal);
  list = pagedList(ctx, {
    id: "comites", path: "/api/v1/comites", fixed: { sort: "nombre" }, size: 50,
    selects: [["estado", t("state"), estados.items.filter((e) => e.n_comites > 0).map((e) => [e.clave, `${e.nombre} (${fmtNum(e.n_comites)})`])]],
    render: (c) => [link(page("comite", c.id), c.nombre), h("span", { class: "meta" }, ` ${[c.estado, c.sector, t("standards_n", c.n_estandares)].filter(Boolean).join(" · ")}`)],
  });
  ctx.show(h("h1", {}, t("committees_title")), h("p", { class: "meta" }, t("committees_intro")), list.element);
  await list.ready;
}
