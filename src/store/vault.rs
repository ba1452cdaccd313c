//! Where the keys live: one small file per subject, outside sled.
//!
//! sled is log-structured: an overwritten or deleted value survives in old log segments
//! until sled happens to reuse them, so deleting personal data from a tree does not
//! delete it from the disk. Personal data therefore reaches sled only encrypted under its
//! subject's key, and the keys never enter sled: erasing a subject unlinks its key file,
//! and every copy of its data, live or stale, becomes ciphertext without a key.
//!
//! ```text
//! <data_dir>/privacy/master.key                       32 random bytes, created once
//! <data_dir>/privacy/subjects/<2 hex>/<32 hex>.key    one per (community, author)
//! ```
//!
//! The master key derives the pseudonym key (subject ids are keyed hashes of community
//! and author id, so file names and index keys are not the raw ids) and the key that
//! seals author ids in the suppression log. Files are written to a temporary name,
//! fsynced, renamed and their directory fsynced, so a key exists on disk before any
//! ciphertext made with it is committed.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::domain::privacy::crypto::{Key, KEY_LEN};
use crate::domain::privacy::SubjectId;
use crate::error::{Error, Result};
use crate::failure::Failure;
use crate::ids::{AuthorId, CommunityId};

/// What a deployment's master key derives: the same in every backend, so that a store
/// copied from one backend to another keeps its pseudonyms and its sealed rule log.
pub(crate) struct MasterKeys {
    pseudonyms: Key,
    authors: Key,
    log: Key,
}

impl MasterKeys {
    pub(crate) fn derive(master: &Key) -> MasterKeys {
        MasterKeys {
            pseudonyms: master.derive("warden subject pseudonym v1"),
            authors: master.derive("warden author index v1"),
            log: master.derive("warden suppression log v1"),
        }
    }

    /// The pseudonymous id of an author in a community.
    pub(crate) fn subject(&self, community: &CommunityId, author: &AuthorId) -> SubjectId {
        let mac = self
            .pseudonyms
            .mac(&[community.as_str().as_bytes(), author.as_str().as_bytes()]);
        SubjectId::from_mac(&mac)
    }

    /// An author's pseudonym across communities.
    pub(crate) fn author_ref(&self, author: &AuthorId) -> [u8; 16] {
        let mac = self.authors.mac(&[author.as_str().as_bytes()]);
        let mut out = [0u8; 16];
        out.copy_from_slice(&mac[..16]);
        out
    }

    /// The key that seals subject ids in the suppression log.
    pub(crate) fn log_key(&self) -> &Key {
        &self.log
    }
}

/// The subject keys of one data directory. Share it behind an `Arc`.
pub struct Vault {
    dir: PathBuf,
    master: MasterKeys,
    /// Keys read or created so far. An erased subject is removed.
    cache: RwLock<HashMap<SubjectId, Arc<Key>>>,
    /// Serializes key creation (two writers must not each make a key for one subject),
    /// without holding the cache while a file is synced.
    creating: std::sync::Mutex<()>,
    /// Shared by every write that seals data, exclusive for an erasure: nothing can be
    /// sealed with a key while it is being destroyed.
    erasing: RwLock<()>,
}

impl Vault {
    /// Opens (or creates) the vault in `dir`.
    pub fn open(dir: &Path) -> Result<Vault> {
        let io_err = |path: &Path, e: io::Error| Error::io(Some(path.to_path_buf()), e);
        fs::create_dir_all(dir.join("subjects")).map_err(|e| io_err(dir, e))?;
        let master_path = dir.join("master.key");
        let master = match read_key(&master_path).map_err(|e| io_err(&master_path, e))? {
            Some(key) => key,
            None => {
                let key = Key::random();
                write_key(&master_path, &key).map_err(|e| io_err(&master_path, e))?;
                key
            }
        };
        Ok(Vault {
            dir: dir.to_path_buf(),
            master: MasterKeys::derive(&master),
            cache: RwLock::new(HashMap::new()),
            creating: std::sync::Mutex::new(()),
            erasing: RwLock::new(()),
        })
    }

    /// The pseudonymous id of an author in a community.
    pub fn subject(&self, community: &CommunityId, author: &AuthorId) -> SubjectId {
        self.master.subject(community, author)
    }

    /// An author's pseudonym across communities: the key of the index that finds which
    /// communities hold their data.
    pub fn author_ref(&self, author: &AuthorId) -> [u8; 16] {
        self.master.author_ref(author)
    }

    /// The key that seals subject ids in the suppression log (see `suppress`).
    pub fn log_key(&self) -> &Key {
        self.master.log_key()
    }

    /// The master key (`warden migrate-store` copies it, so pseudonyms and sealed
    /// records stay valid in the new store).
    pub(crate) fn master(&self) -> std::result::Result<Key, Failure> {
        read_key(&self.dir.join("master.key"))
            .map_err(|e| vault_error("read the master key", e))?
            .ok_or_else(|| Failure::internal("vault: the master key is missing"))
    }

