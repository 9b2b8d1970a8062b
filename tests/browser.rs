//! The UI in a real headless Chromium, driven through chromedriver's W3C
//! WebDriver protocol (plain HTTP + JSON): the Buscador is typed into, its
//! results opened, a certifier followed, the Directory filtered, the map of
//! states read and followed. Screenshots land in
//! target/ui-screenshots/ (CI keeps them as artifacts).

mod common;

use base64::Engine;
use renec_harvester::testsite::generate::generate;
use renec_harvester::testsite::TestSite;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Driver {
    child: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

impl Driver {
    fn start() -> Option<Driver> {
        let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| Path::new(p).exists())?;
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .find(|p| Path::new(p).exists())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let base = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let started = Instant::now();
        while agent.get(&format!("{base}/status")).call().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap().keep();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--enable-unsafe-swiftshader", "--disable-quic", "--window-size=1200,900", format!("--user-data-dir={}", profile.display())]
        }}}});
        let mut driver = Driver {
            child,
            base,
            session: String::new(),
            agent,
        };
        let v = driver.call("POST", "/session", Some(caps));
        driver.session = v["sessionId"]
            .as_str()
            .expect("a WebDriver session")
            .to_string();
        Some(driver)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let mut resp = match method {
            "POST" => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(serde_json::to_vec(&body.unwrap_or(json!({}))).unwrap())
                .unwrap(),
            "DELETE" => self.agent.delete(&url).call().unwrap(),
            _ => self.agent.get(&url).call().unwrap(),
        };
        let v: Value = serde_json::from_slice(
            &resp
                .body_mut()
                .with_config()
                .limit(50 << 20)
                .read_to_vec()
                .unwrap(),
        )
        .unwrap();
        v["value"].clone()
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})));
    }

    /// Waits for an element matching `css` and returns its id.
    fn find(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            let v = self.call(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            );
            if let Some(id) = v
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(Value::as_str)
            {
                if !v.get("error").is_some_and(|e| e.is_string()) {
                    return id.to_string();
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "no element {css}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn text(&self, element: &str) -> String {
        self.call("GET", &format!("/element/{element}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn wait_text(&self, css: &str, pred: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let t = self.text(&self.find(css));
            if pred(&t) {
                return t;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "{css} never showed the expected text; last: {t:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs `script` until it returns `want` (15 s at most).
    fn wait_script(&self, script: &str, want: Value) {
        let started = Instant::now();
        loop {
            let got = self.call(
                "POST",
                "/execute/sync",
                Some(json!({"script": script, "args": []})),
            );
            if got == want {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "{script} never returned {want}; last: {got}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs `script` in the page and returns its value.
    fn js(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    fn resize(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        );
    }

    /// Serious and critical accessibility violations axe-core finds on the page.
    fn axe(&self, axe: &str) -> Value {
        let script = format!(
            "{axe}\n;const done = arguments[arguments.length - 1];\n\
             axe.run(document, {{ resultTypes: ['violations'] }}).then((r) => done(r.violations\n\
               .filter((v) => v.impact === 'serious' || v.impact === 'critical')\n\
               .map((v) => `${{v.id}} (${{v.impact}}): ${{v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}}`)));"
        );
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/ui-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let b64 = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            self.call("DELETE", "", None);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[ignore = "needs chromium and chromium-driver; .ci/run installs them and runs it with --include-ignored"]
fn buscador_search_open_a_standard_and_follow_a_certifier() {
    let driver = Driver::start().expect("chromium and chromedriver must be installed");
    let site = common::site(generate(1, 51), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    assert!(common::harvest(&cfg).unwrap().published());
    let api = common::Api::start(&cfg);

    driver.go(&format!("{}/", api.base));
    let count = driver.wait_text("#count", |t| t.contains("resultados"));
    assert!(
        count.starts_with("100 "),
        "all standards in force at first: {count}"
    );
    // Generated data is never shown as the real registry.
    driver.wait_text("#source-banner", |t| {
        t.starts_with("Datos de prueba") && t.contains(&site.base_url())
    });
    let footer = driver.text(&driver.find("footer"));
    assert!(
        !footer.contains("Datos públicos del RENEC"),
        "test data are not called RENEC's public data: {footer}"
    );
    driver.screenshot("1-buscador");

    // "Más resultados", then a standard, then Back: the 60 results again
    // (their number is in the URL) and the place they were scrolled to.
    let more = driver.find("button.more");
    driver.call("POST", &format!("/element/{more}/click"), None);
    let cards = "return document.querySelectorAll('#results .card').length";
    driver.wait_script(cards, json!(60));
    driver.wait_script(
        "return location.pathname + location.search",
        json!("/?n=60"),
    );
    // Scrolled down, a card is clicked where it is (a WebDriver click would
    // scroll it into view first).
    driver.call(
        "POST",
        "/execute/sync",
        Some(json!({"script": "window.scrollTo(0, 1200); document.querySelector('#results .card:nth-child(45) h3 a.code').click()", "args": []})),
    );
    driver.wait_script("return location.pathname.startsWith('/ec/')", json!(true));
    driver.call("POST", "/back", Some(json!({})));
    driver.wait_script(cards, json!(60));
    driver.wait_script("return Math.round(window.scrollY)", json!(1200));

    // Type a query: the result count follows the API's total for it.
    let input = driver.find("#q");
    driver.call(
        "POST",
        &format!("/element/{input}/value"),
        Some(json!({"text": "traduccion"})),
    );
    let (_, expected) = common::get_json(&format!(
        "{}/api/v1/ec?q=traduccion&vigente=true&limit=1",
        api.base
    ));
    let total = expected["total"].as_u64().unwrap();
    assert!(total > 0);
    driver.wait_text("#count", |t| t.starts_with(&format!("{total} ")));
    let more = driver.find("button.more");
    let shown = driver.call("GET", &format!("/element/{more}/displayed"), None);
    assert_eq!(
        shown,
        json!(total > 30),
        "the 'more results' button must show only when there are more"
    );
    driver.screenshot("2-busqueda");
    // The filters are facets of the words: the committee select lists the
    // committees of the standards found, each with its count.
    let (_, faceted) = common::get_json(&format!(
        "{}/api/v1/ec?q=traduccion&vigente=true&facet=comite&limit=1",
        api.base
    ));
    let mut expected: Vec<String> = faceted["facetas"]["comite"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| !v["valor"].is_null())
        .map(|v| format!("{} ({})", v["valor"], v["total"]))
        .collect();
    expected.sort();
    assert!(!expected.is_empty());
    driver.find("#facet-comite .facet-value");
    // All of them: the list opens past its first 8.
    driver.js(
        "const m = document.querySelector('#facet-comite .facet-more'); if (!m.hidden) m.click(); return true",
        json!([]),
    );
    let shown = driver.js(
        "return [...document.querySelectorAll('#facet-comite .facet-value')].map((b) => b.dataset.value + ' (' + b.querySelector('.n').textContent + ')')",
        json!([]),
    );
    let mut shown: Vec<String> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    shown.sort();
    assert_eq!(shown, expected);

    // The search is in the URL: reloading it (or sharing it) shows the same results.
    let hash = driver.call(
        "POST",
        "/execute/sync",
        Some(json!({"script": "return location.pathname + location.search", "args": []})),
    );
    assert_eq!(hash, json!("/?q=traduccion"));
    driver.go(&format!("{}/?q=traduccion&todos=1", api.base));
    let (_, all) = common::get_json(&format!("{}/api/v1/ec?q=traduccion&limit=1", api.base));
    let all_total = all["total"].as_u64().unwrap();
    driver.wait_text("#count", |t| t.starts_with(&format!("{all_total} ")));
    let value = driver.call(
        "POST",
        "/execute/sync",
        Some(json!({"script": "return [document.getElementById('q').value, document.getElementById('vigente').checked]", "args": []})),
    );
    assert_eq!(value, json!(["traduccion", false]));

    // A newcomer reads what RENEC is, first thing.
    let intro = driver.text(&driver.find("p.intro"));
    assert!(
        intro.starts_with("El RENEC es el registro oficial"),
        "{intro}"
    );

    // The Buscador finds every kind: a certifier's name shows it under
    // "También en el registro", its words marked, linking to its page.
    let (_, certs) = common::get_json(&format!(
        "{}/api/v1/certificadores?limit=1&sort=-estandares",
        api.base
    ));
    let cert = &certs["items"][0];
    let name = cert["nombre"].as_str().unwrap().to_string();
    driver.go(&format!(
        "{}/?q={}",
        api.base,
        url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
    ));
    let others = driver.wait_text("#others", |t| t.contains(&name));
    assert!(others.starts_with("También en el registro"), "{others}");
    driver.screenshot("3-otros-tipos");
    let href = driver.call(
        "POST",
        "/execute/sync",
        Some(json!({"script": "return [...document.querySelectorAll('#others [data-kind=certificador] a')].map(a => a.getAttribute('href'))", "args": []})),
    );
    assert!(
        href.as_array().unwrap().contains(&json!(format!(
            "/certificador/{}",
            cert["id"].as_str().unwrap()
        ))),
        "{href}"
    );
    let marks = driver.call(
        "POST",
        "/execute/sync",
        Some(json!({"script": "return document.querySelectorAll('#others mark').length", "args": []})),
    );
    assert!(marks.as_u64().unwrap() > 0, "matched words are marked");

    // A word that matches no standard, but is two edits from one, gets
    // "¿Quiso decir …?" with the API's suggestion, which searches it.
    let (_, titles) = common::get_json(&format!("{}/api/v1/ec?limit=100", api.base));
    let candidates: Vec<String> = titles["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| {
            e["titulo"]
                .as_str()
                .unwrap_or("")
                .split(' ')
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .filter(|w| (6..=8).contains(&w.len()) && w.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    let (typo, suggestion) = candidates
        .iter()
        .find_map(|w| {
            // Two letters replaced: beyond the one typo a word of 5–8 letters may carry.
            let mut b = w.clone().into_bytes();
            b[2] = b'q';
            b[4] = b'x';
            let typo = String::from_utf8(b).unwrap();
            let (_, f) = common::get_json(&format!(
                "{}/api/v1/search?q={typo}&tipo=ec&limit=1",
                api.base
            ));
            let first = f["sugerencias"][0].as_str()?.to_string();
            (f["total"] == 0).then_some((typo, first))
        })
        .expect("some word two edits away gets a suggestion");
    driver.go(&format!("{}/?q={typo}&todos=1", api.base));
    let meant = driver.wait_text("#meant", |t| t.contains(&suggestion));
    assert!(meant.starts_with("¿Quiso decir"), "{meant}");
    driver.screenshot("4-quiso-decir");
    let link = driver.find("#meant a");
    driver.call("POST", &format!("/element/{link}/click"), None);
    let (_, fixed) = common::get_json(&format!(
        "{}/api/v1/ec?q={}&limit=1",
        api.base,
        url::form_urlencoded::byte_serialize(suggestion.as_bytes()).collect::<String>()
    ));
    let fixed_total = fixed["total"].as_u64().unwrap();
    assert!(fixed_total > 0);
    driver.wait_text("#count", |t| t.starts_with(&format!("{fixed_total} ")));

    // Enter on an exact code (here an old NTCL one), typed in lower case,
    // opens that standard.
    let (_, any) = common::get_json(&format!("{}/api/v1/ec?limit=1", api.base));
    let exact = any["items"][0]["clave"].as_str().unwrap().to_string();
    driver.go(&format!("{}/", api.base));
    let input = driver.find("#q");
    driver.call(
        "POST",
        &format!("/element/{input}/value"),
        Some(json!({"text": format!("{}\u{E007}", exact.to_lowercase())})),
    );
    driver.wait_text("main .code", |t| t == exact);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        driver.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": "return location.pathname", "args": []}))
        ),
        json!(format!("/ec/{exact}")),
        "the search typed before Enter must not rewrite the standard's URL"
    );
    driver.go(&format!("{}/?q=traduccion&todos=1", api.base));
    driver.wait_text("#count", |t| t.starts_with(&format!("{all_total} ")));

    // Open the first result.
    let first = driver.find("#results article h3 a.code");
    let code = driver.text(&first);
    driver.call("POST", &format!("/element/{first}/click"), None);
    let title = driver.wait_text("main h1", |t| !t.is_empty() && !t.contains("Buscar"));
    let (_, detail) = common::get_json(&format!("{}/api/v1/ec/{code}", api.base));
    assert_eq!(title, detail["titulo"].as_str().unwrap());
    driver.screenshot("3-estandar");

    // Sector names in title case, the published capitals in a tooltip;
    // the tab names the page.
    if let Some(sector) = detail["sector"].as_str() {
        let named = driver.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": "const s = document.querySelector(\"main a[href^='/sector/'] span\"); return [s.textContent, s.title, document.title]", "args": []})),
        );
        assert_eq!(named[1], json!(sector));
        let shown = named[0].as_str().unwrap();
        assert!(
            shown != sector
                && shown.to_uppercase() == sector
                && shown.starts_with(|c: char| c.is_uppercase()),
            "{shown}"
        );
        assert_eq!(named[2], json!(format!("{code} · RENEC")));
    }

    // The skip link moves focus to the content without leaving the page
    // (it used to be taken by the router: "No encontrado"), and <main>
    // draws no ring around the whole page when it has focus.
    let after_skip = driver.call(
        "POST",
        "/execute/sync",
        Some(json!({"script": "const h = location.href; document.querySelector('.skip').click(); const m = document.getElementById('main'); return [h === location.href, document.activeElement === m, m.querySelector('h1').textContent, getComputedStyle(m).outlineStyle];", "args": []})),
    );
    assert_eq!(
        after_skip,
        json!([true, true, detail["titulo"].as_str().unwrap(), "none"]),
        "skip link"
    );

    // Follow a certifier link (a standard with certifiers).
    let with_certs = detail["certificadores"]
        .as_array()
        .filter(|l| !l.is_empty())
        .map(|_| code.clone())
        .unwrap_or_else(|| {
            let (_, l) = common::get_json(&format!(
                "{}/api/v1/ec?sort=-certificadores&limit=1",
                api.base
            ));
            l["items"][0]["clave"].as_str().unwrap().to_string()
        });
    driver.go(&format!("{}/ec/{with_certs}", api.base));
    let link = driver.find("a[href^='/certificador/']");
    let name = driver.text(&link);
    driver.call("POST", &format!("/element/{link}/click"), None);
    driver.wait_text("main h1", |t| t == name);
    let standards = driver.wait_text("main h2", |t| t.contains("Estándares"));
    assert!(standards.contains('('));
    driver.screenshot("4-certificador");

    // English toggle.
    let toggle = driver.find("#lang");
    driver.call("POST", &format!("/element/{toggle}/click"), None);
    driver.wait_text("main h2", |t| t.contains("Standards"));

    // The Directory filtered by state and then by type: the count follows
    // the API, and every row shows the state chosen.
    let (_, estados) = common::get_json(&format!("{}/api/v1/estados", api.base));
    let state = estados["items"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|e| e["n_certificadores"].as_u64().unwrap())
        .unwrap()
        .clone();
    let code = state["clave"].as_str().unwrap();
    assert!(state["n_certificadores"].as_u64().unwrap() > 0);
    driver.go(&format!("{}/directorio", api.base));
    driver.wait_text("#dcount", |t| t.contains("results"));
    let option = driver.find(&format!("#destado option[value='{code}']"));
    driver.call("POST", &format!("/element/{option}/click"), None);
    let (_, in_state) = common::get_json(&format!(
        "{}/api/v1/certificadores?estado={code}&limit=1",
        api.base
    ));
    let n = in_state["total"].as_u64().unwrap();
    driver.wait_text("#dcount", |t| t.starts_with(&format!("{n} ")));
    let table = driver.text(&driver.find("#directory tbody"));
    let name = state["nombre"].as_str().unwrap();
    assert!(
        table.lines().all(|row| row.contains(name)),
        "every row certifies in {name}: {table}"
    );
    let option = driver.find("#dtipo option[value='ECE']");
    driver.call("POST", &format!("/element/{option}/click"), None);
    let (_, ece) = common::get_json(&format!(
        "{}/api/v1/certificadores?estado={code}&tipo=ECE&limit=1",
        api.base
    ));
    let n = ece["total"].as_u64().unwrap();
    assert!(n > 0);
    driver.wait_text("#dcount", |t| t.starts_with(&format!("{n} ")));
    let table = driver.text(&driver.find("#directory tbody"));
    assert!(
        table
            .lines()
            .all(|row| row.contains(name) && row.contains("ECE")),
        "{table}"
    );
    driver.screenshot("5-directorio");
    assert_eq!(
        driver.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": "return document.title", "args": []}))
        ),
        json!("Directory · RENEC")
    );

    // The map: the 32 states drawn with their outlines, each with the API's
    // figure; the state with most certifiers is in the darkest class, and a
    // state opens the Directory filtered by it (in its URL).
    driver.go(&format!("{}/mapa", api.base));
    let tile = driver.find(&format!("#choropleth a[data-code='{code}']"));
    let drawn = driver.call(
        "POST",
        "/execute/sync",
        Some(json!({"script": "const c = document.querySelectorAll('#choropleth [data-code] path'); const a = document.querySelector(`#choropleth a[data-code='${arguments[0]}']`); return [c.length, a.getAttribute('aria-label'), a.getAttribute('class'), document.querySelectorAll('#legend li').length]", "args": [code]})),
    );
    assert_eq!(drawn[0], json!(32), "{drawn}");
    assert!(
        drawn[1]
            .as_str()
            .unwrap()
            .ends_with(&format!(": {}", state["n_certificadores"])),
        "{drawn} vs {state}"
    );
    // The legend: "0", then one entry a class; the largest figure is in the last class.
    let classes = drawn[3].as_u64().unwrap();
    assert!(classes > 2, "a legend of the classes: {drawn}");
    assert_eq!(drawn[2], json!(format!("q{}", classes - 1)), "{drawn}");
    let table = driver.text(&driver.find("#states tbody"));
    assert_eq!(table.lines().count(), 32, "{table}");
    driver.screenshot("6-mapa");
    driver.call("POST", &format!("/element/{tile}/click"), None);
    let n = in_state["total"].as_u64().unwrap();
    driver.wait_text("#dcount", |t| t.starts_with(&format!("{n} ")));
    driver.wait_script(
        "return location.pathname + location.search",
        json!(format!("/directorio?estado={code}")),
    );

    // A committee's phone is tap-to-call, with the E.164 form the API has.
    let (_, comites) = common::get_json(&format!("{}/api/v1/comites?limit=100", api.base));
    let with_phone = comites["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| common::get_json(&format!("{}/api/v1/comites/{}", api.base, c["id"])).1)
        .find(|c| c["telefono_e164"].is_string())
        .expect("a committee with a phone");
    driver.go(&format!("{}/comite/{}", api.base, with_phone["id"]));
    let tel = driver.find("main a[href^='tel:']");
    let href = driver.call("GET", &format!("/element/{tel}/attribute/href"), None);
    assert_eq!(
        href,
        json!(format!(
            "tel:{}",
            with_phone["telefono_e164"].as_str().unwrap()
        ))
    );

    // On a phone (390×844): the navigation is one row, and label/value
    // lists put the label above the value.
    driver.call(
        "POST",
        "/window/rect",
        Some(json!({"width": 390, "height": 844})),
    );
    std::thread::sleep(Duration::from_millis(300));
    let phone = driver.call(
        "POST",
        "/execute/sync",
        Some(json!({"script": "return [document.querySelector('header.top').getBoundingClientRect().height, getComputedStyle(document.querySelector('dl.facts')).gridTemplateColumns.split(' ').length, document.documentElement.clientWidth]", "args": []})),
    );
    assert!(
        phone[0].as_f64().unwrap() < 60.0 && phone[1] == json!(1),
        "phone layout: {phone}"
    );
    driver.screenshot("9-comite-telefono");
    driver.call(
        "POST",
        "/window/rect",
        Some(json!({"width": 1280, "height": 900})),
    );

    // A standard out of force names the version of it in force.
    let (_, retired) = common::get_json(&format!("{}/api/v1/ec?vigente=false&limit=500", api.base));
    let (old, newer) = retired["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["clave"].as_str())
        .find_map(|c| {
            let base = c.split('.').next().unwrap();
            let (_, now) = common::get_json(&format!(
                "{}/api/v1/ec?q={base}&vigente=true&limit=20",
                api.base
            ));
            let mut versions: Vec<String> = now["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|e| e["clave"].as_str())
                .filter(|v| *v != c && v.split('.').next() == Some(base))
                .map(String::from)
                .collect();
            versions.sort();
            versions.pop().map(|v| (c.to_string(), v))
        })
        .expect("the generated registry has a retired standard with a version in force");
    driver.go(&format!("{}/ec/{old}", api.base));
    let said = driver.wait_text("#successor", |t| t.contains(&newer));
    // (The UI is in English at this point.)
    assert!(
        said.starts_with("The version of this standard in force"),
        "{said}"
    );
    let to = driver.find("#successor a");
    driver.call("POST", &format!("/element/{to}/click"), None);
    driver.wait_script("return location.pathname", json!(format!("/ec/{newer}")));

    // Back to Spanish. Estado refreshes every 3 s but redraws only when
    // something changed: an idle service's page stays as the reader left it.
    let toggle = driver.find("#lang");
    driver.call("POST", &format!("/element/{toggle}/click"), None);
    driver.go(&format!("{}/estado", api.base));
    driver.wait_text("main h1", |t| t == "Estado del servicio");
    let script = |js: &str| {
        driver.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
    };
    script("window.__kept = document.querySelector('main h1'); return true");
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(
        script("return document.querySelector('main h1') === window.__kept"),
        json!(true),
        "an idle Estado page must not redraw"
    );

    // The server stops: the next page says so in Spanish and offers a retry.
    drop(api);
    script("document.querySelector('[data-nav=comites]').click(); return true");
    let error = driver.wait_text(".error", |t| !t.is_empty());
    assert!(
        error.contains("No se pudo cargar: el servidor no responde")
            && error.contains("Reintentar"),
        "{error}"
    );
    driver.screenshot("7-sin-servidor");
}

#[test]
#[ignore = "needs chromium and chromium-driver; .ci/run installs them and runs it with --include-ignored"]
fn cambios_hides_nothing_without_saying_so() {
    let driver = Driver::start().expect("chromium and chromedriver must be installed");
    // Two unrelated registries: hundreds of changes of each kind.
    let site = common::site(generate(3, 1), &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    assert!(common::harvest(&cfg).unwrap().published());
    site.replace_corpus(generate(3, 2));
    let second = common::harvest(&cfg).unwrap();
    assert!(second.published(), "{:?}", second.reasons);
    let api = common::Api::start(&cfg);
    let (_, diff) = common::get_json(&format!("{}/api/v1/runs/2/diff", api.base));
    let (kind, n) = ["added", "removed", "changed"]
        .iter()
        .map(|k| (*k, diff["ec"][k].as_array().map_or(0, Vec::len)))
        .max_by_key(|(_, n)| *n)
        .unwrap();
    assert!(n > 200, "{kind}: {n}");

    driver.go(&format!("{}/cambios", api.base));
    driver.find("details.changes");
    let js = |script: &str| {
        driver.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": [n]})),
        )
    };
    let find = "const d = [...document.querySelectorAll('details.changes')].find((d) => d.querySelector('summary').textContent.endsWith('(' + arguments[0] + ')'));";
    let shown = js(&format!(
        "{find} return [d.open, d.querySelectorAll('li').length, d.querySelector('p.meta').textContent]"
    ));
    assert_eq!(
        shown,
        json!([false, 200, format!("Se muestran 200 de {n}.")]),
        "a long section folds and says what it shows"
    );
    let all = js(&format!(
        "{find} d.open = true; d.querySelector('button.more').click(); return [d.querySelectorAll('li').length, d.querySelector('button.more') === null]"
    ));
    assert_eq!(all, json!([n, true]));
    // Changes read as sentences, not raw fields.
    let text = driver.text(&driver.find("main"));
    assert!(text.contains("Cambió el título: «"), "titles");
    let raw: Vec<&str> = text
        .lines()
        .filter(|l| {
            ["comite_id", "sector_id", "titulo", "vigente: «"]
                .iter()
                .any(|f| l.contains(f))
        })
        .take(3)
        .collect();
    assert!(raw.is_empty(), "raw field names: {raw:?}");
    driver.screenshot("8-cambios");

    // Filtered by sector (kept in the URL): the figures are the feed's for that sector.
    let ec_total = |d: &Value| {
        ["added", "removed", "changed"]
            .iter()
            .map(|k| d["ec"][k].as_array().map_or(0, Vec::len))
            .sum::<usize>()
    };
    let (_, sectores) = common::get_json(&format!("{}/api/v1/sectores?limit=100", api.base));
    let (sector, narrowed) = sectores["items"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| {
            let id = s["id"].as_str().unwrap();
            let (_, feed) = common::get_json(&format!(
                "{}/api/v1/changes.json?sector={id}&limit=1",
                api.base
            ));
            let d = feed["items"][0]["_renec"]["diff"].clone();
            (d.is_object() && ec_total(&d) > 0).then(|| (id.to_string(), ec_total(&d)))
        })
        .expect("a sector with changes");
    assert!(narrowed < ec_total(&diff), "{sector}: {narrowed}");
    driver.go(&format!("{}/cambios?sector={sector}", api.base));
    driver.find("#timeline tbody tr");
    let row = driver.js(
        "return [...document.querySelectorAll('#timeline tbody tr:first-child td')].slice(2, 5).reduce((n, td) => n + Number(td.textContent), 0)",
        json!([]),
    );
    assert_eq!(row, json!(narrowed), "{sector}");
    assert_eq!(
        driver.js(
            "return document.getElementById('c-sector').value",
            json!([])
        ),
        json!(sector)
    );
    // One kind of change: only its sections.
    driver.go(&format!("{}/cambios?tipo=acreditaciones", api.base));
    driver.find("details.changes");
    let titles = driver.js(
        "return [...document.querySelectorAll('details.changes summary')].map((s) => s.textContent)",
        json!([]),
    );
    let titles = titles.as_array().unwrap();
    assert!(!titles.is_empty());
    assert!(
        titles
            .iter()
            .all(|t| t.as_str().unwrap().starts_with("Acreditaciones")),
        "{titles:?}"
    );
}

/// axe-core's script, installed by `npm ci --prefix tests/ui` (.ci/run does it).
fn axe_source() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; install the test tools with `npm ci --prefix tests/ui`",
            path.display()
        )
    })
}

/// A registry harvested twice (the test site, then a later state of it), served.
fn two_runs() -> (common::Api, TestSite, tempfile::TempDir) {
    let corpus = generate(1, 51);
    let later = renec_harvester::testsite::evolve::evolve(&corpus).0;
    let site = common::site(corpus, &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(&site, dir.path());
    assert!(common::harvest(&cfg).unwrap().published());
    site.replace_corpus(later);
    assert!(common::harvest(&cfg).unwrap().published());
    (common::Api::start(&cfg), site, dir)
}

fn first_id(base: &str, path: &str, field: &str) -> String {
    let (_, page) = common::get_json(&format!("{base}{path}"));
    match &page["items"][0][field] {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

#[test]
#[ignore = "needs chromium, chromium-driver and axe-core (npm ci --prefix tests/ui); .ci/run installs them and runs it with --include-ignored"]
fn every_page_at_desktop_and_phone_size_is_accessible_and_asks_only_this_server() {
    let axe = axe_source();
    let driver = Driver::start().expect("chromium and chromedriver must be installed");
    let (api, _site, _dir) = two_runs();
    let base = api.base.clone();
    let ec = first_id(&base, "/api/v1/ec?sort=-certificadores&limit=1", "clave");
    let cert = first_id(
        &base,
        "/api/v1/certificadores?sort=-estandares&limit=1",
        "id",
    );
    let comite = first_id(&base, "/api/v1/comites?limit=1", "id");
    let sector = first_id(&base, "/api/v1/sectores?limit=1", "id");
    let centro = first_id(&base, "/api/v1/centros?limit=1", "id");
    // Each page, and what shows that its content is there.
    let pages = [
        ("buscador", "/".to_string(), "#results .card"),
        ("directorio", "/directorio".into(), "#directory tbody tr"),
        ("mapa", "/mapa".into(), "#choropleth path"),
        ("cambios", "/cambios".into(), "#timeline-chart rect"),
        ("corridas", "/corridas".into(), "#runs tbody tr"),
        ("estado", "/estado".into(), "main dl.facts"),
        ("comites", "/comites".into(), "#comites li"),
        ("sectores", "/sectores".into(), "#sankey path.flow"),
        ("capacitacion", "/capacitacion".into(), "#centros li"),
        ("red", "/red".into(), "#graph canvas"),
        ("api", "/referencia-api".into(), "details.op"),
        ("ec", format!("/ec/{ec}"), "#certificadores li"),
        (
            "certificador",
            format!("/certificador/{cert}"),
            "#estandares .card",
        ),
        ("comite", format!("/comite/{comite}"), "#estandares .card"),
        ("sector", format!("/sector/{sector}"), "#estandares .card"),
        ("centro", format!("/centro/{centro}"), "main .card"),
        ("no-encontrado", "/ec/XX9999".into(), "main h1"),
    ];
    for (size, width, height) in [("escritorio", 1280, 900), ("telefono", 390, 844)] {
        driver.resize(width, height);
        for (name, path, ready) in &pages {
            driver.go(&format!("{base}{path}"));
            driver.find(ready);
            driver.wait_script(
                "return document.getElementById('main').getAttribute('aria-busy')",
                json!("false"),
            );
            let found = driver.axe(&axe);
            assert_eq!(
                found,
                json!([]),
                "{path} at {size} size: serious or critical accessibility violations"
            );
            let outside = driver.js(
                "return performance.getEntriesByType('resource').map((e) => e.name).filter((u) => !u.startsWith(location.origin))",
                json!([]),
            );
            assert_eq!(outside, json!([]), "{path} asked another server");
            let fits = driver.js(
                "return [document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1, document.title]",
                json!([]),
            );
            assert_eq!(fits[0], json!(true), "{path} is wider than a {size} screen");
            assert!(
                fits[1].as_str().unwrap().ends_with("RENEC"),
                "{path}: tab title {fits}"
            );
            if *name == "buscador" && size == "telefono" {
                // The first result shows on the first screen of a phone.
                let top = driver.js(
                    "return document.querySelector('#results .card').getBoundingClientRect().top",
                    json!([]),
                );
                assert!(top.as_f64().unwrap() < 600.0, "first result at {top} px");
            }
            driver.screenshot(&format!("pagina-{size}-{name}"));
        }
    }
    driver.resize(1280, 900);

    // The figures drawn are the API's.
    let (_, runs) = common::get_json(&format!("{base}/api/v1/runs?limit=50"));
    driver.go(&format!("{base}/corridas"));
    driver.find("#runs tbody tr");
    assert_eq!(
        driver.js(
            "return document.querySelectorAll('#runs tbody tr').length",
            json!([])
        ),
        json!(runs["items"].as_array().unwrap().len())
    );
    let (_, diff) = common::get_json(&format!("{base}/api/v1/runs/2/diff"));
    driver.go(&format!("{base}/cambios"));
    driver.find("#timeline tbody tr");
    let row = driver.js(
        "return [...document.querySelectorAll('#timeline tbody tr:first-child td')].map((td) => td.textContent)",
        json!([]),
    );
    assert_eq!(row[0], json!("2"));
    assert_eq!(
        row[2],
        json!(diff["ec"]["added"].as_array().unwrap().len().to_string()),
        "altas of run 2: {row}"
    );
    let bars = driver.js(
        "return [...document.querySelectorAll('#timeline-chart g[data-run] rect.up')].map((r) => r.querySelector('title').textContent)",
        json!([]),
    );
    assert!(
        bars[0].as_str().unwrap().contains(&format!(
            ": {} ",
            diff["ec"]["added"].as_array().unwrap().len()
        )),
        "{bars}"
    );
    // The network: the API's nodes and edges, counted on the page.
    let (_, graph) = common::get_json(&format!("{base}/api/v1/graph"));
    let nodes = graph["nodes"].as_array().unwrap();
    let ecs = nodes.iter().filter(|n| n["tipo"] == "ec").count();
    let edges = graph["edges"].as_array().unwrap().len();
    driver.go(&format!("{base}/red"));
    driver.find("#graph canvas");
    driver.wait_text("#graph-summary", |t| {
        t == format!(
            "{ecs} estándares · {} certificadores · {edges} acreditaciones",
            nodes.len() - ecs
        )
    });
    // One committee's part, by its filter (kept in the URL).
    let (_, comites) = common::get_json(&format!("{base}/api/v1/comites?limit=1&sort=-estandares"));
    let comite = comites["items"][0]["id"].to_string();
    let (_, part) = common::get_json(&format!("{base}/api/v1/graph?comite={comite}"));
    let option = driver.find(&format!("#g-comite option[value='{comite}']"));
    driver.call("POST", &format!("/element/{option}/click"), None);
    let part_edges = part["edges"].as_array().unwrap().len();
    driver.wait_text("#graph-summary", |t| {
        t.ends_with(&format!(" {part_edges} acreditaciones"))
    });
    driver.wait_script("return location.search", json!(format!("?comite={comite}")));
    driver.screenshot("red-comite");
    // Finding a certifier by name lights it as hovering does, says its
    // figure and opens its page.
    let (_, busiest) = common::get_json(&format!(
        "{base}/api/v1/certificadores?sort=-estandares&limit=1"
    ));
    let busiest = &busiest["items"][0];
    let id = busiest["id"].as_str().unwrap();
    let degree = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == id)
        .count();
    driver.go(&format!("{base}/red"));
    driver.find("#graph canvas");
    driver.wait_script(
        "return document.getElementById('graph').getAttribute('aria-busy')",
        json!("false"),
    );
    driver.js(
        "const f = document.getElementById('graph-find'); f.value = arguments[0]; f.dispatchEvent(new Event('change')); return true",
        json!([busiest["nombre"]]),
    );
    driver.wait_text("#graph-readout", |t| {
        t.ends_with(&format!("certifica {degree} estándares"))
    });
    let open = driver.find("#graph-open");
    driver.call("POST", &format!("/element/{open}/click"), None);
    driver.wait_script(
        "return location.pathname",
        json!(format!("/certificador/{id}")),
    );
    // The Sankey: its flows add up to the standards in force that have a sector.
    let (_, vigentes) = common::get_json(&format!("{base}/api/v1/ec?vigente=true&limit=500"));
    let with_sector = vigentes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["sector_id"].is_string())
        .count();
    driver.go(&format!("{base}/sectores"));
    driver.find("#sankey path.flow");
    let flows = driver.js(
        "return [...document.querySelectorAll('#sankey-table tbody tr td:last-child')].reduce((n, td) => n + Number(td.textContent.replace(/\\D/g, '')), 0)",
        json!([]),
    );
    assert_eq!(flows, json!(with_sector));
    let (_, comites) = common::get_json(&format!("{base}/api/v1/comites?limit=1"));
    driver.go(&format!("{base}/comites"));
    driver.wait_text("#comites ~ p, .paged-list .count", |t| {
        t.ends_with(&format!(" {}", comites["total"]))
    });
    let (_, all) = common::get_json(&format!("{base}/api/v1/certificadores?limit=1"));
    driver.go(&format!("{base}/directorio"));
    driver.wait_text("#dcount", |t| {
        t.starts_with(&format!("{} ", all["total"].as_u64().unwrap()))
    });
}

#[test]
#[ignore = "needs chromium and chromium-driver; .ci/run installs them and runs it with --include-ignored"]
fn keyboard_deep_links_and_a_slow_network() {
    let driver = Driver::start().expect("chromium and chromedriver must be installed");
    let (api, _site, _dir) = two_runs();
    let base = api.base.clone();
    let key = |k: &str| {
        driver.call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "kb", "actions": [
                {"type": "keyDown", "value": k}, {"type": "keyUp", "value": k}]}]})),
        );
    };
    let active = || {
        driver.js("const a = document.activeElement; return [a.tagName, a.id, a.className, a.getAttribute('href')]", json!([]))
    };

    // Keyboard only: the skip link is the first stop and takes focus to the
    // content; the search is typed; a result opens with Enter; Back returns
    // to the same results.
    driver.go(&format!("{base}/directorio"));
    driver.find("#directory tbody tr");
    driver.js(
        "document.activeElement.blur(); window.focus(); return true",
        json!([]),
    );
    key("\u{E004}"); // Tab
    assert_eq!(active()[2], json!("skip"), "{}", active());
    key("\u{E007}"); // Enter
    assert_eq!(active()[1], json!("main"), "{}", active());
    driver.go(&format!("{base}/"));
    let input = driver.find("#q");
    driver.call(
        "POST",
        &format!("/element/{input}/value"),
        Some(json!({"text": "traduccion"})),
    );
    driver.wait_script("return location.search", json!("?q=traduccion"));
    driver.wait_script(
        "return document.getElementById('results').getAttribute('aria-busy')",
        json!("false"),
    );
    let count = driver.text(&driver.find("#count"));
    driver.js(
        "document.querySelector('#results .card a.code').focus(); return true",
        json!([]),
    );
    let href = active()[3].as_str().unwrap().to_string();
    key("\u{E007}");
    driver.wait_script("return location.pathname", json!(href));
    driver.find("#certificadores");
    driver.call("POST", "/back", Some(json!({})));
    driver.wait_script(
        "return location.pathname + location.search",
        json!("/?q=traduccion"),
    );
    driver.wait_text("#count", |t| t == count);
    assert_eq!(
        driver.js("return document.getElementById('q').value", json!([])),
        json!("traduccion")
    );

    // Deep links reload to the same view; a code in any case opens the
    // standard under its published form.
    let (_, estados) = common::get_json(&format!("{base}/api/v1/estados"));
    let state = estados["items"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|e| e["n_certificadores"].as_u64().unwrap())
        .unwrap()["clave"]
        .as_str()
        .unwrap()
        .to_string();
    let ec = first_id(&base, "/api/v1/ec?sort=-certificadores&limit=1", "clave");
    let views = [
        (format!("/directorio?estado={state}&tipo=ECE"), "return [document.getElementById('destado').value, document.getElementById('dtipo').value, document.getElementById('dcount').textContent]"),
        ("/mapa?m=comites".to_string(), "return [document.getElementById('mmetric').value, document.querySelectorAll('#choropleth path').length]"),
        ("/?q=traduccion&nivel=2&todos=1".to_string(), "return [document.getElementById('q').value, document.getElementById('vigente').checked, document.querySelector('#facet-nivel [aria-pressed=true]')?.dataset.value, document.getElementById('count').textContent]"),
        ("/cambios/2".to_string(), "return document.querySelector('main h2:nth-of-type(2)').textContent"),
    ];
    for (path, read) in &views {
        driver.go(&format!("{base}{path}"));
        driver.wait_script(
            "return document.getElementById('main').getAttribute('aria-busy')",
            json!("false"),
        );
        std::thread::sleep(Duration::from_millis(500));
        let before = driver.js(read, json!([]));
        driver.call("POST", "/refresh", Some(json!({})));
        driver.wait_script(
            "return document.getElementById('main').getAttribute('aria-busy')",
            json!("false"),
        );
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(driver.js(read, json!([])), before, "{path} reloaded");
        assert_eq!(
            driver.js("return location.pathname + location.search", json!([])),
            json!(path),
            "{path} kept its URL"
        );
    }
    driver.go(&format!("{base}/ec/{}", ec.to_lowercase()));
    driver.wait_text("main .code", |t| t == ec);
    driver.wait_script("return location.pathname", json!(format!("/ec/{ec}")));

    // A retitled standard: its history says it in words, and "as it was in
    // run 1" shows the old title (in the URL, so it reloads the same).
    let (_, diff) = common::get_json(&format!("{base}/api/v1/runs/2/diff"));
    let retitled = diff["ec"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fields"]["titulo"].is_object())
        .expect("the later state retitles a standard");
    let code = retitled["clave"].as_str().unwrap();
    let before = retitled["fields"]["titulo"]["before"].as_str().unwrap();
    let (_, history) = common::get_json(&format!("{base}/api/v1/ec/{code}/history"));
    driver.go(&format!("{base}/ec/{code}"));
    driver.find("#history");
    let entries = driver.js(
        "const d = document.getElementById('history'); d.open = true; return [d.querySelectorAll('ol.timeline > li').length, d.textContent]",
        json!([]),
    );
    assert_eq!(
        entries[0],
        json!(history["history"].as_array().unwrap().len()),
        "{entries}"
    );
    assert!(
        entries[1]
            .as_str()
            .unwrap()
            .contains(&format!("Cambió el título: «{before}»")),
        "{entries}"
    );
    let option = driver.find("#as-of option[value='1']");
    driver.call("POST", &format!("/element/{option}/click"), None);
    driver.wait_text("main h1", |t| t == before);
    driver.wait_script("return location.search", json!("?as_of=1"));
    driver.find("#as-of-note");
    driver.screenshot("como-estaba");

    // A slow network (every answer 600 ms late): pages clicked in quick
    // succession never leave one page's content under another's URL.
    let slowed = driver.call(
        "POST",
        "/chromium/network_conditions",
        Some(json!({"network_conditions": {"offline": false, "latency": 600, "download_throughput": -1, "upload_throughput": -1}})),
    );
    assert_eq!(slowed, Value::Null, "chromedriver slows the network");
    // The loading bar shows while a page waits.
    driver.js(
        "document.querySelector('[data-nav=comites]').click(); return true",
        json!([]),
    );
    driver.wait_script(
        "return document.getElementById('progress').hidden",
        json!(false),
    );
    for order in [
        ["cambios", "mapa", "directorio"],
        ["mapa", "directorio", "cambios"],
        ["directorio", "cambios", "estado"],
    ] {
        driver.go(&format!("{base}/corridas"));
        driver.find("#runs tbody tr");
        for nav in order {
            driver.js(
                &format!("document.querySelector('[data-nav={nav}]').click(); return true"),
                json!([]),
            );
            std::thread::sleep(Duration::from_millis(150));
        }
        let last = order[2];
        driver.wait_script(
            "return document.getElementById('main').getAttribute('aria-busy')",
            json!("false"),
        );
        std::thread::sleep(Duration::from_millis(2500));
        let shown = driver.js(
            "return [location.pathname, document.querySelector('[aria-current=page]')?.dataset.nav, !!document.getElementById('timeline-chart'), !!document.getElementById('choropleth'), !!document.getElementById('directory'), document.querySelector('main h1')?.textContent]",
            json!([]),
        );
        let want = match last {
            "cambios" => json!([
                format!("/{last}"),
                last,
                true,
                false,
                false,
                "Cambios en el registro"
            ]),
            "directorio" => json!([
                format!("/{last}"),
                last,
                false,
                false,
                true,
                "Directorio de certificadores"
            ]),
            _ => json!([
                format!("/{last}"),
                last,
                false,
                false,
                false,
                "Estado del servicio"
            ]),
        };
        assert_eq!(shown, want, "after {order:?}");
    }
    driver.screenshot("red-lenta");
}
