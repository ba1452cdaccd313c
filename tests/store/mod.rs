//! The store contract: what every [`Store`] backend promises, written once as functions
//! of a backend constructor and run against each backend: sled, and PostgreSQL in the
//! throwaway cluster of `tests/with-postgres.sh` (a database per test; outside that
//! script the PostgreSQL variants say so and pass).
//!
//! * an item is written atomically with its events, its index entries and what its
//!   change derives (rules, decision records): a refused change leaves no trace;
//! * the suppression change log is gap-free, also under concurrent writers;
//! * a claim never hands one item to two callers, however many claim at once;
//! * an erasure leaves no sealed text readable, and no plaintext on disk;
//! * what was flushed survives reopening;
//! * configuration changes are written with their audit record;
//! * retention drops text and keeps records;
//! * rules with an end date expire once; records and items list in order;
//! * user reports and the webhook outbox (see `notices.rs`).
//! * items are found by content id and by author; operations tallies add up; queue
//!   samples replace, list in order and expire (`reads`).

mod notices;
mod reads;

use std::path::Path;
use std::sync::Arc;

use warden::clock::Timestamp;
use warden::domain::event::Event;
use warden::domain::item::{Item, QueueName, Submission};
use warden::domain::queue::CommunityFilter;
use warden::failure::Failure;
use warden::ids::{ContentText, ItemId, KeyId};
use warden::store::{verify, Store};
use warden::Action;
use warden::Code;

/// Opens (or reopens) a backend's store over `dir`.
pub type Open = fn(&Path) -> Arc<dyn Store>;

/// Text the default policy removes, and text it sends to review.
const REMOVE: &str = "go kill yourself you worthless idiot";
const REVIEW: &str = "you are a f*cking idiot";

fn submission(content_id: &str, author: &str, text: &str, action: Action) -> Submission {
    Submission {
        new_id: ItemId::random(),
        community: "c".parse().expect("community"),
        content_id: content_id.parse().expect("content id"),
        author_id: author.parse().expect("author id"),
        ownership_change: false,
        text: ContentText::new(text).expect("text"),
        context: None,
        verdict: crate::common::engine().score(text),
        action,
        labels: Vec::new(),
        actor: KeyId::random(),
        at: Timestamp::now(),
    }
}

