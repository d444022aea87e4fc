//! The registry's storage: SQLite (an embedded file in WAL mode, the default)
//! or PostgreSQL (many users, several server instances), through sqlx's `Any`
//! driver so that one set of queries serves both.
//!
//! Every write runs in one transaction with its audit-log entry ([`audit`]):
//! either both are stored or neither. On SQLite all writes go through one
//! connection (SQLite has one writer anyway; queueing in the pool avoids
//! `SQLITE_BUSY`) while reads use a pool of readers; `synchronous = FULL`
//! makes every acknowledged write durable. On PostgreSQL the audit chain is
//! extended under a transaction-scoped advisory lock, so concurrent servers
//! append in one order.
//!
//! Authorisation is the server's: the store trusts the [`Actor`] it is given
//! and records it.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::print_stdout
    )
)]

pub mod audit;
mod model;
#[doc(hidden)]
pub mod testing;

use std::str::FromStr;

use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row, Transaction};

pub use model::*;

/// A failure of the store: the database, or a request it cannot satisfy.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The registry's database.
#[derive(Clone, Debug)]
pub struct Store {
    /// Readers (and, on PostgreSQL, writers too).
    read: AnyPool,
    /// Writers: one connection on SQLite.
    write: AnyPool,
    backend: Backend,
    url: String,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Now, as stored: RFC 3339 UTC with microseconds.
pub fn now() -> String {
    let t = jiff::Timestamp::now();
    let micros = t.as_microsecond();
    jiff::Timestamp::from_microsecond(micros)
        .unwrap_or(t)
        .to_string()
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The default database: `accord-registry.db` in the current folder.
pub const DEFAULT_DATABASE: &str = "sqlite://accord-registry.db";

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates a database:
    /// `sqlite://PATH`, `sqlite::memory:` or `postgres://...`.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Invalid(format!(
                "`{url}` is not a database URL: use sqlite://PATH or postgres://USER@HOST/DB"
            )));
        };
        let (read, write) = match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url);
                let write = sqlite_pool(&url, 1).await?;
                // WAL lets readers run beside the writer; it is a property of the file.
                sqlx::query("PRAGMA journal_mode = WAL")
                    .execute(&write)
                    .await?;
                SQLITE_MIGRATIONS.run(&write).await?;
                let readers = std::thread::available_parallelism().map_or(4, |n| n.get() * 4);
                let read = sqlite_pool(&url, readers as u32).await?;
                (read, write)
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(32)
                    .connect(url)
                    .await?;
                // Several servers may start at once: migrate under a lock.
                let mut conn = pool.acquire().await?;
                sqlx::query("SELECT pg_advisory_lock(727274)")
                    .execute(&mut *conn)
                    .await?;
                let migrated = POSTGRES_MIGRATIONS.run(&mut *conn).await;
                sqlx::query("SELECT pg_advisory_unlock(727274)")
                    .execute(&mut *conn)
                    .await?;
                migrated?;
                drop(conn);
                (pool.clone(), pool)
            }
        };
        Ok(Store {
            read,
            write,
            backend,
            url: redact(url),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL without a password, for messages.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    async fn begin(&self) -> Result<Transaction<'static, Any>> {
        Ok(self.write.begin().await?)
    }

    // ---- organisations, users, tokens -------------------------------------------------

    /// Creates a user (and its organisation if new) with a token; returns the
    /// user and the token, which is shown once and stored only as a hash.
    pub async fn create_token(&self, request: &NewToken) -> Result<(User, String)> {
        if request.name.trim().is_empty() {
            return Err(StoreError::Invalid("a token needs a --name".into()));
        }
        match request.role {
            Role::Reviewer if request.jurisdiction.is_none() => {
                return Err(StoreError::Invalid(
                    "a reviewer reviews one jurisdiction: give --jurisdiction".into(),
                ));
            }
            Role::Provider if request.organisation.is_none() => {
                return Err(StoreError::Invalid(
                    "a provider files for an organisation: give --organisation".into(),
                ));
            }
            _ => {}
        }
        let mut tx = self.begin().await?;
        let at = now();
        let organisation_id = match &request.organisation {
            Some(name) => Some(organisation_id(&mut tx, name, &at).await?),
            None => None,
        };
        let existing = sqlx::query(
            "SELECT id, name, organisation_id, role, jurisdiction FROM users WHERE name = $1",
        )
        .bind(&request.name)
        .fetch_optional(&mut *tx)
        .await?;
        let user = match existing {
            Some(row) => {
                let user = user_from_row(&row)?;
                if user.role != request.role
                    || user.organisation_id != organisation_id
                    || user.jurisdiction != request.jurisdiction
                {
                    return Err(StoreError::Conflict(format!(
                        "user `{}` exists with another role, organisation or jurisdiction",
                        request.name
                    )));
                }
                user
            }
            None => {
                let row = sqlx::query(
                    "INSERT INTO users (name, organisation_id, role, jurisdiction, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&request.name)
                .bind(organisation_id)
                .bind(request.role.as_str())
                .bind(request.jurisdiction.as_deref())
                .bind(&at)
                .fetch_one(&mut *tx)
                .await?;
                User {
                    id: row.try_get(0)?,
                    name: request.name.clone(),
                    organisation_id,
                    role: request.role,
                    jurisdiction: request.jurisdiction.clone(),
                }
            }
        };
        let mut secret = [0u8; 24];
        getrandom::fill(&mut secret)
            .map_err(|e| StoreError::Invalid(format!("the system's random source failed: {e}")))?;
        let token = format!(
            "accord_{}",
            secret
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let prefix = token[..15].to_string();
        sqlx::query(
            "INSERT INTO tokens (user_id, hash, prefix, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user.id)
        .bind(sha256_hex(token.as_bytes()))
        .bind(&prefix)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            "cli",
            "token.create",
            "user",
            &user.id.to_string(),
            serde_json::json!({"name": user.name, "role": user.role.as_str(), "prefix": prefix,
                "organisation": request.organisation, "jurisdiction": user.jurisdiction}),
        )
        .await?;
        tx.commit().await?;
        Ok((user, token))
    }

    /// Revokes a token by its full value or its prefix, or every token of a user by name.
    pub async fn revoke_tokens(&self, token_or_name: &str) -> Result<u64> {
        let mut tx = self.begin().await?;
        let at = now();
        let hash = sha256_hex(token_or_name.as_bytes());
        let done = sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND \
             (hash = $2 OR prefix = $3 OR user_id IN (SELECT id FROM users WHERE name = $3))",
        )
        .bind(&at)
        .bind(&hash)
        .bind(token_or_name)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::NotFound(format!(
                "an active token or user `{token_or_name}`"
            )));
        }
        audit::append(
            &mut tx,
            self.backend,
            "cli",
            "token.revoke",
            "token",
            token_or_name.get(..15).unwrap_or(token_or_name),
            serde_json::json!({"revoked": done}),
        )
        .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// The actor behind a bearer token, if the token is known and not revoked.
    pub async fn authenticate(&self, token: &str) -> Result<Option<User>> {
        if !token.starts_with("accord_") || token.len() > 128 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT u.id, u.name, u.organisation_id, u.role, u.jurisdiction FROM tokens t \
             JOIN users u ON u.id = t.user_id WHERE t.hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(sha256_hex(token.as_bytes()))
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| user_from_row(&r)).transpose()
    }

    pub async fn organisation_name(&self, id: i64) -> Result<String> {
        let row = sqlx::query("SELECT name FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        match row {
            Some(r) => Ok(r.try_get(0)?),
            None => Err(StoreError::NotFound(format!("organisation {id}"))),
        }
    }

    // ---- systems and profiles ---------------------------------------------------------

    /// Registers a system with its first profile version.
    pub async fn create_system(
        &self,
        actor: &User,
        organisation_id: i64,
        name: &str,
        document: &str,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let at = now();
        let row = sqlx::query(
            "INSERT INTO systems (organisation_id, name, latest_version, created_at, updated_at) \
             VALUES ($1, $2, 1, $3, $3) RETURNING id",
        )
        .bind(organisation_id)
        .bind(name)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        insert_profile(&mut tx, id, 1, document, actor.id, &at).await?;
        audit::append(
            &mut tx,
            self.backend,
            &actor.name,
            "system.create",
            "system",
            &id.to_string(),
            serde_json::json!({"name": name, "profile_digest": sha256_hex(document.as_bytes())}),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stores a new profile version of a system; returns the version number.
    pub async fn add_profile(
        &self,
        actor: &User,
        system_id: i64,
        name: &str,
        document: &str,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let at = now();
        let row = sqlx::query(
            "UPDATE systems SET latest_version = latest_version + 1, name = $1, updated_at = $2 \
             WHERE id = $3 RETURNING latest_version",
        )
        .bind(name)
        .bind(&at)
        .bind(system_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("system {system_id}")))?;
        let version: i64 = row.try_get(0)?;
        insert_profile(&mut tx, system_id, version, document, actor.id, &at).await?;
        audit::append(
            &mut tx,
            self.backend,
            &actor.name,
            "profile.create",
            "system",
            &system_id.to_string(),
            serde_json::json!({"version": version, "profile_digest": sha256_hex(document.as_bytes())}),
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    pub async fn system(&self, id: i64) -> Result<Option<System>> {
        let row = sqlx::query(
            "SELECT s.id, s.organisation_id, o.name, s.name, s.latest_version, s.created_at, s.updated_at \
             FROM systems s JOIN organisations o ON o.id = s.organisation_id WHERE s.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| system_from_row(&r)).transpose()
    }

    /// Systems, newest first; only an organisation's own when `organisation` is given.
    pub async fn systems(&self, organisation: Option<i64>, page: Page) -> Result<Vec<System>> {
        let rows = sqlx::query(
            "SELECT s.id, s.organisation_id, o.name, s.name, s.latest_version, s.created_at, s.updated_at \
             FROM systems s JOIN organisations o ON o.id = s.organisation_id \
             WHERE ($1 < 0 OR s.organisation_id = $1) AND s.id < $2 ORDER BY s.id DESC LIMIT $3",
        )
        .bind(organisation.unwrap_or(-1))
        .bind(page.before.unwrap_or(i64::MAX))
        .bind(page.limit())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(system_from_row).collect()
    }

    /// Every system's id and latest profile version (for re-assessment).
    pub async fn all_latest_profiles(&self) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query("SELECT id, latest_version FROM systems ORDER BY id")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    pub async fn profile(&self, system_id: i64, version: i64) -> Result<Option<ProfileVersion>> {
        let row = sqlx::query(
            "SELECT system_id, version, document, digest, created_at FROM profiles \
             WHERE system_id = $1 AND version = $2",
        )
        .bind(system_id)
        .bind(version)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(ProfileVersion {
                system_id: r.try_get(0)?,
                version: r.try_get(1)?,
                document: r.try_get(2)?,
                digest: r.try_get(3)?,
                created_at: r.try_get(4)?,
            })
        })
        .transpose()
    }

    // ---- assessments ------------------------------------------------------------------

    /// Stores an assessment computed by the server (not audited: it is derived data).
    pub async fn save_assessment(&self, a: &NewAssessment<'_>) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO assessments (system_id, profile_version, as_of, rules_digest, rulepacks, result, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(a.system_id)
        .bind(a.profile_version)
        .bind(a.as_of)
        .bind(a.rules_digest)
        .bind(a.rulepacks)
        .bind(a.result)
        .bind(now())
        .fetch_one(&self.write)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The latest stored assessment of a system's profile version.
    pub async fn latest_assessment(
        &self,
        system_id: i64,
        profile_version: i64,
    ) -> Result<Option<StoredAssessment>> {
        let row = sqlx::query(
            "SELECT id, system_id, profile_version, as_of, rules_digest, rulepacks, result, created_at \
             FROM assessments WHERE system_id = $1 AND profile_version = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(system_id)
        .bind(profile_version)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(StoredAssessment {
                id: r.try_get(0)?,
                system_id: r.try_get(1)?,
                profile_version: r.try_get(2)?,
                as_of: r.try_get(3)?,
                rules_digest: r.try_get(4)?,
                rulepacks: r.try_get(5)?,
                result: r.try_get(6)?,
                created_at: r.try_get(7)?,
            })
        })
        .transpose()
    }

    // ---- evidence and attestations ----------------------------------------------------

    /// Stores evidence content-addressed by SHA-256 within an organisation.
    /// Storing the same bytes twice is not an error.
    pub async fn put_evidence(&self, actor: &User, e: &NewEvidence<'_>) -> Result<String> {
        let sha256 = sha256_hex(e.content);
        let mut tx = self.begin().await?;
        let exists =
            sqlx::query("SELECT 1 FROM evidence WHERE organisation_id = $1 AND sha256 = $2")
                .bind(e.organisation_id)
                .bind(&sha256)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if !exists {
            sqlx::query(
                "INSERT INTO evidence (organisation_id, sha256, system_id, name, kind, size, content, created_at, passed, subject_digest, notes) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(e.organisation_id)
            .bind(&sha256)
            .bind(e.system_id)
            .bind(e.name)
            .bind(e.kind)
            .bind(i64::try_from(e.content.len()).unwrap_or(i64::MAX))
            .bind(e.content.to_vec())
            .bind(now())
            .bind(e.passed.map(i64::from))
            .bind(e.subject_digest)
            .bind(serde_json::to_string(e.notes).unwrap_or_else(|_| "[]".into()))
            .execute(&mut *tx)
            .await?;
            audit::append(
                &mut tx,
                self.backend,
                &actor.name,
                "evidence.upload",
                "evidence",
                &sha256,
                serde_json::json!({"name": e.name, "kind": e.kind, "size": e.content.len(), "system": e.system_id, "passed": e.passed}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(sha256)
    }

    pub async fn evidence(
        &self,
        organisation_id: i64,
        sha256: &str,
    ) -> Result<Option<StoredEvidence>> {
        let row = sqlx::query(
            "SELECT sha256, system_id, name, kind, size, content, created_at, passed, subject_digest, notes FROM evidence \
             WHERE organisation_id = $1 AND sha256 = $2",
        )
        .bind(organisation_id)
        .bind(sha256)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| evidence_from_row(&r, true)).transpose()
    }

    /// Evidence attached to a system (without content).
    pub async fn system_evidence(&self, system_id: i64) -> Result<Vec<StoredEvidence>> {
        let rows = sqlx::query(
            "SELECT sha256, system_id, name, kind, size, NULL, created_at, passed, subject_digest, notes FROM evidence \
             WHERE system_id = $1 ORDER BY created_at",
        )
        .bind(system_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| evidence_from_row(r, false)).collect()
    }

    /// Stores an attestation that the server verified on upload.
    pub async fn add_attestation(&self, actor: &User, a: &NewAttestation<'_>) -> Result<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO attestations (system_id, envelope, key_id, issuer, verification, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(a.system_id)
        .bind(a.envelope)
        .bind(a.key_id)
        .bind(a.issuer)
        .bind(a.verification)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        audit::append(
            &mut tx,
            self.backend,
            &actor.name,
            "attestation.upload",
            "attestation",
            &id.to_string(),
            serde_json::json!({"system": a.system_id, "key_id": a.key_id, "issuer": a.issuer,
                "envelope_sha256": sha256_hex(a.envelope.as_bytes())}),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn attestations(&self, system_id: i64) -> Result<Vec<StoredAttestation>> {
        let rows = sqlx::query(
            "SELECT id, system_id, key_id, issuer, verification, created_at FROM attestations \
             WHERE system_id = $1 ORDER BY id",
        )
        .bind(system_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredAttestation {
                    id: r.try_get(0)?,
                    system_id: r.try_get(1)?,
                    key_id: r.try_get(2)?,
                    issuer: r.try_get(3)?,
                    verification: r.try_get(4)?,
                    created_at: r.try_get(5)?,
                })
            })
            .collect()
    }

    pub async fn attestation_envelope(&self, id: i64) -> Result<Option<(i64, String)>> {
        let row = sqlx::query("SELECT system_id, envelope FROM attestations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    // ---- filings ----------------------------------------------------------------------

    /// Files a system's latest profile with a jurisdiction's reviewers.
    pub async fn create_filing(
        &self,
        actor: &User,
        system_id: i64,
        jurisdiction: &str,
    ) -> Result<Filing> {
        let mut tx = self.begin().await?;
        let at = now();
        let version: i64 = sqlx::query("SELECT latest_version FROM systems WHERE id = $1")
            .bind(system_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("system {system_id}")))?
            .try_get(0)?;
        let open = sqlx::query(
            "SELECT id FROM filings WHERE system_id = $1 AND jurisdiction = $2 \
             AND status IN ('submitted', 'under-review')",
        )
        .bind(system_id)
        .bind(jurisdiction)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = open {
            let id: i64 = row.try_get(0)?;
            return Err(StoreError::Conflict(format!(
                "filing {id} for {jurisdiction} is still open; wait for its review"
            )));
        }
        let row = sqlx::query(
            "INSERT INTO filings (system_id, jurisdiction, profile_version, status, submitted_by, published, created_at, updated_at) \
             VALUES ($1, $2, $3, 'submitted', $4, 0, $5, $5) RETURNING id",
        )
        .bind(system_id)
        .bind(jurisdiction)
        .bind(version)
        .bind(actor.id)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        sqlx::query(
            "INSERT INTO filing_events (filing_id, actor, from_status, to_status, comment, created_at) \
             VALUES ($1, $2, NULL, 'submitted', '', $3)",
        )
        .bind(id)
        .bind(actor.id)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            &actor.name,
            "filing.submit",
            "filing",
            &id.to_string(),
            serde_json::json!({"system": system_id, "jurisdiction": jurisdiction, "profile_version": version}),
        )
        .await?;
        tx.commit().await?;
        self.filing(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("filing {id}")))
    }

    /// Moves a filing to another status with a comment. The caller has checked
    /// that the actor may; the store checks that the move exists and that the
    /// filing is still where the caller saw it (`from`).
    pub async fn transition_filing(
        &self,
        actor: &User,
        id: i64,
        from: FilingStatus,
        to: FilingStatus,
        comment: &str,
    ) -> Result<Filing> {
        if !from.can_move_to(to) {
            return Err(StoreError::Conflict(format!(
                "a filing cannot move from {} to {}",
                from.as_str(),
                to.as_str()
            )));
        }
        let mut tx = self.begin().await?;
        let at = now();
        let published = i64::from(to == FilingStatus::Approved);
        let done = sqlx::query(
            "UPDATE filings SET status = $1, published = $2, updated_at = $3 WHERE id = $4 AND status = $5",
        )
        .bind(to.as_str())
        .bind(published)
        .bind(&at)
        .bind(id)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::Conflict(format!(
                "filing {id} is no longer {}; reload it",
                from.as_str()
            )));
        }
        sqlx::query(
            "INSERT INTO filing_events (filing_id, actor, from_status, to_status, comment, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(actor.id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(comment)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            &actor.name,
            &format!("filing.{}", to.as_str()),
            "filing",
            &id.to_string(),
            serde_json::json!({"from": from.as_str(), "to": to.as_str(), "comment": comment}),
        )
        .await?;
        tx.commit().await?;
        self.filing(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("filing {id}")))
    }

    pub async fn filing(&self, id: i64) -> Result<Option<Filing>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{FILING_SELECT} WHERE f.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| filing_from_row(&r)).transpose()
    }

    /// Filings, newest first, filtered.
    pub async fn filings(&self, filter: &FilingFilter, page: Page) -> Result<Vec<Filing>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{FILING_SELECT} WHERE ($1 < 0 OR s.organisation_id = $1) AND ($2 = '' OR f.jurisdiction = $2) \
             AND ($3 = '' OR f.status = $3) AND ($4 < 0 OR f.system_id = $4) AND ($5 = 0 OR f.published = 1) \
             AND f.id < $6 ORDER BY f.id DESC LIMIT $7"
        )))
        .bind(filter.organisation.unwrap_or(-1))
        .bind(filter.jurisdiction.as_deref().unwrap_or(""))
        .bind(filter.status.map(FilingStatus::as_str).unwrap_or(""))
        .bind(filter.system.unwrap_or(-1))
        .bind(i64::from(filter.published_only))
        .bind(page.before.unwrap_or(i64::MAX))
        .bind(page.limit())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(filing_from_row).collect()
    }

    pub async fn filing_events(&self, filing_id: i64) -> Result<Vec<FilingEvent>> {
        let rows = sqlx::query(
            "SELECT e.id, e.filing_id, u.name, u.role, e.from_status, e.to_status, e.comment, e.created_at \
             FROM filing_events e JOIN users u ON u.id = e.actor WHERE e.filing_id = $1 ORDER BY e.id",
        )
        .bind(filing_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FilingEvent {
                    id: r.try_get(0)?,
                    filing_id: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    actor_role: r.try_get(3)?,
                    from_status: r.try_get(4)?,
                    to_status: r.try_get(5)?,
                    comment: r.try_get(6)?,
                    created_at: r.try_get(7)?,
                })
            })
            .collect()
    }

    // ---- law-change impact ------------------------------------------------------------

    /// The rule set last loaded, if any: (rules digest, rulepacks JSON).
    pub async fn last_rule_load(&self) -> Result<Option<(String, String)>> {
        let row =
            sqlx::query("SELECT rules_digest, rulepacks FROM rule_loads ORDER BY id DESC LIMIT 1")
                .fetch_optional(&self.read)
                .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    pub async fn record_rule_load(&self, rules_digest: &str, rulepacks: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO rule_loads (rules_digest, rulepacks, loaded_at) VALUES ($1, $2, $3)",
        )
        .bind(rules_digest)
        .bind(rulepacks)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.backend,
            "server",
            "rules.load",
            "rules",
            rules_digest,
            serde_json::from_str(rulepacks).unwrap_or(serde_json::Value::Null),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn record_impact(&self, impact: &NewImpact<'_>) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO impacts (system_id, from_digest, to_digest, changes, change_count, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(impact.system_id)
        .bind(impact.from_digest)
        .bind(impact.to_digest)
        .bind(impact.changes)
        .bind(impact.change_count)
        .bind(now())
        .fetch_one(&self.write)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Recorded impacts, newest first; only an organisation's systems when given.
    pub async fn impacts(&self, organisation: Option<i64>, page: Page) -> Result<Vec<Impact>> {
        let rows = sqlx::query(
            "SELECT i.id, i.system_id, s.name, i.from_digest, i.to_digest, i.changes, i.change_count, i.created_at \
             FROM impacts i JOIN systems s ON s.id = i.system_id \
             WHERE ($1 < 0 OR s.organisation_id = $1) AND i.id < $2 ORDER BY i.id DESC LIMIT $3",
        )
        .bind(organisation.unwrap_or(-1))
        .bind(page.before.unwrap_or(i64::MAX))
        .bind(page.limit())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(impact_from_row).collect()
    }

    /// Impacts on systems filed in any of these jurisdictions (a reviewer's view), newest first.
    pub async fn impacts_filed_in(
        &self,
        jurisdictions: &[String],
        page: Page,
    ) -> Result<Vec<Impact>> {
        // One comma-separated parameter keeps the query the same on both backends.
        let list = format!(",{},", jurisdictions.join(","));
        let rows = sqlx::query(
            "SELECT i.id, i.system_id, s.name, i.from_digest, i.to_digest, i.changes, i.change_count, i.created_at \
             FROM impacts i JOIN systems s ON s.id = i.system_id \
             WHERE EXISTS (SELECT 1 FROM filings f WHERE f.system_id = i.system_id \
                           AND $1 LIKE ('%,' || f.jurisdiction || ',%')) \
             AND i.id < $2 ORDER BY i.id DESC LIMIT $3",
        )
        .bind(list)
        .bind(page.before.unwrap_or(i64::MAX))
        .bind(page.limit())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(impact_from_row).collect()
    }

    /// Every jurisdiction something was filed with.
    pub async fn filing_jurisdictions(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT jurisdiction FROM filings ORDER BY jurisdiction")
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// The digests (`sha256:…`) of every stored profile version of a system.
    pub async fn profile_digests(&self, system_id: i64) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT version, digest FROM profiles WHERE system_id = $1 ORDER BY version",
        )
        .bind(system_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    // ---- audit ------------------------------------------------------------------------

    /// Walks the whole audit log and checks its hash chain.
    pub async fn verify_audit_log(&self) -> Result<audit::Verification> {
        audit::verify(&self.read).await
    }

    /// The newest audit entries, for the admin view.
    pub async fn audit_entries(&self, page: Page) -> Result<Vec<audit::Entry>> {
        audit::entries(&self.read, page).await
    }

    /// Runs a statement against the write pool (tests that tamper with the log use it).
    #[doc(hidden)]
    pub async fn execute_raw(&self, sql: &str) -> Result<u64> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&self.write)
            .await?
            .rows_affected())
    }
}

