//! Counters for `GET /metrics`, in Prometheus' text exposition format (version 0.0.4).
//!
//! Label values come from a bounded set (route templates, method names, status codes, error
//! codes), never from request data, so a client cannot grow the series without limit. Nothing
//! here identifies a visitor.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, &'static str, u16), u64>>,
    rejections: Mutex<BTreeMap<&'static str, u64>>,
    pub batches_stored: AtomicU64,
    pub events_stored: AtomicU64,
    pub duplicates_dropped: AtomicU64,
    pub outbox_dropped: AtomicU64,
    pub visitors_erased: AtomicU64,
    pub retention_visitors_deleted: AtomicU64,
}

impl Metrics {
    pub fn record_request(&self, route: &str, method: &str, status: u16) {
        let method = match method {
            "GET" => "GET",
            "HEAD" => "HEAD",
            "POST" => "POST",
            "PUT" => "PUT",
            "DELETE" => "DELETE",
            "OPTIONS" => "OPTIONS",
            "PATCH" => "PATCH",
            _ => "other",
        };
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((route.to_owned(), method, status)).or_default() += 1;
        }
    }

    pub fn record_rejection(&self, code: &'static str) {
        if let Ok(mut map) = self.rejections.lock() {
            *map.entry(code).or_default() += 1;
        }
    }

    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The exposition text. `backend` labels the storage gauge.
    pub fn render(&self, backend: &str) -> String {
        let mut out = String::with_capacity(2048);
        out.push_str(
            "# HELP tailor_http_requests_total HTTP requests answered, by route template, method and status.\n\
             # TYPE tailor_http_requests_total counter\n",
        );
        if let Ok(map) = self.requests.lock() {
            for ((route, method, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "tailor_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    escape_label(route)
                );
            }
        }
        out.push_str(
            "# HELP tailor_rejections_total Requests refused, by error code.\n\
             # TYPE tailor_rejections_total counter\n",
        );
        if let Ok(map) = self.rejections.lock() {
            for (code, n) in map.iter() {
                let _ = writeln!(out, "tailor_rejections_total{{reason=\"{code}\"}} {n}");
            }
        }
        let counters: [(&str, &str, &AtomicU64); 6] = [
            (
                "tailor_batches_stored_total",
                "Batches committed.",
                &self.batches_stored,
            ),
            (
                "tailor_events_stored_total",
                "Events committed (new ids).",
                &self.events_stored,
            ),
            (
                "tailor_events_duplicate_total",
                "Events not stored again because their id was already stored.",
                &self.duplicates_dropped,
            ),
            (
                "tailor_outbox_dropped_events_total",
                "Events that browsers reported dropping from a full outbox.",
                &self.outbox_dropped,
            ),
            (
                "tailor_visitors_erased_total",
                "Visitors erased on request.",
                &self.visitors_erased,
            ),
            (
                "tailor_retention_visitors_deleted_total",
                "Visitors deleted by the retention job.",
                &self.retention_visitors_deleted,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP tailor_storage_info The storage backend in use.\n# TYPE tailor_storage_info gauge\ntailor_storage_info{{backend=\"{}\"}} 1",
            escape_label(backend)
        );
        out
    }
}

fn escape_label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_with_labels() {
        let m = Metrics::default();
        m.record_request("/v1/events", "POST", 200);
        m.record_request("/v1/events", "POST", 200);
        m.record_request("/v1/events", "BREW", 403);
        m.record_rejection("consent_required");
        Metrics::add(&m.events_stored, 20);
        let text = m.render("sqlite");
        assert!(text.contains(
            "tailor_http_requests_total{route=\"/v1/events\",method=\"POST\",status=\"200\"} 2"
        ));
        assert!(text.contains("method=\"other\",status=\"403\"} 1"));
        assert!(text.contains("tailor_rejections_total{reason=\"consent_required\"} 1"));
        assert!(text.contains("\ntailor_events_stored_total 20\n"));
        assert!(text.contains("tailor_storage_info{backend=\"sqlite\"} 1"));
    }
}