fn assert_verified(store: &dyn Store) {
    let report = verify(store).expect("verify runs");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

/// An item, its events, its revision, its queue entry, its rules and its decision
/// records appear together; a refused change writes none of them.
pub fn an_item_is_written_with_everything_it_derives(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let out = store
        .submit(&[
            submission("removed", "a", REMOVE, Action::Remove),
            submission("queued", "b", REVIEW, Action::Review),
        ])
        .expect("submit");
    let (removed, queued) = (&out[0].item, &out[1].item);
    assert!(out.iter().all(|s| s.changed));
    assert_eq!(store.events(&removed.id).expect("events").len(), 2);
    assert!(store.revision(&removed.id, 1).expect("read").is_some());
    assert_eq!(store.item_decisions(&removed.id).expect("read").len(), 1);
    assert!(!store.item_rules(&removed.id).expect("read").is_empty());
    let waiting = store
        .queue(QueueName::Review, &CommunityFilter::All, None, 10)
        .expect("queue");
    assert_eq!(
        waiting.iter().map(|e| e.item_id).collect::<Vec<_>>(),
        [queued.id]
    );
    assert_verified(&*store);

    // The same text again changes nothing.
    let again = store
        .submit(&[submission("queued", "b", REVIEW, Action::Review)])
        .expect("submit");
    assert!(!again[0].changed);
    assert_eq!(store.events(&queued.id).expect("events").len(), 1);

    // A change that mutates the item and then refuses leaves every trace unwritten.
    let seq = store.rule_seq();
    let refuse = |item: &mut Item| -> Result<Vec<Event>, Failure> {
        item.claim(
            QueueName::Review,
            &KeyId::random(),
            Timestamp::now(),
            Timestamp::now().plus_seconds(60),
        )?;
        Err(Failure::invalid_state("refused after the fact"))
    };
    let err = store.update(&queued.id, &refuse).expect_err("refused");
    assert_eq!(err.code(), Code::InvalidState);
    let stored = store.item(&queued.id).expect("read").expect("there");
    assert_eq!(stored.lease, None);
    assert_eq!(stored.last_seq, 1);
    assert_eq!(store.events(&queued.id).expect("events").len(), 1);
    assert_eq!(store.rule_seq(), seq);
    assert!(store
        .leases_due(Timestamp::now().plus_seconds(3600), 10)
        .expect("leases")
        .is_empty());
    assert_verified(&*store);

    // An item that does not exist is `not_found`, and nothing is created.
    let err = store
        .update(&ItemId::random(), &|_: &mut Item| Ok(Vec::new()))
        .expect_err("missing");
    assert_eq!(err.code(), Code::NotFound);
    assert_eq!(store.item_ids(None, 10).expect("ids").len(), 2);
}

/// Concurrent writers never leave a gap or a repeat in the change log.
pub fn the_rule_log_is_gap_free_under_concurrent_writers(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    let id = format!("w{w}-{i}");
                    store
                        .submit(&[submission(
                            &id,
                            &format!("author-{w}"),
                            REMOVE,
                            Action::Remove,
                        )])
                        .expect("submit");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let log = store.rule_log(0, 100_000).expect("log");
    assert!(!log.is_empty());
    for (i, rule) in log.iter().enumerate() {
        assert_eq!(rule.seq, i as u64 + 1, "the log has a gap or a repeat");
    }
    assert_eq!(store.rule_seq(), log.len() as u64);
    // Paging from any point gives the same entries.
    let tail = store.rule_log(log.len() as u64 / 2, 100_000).expect("log");
    assert_eq!(tail[..], log[log.len() / 2..]);
    assert_verified(&*store);
}

/// 16 threads claim straight from the store (no server, no claim lock): every waiting
/// item is leased exactly once.
pub fn a_claim_never_hands_one_item_to_two_callers(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let batch: Vec<Submission> = (0..120)
        .map(|i| submission(&format!("q{i}"), "a", REVIEW, Action::Review))
        .collect();
    store.submit(&batch).expect("submit");
    let claimers: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                let me = KeyId::random();
                let mut mine = Vec::new();
                loop {
                    let page = store
                        .queue(QueueName::Review, &CommunityFilter::All, None, 8)
                        .expect("queue");
                    if page.is_empty() {
                        return mine;
                    }
                    for entry in page {
                        let now = Timestamp::now();
                        let claim = |item: &mut Item| {
                            item.claim(QueueName::Review, &me, now, now.plus_seconds(300))
                        };
                        match store.update(&entry.item_id, &claim) {
                            Ok(item) => mine.push(item.id),
                            // Someone else got it first.
                            Err(f)
                                if matches!(f.code(), Code::InvalidState | Code::LeaseConflict) => {
                            }
                            Err(f) => panic!("claim failed: {f}"),
                        }
                    }
                }
            })
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for c in claimers {
        for id in c.join().expect("claimer") {
            assert!(seen.insert(id), "{id} leased twice");
        }
    }
    assert_eq!(seen.len(), 120);
    assert_verified(&*store);
}

/// After an erasure no revision opens, the subject's items are gone from its index, and
/// neither the text nor the author id is anywhere on disk in plain.
pub fn an_erasure_leaves_nothing_readable(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "my phone is 555-0199, remember me zanzibar-quokka";
    let author = "erase-me-author-7731";
    let store = open(dir.path());
    let out = store
        .submit(&[
            submission("mine", author, text, Action::Remove),
            submission("other", "someone-else", REVIEW, Action::Review),
        ])
        .expect("submit");
    let id = out[0].item.id;
    let community = "c".parse().expect("community");
    let author_id = author.parse().expect("author id");
    assert_eq!(
        store.export(&community, &author_id).expect("export").len(),
        1
    );
    let receipt = store
        .erase(&community, &author_id, &KeyId::random(), Timestamp::now())
        .expect("erase");
    assert_eq!(receipt.items, 1);
    assert!(receipt.key_destroyed);
    assert_eq!(receipt.rules.len(), 1);

    let revision = store.revision(&id, 1).expect("read").expect("kept");
    assert!(revision.text.plain().is_none());
    let mut item = store.item(&id).expect("read").expect("kept");
    store.open_item(&mut item).expect("open");
    assert!(item.author_id.plain().is_none());
    assert!(item.subject.is_none());
    assert!(store
        .export(&community, &author_id)
        .expect("export")
        .is_empty());
    assert!(store
        .author_communities(&author_id)
        .expect("read")
        .is_empty());
    // Decision records stay, anonymized; the other author's item is untouched.
    assert_eq!(store.item_decisions(&id).expect("read").len(), 1);
    assert!(store
        .revision(&out[1].item.id, 1)
        .expect("read")
        .expect("there")
        .text
        .plain()
        .is_some());
    assert_verified(&*store);

    store.flush().expect("flush");
    drop(store);
    let mut files = Vec::new();
    collect_files(dir.path(), &mut files);
    for file in files {
        let bytes = std::fs::read(&file).expect("readable");
        for secret in [text, author, "zanzibar-quokka"] {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{} holds `{secret}` in plain",
                file.display()
            );
        }
    }
}

