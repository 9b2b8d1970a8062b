//! Prometheus metrics, with the names the production dashboards and alert
//! rules use. One process-wide registry.

use prometheus::{
    Encoder, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use std::sync::OnceLock;

pub struct Metrics {
    pub registry: Registry,
    pub api_response_duration: HistogramVec,
    pub api_requests_total: IntCounterVec,
    pub api_errors_total: IntCounterVec,
    pub spider_requests_total: IntCounterVec,
    pub spider_items_scraped_total: IntCounterVec,
    pub spider_retries_total: IntCounterVec,
    pub spider_response_status_total: IntCounterVec,
    pub db_connection_pool_available: IntGaugeVec,
    pub db_connection_pool_size: IntGaugeVec,
    pub postgres_last_synced_run: IntGauge,
    pub postgres_sync_lag_runs: IntGauge,
    pub postgres_sync_failures_total: IntCounter,
    pub postgres_last_sync_timestamp: Gauge,
    pub postgres_sync_seconds: Gauge,
    pub read_node_run: IntGauge,
    pub read_node_source_up: IntGauge,
    pub cache_hits_total: IntCounter,
    pub cache_misses_total: IntCounter,
    pub cache_bytes: IntGauge,
    pub api_view_build_seconds: Gauge,
    pub api_view_run: IntGauge,
    pub last_published_run_timestamp: Gauge,
    pub data_age_seconds: Gauge,
    pub coverage_ratio: GaugeVec,
    pub harvest_running: IntGauge,
    pub job_last_run: GaugeVec,
    pub job_last_success: GaugeVec,
    pub last_run_held: IntGauge,
    pub run_items: IntGaugeVec,
}

/// The `method` label of a request: the standard methods by name, any
/// other string as `other`, so that invented methods cannot grow the label set.
pub fn method_label(method: &warp::http::Method) -> &'static str {
    use warp::http::Method;
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::HEAD, "HEAD"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::PATCH, "PATCH"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN
        .iter()
        .find(|(m, _)| m == method)
        .map_or("other", |(_, label)| label)
}

fn gauge_vec(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    let g = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric");
    r.register(Box::new(g.clone())).expect("unique metric");
    g
}

fn counter_vec(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
    r.register(Box::new(c.clone())).expect("unique metric");
    c
}

fn build() -> Metrics {
    let r = Registry::new();
    let api_response_duration = HistogramVec::new(
        HistogramOpts::new("api_response_duration", "API response time in seconds").buckets(vec![
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        ]),
        &["route", "status"],
    )
    .expect("valid metric");
    r.register(Box::new(api_response_duration.clone()))
        .expect("unique metric");
    let gauge = |name: &str, help: &str| {
        let g = IntGauge::new(name, help).expect("valid metric");
        r.register(Box::new(g.clone())).expect("unique metric");
        g
    };
    let fgauge = |name: &str, help: &str| {
        let g = Gauge::new(name, help).expect("valid metric");
        r.register(Box::new(g.clone())).expect("unique metric");
        g
    };
    let counter = |name: &str, help: &str| {
        let c = IntCounter::new(name, help).expect("valid metric");
        r.register(Box::new(c.clone())).expect("unique metric");
        c
    };
    let coverage_ratio = GaugeVec::new(
        Opts::new(
            "renec_coverage_ratio",
            "Coverage of each source in the last published run",
        ),
        &["source"],
    )
    .expect("valid metric");
    r.register(Box::new(coverage_ratio.clone()))
        .expect("unique metric");
    #[cfg(target_os = "linux")]
    r.register(Box::new(
        prometheus::process_collector::ProcessCollector::for_self(),
    ))
    .expect("process metrics");
    let job_last_run = GaugeVec::new(
        Opts::new(
            "renec_job_last_run_timestamp_seconds",
            "When each scheduled job last ran (Unix time)",
        ),
        &["name"],
    )
    .expect("valid metric");
    r.register(Box::new(job_last_run.clone()))
        .expect("unique metric");
    let job_last_success = GaugeVec::new(
        Opts::new(
            "renec_job_last_success",
            "1 when the job's last run succeeded, 0 when it failed",
        ),
        &["name"],
    )
    .expect("valid metric");
    r.register(Box::new(job_last_success.clone()))
        .expect("unique metric");
    let run_items = IntGaugeVec::new(
        Opts::new(
            "renec_run_items",
            "Entities and links of the latest finished run, by entity",
        ),
        &["entity"],
    )
    .expect("valid metric");
    r.register(Box::new(run_items.clone()))
        .expect("unique metric");
    Metrics {
        run_items,
        last_run_held: gauge(
            "renec_last_run_held",
            "1 when the latest finished run was held by its quality checks",
        ),
        job_last_run,
        job_last_success,
        api_requests_total: counter_vec(
            &r,
            "api_requests_total",
            "API requests",
            &["route", "method", "status"],
        ),
        api_errors_total: counter_vec(
            &r,
            "api_errors_total",
            "API answers with a server error (5xx), by route and status; client errors are in api_requests_total by status",
            &["route", "status"],
        ),
        spider_requests_total: counter_vec(
            &r,
            "spider_requests_total",
            "HTTP requests made by the harvester",
            &["source"],
        ),
        spider_items_scraped_total: counter_vec(
            &r,
            "spider_items_scraped_total",
            "Pages whose parser understood them, by source, counted as they are parsed (divide by spider_requests_total for a success rate)",
            &["source"],
        ),
        spider_retries_total: counter_vec(
            &r,
            "spider_retries_total",
            "Requests retried by the harvester",
            &["source"],
        ),
        spider_response_status_total: counter_vec(
            &r,
            "spider_response_status_total",
            "Harvester responses by HTTP status",
            &["code"],
        ),
        db_connection_pool_available: gauge_vec(
            &r,
            "db_connection_pool_available",
            "Database connections free, by pool (sqlite: the API's read pool; postgres: the PostgreSQL pool)",
            &["pool"],
        ),
        db_connection_pool_size: gauge_vec(
            &r,
            "db_connection_pool_size",
            "Size of each database pool (sqlite, postgres)",
            &["pool"],
        ),
        postgres_last_synced_run: gauge(
            "renec_postgres_last_synced_run",
            "The run PostgreSQL holds (0: nothing synced yet)",
        ),
        postgres_sync_lag_runs: gauge(
            "renec_postgres_sync_lag_runs",
            "Published runs not yet synced to PostgreSQL",
        ),
        postgres_sync_failures_total: counter(
            "renec_postgres_sync_failures_total",
            "PostgreSQL sync attempts that failed (each is retried with backoff)",
        ),
        postgres_last_sync_timestamp: fgauge(
            "renec_postgres_last_sync_timestamp_seconds",
            "When the last sync to PostgreSQL succeeded (Unix time)",
        ),
        postgres_sync_seconds: fgauge(
            "renec_postgres_sync_seconds",
            "Seconds the last sync that wrote something took",
        ),
        read_node_run: gauge(
            "renec_read_node_run",
            "Read nodes: the run loaded from PostgreSQL and served (0: none)",
        ),
        read_node_source_up: gauge(
            "renec_read_node_postgres_up",
            "Read nodes: 1 when PostgreSQL answered the last check",
        ),
        cache_hits_total: counter("cache_hits_total", "API answers served from the cache"),
        cache_bytes: gauge(
            "api_cache_bytes",
            "Bytes the response cache holds (keys and bodies), bounded by API_CACHE_MB",
        ),
        api_view_build_seconds: fgauge(
            "api_view_build_seconds",
            "Seconds the last in-memory view of the published run took to build",
        ),
        api_view_run: gauge(
            "api_view_run",
            "The run the in-memory view holds (0: none; reads then go to the database)",
        ),
        cache_misses_total: counter(
            "cache_misses_total",
            "API answers computed because the cache did not have them",
        ),
        last_published_run_timestamp: fgauge(
            "renec_last_published_run_timestamp_seconds",
            "When the published run finished (Unix time)",
        ),
        data_age_seconds: fgauge(
            "renec_data_age_seconds",
            "Age of the published data in seconds",
        ),
        harvest_running: gauge(
            "renec_harvest_running",
            "1 while a harvest runs in this process",
        ),
        coverage_ratio,
        api_response_duration,
        registry: r,
    }
}

