//! API load for the soak tests: connections that each walk a list of
//! distinct paths on one keep-alive connection until stopped.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct Load {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicU64>,
    failures: Arc<Mutex<Vec<String>>>,
    workers: Vec<JoinHandle<()>>,
}

/// Starts `connections` workers on `base`; connection `i` starts at path
/// `i * 7` of `paths`. An answer whose status `ok` refuses, a body cut
/// short, or a transport error is a failure.
pub fn start(base: &str, paths: Vec<String>, connections: usize, ok: fn(u16) -> bool) -> Load {
    let paths = Arc::new(paths);
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let workers = (0..connections)
        .map(|i| {
            let (paths, base, stop) = (paths.clone(), base.to_string(), stop.clone());
            let (answered, failures) = (answered.clone(), failures.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .max_idle_connections_per_host(1)
                    .timeout_global(Some(Duration::from_secs(30)))
                    .build()
                    .into();
                let mut n = i * 7;
                while !stop.load(Ordering::Relaxed) {
                    let path = &paths[n % paths.len()];
                    n += 1;
                    match agent.get(format!("{base}{path}")).call() {
                        Ok(mut r) => {
                            let status = r.status().as_u16();
                            let body = r.body_mut().with_config().limit(64 << 20).read_to_vec();
                            if !ok(status) || body.is_err() {
                                failures
                                    .lock()
                                    .unwrap()
                                    .push(format!("{path}: {status} {body:?}"));
                            }
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => failures.lock().unwrap().push(format!("{path}: {e}")),
                    }
                }
            })
        })
        .collect();
    Load {
        stop,
        answered,
        failures,
        workers,
    }
}

impl Load {
    /// Stops the workers; returns how many answers came and the failures.
    pub fn stop(self) -> (u64, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        for w in self.workers {
            w.join().unwrap();
        }
        let failures = self.failures.lock().unwrap().clone();
        (self.answered.load(Ordering::Relaxed), failures)
    }
}
