#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! Test support: the databases a test suite runs against.
//!
//! SQLite always (a fresh file in a temporary folder). PostgreSQL when
//! `ACCORD_TEST_POSTGRES` names a server URL (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`): each call creates a fresh
//! database there. With `ACCORD_REQUIRE_POSTGRES=1` (CI), a missing
//! PostgreSQL is an error rather than a skip.

use sqlx::Connection;

/// A database for one test; dropping it removes a PostgreSQL database.
pub struct TestDatabase {
    pub url: String,
    pub label: &'static str,
    _dir: Option<TempDir>,
    admin: Option<(String, String)>,
}

/// A temporary folder that removes itself.
pub struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.admin.take() {
            // Drop may run inside a runtime, which cannot block: use a thread of its own.
            let cleanup = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(async move {
                        let dropped = match sqlx::AnyConnection::connect(&admin).await {
                            Ok(mut conn) => sqlx::query(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .execute(&mut conn)
                            .await
                            .map(|_| ()),
                            Err(e) => Err(e),
                        };
                        if let Err(e) = dropped {
                            eprintln!("could not drop test database {name}: {e}");
                        }
                    });
                }
            });
            let _ = cleanup.join();
        }
    }
}

fn unique() -> String {
    let mut bytes = [0u8; 6];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh SQLite database file.
pub fn sqlite() -> TestDatabase {
    let dir = std::env::temp_dir().join(format!("accord-test-{}", unique()));
    let _ = std::fs::create_dir_all(&dir);
    TestDatabase {
        url: format!("sqlite://{}", dir.join("registry.db").display()),
        label: "sqlite",
        _dir: Some(TempDir(dir)),
        admin: None,
    }
}

/// A fresh PostgreSQL database, or `None` (with a message) when none is configured.
pub async fn postgres() -> Option<TestDatabase> {
    let admin = match std::env::var("ACCORD_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            assert!(
                std::env::var_os("ACCORD_REQUIRE_POSTGRES").is_none_or(|v| v != "1"),
                "ACCORD_REQUIRE_POSTGRES=1 but ACCORD_TEST_POSTGRES is not set"
            );
            eprintln!(
                "\n*** PostgreSQL suite skipped: set ACCORD_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres to run it ***\n"
            );
            return None;
        }
    };
    sqlx::any::install_default_drivers();
    let name = format!("accord_test_{}", unique());
    let mut conn = sqlx::AnyConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to ACCORD_TEST_POSTGRES ({admin}): {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
    let base = match admin.rfind('/') {
        Some(i) if admin[..i].contains("://") && i > admin.find("://").map_or(0, |s| s + 2) => {
            &admin[..i]
        }
        _ => admin.as_str(),
    };
    Some(TestDatabase {
        url: format!("{base}/{name}"),
        label: "postgres",
        _dir: None,
        admin: Some((admin.clone(), name)),
    })
}

/// Every configured backend: SQLite, and PostgreSQL when configured.
pub async fn all() -> Vec<TestDatabase> {
    let mut out = vec![sqlite()];
    out.extend(postgres().await);
    out
}
