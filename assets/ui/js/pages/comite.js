// A committee: its address and phone (tap to call), and its standards.
import { t, fmtNum } from "../i18n.js";
import { h, link, facts, ecCard } from "../dom.js";
import { api, query } from "../api.js";
import { pagedList } from "../lists.js";
import { historySection, asOfControl } from "../history.js";

let standards = null;
export function unmount() { standards?.stop(); }

export async function mount(ctx) {
  const id = ctx.params[0];
  const when = await asOfControl(ctx);
  const asOf = when.asOf ? { as_of: when.asOf } : {};
  const path = `/api/v1/comites/${encodeURIComponent(id)}`;
  const c = await api(`${path}?${query(asOf)}`, ctx.signal);
  ctx.title(c.nombre);
  standards = pagedList(ctx, { id: "estandares", path: `${path}/estandares`, fixed: asOf, render: ecCard, cards: true, size: 30 });
  const history = await historySection(ctx, path);
  ctx.show(when.note, h("p", { class: "meta" }, t("committee_title"), c.clave ? ` ${c.clave}` : ""), h("h1", {}, c.nombre),
    facts([[t("sector"), c.sector], [t("state"), c.estado], [t("address"), [c.direccion, c.colonia, c.municipio].filter(Boolean).join(", ")],
      [t("postal"), c.codigo_postal], [t("phone"), c.telefono_e164 ? link(`tel:${c.telefono_e164}`, c.telefono || c.telefono_e164) : c.telefono], [t("founded"), c.fecha_integracion]]),
    h("h2", {}, `${t("standards")} (${fmtNum(c.n_estandares)})`), standards.element, when.element, history);
  await standards.ready;
}
