//! Server configuration from command-line flags, falling back to environment variables
//! (`PORT`, `DATABASE_URL`) and then to defaults. Parsing is a pure function of the arguments and
//! an environment lookup, so it is tested without touching the process environment.

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
}

/// Where the data lives. SQLite is the embedded default; PostgreSQL comes with the sync work.
#[derive(Debug, Clone, PartialEq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
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
            return Err("PostgreSQL is not supported yet; use a SQLite file".into());
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
        }
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
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (flag.as_str(), None),
            };
            let slot = match name {
                "--host" => &mut host,
                "--port" => &mut port,
                "--db" => &mut db,
                "--site" => &mut site,
                "--dist" => &mut dist,
                _ => return Err(format!("unknown option `{flag}`")),
            };
            let value = match inline {
                Some(v) => v,
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("`{name}` needs a value"))?,
            };
            *slot = Some(value);
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
        })
    }
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
    }
}
