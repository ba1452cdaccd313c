//! API keys, roles and community scopes.
//!
//! A key is 32 random bytes shown once as `wdn_` and 64 hex digits; only its SHA-256 is
//! stored, so a copy of the database does not hand out access. Each key has a public
//! [`KeyId`] (what logs and event histories name), one [`Role`] and a [`Scope`]: the
//! communities it may see and act on, or all of them.
//!
//! Which roles may call an endpoint is part of the endpoint's type: handlers take
//! `Auth<Moderator>` and the like (see `http::extract`), where the marker types below
//! list the roles.
//!
//! ```
//! use warden::auth::{hash_secret, ApiKey, Role, Scope};
//! use warden::clock::Timestamp;
//!
//! let (key, secret) = ApiKey::generate(Role::Moderator, "a,b".parse().unwrap(), Timestamp::now());
//! assert!(secret.expose().starts_with("wdn_"));
//! assert_eq!(key.hash, hash_secret(secret.expose()));
//! assert!(key.scope.allows(&"a".parse().unwrap()));
//! assert!(!key.scope.allows(&"c".parse().unwrap()));
//! ```

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, RwLock};

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::clock::Timestamp;
use crate::failure::Failure;
use crate::ids::{CommunityId, KeyId};

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including keys, policies and wordlists.
    Admin,
    /// Works the queues: claims, decides, reads items and their history.
    Moderator,
    /// A platform: submits content and appeals, reads its items, asks for erasures and
    /// exports, fetches statements of reasons.
    Ingest,
    /// A personalization system (recommender, search, notifications, ads): reads the
    /// suppression-rule feed and checks subjects. Never sees items or text.
    Feed,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Moderator, Role::Ingest, Role::Feed];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Moderator => "moderator",
            Role::Ingest => "ingest",
            Role::Feed => "feed",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role `{s}` (expected admin, moderator, ingest or feed)")
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The communities a key covers: `["*"]` for all, or a non-empty list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Communities(BTreeSet<CommunityId>),
}

impl Scope {
    pub fn allows(&self, community: &CommunityId) -> bool {
        match self {
            Scope::All => true,
            Scope::Communities(set) => set.contains(community),
        }
    }

    /// Whether everything `other` covers is covered by `self` (an admin can only hand
    /// out what it has).
    pub fn covers(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::All, _) => true,
            (Scope::Communities(_), Scope::All) => false,
            (Scope::Communities(mine), Scope::Communities(theirs)) => theirs.is_subset(mine),
        }
    }

    /// The communities, or `None` for all.
    pub fn communities(&self) -> Option<Vec<CommunityId>> {
        match self {
            Scope::All => None,
            Scope::Communities(set) => Some(set.iter().cloned().collect()),
        }
    }

    pub fn to_strings(&self) -> Vec<String> {
        match self {
            Scope::All => vec!["*".to_string()],
            Scope::Communities(set) => set.iter().map(|c| c.to_string()).collect(),
        }
    }

    pub fn from_strings(list: &[String]) -> Result<Scope, String> {
        if list.is_empty() {
            return Err("must list at least one community, or \"*\"".into());
        }
        if list.iter().any(|c| c == "*") {
            if list.len() > 1 {
                return Err("\"*\" must be the only entry".into());
            }
            return Ok(Scope::All);
        }
        let set = list
            .iter()
            .map(|c| c.parse().map_err(|e| format!("community `{c}`: {e}")))
            .collect::<Result<BTreeSet<CommunityId>, String>>()?;
        Ok(Scope::Communities(set))
    }
}

/// `a,b,c` or `*`, as the CLI takes it.
impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Scope, String> {
        let list: Vec<String> = s.split(',').map(|c| c.trim().to_string()).collect();
        Scope::from_strings(&list)
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_strings().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Scope, D::Error> {
        let list = Vec::<String>::deserialize(d)?;
        Scope::from_strings(&list).map_err(serde::de::Error::custom)
    }
}

