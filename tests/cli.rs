//! The `warden` command as users run it.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::common::warden_bin;

fn run_jsonl(args: &[&str], input: &[u8]) -> (i32, Vec<Value>, String) {
    let mut child = Command::new(warden_bin())
        .args(["score", "--jsonl"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn warden");
    // A command that fails before reading (a bad policy file) closes its end first: the
    // write then meets a broken pipe, and the exit status and stderr tell the outcome.
    if let Err(e) = child.stdin.take().unwrap().write_all(input) {
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe,
            "writing to warden: {e}"
        );
    }
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .expect("output is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn one_output_line_per_input_line_in_order() {
    let mut input = Vec::new();
    input.extend_from_slice(b"{\"id\":\"a\",\"text\":\"hello there\"}\n");
    input.extend_from_slice(b"not json\n");
    input.extend_from_slice(b"{\"id\":\"c\",\"text\":\"\xff\xfe\"}\n");
    input.extend_from_slice(b"{\"id\":\"d\"}\n");
    input.extend_from_slice(b"\n");
    input.extend_from_slice(b"{\"id\":6,\"text\":\"you f*cking idiot\",\"x\":1}\n");
    input.extend_from_slice(b"{\"id\":7,\"text\":\"you f*cking idiot\"}");
    let (code, lines, stderr) = run_jsonl(&["--deny-unknown-fields"], &input);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["action"], "allow");
    let errors: Vec<(u64, &str)> = lines
        .iter()
        .filter(|l| l.get("error").is_some())
        .map(|l| {
            (
                l["line"].as_u64().unwrap(),
                l["error"]["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (2, "invalid_json"),
            (3, "invalid_utf8"),
            (4, "missing_field"),
            (5, "empty_line"),
            (6, "unknown_field"),
        ]
    );
    assert_eq!(lines[3]["id"], "d");
    assert_eq!(lines[6]["id"], 7);
    assert_eq!(lines[6]["flagged"], true);
    assert!(stderr.contains("7 lines, 2 scored, 5 errors"), "{stderr}");
}

#[test]
fn extra_fields_are_ignored_by_default() {
    let (code, lines, _) = run_jsonl(
        &[],
        b"{\"id\":1,\"text\":\"hi\",\"labels\":{\"x\":1},\"split\":\"val\"}\n",
    );
    assert_eq!(code, 0);
    assert_eq!(lines[0]["id"], 1);
    assert!(lines[0].get("error").is_none());
}

#[test]
fn strict_fails_on_bad_lines() {
    let (code, lines, _) = run_jsonl(&["--strict"], b"{\"text\":\"ok\"}\nbad\n");
    assert_ne!(code, 0);
    assert_eq!(lines.len(), 2);
    let (code, _, _) = run_jsonl(&["--strict"], b"{\"text\":\"ok\"}\n");
    assert_eq!(code, 0);
}

#[test]
fn files_in_and_out() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let output = dir.path().join("out.jsonl");
    std::fs::write(
        &input,
        "{\"id\":1,\"text\":\"sh1t\"}\n{\"id\":2,\"text\":\"fine\"}\n",
    )
    .unwrap();
    let status = Command::new(warden_bin())
        .args(["score", "--jsonl", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .status()
        .unwrap();
    assert!(status.success());
    let written = std::fs::read_to_string(&output).unwrap();
    let verdicts: Vec<Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts.len(), 2);
    assert_eq!(verdicts[0]["matches"][0]["evasions"][0], "leet");
}

#[test]
fn verdicts_stream_before_input_ends() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(warden_bin())
        .args(["score", "--jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    for i in 0..3 {
        writeln!(stdin, "{{\"id\":{i},\"text\":\"line {i}\"}}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["id"], i);
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn single_text_report_marks_spans() {
    let out = Command::new(warden_bin())
        .args(["score", "--patterns-only", "what a f*cking mess"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[[f*ck]]ing"), "{text}");
    assert!(text.contains("evasions: mask"), "{text}");
}

#[test]
fn single_text_json() {
    let out = Command::new(warden_bin())
        .args(["score", "--json", "call +1 415-555-2671"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches"][0]["category"], "pii");
    assert_eq!(v["matches"][0]["kind"], "phone");
    assert_eq!(v["action"], "allow");
}

#[test]
fn help_explains_every_command() {
    for args in [
        &["--help"][..],
        &["score", "--help"],
        &["serve", "--help"],
        &["keys", "--help"],
        &["keys", "create", "--help"],
        &["export-labels", "--help"],
    ] {
        let out = Command::new(warden_bin()).args(args).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Usage:"), "{text}");
    }
    let out = Command::new(warden_bin())
        .args(["score", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--jsonl",
        "--input",
        "--output",
        "--strict",
        "--languages",
        "--wordlists",
    ] {
        assert!(text.contains(flag), "score --help lacks {flag}");
    }
}

#[test]
fn unknown_language_is_a_clear_error() {
    let out = Command::new(warden_bin())
        .args(["score", "--languages", "xx", "hi"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no wordlist for language `xx`"), "{err}");
}

#[test]
fn missing_onnx_runtime_says_how_to_fix_it() {
    let out = Command::new(warden_bin())
        .args(["score", "hello"])
        .env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so.1.31.1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("make setup") && err.contains("ORT_DYLIB_PATH"),
        "{err}"
    );
    assert!(err.contains("[model_error]"), "{err}");
    // The fast path needs no runtime at all.
    let out = Command::new(warden_bin())
        .args(["score", "--patterns-only", "hello"])
        .env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so.1.31.1")
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn default_scoring_uses_the_classifier() {
    let out = Command::new(warden_bin())
        .args(["score", "--json", "you are a worthless idiot"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["model"]["name"], "warden-minilm");
}

#[test]
fn policy_file_replaces_the_default_policy() {
    let dir = tempfile::tempdir().unwrap();
    let strict = dir.path().join("strict.json");
    // Insults are removed from the low score up; nothing else is acted on.
    std::fs::write(
        &strict,
        r#"{"thresholds": {"insult": {"remove": 0.3}}, "guards": {"identity_counterfactual": true}}"#,
    )
    .unwrap();
    let input = b"{\"id\":1,\"text\":\"what an idiot\"}\n{\"id\":2,\"text\":\"fuck this\"}\n";
    let path = strict.to_str().unwrap();
    let (code, lines, stderr) = run_jsonl(&["--patterns-only", "--policy", path], input);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines[0]["action"], "remove", "{:?}", lines[0]);
    assert_eq!(
        lines[1]["action"], "allow",
        "profanity is not in this policy"
    );

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"thresholds": {"insult": {"remove": 3}}}"#).unwrap();
    let (code, _, stderr) = run_jsonl(
        &["--patterns-only", "--policy", bad.to_str().unwrap()],
        input,
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("thresholds.insult.remove"), "{stderr}");
}

/// `warden export-labels` over a store: the moderator-decided items of the community, as
/// JSON lines, nothing automatic, nothing of another community; audited.
#[test]
fn export_labels_writes_moderator_decided_items() {
    use warden::clock::Timestamp;
    use warden::domain::event::Remarks;
    use warden::domain::item::{DecisionAction, Item, Submission};
    use warden::ids::{ContentText, ItemId, KeyId};
    use warden::store::{SledStore, Store};
    use warden::Action;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let store = SledStore::open(&data, 16 << 20).unwrap();
        let engine = crate::common::engine();
        let sub = |community: &str, content: &str, text: &str, action| Submission {
            new_id: ItemId::random(),
            community: community.parse().unwrap(),
            content_id: content.parse().unwrap(),
            author_id: "author".parse().unwrap(),
            ownership_change: false,
            text: ContentText::new(text).unwrap(),
            context: None,
            verdict: engine.score(text),
            action,
            labels: Vec::new(),
            actor: KeyId::random(),
            at: Timestamp::now(),
        };
        let out = store
            .submit(&[
                sub("c", "decided", "you are a f*cking idiot", Action::Review),
                sub("c", "auto", "have a lovely day", Action::Allow),
                sub("d", "elsewhere", "you are a f*cking idiot", Action::Review),
            ])
            .unwrap();
        let admin = KeyId::random();
        let remarks = Remarks {
            reason: "insulting".into(),
            ..Remarks::default()
        };
        for i in [0, 2] {
            let decide = |item: &mut Item| {
                item.decide(
                    &admin,
                    true,
                    DecisionAction::Remove,
                    &remarks,
                    Timestamp::now(),
                )
            };
            store.update(&out[i].item.id, &decide).unwrap();
        }
        store.flush().unwrap();
    }
    // sled lets go of its lock from a background thread.
    let mut output = None;
    for _ in 0..100 {
        let out = Command::new(warden_bin())
            .args([
                "export-labels",
                "--community",
                "c",
                "--since",
                "2020-01-01",
                "--data",
            ])
            .arg(&data)
            .output()
            .unwrap();
        if out.status.success() {
            output = Some(out);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = output.expect("export-labels ran");
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["content_id"], "decided");
    assert_eq!(lines[0]["text"], "you are a f*cking idiot");
    assert_eq!(lines[0]["outcome"], "remove");
    assert_eq!(lines[0]["reason"], "insulting");
    assert!(lines[0]["scores"].is_object());
    assert!(lines[0].get("author_id").is_none());
    let store = SledStore::open(&data, 16 << 20).unwrap();
    let audit = store.audit_log(0, 100).unwrap();
    assert!(audit
        .iter()
        .any(|(_, r)| r.action.as_str() == "labels.export"));
}
