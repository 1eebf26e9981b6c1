//! The request a curl, wget or httpie / xh command line makes.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::json::{parse_json_lenient, MAX_DEPTH};
use super::pyfmt::{dumps, quote, urlencode};
use super::words::{body_text, decode_body, header, scan, text, whole_opaque, OptionSpec};
use crate::model::{unknown_value, Command, Request, UNKNOWN_MARK};

const CURL_DATA: &[&str] = &[
    "data",
    "data-ascii",
    "data-binary",
    "data-raw",
    "data-urlencode",
    "json",
];

static CURL: OptionSpec = OptionSpec {
    short_arg: "AbcCdDeEFHKmoPQrtTuUwxXyYz",
    short_names: &[
        ('X', "request"),
        ('H', "header"),
        ('d', "data"),
        ('F', "form"),
        ('G', "get"),
        ('I', "head"),
        ('T', "upload-file"),
        ('K', "config"),
    ],
    long_arg: &[
        "request",
        "header",
        "data",
        "data-ascii",
        "data-binary",
        "data-raw",
        "data-urlencode",
        "json",
        "form",
        "form-string",
        "output",
        "user",
        "user-agent",
        "referer",
        "cookie",
        "cookie-jar",
        "max-time",
        "connect-timeout",
        "write-out",
        "proxy",
        "upload-file",
        "config",
        "cert",
        "cacert",
        "capath",
        "key",
        "range",
        "continue-at",
        "speed-limit",
        "speed-time",
        "time-cond",
        "retry",
        "retry-delay",
        "retry-max-time",
        "resolve",
        "url",
        "url-query",
        "oauth2-bearer",
        "max-redirs",
        "limit-rate",
        "proxy-user",
        "interface",
        "local-port",
        "dump-header",
        "stderr",
        "trace",
        "trace-ascii",
        "ftp-port",
        "quote",
        "telnet-option",
        "unix-socket",
        "abstract-unix-socket",
        "aws-sigv4",
        "variable",
        "connect-to",
        "ciphers",
        "tls-max",
        "pinnedpubkey",
        "proto",
        "proto-redir",
        "proto-default",
        "noproxy",
        "preproxy",
        "proxy-header",
        "request-target",
        "cert-type",
        "key-type",
        "pass",
        "crlfile",
        "dns-servers",
        "doh-url",
        "hsts",
        "alt-svc",
        "etag-compare",
        "etag-save",
        "output-dir",
        "create-file-mode",
        "max-filesize",
        "rate",
        "parallel-max",
        "netrc-file",
        "mail-from",
        "mail-rcpt",
        "mail-auth",
        "login-options",
        "sasl-authzid",
        "service-name",
        "socks4",
        "socks4a",
        "socks5",
        "socks5-hostname",
        "socks5-gssapi-service",
        "proxy-cacert",
        "proxy-capath",
        "proxy-cert",
        "proxy-cert-type",
        "proxy-key",
        "proxy-key-type",
        "proxy-pass",
        "proxy-ciphers",
        "proxy-tls13-ciphers",
        "proxy-pinnedpubkey",
        "proxy-crlfile",
        "proxy-tlsuser",
        "proxy-tlspassword",
        "proxy-tlsauthtype",
        "proxy-service-name",
        "tlsuser",
        "tlspassword",
        "tlsauthtype",
        "tls13-ciphers",
        "curves",
        "engine",
        "krb",
        "ftp-account",
        "ftp-alternative-to-user",
        "ftp-method",
        "ftp-ssl-ccc-mode",
        "delegation",
        "random-file",
        "egd-file",
        "happy-eyeballs-timeout-ms",
        "keepalive-time",
        "expect100-timeout",
        "ip-tos",
        "vlan-priority",
        "ech",
        "dns-interface",
        "dns-ipv4-addr",
        "dns-ipv6-addr",
        "ssl-sessions",
        "trace-config",
        "expand-data",
        "expand-url",
        "expand-header",
        "expand-output",
    ],
    prefix_flags: &[],
};

