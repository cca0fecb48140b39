//! Helpers shared by the server's behaviour tests and the ingest bench: batch builders and a
//! tiny HTTP/1.1 client over a blocking `TcpStream` (keep-alive, Content-Length bodies only),
//! enough to talk to `tailor serve` on loopback without pulling a client library into the build.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub const VISITOR: &str = "0123456789abcdef0123456789abcdef";

/// A visitor id from a number, in the wire format's shape.
pub fn visitor(n: u64) -> String {
    format!("{:032x}", n)
}

/// One event as JSON text.
pub fn exposure(id: &str, at: u64, rule: &str, variant: &str) -> String {
    format!(r#"{{"id":"{id}","type":"exposure","at":{at},"rule":"{rule}","variant":"{variant}"}}"#)
}

pub fn conversion(id: &str, at: u64, name: &str, rule: Option<&str>) -> String {
    match rule {
        Some(rule) => format!(
            r#"{{"id":"{id}","type":"conversion","at":{at},"name":"{name}","rule":"{rule}"}}"#
        ),
        None => format!(r#"{{"id":"{id}","type":"conversion","at":{at},"name":"{name}"}}"#),
    }
}

pub fn pageview(id: &str, at: u64, path: &str) -> String {
    format!(r#"{{"id":"{id}","type":"pageview","at":{at},"path":"{path}"}}"#)
}

/// A batch as JSON text, with a typical profile.
pub fn batch(visitor: &str, events: &[String]) -> String {
    format!(
        r#"{{"v":1,"visitor":"{visitor}","consent":{{"sync":true,"personalization":true}},"sent_at":1767225600000,"profile":{{"country":"JP","region":"JP-01","pet":"cat","topics":{{"cat-food":2.5}},"stage":"interest"}},"events":[{}]}}"#,
        events.join(",")
    )
}

/// A keep-alive HTTP/1.1 connection.
pub struct Http {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
}

pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Http {
    pub fn connect(addr: SocketAddr) -> std::io::Result<Http> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Http {
            addr,
            reader: BufReader::new(stream),
        })
    }

    /// Sends one request and reads the reply (status and body).
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> std::io::Result<Reply> {
        self.request_with_headers(method, path, body, &[])
    }

    pub fn request_with_headers(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> std::io::Result<Reply> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: keep-alive\r\n",
            self.addr
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes())?;
        if let Some(body) = body {
            stream.write_all(body.as_bytes())?;
        }
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut length = 0usize;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed in headers",
                ));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(Reply {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}
