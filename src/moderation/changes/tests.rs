use tokio::sync::oneshot;

use super::*;
use crate::moderation::test_support::waiting_item;
use crate::moderation::turns::Outcome;

/// What the thread answers a request.
type Answer = oneshot::Receiver<Outcome<Request, Box<Opened>>>;

/// A job for item `id` whose change refuses with `refusal`, or writes (`None`); and the
/// receiver of its answer.
fn job(id: ItemId, refusal: Option<&str>) -> (Job, Answer) {
    let (reply, answer) = oneshot::channel();
    let refusal = refusal.map(str::to_string);
    let change: OwnedChange = Box::new(move |_: &mut Item| match &refusal {
        Some(message) => Err(Failure::invalid_state(message)),
        None => Ok(Vec::new()),
    });
    let request = Request { id, change };
    (Job { request, reply }, answer)
}

/// A stand-in store call: each change applied to a fresh item of its id, in input order.
fn apply_each(batch: &[(ItemId, &Change<'_>)]) -> Result<Vec<Opened>, Failure> {
    Ok(batch
        .iter()
        .map(|(id, change)| {
            let mut item = waiting_item(*id);
            change(&mut item).map(|_| (item, None))
        })
        .collect())
}

/// What a request was answered: the id of the item written, its refusal, or "alone".
fn answer(rx: Answer) -> String {
    match rx.blocking_recv().expect("answered") {
        Outcome::Done(done) => match *done {
            Ok((item, _)) => item.id.to_string(),
            Err(f) => f.message().to_string(),
        },
        Outcome::Alone(_) => "alone".into(),
    }
}

/// The items of the waiting requests (by index into a list of ids) and the most a turn
/// takes; then the requests taken and those left waiting, by position in arrival order.
type Case<'a> = (&'a [usize], usize, &'a [usize], &'a [usize]);

#[test]
fn a_turn_takes_each_item_once_and_at_most_max_in_arrival_order() {
    let ids = [ItemId::random(), ItemId::random(), ItemId::random()];
    let cases: &[Case<'_>] = &[
        (&[0, 1, 2], 64, &[0, 1, 2], &[]),
        (&[0, 0, 1], 64, &[0, 2], &[1]),
        (&[0, 1, 0, 2], 2, &[0, 1], &[2, 3]),
        (&[0, 0, 0], 64, &[0], &[1, 2]),
        (&[0, 1, 2], 1, &[0], &[1, 2]),
    ];
    for (items, max, taken, left) in cases {
        let mut waiting: VecDeque<Job> = items
            .iter()
            .enumerate()
            .map(|(n, i)| job(ids[*i], Some(&n.to_string())).0)
            .collect();
        let group = gather(&mut waiting, *max);
        let positions = |jobs: &mut dyn Iterator<Item = &Job>| -> Vec<usize> {
            jobs.map(|j| {
                let mut item = apply_each(&[(j.request.id, &*j.request.change as &Change<'_>)])
                    .expect("stand-in")
                    .remove(0);
                let message = match &mut item {
                    Err(f) => f.message().to_string(),
                    Ok(_) => String::new(),
                };
                message.parse().expect("position")
            })
            .collect()
        };
        assert_eq!(
            positions(&mut group.iter()),
            taken.to_vec(),
            "{items:?} max {max}"
        );
        assert_eq!(
            positions(&mut waiting.iter()),
            left.to_vec(),
            "{items:?} max {max}"
        );
    }
}

#[test]
fn each_request_gets_its_own_answer_from_one_call() {
    let ids = [ItemId::random(), ItemId::random(), ItemId::random()];
    let (jobs, answers): (Vec<Job>, Vec<_>) = [None, Some("refused"), None]
        .iter()
        .zip(ids)
        .map(|(refusal, id)| job(id, *refusal))
        .unzip();
    let calls = std::cell::Cell::new(0);
    let split = serve(
        &|batch| {
            calls.set(calls.get() + 1);
            apply_each(batch)
        },
        jobs,
    );
    assert!(!split);
    assert_eq!(calls.get(), 1, "one store call for the whole group");
    let got: Vec<String> = answers.into_iter().map(answer).collect();
    assert_eq!(
        got,
        vec![ids[0].to_string(), "refused".into(), ids[2].to_string()]
    );
}

#[test]
fn a_failed_call_hands_every_request_back_and_one_alone_gets_its_failure() {
    let failing = |_: &[(ItemId, &Change<'_>)]| -> Result<Vec<Opened>, Failure> {
        Err(Failure::internal("database unreachable"))
    };
    let (jobs, answers): (Vec<Job>, Vec<_>) = (0..3).map(|_| job(ItemId::random(), None)).unzip();
    assert!(serve(&failing, jobs));
    assert!(answers.into_iter().all(|a| answer(a) == "alone"));

    let (alone, its_answer) = job(ItemId::random(), None);
    assert!(!serve(&failing, vec![alone]));
    assert_ne!(
        answer(its_answer),
        "alone",
        "alone already: answered with the failure"
    );

    // A store answering another number of changes than it was given failed: every
    // request writes alone.
    let short = |_: &[(ItemId, &Change<'_>)]| -> Result<Vec<Opened>, Failure> { Ok(Vec::new()) };
    let (jobs, answers): (Vec<Job>, Vec<_>) = (0..2).map(|_| job(ItemId::random(), None)).unzip();
    assert!(serve(&short, jobs));
    assert!(answers.into_iter().all(|a| answer(a) == "alone"));
}
