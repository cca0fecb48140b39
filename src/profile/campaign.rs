//! Campaign touches: the `utm_*` parameters and the referrer host of the page view that brought
//! the visitor. The profile keeps the first touch forever and the last touch as it changes.

use crate::context::{clip, PageContext};
use crate::prelude::*;

/// Longest campaign value kept, in characters.
pub const MAX_CAMPAIGN_CHARS: usize = 100;

/// One touch. `referrer` is the host of an external referrer (`www.google.com`), if any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Campaign {
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub content: Option<String>,
    pub referrer: Option<String>,
    /// When the touch happened (ms).
    pub at: f64,
}

/// Stored and attribute field names, in order, with the query parameter each comes from.
pub(crate) const FIELDS: [(&str, &str); 5] = [
    ("source", "utm_source"),
    ("medium", "utm_medium"),
    ("campaign", "utm_campaign"),
    ("term", "utm_term"),
    ("content", "utm_content"),
];

impl Campaign {
    /// The touch this page view makes: any `utm_*` parameter, or a referrer from another host.
    /// Internal navigation and direct visits make none, so they keep the last touch as it is.
    pub fn from_page(ctx: &PageContext) -> Option<Campaign> {
        let mut c = Campaign {
            at: ctx.now,
            ..Campaign::default()
        };
        let mut any = false;
        for (i, (_, param)) in FIELDS.iter().enumerate() {
            let value = ctx
                .query_param(param)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| clip(v, MAX_CAMPAIGN_CHARS));
            any |= value.is_some();
            *c.field_mut(i) = value;
        }
        let referrer = ctx.referrer_host();
        if referrer.is_some() && referrer != ctx.host() {
            c.referrer = referrer;
            any = true;
        }
        any.then_some(c)
    }

    /// The `i`-th field of [`FIELDS`].
    pub(crate) fn field(&self, i: usize) -> Option<&str> {
        match i {
            0 => self.source.as_deref(),
            1 => self.medium.as_deref(),
            2 => self.campaign.as_deref(),
            3 => self.term.as_deref(),
            _ => self.content.as_deref(),
        }
    }

    pub(crate) fn field_mut(&mut self, i: usize) -> &mut Option<String> {
        match i {
            0 => &mut self.source,
            1 => &mut self.medium,
            2 => &mut self.campaign,
            3 => &mut self.term,
            _ => &mut self.content,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str, referrer: &str) -> PageContext {
        let mut ctx = PageContext::new(1000.0, url);
        ctx.referrer = referrer.into();
        ctx
    }

    #[test]
    fn utm_parameters_make_a_touch() {
        let c = Campaign::from_page(&page(
            "https://shop.example/?utm_source=news&utm_medium=email&utm_campaign=winter+sale",
            "",
        ))
        .unwrap();
        assert_eq!(c.source.as_deref(), Some("news"));
        assert_eq!(c.medium.as_deref(), Some("email"));
        assert_eq!(c.campaign.as_deref(), Some("winter sale"));
        assert_eq!((c.term, c.referrer, c.at), (None, None, 1000.0));
    }

    #[test]
    fn external_referrers_touch_and_internal_ones_do_not() {
        let c =
            Campaign::from_page(&page("https://shop.example/", "https://www.Google.com/")).unwrap();
        assert_eq!(c.referrer.as_deref(), Some("www.google.com"));
        assert_eq!(c.source, None);
        assert_eq!(
            Campaign::from_page(&page("https://shop.example/a", "https://shop.example/b")),
            None
        );
        assert_eq!(
            Campaign::from_page(&page("https://shop.example/", "")),
            None
        );
        let long = format!("https://shop.example/?utm_source={}", "x".repeat(500));
        let c = Campaign::from_page(&page(&long, "")).unwrap();
        assert_eq!(c.source.unwrap().len(), MAX_CAMPAIGN_CHARS);
    }
}