static WGET: OptionSpec = OptionSpec {
    short_arg: "aABDeiIlOoPQRtTUwX",
    short_names: &[],
    long_arg: &[
        "header",
        "method",
        "body-data",
        "body-file",
        "post-data",
        "post-file",
        "output-document",
        "output-file",
        "append-output",
        "execute",
        "input-file",
        "base",
        "tries",
        "timeout",
        "dns-timeout",
        "connect-timeout",
        "read-timeout",
        "wait",
        "waitretry",
        "quota",
        "directory-prefix",
        "user-agent",
        "level",
        "accept",
        "reject",
        "domains",
        "exclude-domains",
        "include-directories",
        "exclude-directories",
        "user",
        "password",
        "http-user",
        "http-password",
        "ftp-user",
        "ftp-password",
        "proxy-user",
        "proxy-password",
        "referer",
        "load-cookies",
        "save-cookies",
        "certificate",
        "certificate-type",
        "private-key",
        "private-key-type",
        "ca-certificate",
        "ca-directory",
        "secure-protocol",
        "limit-rate",
        "bind-address",
        "restrict-file-names",
        "local-encoding",
        "remote-encoding",
        "default-page",
        "config",
        "rejected-log",
        "warc-file",
        "accept-regex",
        "reject-regex",
        "regex-type",
        "max-redirect",
        "progress",
    ],
    prefix_flags: &["-n"],
};

static HTTPIE: OptionSpec = OptionSpec {
    short_arg: "aAopsP",
    short_names: &[('f', "form"), ('j', "json")],
    long_arg: &[
        "auth",
        "auth-type",
        "output",
        "session",
        "session-read-only",
        "print",
        "history-print",
        "verify",
        "cert",
        "cert-key",
        "cert-key-pass",
        "proxy",
        "timeout",
        "max-redirects",
        "pretty",
        "style",
        "format-options",
        "response-charset",
        "response-mime",
        "ssl",
        "ciphers",
        "max-headers",
        "boundary",
        "default-scheme",
        "raw",
        "bearer",
        "resolve",
        "interface",
        "http-version",
    ],
    prefix_flags: &[],
};

fn request(
    cmd: &Command,
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    (json, body_error): (Option<Value>, Option<String>),
    method_explicit: bool,
) -> Request {
    Request {
        method,
        url,
        start: cmd.start,
        end: cmd.end,
        headers,
        body,
        json,
        body_error,
        method_explicit,
    }
}

pub fn curl(cmd: &Command) -> Option<Request> {
    let (opts, positional) = scan(&cmd.argv[1..], &CURL);
    let mut method: Option<String> = None;
    let mut url: Option<String> = None;
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    let mut unknown_body = false;
    let mut json_opt = false;
    let (mut form, mut get, mut head, mut upload) = (false, false, false, false);
    for (name, val) in opts {
        let name = name.as_str();
        match (name, val) {
            ("request", Some(v)) => method = Some(v.to_uppercase()),
            ("header", Some(v)) => headers.extend(header(&v)),
            (n, Some(v)) if CURL_DATA.contains(&n) => {
                let v = body_text(&v);
                if n == "json" {
                    json_opt = true;
                }
                if n == "data-urlencode" {
                    if let Some((key, content)) = v.split_once('=') {
                        parts.push(if key.is_empty() {
                            quote(content, b"")
                        } else {
                            format!("{key}={}", quote(content, b""))
                        });
                    } else if v.contains('@') {
                        unknown_body = true;
                    } else {
                        parts.push(quote(&v, b""));
                    }
                } else if v.starts_with('@') && n != "data-raw" {
                    unknown_body = true;
                } else if n == "json" && !parts.is_empty() && !unknown_body {
                    if let Some(last) = parts.last_mut() {
                        last.push_str(&v);
                    }
                } else {
                    parts.push(v);
                }
            }
            ("form" | "form-string", _) => form = true,
            ("get", _) => get = true,
            ("head", _) => head = true,
            ("upload-file", _) => upload = true,
            ("url", Some(v)) if url.is_none() => url = Some(v),
            _ => {}
        }
    }
    let mut url = match url {
        Some(u) => u,
        None => text(positional.first()?),
    };
    let has_data = !parts.is_empty() || unknown_body;
    let mut body = None;
    if get {
        if !parts.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&parts.join("&"));
        }
    } else if has_data && !unknown_body {
        body = Some(parts.join("&"));
    }
    if json_opt {
        let names: Vec<String> = headers.iter().map(|h| h.0.to_lowercase()).collect();
        if !names.iter().any(|n| n == "content-type") {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        if !names.iter().any(|n| n == "accept") {
            headers.push(("Accept".into(), "application/json".into()));
        }
    }
    let decoded = if !get && (unknown_body || upload) {
        (Some(unknown_value()), None)
    } else {
        decode_body(body.as_deref(), &headers, json_opt)
    };
    let explicit = method.is_some();
    let method = method.unwrap_or_else(|| {
        if head {
            "HEAD"
        } else if get {
            "GET"
        } else if has_data || form {
            "POST"
        } else if upload {
            "PUT"
        } else {
            "GET"
        }
        .to_string()
    });
    Some(request(cmd, method, url, headers, body, decoded, explicit))
}

