//! HTML fragments: [`escape`] for user text, and [`Oob`] for out-of-band swaps.

use std::fmt;

use crate::swap::Swap;

/// `text`, escaped for HTML text and for attribute values in either kind of quotes: `&`,
/// `<`, `>`, `"` and `'` become character references, so user text (a chat message, a
/// name) cannot inject markup. Displays without allocating; works with `format!` and any
/// template engine that takes `Display`.
///
/// ```
/// use ssekit_htmx::escape;
///
/// let message = r#"<img src=x onerror="alert('hi')">"#;
/// assert_eq!(
///     format!("<li title=\"{0}\">{0}</li>", escape(message)),
///     "<li title=\"&lt;img src=x onerror=&quot;alert(&#39;hi&#39;)&quot;&gt;\">&lt;img src=x onerror=&quot;alert(&#39;hi&#39;)&quot;&gt;</li>"
/// );
/// ```
pub fn escape(text: &str) -> Escaped<'_> {
    Escaped(text)
}

/// Text that displays escaped; see [`escape`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            let (plain, tail) = rest.split_at(at);
            f.write_str(plain)?;
            let mut chars = tail.chars();
            f.write_str(match chars.next() {
                Some('&') => "&amp;",
                Some('<') => "&lt;",
                Some('>') => "&gt;",
                Some('"') => "&quot;",
                _ => "&#39;",
            })?;
            rest = chars.as_str();
        }
        f.write_str(rest)
    }
}

/// An `hx-swap-oob` attribute: how a fragment that arrives with a response or an SSE event
/// is swapped in somewhere else than the target (by its `id`, or at a selector).
///
/// ```
/// use ssekit_htmx::{Oob, Swap, escape};
///
/// let append = Oob::new(Swap::BeforeEnd).with_selector("#notifications");
/// let html = format!("<div {append}><li>{}</li></div>", escape("Saved"));
/// assert_eq!(html, r##"<div hx-swap-oob="beforeend:#notifications"><li>Saved</li></div>"##);
/// assert_eq!(Oob::by_id().to_string(), r#"hx-swap-oob="true""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oob {
    swap: Option<Swap>,
    selector: Option<String>,
}

impl Oob {
    /// Swap the element with the same `id` as the fragment's element (`hx-swap-oob="true"`).
    pub const fn by_id() -> Self {
        Oob {
            swap: None,
            selector: None,
        }
    }

    /// Swap with `swap` into the element with the fragment's `id`.
    pub const fn new(swap: Swap) -> Self {
        Oob {
            swap: Some(swap),
            selector: None,
        }
    }

    /// Swap into the elements `selector` matches instead (`beforeend:#list`).
    pub fn with_selector(mut self, selector: impl Into<String>) -> Self {
        self.selector = Some(selector.into());
        self
    }
}

impl fmt::Display for Oob {
    /// The whole attribute, `hx-swap-oob="…"`, its value escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("hx-swap-oob=\"")?;
        match (&self.swap, &self.selector) {
            (None, _) => f.write_str("true")?,
            (Some(swap), None) => f.write_str(swap.as_str())?,
            (Some(swap), Some(selector)) => write!(f, "{swap}:{}", escape(selector))?,
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character_and_nothing_else() {
        assert_eq!(
            escape("a&b<c>d\"e'f").to_string(),
            "a&amp;b&lt;c&gt;d&quot;e&#39;f"
        );
        assert_eq!(escape("plain ünïcode 🙂").to_string(), "plain ünïcode 🙂");
        assert_eq!(escape("").to_string(), "");
        assert_eq!(escape("&&").to_string(), "&amp;&amp;");
    }

    #[test]
    fn oob_selectors_are_escaped() {
        let oob = Oob::new(Swap::AfterBegin).with_selector("[data-x=\"1\"]");
        assert_eq!(
            oob.to_string(),
            "hx-swap-oob=\"afterbegin:[data-x=&quot;1&quot;]\""
        );
        assert_eq!(Oob::new(Swap::Delete).to_string(), "hx-swap-oob=\"delete\"");
    }
}
