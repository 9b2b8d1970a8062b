//! `demo` and `testsite`: the RENEC test double, harvested and served.

use crate::config::Config;
use crate::testsite::{corpus::Corpus, faults::FaultRule, generate, TestSite};
use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct SiteArgs {
    /// Serve a captured corpus (getEstandaresAll.json, comites.json, detalles.json) from this folder.
    #[arg(long, conflicts_with = "scale")]
    pub corpus: Option<PathBuf>,
    /// Serve generated data: 100 × N standards.
    #[arg(long)]
    pub scale: Option<u32>,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Inject a fault: CLASS:KIND[:RATE[:ATTEMPTS]], e.g. detail:500:0.2:2 (repeatable).
    #[arg(long = "fault")]
    pub faults: Vec<String>,
    /// Inject a named set of faults: faulty or hostile (see src/testsite/faults.rs).
    #[arg(long, value_parser = ["faulty", "hostile"])]
    pub profile: Option<String>,
    /// Detail pages as renec-site.md draws them (light) or as a real Angular page
    /// serves them (heavy: encapsulation attributes, wrappers, decoys, shuffled panels).
    #[arg(long, default_value = "light", value_parser = ["light", "heavy"])]
    pub markup: String,
}

impl SiteArgs {
    pub fn corpus(&self) -> Result<Corpus> {
        match &self.corpus {
            Some(dir) => Corpus::load(dir)
                .with_context(|| format!("loading the corpus in {}", dir.display())),
            None => Ok(generate::generate(self.scale.unwrap_or(1), self.seed)),
        }
    }

    pub fn markup(&self) -> crate::testsite::heavy::Markup {
        self.markup
            .parse()
            .expect("clap accepts light or heavy only")
    }

    pub fn faults(&self) -> Result<Vec<FaultRule>> {
        let mut rules = match &self.profile {
            Some(name) => crate::testsite::faults::profile(name)?,
            None => vec![],
        };
        for f in &self.faults {
            rules.push(FaultRule::parse(f)?);
        }
        Ok(rules)
    }
}

pub fn demo(
    cfg: Config,
    site: &SiteArgs,
    data_dir: Option<PathBuf>,
    port: u16,
    two_states: bool,
) -> Result<ExitCode> {
    let corpus = site.corpus()?;
    let second = two_states.then(|| crate::testsite::evolve::evolve(&corpus).0);
    let testsite = TestSite::start_with(
        corpus,
        site.faults()?,
        "127.0.0.1:0".parse()?,
        site.markup(),
    )?;
    let data_dir = match data_dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("renec-demo-{}", std::process::id())),
    };
    // The test site is on this machine: no delay between requests is needed.
    let cfg = Config {
        data_dir: data_dir.clone(),
        database_url: String::new(),
        source_url: testsite.base_url(),
        download_delay: 0.0,
        request_timeout: 10.0,
        retry_backoff: 0.2,
        ..cfg
    };
    println!(
        "test site of the RENEC on {} (generated data, no network needed)",
        testsite.base_url()
    );
    let mut code = super::harvest::run_harvest(&cfg, true, false)?;
    if let Some(next) = second {
        println!();
        println!("the test site now serves a second state of the registry; harvesting again");
        testsite.replace_corpus(next);
        code = super::harvest::run_harvest(&cfg, true, false)?;
    }
    println!();
    println!("data: {}", cfg.sqlite_path().display());
    println!(
        "try:  RENEC_DATA_DIR={} renec-harvester stats",
        data_dir.display()
    );
    println!("the UI and the API of these data (Ctrl-C to stop):");
    crate::ops::service::serve(
        &cfg,
        SocketAddr::from(([127, 0, 0, 1], port)),
        None,
        |url| {
            println!("{url}");
            let _ = std::io::Write::flush(&mut std::io::stdout());
        },
        {
            let same = cfg.clone();
            Box::new(move || Ok(same.clone()))
        },
        crate::ops::service::ReadFrom::Sqlite,
    )?;
    Ok(code)
}

/// `testsite`: serves the RENEC test double until Ctrl-C.
pub fn testsite(site: &SiteArgs, bind: SocketAddr) -> Result<ExitCode> {
    let testsite = TestSite::start_with(site.corpus()?, site.faults()?, bind, site.markup())?;
    println!(
        "RENEC test site on {} (Ctrl-C to stop)",
        testsite.base_url()
    );
    loop {
        std::thread::park();
    }
}
