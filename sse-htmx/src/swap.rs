//! [`Swap`]: htmx's swap strategies, for `hx-swap-oob` and `HX-Reswap`.

use std::fmt;

/// How htmx puts content into the page (its `hx-swap` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Swap {
    /// Replace the target's content (`innerHTML`).
    InnerHtml,
    /// Replace the target itself (`outerHTML`).
    OuterHtml,
    /// Replace the target's text, without parsing HTML (`textContent`).
    TextContent,
    /// Insert before the target (`beforebegin`).
    BeforeBegin,
    /// Insert as the target's first child (`afterbegin`).
    AfterBegin,
    /// Insert as the target's last child (`beforeend`): appending to a list.
    BeforeEnd,
    /// Insert after the target (`afterend`).
    AfterEnd,
    /// Remove the target (`delete`).
    Delete,
    /// Do nothing (`none`).
    None,
}

impl Swap {
    /// The name htmx uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            Swap::InnerHtml => "innerHTML",
            Swap::OuterHtml => "outerHTML",
            Swap::TextContent => "textContent",
            Swap::BeforeBegin => "beforebegin",
            Swap::AfterBegin => "afterbegin",
            Swap::BeforeEnd => "beforeend",
            Swap::AfterEnd => "afterend",
            Swap::Delete => "delete",
            Swap::None => "none",
        }
    }
}

impl fmt::Display for Swap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
