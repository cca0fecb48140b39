//! Server configuration from command-line flags, falling back to environment variables
//! (`PORT`, `DATABASE_URL`, `TAILOR_*`) and then to defaults. Parsing is a pure function of the
//! arguments and an environment lookup, so it is tested without touching the process
//! environment.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub struct ServeConfig {
    pub host: IpAddr,
    pub port: u16,
    pub database: DatabaseUrl,
    pub site_dir: PathBuf,
    pub dist_dir: PathBuf,
    /// Site origins (`https://shop.example`) whose pages may call the API from the browser.
    pub allowed_origins: Vec<String>,
    /// The key for admin endpoints (export, report); `None` disables them.
    pub admin_key: Option<String>,
    /// Visitors not seen for this many days are deleted; 0 keeps them forever.
    pub retention_days: u32,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Most events in one batch.
    pub max_batch_events: usize,
    /// Sustained API requests per second per client IP; 0 turns rate limiting off.
    pub rate_limit_per_s: f64,
    /// Requests a client IP may make at once before the sustained rate applies.
    pub rate_burst: u32,
    /// Whether `profile.name` may be stored (off by default: the name stays on the device).
    pub accept_name: bool,
    /// Take the client IP from the last `X-Forwarded-For` entry (behind a trusted proxy).
    pub trust_proxy: bool,
}

