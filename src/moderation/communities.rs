//! The communities' rules cache: each community's policy and wordlist, compiled once and
//! kept in memory, so a change is effective on the next request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use crate::clock::Timestamp;
use crate::domain::audit::{AuditAction, AuditRecord};
use crate::domain::community::{CommunityPolicy, CommunityWordlist, Rules};
use crate::domain::event::Actor;
use crate::engine::Engine;
use crate::failure::Failure;
use crate::ids::CommunityId;
use crate::patterns::PatternSet;
use crate::store::Store;

/// The rules of every community seen so far, compiled and cached. Blocking: reads the
/// store on a cache miss and compiles wordlists on change.
pub struct Communities {
    engine: Engine,
    store: Arc<dyn Store>,
    default_rules: Arc<Rules>,
    default_patterns: OnceLock<Arc<PatternSet>>,
    cache: RwLock<HashMap<CommunityId, Arc<Rules>>>,
    /// Serializes changes so the cache ends in the order the store saw them.
    writes: Mutex<()>,
    /// Counts [`Communities::forget`]s: rules read from the store before one are not
    /// cached after it (they may be what another node just replaced).
    forgotten: AtomicU64,
}

impl Communities {
    pub fn new(engine: Engine, store: Arc<dyn Store>) -> Communities {
        let default_rules = Arc::new(Rules {
            policy: CommunityPolicy::from_policy(engine.policy().clone()),
            compiled: engine.policy().clone(),
            patterns: None,
        });
        Communities {
            engine,
            store,
            default_rules,
            default_patterns: OnceLock::new(),
            cache: RwLock::new(HashMap::new()),
            writes: Mutex::new(()),
            forgotten: AtomicU64::new(0),
        }
    }

    /// The rules for requests that name no community.
    pub fn default_rules(&self) -> Arc<Rules> {
        self.default_rules.clone()
    }

    /// The rules if already compiled (no blocking work).
    pub fn cached(&self, community: &CommunityId) -> Option<Arc<Rules>> {
        let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
        cache.get(community).cloned()
    }

    /// The rules, loading and compiling them on first use.
    pub fn rules(&self, community: &CommunityId) -> Result<Arc<Rules>, Failure> {
        if let Some(rules) = self.cached(community) {
            return Ok(rules);
        }
        let generation = self.forgotten.load(Ordering::SeqCst);
        let policy = self.store.policy(community)?;
        let wordlist = self.store.wordlist(community)?;
        let rules = Arc::new(self.compile(policy, wordlist.as_ref(), None));
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        if self.forgotten.load(Ordering::SeqCst) != generation {
            // Possibly stale already: serve it once, cache what the next read finds.
            return Ok(rules);
        }
        // A change committed while we compiled has already put the newer rules here.
        Ok(cache.entry(community.clone()).or_insert(rules).clone())
    }

    pub fn policy(&self, community: &CommunityId) -> Result<CommunityPolicy, Failure> {
        Ok(self.rules(community)?.policy.clone())
    }

    pub fn wordlist(&self, community: &CommunityId) -> Result<CommunityWordlist, Failure> {
        Ok(self.store.wordlist(community)?.unwrap_or_default())
    }

    /// Stores a new policy; the next request scores with it.
    pub fn set_policy(
        &self,
        community: &CommunityId,
        policy: CommunityPolicy,
        actor: Actor,
    ) -> Result<(), Failure> {
        self.set_policy_noted(community, policy, actor, None)
    }

    /// [`Communities::set_policy`], its audit record saying `detail` (the suggestion the
    /// policy came from).
    pub fn set_policy_noted(
        &self,
        community: &CommunityId,
        policy: CommunityPolicy,
        actor: Actor,
        detail: Option<String>,
    ) -> Result<(), Failure> {
        policy.validate()?;
        let _serial = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.rules(community)?;
        let audit = AuditRecord::new(
            Timestamp::now(),
            actor,
            AuditAction::PolicyPut,
            community.as_str(),
        )
        .about(community);
        let audit = match detail {
            Some(d) => audit.detail(d),
            None => audit,
        };
        self.store.put_policy(community, &policy, &audit)?;
        let patterns = current.patterns.clone();
        let rules = self.compile_with(Some(policy), patterns);
        self.install(community, rules);
        Ok(())
    }

    /// Stores a new wordlist, compiled first so a bad one changes nothing.
    pub fn set_wordlist(
        &self,
        community: &CommunityId,
        wordlist: CommunityWordlist,
        actor: Actor,
    ) -> Result<(), Failure> {
        wordlist.validate()?;
        let _serial = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.rules(community)?;
        let rules = self.compile(Some(current.policy.clone()), Some(&wordlist), None);
        let audit = AuditRecord::new(
            Timestamp::now(),
            actor,
            AuditAction::WordlistPut,
            community.as_str(),
        )
        .about(community);
        self.store.put_wordlist(community, &wordlist, &audit)?;
        self.install(community, rules);
        Ok(())
    }

    /// Drops a community's cached rules (another node changed them, see
    /// `Store::subscribe`): the next request reads and compiles them again.
    pub fn forget(&self, community: &CommunityId) {
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        self.forgotten.fetch_add(1, Ordering::SeqCst);
        cache.remove(community);
    }

    /// Drops every cached community's rules.
    pub fn forget_all(&self) {
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        self.forgotten.fetch_add(1, Ordering::SeqCst);
        cache.clear();
    }

    fn install(&self, community: &CommunityId, rules: Rules) {
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        cache.insert(community.clone(), Arc::new(rules));
    }

    fn compile(
        &self,
        policy: Option<CommunityPolicy>,
        wordlist: Option<&CommunityWordlist>,
        patterns: Option<Arc<PatternSet>>,
    ) -> Rules {
        let patterns = match wordlist.filter(|w| !w.is_empty()) {
            Some(w) => Some(Arc::new(PatternSet::with_custom(
                self.engine.wordlists(),
                &w.terms(),
                &w.allow_words(),
            ))),
            None => patterns,
        };
        self.compile_with(policy, patterns)
    }

    fn compile_with(
        &self,
        policy: Option<CommunityPolicy>,
        patterns: Option<Arc<PatternSet>>,
    ) -> Rules {
        let policy = policy.unwrap_or_else(|| self.default_rules.policy.clone());
        let compiled = policy.policy();
        let patterns = match patterns {
            Some(p) => Some(p),
            // The engine's own patterns only come with the engine's own policy.
            None if compiled != *self.engine.policy() => Some(
                self.default_patterns
                    .get_or_init(|| Arc::new(PatternSet::new(self.engine.wordlists())))
                    .clone(),
            ),
            None => None,
        };
        Rules {
            policy,
            compiled,
            patterns,
        }
    }
}
