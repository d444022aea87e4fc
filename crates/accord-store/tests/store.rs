//! The store on every configured backend: SQLite always, PostgreSQL when
//! ACCORD_TEST_POSTGRES is set (CI sets it and ACCORD_REQUIRE_POSTGRES=1).

use accord_store::testing;
use accord_store::{
    FilingFilter, FilingStatus, NewEvidence, NewToken, Page, Role, Store, StoreError,
};

async fn stores() -> Vec<(testing::TestDatabase, Store)> {
    let mut out = Vec::new();
    for db in testing::all().await {
        let store = Store::open(&db.url)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", db.label));
        out.push((db, store));
    }
    out
}

fn token(name: &str, role: Role, org: Option<&str>, j: Option<&str>) -> NewToken {
    NewToken {
        name: name.into(),
        role,
        organisation: org.map(Into::into),
        jurisdiction: j.map(Into::into),
    }
}

const PROFILE: &str = r#"{"accord":"profile/v1","name":"HireRank"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_authenticate_until_revoked() {
    for (db, store) in stores().await {
        let (user, secret) = store
            .create_token(&token("acme-bot", Role::Provider, Some("Acme"), None))
            .await
            .unwrap();
        assert!(
            secret.starts_with("accord_") && secret.len() == 55,
            "{}",
            db.label
        );
        let who = store.authenticate(&secret).await.unwrap().expect("known");
        assert_eq!(who, user, "{}", db.label);
        assert!(store.authenticate("accord_nope").await.unwrap().is_none());
        // A second token for the same user; revoking by name revokes both.
        let (_, second) = store
            .create_token(&token("acme-bot", Role::Provider, Some("Acme"), None))
            .await
            .unwrap();
        assert_eq!(
            store.revoke_tokens("acme-bot").await.unwrap(),
            2,
            "{}",
            db.label
        );
        assert!(store.authenticate(&secret).await.unwrap().is_none());
        assert!(store.authenticate(&second).await.unwrap().is_none());
        assert!(matches!(
            store.revoke_tokens("acme-bot").await,
            Err(StoreError::NotFound(_))
        ));
        // Role rules.
        assert!(
            store
                .create_token(&token("r", Role::Reviewer, None, None))
                .await
                .is_err()
        );
        assert!(
            store
                .create_token(&token("p", Role::Provider, None, None))
                .await
                .is_err()
        );
        assert!(matches!(
            store
                .create_token(&token("acme-bot", Role::Admin, None, None))
                .await,
            Err(StoreError::Conflict(_))
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn systems_filings_and_the_register() {
    for (db, store) in stores().await {
        let label = db.label;
        let (provider, _) = store
            .create_token(&token("acme", Role::Provider, Some("Acme"), None))
            .await
            .unwrap();
        let (reviewer, _) = store
            .create_token(&token("eu-reviewer", Role::Reviewer, None, Some("EU")))
            .await
            .unwrap();
        let org = provider.organisation_id.unwrap();
        let id = store
            .create_system(&provider, org, "HireRank", PROFILE)
            .await
            .unwrap();
        let system = store.system(id).await.unwrap().unwrap();
        assert_eq!(
            (
                system.name.as_str(),
                system.latest_version,
                system.organisation.as_str()
            ),
            ("HireRank", 1, "Acme"),
            "{label}"
        );
        let v2 = store
            .add_profile(&provider, id, "HireRank 2", PROFILE)
            .await
            .unwrap();
        assert_eq!(v2, 2);
        assert_eq!(
            store.profile(id, 2).await.unwrap().unwrap().document,
            PROFILE
        );
        assert!(store.profile(id, 3).await.unwrap().is_none());

        let filing = store.create_filing(&provider, id, "EU").await.unwrap();
        assert_eq!(
            (filing.status, filing.profile_version, filing.published),
            (FilingStatus::Submitted, 2, false)
        );
        // One open filing per jurisdiction.
        assert!(
            matches!(
                store.create_filing(&provider, id, "EU").await,
                Err(StoreError::Conflict(_))
            ),
            "{label}"
        );
        // Not on the register until approved.
        let public = FilingFilter {
            published_only: true,
            ..FilingFilter::default()
        };
        assert!(
            store
                .filings(&public, Page::default())
                .await
                .unwrap()
                .is_empty()
        );
        let f = store
            .transition_filing(
                &reviewer,
                filing.id,
                FilingStatus::Submitted,
                FilingStatus::UnderReview,
                "looking",
            )
            .await
            .unwrap();
        assert_eq!(f.status, FilingStatus::UnderReview);
        // A stale `from` is refused; an impossible move is refused.
        assert!(matches!(
            store
                .transition_filing(
                    &reviewer,
                    filing.id,
                    FilingStatus::Submitted,
                    FilingStatus::Approved,
                    ""
                )
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            store
                .transition_filing(
                    &reviewer,
                    filing.id,
                    FilingStatus::Approved,
                    FilingStatus::Submitted,
                    ""
                )
                .await,
            Err(StoreError::Conflict(_))
        ));
        let f = store
            .transition_filing(
                &reviewer,
                filing.id,
                FilingStatus::UnderReview,
                FilingStatus::Approved,
                "meets Art. 49",
            )
            .await
            .unwrap();
        assert!(f.published, "{label}");
        let register = store.filings(&public, Page::default()).await.unwrap();
        assert_eq!(register.len(), 1);
        assert_eq!(register[0].system_name, "HireRank 2");
        let events = store.filing_events(filing.id).await.unwrap();
        let path: Vec<&str> = events.iter().map(|e| e.to_status.as_str()).collect();
        assert_eq!(path, ["submitted", "under-review", "approved"], "{label}");
        assert_eq!(events[2].comment, "meets Art. 49");

        // Filters and pagination.
        for i in 0..5 {
            store
                .create_system(&provider, org, &format!("S{i}"), PROFILE)
                .await
                .unwrap();
        }
        let first = store
            .systems(
                Some(org),
                Page {
                    limit: Some(4),
                    before: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(first.len(), 4);
        let rest = store
            .systems(
                Some(org),
                Page {
                    limit: Some(4),
                    before: Some(first[3].id),
                },
            )
            .await
            .unwrap();
        assert_eq!(rest.len(), 2, "{label}");
        assert!(
            store
                .systems(Some(org + 1000), Page::default())
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_is_content_addressed() {
    for (db, store) in stores().await {
        let (provider, _) = store
            .create_token(&token("acme", Role::Provider, Some("Acme"), None))
            .await
            .unwrap();
        let org = provider.organisation_id.unwrap();
        let id = store
            .create_system(&provider, org, "S", PROFILE)
            .await
            .unwrap();
        let e = NewEvidence {
            organisation_id: org,
            system_id: Some(id),
            name: "audit.json",
            kind: "fairness-audit",
            content: b"{\"x\":1}",
            passed: Some(false),
            subject_digest: Some("sha256:abc"),
            notes: &["failed: impact_ratio_min = 0.43".to_string()],
        };
        let a = store.put_evidence(&provider, &e).await.unwrap();
        let b = store.put_evidence(&provider, &e).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        let stored = store.evidence(org, &a).await.unwrap().unwrap();
        assert_eq!(stored.content, b"{\"x\":1}", "{}", db.label);
        // Issue 9: the judged result and the subject are kept with the file.
        assert_eq!(stored.passed, Some(false), "{}", db.label);
        assert_eq!(stored.subject_digest.as_deref(), Some("sha256:abc"));
        assert_eq!(stored.notes, ["failed: impact_ratio_min = 0.43"]);
        assert!(store.evidence(org + 1, &a).await.unwrap().is_none());
        let listed = store.system_evidence(id).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].passed, Some(false), "{}", db.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_chains_every_write_and_detects_tampering() {
    for (db, store) in stores().await {
        let label = db.label;
        let (provider, _) = store
            .create_token(&token("acme", Role::Provider, Some("Acme"), None))
            .await
            .unwrap();
        let org = provider.organisation_id.unwrap();
        for i in 0..4 {
            store
                .create_system(&provider, org, &format!("S{i}"), PROFILE)
                .await
                .unwrap();
        }
        let v = store.verify_audit_log().await.unwrap();
        assert!(v.ok(), "{label}: {:?}", v.problems);
        assert_eq!(v.entries, 5, "{label}");
        let entries = store.audit_entries(Page::default()).await.unwrap();
        assert_eq!(entries[0].action, "system.create");
        assert_eq!(entries[0].actor, "acme");

        // The table refuses edits…
        assert!(
            store
                .execute_raw("UPDATE audit_log SET actor = 'x' WHERE seq = 2")
                .await
                .is_err(),
            "{label}"
        );
        assert!(
            store
                .execute_raw("DELETE FROM audit_log WHERE seq = 2")
                .await
                .is_err(),
            "{label}"
        );
        // …and the chain catches edits made around the triggers.
        let drop_triggers = match store.backend() {
            accord_store::Backend::Sqlite => {
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
            }
            accord_store::Backend::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log",
        };
        for statement in drop_triggers.split(';').filter(|s| !s.trim().is_empty()) {
            store.execute_raw(statement).await.unwrap();
        }
        store
            .execute_raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
            .await
            .unwrap();
        let v = store.verify_audit_log().await.unwrap();
        assert_eq!(v.problems.len(), 1, "{label}: {:?}", v.problems);
        assert!(
            v.problems[0].contains("entry 3") && v.problems[0].contains("edited"),
            "{:?}",
            v.problems
        );
        store
            .execute_raw("DELETE FROM audit_log WHERE seq = 4")
            .await
            .unwrap();
        let v = store.verify_audit_log().await.unwrap();
        assert!(
            v.problems
                .iter()
                .any(|p| p.contains("entry 4") && p.contains("missing")),
            "{label}: {:?}",
            v.problems
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_keep_one_chain() {
    for (db, store) in stores().await {
        let (provider, _) = store
            .create_token(&token("acme", Role::Provider, Some("Acme"), None))
            .await
            .unwrap();
        let org = provider.organisation_id.unwrap();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let store = store.clone();
            let provider = provider.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .create_system(&provider, org, &format!("S{i}"), PROFILE)
                    .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let v = store.verify_audit_log().await.unwrap();
        assert!(v.ok(), "{}: {:?}", db.label, v.problems);
        assert_eq!(v.entries, 41);
    }
}