/// Where the data lives: an embedded SQLite file (the default) or a PostgreSQL server.
#[derive(Debug, Clone, PartialEq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL, kept whole for the client to parse.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> Result<DatabaseUrl, String> {
        let text = text.trim();
        if let Some(path) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("the sqlite URL names no file".into());
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(text.to_owned()));
        }
        if text.contains("://") {
            return Err(format!("unsupported database URL `{text}`"));
        }
        if text.is_empty() {
            return Err("the database path is empty".into());
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(text)))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for logs.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl ServeConfig {
    pub fn from_args(
        args: &[String],
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ServeConfig, String> {
        let mut host = None;
        let mut port = None;
        let mut db = None;
        let mut site = None;
        let mut dist = None;
        let mut admin_key = None;
        let mut retention = None;
        let mut max_body = None;
        let mut max_events = None;
        let mut rate = None;
        let mut burst = None;
        let mut origins: Vec<String> = Vec::new();
        let mut accept_name = false;
        let mut trust_proxy = false;
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let (name, inline) = crate::cli_args::split(flag);
            match name {
                "--accept-name" => {
                    accept_name = true;
                    continue;
                }
                "--trust-proxy" => {
                    trust_proxy = true;
                    continue;
                }
                _ => {}
            }
            let mut origin = None;
            let slot = match name {
                "--host" => &mut host,
                "--port" => &mut port,
                "--db" => &mut db,
                "--site" => &mut site,
                "--dist" => &mut dist,
                "--admin-key" => &mut admin_key,
                "--retention-days" => &mut retention,
                "--max-body-bytes" => &mut max_body,
                "--max-batch-events" => &mut max_events,
                "--rate-limit" => &mut rate,
                "--rate-burst" => &mut burst,
                "--allow-origin" => &mut origin,
                _ => return Err(format!("unknown option `{flag}`")),
            };
            *slot = Some(crate::cli_args::value(name, inline, &mut it)?);
            if let Some(o) = origin {
                origins.push(o);
            }
        }
        if origins.is_empty() {
            if let Some(list) = env("TAILOR_ALLOWED_ORIGINS") {
                origins = list
                    .split(',')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
        }
        let allowed_origins = origins
            .iter()
            .map(|o| normalize_origin(o))
            .collect::<Result<Vec<_>, _>>()?;
        let admin_key = admin_key.or_else(|| env("TAILOR_ADMIN_KEY"));
        if let Some(key) = &admin_key {
            if key.len() < 16 {
                return Err("the admin key must be at least 16 characters".into());
            }
        }
        let retention_days = number(
            "--retention-days",
            retention.or_else(|| env("TAILOR_RETENTION_DAYS")),
            180u32,
        )?;
        let max_body_bytes = number(
            "--max-body-bytes",
            max_body.or_else(|| env("TAILOR_MAX_BODY_BYTES")),
            64 * 1024usize,
        )?;
        if !(1024..=16 * 1024 * 1024).contains(&max_body_bytes) {
            return Err("`--max-body-bytes` must be between 1024 and 16777216".into());
        }
        let max_batch_events = number("--max-batch-events", max_events, 100usize)?;
        if !(1..=10_000).contains(&max_batch_events) {
            return Err("`--max-batch-events` must be between 1 and 10000".into());
        }
        let rate_limit_per_s = number(
            "--rate-limit",
            rate.or_else(|| env("TAILOR_RATE_LIMIT")),
            10.0f64,
        )?;
        if !rate_limit_per_s.is_finite() || rate_limit_per_s < 0.0 {
            return Err(
                "`--rate-limit` must be a number of requests per second, 0 for none".into(),
            );
        }
        let rate_burst = number("--rate-burst", burst, 40u32)?;
        if rate_burst == 0 {
            return Err("`--rate-burst` must be at least 1".into());
        }
        let port_text = port.or_else(|| env("PORT"));
        let port = match port_text {
            Some(text) => text
                .trim()
                .parse::<u16>()
                .map_err(|_| format!("invalid port `{text}`: expected 0-65535"))?,
            None => 8080,
        };
        let host = match host {
            Some(text) => text
                .parse::<IpAddr>()
                .map_err(|_| format!("invalid host address `{text}`"))?,
            None => IpAddr::from([127, 0, 0, 1]),
        };
        let database = DatabaseUrl::parse(
            &db.or_else(|| env("DATABASE_URL"))
                .unwrap_or_else(|| "sqlite://tailor.db".into()),
        )?;
        Ok(ServeConfig {
            host,
            port,
            database,
            site_dir: PathBuf::from(site.unwrap_or_else(|| "demo-site".into())),
            dist_dir: PathBuf::from(dist.unwrap_or_else(|| "dist".into())),
            allowed_origins,
            admin_key,
            retention_days,
            max_body_bytes,
            max_batch_events,
            rate_limit_per_s,
            rate_burst,
            accept_name,
            trust_proxy,
        })
    }

    /// The defaults, as `tailor serve` with no flags and no environment (for tests and tools).
    pub fn defaults() -> ServeConfig {
        ServeConfig::from_args(&[], |_| None).expect("the defaults are valid")
    }
}

fn number<T: std::str::FromStr>(flag: &str, text: Option<String>, default: T) -> Result<T, String> {
    match text {
        Some(t) => t
            .trim()
            .parse()
            .map_err(|_| format!("invalid value `{t}` for `{flag}`")),
        None => Ok(default),
    }
}

/// An origin as browsers send it in the `Origin` header: scheme, host and an optional port, no
/// path and no trailing slash (a trailing slash is forgiven).
fn normalize_origin(text: &str) -> Result<String, String> {
    let t = text.trim().trim_end_matches('/');
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .ok_or_else(|| format!("invalid origin `{text}`: expected http(s)://host[:port]"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return Err(format!(
            "invalid origin `{text}`: expected http(s)://host[:port]"
        ));
    }
    Ok(t.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<ServeConfig, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ServeConfig::from_args(&args, |k| {
            env.iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_listen_on_loopback_8080_with_a_sqlite_file() {
        let c = parse(&[], &[]).unwrap();
        assert_eq!(c.host.to_string(), "127.0.0.1");
        assert_eq!(c.port, 8080);
        assert_eq!(c.database, DatabaseUrl::Sqlite("tailor.db".into()));
        assert_eq!(c.site_dir, PathBuf::from("demo-site"));
    }

    #[test]
    fn flags_win_over_environment() {
        let env = [("PORT", "9000"), ("DATABASE_URL", "sqlite:///tmp/env.db")];
        let c = parse(&[], &env).unwrap();
        assert_eq!(c.port, 9000);
        assert_eq!(c.database, DatabaseUrl::Sqlite("/tmp/env.db".into()));
        let c = parse(&["--port", "9100", "--db=/tmp/flag.db"], &env).unwrap();
        assert_eq!(c.port, 9100);
        assert_eq!(c.database, DatabaseUrl::Sqlite("/tmp/flag.db".into()));
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        assert_eq!(
            parse(&["--port", "http"], &[]).unwrap_err(),
            "invalid port `http`: expected 0-65535"
        );
        assert_eq!(
            parse(&["--port"], &[]).unwrap_err(),
            "`--port` needs a value"
        );
        assert_eq!(
            parse(&["--nope"], &[]).unwrap_err(),
            "unknown option `--nope`"
        );
        assert!(parse(&["--db", "mysql://x"], &[]).is_err());
        assert!(parse(&["--db", "sqlite://"], &[]).is_err());
        assert!(parse(&["--host", "localhost.example"], &[]).is_err());
        assert!(parse(&["--allow-origin", "shop.example"], &[]).is_err());
        assert!(parse(&["--admin-key", "short"], &[]).is_err());
        assert!(parse(&["--max-body-bytes", "10"], &[]).is_err());
        assert!(parse(&["--rate-limit", "-1"], &[]).is_err());
    }

    #[test]
    fn sync_settings_from_flags_and_environment() {
        let c = parse(&[], &[]).unwrap();
        assert_eq!(c.retention_days, 180);
        assert_eq!(c.max_body_bytes, 65536);
        assert_eq!(c.max_batch_events, 100);
        assert!(c.allowed_origins.is_empty() && c.admin_key.is_none() && !c.accept_name);
        let env = [
            (
                "TAILOR_ALLOWED_ORIGINS",
                "https://a.example, http://localhost:3000/",
            ),
            ("TAILOR_ADMIN_KEY", "0123456789abcdef"),
            ("TAILOR_RETENTION_DAYS", "30"),
        ];
        let c = parse(&["--accept-name", "--rate-limit=2.5"], &env).unwrap();
        assert_eq!(
            c.allowed_origins,
            ["https://a.example", "http://localhost:3000"]
        );
        assert_eq!(c.admin_key.as_deref(), Some("0123456789abcdef"));
        assert_eq!(c.retention_days, 30);
        assert_eq!(c.rate_limit_per_s, 2.5);
        assert!(c.accept_name);
        let c = parse(
            &[
                "--allow-origin",
                "https://b.example",
                "--allow-origin=https://C.example",
            ],
            &env,
        )
        .unwrap();
        assert_eq!(
            c.allowed_origins,
            ["https://b.example", "https://c.example"]
        );
    }

    #[test]
    fn postgres_urls_are_accepted_and_shown_without_the_password() {
        let c = parse(
            &["--db", "postgres://tailor:s3cret@127.0.0.1:5432/tailor"],
            &[],
        )
        .unwrap();
        assert_eq!(
            c.database.to_string(),
            "postgres://tailor:***@127.0.0.1:5432/tailor"
        );
    }
}
