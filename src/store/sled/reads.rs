//! Range reads behind the reports: decision records by time, operations tallies by hour,
//! and finding an item by its content id.

use std::ops::Bound;

use super::keys::*;
use super::{SledStore, DECISIONS, OPERATIONS};
use crate::clock::Timestamp;
use crate::domain::operations::{OpsKey, OpsTally};
use crate::domain::transparency::{DecisionCursor, DecisionRecord};
use crate::failure::Failure;
use crate::ids::CommunityId;

/// The `operations` key of a tally: its hour, then its community.
pub(super) fn ops_key(key: &OpsKey) -> Vec<u8> {
    timed_key(key.hour, key.community.as_str().as_bytes())
}

impl SledStore {
    pub(super) fn decision_range(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<DecisionCursor>,
        limit: usize,
    ) -> Result<Vec<(DecisionCursor, DecisionRecord)>, Failure> {
        let start = match after {
            Some(c) => Bound::Excluded(c.to_bytes()),
            None => Bound::Included(time_bytes(from).to_vec()),
        };
        let end = Bound::Excluded(time_bytes(to).to_vec());
        let mut out = Vec::new();
        for kv in self.tree(DECISIONS).range((start, end)) {
            if out.len() >= limit {
                break;
            }
            let (k, v) = kv.map_err(internal)?;
            let cursor =
                DecisionCursor::from_bytes(&k).ok_or_else(|| internal("malformed decision key"))?;
            out.push((cursor, decode(&v)?));
        }
        Ok(out)
    }

    pub(super) fn operation_range(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(OpsKey, OpsTally)>, Failure> {
        let start = time_bytes(from).to_vec();
        let end = time_bytes(to).to_vec();
        let mut out = Vec::new();
        for kv in self.tree(OPERATIONS).range(start..end) {
            let (k, v) = kv.map_err(internal)?;
            let hour = k
                .get(..8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(|b| Timestamp::from_millis((u64::from_be_bytes(b) ^ (1 << 63)) as i64))
                .ok_or_else(|| internal("malformed operations key"))?;
            let community = std::str::from_utf8(&k[8..])
                .ok()
                .and_then(|c| c.parse::<CommunityId>().ok())
                .ok_or_else(|| internal("malformed operations key"))?;
            out.push((OpsKey { hour, community }, decode(&v)?));
        }
        Ok(out)
    }
}