/// What was flushed is there after reopening, exactly.
pub fn a_flushed_store_reopens_as_it_was(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ids, seq) = {
        let store = open(dir.path());
        let out = store
            .submit(&[
                submission("r1", "a", REMOVE, Action::Remove),
                submission("r2", "b", REVIEW, Action::Review),
            ])
            .expect("submit");
        store.flush().expect("flush");
        (
            out.iter().map(|s| s.item.clone()).collect::<Vec<_>>(),
            store.rule_seq(),
        )
    };
    let store = open(dir.path());
    for item in &ids {
        assert_eq!(store.item(&item.id).expect("read").as_ref(), Some(item));
    }
    assert_eq!(store.rule_seq(), seq);
    assert_verified(&*store);
}

/// Keys, policies and wordlists are written with their audit record, in order.
pub fn configuration_is_written_with_its_audit_record(open: Open) {
    use warden::auth::{ApiKey, Role, Scope};
    use warden::domain::audit::{AuditAction, AuditRecord};
    use warden::domain::community::{CommunityPolicy, CommunityWordlist};
    use warden::domain::event::Actor;

    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let now = Timestamp::now();
    let (key, _) = ApiKey::generate(Role::Moderator, Scope::All, now);
    let audit =
        |action: AuditAction, target: &str| AuditRecord::new(now, Actor::System, action, target);
    store
        .put_key(&key, &audit(AuditAction::KeyCreate, key.id.as_str()))
        .expect("put key");
    let community = "c".parse().expect("community");
    let policy = CommunityPolicy {
        retention_days: 0,
        ..CommunityPolicy::default()
    };
    store
        .put_policy(&community, &policy, &audit(AuditAction::PolicyPut, "c"))
        .expect("put policy");
    store
        .put_wordlist(
            &community,
            &CommunityWordlist::default(),
            &audit(AuditAction::WordlistPut, "c"),
        )
        .expect("put wordlist");
    assert_eq!(store.keys().expect("keys"), [key]);
    assert_eq!(store.policy(&community).expect("policy"), Some(policy));
    assert!(store.wordlist(&community).expect("wordlist").is_some());
    let log = store.audit_log(0, 100).expect("audit");
    let actions: Vec<AuditAction> = log.iter().map(|(_, r)| r.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::KeyCreate,
            AuditAction::PolicyPut,
            AuditAction::WordlistPut
        ]
    );
    // Paging resumes after a record's sequence number, which only grows.
    assert!(log.windows(2).all(|w| w[0].0 < w[1].0));
    let rest = store.audit_log(log[0].0, 100).expect("audit");
    assert_eq!(rest[..], log[1..]);
}

