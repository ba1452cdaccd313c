//! Where a client reached Warden: the scheme and host it used, for documents that tell
//! clients where to send their next requests (the Perspective discovery document's
//! `rootUrl`).
//!
//! By default that is the request's own: `https` when the connection is TLS, else
//! `http`, and the `Host` header (or the HTTP/2 `:authority`). Behind a reverse proxy
//! those are the proxy's view, so with `http.trust_forwarded_headers` the proxy's
//! `X-Forwarded-Proto` and `X-Forwarded-Host` win. Never by default: any caller can send
//! those headers, and a document pointing clients at another host would send them, keys
//! and all, there. A malformed host is not echoed: the server's own address is used.

use actix_web::http::header::{self, HeaderMap};
use actix_web::HttpRequest;

/// The root URL the client used, with a trailing `/`: `http://warden:8080/`.
pub fn root_url(req: &HttpRequest, trust_forwarded: bool) -> String {
    let headers = req.headers();
    let forwarded = |name: &str| {
        trust_forwarded
            .then(|| first_value(headers, name))
            .flatten()
    };
    let scheme = forwarded("x-forwarded-proto")
        .and_then(|p| match p.to_ascii_lowercase().as_str() {
            "http" => Some("http"),
            "https" => Some("https"),
            _ => None,
        })
        .unwrap_or(if req.app_config().secure() {
            "https"
        } else {
            "http"
        });
    let host = forwarded("x-forwarded-host")
        .filter(|h| is_authority(h))
        .or_else(|| {
            headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .filter(|h| is_authority(h))
        })
        .or_else(|| {
            req.uri()
                .authority()
                .map(|a| a.as_str())
                .filter(|h| is_authority(h))
        })
        .map(str::to_string)
        .unwrap_or_else(|| req.app_config().local_addr().to_string());
    format!("{scheme}://{host}/")
}

/// The first value of a header that may list several (`X-Forwarded-Host: a, b` from a
/// chain of proxies: the first is what the client asked for).
fn first_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let value = headers.get(name)?.to_str().ok()?;
    let first = value.split(',').next()?.trim();
    (!first.is_empty()).then_some(first)
}

/// A host and optional port, nothing else: letters, digits, `.`, `-`, `:` and the
/// brackets of an IPv6 literal. No userinfo, path, query or space can ride along.
fn is_authority(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn root(headers: &[(&str, &str)], trust: bool) -> String {
        let mut req = TestRequest::default();
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        root_url(&req.to_http_request(), trust)
    }

    #[test]
    fn the_request_decides_unless_a_proxy_is_trusted() {
        let proxied = [
            ("host", "10.0.0.5:8080"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "moderation.example.org, 10.0.0.9"),
        ];
        assert_eq!(root(&proxied, false), "http://10.0.0.5:8080/");
        assert_eq!(root(&proxied, true), "https://moderation.example.org/");
        // Trusted, but unusable values fall back to the request's own.
        let odd = [
            ("host", "warden:8080"),
            ("x-forwarded-proto", "gopher"),
            ("x-forwarded-host", "evil.example/path?"),
        ];
        assert_eq!(root(&odd, true), "http://warden:8080/");
        assert_eq!(root(&[("host", "[::1]:9000")], false), "http://[::1]:9000/");
    }

    #[test]
    fn a_malformed_host_is_not_echoed() {
        // TestRequest's own address stands in for the server's.
        let fallback = root(&[], false);
        assert!(
            fallback.starts_with("http://") && fallback.ends_with('/'),
            "{fallback}"
        );
        for host in ["user@warden", "warden/x", "a b", ""] {
            assert_eq!(root(&[("host", host)], false), fallback, "{host}");
        }
    }
}