pub fn wget(cmd: &Command) -> Option<Request> {
    let (opts, positional) = scan(&cmd.argv[1..], &WGET);
    let mut method: Option<String> = None;
    let mut headers = Vec::new();
    let mut body: Option<String> = None;
    let mut unknown_body = false;
    let mut post = false;
    for (name, val) in opts {
        let Some(v) = val else { continue };
        match name.as_str() {
            "method" => method = Some(v.to_uppercase()),
            "header" => headers.extend(header(&v)),
            n @ ("post-data" | "body-data") => {
                body = Some(body_text(&v));
                unknown_body = false;
                post = post || n == "post-data";
            }
            n @ ("post-file" | "body-file") => {
                body = None;
                unknown_body = true;
                post = post || n == "post-file";
            }
            _ => {}
        }
    }
    let url = text(positional.first()?);
    let explicit = method.is_some();
    let method = method.unwrap_or_else(|| if post { "POST" } else { "GET" }.to_string());
    let decoded = if unknown_body {
        (Some(unknown_value()), None)
    } else {
        decode_body(body.as_deref(), &headers, false)
    };
    Some(request(cmd, method, url, headers, body, decoded, explicit))
}

/// Longest first: at one position the longest separator wins.
const ITEM_SEPARATORS: &[&str] = &[":=@", "==", ":=", "=@", "=", "@", ":"];

/// httpie `REQUEST_ITEM` -> (key, separator, value); backslash escapes a separator.
fn split_item(item: &str) -> Option<(String, &'static str, String)> {
    let mut key = String::new();
    let mut chars = item.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            if let Some(&(_, next)) = chars.peek() {
                key.push(next);
                chars.next();
                continue;
            }
        }
        if let Some(sep) = ITEM_SEPARATORS.iter().find(|s| item[i..].starts_with(**s)) {
            return Some((key, sep, item[i + sep.len()..].to_string()));
        }
        key.push(c);
    }
    item.strip_suffix(';')
        .map(|k| (k.to_string(), ";", String::new()))
}

/// One step of an httpie nested-JSON key: `[]` appends, `[3]` indexes, `[x]` names.
#[derive(Clone, PartialEq)]
enum Step {
    Append,
    Index(usize),
    Name(String),
}

/// Indices beyond this are read as appends: Python would fill a list with that
/// many nulls (`a[99999999999]=1` would exhaust memory).
const MAX_INDEX: usize = 10_000;

/// httpie nested-JSON keys: `a[b][0]`, `a[]` (best effort; plain key otherwise).
fn set_path(obj: &mut Map<String, Value>, key: &str, value: Value) {
    let Some(open) = key.find('[') else {
        obj.insert(key.to_string(), value);
        return;
    };
    if !key.ends_with(']') {
        obj.insert(key.to_string(), value);
        return;
    }
    static TOKEN: OnceLock<Regex> = OnceLock::new();
    let token = TOKEN.get_or_init(|| Regex::new(r"\[([^\[\]]*)\]").unwrap());
    let head = &key[..open];
    let tail = &key[open..];
    let tokens: Vec<&str> = token
        .captures_iter(tail)
        .map(|c| c.get(1).map_or("", |m| m.as_str()))
        .collect();
    if tokens.iter().map(|t| t.len() + 2).sum::<usize>() != tail.len() {
        obj.insert(key.to_string(), value);
        return;
    }
    if tokens.len() >= MAX_DEPTH {
        // Python nests this deep and then fails to write the body (RecursionError)
        obj.insert(key.to_string(), value);
        return;
    }
    let mut path = vec![Step::Name(head.to_string())];
    for t in tokens {
        path.push(if t.is_empty() {
            Step::Append
        } else if t.bytes().all(|b| b.is_ascii_digit()) {
            match t.parse::<usize>() {
                Ok(k) if k <= MAX_INDEX => Step::Index(k),
                _ => Step::Append,
            }
        } else {
            Step::Name(t.to_string())
        });
    }
    let mut root = Value::Object(std::mem::take(obj));
    let mut value = Some(value);
    let mut cur: &mut Value = &mut root;
    for (idx, k) in path.iter().enumerate() {
        if idx == path.len() - 1 {
            if let Some(v) = value.take() {
                put(cur, k, v);
            }
            break;
        }
        let container_next = matches!(path[idx + 1], Step::Append | Step::Index(_));
        if !matches!(get(cur, k), Some(Value::Object(_) | Value::Array(_))) {
            let child = if container_next {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            };
            put(cur, k, child);
        }
        cur = match child_mut(cur, k) {
            Some(c) => c,
            None => break,
        };
    }
    if let Value::Object(map) = root {
        *obj = map;
    }
}

