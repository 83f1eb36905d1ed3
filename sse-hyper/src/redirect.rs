//! Client side: following redirects as a browser does. Where a `Location` points (relative
//! references resolved against the request's URL, RFC 3986 section 5) and which headers do
//! not cross to another origin.

use http::header::{AUTHORIZATION, COOKIE, HeaderMap, HeaderValue, PROXY_AUTHORIZATION};
use http::{StatusCode, Uri};

/// Whether `status` redirects (with a `Location`): 301, 302, 303, 307 or 308. A GET stays a
/// GET for all of them.
pub(crate) fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Where `location` points from `base` (an absolute http or https URL), or `None` if it is
/// not a usable http(s) URL. The fragment is dropped.
pub(crate) fn resolve(base: &Uri, location: &HeaderValue) -> Option<Uri> {
    let location = location.to_str().ok()?.trim();
    let location = location.split('#').next().unwrap_or_default();
    let scheme = base.scheme_str()?;
    let authority = base.authority()?.as_str();
    let target = if has_scheme(location) {
        location.to_owned()
    } else if let Some(rest) = location.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else if location.starts_with('/') {
        format!("{scheme}://{authority}{}", normalize(location))
    } else {
        let path = base.path();
        let (location_path, query) = split_query(location);
        let merged = if location_path.is_empty() {
            let base_query = base.query().map(|q| format!("?{q}")).unwrap_or_default();
            let query = if query.is_empty() { &base_query } else { query };
            format!("{path}{query}")
        } else {
            let dir = path
                .rfind('/')
                .map_or("/", |end| path.get(..=end).unwrap_or("/"));
            format!("{dir}{location_path}{query}")
        };
        format!("{scheme}://{authority}{}", normalize(&merged))
    };
    let uri = Uri::try_from(target).ok()?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.authority().is_some() => Some(uri),
        _ => None,
    }
}

/// Whether two absolute URLs have the same origin: scheme, host and port.
pub(crate) fn same_origin(a: &Uri, b: &Uri) -> bool {
    a.scheme() == b.scheme()
        && a.host().map(str::to_ascii_lowercase) == b.host().map(str::to_ascii_lowercase)
        && port(a) == port(b)
}

/// Removes the headers that carry credentials, before a request goes to another origin
/// (as browsers drop `Authorization` on a cross-origin redirect).
pub(crate) fn strip_credentials(headers: &mut HeaderMap) {
    for name in [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION] {
        headers.remove(name);
    }
}

/// The port, explicit or the scheme's default.
fn port(uri: &Uri) -> Option<u16> {
    uri.port_u16().or(match uri.scheme_str() {
        Some("http") => Some(80),
        Some("https") => Some(443),
        _ => None,
    })
}

/// Whether `reference` starts with a scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`).
fn has_scheme(reference: &str) -> bool {
    let Some(colon) = reference.find(':') else {
        return false;
    };
    let scheme = reference.get(..colon).unwrap_or_default();
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `path?query` into the path and `?query` (empty if none).
fn split_query(reference: &str) -> (&str, &str) {
    match reference.find('?') {
        Some(at) => reference.split_at(at),
        None => (reference, ""),
    }
}

/// An absolute path (with any query) with its `.` and `..` segments removed.
fn normalize(path_and_query: &str) -> String {
    let (path, query) = split_query(path_and_query);
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {}
            ".." => {
                out.pop();
            }
            other => out.push(other),
        }
        // A path ending in `.` or `..` ends with a slash.
        if i == last && matches!(*segment, "." | "..") {
            out.push("");
        }
    }
    format!("/{}{query}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(base: &str, location: &str) -> Option<String> {
        let base = Uri::try_from(base).ok()?;
        let location = HeaderValue::from_str(location).ok()?;
        resolve(&base, &location).map(|uri| uri.to_string())
    }

    #[test]
    fn relative_references_resolve_as_rfc_3986_says() {
        let base = "http://a/b/c/d;p?q";
        for (reference, expected) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            ("g#s", "http://a/b/c/g"),
            (";x", "http://a/b/c/;x"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("g/../h", "http://a/b/c/h"),
            ("https://other:8443/x?y", "https://other:8443/x?y"),
        ] {
            assert_eq!(
                at(base, reference).as_deref(),
                Some(expected),
                "{reference:?}"
            );
        }
    }

    #[test]
    fn unusable_locations_are_none_never_a_panic() {
        let base = "http://127.0.0.1:8080/events";
        for bad in [
            "ftp://example.com/x",
            "mailto:someone@example.com",
            "http://[::1",
            "http:///nohost",
            "http://exa mple.com/",
            "/with space",
            "javascript:alert(1)",
        ] {
            assert_eq!(at(base, bad), None, "{bad:?}");
        }
        let not_ascii =
            HeaderValue::from_bytes(b"/caf\xc3\xa9").unwrap_or(HeaderValue::from_static("x"));
        let base = Uri::from_static("http://127.0.0.1/");
        assert_eq!(resolve(&base, &not_ascii), None);
        let relative_base = Uri::from_static("/only/a/path");
        assert_eq!(
            resolve(&relative_base, &HeaderValue::from_static("/x")),
            None
        );
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let uri = |s: &'static str| Uri::from_static(s);
        assert!(same_origin(&uri("http://a/x"), &uri("http://A:80/y")));
        assert!(same_origin(&uri("https://a:443/"), &uri("https://a/z")));
        assert!(!same_origin(&uri("http://a/"), &uri("https://a/")));
        assert!(!same_origin(&uri("http://a:8080/"), &uri("http://a:8081/")));
        assert!(!same_origin(&uri("http://a/"), &uri("http://b/")));
    }

    #[test]
    fn credentials_do_not_cross_origins() {
        let mut headers = HeaderMap::new();
        for name in ["authorization", "cookie", "proxy-authorization", "x-trace"] {
            headers.insert(name, HeaderValue::from_static("v"));
        }
        strip_credentials(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.contains_key("x-trace"));
    }

    #[test]
    fn redirect_statuses() {
        for (status, yes) in [
            (301, true),
            (302, true),
            (303, true),
            (307, true),
            (308, true),
            (300, false),
            (304, false),
            (305, false),
            (200, false),
        ] {
            let status = StatusCode::from_u16(status).unwrap_or_default();
            assert_eq!(is_redirect(status), yes, "{status}");
        }
    }
}
