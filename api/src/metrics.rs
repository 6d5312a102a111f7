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
                let (route, h) = (esc(route), &r.latency);
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