fn key_name(k: &Step) -> String {
    match k {
        Step::Append => String::new(),
        Step::Index(i) => i.to_string(),
        Step::Name(s) => s.clone(),
    }
}

fn get<'v>(node: &'v Value, k: &Step) -> Option<&'v Value> {
    match (node, k) {
        (_, Step::Append) => None,
        (Value::Object(map), k) => map.get(&key_name(k)),
        (Value::Array(items), Step::Index(i)) => items.get(*i),
        _ => None,
    }
}

/// The child `put` just placed or found under `k`.
fn child_mut<'v>(node: &'v mut Value, k: &Step) -> Option<&'v mut Value> {
    match node {
        Value::Object(map) => map.get_mut(&key_name(k)),
        Value::Array(items) => match k {
            Step::Index(i) if *i < items.len() => items.get_mut(*i),
            _ => items.last_mut(),
        },
        _ => None,
    }
}

fn put(node: &mut Value, k: &Step, value: Value) {
    match node {
        Value::Array(items) => match k {
            Step::Index(i) => {
                while items.len() <= *i {
                    items.push(Value::Null);
                }
                items[*i] = value;
            }
            _ => items.push(value),
        },
        Value::Object(map) => {
            map.insert(key_name(k), value);
        }
        _ => {}
    }
}

pub fn httpie(cmd: &Command) -> Option<Request> {
    let (opts, positional) = scan(&cmd.argv[1..], &HTTPIE);
    let mut form = false;
    let mut raw: Option<String> = None;
    for (name, val) in opts {
        match (name.as_str(), val) {
            ("form" | "multipart", _) => form = true,
            ("json", _) => form = false,
            ("raw", Some(v)) => raw = Some(body_text(&v)),
            _ => {}
        }
    }
    if positional.is_empty() {
        return None;
    }
    let mut words: Vec<String> = positional.iter().map(|w| text(w)).collect();
    let mut method = None;
    if words.len() >= 2 && !words[0].is_empty() && words[0].bytes().all(|b| b.is_ascii_alphabetic())
    {
        method = Some(words.remove(0).to_uppercase());
    }
    let url = words.remove(0);
    let mut headers = Vec::new();
    let mut fields = Map::new();
    let mut form_fields: Vec<(String, String)> = Vec::new();
    let mut has_data = raw.is_some();
    let mut unknown_body = false;
    let mut error: Option<String> = None;
    for item in &words {
        let Some((key, sep, val)) = split_item(item) else {
            continue;
        };
        match sep {
            ":" | ";" => headers.push((key, val)),
            "==" => {} // query parameter
            "=" => {
                has_data = true;
                if form {
                    form_fields.push((key, val));
                } else {
                    let field = if whole_opaque(&val) {
                        unknown_value()
                    } else {
                        Value::String(val)
                    };
                    set_path(&mut fields, &key, field);
                }
            }
            ":=" => {
                has_data = true;
                let parsed = match parse_json_lenient(&val) {
                    Ok(v) => v,
                    Err(e) => {
                        if error.is_none() {
                            error = Some(format!("item {key}:= is not JSON: {e}"));
                        }
                        unknown_value()
                    }
                };
                set_path(&mut fields, &key, parsed);
            }
            _ => {
                // =@, :=@ read a file; @ uploads one
                has_data = true;
                if sep == "@" {
                    form = true;
                    unknown_body = true;
                } else {
                    set_path(&mut fields, &key, unknown_value());
                }
            }
        }
    }
    let explicit = method.is_some();
    let method = method.unwrap_or_else(|| if has_data { "POST" } else { "GET" }.to_string());
    let mut body = None;
    let mut json = None;
    if let Some(raw) = raw {
        let (j, e) = decode_body(Some(&raw), &headers, !form);
        json = j;
        error = e;
        body = Some(raw);
    } else if form {
        if !unknown_body && !form_fields.is_empty() {
            body = Some(urlencode(&form_fields));
        }
    } else if !fields.is_empty() || error.is_some() {
        let value = Value::Object(fields);
        body = Some(dump_unknown(&value));
        if error.is_none() {
            json = Some(value);
        }
    }
    Some(request(
        cmd,
        method,
        url,
        headers,
        body,
        (json, error),
        explicit,
    ))
}

/// JSON text of a value holding the unknown value (written as the bare token
/// `<unknown>`).
fn dump_unknown(value: &Value) -> String {
    dumps(value).replace(&format!("\"{UNKNOWN_MARK}\""), "<unknown>")
}
