//! The HTML lift report (`GET /report`): one self-contained page, inline CSS and inline SVG bar
//! charts, no script. Rule ids come from browsers and are hostile until escaped, so every text
//! goes through [`escape`]; the page is served with a CSP that allows no script at all.

use crate::report::{rate_ci95, Arm, RuleReport, METHOD};
use std::fmt::Write;

/// The report page's preview form, as submitted (`GET /report?preview_url=...&pet=...`): empty
/// fields are not set. The link is made by `preview_link`, as `tailor preview` makes it.
#[derive(Debug, Default, Clone)]
pub struct PreviewForm {
    /// The admin key the page was opened with, kept in the form so its answer opens too.
    pub key: Option<String>,
    pub url: Option<String>,
    pub pet: Option<String>,
    pub name: Option<String>,
    pub region: Option<String>,
    pub stage: Option<String>,
    pub visits: Option<String>,
}

impl PreviewForm {
    /// The preview link, or why it cannot be made; `None` before the form is submitted.
    pub fn link(&self) -> Option<Result<String, String>> {
        let url = self.url.as_deref().filter(|u| !u.trim().is_empty())?;
        let fields = [
            ("pet", &self.pet),
            ("name", &self.name),
            ("geo.region", &self.region),
            ("stage", &self.stage),
            ("visits", &self.visits),
        ];
        let settings: Vec<(&str, &str)> = fields
            .iter()
            .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (*k, v)))
            .collect();
        Some(crate::preview_link::link(url, &settings))
    }
}

