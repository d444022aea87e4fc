//! `accord serve`, `accord token` and `accord audit-log`: the registry.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use accord_store::{NewToken, Role, Store};

use crate::output::{Diagnostics, emit};
use crate::{RuleOptions, input};

/// The database, from --database, $ACCORD_DATABASE, or a SQLite file here.
#[derive(Args, Debug, Clone)]
pub struct DatabaseArg {
    /// `sqlite://PATH` (created on first use) or `postgres://USER@HOST/DB`.
    /// Default: $ACCORD_DATABASE, else sqlite://accord-registry.db.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

impl DatabaseArg {
    fn url(&self) -> String {
        self.database
            .clone()
            .or_else(|| {
                std::env::var("ACCORD_DATABASE")
                    .ok()
                    .filter(|u| !u.is_empty())
            })
            .unwrap_or_else(|| accord_store::DEFAULT_DATABASE.to_string())
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    database: DatabaseArg,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Accept attestations signed by the issuers of this recognition agreement.
    #[arg(long = "trust", value_name = "AGREEMENT")]
    trust: Vec<PathBuf>,
    /// Requests a minute allowed per token (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 600)]
    rate_limit: u32,
    /// Allow browser pages from this origin to call the API (CORS); off by default.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,
    #[command(flatten)]
    rules: RuleOptions,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a user's API token (printed once, alone on the last line; stored hashed).
    Create(TokenCreateArgs),
    /// Revoke a token (by its value or prefix), or every token of a user (by name).
    Revoke(TokenRevokeArgs),
}

#[derive(Args, Debug)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    database: DatabaseArg,
    /// provider, reviewer or admin.
    #[arg(long, value_name = "ROLE")]
    role: String,
    /// The user's name (created if new).
    #[arg(long, value_name = "NAME")]
    name: String,
    /// A provider's organisation (created if new).
    #[arg(long, value_name = "ORG")]
    organisation: Option<String>,
    /// The jurisdiction a reviewer reviews (EU, CN, US-NY-NYC, …).
    #[arg(long, value_name = "J")]
    jurisdiction: Option<String>,
}

#[derive(Args, Debug)]
pub struct TokenRevokeArgs {
    #[command(flatten)]
    database: DatabaseArg,
    /// A token, its first 15 characters, or a user's name.
    #[arg(value_name = "TOKEN|NAME")]
    what: String,
}

#[derive(Subcommand, Debug)]
pub enum AuditLogCommand {
    /// Check the audit log's hash chain: any edited or deleted entry is reported.
    Verify(AuditVerifyArgs),
}

#[derive(Args, Debug)]
pub struct AuditVerifyArgs {
    #[command(flatten)]
    database: DatabaseArg,
    /// The head hash recorded earlier: also detects deleted newest entries.
    #[arg(long, value_name = "HASH")]
    expect_head: Option<String>,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

async fn open(url: &str) -> anyhow::Result<Store> {
    Store::open(url).await.map_err(|e| {
        let hint = if url.starts_with("postgres") {
            " (is PostgreSQL running and the database created? `createdb NAME`)"
        } else {
            ""
        };
        anyhow::anyhow!("Cannot open the registry database `{url}`: {e}{hint}")
    })
}

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let rules = input::rules(&args.rules)?;
    let controls: Vec<&str> = rules
        .catalogue
        .controls
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let mut agreements = Vec::new();
    for path in &args.trust {
        let text = input::read_text(path)?;
        agreements.push(
            accord_attest::Agreement::parse(
                &text,
                &path.display().to_string(),
                &controls,
                accord_rules::pack::EVIDENCE_KINDS,
            )
            .map_err(Diagnostics)?,
        );
    }
    let url = args.database.url();
    runtime()?.block_on(async move {
        let store = open(&url).await?;
        let state = accord_server::AppState::new(store.clone(), rules, agreements, args.rate_limit);
        let summary = accord_server::impact::reassess(&state, false)
            .await
            .map_err(|e| anyhow::anyhow!("re-assessing the registry failed: {}", e.message))?;
        if summary.from.is_some() && summary.from.as_deref() != Some(summary.to.as_str()) {
            eprintln!(
                "rulepacks changed: re-assessed {} system(s), {} changed (see /impact)",
                summary.systems, summary.changed
            );
        }
        let config = accord_server::Config {
            bind: args.bind,
            rate_limit: args.rate_limit,
            cors_origins: args.cors_origins,
        };
        let shown = store.url().to_string();
        accord_server::serve(state, config, |addr| {
            eprintln!("Accord registry on http://{addr}/ (database {shown}); Ctrl-C stops it");
        })
        .await
        .map_err(|e| anyhow::anyhow!("Cannot serve on {}: {e}", args.bind))?;
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn token(command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create(args) => {
            let role: Role = args.role.parse().map_err(|m: String| {
                Diagnostics::from(accord_model::Diagnostic::new("--role", None, m))
            })?;
            if let Some(j) = &args.jurisdiction {
                input::jurisdictions(std::slice::from_ref(j))?;
            }
            let url = args.database.url();
            runtime()?.block_on(async move {
                let store = open(&url).await?;
                let (user, token) = store
                    .create_token(&NewToken {
                        name: args.name,
                        role,
                        organisation: args.organisation,
                        jurisdiction: args.jurisdiction,
                    })
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                store.close().await;
                eprintln!(
                    "created a {} token for `{}`{}; it is shown once, on the next line:",
                    user.role.as_str(),
                    user.name,
                    user.jurisdiction
                        .as_deref()
                        .map(|j| format!(" (reviews {j})"))
                        .unwrap_or_default()
                );
                emit(None, &format!("{token}\n"))?;
                Ok(ExitCode::SUCCESS)
            })
        }
        TokenCommand::Revoke(args) => {
            let url = args.database.url();
            runtime()?.block_on(async move {
                let store = open(&url).await?;
                let n = store
                    .revoke_tokens(&args.what)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                store.close().await;
                emit(None, &format!("revoked {n} token(s)\n"))?;
                Ok(ExitCode::SUCCESS)
            })
        }
    }
}

pub fn audit_log(command: AuditLogCommand) -> anyhow::Result<ExitCode> {
    let AuditLogCommand::Verify(args) = command;
    let url = args.database.url();
    runtime()?.block_on(async move {
        let store = open(&url).await?;
        let v = store
            .verify_audit_log()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        store.close().await;
        let mut problems = v.problems.clone();
        if let Some(expected) = &args.expect_head
            && expected != &v.head
        {
            problems.push(format!(
                "the head is {} but {expected} was expected: entries after it were deleted, or the log was replaced",
                v.head
            ));
        }
        let mut out = String::new();
        for p in &problems {
            out.push_str(&format!("✗ {p}\n"));
        }
        out.push_str(&format!(
            "{} {} entries; head {}\n",
            if problems.is_empty() { "✓ intact:" } else { "✗ TAMPERED:" },
            v.entries,
            v.head
        ));
        emit(None, &out)?;
        Ok(if problems.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}
