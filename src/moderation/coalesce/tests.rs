use std::cell::RefCell;

use super::*;
use crate::clock::Timestamp;
use crate::ids::{ContentText, ItemId, KeyId};
use crate::store::{verify, SledStore};

fn sled() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn Store> = Arc::new(SledStore::open(dir.path(), 16 << 20).expect("open sled"));
    (dir, store)
}

fn sub(content_id: &str, author: &str, text: &str) -> Submission {
    static ENGINE: std::sync::OnceLock<crate::Engine> = std::sync::OnceLock::new();
    let verdict = ENGINE
        .get_or_init(|| crate::Engine::builder().build().expect("engine"))
        .score(text);
    Submission {
        new_id: ItemId::random(),
        community: "c".parse().expect("community"),
        content_id: content_id.parse().expect("content id"),
        author_id: author.parse().expect("author"),
        ownership_change: false,
        text: ContentText::new(text).expect("text"),
        context: None,
        verdict,
        action: crate::Action::Review,
        labels: Vec::new(),
        actor: KeyId::random(),
        at: Timestamp::now(),
    }
}

/// A group of jobs from `requests`, and the receivers of their answers.
fn group(requests: Vec<Vec<Submission>>) -> (Vec<Job>, Vec<oneshot::Receiver<Answered>>) {
    requests
        .into_iter()
        .map(|batch| {
            let (reply, answer) = oneshot::channel();
            (
                Job {
                    request: batch,
                    reply,
                },
                answer,
            )
        })
        .unzip()
}

fn done(answer: oneshot::Receiver<Answered>) -> Result<Vec<Submitted>, Failure> {
    match answer.blocking_recv().expect("answered") {
        Outcome::Done(result) => result,
        Outcome::Alone(_) => panic!("handed back"),
    }
}

/// The content ids of results, with whether each changed something and its revision.
fn summary(results: &[Submitted]) -> Vec<(String, bool, u32)> {
    results
        .iter()
        .map(|r| (r.item.content_id.to_string(), r.changed, r.item.revision))
        .collect()
}

