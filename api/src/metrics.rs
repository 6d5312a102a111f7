//! Request counts and latency by route, in Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

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
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut m) = self.inner.lock() else { return };
        *m.requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let h = m.latency.entry(route.to_owned()).or_default();
        for (bucket, bound) in h.buckets.iter_mut().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// Prometheus text exposition format.
    pub fn render(&self, pool: (u32, u32), pool_max: u32) -> String {
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
            for ((method, route, status), n) in &m.requests {
                let _ = writeln!(
                    out,
                    "fleetdesk_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                    esc(method),
                    esc(route)
                );
            }
            out.push_str(
                "# HELP fleetdesk_http_request_duration_seconds Request latency by route.\n",
            );
            out.push_str("# TYPE fleetdesk_http_request_duration_seconds histogram\n");
            for (route, h) in &m.latency {
                let route = esc(route);
                for (bound, n) in LATENCY_BUCKETS.iter().zip(h.buckets) {
                    let _ = writeln!(
                        out,
                        "fleetdesk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                    );
                }
                let _ = writeln!(
                    out,
                    "fleetdesk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "fleetdesk_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "fleetdesk_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
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
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.record("GET", "/x", 200, 0.003);
        m.record("GET", "/x", 200, 0.2);
        let text = m.render((3, 1), 10);
        assert!(text.contains(
            "fleetdesk_http_requests_total{method=\"GET\",route=\"/x\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.25\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("fleetdesk_db_pool_connections{state=\"in_use\"} 2"));
    }
}
