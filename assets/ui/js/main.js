// RENEC Harvester UI: boots the language, the footer and the router.
// Every figure comes from the JSON API of this server.
import { lang, setLang, t, fmtDate } from "./i18n.js";
import { api } from "./api.js";
import { render, start } from "./router.js";

function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.getElementById("progress").setAttribute("aria-label", t("loading"));
  const b = document.getElementById("lang");
  b.textContent = lang === "es" ? "EN" : "ES";
  // The name read out holds the letters shown (WCAG 2.5.3), in the language it offers.
  b.setAttribute("aria-label", lang === "es" ? "EN · English" : "ES · Español");
  b.setAttribute("lang", lang === "es" ? "en" : "es");
}

// The age of the data, and a banner when the data are not RENEC's (a test site, the demo).
async function footer() {
  const banner = document.getElementById("source-banner");
  try {
    const s = await api("/api/v1/stats");
    document.getElementById("data-age").textContent = s.published_at ? t("data_from", fmtDate(s.published_at)) : "";
    banner.hidden = !s.source || s.source.oficial;
    document.querySelector(".foot [data-i18n='source_note']").hidden = !s.source?.oficial;
    // On a phone the banner says it in one line; the full sentence is its title and, on wider screens, its text.
    if (s.source && !s.source.oficial) {
      banner.replaceChildren(Object.assign(document.createElement("span"), { className: "long", textContent: t("not_official", s.source.url) }),
        Object.assign(document.createElement("span"), { className: "short", textContent: t("not_official_short") }));
      banner.title = t("not_official", s.source.url);
    }
  } catch { document.getElementById("data-age").textContent = ""; banner.hidden = true; }
}

applyLang();
document.getElementById("lang").addEventListener("click", () => {
  setLang(lang === "es" ? "en" : "es");
  applyLang(); render(window.scrollY); footer();
});
start();
footer();
