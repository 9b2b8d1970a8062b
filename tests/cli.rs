//! The binary as operators use it: exit codes, messages, `stats --json`.

mod common;

use renec_harvester::testsite::generate::generate;
use std::process::Output;

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_invalid_setting_stops_before_anything_and_names_key_value_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::bin()
        .args(["config", "check"])
        .env("CONCURRENT_REQUESTS", "0")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (_, err) = text(&out);
    assert!(
        err.contains("`CONCURRENT_REQUESTS` must be a whole number between 1 and 64, got \"0\""),
        "{err}"
    );
    let out = common::bin()
        .args(["harvest"])
        .env("ROBOTSTXT_OBEY", "perhaps")
        .env("RENEC_DATA_DIR", dir.path().join("d"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out)
        .1
        .contains("`ROBOTSTXT_OBEY` must be true or false"));
    assert!(
        !dir.path().join("d").exists(),
        "nothing may be created before the configuration is valid"
    );
    // Values that used to be accepted and then ignored or misused.
    for (var, value, says) in [
        ("DATABASE_URL", "mysql://u@db/renec", "sqlite://PATH"),
        ("DATABASE_URL", "garbage", "sqlite://PATH"),
        (
            "DATABASE_URL",
            "postgres://u@db",
            "postgres://USER:PASSWORD@HOST",
        ),
        ("API_HOST", "999.1.1.1", "must be an IP address"),
        ("CORS_ORIGINS", "not-a-url", "is not an origin"),
    ] {
        let out = common::bin()
            .args(["config", "check"])
            .env(var, value)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let (_, err) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{var}={value}: {err}");
        assert!(
            err.contains(var) && err.contains(says),
            "{var}={value}: {err}"
        );
    }
}

#[test]
fn config_check_redacts_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let token = "s3cr3tT0ken";
    let out = common::bin()
        .args(["config", "check"])
        .env(
            "RENEC_WEBHOOK_URL",
            format!("https://hooks.slack.com/services/T0/B0/{token}"),
        )
        .env("PROMETHEUS_TOKEN", token)
        .env("CONCURRENT_REQUESTS", "8")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stdout.contains(token) && !stderr.contains(token),
        "{stdout}"
    );
    assert!(
        stdout.contains("https://hooks.slack.com/… (redacted)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "crawl.concurrent_requests = \"8\"    # CONCURRENT_REQUESTS (env CONCURRENT_REQUESTS)"
        ),
        "{stdout}"
    );
}

/// Starts `demo` with `args`: the process, what it printed before its
/// address, and the address (its last line).
fn demo(args: &[&str], dir: &std::path::Path) -> (std::process::Child, String, String) {
    use std::io::{BufRead, BufReader};
    let mut child = common::bin()
        .arg("demo")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let url = loop {
        let line = lines
            .next()
            .expect("demo ended before printing its address")
            .unwrap();
        if line.starts_with("http://127.0.0.1:") {
            break line;
        }
        seen.push(line);
    };
    (child, seen.join("\n"), url)
}

#[test]
fn demo_with_two_states_publishes_both_runs_and_their_diff() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, text, url) = demo(&["--two-states"], dir.path());
    assert!(
        text.contains("run 1 PUBLISHED") && text.contains("run 2 PUBLISHED"),
        "{text}"
    );
    let (_, diff) = common::get_json(&format!("{url}api/v1/runs/2/diff"));
    for kind in ["ec", "certificadores"] {
        assert!(
            !diff[kind]["added"].as_array().unwrap().is_empty()
                || !diff[kind]["changed"].as_array().unwrap().is_empty(),
            "{kind}: {diff}"
        );
    }
    for side in ["added", "removed"] {
        assert!(
            !diff["certificador_estado"][side]
                .as_array()
                .unwrap()
                .is_empty(),
            "certifier states {side}: {diff}"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn demo_serves_its_data_then_stats_json() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, text, url) = demo(&[], dir.path());
    assert!(
        text.contains("PUBLISHED") && text.contains("renec.sqlite3"),
        "{text}"
    );
    let (status, stats) = common::get_json(&format!("{url}api/v1/stats"));
    assert_eq!(status, 200);
    assert_eq!(stats["estandares_vigentes"], 100);
    let (status, _, page) = common::get(&url, &[]);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&page).contains("<script type=\"module\" src=\"/js/main.js\""));
    child.kill().unwrap();
    child.wait().unwrap();

    let out = common::bin()
        .args(["stats", "--json"])
        .env("RENEC_DATA_DIR", dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "estandares_vigentes",
        "estandares_inactivos",
        "estandares_marca",
        "calificaciones_historicas",
        "certificadores",
        "centros",
        "comites",
        "sectores",
        "ec_certificador",
        "ec_centro",
        "ec_ocupacion",
    ] {
        assert!(v[key].as_i64().is_some_and(|n| n > 0), "{key}: {v}");
    }
    assert_eq!(v["last_run"]["status"], "published");
    assert!(v["last_run"]["finished_at"].is_string());
}

