//! `tailor preview` as a site owner runs it: the real binary and the demo's rules file.

use std::path::PathBuf;
use std::process::{Command, Output};

fn demo_rules() -> String {
    let mut p = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    p.extend(["..", "demo-site", "rules.json"]);
    p.to_string_lossy().into_owned()
}

fn tailor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tailor"))
        .args(args)
        .output()
        .expect("the tailor binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The payload of a printed link, decoded (base64url without padding).
fn payload(link: &str) -> String {
    let code = link.trim().split_once("#tailor-preview=").expect(link).1;
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => panic!("not base64url: {c}"),
    };
    let mut bytes = Vec::new();
    for chunk in code.as_bytes().chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | u32::from(value(c)) << (18 - 6 * i));
        for i in 0..chunk.len() - 1 {
            bytes.push((n >> (16 - 8 * i)) as u8);
        }
    }
    String::from_utf8(bytes).unwrap()
}

#[test]
fn prints_a_link_that_carries_the_visitor_in_its_fragment() {
    let rules = demo_rules();
    let out = tailor(&[
        "preview",
        "--rules",
        &rules,
        "--set",
        "pet=cat",
        "--set",
        "geo.region=JP-47",
        "--set",
        "stage=purchase",
        "--set",
        "visits=3",
        "--url",
        "https://shop.example/cats?x=1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let link = text(&out.stdout);
    assert!(
        link.starts_with("https://shop.example/cats?x=1#tailor-preview="),
        "{link}"
    );
    assert_eq!(link.lines().count(), 1);
    assert_eq!(
        payload(&link),
        r#"{"pet":"cat","geo.region":"JP-47","stage":"purchase","visits":3}"#
    );
    // The demo's rules read the pet, the region and the stage, not the number of visits.
    let warnings = text(&out.stderr);
    assert!(
        warnings.contains("no rule in") && warnings.contains("reads `visits`"),
        "{warnings}"
    );
    assert_eq!(warnings.lines().count(), 1, "{warnings}");
}

#[test]
fn refuses_what_a_link_must_not_carry() {
    let cases: [(&[&str], &str); 8] = [
        (&["--set", "name=<script>x</script>"], "without markup"),
        (
            &["--set", "url=https://evil/"],
            "\"url\" is not an attribute a preview can set",
        ),
        (
            &["--set", "plan=gold"],
            "is not an attribute a preview can set",
        ),
        (&["--set", "stage=buying"], "one of awareness"),
        (&["--set", "visits=lots"], "is not a number"),
        (
            &["--set", "geo.region=JP-99"],
            "a region code such as JP-47",
        ),
        (&["--set", "pet"], "expected KEY=VALUE"),
        (&[], "set at least one attribute"),
    ];
    for (sets, why) in cases {
        let mut args = vec!["preview", "--url", "https://shop.example/"];
        args.extend_from_slice(sets);
        let out = tailor(&args);
        assert_eq!(out.status.code(), Some(2), "{sets:?}");
        assert!(out.stdout.is_empty(), "{sets:?}: no link printed");
        let err = text(&out.stderr);
        assert!(err.contains(why), "{sets:?}: {err}");
    }
    let name = format!("name={}", "a".repeat(65));
    let out = tailor(&["preview", "--url", "/", "--set", &name]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("within the cap"));
    let out = tailor(&["preview", "--url", "/cats#top", "--set", "pet=cat"]);
    assert!(text(&out.stderr).contains("#fragment"));
    let out = tailor(&["preview", "--set", "pet=cat"]);
    assert!(text(&out.stderr).contains("--url is required"));
}

#[test]
fn invalid_rules_fail_with_exit_code_1() {
    let dir = std::env::temp_dir().join(format!("tailor-preview-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("rules.json");
    std::fs::write(&bad, r#"{"rules":[{"id":"x","actions":"no"}]}"#).unwrap();
    let out = tailor(&[
        "preview",
        "--url",
        "/",
        "--set",
        "pet=cat",
        "--rules",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("invalid rules"));
    std::fs::remove_dir_all(&dir).unwrap();
}