    /// Held while sealing data with subject keys.
    pub fn sealing(&self) -> RwLockReadGuard<'_, ()> {
        self.erasing.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Held for a whole erasure: no key is used while one is destroyed.
    pub fn erasing(&self) -> RwLockWriteGuard<'_, ()> {
        self.erasing.write().unwrap_or_else(|e| e.into_inner())
    }

    fn path(&self, subject: &SubjectId) -> PathBuf {
        let hex = subject.to_string();
        self.dir
            .join("subjects")
            .join(&hex[..2])
            .join(format!("{hex}.key"))
    }

    /// The subject's key, if it has one.
    pub fn key(&self, subject: &SubjectId) -> std::result::Result<Option<Arc<Key>>, Failure> {
        if let Some(key) = self
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(subject)
        {
            return Ok(Some(key.clone()));
        }
        let path = self.path(subject);
        match read_key(&path).map_err(|e| vault_error("read a subject key", e))? {
            None => Ok(None),
            Some(key) => {
                let key = Arc::new(key);
                let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
                Ok(Some(cache.entry(*subject).or_insert(key).clone()))
            }
        }
    }

    /// The subject's key, created (durably) if it has none. Call with
    /// [`Vault::sealing`] held.
    pub fn key_or_create(&self, subject: &SubjectId) -> std::result::Result<Arc<Key>, Failure> {
        if let Some(key) = self.key(subject)? {
            return Ok(key);
        }
        let _creating = self.creating.lock().unwrap_or_else(|e| e.into_inner());
        // Someone may have made it while we waited.
        if let Some(key) = self.key(subject)? {
            return Ok(key);
        }
        let key = Key::random();
        let path = self.path(subject);
        if let Some(parent) = path.parent().filter(|p| !p.exists()) {
            fs::create_dir_all(parent).map_err(|e| vault_error("create a key folder", e))?;
            sync_dir(&self.dir.join("subjects"))
                .map_err(|e| vault_error("sync the key folder", e))?;
        }
        write_key(&path, &key).map_err(|e| vault_error("write a subject key", e))?;
        let key = Arc::new(key);
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(*subject, key.clone());
        Ok(key)
    }

    /// Destroys the subject's key: overwritten, synced, unlinked, and its directory
    /// synced. Whatever was sealed with it can no longer be opened. Call with
    /// [`Vault::erasing`] held. `false` if there was no key.
    pub fn destroy(&self, subject: &SubjectId) -> std::result::Result<bool, Failure> {
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(subject);
        let path = self.path(subject);
        match OpenOptions::new().write(true).open(&path) {
            Ok(mut file) => {
                // Best effort against the old blocks: on a copy-on-write or journaling
                // filesystem the overwrite may land elsewhere (see the README's threat
                // model).
                file.write_all(&[0u8; KEY_LEN])
                    .and_then(|()| file.sync_all())
                    .map_err(|e| vault_error("overwrite a subject key", e))?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(vault_error("open a subject key", e)),
        }
        fs::remove_file(&path).map_err(|e| vault_error("remove a subject key", e))?;
        if let Some(parent) = path.parent() {
            sync_dir(parent).map_err(|e| vault_error("sync the key folder", e))?;
        }
        Ok(true)
    }

    /// Every subject that has a key file (startup checks).
    pub fn subjects_on_disk(&self) -> std::result::Result<Vec<SubjectId>, Failure> {
        let mut out = Vec::new();
        let root = self.dir.join("subjects");
        let shards = fs::read_dir(&root).map_err(|e| vault_error("list key folders", e))?;
        for shard in shards {
            let shard = shard.map_err(|e| vault_error("list key folders", e))?;
            let Ok(files) = fs::read_dir(shard.path()) else {
                continue;
            };
            for file in files.flatten() {
                let name = file.file_name();
                let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".key")) else {
                    continue;
                };
                if let Ok(subject) = stem.parse() {
                    out.push(subject);
                }
            }
        }
        Ok(out)
    }
}

fn vault_error(what: &str, e: io::Error) -> Failure {
    // The path names a subject pseudonym, not a person; still, the kind is enough here.
    Failure::internal(format!("vault: cannot {what}: {}", e.kind()))
}

fn read_key(path: &Path) -> io::Result<Option<Key>> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut bytes = [0u8; KEY_LEN];
    file.read_exact(&mut bytes)?;
    Ok(Some(Key::from_bytes(bytes)))
}

/// Writes a key durably: temporary file, fsync, rename, fsync of the directory.
fn write_key(path: &Path, key: &Key) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("a key path has a parent"))?;
    let tmp = path.with_extension("tmp");
    {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(key.expose())?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_persist_and_destroyed_keys_are_gone() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::open(dir.path()).unwrap();
        let subject = vault.subject(&"c".parse().unwrap(), &"alice".parse().unwrap());
        assert_ne!(
            subject,
            vault.subject(&"d".parse().unwrap(), &"alice".parse().unwrap())
        );
        assert!(vault.key(&subject).unwrap().is_none());
        let key = vault.key_or_create(&subject).unwrap();
        let sealed = key.seal(b"x", b"secret");

        // Reopened: the same pseudonyms and keys.
        drop(vault);
        let vault = Vault::open(dir.path()).unwrap();
        assert_eq!(
            vault.subject(&"c".parse().unwrap(), &"alice".parse().unwrap()),
            subject
        );
        let again = vault.key(&subject).unwrap().unwrap();
        assert_eq!(again.open(b"x", &sealed).as_deref(), Some(&b"secret"[..]));
        assert_eq!(vault.subjects_on_disk().unwrap(), vec![subject]);

        assert!(vault.destroy(&subject).unwrap());
        assert!(vault.key(&subject).unwrap().is_none());
        assert!(!vault.destroy(&subject).unwrap());
        assert!(vault.subjects_on_disk().unwrap().is_empty());
    }
}
