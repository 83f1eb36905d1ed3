//! What the subcommands share: their exit codes, and parsers for request headers and
//! durations.

use std::time::Duration;

use http::header::{HeaderName, HeaderValue};

/// Exit code when a command fails for good (`sse get`: a bad status or content type,
/// retries exhausted; `sse bench`: no stream could be opened).
pub const FAILED: u8 = 1;

/// Exit code when the arguments cannot make a client (the same as a usage error).
pub const USAGE: u8 = 2;

/// `Name: value`.
pub fn parse_header(text: &str) -> Result<(HeaderName, HeaderValue), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}` is not a header (`Name: value`)"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("`{}` is not a header name", name.trim()))?;
    let value = HeaderValue::from_str(value.trim())
        .map_err(|_| format!("the value of `{name}` is not a valid header value"))?;
    Ok((name, value))
}

/// Seconds, possibly fractional.
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .ok_or_else(|| format!("`{text}` is not a number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_name_colon_value() {
        let (name, value) =
            parse_header("Authorization:  Bearer abc ").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (name.as_str(), value.to_str().ok()),
            ("authorization", Some("Bearer abc"))
        );
        assert!(parse_header("X-Empty:").is_ok_and(|(_, v)| v.is_empty()));
        assert!(parse_header("no colon").is_err_and(|e| e.contains("Name: value")));
        assert!(parse_header("bad name: x").is_err_and(|e| e.contains("header name")));
        assert!(parse_header("X-Ctl: a\u{1}b").is_err_and(|e| e.contains("header value")));
    }

    #[test]
    fn seconds_may_be_fractional() {
        assert_eq!(parse_seconds("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        for bad in ["-1", "soon", "NaN", "inf", ""] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }
}