const FILING_SELECT: &str = "SELECT f.id, f.system_id, s.name, s.organisation_id, o.name, f.jurisdiction, \
     f.profile_version, f.status, f.submitted_by, f.published, f.created_at, f.updated_at \
     FROM filings f JOIN systems s ON s.id = f.system_id JOIN organisations o ON o.id = s.organisation_id";

fn sqlite_url(url: &str) -> String {
    if url.contains(":memory:") {
        return url.to_string();
    }
    let mut url = if url.starts_with("sqlite://") {
        url.to_string()
    } else {
        url.replacen("sqlite:", "sqlite://", 1)
    };
    if !url.contains("mode=") {
        url.push_str(if url.contains('?') {
            "&mode=rwc"
        } else {
            "?mode=rwc"
        });
    }
    url
}

async fn sqlite_pool(url: &str, size: u32) -> Result<AnyPool> {
    Ok(AnyPoolOptions::new()
        .max_connections(size)
        .min_connections(1)
        .after_connect(|conn, _| {
            Box::pin(async move {
                for pragma in [
                    "PRAGMA foreign_keys = ON",
                    "PRAGMA busy_timeout = 10000",
                    // Every acknowledged write survives a crash or power loss.
                    "PRAGMA synchronous = FULL",
                ] {
                    sqlx::query(pragma).execute(&mut *conn).await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?)
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

async fn organisation_id(tx: &mut Transaction<'static, Any>, name: &str, at: &str) -> Result<i64> {
    if let Some(row) = sqlx::query("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?
    {
        return Ok(row.try_get(0)?);
    }
    let row =
        sqlx::query("INSERT INTO organisations (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(at)
            .fetch_one(&mut **tx)
            .await?;
    Ok(row.try_get(0)?)
}

async fn insert_profile(
    tx: &mut Transaction<'static, Any>,
    system_id: i64,
    version: i64,
    document: &str,
    user_id: i64,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO profiles (system_id, version, document, digest, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(system_id)
    .bind(version)
    .bind(document)
    .bind(format!("sha256:{}", sha256_hex(document.as_bytes())))
    .bind(user_id)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn user_from_row(r: &AnyRow) -> Result<User> {
    let role: String = r.try_get(3)?;
    Ok(User {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        organisation_id: r.try_get(2)?,
        role: Role::from_str(&role).map_err(StoreError::Invalid)?,
        jurisdiction: r.try_get(4)?,
    })
}

fn system_from_row(r: &AnyRow) -> Result<System> {
    Ok(System {
        id: r.try_get(0)?,
        organisation_id: r.try_get(1)?,
        organisation: r.try_get(2)?,
        name: r.try_get(3)?,
        latest_version: r.try_get(4)?,
        created_at: r.try_get(5)?,
        updated_at: r.try_get(6)?,
    })
}

fn impact_from_row(r: &AnyRow) -> Result<Impact> {
    Ok(Impact {
        id: r.try_get(0)?,
        system_id: r.try_get(1)?,
        system_name: r.try_get(2)?,
        from_digest: r.try_get(3)?,
        to_digest: r.try_get(4)?,
        changes: r.try_get(5)?,
        change_count: r.try_get(6)?,
        created_at: r.try_get(7)?,
    })
}

fn evidence_from_row(r: &AnyRow, with_content: bool) -> Result<StoredEvidence> {
    Ok(StoredEvidence {
        sha256: r.try_get(0)?,
        system_id: r.try_get(1)?,
        name: r.try_get(2)?,
        kind: r.try_get(3)?,
        size: r.try_get(4)?,
        content: if with_content {
            r.try_get(5)?
        } else {
            Vec::new()
        },
        created_at: r.try_get(6)?,
        passed: r.try_get::<Option<i64>, _>(7)?.map(|p| p != 0),
        subject_digest: r.try_get(8)?,
        notes: serde_json::from_str(&r.try_get::<String, _>(9)?).unwrap_or_default(),
    })
}

fn filing_from_row(r: &AnyRow) -> Result<Filing> {
    let status: String = r.try_get(7)?;
    let published: i64 = r.try_get(9)?;
    Ok(Filing {
        id: r.try_get(0)?,
        system_id: r.try_get(1)?,
        system_name: r.try_get(2)?,
        organisation_id: r.try_get(3)?,
        organisation: r.try_get(4)?,
        jurisdiction: r.try_get(5)?,
        profile_version: r.try_get(6)?,
        status: FilingStatus::from_str(&status).map_err(StoreError::Invalid)?,
        submitted_by: r.try_get(8)?,
        published: published != 0,
        created_at: r.try_get(10)?,
        updated_at: r.try_get(11)?,
    })
}
