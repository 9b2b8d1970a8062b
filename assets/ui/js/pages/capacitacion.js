// Capacitación: every training offering the standards' pages list, paged and filterable.
import { t } from "../i18n.js";
import { h, link, page } from "../dom.js";
import { pagedList } from "../lists.js";

let list = null;
export function unmount() { list?.stop(); }

export async function mount(ctx) {
  ctx.title(t("nav_training"));
  list = pagedList(ctx, { id: "centros", path: "/api/v1/centros", size: 50, render: (c) => link(page("centro", c.id), c.nombre) });
  ctx.show(h("h1", {}, t("training_title")), h("p", { class: "meta" }, t("training_intro")), list.element);
  await list.ready;
}
