// A certifier's page: its type, where it certifies and, paged and
// filterable, the standards it may certify.
import { t, fmtNum } from "../i18n.js";
import { h, facts, typeTag, TYPE_NAMES } from "../dom.js";
import { entityAsOf } from "../history.js";

let standards = null;
export function unmount() { standards?.stop(); }

export async function mount(ctx) {
  let c, when, history;
  ({ entity: c, when, standards, history } = await entityAsOf(ctx, `/api/v1/certificadores/${encodeURIComponent(ctx.params[0])}`));
  ctx.title(c.nombre);
  ctx.show(when.note, h("p", { class: "meta" }, t("certifier_title")), h("h1", {}, c.nombre),
    facts([[t("cert_type"), c.tipo ? [typeTag(c.tipo), ` ${TYPE_NAMES[c.tipo]}`] : null],
      [t("cert_states"), c.estados.length ? c.estados.map((e) => `${e.nombre} (${t("standards_n", e.n_estandares)})`).join(" · ") : null],
      [t("spellings"), c.nombres_publicados.join(" · ")], [t("first_seen"), `${t("run")} ${c.first_seen_run}`], [t("last_seen"), `${t("run")} ${c.last_seen_run}`]]),
    h("p", { class: "meta" }, t("not_published_contact")),
    h("h2", {}, `${t("standards")} (${fmtNum(c.n_estandares)})`), standards.element, when.element, history);
  await standards.ready;
}