/// The harvester's sources, as metric labels.
pub const SOURCES: [&str; 5] = ["robots", "catalogue", "committees", "detail", "legacy"];

/// The process-wide metrics. The harvester's series start at zero for every
/// source, so that dashboards and alert rules see them before the first run.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let m = build();
        for source in SOURCES {
            m.spider_requests_total.with_label_values(&[source]);
            m.spider_retries_total.with_label_values(&[source]);
        }
        // The API's read pool exists in every process that serves.
        m.db_connection_pool_size.with_label_values(&["sqlite"]);
        m.db_connection_pool_available
            .with_label_values(&["sqlite"]);
        // 0 means "has not run in this process yet".
        for job in ["harvest", "probe", "snapshot", "retention"] {
            m.job_last_run.with_label_values(&[job]);
        }
        m
    })
}

/// The text exposition format.
pub fn render() -> String {
    let mut buf = Vec::new();
    TextEncoder::new()
        .encode(&metrics().registry.gather(), &mut buf)
        .expect("encode metrics");
    String::from_utf8(buf).expect("metrics are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashboard_names_are_exported() {
        let m = metrics();
        m.api_response_duration
            .with_label_values(&["/api/v1/ec", "200"])
            .observe(0.001);
        m.api_requests_total
            .with_label_values(&["/api/v1/ec", "GET", "200"])
            .inc();
        m.api_errors_total
            .with_label_values(&["/api/v1/ec", "500"])
            .inc();
        m.spider_requests_total.with_label_values(&["detail"]).inc();
        m.spider_items_scraped_total
            .with_label_values(&["detail"])
            .inc();
        m.spider_retries_total.with_label_values(&["detail"]).inc();
        m.spider_response_status_total
            .with_label_values(&["200"])
            .inc();
        m.coverage_ratio.with_label_values(&["detail"]).set(1.0);
        let text = render();
        for name in [
            "api_response_duration_bucket",
            "api_requests_total",
            "api_errors_total",
            "spider_requests_total",
            "spider_items_scraped_total",
            "spider_retries_total",
            "spider_response_status_total",
            "db_connection_pool_available",
            "db_connection_pool_size",
            "cache_hits_total",
            "cache_misses_total",
            "renec_last_published_run_timestamp_seconds",
            "renec_data_age_seconds",
            "renec_coverage_ratio",
            "renec_harvest_running",
        ] {
            assert!(text.contains(name), "{name} missing");
        }
    }
}
