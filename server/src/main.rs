//! `tailor`: the Tailor server and command-line tool in one binary.
//!
//! `tailor serve` runs the backend; `tailor eval` checks a targeting condition; `tailor check`
//! and `tailor compile` check rules (and write them compiled); `tailor preview` prints a preview
//! link. Each subcommand lives in its own module; this file only dispatches and
//! maps failures to exit codes (0 success, 1 runtime failure, 2 bad usage or input).

mod check_cmd;
mod compile_cmd;
mod decide_cmd;
mod eval_cmd;
mod preview_cmd;

use tailor_server::config;

use std::process::ExitCode;

const USAGE: &str = "\
usage: tailor <command> [options]

commands:
  serve   run the Tailor server (site, SDK files, API)
          --port N (env PORT, default 8080)   --host ADDR (default 127.0.0.1)
          --db PATH|sqlite://PATH|postgres://URL (env DATABASE_URL, default sqlite://tailor.db)
          --site DIR (default demo-site)      --dist DIR (default dist)
          --allow-origin ORIGIN, repeatable (env TAILOR_ALLOWED_ORIGINS, comma-separated)
          --admin-key KEY, 16+ chars (env TAILOR_ADMIN_KEY; no key: export/report are off)
          --retention-days N (env TAILOR_RETENTION_DAYS, default 180; 0 keeps forever)
          --max-body-bytes N (default 65536)  --max-batch-events N (default 100)
          --rate-limit REQ_PER_S per IP (env TAILOR_RATE_LIMIT, default 10; 0 off)
          --rate-burst N (default 40)         --trust-proxy (client IP from X-Forwarded-For)
          --accept-name (store profile.name when a site syncs it; off by default)
  eval    evaluate a targeting condition against attributes
          --condition JSON --attributes JSON [--groups JSON]
  check   validate a rules file (schema, semantics, selectors in pages)
          RULES.json [--page PAGE.html]... [--strict]
  compile check a rules file, then write it compiled, for the lean engine (docs/rules.md)
          RULES.json [--out FILE|-] [--page PAGE.html]... [--strict]
  decide  print what a visitor would see, with the reason for every rule, as JSON
          --rules RULES.json --profile PROFILE.json [--url URL] [--now TIME]
  preview print a link that shows a page as a chosen visitor would see it
          --url URL --set KEY=VALUE... [--rules RULES.json]
  help    print this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("eval") => eval_cmd::run(&args[1..]),
        Some("check") => check_cmd::run(&args[1..]),
        Some("compile") => compile_cmd::run(&args[1..]),
        Some("decide") => decide_cmd::run(&args[1..]),
        Some("preview") => preview_cmd::run(&args[1..]),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            0
        }
        Some(other) => {
            eprintln!("tailor: unknown command `{other}`\n\n{USAGE}");
            2
        }
        None => {
            eprintln!("{USAGE}");
            2
        }
    };
    ExitCode::from(code as u8)
}

fn serve(args: &[String]) -> i32 {
    let config = match config::ServeConfig::from_args(args, |k| std::env::var(k).ok()) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("tailor serve: {message}\n\n{USAGE}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tailor serve: cannot start the async runtime: {e}");
            return 1;
        }
    };
    let result = runtime.block_on(tailor_server::serve(config));
    // Connections cut by the bounded stop may leave database work on blocking threads: give it
    // a moment, then exit rather than wait on it.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("tailor serve: {e}");
            1
        }
    }
}
