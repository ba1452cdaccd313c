//! API keys: the one path by which a key is created, revoked or listed, with its audit
//! record, whether the request comes over the API (`/v1/keys`), from the command line
//! (`warden keys`, server stopped) or from the server's first start (the bootstrap admin
//! key). Callers make the write durable their own way (the API waits for the group
//! commit, the command line and first start flush).

use crate::auth::{ApiKey, Role, Scope, Secret};
use crate::clock::Timestamp;
use crate::domain::audit::{AuditAction, AuditActor, AuditRecord};
use crate::failure::Failure;
use crate::ids::KeyId;
use crate::store::Store;

/// Who manages keys, and within which scope: an admin key sees and changes only keys
/// within its own communities; the command line and first start see all.
#[derive(Debug, Clone)]
pub struct KeyManager {
    pub actor: AuditActor,
    pub scope: Scope,
}

impl KeyManager {
    /// An admin key over the API.
    pub fn key(key: &ApiKey) -> KeyManager {
        KeyManager {
            actor: AuditActor::Key(key.id.clone()),
            scope: key.scope.clone(),
        }
    }

    /// `warden keys`.
    pub fn cli() -> KeyManager {
        KeyManager {
            actor: AuditActor::Cli,
            scope: Scope::All,
        }
    }

    fn system() -> KeyManager {
        KeyManager {
            actor: AuditActor::System,
            scope: Scope::All,
        }
    }
}

/// A key to create.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub role: Role,
    pub scope: Scope,
    /// A label for people: at most 100 characters, no control characters.
    pub name: Option<String>,
}

/// Creates a key and returns it with its secret (shown this once).
pub fn create(
    store: &dyn Store,
    by: &KeyManager,
    new: NewKey,
    now: Timestamp,
) -> Result<(ApiKey, Secret), Failure> {
    if !by.scope.covers(&new.scope) {
        return Err(Failure::forbidden(
            "a key may only cover communities within your own scope",
        ));
    }
    if let Some(name) = &new.name {
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(Failure::invalid_field(
                "name",
                "must be at most 100 characters without control characters",
            ));
        }
    }
    let (mut key, secret) = ApiKey::generate(new.role, new.scope, now);
    key.name = new.name;
    store_new(store, by, &key, now)?;
    Ok((key, secret))
}

fn store_new(
    store: &dyn Store,
    by: &KeyManager,
    key: &ApiKey,
    now: Timestamp,
) -> Result<(), Failure> {
    let audit = AuditRecord::new(
        now,
        by.actor.clone(),
        AuditAction::KeyCreate,
        key.id.as_str(),
    );
    store.put_key(key, &audit)
}

/// The keys `by` may see.
pub fn list(store: &dyn Store, by: &KeyManager) -> Result<Vec<ApiKey>, Failure> {
    Ok(store
        .keys()?
        .into_iter()
        .filter(|k| by.scope.covers(&k.scope))
        .collect())
}

/// Revokes a key `by` may see; revoking a revoked key changes nothing. A key cannot
/// revoke itself (it would lock its holder out mid-request).
pub fn revoke(
    store: &dyn Store,
    by: &KeyManager,
    id: &KeyId,
    now: Timestamp,
) -> Result<ApiKey, Failure> {
    if by.actor == AuditActor::Key(id.clone()) {
        return Err(Failure::invalid_state("a key cannot revoke itself"));
    }
    let mut key = list(store, by)?
        .into_iter()
        .find(|k| k.id == *id)
        .ok_or_else(|| Failure::not_found("key"))?;
    if key.revoked_at.is_none() {
        key.revoked_at = Some(now);
        let audit = AuditRecord::new(
            now,
            by.actor.clone(),
            AuditAction::KeyRevoke,
            key.id.as_str(),
        );
        store.put_key(&key, &audit)?;
    }
    Ok(key)
}

/// On first start (no keys at all): creates the bootstrap admin key, from the operator's
/// `admin_secret` or random. Returns every key, and the random secret to show once.
pub fn bootstrap(
    store: &dyn Store,
    admin_secret: Option<&str>,
    now: Timestamp,
) -> Result<(Vec<ApiKey>, Option<Secret>), Failure> {
    let mut keys = store.keys()?;
    if !keys.is_empty() {
        return Ok((keys, None));
    }
    let (mut key, secret) = match admin_secret {
        Some(s) => ApiKey::with_secret(s, Role::Admin, Scope::All, now)
            .map_err(|e| Failure::invalid_field("WARDEN_ADMIN_KEY", e))?,
        None => ApiKey::generate(Role::Admin, Scope::All, now),
    };
    key.name = Some("bootstrap admin".into());
    store_new(store, &KeyManager::system(), &key, now)?;
    store.flush()?;
    tracing::info!(key_id = %key.id, "created the first admin key");
    keys.push(key);
    Ok((keys, admin_secret.is_none().then_some(secret)))
}
