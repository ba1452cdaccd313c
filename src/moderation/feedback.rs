//! Score feedback as a use case: check a record and append it, list a community's records
//! for calibration. What a record is and what it keeps: [`domain::feedback`](crate::domain::feedback).

use crate::domain::feedback::ScoreFeedback;
use crate::failure::Failure;
use crate::ids::CommunityId;
use crate::store::Store;

/// Stores one record, durable at the next group commit; returns its id (increasing).
pub fn record(store: &dyn Store, feedback: &ScoreFeedback) -> Result<u64, Failure> {
    feedback.check()?;
    store.put_score_feedback(feedback)
}

/// Up to `limit` records of `community` (`None`: those that named none) with ids after
/// `after`, oldest first: what a calibration reads.
pub fn list(
    store: &dyn Store,
    community: Option<&CommunityId>,
    after: Option<u64>,
    limit: usize,
) -> Result<Vec<(u64, ScoreFeedback)>, Failure> {
    store.score_feedback(community, after, limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::feedback::tests::sample;

    #[test]
    fn records_are_stored_by_community_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::SledStore::open(dir.path(), 1 << 20).unwrap();
        let first = record(&store, &sample(Some("cats"))).unwrap();
        let other = record(&store, &sample(Some("dogs"))).unwrap();
        let second = record(&store, &sample(Some("cats"))).unwrap();
        let unnamed = record(&store, &sample(None)).unwrap();
        assert!(first < other && other < second && second < unnamed);
        let cats: CommunityId = "cats".parse().unwrap();
        let ids = |after, limit| -> Vec<u64> {
            list(&store, Some(&cats), after, limit)
                .unwrap()
                .into_iter()
                .map(|(id, _)| id)
                .collect()
        };
        assert_eq!(ids(None, 10), vec![first, second]);
        assert_eq!(ids(Some(first), 10), vec![second]);
        assert_eq!(ids(None, 1), vec![first]);
        let none = list(&store, None, None, 10).unwrap();
        assert_eq!(none.len(), 1);
        assert_eq!((none[0].0, none[0].1.community.as_ref()), (unnamed, None));
        // A malformed record is refused before it reaches the store.
        let mut bad = sample(None);
        bad.attributes.clear();
        assert!(record(&store, &bad).is_err());
        assert_eq!(list(&store, None, None, 10).unwrap().len(), 1);
    }
}
