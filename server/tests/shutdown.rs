//! SIGTERM ends `tailor serve` within a bound even while a client holds a half-sent request:
//! the graceful stop waits for requests in flight, but not forever.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The server's grace period is 5 s; the rest is margin for a loaded machine.
const BOUND: Duration = Duration::from_secs(12);

#[test]
fn sigterm_ends_the_server_in_bounded_time_despite_a_stalled_client() {
    let dir = std::env::temp_dir().join(format!("tailor-shutdown-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tailor"))
        .arg("serve")
        .args(["--host", "127.0.0.1", "--port", "0"])
        .arg("--db")
        .arg(dir.join("t.db"))
        .arg("--site")
        .arg(&dir)
        .arg("--dist")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tailor serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr: SocketAddr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));

    // Half a request: headers without their end, and a body promised but never sent.
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled
        .write_all(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n")
        .unwrap();
    let mut half_body = TcpStream::connect(addr).unwrap();
    half_body
        .write_all(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"v\":")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let began = Instant::now();
    let exited = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if began.elapsed() > BOUND {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if exited.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    drop((stalled, half_body));
    let _ = std::fs::remove_dir_all(&dir);
    let status = exited.unwrap_or_else(|| panic!("still running {BOUND:?} after SIGTERM"));
    assert!(status.success(), "{status:?}");
}
