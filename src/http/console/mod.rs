//! The moderator console: a browser app served by `warden serve` itself at `/console`,
//! plain HTML, CSS and JavaScript embedded in the binary (no build step, nothing fetched
//! from elsewhere). It signs in with an API key kept in the tab's session storage and
//! works through the same JSON API as any other client; this module only serves its
//! files.
//!
//! Every file goes out with a strict Content-Security-Policy (scripts, styles and
//! connections from this origin only, no inline code, no framing), `nosniff` and
//! `no-referrer`. Caching is keyed to the build: the `ETag` is Warden's version and a
//! digest of the file, and browsers revalidate (`no-cache`), so an upgrade is picked up
//! on the next load and an unchanged file costs a `304`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::failure::Failure;

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const INDEX: Asset = Asset {
    name: "index.html",
    content_type: "text/html; charset=utf-8",
    body: include_str!("index.html"),
};

/// A JavaScript module of the console.
const fn module(name: &'static str, body: &'static str) -> Asset {
    Asset {
        name,
        content_type: "text/javascript; charset=utf-8",
        body,
    }
}

/// The files under `/console/`, by name. The script is a handful of ES modules that
/// import one another by relative path: `main.js` (the entry `index.html` loads) and
/// what it imports.
const ASSETS: [Asset; 13] = [
    Asset {
        name: "console.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("console.css"),
    },
    module("main.js", include_str!("main.js")),
    module("api.js", include_str!("api.js")),
    module("ui.js", include_str!("ui.js")),
    module("session.js", include_str!("session.js")),
    module("queue.js", include_str!("queue.js")),
    module("item.js", include_str!("item.js")),
    module("editors.js", include_str!("editors.js")),
    module("admin.js", include_str!("admin.js")),
    module("dashboard.js", include_str!("dashboard.js")),
    // uPlot 1.6.31 (MIT, `uplot.LICENSE`), the dashboard's charts: the npm package's
    // `dist/uPlot.iife.min.js` and `dist/uPlot.min.css` unchanged (tarball sha256
    // 015d4be9095072922bc31d8c63f93bc1b7cd5b27d14d17a1708ff76775f9eb90). It draws on a
    // canvas and sets styles through the CSSOM only, so it runs under the CSP above.
    module("uplot.min.js", include_str!("uplot.min.js")),
    Asset {
        name: "uplot.min.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("uplot.min.css"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_str!("favicon.svg"),
    },
];

/// What the console may load and do: its own files and API calls, nothing inline,
/// never inside a frame.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// FNV-1a, 64 bits: a digest for the `ETag`, not a security measure.
fn digest(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Asset {
    fn etag(&self) -> String {
        format!(
            "\"{}-{:016x}\"",
            env!("CARGO_PKG_VERSION"),
            digest(self.body.as_bytes())
        )
    }

    /// The file, or `304 Not Modified` when the browser holds this very version.
    fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let etag = self.etag();
        let fresh = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        let mut res = if fresh {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        res.insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .insert_header((header::X_FRAME_OPTIONS, "DENY"))
            .insert_header((
                header::HeaderName::from_static("cross-origin-opener-policy"),
                HeaderValue::from_static("same-origin"),
            ));
        if fresh {
            return res.finish();
        }
        res.insert_header((header::CONTENT_TYPE, self.content_type))
            .body(self.body)
    }
}

/// `GET /console`: the app.
pub async fn index(req: HttpRequest) -> HttpResponse {
    INDEX.respond(&req)
}

/// `GET /console/{asset}`: its stylesheet, script and icon.
pub async fn asset(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, Failure> {
    ASSETS
        .iter()
        .find(|a| a.name == name.as_str())
        .map(|a| a.respond(&req))
        .ok_or_else(|| Failure::not_found("console file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CSP forbids inline code: the page must not contain any, or the browser
    /// refuses it silently.
    #[test]
    fn the_page_has_no_inline_script_or_style() {
        let html = INDEX.body.to_ascii_lowercase();
        assert!(!html.contains("<style"), "inline <style>");
        assert!(!html.contains(" style="), "inline style attribute");
        for (i, _) in html.match_indices(" on") {
            let name: String = html[i + 1..]
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            let after = html[i + 1 + name.len()..].trim_start();
            assert!(!after.starts_with('='), "inline event handler `{name}`");
        }
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..html[i..].find('>').map_or(html.len(), |e| i + e)];
            assert!(tag.contains(" src="), "inline <script>: {tag}");
            assert!(tag.contains(r#"type="module""#), "not a module: {tag}");
        }
        // Every file is loaded by the page, imported by a script, or (the chart library,
        // loaded on first use) named by its path in a script.
        for asset in &ASSETS {
            let path = format!("/console/{}", asset.name);
            let import = format!("from './{}';", asset.name);
            let imported = ASSETS.iter().any(|other| {
                other.name.ends_with(".js")
                    && (other.body.contains(&import) || other.body.contains(&path))
            });
            assert!(
                INDEX.body.contains(&path) || imported,
                "nothing loads {path}"
            );
        }
    }

    /// Every module a script imports is served, so no import fails in the browser, and
    /// each stays small enough to read.
    #[test]
    fn every_import_is_served() {
        for asset in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            let lines = asset.body.lines().count();
            assert!(lines <= 800, "{} has {lines} lines", asset.name);
            for line in asset.body.lines() {
                let Some((_, from)) = line.split_once(" from './") else {
                    continue;
                };
                let name = from.trim_end_matches("';");
                assert!(
                    ASSETS.iter().any(|a| a.name == name),
                    "{} imports {name}, which is not served",
                    asset.name
                );
            }
        }
    }

    #[test]
    fn etags_follow_the_content() {
        assert_ne!(ASSETS[0].etag(), ASSETS[1].etag());
        assert!(INDEX.etag().contains(env!("CARGO_PKG_VERSION")));
        assert_eq!(digest(b""), 0xcbf2_9ce4_8422_2325);
    }
}
