//! `tailor preview`: prints a preview link, the page as a chosen visitor would see it.
//!
//! ```text
//! tailor preview --url https://shop.example/ [--rules RULES.json]
//!                --set pet=cat --set geo.region=JP-47 --set stage=purchase
//! ```
//!
//! Each `--set` is checked as the browser will check it (`tailor::preview`): only attributes a
//! preview may set, values held to what visitor input may hold. With `--rules`, a key no rule
//! reads is a warning (it would change nothing). The site must allow previews (`"preview": true`
//! in `#tailor-config`). Exit codes: 0 printed, 1 the rules are invalid, 2 bad usage or values.

use tailor::rules::RuleSet;
use tailor::Value;
use tailor_server::{cli_args, preview_link};

const USAGE: &str = "\
usage: tailor preview --url URL [--rules RULES.json] --set KEY=VALUE [--set KEY=VALUE]...

  --url URL          the page to open (http(s)://..., or a path from /), without a #fragment
  --set KEY=VALUE    an attribute of the previewed visitor, repeatable: pet, name,
                     geo.country, geo.region, stage, visits, pageViews, topics.<topic>,
                     events.<name>, utm.<field>, firstUtm.<field>
  --rules FILE       warn about keys no rule reads

Prints the link: the URL with #tailor-preview=<base64url JSON>. The site needs
\"preview\": true in its #tailor-config.";

/// Runs `tailor preview` with the arguments after `preview`; returns the exit code.
pub fn run(args: &[String]) -> i32 {
    match preview(args) {
        Ok(link) => {
            println!("{link}");
            0
        }
        Err((code, message)) => {
            eprintln!("tailor preview: {message}");
            code
        }
    }
}

fn preview(args: &[String]) -> Result<String, (i32, String)> {
    let usage = |m: String| (2, m);
    let mut url = None;
    let mut rules_path = None;
    let mut settings: Vec<String> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (name, inline) = cli_args::split(arg);
        match name {
            "--help" | "-h" => return Err(usage(USAGE.to_owned())),
            "--url" => cli_args::set_once(&mut url, name, inline, &mut rest).map_err(usage)?,
            "--rules" => {
                cli_args::set_once(&mut rules_path, name, inline, &mut rest).map_err(usage)?
            }
            "--set" => settings.push(cli_args::value(name, inline, &mut rest).map_err(usage)?),
            other => return Err(usage(format!("unknown argument `{other}`\n\n{USAGE}"))),
        }
    }
    let url = url.ok_or_else(|| usage(format!("--url is required\n\n{USAGE}")))?;
    let mut pairs = Vec::with_capacity(settings.len());
    for setting in &settings {
        let (key, value) = setting
            .split_once('=')
            .ok_or_else(|| usage(format!("--set `{setting}`: expected KEY=VALUE")))?;
        pairs.push((key.trim(), value));
    }
    let link = preview_link::link(&url, &pairs).map_err(usage)?;
    if let Some(path) = rules_path {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| usage(format!("cannot read {path}: {e}")))?;
        let json = Value::parse_json(&text).map_err(|e| usage(format!("{path}: {e}")))?;
        let (rules, _) =
            RuleSet::load(&json).map_err(|e| (1, format!("{path}: invalid rules: {e}")))?;
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
        for key in preview_link::unread(&rules, &keys) {
            eprintln!(
                "tailor preview: warning: no rule in {path} reads `{key}`; it changes nothing"
            );
        }
    }
    Ok(link)
}
