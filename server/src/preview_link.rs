//! Preview links for site owners, made the same way by `tailor preview` and the report page's
//! form: a page URL with `#tailor-preview=<base64url JSON>` appended.
//!
//! The payload goes in the fragment, not the query: a fragment never reaches a server, so the
//! attributes (a name, say) are in no request, access log, CDN cache key or `Referer` header,
//! and the page's own `url` and `query.*` attributes stay what they are for real visitors. The
//! payload is built and checked by `tailor::preview` (the engine's own check, the one the
//! browser applies), so a link made here is one the browser accepts.

use tailor::rules::{attribute_paths, RuleSet};

/// The preview link for the page `url` (an `http(s)://` URL, or a path from `/`) showing a visitor
/// with the attributes `settings` (`("pet", "cat")`, `("geo.region", "JP-47")`).
pub fn link(url: &str, settings: &[(&str, &str)]) -> Result<String, String> {
    let url = url.trim();
    let scheme = ["http://", "https://"].iter().any(|s| {
        url.get(..s.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(s))
    });
    if !(scheme || url.starts_with('/')) || url.starts_with("//") {
        return Err(format!(
            "the page `{url}` must be an http(s):// URL or a path starting with /"
        ));
    }
    if url.contains('#') {
        return Err(format!(
            "the page `{url}` has a #fragment: the preview goes there; leave it out"
        ));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("the page `{url}` has spaces or control characters"));
    }
    if settings.is_empty() {
        return Err("set at least one attribute, e.g. pet=cat".into());
    }
    let (payload, _) = tailor::preview::from_settings(settings)?;
    Ok(format!(
        "{url}#tailor-preview={}",
        base64url(payload.to_json_string().as_bytes())
    ))
}

/// The keys of `settings` that no rule of `rules` reads (in a condition or a template): setting
/// them changes nothing a visitor sees.
pub fn unread<'a>(rules: &RuleSet, keys: &[&'a str]) -> Vec<&'a str> {
    let read: Vec<String> = rules.rules.iter().flat_map(attribute_paths).collect();
    keys.iter()
        .copied()
        .filter(|key| {
            !read.iter().any(|path| {
                // A rule reading `geo` (the object) or `pet` reads `geo.region` / `pet` too; a
                // preview pet also sets `petSource`.
                let parent = key
                    .strip_prefix(path.as_str())
                    .is_some_and(|r| r.starts_with('.'));
                path == key || parent || (*key == "pet" && path.starts_with("pet"))
            })
        })
        .collect()
}

/// Base64url without padding (RFC 4648 §5): safe in a URL fragment as it is.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tailor::Value;

    #[test]
    fn base64url_matches_rfc_4648_without_padding() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff, 0xbf]), "-_-_");
    }

    #[test]
    fn links_carry_the_checked_payload_in_the_fragment() {
        let url = link(
            "https://shop.example/",
            &[("pet", "cat"), ("stage", "purchase")],
        )
        .unwrap();
        assert_eq!(
            url,
            format!(
                "https://shop.example/#tailor-preview={}",
                base64url(br#"{"pet":"cat","stage":"purchase"}"#)
            )
        );
        assert!(link("/cats?x=1", &[("visits", "2")]).is_ok());
        for bad in [
            "javascript:alert(1)",
            "shop.example",
            "//evil/",
            "/a#b",
            "/a b",
        ] {
            assert!(link(bad, &[("pet", "cat")]).is_err(), "{bad}");
        }
        assert!(link("/", &[]).is_err());
        assert!(link("/", &[("url", "x")])
            .unwrap_err()
            .contains("not an attribute"));
    }

    #[test]
    fn keys_no_rule_reads() {
        let rules = Value::parse_json(
            r##"{"rules":[{"id":"a","condition":{"geo.region":"JP-47","petSource":"declared"},
                "actions":[{"selector":"#x","text":"Hi {{name|there}}"}]}]}"##,
        )
        .unwrap();
        let (rules, _) = RuleSet::parse(&rules).unwrap();
        assert_eq!(
            unread(
                &rules,
                &["pet", "geo.region", "name", "stage", "topics.cats"]
            ),
            ["stage", "topics.cats"]
        );
    }
}
