//! Ingest throughput on loopback: batches of 20 events from a fixed number of keep-alive
//! clients against the real router and store, for SQLite and (when a URL is given) PostgreSQL.
//! Prints `name: value` lines; bounded to about 30 s in all.
//!
//!   cargo run --release -p tailor-server --example ingest_bench [-- --seconds 8 --concurrency 8 --postgres URL]
//!
//! An example rather than a `cargo bench` target: a bench makes cargo build the `tailor` binary
//! too, and with the workspace's `panic = "abort"` release profile that builds two copies of the
//! dependencies (unwind for the bench, abort for the binary) that do not link together.
//!
//! The PostgreSQL URL may also come from `TAILOR_BENCH_POSTGRES_URL` or
//! `TAILOR_TEST_POSTGRES_URL`. Server and clients share this machine's cores, as they would not
//! in production, so the figures are a floor.

#[path = "../tests/support/mod.rs"]
mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::Http;
use tailor_server::config::ServeConfig;
use tailor_server::store::Storage;
use tailor_server::{app, AppState};

const EVENTS_PER_BATCH: usize = 20;
const WARMUP: Duration = Duration::from_secs(1);

struct Options {
    seconds: u64,
    concurrency: usize,
    postgres: Option<String>,
}

fn options() -> Options {
    let mut o = Options {
        seconds: 8,
        concurrency: 8,
        postgres: std::env::var("TAILOR_BENCH_POSTGRES_URL")
            .or_else(|_| std::env::var("TAILOR_TEST_POSTGRES_URL"))
            .ok()
            .filter(|u| !u.is_empty()),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                o.seconds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(8)
                    .clamp(1, 12)
            }
            "--concurrency" => {
                o.concurrency = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(8)
                    .clamp(1, 64)
            }
            "--postgres" => o.postgres = it.next().cloned(),
            _ => {} // Anything else (such as `--bench`) is ignored.
        }
    }
    o
}

/// A typical event mix: page views, exposures (exposed and holdout), a named event and a
/// conversion, with 16-hex-digit ids as the outbox makes them.
fn typical_event(n: u64, client: usize) -> String {
    let id = format!("{:08x}{:08x}", client as u32, n as u32);
    let at = 1_767_225_600_000 + n;
    match n % 5 {
        0 => support::pageview(&id, at, "/products/cat-food"),
        1 => support::exposure(&id, at, "cat-hero", "exposed"),
        2 => support::exposure(&id, at, "winter-banner", "holdout"),
        3 => format!(r#"{{"id":"{id}","type":"event","at":{at},"name":"product_view"}}"#),
        _ => support::conversion(&id, at, "cta_click", Some("cat-hero")),
    }
}

fn typical_batch(client: usize, seq: u64) -> String {
    let events: Vec<String> = (0..EVENTS_PER_BATCH as u64)
        .map(|i| typical_event(seq * EVENTS_PER_BATCH as u64 + i, client))
        .collect();
    // A visitor sends a few batches: rotate visitors so the visitor table grows too.
    let visitor = support::visitor(((client as u64) << 32) | (seq / 4));
    support::batch(&visitor, &events)
}

async fn serve(store: Arc<dyn Storage>) -> SocketAddr {
    let mut config = ServeConfig::defaults();
    config.rate_limit_per_s = 0.0;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app(AppState::new(config, store));
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

struct Run {
    events_per_s: f64,
    batches: usize,
    p50: Duration,
    p99: Duration,
}

fn load(addr: SocketAddr, o: &Options) -> Run {
    let stop = Arc::new(AtomicBool::new(false));
    let measure_from = Instant::now() + WARMUP;
    let threads: Vec<_> = (0..o.concurrency)
        .map(|client| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut http = Http::connect(addr).unwrap();
                let mut latencies = Vec::new();
                let mut seq = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let body = typical_batch(client, seq);
                    seq += 1;
                    let sent = Instant::now();
                    let reply = http.request("POST", "/v1/events", Some(&body)).unwrap();
                    assert_eq!(reply.status, 200, "{}", reply.body);
                    if sent >= measure_from {
                        latencies.push(sent.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    std::thread::sleep(WARMUP + Duration::from_secs(o.seconds));
    stop.store(true, Ordering::Relaxed);
    let measured = Instant::now().duration_since(measure_from);
    let mut latencies: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Run {
        events_per_s: (latencies.len() * EVENTS_PER_BATCH) as f64 / measured.as_secs_f64(),
        batches: latencies.len(),
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn report(name: &str, run: &Run, o: &Options) {
    println!("server.ingest.{name}.events_per_s: {:.0}", run.events_per_s);
    println!(
        "server.ingest.{name}.batch_p50_ms: {:.2}",
        run.p50.as_secs_f64() * 1000.0
    );
    println!(
        "server.ingest.{name}.batch_p99_ms: {:.2}",
        run.p99.as_secs_f64() * 1000.0
    );
    println!(
        "server.ingest.{name}.batches: {} (batches of {EVENTS_PER_BATCH}, concurrency {}, {} s)",
        run.batches, o.concurrency, o.seconds
    );
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Runtime::new().unwrap();

    // Bytes on the wire: one typical event, and a whole request of 20 with its HTTP head.
    let event = typical_event(1, 0);
    let body = typical_batch(0, 0);
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    println!("server.ingest.event_json_bytes: {}", event.len());
    println!("server.ingest.batch20_body_bytes: {}", body.len());
    println!(
        "server.ingest.wire_bytes_per_event: {:.0} (batch of 20 with profile and a minimal HTTP head)",
        (body.len() + head.len()) as f64 / EVENTS_PER_BATCH as f64
    );

    let dir = std::env::temp_dir().join(format!("tailor-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sqlite: Arc<dyn Storage> =
        Arc::new(tailor_server::store::sqlite::SqliteStore::open(&dir.join("bench.db")).unwrap());
    let addr = runtime.block_on(serve(sqlite));
    report("sqlite", &load(addr, &o), &o);

    match &o.postgres {
        Some(url) => {
            let store = runtime.block_on(async {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("connect to the PostgreSQL server");
                tokio::spawn(conn);
                client
                    .batch_execute("DROP SCHEMA IF EXISTS bench_ingest CASCADE")
                    .await
                    .unwrap();
                tailor_server::store::postgres::PostgresStore::open_in_schema(
                    url,
                    Some("bench_ingest"),
                )
                .await
                .unwrap()
            });
            let addr = runtime.block_on(serve(Arc::new(store)));
            report("postgres", &load(addr, &o), &o);
        }
        None => println!(
            "server.ingest.postgres: skipped (set TAILOR_TEST_POSTGRES_URL or pass --postgres URL)"
        ),
    }
    runtime.shutdown_timeout(Duration::from_secs(1));
    let _ = std::fs::remove_dir_all(&dir);
}