/// A community's retention applies to what is decided after it is set; the sweep drops
/// the text and keeps the record.
pub fn retention_drops_the_text_and_keeps_the_record(open: Open) {
    use warden::domain::audit::{AuditAction, AuditRecord};
    use warden::domain::community::CommunityPolicy;
    use warden::domain::event::{Actor, EventKind};

    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let policy = CommunityPolicy {
        retention_days: 0,
        ..CommunityPolicy::default()
    };
    let audit = AuditRecord::new(Timestamp::now(), Actor::System, AuditAction::PolicyPut, "c");
    store
        .put_policy(&"c".parse().expect("community"), &policy, &audit)
        .expect("put policy");
    let out = store
        .submit(&[
            submission("decided", "a", REMOVE, Action::Remove),
            submission("waiting", "a", REVIEW, Action::Review),
        ])
        .expect("submit");
    assert_eq!(store.queue_depth(QueueName::Review).expect("depth"), 1);
    let later = Timestamp::now().plus_seconds(1);
    assert_eq!(store.sweep_retention(later, 100).expect("sweep"), 1);
    let decided = &out[0].item;
    let revision = store.revision(&decided.id, 1).expect("read").expect("kept");
    assert!(revision.text.is_removed());
    let events = store.events(&decided.id).expect("events");
    assert_eq!(events.last().map(|e| e.kind), Some(EventKind::TextExpired));
    assert_eq!(store.item_decisions(&decided.id).expect("read").len(), 1);
    // The pending item keeps its text; a second sweep finds nothing.
    assert!(store
        .revision(&out[1].item.id, 1)
        .expect("read")
        .expect("there")
        .text
        .plain()
        .is_some());
    assert_eq!(store.sweep_retention(later, 100).expect("sweep"), 0);
    assert_verified(&*store);
}

/// Rules with an end date end when it passes (an `expired` entry), once; the active set,
/// the per-item index and the log agree throughout.
pub fn rules_expire_once_and_the_indexes_agree(open: Open) {
    use warden::domain::suppress::{RuleState, SubjectKind};

    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    // Three removals of one author: an author rule that lasts a week.
    let batch: Vec<Submission> = (0..3)
        .map(|i| submission(&format!("p{i}"), "repeat", REMOVE, Action::Remove))
        .collect();
    let out = store.submit(&batch).expect("submit");
    let author_rules = |rules: Vec<warden::domain::suppress::Rule>| {
        rules
            .into_iter()
            .filter(|r| r.subject.kind == SubjectKind::Author)
            .collect::<Vec<_>>()
    };
    let active = author_rules(store.active_rules().expect("active"));
    assert_eq!(active.len(), 1);
    let expires = active[0].expires_at.expect("an end date");
    // The removal that tipped it names the rule in its item's index.
    assert!(out.iter().any(|s| store
        .item_rules(&s.item.id)
        .expect("read")
        .iter()
        .any(|r| r.rule_id == active[0].rule_id)));
    assert_eq!(
        store
            .expire_rules(expires.plus_seconds(0), 100)
            .expect("sweep"),
        1
    );
    assert_eq!(
        store
            .expire_rules(expires.plus_seconds(60), 100)
            .expect("sweep"),
        0
    );
    assert!(author_rules(store.active_rules().expect("active")).is_empty());
    let last = store.rule_log(store.rule_seq() - 1, 10).expect("log");
    assert_eq!(last[0].state, RuleState::Expired);
    assert_eq!(last[0].rule_id, active[0].rule_id);
    assert_verified(&*store);
}

/// An author's removals count across batches whatever else the batches hold, and an
/// edit that takes a removal back (its item goes to review) revokes the author rule it
/// had tipped, though that batch holds no removal.
pub fn removals_count_for_their_author_across_batches_and_edits(open: Open) {
    use warden::domain::suppress::{RuleState, SubjectKind};

    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let author_rules = |store: &dyn Store| {
        store
            .active_rules()
            .expect("active")
            .into_iter()
            .filter(|r| r.subject.kind == SubjectKind::Author)
            .count()
    };
    let batches: [&[(&str, &str, Action)]; 3] = [
        &[
            ("p0", REMOVE, Action::Remove),
            ("w0", REVIEW, Action::Review),
            ("p1", REMOVE, Action::Remove),
        ],
        &[
            ("w1", REVIEW, Action::Review),
            ("p2", REMOVE, Action::Remove),
        ],
        &[
            ("p0", "an edit, now to be reviewed", Action::Review),
            ("w2", REVIEW, Action::Review),
        ],
    ];
    let mut rules_after = Vec::new();
    for batch in batches {
        let batch: Vec<Submission> = batch
            .iter()
            .map(|(content, text, action)| submission(content, "r", text, *action))
            .collect();
        store.submit(&batch).expect("submit");
        rules_after.push(author_rules(&*store));
    }
    // Two removals, then the third, then one taken back.
    assert_eq!(rules_after, vec![0, 1, 0]);
    let authors: Vec<RuleState> = store
        .rule_log(0, 1000)
        .expect("log")
        .into_iter()
        .filter(|r| r.subject.kind == SubjectKind::Author)
        .map(|r| r.state)
        .collect();
    assert_eq!(authors, vec![RuleState::Active, RuleState::Revoked]);
    assert_verified(&*store);
}