#[test]
fn each_request_gets_its_own_slice_from_one_store_call() {
    let (_dir, store) = sled();
    let calls = RefCell::new(Vec::new());
    let submit = |batch: &[Submission]| {
        calls.borrow_mut().push(batch.len());
        store.submit(batch)
    };
    let (jobs, answers) = group(vec![
        vec![sub("a", "u1", "one"), sub("b", "u1", "two")],
        vec![sub("c", "u2", "three")],
        // The same content as the first request: a new revision, then the same text.
        vec![sub("a", "u1", "one, edited"), sub("a", "u1", "one, edited")],
    ]);
    assert!(!serve(&submit, jobs));
    assert_eq!(*calls.borrow(), [5], "one store call");
    let answers: Vec<_> = answers
        .into_iter()
        .map(|a| done(a).expect("stored"))
        .collect();
    assert_eq!(
        summary(&answers[0]),
        [("a".into(), true, 1), ("b".into(), true, 1)]
    );
    assert_eq!(summary(&answers[1]), [("c".into(), true, 1)]);
    assert_eq!(
        summary(&answers[2]),
        [("a".into(), true, 2), ("a".into(), false, 2)]
    );
    assert_eq!(answers[2][0].item.id, answers[0][0].item.id);
    assert_eq!(store.item_ids(None, 100).expect("ids").len(), 3);
    let report = verify(&*store).expect("verify");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[test]
fn a_refused_request_is_answered_alone_and_the_others_are_stored() {
    let (_dir, store) = sled();
    store
        .submit(&[sub("taken", "alice", "first")])
        .expect("stored");
    let calls = RefCell::new(Vec::new());
    let submit = |batch: &[Submission]| {
        calls.borrow_mut().push(batch.len());
        store.submit(batch)
    };
    let (jobs, answers) = group(vec![
        vec![sub("x", "bob", "hello")],
        // Someone else's content: 409 for this request only.
        vec![sub("y", "mallory", "mine"), sub("taken", "mallory", "mine")],
        // A content id the first request creates, by another author: as if it came
        // after the first, a conflict too.
        vec![sub("x", "carol", "also hello")],
        // The same content as the first, same author: unchanged, as if it came after.
        vec![sub("x", "bob", "hello"), sub("z", "bob", "bye")],
    ]);
    assert!(serve(&submit, jobs));
    assert_eq!(
        *calls.borrow(),
        [6, 1, 2, 1, 2],
        "together, then each alone"
    );
    let answers: Vec<_> = answers.into_iter().map(done).collect();
    let first = answers[0].as_ref().expect("stored");
    assert_eq!(summary(first), [("x".into(), true, 1)]);
    for refused in [&answers[1], &answers[2]] {
        let failure = refused.as_ref().expect_err("refused");
        assert_eq!(failure.code(), Code::AuthorConflict);
    }
    let last = answers[3].as_ref().expect("stored");
    assert_eq!(
        summary(last),
        [("x".into(), false, 1), ("z".into(), true, 1)]
    );
    assert_eq!(last[0].item.id, first[0].item.id);
    // The refused request wrote nothing, not even its first item.
    let c = "c".parse().expect("community");
    let y = "y".parse().expect("content id");
    assert_eq!(store.item_by_content(&c, &y).expect("read"), None);
    assert_eq!(store.item_ids(None, 100).expect("ids").len(), 3);
    let report = verify(&*store).expect("verify");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[test]
fn a_store_failure_hands_each_request_its_submissions_back() {
    let calls = RefCell::new(0);
    let submit = |_: &[Submission]| {
        *calls.borrow_mut() += 1;
        Err(Failure::new(Code::Internal, "internal error"))
    };
    let (jobs, answers) = group(vec![
        vec![sub("a", "u", "one"), sub("b", "u", "two")],
        vec![sub("c", "u", "three")],
        vec![
            sub("d", "u", "four"),
            sub("e", "u", "five"),
            sub("f", "u", "six"),
        ],
    ]);
    assert!(serve(&submit, jobs));
    assert_eq!(*calls.borrow(), 1, "no retry on the thread");
    let back: Vec<Vec<String>> = answers
        .into_iter()
        .map(|a| match a.blocking_recv().expect("answered") {
            Outcome::Alone(batch) => batch.iter().map(|s| s.content_id.to_string()).collect(),
            Outcome::Done(_) => panic!("answered, not handed back"),
        })
        .collect();
    assert_eq!(back, [vec!["a", "b"], vec!["c"], vec!["d", "e", "f"]]);

    // Alone, a request gets the failure itself: there is nothing to retry differently.
    let (jobs, answers) = group(vec![vec![sub("a", "u", "one")]]);
    assert!(!serve(&submit, jobs));
    let failure = answers
        .into_iter()
        .map(done)
        .next()
        .expect("one answer")
        .expect_err("failed");
    assert_eq!(failure.code(), Code::Internal);
}

#[test]
fn a_store_that_miscounts_fails_every_request() {
    let parts = vec![(0..2, 'a'), (2..3, 'b')];
    let got = split(parts, Vec::new());
    assert_eq!(got.len(), 2);
    assert!(got
        .iter()
        .all(|(_, r)| r.as_ref().is_err_and(|f| f.code() == Code::Internal)));
}

#[test]
fn a_turn_takes_what_waits_up_to_the_cap_in_order() {
    let mut waiting: VecDeque<usize> = [2, 3, 1, 4, 1].into();
    let group = gather(&mut waiting, 8, |n| *n);
    assert_eq!((group, waiting.front()), (vec![2, 3, 1], Some(&4)));
    // A request over the cap alone is still a turn of its own.
    waiting.push_front(9);
    let group = gather(&mut waiting, 8, |n| *n);
    assert_eq!((group, waiting.front()), (vec![9], Some(&4)));
    // Nothing else waiting: the turn is the first request alone, at once.
    let mut waiting: VecDeque<usize> = [5].into();
    let group = gather(&mut waiting, 8, |n| *n);
    assert_eq!((group, waiting.front()), (vec![5], None));
}

#[test]
fn concurrent_requests_through_the_thread_each_get_their_answer() {
    let (_dir, store) = sled();
    store
        .submit(&[sub("taken", "alice", "first")])
        .expect("stored");
    let turns = Arc::new(std::sync::Mutex::new(Vec::new()));
    let coalescer = {
        let turns = turns.clone();
        Coalescer::with_max(store.clone(), 4, move |turn, _| {
            turns.lock().unwrap_or_else(|e| e.into_inner()).push(turn);
        })
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    let results = runtime.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..40 {
            let coalescer = coalescer.clone();
            let batch = match i {
                // One request's error is its own.
                7 => vec![sub("taken", "mallory", "mine")],
                // Over the cap: stored on its own.
                9 => (0..5)
                    .map(|j| sub(&format!("big{j}"), "u", "big"))
                    .collect(),
                // Everyone else submits "shared" (same author, same text) and one of
                // their own.
                _ => vec![
                    sub("shared", "bob", "same"),
                    sub(&format!("own{i}"), "bob", "x"),
                ],
            };
            tasks.push(tokio::spawn(async move { coalescer.store(batch).await }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("task"));
        }
        results
    });
    let mut shared = std::collections::BTreeSet::new();
    let mut created = 0;
    for (i, result) in results.iter().enumerate() {
        match i {
            7 => assert_eq!(
                result.as_ref().expect_err("refused").code(),
                Code::AuthorConflict
            ),
            9 => assert_eq!(result.as_ref().expect("stored").len(), 5),
            _ => {
                let r = result.as_ref().expect("stored");
                assert_eq!(summary(&r[1..]), [(format!("own{i}"), true, 1)]);
                assert_eq!(r[0].item.revision, 1);
                created += usize::from(r[0].changed);
                shared.insert(r[0].item.id);
            }
        }
    }
    assert_eq!((created, shared.len()), (1, 1), "one item for `shared`");
    // A turn is reported after its requests are answered: wait for the last one.
    let stored = || -> usize {
        let turns = turns.lock().unwrap_or_else(|e| e.into_inner());
        assert!(turns.iter().all(|t| t.items <= 4), "{turns:?}");
        turns.iter().map(|t| t.requests).sum()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while stored() < 39 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(stored(), 39, "every request but the one over the cap");
    let report = verify(&*store).expect("verify");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}
