//! The configuration table, fed text and maps (never the process environment).

use super::*;
use std::collections::HashMap;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

#[test]
fn defaults_match_the_production_guide() {
    let c = Config::build(None, &env_of(&[])).unwrap();
    assert_eq!(c.concurrent_requests, 16);
    assert_eq!(c.download_delay, 0.5);
    assert!(c.autothrottle_enabled && c.robotstxt_obey && c.randomize_delay);
    assert_eq!(c.autothrottle_target_concurrency, 8.0);
    assert_eq!(c.source_url, "https://conocer.gob.mx");
    assert_eq!(c.sqlite_path(), PathBuf::from("./data/renec.sqlite3"));
    assert!(
        c.user_agent().starts_with("renec-harvester/0.") && c.user_agent().contains("(+https://")
    );
}

#[test]
fn env_beats_file_beats_default() {
    let file = "[crawl]\nconcurrent_requests = 4\ndownload_delay = 2.0\n[source]\nurl = \"http://127.0.0.1:9/\"\n";
    let c = Config::build(
        Some((Path::new("f.toml"), file)),
        &env_of(&[("CONCURRENT_REQUESTS", "7")]),
    )
    .unwrap();
    assert_eq!(c.concurrent_requests, 7);
    assert_eq!(
        c.origins["crawl.concurrent_requests"],
        Origin::Env("CONCURRENT_REQUESTS")
    );
    assert_eq!(c.download_delay, 2.0);
    assert_eq!(
        c.origins["crawl.download_delay"],
        Origin::File(PathBuf::from("f.toml"))
    );
    assert_eq!(c.source_url, "http://127.0.0.1:9");
    assert_eq!(c.api_port, 8000);
}

#[test]
fn invalid_values_name_key_value_and_rule() {
    let err = Config::build(None, &env_of(&[("CONCURRENT_REQUESTS", "0")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`CONCURRENT_REQUESTS` must be a whole number between 1 and 64, got \"0\""
    );
    let err = Config::build(
        Some((Path::new("f.toml"), "[robots]\nobey = true\n")),
        &env_of(&[]),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown configuration key `robots.obey`"),
        "{err}"
    );
    let err = Config::build(
        Some((Path::new("f.toml"), "[crawl]\nrobotstxt_obey = \"maybe\"\n")),
        &env_of(&[]),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("`crawl.robotstxt_obey` must be true or false"),
        "{err}"
    );
    let err = Config::build(None, &env_of(&[("RENEC_SOURCE_URL", "ftp://x")])).unwrap_err();
    assert!(err.to_string().contains("http:// or https://"), "{err}");
}

#[test]
fn secrets_are_redacted_and_have_a_file_twin() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("hook");
    std::fs::write(&secret, "https://hooks.example/services/T0/s3cret\n").unwrap();
    let c = Config::build(
        None,
        &env_of(&[("RENEC_WEBHOOK_URL_FILE", secret.to_str().unwrap())]),
    )
    .unwrap();
    assert_eq!(c.webhook_url, "https://hooks.example/services/T0/s3cret");
    let dump = c.dump();
    assert!(!dump.contains("s3cret"), "{dump}");
    assert!(
        dump.contains("https://hooks.example/… (redacted)"),
        "{dump}"
    );
    assert_eq!(c.sqlite_path(), PathBuf::from("./data/renec.sqlite3"));
}

#[test]
fn the_example_file_is_the_generated_one_and_parses() {
    let text = Config::example_toml();
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/config.toml"))
            .unwrap();
    assert_eq!(
        file, text,
        "run `renec-harvester config example > examples/config.toml`"
    );
    let uncommented: String = text
        .lines()
        .map(|l| {
            l.strip_prefix('#')
                .filter(|r| r.contains(" = "))
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let c = Config::build(
        Some((Path::new("example.toml"), &uncommented)),
        &env_of(&[]),
    )
    .unwrap();
    assert_eq!(c.concurrent_requests, 16);
    assert_eq!(c.schedule_harvest, "0 0 7 * * Mon");
}

#[test]
fn every_option_is_documented_and_its_default_parses() {
    let c = Config::defaults();
    for o in OPTIONS {
        assert!(!o.doc.is_empty() && !o.env.is_empty(), "{}", o.key);
        assert_eq!(c.origins[o.key], Origin::Default);
    }
}

#[test]
fn the_packaged_file_is_the_generated_one_and_points_at_the_service_data() {
    let text = Config::packaged_toml();
    let file = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/packaging/config.toml"
    ))
    .unwrap();
    assert_eq!(
        file, text,
        "run `renec-harvester config example --packaged > packaging/config.toml`"
    );
    let c = Config::build(Some((Path::new(PACKAGED_FILE), &text)), &env_of(&[])).unwrap();
    assert_eq!(c.data_dir, PathBuf::from("/var/lib/renec-harvester"));
    assert_eq!(
        c.sqlite_path(),
        PathBuf::from("/var/lib/renec-harvester/renec.sqlite3")
    );
    assert_eq!(
        c.environment_files,
        [
            "/etc/default/renec-harvester",
            "/etc/sysconfig/renec-harvester"
        ]
    );
}

#[test]
fn environment_files_apply_below_the_process_environment() {
    let dir = tempfile::tempdir().unwrap();
    let vars = dir.path().join("renec-harvester.default");
    std::fs::write(
        &vars,
        "# comment\n; another\nAPI_PORT=9100\nS3_BUCKET=\"backups-mx\"\nAWS_ACCESS_KEY_ID='AKIA1'\nAWS_SECRET_ACCESS_KEY=s3cr3t\nCONCURRENT_REQUESTS=4\n",
    )
    .unwrap();
    let text = format!(
        "[service]\nenvironment_files = [\"{}\", \"{}\"]\n[api]\nport = 8001\n",
        dir.path().join("missing").display(),
        vars.display()
    );
    let c = Config::build(
        Some((Path::new("c.toml"), &text)),
        &env_of(&[("CONCURRENT_REQUESTS", "2")]),
    )
    .unwrap();
    assert_eq!(c.api_port, 9100, "the file's variable beats the file's key");
    assert_eq!(
        c.origins["api.port"],
        Origin::EnvFile(vars.clone(), "API_PORT")
    );
    assert_eq!(c.concurrent_requests, 2, "the process environment wins");
    assert_eq!(c.s3_bucket, "backups-mx");
    assert_eq!(c.aws_access_key_id, "AKIA1");
    assert!(c
        .dump()
        .contains(&format!("API_PORT in {}", vars.display())));
    assert!(!c.dump().contains("s3cr3t"));
}

#[test]
fn a_bucket_without_credentials_is_refused_by_name() {
    let err = Config::build(None, &env_of(&[("S3_BUCKET", "b-1")])).unwrap_err();
    assert!(
        err.to_string()
            .contains("`AWS_ACCESS_KEY_ID` must be set when S3_BUCKET is"),
        "{err}"
    );
    let err = Config::build(None, &env_of(&[("S3_BUCKET", "Bad_Bucket")])).unwrap_err();
    assert!(
        err.to_string().contains("must be an S3 bucket name"),
        "{err}"
    );
}
