//! A 2xx means durably committed: the real `tailor serve` on a SQLite file takes concurrent
//! batches, is killed with SIGKILL in the middle of the load, restarts on the same file, and
//! every event it acknowledged must be there. Loopback only; the load is bounded in time.

mod support;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{batch, pageview, Http};

const KEY: &str = "durability-admin-key-0123";
const CLIENTS: u64 = 6;
const EVENTS_PER_BATCH: u64 = 20;
const LOAD_BEFORE_KILL: Duration = Duration::from_millis(1500);
const MAX_LOAD: Duration = Duration::from_secs(5);

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tailor"))
        .arg("serve")
        .args(["--host", "127.0.0.1", "--port", "0", "--rate-limit", "0"])
        .args(["--admin-key", KEY])
        .arg("--db")
        .arg(dir.join("durable.db"))
        .arg("--site")
        .arg(dir)
        .arg("--dist")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tailor serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Server { child, addr }
}

#[test]
fn no_acknowledged_event_is_lost_to_a_kill_9() {
    let dir = std::env::temp_dir().join(format!("tailor-durability-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut server = start(&dir);
    let addr = server.addr;

    let acknowledged: Arc<Mutex<Vec<(u64, String)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let began = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let acknowledged = Arc::clone(&acknowledged);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let visitor = support::visitor(client + 1);
                let mut http = Http::connect(addr).unwrap();
                let mut seq = 0u64;
                while !stop.load(Ordering::Relaxed) && began.elapsed() < MAX_LOAD {
                    let ids: Vec<String> = (0..EVENTS_PER_BATCH)
                        .map(|i| format!("c{client}-{}", seq + i))
                        .collect();
                    seq += EVENTS_PER_BATCH;
                    let events: Vec<String> = ids
                        .iter()
                        .map(|id| pageview(id, 1_767_225_600_000, "/"))
                        .collect();
                    match http.request("POST", "/v1/events", Some(&batch(&visitor, &events))) {
                        Ok(reply) if reply.status == 200 => {
                            let mut ack = acknowledged.lock().unwrap();
                            ack.extend(ids.into_iter().map(|id| (client, id)));
                        }
                        Ok(reply) => panic!("unexpected {}: {}", reply.status, reply.body),
                        // The server died under us: this batch was never acknowledged.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();

    std::thread::sleep(LOAD_BEFORE_KILL);
    let acknowledged_at_kill = acknowledged.lock().unwrap().len();
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no flush.
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let acknowledged = Arc::try_unwrap(acknowledged).unwrap().into_inner().unwrap();
    assert!(
        acknowledged_at_kill > 0,
        "the load never got an acknowledgement before the kill"
    );

    let server = start(&dir);
    let mut http = Http::connect(server.addr).unwrap();
    let mut stored: HashSet<(u64, String)> = HashSet::new();
    for client in 0..CLIENTS {
        let path = format!("/v1/visitors/{}", support::visitor(client + 1));
        let reply = admin_get(&mut http, &path);
        if reply.status == 404 {
            continue;
        }
        assert_eq!(reply.status, 200, "{}", reply.body);
        let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        for event in json["events"].as_array().unwrap() {
            stored.insert((client, event["id"].as_str().unwrap().to_owned()));
        }
    }
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|e| !stored.contains(*e))
        .collect();
    println!(
        "server.durability.kill9: acknowledged {} events, stored {} after restart, lost {}",
        acknowledged.len(),
        stored.len(),
        lost.len()
    );
    assert!(
        lost.is_empty(),
        "acknowledged but lost: {:?}",
        &lost[..lost.len().min(10)]
    );
    assert!(stored.len() >= acknowledged.len());
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

fn admin_get(http: &mut Http, path: &str) -> support::Reply {
    http.request_with_headers(
        "GET",
        path,
        None,
        &[("Authorization", &format!("Bearer {KEY}"))],
    )
    .unwrap()
}