pub fn render(
    rules: &[RuleReport],
    goal: Option<&str>,
    generated_at: &str,
    preview: &PreviewForm,
) -> String {
    let mut page = String::with_capacity(4096 + rules.len() * 2048);
    page.push_str(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Tailor lift report</title><style>\
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2430}\
h1{font-size:1.5rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}table{border-collapse:collapse;margin:.5rem 0}\
td,th{padding:.2rem .7rem;border-bottom:1px solid #dde;text-align:right}th:first-child,td:first-child{text-align:left}\
.note{color:#556;font-size:.85rem}.sig{color:#0a7a3f;font-weight:600}.ns{color:#8a5a00}\
svg text{font:12px system-ui,sans-serif;fill:#1d2430}\
</style></head><body>\n<h1>Tailor lift report</h1>\n",
    );
    let _ = writeln!(
        page,
        "<p class=\"note\">Generated {}. Goal: {}. {} rule(s).</p>",
        escape(generated_at),
        goal.map(|g| format!("conversions named <b>{}</b>", escape(g)))
            .unwrap_or_else(|| "any conversion".into()),
        rules.len()
    );
    let _ = writeln!(
        page,
        "<p class=\"note\"><b>Method.</b> {}</p>",
        escape(METHOD)
    );
    if rules.is_empty() {
        page.push_str("<p>No exposures recorded yet.</p>\n");
    }
    for rule in rules {
        section(&mut page, rule);
    }
    preview_section(&mut page, goal, preview);
    page.push_str("</body></html>\n");
    page
}

fn section(page: &mut String, rule: &RuleReport) {
    let _ = writeln!(
        page,
        "<section><h2>Rule <code>{}</code></h2>",
        escape(&rule.rule)
    );
    page.push_str(
        "<table><tr><th></th><th>Visitors</th><th>Exposures</th><th>Conversions</th>\
         <th>Conversion rate</th></tr>\n",
    );
    for (label, arm) in [("Exposed", &rule.exposed), ("Holdout", &rule.holdout)] {
        let _ = writeln!(
            page,
            "<tr><td>{label}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            arm.visitors,
            arm.exposures,
            arm.conversions,
            arm.rate.map(percent).unwrap_or_else(|| "–".into())
        );
    }
    page.push_str("</table>\n");
    match &rule.lift {
        Some(lift) => {
            let class = if lift.significant { "sig" } else { "ns" };
            let verdict = if lift.significant {
                "the 95% interval excludes zero"
            } else {
                "not significant: the 95% interval includes zero"
            };
            let relative = match (lift.relative, lift.relative_ci95) {
                (Some(r), Some([lo, hi])) => format!(
                    "; relative lift <b>{}</b> (95% CI {} to {})",
                    signed_percent(r),
                    signed_percent(lo),
                    signed_percent(hi)
                ),
                (Some(r), None) => format!("; relative lift <b>{}</b>", signed_percent(r)),
                _ => String::new(),
            };
            let _ = writeln!(
                page,
                "<p>Absolute lift <b>{}</b> points (95% CI {} to {}){relative}. \
                 <span class=\"{class}\">{verdict}</span>.</p>",
                signed_points(lift.absolute),
                signed_points(lift.absolute_ci95[0]),
                signed_points(lift.absolute_ci95[1]),
            );
        }
        None => page.push_str(
            "<p class=\"note\">No lift yet: both the exposed arm and the holdout need visitors.</p>\n",
        ),
    }
    chart(page, rule);
    page.push_str("</section>\n");
}

/// Two horizontal bars (exposed and holdout conversion rates) with 95% whiskers, on a scale that
/// fits the larger interval.
fn chart(page: &mut String, rule: &RuleReport) {
    const LEFT: f64 = 80.0;
    const WIDTH: f64 = 420.0;
    let top = [&rule.exposed, &rule.holdout]
        .iter()
        .filter_map(|a| rate_ci95(a).map(|[_, hi]| hi))
        .fold(0.0f64, f64::max);
    let scale_max = nice_ceiling(top.max(0.01));
    let x = |rate: f64| LEFT + WIDTH * (rate / scale_max).clamp(0.0, 1.0);
    let _ = write!(
        page,
        "<svg role=\"img\" aria-label=\"Conversion rate, exposed vs holdout, for rule {}\" \
         width=\"560\" height=\"96\" viewBox=\"0 0 560 96\">",
        escape(&rule.rule)
    );
    let bars: [(&str, &Arm, &str); 2] = [
        ("Exposed", &rule.exposed, "#2f6fdb"),
        ("Holdout", &rule.holdout, "#9aa5b8"),
    ];
    for (i, (label, arm, color)) in bars.iter().enumerate() {
        let y = 8.0 + i as f64 * 30.0;
        let _ = write!(page, "<text x=\"0\" y=\"{:.0}\">{label}</text>", y + 15.0);
        if let Some(rate) = arm.rate {
            let _ = write!(
                page,
                "<rect x=\"{LEFT}\" y=\"{y:.0}\" width=\"{:.1}\" height=\"20\" fill=\"{color}\"/>",
                x(rate) - LEFT
            );
            if let Some([lo, hi]) = rate_ci95(arm) {
                let mid = y + 10.0;
                let _ = write!(
                    page,
                    "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{mid:.0}\" y2=\"{mid:.0}\" stroke=\"#1d2430\"/>\
                     <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.0}\" y2=\"{:.0}\" stroke=\"#1d2430\"/>\
                     <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.0}\" y2=\"{:.0}\" stroke=\"#1d2430\"/>",
                    x(lo),
                    x(hi),
                    x(lo),
                    x(lo),
                    mid - 5.0,
                    mid + 5.0,
                    x(hi),
                    x(hi),
                    mid - 5.0,
                    mid + 5.0
                );
            }
            let _ = write!(
                page,
                "<text x=\"{:.1}\" y=\"{:.0}\">{}</text>",
                x(rate_ci95(arm).map(|[_, hi]| hi).unwrap_or(rate)) + 6.0,
                y + 15.0,
                percent(rate)
            );
        } else {
            let _ = write!(
                page,
                "<text x=\"{LEFT}\" y=\"{:.0}\">no visitors</text>",
                y + 15.0
            );
        }
    }
    let _ = writeln!(
        page,
        "<line x1=\"{LEFT}\" x2=\"{:.0}\" y1=\"70\" y2=\"70\" stroke=\"#889\"/>\
         <text x=\"{LEFT}\" y=\"88\">0%</text>\
         <text x=\"{:.0}\" y=\"88\" text-anchor=\"end\">{}</text></svg>",
        LEFT + WIDTH,
        LEFT + WIDTH,
        percent(scale_max)
    );
}

/// "See the page as a visitor would": a plain GET form back to this page (the page runs no
/// script), and the link it made, or why it could not.
fn preview_section(page: &mut String, goal: Option<&str>, form: &PreviewForm) {
    page.push_str(
        "<section><h2>Preview as a visitor</h2>\n<p class=\"note\">A link that shows a page as a \
         visitor with these attributes would see it, in that tab only: nothing is stored, counted \
         or sent. The site needs <code>\"preview\": true</code> in its <code>#tailor-config</code>.\
         </p>\n<form method=\"get\" action=\"/report\">",
    );
    let hidden = [("key", form.key.as_deref()), ("goal", goal)];
    for (name, value) in hidden {
        if let Some(value) = value {
            let _ = write!(
                page,
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                escape(value)
            );
        }
    }
    let field = |v: &Option<String>| escape(v.as_deref().unwrap_or(""));
    let _ = write!(
        page,
        "<label>Page <input name=\"preview_url\" value=\"{}\" placeholder=\"https://shop.example/\" required></label> \
         <label>Pet <input name=\"pet\" value=\"{}\" placeholder=\"cat\"></label> \
         <label>Name <input name=\"name\" value=\"{}\"></label> \
         <label>Region <input name=\"region\" value=\"{}\" placeholder=\"JP-47\"></label> \
         <label>Stage <select name=\"stage\"><option value=\"\">(as it is)</option>",
        field(&form.url),
        field(&form.pet),
        field(&form.name),
        field(&form.region),
    );
    for stage in [
        "awareness",
        "interest",
        "consideration",
        "purchase",
        "loyalty",
    ] {
        let selected = if form.stage.as_deref() == Some(stage) {
            " selected"
        } else {
            ""
        };
        let _ = write!(page, "<option{selected}>{stage}</option>");
    }
    let _ = writeln!(
        page,
        "</select></label> <label>Visits <input name=\"visits\" value=\"{}\" inputmode=\"numeric\"></label> \
         <button type=\"submit\">Make the link</button></form>",
        field(&form.visits),
    );
    match form.link() {
        Some(Ok(link)) => {
            let _ = writeln!(
                page,
                "<p>Preview link: <a id=\"preview-link\" href=\"{0}\" target=\"_blank\" rel=\"noopener\">{0}</a></p>",
                escape(&link)
            );
        }
        Some(Err(why)) => {
            let _ = writeln!(
                page,
                "<p id=\"preview-error\" class=\"ns\">No link: {}</p>",
                escape(&why)
            );
        }
        None => {}
    }
    page.push_str("</section>\n");
}

/// The smallest of 1, 2, 5 × 10^k (as a rate, at most 1) not below `value`.
fn nice_ceiling(value: f64) -> f64 {
    let mut step = 0.001;
    while step < 1.0 {
        for m in [1.0, 2.0, 5.0] {
            if step * m >= value {
                return (step * m).min(1.0);
            }
        }
        step *= 10.0;
    }
    1.0
}

fn percent(rate: f64) -> String {
    format!("{:.2}%", rate * 100.0)
}

fn signed_percent(rate: f64) -> String {
    format!("{:+.1}%", rate * 100.0)
}

fn signed_points(rate: f64) -> String {
    format!("{:+.2}", rate * 100.0)
}

/// `2026-01-01 00:00 UTC` from milliseconds since the epoch (Howard Hinnant's civil-from-days).
pub fn utc_timestamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let minute_of_day = secs.rem_euclid(86_400) / 60;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minute_of_day / 60,
        minute_of_day % 60
    )
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::build;
    use crate::store::VariantCounts;

    #[test]
    fn draws_bars_and_escapes_hostile_rule_ids() {
        let counts = vec![
            VariantCounts {
                rule: "<script>alert(1)</script>".into(),
                variant: "exposed".into(),
                visitors: 200,
                exposures: 210,
                converters: 30,
            },
            VariantCounts {
                rule: "<script>alert(1)</script>".into(),
                variant: "holdout".into(),
                visitors: 100,
                exposures: 100,
                converters: 10,
            },
        ];
        let html = render(
            &build(&counts),
            Some("purchase\"><b>"),
            "2026-01-01T00:00:00Z",
            &PreviewForm::default(),
        );
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("purchase&quot;&gt;&lt;b&gt;"));
        assert_eq!(html.matches("<svg").count(), 1);
        assert_eq!(html.matches("<rect").count(), 2);
        assert!(html.contains("15.00%") && html.contains("10.00%"));
        assert!(html.contains("95% CI") && html.contains("normal approximation"));
    }

    #[test]
    fn the_preview_form_makes_the_cli_s_link_and_escapes_what_it_echoes() {
        let form = PreviewForm {
            key: Some("k\"><script>".into()),
            url: Some("https://shop.example/".into()),
            pet: Some("cat".into()),
            region: Some("JP-47".into()),
            stage: Some("purchase".into()),
            ..PreviewForm::default()
        };
        let expected = crate::preview_link::link(
            "https://shop.example/",
            &[
                ("pet", "cat"),
                ("geo.region", "JP-47"),
                ("stage", "purchase"),
            ],
        )
        .unwrap();
        assert_eq!(form.link(), Some(Ok(expected.clone())));
        let html = render(&[], None, "now", &form);
        assert!(html.contains(&format!("href=\"{expected}\"")), "{html}");
        assert!(html.contains("<option selected>purchase</option>"));
        assert!(!html.contains("<script>") && html.contains("k&quot;&gt;&lt;script&gt;"));
        let hostile = PreviewForm {
            url: Some("/".into()),
            name: Some("<img src=x onerror=alert(1)>".into()),
            ..PreviewForm::default()
        };
        let html = render(&[], None, "now", &hostile);
        assert!(
            html.contains("id=\"preview-error\"") && !html.contains("<img"),
            "{html}"
        );
        assert!(!render(&[], None, "now", &PreviewForm::default()).contains("preview-link"));
    }

    #[test]
    fn utc_timestamps() {
        assert_eq!(utc_timestamp(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_timestamp(1_767_225_600_000), "2026-01-01 00:00 UTC");
        assert_eq!(utc_timestamp(951_827_696_000), "2000-02-29 12:34 UTC");
    }

    #[test]
    fn scale_ceilings() {
        assert_eq!(nice_ceiling(0.013), 0.02);
        assert_eq!(nice_ceiling(0.3), 0.5);
        assert_eq!(nice_ceiling(0.9), 1.0);
    }
}
