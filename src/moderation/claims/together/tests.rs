use tokio::sync::oneshot;

use super::*;
use crate::domain::item::Item;
use crate::ids::{CommunityId, KeyId};
use crate::moderation::test_support::waiting_item;
use crate::moderation::turns::Outcome;

/// What the thread answers a request.
type Answer = oneshot::Receiver<Outcome<Request, ClaimedOpened>>;

/// A claim of `queue` in `scope` (`None`: every community) for `limit` items; and the
/// receiver of its answer.
fn job(queue: QueueName, scope: Option<&str>, limit: usize) -> (Job, Answer) {
    let (reply, answer) = oneshot::channel();
    let communities = scope.map(|c| vec![c.parse::<CommunityId>().expect("community")]);
    let order = ClaimOrder {
        queue,
        communities,
        limit,
        holder: KeyId::random(),
        lease_seconds: 60,
    };
    let now = Timestamp::from_millis(1_000);
    let request = Request { order, now };
    (Job { request, reply }, answer)
}

const R: QueueName = QueueName::Review;
const A: QueueName = QueueName::Appeals;

/// The waiting claims `(queue, scope, limit)` and the most a turn claims; then the
/// claims taken and those left waiting, by position in arrival order.
type Case<'a> = (
    &'a [(QueueName, Option<&'a str>, usize)],
    usize,
    &'a [usize],
    &'a [usize],
);

#[test]
fn a_turn_takes_the_oldest_claims_queue_and_scope_up_to_max_in_arrival_order() {
    let cases: &[Case<'_>] = &[
        (
            &[(R, None, 1), (R, None, 1), (R, None, 1)],
            64,
            &[0, 1, 2],
            &[],
        ),
        // Another queue, another scope, a narrower scope: later turns.
        (
            &[(R, None, 1), (A, None, 1), (R, None, 2), (R, Some("c"), 1)],
            64,
            &[0, 2],
            &[1, 3],
        ),
        (
            &[
                (R, Some("c"), 1),
                (R, None, 1),
                (R, Some("c"), 1),
                (R, Some("d"), 1),
            ],
            64,
            &[0, 2],
            &[1, 3],
        ),
        // The limits add up to at most max, and none overtakes one that did not fit.
        (
            &[(R, None, 40), (R, None, 30), (R, None, 10)],
            64,
            &[0],
            &[1, 2],
        ),
        (
            &[(R, None, 40), (R, None, 24), (R, None, 1)],
            64,
            &[0, 1],
            &[2],
        ),
        // The oldest is taken whatever its limit.
        (&[(R, None, 100), (R, None, 1)], 64, &[0], &[1]),
        (&[(A, None, 1)], 64, &[0], &[]),
    ];
    for (claims, max, taken, left) in cases {
        let mut waiting: VecDeque<Job> = claims
            .iter()
            .map(|(queue, scope, limit)| job(*queue, *scope, *limit).0)
            .collect();
        // Each job's lease holder says which it was.
        let holders: Vec<KeyId> = waiting
            .iter()
            .map(|j| j.request.order.holder.clone())
            .collect();
        let position = |j: &Job| holders.iter().position(|h| *h == j.request.order.holder);
        let group = gather(&mut waiting, *max);
        let got: Vec<_> = group.iter().filter_map(position).collect();
        let still: Vec<_> = waiting.iter().filter_map(position).collect();
        assert_eq!(
            (got, still),
            (taken.to_vec(), left.to_vec()),
            "{claims:?} max {max}"
        );
    }
}

/// A stand-in step: each claimer gets as many items as its limit, each a waiting item
/// its change was applied to.
fn give_each(
    _: QueueName,
    _: &CommunityFilter<'_>,
    batch: &[(usize, &Change<'_>)],
) -> Result<Vec<ClaimedOpened>, Failure> {
    Ok(batch
        .iter()
        .map(|(limit, change)| {
            (0..*limit)
                .map(|_| {
                    let mut item = waiting_item(crate::ids::ItemId::random());
                    change(&mut item)?;
                    Ok((item, None))
                })
                .collect()
        })
        .collect())
}

/// What a claim was answered: the holders of the items it got, or its failure, or
/// "alone".
fn answer(rx: Answer) -> Result<Vec<KeyId>, String> {
    match rx.blocking_recv().expect("answered") {
        Outcome::Done(Ok(items)) => Ok(items
            .into_iter()
            .filter_map(|(item, _): (Item, _)| item.lease.map(|l| l.holder))
            .collect()),
        Outcome::Done(Err(f)) => Err(f.message().to_string()),
        Outcome::Alone(_) => Err("alone".into()),
    }
}

#[test]
fn each_claim_gets_its_own_items_from_one_step() {
    let (jobs, answers): (Vec<Job>, Vec<_>) =
        [1, 3, 2].iter().map(|limit| job(R, None, *limit)).unzip();
    let holders: Vec<KeyId> = jobs
        .iter()
        .map(|j| j.request.order.holder.clone())
        .collect();
    let calls = std::cell::Cell::new(0);
    let counted =
        |queue: QueueName, communities: &CommunityFilter<'_>, batch: &[(usize, &Change<'_>)]| {
            calls.set(calls.get() + 1);
            give_each(queue, communities, batch)
        };
    assert!(!serve(&counted, jobs));
    assert_eq!(calls.get(), 1, "one store step for the whole group");
    let got: Vec<_> = answers.into_iter().map(answer).collect();
    let want: Vec<Result<Vec<KeyId>, String>> = holders
        .iter()
        .zip([1, 3, 2])
        .map(|(h, n)| Ok(vec![h.clone(); n]))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn a_failed_step_hands_every_claim_back_and_one_alone_gets_its_failure() {
    let failing = |_: QueueName, _: &CommunityFilter<'_>, _: &[(usize, &Change<'_>)]| {
        Err(Failure::internal("database unreachable"))
    };
    let (jobs, answers): (Vec<Job>, Vec<_>) = (0..3).map(|_| job(R, None, 1)).unzip();
    assert!(serve(&failing, jobs));
    assert!(answers
        .into_iter()
        .all(|a| answer(a) == Err("alone".into())));

    let (alone, its_answer) = job(R, None, 1);
    assert!(!serve(&failing, vec![alone]));
    // An internal failure's message is not shown; its kind is.
    assert_eq!(answer(its_answer), Err("internal error".into()));
}
