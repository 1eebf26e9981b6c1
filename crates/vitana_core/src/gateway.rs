//! What a rebuilt request is to the policy: which control-plane endpoint (or step of
//! the standard flow) it calls. Driven entirely by the
//! `endpoints` and `control_plane_prefixes` parameters.

use std::net::Ipv6Addr;

use crate::model::Request;

/// The name of a control-plane path that no endpoint names.
pub const UNKNOWN_ENDPOINT: &str = "unknown";

/// The control-plane path of `url` (query dropped), or None when it is not one.
/// Works on URLs whose origin is a variable or placeholder (`$GATEWAY_URL/api/...`).
pub fn path_of<S: AsRef<str>>(url: &str, prefixes: &[S]) -> Option<String> {
    prefixes.iter().find_map(|prefix| {
        let i = find_short(url, prefix.as_ref())?;
        let path = url[i..].split('?').next().unwrap_or("");
        let path = path.split('#').next().unwrap_or("").trim_end_matches('/');
        Some(if path.is_empty() {
            "/".to_string()
        } else {
            path.to_string()
        })
    })
}

/// Where `needle` first occurs in `hay`: a plain search, as URLs and prefixes are short
/// (`str::find` sets up a two-way searcher per call: most of `path_of`'s time, once per
/// request of a keyword-dense transcript). A match of a `str` starts on a character.
fn find_short(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    let first = needle[0];
    memchr::memchr_iter(first, hay).find(|&i| hay[i..].starts_with(needle))
}

/// The endpoint a request calls: the name of the first of `endpoints` (name, path)
/// whose path is its control-plane path, `UNKNOWN_ENDPOINT` for another control-plane
/// path, None outside the control plane.
pub fn endpoint_of<'e, S: AsRef<str>>(
    request: &Request,
    prefixes: &[S],
    endpoints: &'e [(String, String)],
) -> Option<&'e str> {
    let path = path_of(&request.url, prefixes)?;
    Some(
        endpoints
            .iter()
            .find(|(_, p)| *p == path)
            .map_or(UNKNOWN_ENDPOINT, |(name, _)| name.as_str()),
    )
}

/// A GET on the canonical gateway outside the control plane (§3 step 5).
pub fn is_feature_check(request: &Request, gateway_url: &str) -> bool {
    if request.method != "GET" {
        return false;
    }
    let Ok(gateway) = split(gateway_url) else {
        return false;
    };
    let url = if request.url.contains("://") {
        request.url.clone()
    } else {
        format!("https://{}", request.url)
    };
    match split(&url) {
        // not a URL Python's urllib can read (a stray "["): not the gateway
        Err(()) => false,
        Ok(url) => {
            hostname(&url.netloc) == hostname(&gateway.netloc) && url.path.starts_with("/api/")
        }
    }
}

/// `urlsplit(url).hostname or ""` (the `host` filter of message templates).
pub fn url_hostname(url: &str) -> String {
    split(url)
        .ok()
        .and_then(|s| hostname(&s.netloc))
        .unwrap_or_default()
}

/// The parts of a URL `urllib.parse.urlsplit` gives that the check reads.
struct Split {
    netloc: String,
    path: String,
}

/// `urllib.parse.urlsplit` (Python 3.11): Err where it raises ValueError.
fn split(url: &str) -> Result<Split, ()> {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut rest = url.as_str();
    if let Some(i) = rest.find(':') {
        let scheme = &rest[..i];
        let first_ok = scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic());
        if i > 0
            && first_ok
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            rest = &rest[i + 1..];
        }
    }
    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        rest = &after[end..];
        let (open, close) = (netloc.contains('['), netloc.contains(']'));
        if open != close {
            return Err(()); // Invalid IPv6 URL
        }
        if open {
            let inside = netloc.split_once('[').map_or("", |x| x.1);
            let host = inside.split_once(']').map_or(inside, |x| x.0);
            check_bracketed_host(host)?;
        }
    }
    let path = rest.split('#').next().unwrap_or("");
    let path = path.split('?').next().unwrap_or("");
    check_netloc(netloc)?;
    Ok(Split {
        netloc: netloc.to_string(),
        path: path.to_string(),
    })
}

