//! The sled backend's own checks: its on-disk format and its indexes. What every
//! backend promises is checked by the store contract tests.
use super::*;

#[test]
fn old_formats_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path()).unwrap();
        db.insert("format", "1").unwrap();
        db.flush().unwrap();
    }
    let err = SledStore::open(dir.path(), 1 << 20).err().expect("refused");
    assert!(err.to_string().contains("format 1"), "{err}");
}

/// The rules an item produced are indexed as they are written, and a store written
/// before the index existed gets it filled on open.
#[test]
fn item_rules_are_indexed_and_backfilled() {
    let dir = tempfile::tempdir().unwrap();
    let verdict = crate::Engine::builder()
        .build()
        .unwrap()
        .score("go drink bleach");
    let sub = Submission {
        new_id: ItemId::random(),
        community: "c".parse().unwrap(),
        content_id: "x".parse().unwrap(),
        author_id: "a".parse().unwrap(),
        ownership_change: false,
        text: crate::ids::ContentText::new("go drink bleach").unwrap(),
        context: None,
        verdict,
        action: crate::Action::Remove,
        labels: Vec::new(),
        actor: KeyId::random(),
        at: Timestamp::now(),
    };
    let id = {
        let store = reopen(dir.path());
        let id = store.submit(&[sub]).unwrap()[0].item.id;
        let rules = store.item_rules(&id).unwrap();
        assert!(
            rules
                .iter()
                .any(|r| r.reason.source == crate::domain::suppress::ReasonSource::Decision),
            "{rules:?}"
        );
        assert!(store.item_rules(&ItemId::random()).unwrap().is_empty());
        // A store from before the index: neither the index nor its marker.
        store.tree(RULES_BY_ITEM).clear().unwrap();
        store.tree(META).remove(RULES_BY_ITEM_FILLED).unwrap();
        store.flush().unwrap();
        id
    };
    let store = reopen(dir.path());
    let rules = store.item_rules(&id).unwrap();
    assert_eq!(rules.len() as u64, store.rule_seq(), "{rules:?}");
    let report = crate::store::verify(&store).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);

    // A backfill cut short (the marker never written) is redone in full on open, and
    // `verify` notices an index that misses entries.
    let first = store.tree(RULES_BY_ITEM).iter().next().unwrap().unwrap().0;
    store.tree(RULES_BY_ITEM).remove(first).unwrap();
    let report = crate::store::verify(&store).unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    store.tree(META).remove(RULES_BY_ITEM_FILLED).unwrap();
    store.flush().unwrap();
    drop(store);
    let store = reopen(dir.path());
    assert_eq!(store.item_rules(&id).unwrap().len(), rules.len());
    let report = crate::store::verify(&store).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

/// Opens the store again in the same process. sled lets go of its file lock from a
/// background thread after the last handle drops, so on a loaded machine the first
/// attempt can still find it held.
fn reopen(dir: &std::path::Path) -> SledStore {
    let mut tries = 0;
    loop {
        match SledStore::open(dir, 1 << 20) {
            Ok(store) => return store,
            Err(e) if tries < 100 && e.to_string().contains("in use") => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("reopen: {e}"),
        }
    }
}
