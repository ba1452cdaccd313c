//! What the application layer's unit tests share.

use crate::clock::Timestamp;
use crate::domain::item::{Item, Submission};
use crate::domain::privacy::SubjectId;
use crate::ids::{ContentText, ItemId, KeyId};

/// A new item `id`, waiting in the review queue (created at 1 s).
pub(crate) fn waiting_item(id: ItemId) -> Item {
    static ENGINE: std::sync::OnceLock<crate::Engine> = std::sync::OnceLock::new();
    let verdict = ENGINE
        .get_or_init(|| crate::Engine::builder().build().expect("engine"))
        .score("hello");
    let sub = Submission {
        new_id: id,
        community: "c".parse().expect("community"),
        content_id: "x".parse().expect("content id"),
        author_id: "a".parse().expect("author"),
        ownership_change: false,
        text: ContentText::new("hello").expect("text"),
        context: None,
        verdict,
        action: crate::Action::Review,
        labels: Vec::new(),
        actor: KeyId::random(),
        at: Timestamp::from_millis(1_000),
    };
    Item::create(&sub, SubjectId::from_bytes([1; 16]), "d".into()).0
}
