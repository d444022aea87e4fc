//! Crash safety of `accord serve`: `kill -9` during a stream of concurrent
//! writes, restart on the same database, and every write the server
//! acknowledged (201) is there, with the audit log's hash chain intact.
//!
//! SQLite always; PostgreSQL too when `ACCORD_TEST_POSTGRES` names a server
//! (a fresh database is created there, as `accord_store::testing` does).
//! The client is plain HTTP/1.1 over `TcpStream`, one connection a request.
//!
//! What it catches: a 201 sent before the transaction commits, writes held in
//! the process (a queue, a batch), a system stored without its profile, a
//! database or WAL that does not reopen, an audit chain broken by concurrent
//! appends. What it cannot: a power loss — the kernel's page cache outlives
//! the process, so `synchronous = FULL` is not what this test proves.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{accord, assert_code, root, stdout};

/// Concurrent writers.
const WRITERS: usize = 16;
/// Kill, restart, check: this many times.
const KILLS: usize = 3;
/// How long the writers write before each kill.
const WRITE_FOR: Duration = Duration::from_millis(1500);
/// And at least this many systems and filings acknowledged before each kill.
const MIN_PER_ROUND: usize = 20;

// ---- a small HTTP/1.1 client -----------------------------------------------------------

struct Reply {
    status: u16,
    body: String,
}

/// Why a request got no complete answer.
#[derive(Debug)]
enum Failure {
    /// Nothing listening (the server is dead or not yet up): nothing was sent.
    Refused,
    /// Sent (or sending) but no complete answer: the server died under it.
    Interrupted(String),
}

fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> Result<Reply, Failure> {
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|_| Failure::Refused)?;
    let interrupted = |e: std::io::Error| Failure::Interrupted(e.to_string());
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(interrupted)?;
    stream
        .set_write_timeout(Some(Duration::from_secs(60)))
        .map_err(interrupted)?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    if let Some(c) = content_type {
        head.push_str(&format!("Content-Type: {c}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).map_err(interrupted)?;
    stream.write_all(body.as_bytes()).map_err(interrupted)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(interrupted)?;
    parse_reply(&raw).ok_or_else(|| {
        Failure::Interrupted(format!(
            "incomplete response ({} bytes): {}",
            raw.len(),
            String::from_utf8_lossy(&raw[..raw.len().min(200)])
        ))
    })
}

/// A complete response, or `None` when it was cut short.
fn parse_reply(raw: &[u8]) -> Option<Reply> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let rest = &raw[end + 4..];
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let (k, v) = line.split_once(':')?;
        let v = v.trim();
        if k.eq_ignore_ascii_case("content-length") {
            length = Some(v.parse::<usize>().ok()?);
        } else if k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
            chunked = true;
        }
    }
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(n) = length {
        if rest.len() != n {
            return None;
        }
        rest.to_vec()
    } else {
        rest.to_vec()
    };
    Some(Reply {
        status,
        body: String::from_utf8(body).ok()?,
    })
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..eol]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        if rest.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

// ---- the server ------------------------------------------------------------------------

/// A running `accord serve`, killed with SIGKILL when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(database: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
            .args([
                "serve",
                "--database",
                database,
                "--bind",
                "127.0.0.1:0",
                "--rate-limit",
                "0",
            ])
            .current_dir(root())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start accord serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let keep = Arc::clone(&log);
        // Reads stderr to its end so that the pipe never fills; reports the address.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line
                    .split("Accord registry on http://")
                    .nth(1)
                    .and_then(|rest| rest.split('/').next())
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(addr.to_string());
                }
                keep.lock().expect("log").push_str(&format!("{line}\n"));
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(a) => a.parse().expect("a socket address"),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "accord serve did not start; stderr:\n{}",
                    log.lock().expect("log")
                );
            }
        };
        Server { child, addr, log }
    }

    /// SIGKILL (`Child::kill` on Unix): no shutdown, no flush, nothing.
    fn kill_9(mut self) {
        self.child.kill().expect("kill -9 the server");
        let status = self.child.wait().expect("reap the server");
        assert!(
            !status.success(),
            "the server should have died of SIGKILL: {status}"
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token(database: &str, args: &[&str]) -> String {
    let mut all = vec!["token", "create", "--database", database];
    all.extend_from_slice(args);
    let o = accord(&all);
    assert_code(&o, 0);
    let token = stdout(&o)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_string();
    assert!(token.starts_with("accord_"), "not a token: {token}");
    token
}

/// `accord audit-log verify` passes; returns the number of entries.
fn audit_intact(database: &str) -> u64 {
    let o = accord(&["audit-log", "verify", "--database", database]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("✓ intact"), "{out}");
    let entries = out
        .split("entries")
        .next()
        .and_then(|s| s.split_whitespace().last())
        .and_then(|n| n.parse().ok());
    entries.unwrap_or_else(|| panic!("no entry count in {out}"))
}

// ---- the writers -----------------------------------------------------------------------

/// What the server acknowledged.
#[derive(Default)]
struct Acked {
    /// (system id, name).
    systems: Vec<(i64, String)>,
    /// (filing id, system id).
    filings: Vec<(i64, i64)>,
}

#[derive(Default)]
struct Tally {
    /// Requests sent whose answer never came: the kill landed under them.
    interrupted: AtomicUsize,
    /// How one of them failed, for the log.
    cut: Mutex<Option<String>>,
    /// Answers other than the expected 201.
    unexpected: Mutex<Vec<String>>,
}

impl Tally {
    fn cut(&self, why: String) {
        self.interrupted.fetch_add(1, Ordering::SeqCst);
        self.cut.lock().expect("tally").get_or_insert(why);
    }
}

fn profiles() -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("examples")).expect("examples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            out.push(std::fs::read_to_string(&path).expect("read a profile"));
        }
    }
    out.sort();
    assert!(out.len() >= 3, "too few example profiles");
    out
}