/// Decision records by time, paged by cursor; items by subject and in storage order.
pub fn records_and_items_are_listed_in_order(open: Open) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let before = Timestamp::now();
    let batch: Vec<Submission> = (0..5)
        .map(|i| submission(&format!("d{i}"), "lister", REMOVE, Action::Remove))
        .collect();
    let out = store.submit(&batch).expect("submit");
    let after = Timestamp::now().plus_seconds(1);
    let all = store
        .decisions(before, after, None, 100)
        .expect("decisions");
    assert_eq!(all.len(), 5);
    assert!(all.windows(2).all(|w| w[0].1.at <= w[1].1.at));
    let first = store.decisions(before, after, None, 2).expect("page");
    let rest = store
        .decisions(before, after, Some(first[1].0), 100)
        .expect("page");
    assert_eq!(first.len() + rest.len(), 5);
    assert!(store
        .decisions(after, after.plus_seconds(60), None, 100)
        .expect("later")
        .is_empty());

    let subject = out[0].item.subject.expect("a subject");
    let mut mine = store.items_of_subject(&subject, 100).expect("by subject");
    mine.sort();
    let mut want: Vec<ItemId> = out.iter().map(|s| s.item.id).collect();
    want.sort();
    assert_eq!(mine, want);
    let first = store.item_ids(None, 2).expect("ids");
    let rest = store.item_ids(first.last().copied(), 100).expect("ids");
    assert_eq!(first.len() + rest.len(), 5);
    assert!(first.iter().chain(&rest).all(|id| want.contains(id)));
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Runs every promise against one backend, as `mod $name`.
macro_rules! backends {
    ($($name:ident => $open:expr, if $ready:expr;)*) => {$(
        mod $name {
            use super::*;

            const OPEN: Open = $open;

            #[test]
            fn an_item_is_written_with_everything_it_derives() {
                if !$ready() {
                    return;
                }
                super::an_item_is_written_with_everything_it_derives(OPEN);
            }

            #[test]
            fn the_rule_log_is_gap_free_under_concurrent_writers() {
                if !$ready() {
                    return;
                }
                super::the_rule_log_is_gap_free_under_concurrent_writers(OPEN);
            }

            #[test]
            fn a_claim_never_hands_one_item_to_two_callers() {
                if !$ready() {
                    return;
                }
                super::a_claim_never_hands_one_item_to_two_callers(OPEN);
            }

            #[test]
            fn an_erasure_leaves_nothing_readable() {
                if !$ready() {
                    return;
                }
                super::an_erasure_leaves_nothing_readable(OPEN);
            }

            #[test]
            fn a_flushed_store_reopens_as_it_was() {
                if !$ready() {
                    return;
                }
                super::a_flushed_store_reopens_as_it_was(OPEN);
            }

            #[test]
            fn configuration_is_written_with_its_audit_record() {
                if !$ready() {
                    return;
                }
                super::configuration_is_written_with_its_audit_record(OPEN);
            }

            #[test]
            fn retention_drops_the_text_and_keeps_the_record() {
                if !$ready() {
                    return;
                }
                super::retention_drops_the_text_and_keeps_the_record(OPEN);
            }

            #[test]
            fn removals_count_for_their_author_across_batches_and_edits() {
                if !$ready() {
                    return;
                }
                super::removals_count_for_their_author_across_batches_and_edits(OPEN);
            }

            #[test]
            fn rules_expire_once_and_the_indexes_agree() {
                if !$ready() {
                    return;
                }
                super::rules_expire_once_and_the_indexes_agree(OPEN);
            }

            #[test]
            fn records_and_items_are_listed_in_order() {
                if !$ready() {
                    return;
                }
                super::records_and_items_are_listed_in_order(OPEN);
            }

            #[test]
            fn a_report_changes_with_its_item() {
                super::notices::a_report_changes_with_its_item(OPEN);
            }

            #[test]
            fn the_outbox_is_gap_free_and_deliveries_move_with_the_cursor() {
                super::notices::the_outbox_is_gap_free_and_deliveries_move_with_the_cursor(OPEN);
            }

            #[test]
            fn a_batch_sees_its_own_submissions() {
                super::reads::a_batch_sees_its_own_submissions(OPEN);
            }

            #[test]
            fn items_are_read_many_at_once() {
                if !$ready() {
                    return;
                }
                super::reads::items_are_read_many_at_once(OPEN);
            }

            #[test]
            fn several_changes_are_written_in_one_step() {
                super::reads::several_changes_are_written_in_one_step(OPEN);
            }

            #[test]
            fn change_log_entries_carry_their_seqs_and_ids() {
                super::reads::change_log_entries_carry_their_seqs_and_ids(OPEN);
            }

            #[test]
            fn opposite_batches_of_new_contents_make_each_item_once() {
                super::reads::opposite_batches_of_new_contents_make_each_item_once(OPEN);
            }

            #[test]
            fn items_are_found_by_content_and_by_author() {
                super::reads::items_are_found_by_content_and_by_author(OPEN);
            }

            #[test]
            fn operations_tallies_add_up_with_each_change() {
                super::reads::operations_tallies_add_up_with_each_change(OPEN);
            }

            #[test]
            fn many_changes_add_up_to_one_tally_per_hour() {
                if !$ready() {
                    return;
                }
                let dir = tempfile::tempdir().expect("temp dir");
                let store = OPEN(dir.path());
                super::reads::many_changes_add_up_to_one_tally_per_hour(&*store, &|| 0);
            }

            #[test]
            fn queue_samples_replace_list_and_expire() {
                if !$ready() {
                    return;
                }
                super::reads::queue_samples_replace_list_and_expire(OPEN);
            }

            #[test]
            fn several_claims_are_made_in_one_step() {
                if !$ready() {
                    return;
                }
                super::reads::several_claims_are_made_in_one_step(OPEN);
            }

            #[test]
            fn a_claim_brings_back_what_a_read_after_it_returns() {
                if !$ready() {
                    return;
                }
                super::reads::a_claim_brings_back_what_a_read_after_it_returns(OPEN);
            }
        }
    )*};
}