/// `[v1.x]` IPvFuture or a real IPv6 address (an IPv4 one may not be in brackets).
fn check_bracketed_host(host: &str) -> Result<(), ()> {
    if let Some(future) = host.strip_prefix('v') {
        let (hex, rest) = future.split_once('.').ok_or(())?;
        let ok = !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) && !rest.is_empty();
        return if ok && !rest.contains('\n') {
            Ok(())
        } else {
            Err(())
        };
    }
    let addr = match host.split_once('%') {
        Some((a, zone)) if !zone.is_empty() => a,
        Some(_) => return Err(()),
        None => host,
    };
    addr.parse::<Ipv6Addr>().map(|_| ()).map_err(|_| ())
}

/// Python refuses a non-ASCII netloc whose NFKC form holds a URL delimiter; the
/// characters that fold to one are listed here (no Unicode tables in this crate).
fn check_netloc(netloc: &str) -> Result<(), ()> {
    if netloc.is_ascii() {
        return Ok(());
    }
    let folds_to_delimiter = |c: char| {
        matches!(
            c,
            '\u{ff0f}'
                | '\u{ff1f}'
                | '\u{ff03}'
                | '\u{ff20}'
                | '\u{ff1a}'
                | '\u{fe55}'
                | '\u{fe56}'
                | '\u{fe5f}'
                | '\u{fe6b}'
                | '\u{fe13}'
                | '\u{fe16}'
                | '\u{2100}'
                | '\u{2101}'
                | '\u{2105}'
                | '\u{2106}'
                | '\u{2474}'..='\u{24b5}'
        )
    };
    let stripped: String = netloc
        .chars()
        .filter(|c| !matches!(c, '@' | ':' | '#' | '?'))
        .collect();
    if stripped.chars().any(folds_to_delimiter) {
        return Err(());
    }
    Ok(())
}

/// `SplitResult.hostname`: after any `user@`, inside brackets or before `:`, lower
/// case (a zone after `%` kept as written); None when empty.
fn hostname(netloc: &str) -> Option<String> {
    let hostinfo = netloc.rsplit_once('@').map_or(netloc, |x| x.1);
    let host = match hostinfo.split_once('[') {
        Some((_, bracketed)) => bracketed.split_once(']').map_or(bracketed, |x| x.0),
        None => hostinfo.split_once(':').map_or(hostinfo, |x| x.0),
    };
    if host.is_empty() {
        return None;
    }
    Some(match host.split_once('%') {
        Some((h, zone)) => format!("{}%{zone}", h.to_lowercase()),
        None => host.to_lowercase(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_short_finds_the_first_occurrence() {
        assert_eq!(find_short("a/api/v/api/v1/x", "/api/v1/"), Some(7));
        assert_eq!(find_short("é/api/v1/", "/api/v1/"), Some(2));
        assert_eq!(find_short("/api/v", "/api/v1/"), None);
        assert_eq!(find_short("x", ""), Some(0));
    }

    fn get(url: &str) -> Request {
        Request {
            method: "GET".into(),
            url: url.into(),
            start: 0,
            end: 0,
            headers: vec![],
            body: None,
            json: None,
            body_error: None,
            method_explicit: false,
        }
    }

    #[test]
    fn control_plane_paths() {
        let prefixes = ["/api/v1/github/"];
        assert_eq!(
            path_of("$GW/api/v1/github/create-pr/?x=1", &prefixes).as_deref(),
            Some("/api/v1/github/create-pr")
        );
        assert_eq!(path_of("https://h/health", &prefixes), None);
        let endpoints = vec![(
            "create_pr".to_string(),
            "/api/v1/github/create-pr".to_string(),
        )];
        assert_eq!(
            endpoint_of(
                &get("https://g/api/v1/github/create-pr"),
                &prefixes,
                &endpoints
            ),
            Some("create_pr")
        );
        assert_eq!(
            endpoint_of(&get("https://g/api/v1/github/other"), &prefixes, &endpoints),
            Some(UNKNOWN_ENDPOINT)
        );
    }

    #[test]
    fn feature_checks() {
        let gw = "https://Gateway.example.app";
        assert!(is_feature_check(
            &get("https://gateway.example.app/api/x"),
            gw
        ));
        assert!(is_feature_check(&get("gateway.example.app:443/api/x"), gw));
        assert!(!is_feature_check(
            &get("https://gateway.example.app/health"),
            gw
        ));
        assert!(!is_feature_check(
            &get("https://[gateway.example.app/api/x"),
            gw
        ));
        assert!(!is_feature_check(&get("https://other/api/x"), gw));
    }
}
