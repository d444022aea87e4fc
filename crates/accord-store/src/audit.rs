//! The audit log: every write, with actor and time, in an append-only,
//! hash-chained table.
//!
//! Entry `n` stores `hash = SHA-256(prev_hash ‖ seq ‖ at ‖ actor ‖ action ‖
//! entity ‖ entity_id ‖ detail)` (fields separated by U+001F) and `prev_hash`,
//! the hash of entry `n − 1` (64 zeros for the first). Editing any field of a
//! row breaks its hash; deleting a row breaks the sequence or the next row's
//! `prev_hash`. Deleting the newest rows leaves a shorter valid chain: compare
//! the head hash [`verify`] reports with one recorded elsewhere
//! (`accord audit-log verify --expect-head HASH`) to detect that too.
//! Triggers refuse UPDATE and DELETE on the table; the chain catches changes
//! made around them.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyPool, Row, Transaction};

use crate::{Backend, Page, Result};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The result of walking the chain.
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    pub entries: i64,
    /// The last entry's hash (the genesis value for an empty log).
    pub head: String,
    /// Problems found, each naming the entry.
    pub problems: Vec<String>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The hash an entry must carry: over its predecessor's hash and its own fields.
pub fn entry_hash(e: &Entry) -> String {
    let seq = e.seq.to_string();
    let mut h = Sha256::new();
    for (i, part) in [
        e.prev_hash.as_str(),
        &seq,
        &e.at,
        &e.actor,
        &e.action,
        &e.entity,
        &e.entity_id,
        &e.detail,
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends an entry inside the caller's transaction.
pub(crate) async fn append(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    detail: serde_json::Value,
) -> Result<()> {
    if backend == Backend::Postgres {
        // Serialises appenders across connections and server instances until commit.
        sqlx::query("SELECT pg_advisory_xact_lock(727275)")
            .execute(&mut **tx)
            .await?;
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let (seq, prev_hash) = match head {
        Some(row) => (row.try_get::<i64, _>(0)? + 1, row.try_get::<String, _>(1)?),
        None => (1, GENESIS.to_string()),
    };
    let mut e = Entry {
        seq,
        at: crate::now(),
        actor: actor.to_string(),
        action: action.to_string(),
        entity: entity.to_string(),
        entity_id: entity_id.to_string(),
        detail: detail.to_string(),
        prev_hash,
        hash: String::new(),
    };
    e.hash = entry_hash(&e);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.seq)
    .bind(&e.at)
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.entity)
    .bind(&e.entity_id)
    .bind(&e.detail)
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<Entry> {
    Ok(Entry {
        seq: r.try_get(0)?,
        at: r.try_get(1)?,
        actor: r.try_get(2)?,
        action: r.try_get(3)?,
        entity: r.try_get(4)?,
        entity_id: r.try_get(5)?,
        detail: r.try_get(6)?,
        prev_hash: r.try_get(7)?,
        hash: r.try_get(8)?,
    })
}

const SELECT: &str =
    "SELECT seq, at, actor, action, entity, entity_id, detail, prev_hash, hash FROM audit_log";

pub(crate) async fn verify(pool: &AnyPool) -> Result<Verification> {
    let mut problems = Vec::new();
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_string();
    let mut entries = 0i64;
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE seq > $1 ORDER BY seq LIMIT 10000"
        )))
        .bind(after)
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let e = entry_from_row(row)?;
            entries += 1;
            after = e.seq;
            if e.seq != expected_seq {
                problems.push(format!(
                    "entry {expected_seq}{} is missing: the log jumps to entry {}",
                    if e.seq > expected_seq + 1 {
                        format!("–{}", e.seq - 1)
                    } else {
                        String::new()
                    },
                    e.seq
                ));
            }
            if e.prev_hash != prev {
                problems.push(format!(
                    "entry {} does not follow the entry before it (prev_hash {} ≠ {}): an entry was deleted or replaced",
                    e.seq,
                    short(&e.prev_hash),
                    short(&prev)
                ));
            }
            if entry_hash(&e) != e.hash {
                problems.push(format!(
                    "entry {} ({} by {} at {}) was edited: its content no longer matches its hash",
                    e.seq, e.action, e.actor, e.at
                ));
            }
            prev = e.hash;
            expected_seq = e.seq + 1;
        }
    }
    Ok(Verification {
        entries,
        head: prev,
        problems,
    })
}

pub(crate) async fn entries(pool: &AnyPool, page: Page) -> Result<Vec<Entry>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE seq < $1 ORDER BY seq DESC LIMIT $2"
    )))
    .bind(page.before.unwrap_or(i64::MAX))
    .bind(page.limit())
    .fetch_all(pool)
    .await?;
    rows.iter().map(entry_from_row).collect()
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
