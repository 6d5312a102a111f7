//! Request counts and latency by route, the database pool's state, and how long work waited
//! for a thread and a connection, in Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use fleetdesk_persistence::waits::{WAIT_BUCKETS, Waits, WaitsSnapshot};

/// How long database work waited for a thread of the blocking pool (`state::blocking`).
pub static THREAD_WAITS: Waits = Waits::new();

const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Request counts by route and status, and a latency histogram by route.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<MetricsInner>,
}

#[derive(Default)]
struct MetricsInner {
    routes: BTreeMap<String, RouteMetrics>,
}

/// One route's figures. A request finds its route and counter without allocating: the
/// names are copied once, when first seen.
#[derive(Default)]
struct RouteMetrics {
    /// Requests by method and status.
    requests: BTreeMap<(String, u16), u64>,
    latency: Histogram,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut m) = self.inner.lock() else { return };
        if !m.routes.contains_key(route) {
            m.routes.insert(route.to_owned(), RouteMetrics::default());
        }
        let Some(r) = m.routes.get_mut(route) else {
            return;
        };
        match r
            .requests
            .iter_mut()
            .find(|((m, s), _)| m == method && *s == status)
        {
            Some((_, n)) => *n += 1,
            None => {
                r.requests.insert((method.to_owned(), status), 1);
            }
        }
        let h = &mut r.latency;
        for (bucket, bound) in h.buckets.iter_mut().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// Prometheus text exposition format. `waits`: what work waited for (a label), and how
    /// long.
    pub fn render(
        &self,
        pool: (u32, u32),
        pool_max: u32,
        waits: &[(&str, WaitsSnapshot)],
    ) -> String {
        let mut out = String::new();
        let esc = |s: &str| {
            s.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        };
        if let Ok(m) = self.inner.lock() {
            out.push_str(
                "# HELP fleetdesk_http_requests_total HTTP requests by method, route and status.\n",
            );
            out.push_str("# TYPE fleetdesk_http_requests_total counter\n");
            for (route, r) in &m.routes {
                let route = esc(route);
                for ((method, status), n) in &r.requests {
                    let _ = writeln!(
                        out,
                        "fleetdesk_http_requests_total{{method=\"{}\",route=\"{route}\",status=\"{status}\"}} {n}",
                        esc(method),
                    );
                }
            }
            out.push_str(
                "# HELP fleetdesk_http_request_duration_seconds Request latency by route.\n",
            );
            out.push_str("# TYPE fleetdesk_http_request_duration_seconds histogram\n");
            for (route, r) in &m.routes {
                let h = &r.latency;
                let label = format!("route=\"{}\"", esc(route));
                let series = LATENCY_BUCKETS.iter().zip(h.buckets);
                write_histogram(
                    &mut out,
                    "fleetdesk_http_request_duration_seconds",
                    &label,
                    series,
                    h.count,
                    h.sum,
                );
            }
        }
        let (connections, idle) = pool;
        out.push_str("# HELP fleetdesk_db_pool_connections Database pool connections by state.\n");
        out.push_str("# TYPE fleetdesk_db_pool_connections gauge\n");
        let _ = writeln!(
            out,
            "fleetdesk_db_pool_connections{{state=\"idle\"}} {idle}"
        );
        let _ = writeln!(
            out,
            "fleetdesk_db_pool_connections{{state=\"in_use\"}} {}",
            connections.saturating_sub(idle)
        );
        out.push_str("# HELP fleetdesk_db_pool_max_connections The pool's size limit.\n");
        out.push_str("# TYPE fleetdesk_db_pool_max_connections gauge\n");
        let _ = writeln!(out, "fleetdesk_db_pool_max_connections {pool_max}");
        out.push_str(
            "# HELP fleetdesk_wait_seconds How long work waited for a thread of the blocking pool or a database connection.\n",
        );
        out.push_str("# TYPE fleetdesk_wait_seconds histogram\n");
        for (what, w) in waits {
            let label = format!("resource=\"{what}\"");
            let series = WAIT_BUCKETS.iter().zip(w.cumulative);
            write_histogram(
                &mut out,
                "fleetdesk_wait_seconds",
                &label,
                series,
                w.count,
                w.seconds,
            );
        }
        out
    }
}

/// One histogram's series under `label`: a line per cumulative bucket, the catch-all, the sum
/// and the count.
fn write_histogram<'a>(
    out: &mut String,
    name: &str,
    label: &str,
    cumulative: impl Iterator<Item = (&'a f64, u64)>,
    count: u64,
    sum: f64,
) {
    for (bound, n) in cumulative {
        let _ = writeln!(out, "{name}_bucket{{{label},le=\"{bound}\"}} {n}");
    }
    let _ = writeln!(out, "{name}_bucket{{{label},le=\"+Inf\"}} {count}");
    let _ = writeln!(out, "{name}_sum{{{label}}} {sum}");
    let _ = writeln!(out, "{name}_count{{{label}}} {count}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.record("GET", "/x", 200, 0.003);
        m.record("GET", "/x", 200, 0.2);
        let waits = Waits::new();
        waits.record(std::time::Duration::from_micros(300));
        waits.record(std::time::Duration::from_secs(3));
        let text = m.render((3, 1), 10, &[("connection", waits.snapshot())]);
        assert!(text.contains(
            "fleetdesk_http_requests_total{method=\"GET\",route=\"/x\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.25\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("fleetdesk_db_pool_connections{state=\"in_use\"} 2"));
        for line in [
            r#"fleetdesk_wait_seconds_bucket{resource="connection",le="0.0001"} 0"#,
            r#"fleetdesk_wait_seconds_bucket{resource="connection",le="0.0005"} 1"#,
            r#"fleetdesk_wait_seconds_bucket{resource="connection",le="2.5"} 1"#,
            r#"fleetdesk_wait_seconds_bucket{resource="connection",le="+Inf"} 2"#,
            r#"fleetdesk_wait_seconds_sum{resource="connection"} 3.0003"#,
            r#"fleetdesk_wait_seconds_count{resource="connection"} 2"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
    }
}