/// In the API document, a scope is what the API shows (`communities` of a key): named
/// `Communities`, since `Scope` there is a suppression scope.
impl utoipa::PartialSchema for Scope {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(crate::schema::string(
                "A community id, or `*`.",
                Some("^([*]|[A-Za-z0-9._-]{1,64})$"),
                None,
            ))
            .min_items(Some(1))
            .description(Some("Community ids, or `[\"*\"]` for all."))
            .into()
    }
}

impl ToSchema for Scope {
    fn name() -> std::borrow::Cow<'static, str> {
        "Communities".into()
    }
}

/// A stored key: everything but the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: KeyId,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    pub role: Role,
    #[serde(rename = "communities")]
    pub scope: Scope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
}

/// A key's secret, shown once. `Debug` and `Display` never print it.
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// SHA-256 of a presented secret, hex: how keys are looked up.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl ApiKey {
    /// A new key and its secret.
    pub fn generate(role: Role, scope: Scope, now: Timestamp) -> (ApiKey, Secret) {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let secret = Secret(format!("wdn_{}", hex::encode(bytes)));
        (ApiKey::from_secret(&secret, role, scope, now), secret)
    }

    /// A key for a secret chosen by the operator (`WARDEN_ADMIN_KEY`).
    pub fn with_secret(
        secret: &str,
        role: Role,
        scope: Scope,
        now: Timestamp,
    ) -> Result<(ApiKey, Secret), String> {
        if secret.len() < 20 || secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("a key must be at least 20 characters without spaces".into());
        }
        let secret = Secret(secret.to_string());
        Ok((ApiKey::from_secret(&secret, role, scope, now), secret))
    }

    fn from_secret(secret: &Secret, role: Role, scope: Scope, now: Timestamp) -> ApiKey {
        ApiKey {
            id: KeyId::random(),
            hash: hash_secret(secret.expose()),
            role,
            scope,
            name: None,
            created_at: now,
            revoked_at: None,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// `Ok` if the key may see `community`; otherwise `not_found`, so that whether the
    /// community or item exists does not leak.
    pub fn require(&self, community: &CommunityId, what: &str) -> Result<(), Failure> {
        if self.scope.allows(community) {
            Ok(())
        } else {
            Err(Failure::not_found(what))
        }
    }
}

/// The keys in memory, by hash: authentication on every request without a storage read.
/// The store stays the source of truth; this is updated after each committed change.
pub struct KeyRing {
    by_hash: RwLock<HashMap<String, Arc<ApiKey>>>,
    /// Counts changes. A request authenticates once, at its start; the ones that stay
    /// open (the suppression stream) watch this to end when their key is revoked or
    /// changed, rather than keep serving it.
    changes: tokio::sync::watch::Sender<u64>,
}

impl Default for KeyRing {
    fn default() -> KeyRing {
        KeyRing {
            by_hash: RwLock::default(),
            changes: tokio::sync::watch::channel(0).0,
        }
    }
}

impl KeyRing {
    pub fn new(keys: impl IntoIterator<Item = ApiKey>) -> KeyRing {
        let ring = KeyRing::default();
        for key in keys {
            ring.put(key);
        }
        ring
    }

    /// Wakes on every change to any key; then ask [`KeyRing::unchanged`].
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Whether `key`, as a request authenticated it, is still active with the same role
    /// and scope.
    pub fn unchanged(&self, key: &ApiKey) -> bool {
        let keys = self.by_hash.read().unwrap_or_else(|e| e.into_inner());
        keys.get(&key.hash).is_some_and(|current| {
            current.revoked_at.is_none() && current.role == key.role && current.scope == key.scope
        })
    }

    /// The active key for a presented secret.
    pub fn authenticate(&self, secret: &str) -> Option<Arc<ApiKey>> {
        let hash = hash_secret(secret);
        let keys = self.by_hash.read().unwrap_or_else(|e| e.into_inner());
        keys.get(&hash).filter(|k| k.revoked_at.is_none()).cloned()
    }

    /// Whether the ring holds exactly this key already (same record).
    pub fn same(&self, key: &ApiKey) -> bool {
        let keys = self.by_hash.read().unwrap_or_else(|e| e.into_inner());
        keys.get(&key.hash).is_some_and(|k| **k == *key)
    }

    pub fn put(&self, key: ApiKey) {
        let mut keys = self.by_hash.write().unwrap_or_else(|e| e.into_inner());
        keys.insert(key.hash.clone(), Arc::new(key));
        drop(keys);
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// The roles an endpoint admits; a marker type per set, used as `Auth<R>`.
pub trait Roles: Send + Sync + 'static {
    const ROLES: &'static [Role];
}

macro_rules! roles {
    ($($(#[$doc:meta])* $name:ident = [$($role:ident),+];)+) => {
        $(
            $(#[$doc])*
            #[derive(Debug)]
            pub struct $name;
            impl Roles for $name {
                const ROLES: &'static [Role] = &[$(Role::$role),+];
            }
        )+
    };
}

roles! {
    /// Admins only: keys, policies, wordlists.
    Admin = [Admin];
    /// Admins and moderators: the queues and decisions.
    Moderator = [Admin, Moderator];
    /// Admins and platforms: submitting content and appeals.
    Ingest = [Admin, Ingest];
    /// Roles that may score text without storing it.
    Scorer = [Admin, Moderator, Ingest];
    /// Roles that may read items (redacted): everyone but the feed.
    ItemReader = [Admin, Moderator, Ingest];
    /// Roles that may read item histories.
    Auditor = [Admin, Moderator];
    /// Roles that may read suppression rules: the feed, and the people who moderate.
    FeedReader = [Admin, Moderator, Feed];
    /// Roles that may erase or export an author's data (the platform forwards the
    /// person's request).
    DataRequests = [Admin, Ingest];
    /// Roles that may read statements of reasons.
    Transparency = [Admin, Moderator, Ingest];
    /// Every role.
    AnyRole = [Admin, Moderator, Ingest, Feed];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        let ab: Scope = "a,b".parse().unwrap();
        let a: Scope = "a".parse().unwrap();
        assert!(ab.covers(&a));
        assert!(!a.covers(&ab));
        assert!(Scope::All.covers(&ab));
        assert!(!ab.covers(&Scope::All));
        assert_eq!("*".parse::<Scope>(), Ok(Scope::All));
        assert!("*,a".parse::<Scope>().is_err());
        assert!("".parse::<Scope>().is_err());
        assert_eq!(
            serde_json::to_value(&Scope::All).unwrap(),
            serde_json::json!(["*"])
        );
    }

    #[test]
    fn revoked_keys_do_not_authenticate() {
        let (mut key, secret) = ApiKey::generate(Role::Feed, Scope::All, Timestamp::now());
        let ring = KeyRing::new([key.clone()]);
        assert!(ring.authenticate(secret.expose()).is_some());
        assert!(ring.authenticate("wdn_other").is_none());
        key.revoked_at = Some(Timestamp::now());
        ring.put(key);
        assert!(ring.authenticate(secret.expose()).is_none());
    }

    #[test]
    fn open_requests_learn_of_revocations_and_scope_changes() {
        let (key, _) = ApiKey::generate(Role::Feed, "a,b".parse().unwrap(), Timestamp::now());
        let (other, _) = ApiKey::generate(Role::Feed, Scope::All, Timestamp::now());
        let ring = KeyRing::new([key.clone(), other.clone()]);
        let mut changes = ring.subscribe();
        changes.borrow_and_update();
        assert!(ring.unchanged(&key));

        // Another key's change wakes the watcher, and leaves this key unchanged.
        ring.put(other);
        assert!(changes.has_changed().unwrap());
        changes.borrow_and_update();
        assert!(ring.unchanged(&key));

        let mut narrowed = key.clone();
        narrowed.scope = "a".parse().unwrap();
        ring.put(narrowed);
        assert!(changes.has_changed().unwrap());
        assert!(!ring.unchanged(&key));

        let mut revoked = key.clone();
        revoked.revoked_at = Some(Timestamp::now());
        ring.put(revoked);
        assert!(!ring.unchanged(&key));
    }
}
