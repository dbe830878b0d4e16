//! `/metrics`, in Prometheus's text format, on the provisioning listener (the
//! operators' side, never a collectivité's host): the requests of every
//! plane by route, method and status with their latencies, the jobs by kind
//! and state (the outbox's depth is the pending `mail.send`), the database
//! pool's connections.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use guichet_core::store::Store;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Latency {
    /// Per bucket of [`BUCKETS`], then +Inf: how many took at most that.
    counts: [u64; BUCKETS.len() + 1],
    sum: f64,
}

#[derive(Default)]
struct Counts {
    /// (route, method, status) → requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → latencies.
    latency: BTreeMap<String, Latency>,
}

/// What this process counted since it started, and where the rest is read.
pub struct Metrics {
    counts: Mutex<Counts>,
    store: Store,
}

impl Metrics {
    pub fn new(store: Store) -> Metrics {
        Metrics {
            counts: Mutex::new(Counts::default()),
            store,
        }
    }

    fn count(&self, route: String, method: String, status: u16, seconds: f64) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *c.requests
            .entry((route.clone(), method, status))
            .or_default() += 1;
        let l = c.latency.entry(route).or_default();
        let at = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        l.counts[at] += 1;
        l.sum += seconds;
    }

    /// The text of `/metrics` (blocking: it reads the jobs' table).
    pub fn render(&self) -> String {
        let mut out = String::new();
        {
            let c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            out.push_str("# HELP guichet_http_requests_total Requests answered, by route, method and status.\n# TYPE guichet_http_requests_total counter\n");
            for ((route, method, status), n) in &c.requests {
                let _ = writeln!(
                    out,
                    "guichet_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
            out.push_str("# HELP guichet_http_request_duration_seconds Time to answer, by route.\n# TYPE guichet_http_request_duration_seconds histogram\n");
            for (route, l) in &c.latency {
                let route = escape(route);
                let mut cumulated = 0;
                for (i, n) in l.counts.iter().enumerate() {
                    cumulated += n;
                    let le = BUCKETS.get(i).map_or("+Inf".to_owned(), |b| b.to_string());
                    let _ = writeln!(
                        out,
                        "guichet_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulated}"
                    );
                }
                let _ = writeln!(
                    out,
                    "guichet_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\nguichet_http_request_duration_seconds_count{{route=\"{route}\"}} {cumulated}",
                    l.sum
                );
            }
        }
        let pool = self.store.pool_state();
        let _ = writeln!(
            out,
            "# HELP guichet_db_pool_connections Connections of this process's pool.\n# TYPE guichet_db_pool_connections gauge\nguichet_db_pool_connections{{state=\"open\"}} {}\nguichet_db_pool_connections{{state=\"idle\"}} {}",
            pool.0, pool.1
        );
        if let Some(served) = self.store.reads_served() {
            let _ = writeln!(
                out,
                "# HELP guichet_db_report_reads_total Reads of searches, exports and statistics, by where they went.\n# TYPE guichet_db_report_reads_total counter\nguichet_db_report_reads_total{{server=\"replica\"}} {}\nguichet_db_report_reads_total{{server=\"primary\"}} {}\n# HELP guichet_db_replica_rests_total Times the replica failed and was set aside for 5 s.\n# TYPE guichet_db_replica_rests_total counter\nguichet_db_replica_rests_total {}",
                served.replica, served.primary, served.rests
            );
        }
        out.push_str("# HELP guichet_jobs Jobs kept, by kind and state (mail.send pending: the outbox's depth).\n# TYPE guichet_jobs gauge\n");
        match self.store.platform_read(guichet_core::jobs::counts) {
            Ok(counts) => {
                for (kind, state, n) in counts {
                    let _ = writeln!(
                        out,
                        "guichet_jobs{{kind=\"{}\",state=\"{}\"}} {n}",
                        escape(&kind),
                        escape(&state)
                    );
                }
                out.push_str("guichet_database_up 1\n");
                self.payments(&mut out);
            }
            Err(e) => {
                tracing::warn!(error = %e, "mesures : file des tâches illisible");
                out.push_str("guichet_database_up 0\n");
            }
        }
        out
    }
}

impl Metrics {
    fn payments(&self, out: &mut String) {
        match guichet_core::payments::online::in_progress(&self.store) {
            Ok(counts) => {
                out.push_str("# HELP guichet_payments_in_progress Payments started at the bank and not settled yet, by collectivité.\n# TYPE guichet_payments_in_progress gauge\n");
                for (slug, n) in counts {
                    let _ = writeln!(
                        out,
                        "guichet_payments_in_progress{{collectivite=\"{}\"}} {n}",
                        escape(&slug)
                    );
                }
            }
            Err(e) => tracing::warn!(error = %e, "mesures : paiements en cours illisibles"),
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: counts each answer under its route's pattern (never the
/// path itself: ids and secrets stay out, the series stay few).
pub async fn count(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    let res = next.call(req).await;
    if let Some(metrics) = metrics {
        let (route, status) = match &res {
            Ok(r) => (
                r.request()
                    .match_pattern()
                    .unwrap_or_else(|| "(aucune)".to_owned()),
                r.status().as_u16(),
            ),
            Err(e) => (
                "(erreur)".to_owned(),
                e.as_response_error().status_code().as_u16(),
            ),
        };
        metrics.count(route, method, status, started.elapsed().as_secs_f64());
    }
    res
}

/// `GET /metrics`.
pub async fn page(metrics: web::Data<Metrics>) -> Result<HttpResponse, super::AppError> {
    let m = metrics.into_inner();
    let text = super::blocking(move || Ok(m.render())).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