#[test]
fn stats_without_a_database_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::bin()
        .args(["stats"])
        .env("RENEC_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("run `renec-harvester harvest` first"));
}

#[test]
fn a_held_run_exits_2() {
    let mut corpus = generate(1, 31);
    let keys: Vec<String> = corpus.detalles.keys().cloned().collect();
    for k in keys.iter().step_by(4) {
        corpus.detalles.remove(k);
    }
    let site = common::site(corpus, &[]);
    let dir = tempfile::tempdir().unwrap();
    let out = common::bin()
        .args(["harvest", "--no-progress"])
        .env("RENEC_SOURCE_URL", site.base_url())
        .env("RENEC_DATA_DIR", dir.path())
        .env("DOWNLOAD_DELAY", "0")
        .output()
        .unwrap();
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("HELD") && stdout.contains("coverage of detail is 75.00%"),
        "{stdout}"
    );
}

/// The packaged configuration (with its two paths pointed at temporary
/// ones) makes a command run from any directory act on the service's data
/// directory and read the service's environment file: `snapshot import`
/// once loaded into `./data` of the shell's directory.
#[test]
fn the_packaged_configuration_makes_shell_commands_act_on_the_service_data() {
    let site = common::site(generate(1, 9), &[]);
    let service_data = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let etc = tempfile::tempdir().unwrap();
    let env_file = etc.path().join("renec-harvester.default");
    std::fs::write(
        &env_file,
        format!("RENEC_SOURCE_URL={}\nDOWNLOAD_DELAY=0\n", site.base_url()),
    )
    .unwrap();
    let packaged = renec_harvester::config::Config::packaged_toml()
        .replace(
            "/var/lib/renec-harvester",
            service_data.path().to_str().unwrap(),
        )
        .replace("/etc/default/renec-harvester", env_file.to_str().unwrap());
    let config = etc.path().join("config.toml");
    std::fs::write(&config, packaged).unwrap();
    let run = |args: &[&str]| {
        common::bin()
            .arg("--config")
            .arg(&config)
            .args(args)
            .current_dir(elsewhere.path())
            .output()
            .unwrap()
    };

    let out = run(&["config", "check"]);
    let (said, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        said.contains(&format!(
            "# commands act on the data directory {} (file {})",
            service_data.path().display(),
            config.display()
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!("# environment file {}: read", env_file.display())),
        "{said}"
    );
    assert!(
        said.contains(&format!("RENEC_SOURCE_URL in {}", env_file.display())),
        "{said}"
    );

    // The harvest takes its source from the environment file, like the service.
    let out = run(&["harvest", "--no-progress"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let out = run(&["snapshot", "create"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let (listed, _) = text(&run(&["snapshot", "list"]));
    assert!(listed.contains("run 1"), "{listed}");
    assert!(service_data.path().join("renec.sqlite3").is_file());
    assert!(
        !elsewhere.path().join("data").exists(),
        "nothing lands in ./data of the shell's directory"
    );
}

/// A data directory owned by another user is refused with the line that
/// runs the same command as its owner (root's files would lock the service
/// out of its own data).
#[test]
fn a_data_directory_of_another_user_is_refused_with_the_sudo_line() {
    use renec_harvester::commands::owner;
    let dir = tempfile::tempdir().unwrap();
    let me = owner::current_uid().unwrap();
    let (data, owner_uid) = if me == 0 {
        // As root: a directory given to nobody (65534).
        std::os::unix::fs::chown(dir.path(), Some(65534), Some(65534)).unwrap();
        (dir.path().to_path_buf(), 65534)
    } else {
        // As anyone else: a directory of root's.
        (std::path::PathBuf::from("/"), 0)
    };
    let name = owner::user_name(owner_uid).unwrap_or(format!("#{owner_uid}"));
    let out = common::bin_in(&data)
        .args(["snapshot", "import", "/tmp/some bundle.tar"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (_, err) = text(&out);
    assert!(
        err.contains(&format!(
            "sudo -u {name} renec-harvester snapshot import '/tmp/some bundle.tar'"
        )),
        "{err}"
    );
    // config check still answers, and says whose the directory is.
    let out = common::bin_in(&data)
        .args(["config", "check"])
        .output()
        .unwrap();
    let (said, _) = text(&out);
    assert!(
        said.contains(&format!("it belongs to user {name}")),
        "{said}"
    );
}
