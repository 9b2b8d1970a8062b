// Estado: the service as an operator reads it. It refreshes every 3 s but
// redraws only when something changed, so that focus and selection stay.
import { I18N, t, fmtDate, lang } from "../i18n.js";
import { h, link, facts, tableWrap } from "../dom.js";
import { api } from "../api.js";

let timer = null;
export function unmount() { clearTimeout(timer); timer = null; }

// A job's schedule (cron with seconds: "0 0 7 * * Mon") said in words, with its time zone;
// a form it does not know is shown as written.
export function scheduleWords(cron, tz) {
  const f = (cron || "").trim().split(/\s+/);
  if (f.length !== 6 || !/^\d+$/.test(f[1]) || !/^\d+$/.test(f[2]) || f[3] !== "*" || f[4] !== "*") return cron;
  const at = `${f[2].padStart(2, "0")}:${f[1].padStart(2, "0")}`;
  const days = { es: { mon: "lunes", tue: "martes", wed: "miércoles", thu: "jueves", fri: "viernes", sat: "sábado", sun: "domingo" },
    en: { mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday", sun: "Sunday" } }[lang];
  const zone = tz ? ` (${tz})` : "";
  if (f[5] === "*") return lang === "es" ? `cada día a las ${at}${zone}` : `every day at ${at}${zone}`;
  const day = days[f[5].toLowerCase().slice(0, 3)];
  if (!day) return cron;
  return lang === "es" ? `cada ${day} a las ${at}${zone}` : `every ${day} at ${at}${zone}`;
}

export async function mount(ctx) {
  ctx.title(t("nav_status"));
  let shown = null;
  async function draw() {
    const [runs, stats, sched] = await Promise.all([
      api("/api/v1/runs?limit=1", ctx.signal), api("/api/v1/stats", ctx.signal).catch(() => null), api("/api/v1/scheduler", ctx.signal).catch(() => null)]);
    if (!ctx.alive()) return;
    timer = setTimeout(() => draw().catch(() => {}), 3000);
    const seen = JSON.stringify([runs, stats, sched]);
    if (seen === shown) return;
    shown = seen;
    const last = runs.items[0];
    const running = last && last.status === "running";
    const age = stats?.published_at ? Math.round((Date.now() - new Date(stats.published_at)) / 3600000) : null;
    const pg = stats?.postgres;
    ctx.show(h("h1", {}, t("status_title")),
      facts([[t("status"), running ? t("harvest_running") : t("no_harvest_running")],
        [t("published_run"), stats ? `${stats.published_run} · ${fmtDate(stats.published_at)}` : t("none")],
        [t("data_age"), age !== null ? t("age_h", age) : t("none")],
        [t("source"), stats?.source ? [stats.source.url, " ", h("span", { class: stats.source.oficial ? "tag ok" : "tag held" }, t(stats.source.oficial ? "official" : "test_source"))] : null]]),
      running ? h("section", {}, h("h2", {}, t("pages_done")), Object.entries(last.progress || {}).map(([k, v]) => h("div", {}, `${k}: ${v}`))) : null,
      stats?.bundle ? facts([[t("bundle"), `${stats.bundle.id} · ${fmtDate(stats.bundle.created_at)}`]]) : null,
      pg ? [h("h2", {}, t("pg_title")), facts([
        [t("pg_role"), t(pg.role === "read" ? "pg_role_read" : "pg_role_sync")],
        [t("pg_server"), pg.server],
        [t("pg_synced"), pg.last_synced_run ?? t("none")],
        pg.role === "read" ? [t("pg_serving"), pg.serving_run ?? t("none")] : [t("pg_lag"), pg.lag_runs ?? t("none")],
        [t("pg_last_success"), pg.last_success ? fmtDate(pg.last_success) : t("none")],
        [t("pg_last_error"), pg.last_error ? h("span", { class: "tag held" }, `${pg.last_error} · ${fmtDate(pg.last_error_at)}`) : t("none")]])] : null,
      sched ? [h("h2", {}, t("jobs")), sched.offline ? h("p", { class: "meta" }, t("offline")) : null,
        tableWrap(t("jobs"), h("table", {}, h("thead", {}, h("tr", {}, [t("job"), t("next_run"), t("last_run"), t("last_result")].map((x) => h("th", {}, x)))),
          h("tbody", {}, sched.jobs.map((j) => h("tr", {}, h("td", {}, I18N[lang][`job_${j.name}`] ? t(`job_${j.name}`) : j.name, h("div", { class: "meta", title: j.schedule }, scheduleWords(j.schedule, sched.timezone))), h("td", {}, fmtDate(j.next_run)),
            h("td", {}, fmtDate(j.last_run)), h("td", {}, j.last_result || t("none")))))))] : null,
      h("p", {}, link("/corridas", t("all_runs"))),
      h("p", { class: "meta" }, t("glossary_ops")));
  }
  await draw();
}