/// The profile with a new top-level `name:`.
fn renamed(profile: &str, name: &str) -> String {
    let mut done = false;
    profile
        .lines()
        .map(|line| {
            if !done && line.starts_with("name: ") {
                done = true;
                format!("name: {name}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Registers and files systems until `stop`; records what was acknowledged.
#[allow(clippy::too_many_arguments)]
fn writer(
    addr: SocketAddr,
    token: &str,
    writer: usize,
    round: usize,
    profiles: &[String],
    stop: &AtomicBool,
    acked: &Mutex<Acked>,
    tally: &Tally,
) {
    let mut n = 0usize;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let name = format!("Crash r{round} w{writer} n{n}");
        let base = &profiles[(writer + n) % profiles.len()];
        let body = renamed(base, &name);
        let reply = match request(
            addr,
            "POST",
            "/api/v1/systems",
            Some(token),
            Some("application/yaml"),
            &body,
        ) {
            Ok(r) => r,
            Err(Failure::Refused) => {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            Err(Failure::Interrupted(why)) => {
                tally.cut(why);
                continue;
            }
        };
        if reply.status != 201 {
            tally
                .unexpected
                .lock()
                .expect("tally")
                .push(format!("POST /systems: {} {}", reply.status, reply.body));
            continue;
        }
        let created: Value = serde_json::from_str(&reply.body).expect("201 body is JSON");
        let id = created["id"].as_i64().expect("an id");
        acked.lock().expect("acked").systems.push((id, name));
        let reply = match request(
            addr,
            "POST",
            &format!("/api/v1/systems/{id}/filings"),
            Some(token),
            Some("application/json"),
            r#"{"jurisdiction":"EU"}"#,
        ) {
            Ok(r) => r,
            Err(Failure::Refused) => continue,
            Err(Failure::Interrupted(why)) => {
                tally.cut(why);
                continue;
            }
        };
        if reply.status != 201 {
            tally
                .unexpected
                .lock()
                .expect("tally")
                .push(format!("POST /filings: {} {}", reply.status, reply.body));
            continue;
        }
        let filing: Value = serde_json::from_str(&reply.body).expect("201 body is JSON");
        let fid = filing["id"].as_i64().expect("a filing id");
        assert_eq!(filing["system_id"].as_i64(), Some(id), "{filing}");
        acked.lock().expect("acked").filings.push((fid, id));
    }
}

/// Every acknowledged system and filing is served after the restart.
fn check_all(server: &Server, token: &str, acked: &Acked) {
    for (id, name) in &acked.systems {
        let r = request(
            server.addr,
            "GET",
            &format!("/api/v1/systems/{id}"),
            Some(token),
            None,
            "",
        )
        .unwrap_or_else(|e| panic!("GET system {id}: {e:?}"));
        assert_eq!(
            r.status, 200,
            "acknowledged system {id} ({name}) lost after kill -9: {}",
            r.body
        );
        let v: Value = serde_json::from_str(&r.body).expect("JSON");
        assert_eq!(v["name"].as_str(), Some(name.as_str()), "system {id}");
        assert_eq!(v["profile"]["name"].as_str(), Some(name.as_str()));
        assert_eq!(v["version"].as_i64(), Some(1));
    }
    for (fid, system) in &acked.filings {
        let r = request(
            server.addr,
            "GET",
            &format!("/api/v1/filings/{fid}"),
            Some(token),
            None,
            "",
        )
        .unwrap_or_else(|e| panic!("GET filing {fid}: {e:?}"));
        assert_eq!(
            r.status, 200,
            "acknowledged filing {fid} lost after kill -9: {}",
            r.body
        );
        let v: Value = serde_json::from_str(&r.body).expect("JSON");
        assert_eq!(v["system_id"].as_i64(), Some(*system), "filing {fid}");
        assert_eq!(v["jurisdiction"], "EU");
        assert_eq!(v["status"], "submitted");
    }
}

/// Every system in the database, acknowledged or not, is whole: listed, and
/// served with its first profile (a write is one transaction or nothing).
/// Returns how many there are.
fn check_whole(server: &Server, admin: &str) -> usize {
    let mut ids = Vec::new();
    let mut path = "/api/v1/systems?limit=200".to_string();
    loop {
        let r = request(server.addr, "GET", &path, Some(admin), None, "")
            .unwrap_or_else(|e| panic!("GET {path}: {e:?}"));
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
        let page: Value = serde_json::from_str(&r.body).expect("JSON");
        for s in page["items"].as_array().expect("items") {
            ids.push((s["id"].as_i64().expect("id"), s["name"].clone()));
        }
        match page["next"].as_i64() {
            Some(next) => path = format!("/api/v1/systems?limit=200&before={next}"),
            None => break,
        }
    }
    for (id, name) in &ids {
        let r = request(
            server.addr,
            "GET",
            &format!("/api/v1/systems/{id}"),
            Some(admin),
            None,
            "",
        )
        .unwrap_or_else(|e| panic!("GET system {id}: {e:?}"));
        assert_eq!(
            r.status, 200,
            "system {id} is listed but not whole: {}",
            r.body
        );
        let v: Value = serde_json::from_str(&r.body).expect("JSON");
        assert_eq!(&v["profile"]["name"], name, "system {id}");
    }
    ids.len()
}

fn crash_rounds(database: &str, label: &str) {
    let tokens = [
        token(
            database,
            &[
                "--role",
                "provider",
                "--name",
                "crash-a",
                "--organisation",
                "Crash A",
            ],
        ),
        token(
            database,
            &[
                "--role",
                "provider",
                "--name",
                "crash-b",
                "--organisation",
                "Crash B",
            ],
        ),
    ];
    let admin = token(database, &["--role", "admin", "--name", "crash-admin"]);
    let profiles = profiles();
    let acked = Mutex::new(Acked::default());
    let tally = Tally::default();
    let mut server = Server::start(database);
    for round in 0..KILLS {
        let stop = AtomicBool::new(false);
        let before = {
            let a = acked.lock().expect("acked");
            (a.systems.len(), a.filings.len())
        };
        let addr = server.addr;
        std::thread::scope(|s| {
            for w in 0..WRITERS {
                let (token, profiles, stop, acked, tally) =
                    (&tokens[w % 2], &profiles, &stop, &acked, &tally);
                s.spawn(move || writer(addr, token, w, round, profiles, stop, acked, tally));
            }
            let started = Instant::now();
            // Kill only once this round has written enough to mean something,
            // however slow the machine.
            let written = || {
                let a = acked.lock().expect("acked");
                (a.systems.len() - before.0).min(a.filings.len() - before.1)
            };
            while started.elapsed() < WRITE_FOR || written() < MIN_PER_ROUND {
                if started.elapsed() > Duration::from_secs(120) {
                    stop.store(true, Ordering::SeqCst);
                    panic!(
                        "{label}: fewer than {MIN_PER_ROUND} writes acknowledged in round {round} in 2 minutes; server log:\n{}",
                        server.log.lock().expect("log")
                    );
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            // kill -9 with the writers in full flight.
            server.kill_9();
            stop.store(true, Ordering::SeqCst);
        });
        let unexpected = tally.unexpected.lock().expect("tally");
        assert!(
            unexpected.is_empty(),
            "{label}: unexpected answers: {:?}",
            &unexpected[..unexpected.len().min(5)]
        );
        drop(unexpected);
        // The database as the crash left it: the chain is intact.
        let entries = audit_intact(database);
        server = Server::start(database);
        let acked = acked.lock().expect("acked");
        check_all(&server, &admin, &acked);
        let stored = check_whole(&server, &admin);
        assert!(
            stored >= acked.systems.len(),
            "{label}: {stored} systems stored"
        );
        // Each acknowledged write appended an audit entry.
        assert!(
            entries >= (acked.systems.len() + acked.filings.len()) as u64,
            "{label}: {entries} audit entries for {} systems and {} filings",
            acked.systems.len(),
            acked.filings.len()
        );
        eprintln!(
            "{label}: kill -9 #{}: {} systems and {} filings acknowledged so far, all present after restart ({stored} systems stored, each whole); {} requests left unanswered by the kills (e.g. {}); audit log intact ({entries} entries)",
            round + 1,
            acked.systems.len(),
            acked.filings.len(),
            tally.interrupted.load(Ordering::SeqCst),
            tally
                .cut
                .lock()
                .expect("tally")
                .as_deref()
                .unwrap_or("none"),
        );
    }
    drop(server);
    let acked = acked.into_inner().expect("acked");
    assert!(
        acked.systems.len() > 50,
        "{label}: only {} systems acknowledged: too few to mean anything",
        acked.systems.len()
    );
    assert!(
        acked.filings.len() > 50,
        "{label}: only {} filings acknowledged",
        acked.filings.len()
    );
    assert!(
        tally.interrupted.load(Ordering::SeqCst) > 0,
        "{label}: no request was in flight at any kill: the test proved nothing"
    );
    audit_intact(database);
}

#[test]
fn acknowledged_writes_survive_kill_9_on_sqlite() {
    let db = accord_store::testing::sqlite();
    crash_rounds(&db.url, "sqlite");
}

#[test]
fn acknowledged_writes_survive_kill_9_on_postgres() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let Some(db) = rt.block_on(accord_store::testing::postgres()) else {
        return;
    };
    drop(rt);
    crash_rounds(&db.url, "postgres");
}