/// sled lets go of its file lock from a background thread after the last handle drops:
/// reopening in the same process waits for it.
fn open_sled(dir: &Path) -> Arc<dyn Store> {
    for _ in 0..100 {
        match warden::store::SledStore::open(dir, 16 << 20) {
            Ok(store) => return Arc::new(store),
            Err(e) if e.to_string().contains("in use") => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            Err(e) => panic!("sled opens: {e}"),
        }
    }
    panic!("sled's lock was never released")
}

/// A database per directory, so that reopening `dir` reopens what was written there.
fn open_postgres(dir: &Path) -> Arc<dyn Store> {
    let url = crate::common::postgres_for(&dir.display().to_string());
    Arc::new(warden::store::PgStore::open(&url).expect("PostgreSQL store opens"))
}

fn always() -> bool {
    true
}

fn postgres_ready() -> bool {
    let ready = crate::common::postgres().is_some();
    if !ready {
        eprintln!("no WARDEN_TEST_PG_URL: skipped (run under tests/with-postgres.sh)");
    }
    ready
}

/// PostgreSQL's operations deltas folded into one row per key: the figures stay, the
/// rows go, and a second fold finds nothing left to fold.
#[test]
fn postgres_folds_the_operations_deltas_without_changing_a_figure() {
    if !postgres_ready() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::common::postgres_for(&dir.path().display().to_string());
    let store = warden::store::PgStore::open(&url).expect("PostgreSQL store opens");
    let fold = || store.fold_operations().expect("fold");
    // 40 submissions and 10 claims, a delta each, in one or two (hour, community) keys.
    let folded = reads::many_changes_add_up_to_one_tally_per_hour(&store, &fold);
    assert!(folded >= 48, "{folded} rows folded");
    assert_eq!(fold(), 0);
}

backends! {
    sled => open_sled, if always;
    postgres => open_postgres, if postgres_ready;
}
