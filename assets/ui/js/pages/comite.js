// A committee: its address and phone (tap to call), and its standards.
import { t, fmtNum } from "../i18n.js";
import { h, link, facts } from "../dom.js";
import { entityAsOf } from "../history.js";

let standards = null;
export function unmount() { standards?.stop(); }

export async function mount(ctx) {
  let c, when, history;
  ({ entity: c, when, standards, history } = await entityAsOf(ctx, `/api/v1/comites/${encodeURIComponent(ctx.params[0])}`));
  ctx.title(c.nombre);
  ctx.show(when.note, h("p", { class: "meta" }, t("committee_title"), c.clave ? ` ${c.clave}` : ""), h("h1", {}, c.nombre),
    facts([[t("sector"), c.sector], [t("state"), c.estado], [t("address"), [c.direccion, c.colonia, c.municipio].filter(Boolean).join(", ")],
      [t("postal"), c.codigo_postal], [t("phone"), c.telefono_e164 ? link(`tel:${c.telefono_e164}`, c.telefono || c.telefono_e164) : c.telefono], [t("founded"), c.fecha_integracion]]),
    h("h2", {}, `${t("standards")} (${fmtNum(c.n_estandares)})`), standards.element, when.element, history);
  await standards.ready;
}
