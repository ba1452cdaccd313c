//! `GET /v1/audit`: the configuration changes and data requests, oldest first, paged, and
//! within the reader's scope.

use serde_json::{json, Value};

use super::{Server, ADMIN};

fn page(s: &Server, key: &str, query: &str) -> (Vec<Value>, u64) {
    let r = s.get(&format!("/v1/audit{query}"), key);
    assert_eq!(r.status, 200, "{r:?}");
    let entries = r.body["entries"].as_array().expect("entries").clone();
    (entries, r.body["next"].as_u64().expect("next"))
}

fn actions(entries: &[Value]) -> Vec<(&str, &str)> {
    entries
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["target"].as_str().unwrap()))
        .collect()
}

#[test]
fn admins_read_the_audit_log_of_their_scope_in_pages() {
    let s = Server::start();
    // A community admin for `a`, made by the bootstrap admin.
    let r = s.post(
        "/v1/keys",
        ADMIN,
        json!({"role": "admin", "communities": ["a"]}),
    );
    let a_admin_id = r.body["id"].as_str().unwrap().to_string();
    let a_admin = r.body["key"].as_str().unwrap().to_string();
    let r = s.put(
        "/v1/communities/a/wordlist",
        ADMIN,
        json!({"block": [], "allow": ["x"]}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let r = s.put(
        "/v1/communities/b/wordlist",
        ADMIN,
        json!({"block": [], "allow": ["y"]}),
    );
    assert_eq!(r.status, 200, "{r:?}");
    // The community admin's own change, and a key it makes.
    let r = s.post(
        "/v1/keys",
        &a_admin,
        json!({"role": "moderator", "communities": ["a"]}),
    );
    let moderator_id = r.body["id"].as_str().unwrap().to_string();

    // The bootstrap admin sees everything, its own key first, oldest first.
    let (all, next) = page(&s, ADMIN, "");
    let seen = actions(&all);
    assert_eq!(seen[0].0, "key.create");
    assert!(seen.contains(&("wordlist.put", "b")));
    assert_eq!(seen.last(), Some(&("key.create", moderator_id.as_str())));
    assert_eq!(all.last().unwrap()["actor"], a_admin_id.as_str());
    assert_eq!(next, all.last().unwrap()["seq"].as_u64().unwrap());
    let seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));

    // Pages of one resume where the last ended, and end empty at `next`.
    let (first, after) = page(&s, ADMIN, "?limit=1");
    assert_eq!(first.len(), 1);
    let (second, _) = page(&s, ADMIN, &format!("?after={after}&limit=1"));
    assert_eq!(second[0], all[1]);
    let (none, same) = page(&s, ADMIN, &format!("?after={next}"));
    assert!(none.is_empty());
    assert_eq!(same, next);

    // The community admin sees `a`'s records and keys within `a`, not `b`'s nor the
    // keys of every community.
    let (mine, _) = page(&s, &a_admin, "");
    let seen = actions(&mine);
    assert!(seen.contains(&("wordlist.put", "a")));
    assert!(seen.contains(&("key.create", moderator_id.as_str())));
    assert!(seen.contains(&("key.create", a_admin_id.as_str())));
    assert!(!seen.iter().any(|(_, target)| *target == "b"));
    assert_eq!(seen.len(), 3, "{seen:?}");
    let r = s.get("/v1/audit?community=b", &a_admin);
    assert_eq!(r.status, 404, "{r:?}");

    // Bad paging is a 400.
    for query in ["?limit=0", "?limit=1001", "?after=-1", "?unknown=1"] {
        let r = s.get(&format!("/v1/audit{query}"), ADMIN);
        assert_eq!(r.status, 400, "{query}: {r:?}");
    }
}
