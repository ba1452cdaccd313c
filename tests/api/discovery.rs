//! Perspective's discovery document: served at both addresses Google's clients know, with
//! this server as its root, public, and the forwarding headers believed only when told.
//! (The clients themselves build from it in `tests/clients/`.)

use serde_json::Value;

use super::{Server, ADMIN};

const DOLLAR: &str = "/$discovery/rest?version=v1alpha1";
const DIRECTORY: &str = "/discovery/v1/apis/commentanalyzer/v1alpha1/rest";

/// GET with extra headers: status, `Vary` and the body.
fn get(s: &Server, path: &str, headers: &[(&str, &str)]) -> (u16, Option<String>, Value) {
    let mut req = ureq::get(&format!("{}{path}", s.base));
    for (name, value) in headers {
        req = req.set(name, value);
    }
    let res = match req.call() {
        Ok(res) | Err(ureq::Error::Status(_, res)) => res,
        Err(e) => panic!("GET {path}: {e}"),
    };
    let status = res.status();
    let vary = res.header("Vary").map(str::to_string);
    let body = res.into_json().expect("JSON body");
    (status, vary, body)
}

#[test]
fn the_document_names_this_server_and_both_methods() {
    let s = Server::start();
    let root = format!("{}/", s.base);
    let (status, vary, doc) = get(&s, DOLLAR, &[]);
    assert_eq!(status, 200, "{doc}");
    assert_eq!(
        vary.as_deref(),
        Some("Host, X-Forwarded-Proto, X-Forwarded-Host")
    );
    assert_eq!(doc["kind"], "discovery#restDescription");
    assert_eq!(doc["id"], "commentanalyzer:v1alpha1");
    assert_eq!(
        (doc["rootUrl"].as_str(), doc["servicePath"].as_str()),
        (Some(root.as_str()), Some(""))
    );
    let methods = &doc["resources"]["comments"]["methods"];
    for (verb, request) in [
        ("analyze", "AnalyzeCommentRequest"),
        ("suggestscore", "SuggestCommentScoreRequest"),
    ] {
        let m = &methods[verb];
        assert_eq!(m["httpMethod"], "POST");
        assert_eq!(m["path"], format!("v1alpha1/comments:{verb}"));
        assert_eq!(m["request"]["$ref"], request);
    }
    assert_eq!(doc["parameters"]["key"]["location"], "query");

    // The same document at the directory's address, and with the key the clients add;
    // with no version, the one version there is.
    for path in [
        DIRECTORY,
        "/$discovery/rest?version=v1alpha1&key=anything",
        "/$discovery/rest",
    ] {
        let (status, _, same) = get(&s, path, &[]);
        assert_eq!((status, &same), (200, &doc), "{path}");
    }
    // The Host the client used is the root it is told.
    let (_, _, named) = get(&s, DOLLAR, &[("Host", "warden.internal:8080")]);
    assert_eq!(named["rootUrl"], "http://warden.internal:8080/");
}

#[test]
fn other_versions_and_methods_are_refused_in_googles_shape() {
    let s = Server::start();
    let (status, _, body) = get(&s, "/$discovery/rest?version=v1", &[]);
    assert_eq!(status, 404);
    assert_eq!(body["error"]["status"], "NOT_FOUND");
    assert_eq!(body["error"]["code"], 404);
    for path in [DOLLAR, DIRECTORY] {
        let r = s.call("POST", path, Some(ADMIN), None);
        assert_eq!(r.status, 405, "{r:?}");
        assert_eq!(r.body["error"]["status"], "UNIMPLEMENTED", "{r:?}");
        assert_eq!(
            r.body["error"]["message"],
            "method not allowed on this path: use GET"
        );
    }
}

#[test]
fn forwarded_headers_count_only_when_the_proxy_is_trusted() {
    let forwarded = [
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "moderation.example.org"),
    ];
    let s = Server::start();
    let (_, _, doc) = get(&s, DOLLAR, &forwarded);
    assert_eq!(doc["rootUrl"], format!("{}/", s.base));
    drop(s);

    let s = Server::with(|c| c.http.trust_forwarded_headers = true);
    let (_, _, doc) = get(&s, DOLLAR, &forwarded);
    assert_eq!(doc["rootUrl"], "https://moderation.example.org/");
    assert_eq!(doc["baseUrl"], "https://moderation.example.org/");
    // Without the headers, the request's own scheme and host.
    let (_, _, doc) = get(&s, DOLLAR, &[]);
    assert_eq!(doc["rootUrl"], format!("{}/", s.base));
}
