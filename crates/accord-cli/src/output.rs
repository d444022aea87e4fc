//! Errors, exit codes and writing output: data to stdout or to a file written
//! atomically (temporary file, then rename), diagnostics to stderr.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use accord_model::Diagnostic;

/// Problems in the user's input, each located: exit code 2.
#[derive(Debug)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl std::fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(v: Vec<Diagnostic>) -> Self {
        Diagnostics(v)
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

fn stderr_color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// Prints an error and picks the exit code: quiet 0 for a closed pipe, 2 otherwise.
pub fn report_error(error: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(error) {
        return ExitCode::SUCCESS;
    }
    let label = if stderr_color() {
        "\x1b[1;31merror\x1b[0m"
    } else {
        "error"
    };
    if let Some(diagnostics) = error.downcast_ref::<Diagnostics>() {
        for d in &diagnostics.0 {
            eprintln!("{label}: {d}");
        }
        if diagnostics.0.len() > 1 {
            eprintln!(
                "{} problems found; nothing was written",
                diagnostics.0.len()
            );
        }
    } else {
        eprintln!("{label}: {error:#}");
    }
    ExitCode::from(2)
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Rust ignores SIGPIPE, so a closed pipe surfaces as an `EPIPE` write error,
/// which [`report_error`] turns into a quiet exit. Nothing to set up.
pub fn reset_sigpipe() {}

/// Writes `content` to `path` atomically, or to stdout.
pub fn emit(path: Option<&Path>, content: &str) -> anyhow::Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(content.as_bytes())?;
            out.flush()?;
            Ok(())
        }
        Some(path) => write_atomically(path, content.as_bytes()),
    }
}

pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| anyhow::anyhow!("Cannot write to `{}`: {e}", dir.display()))?;
    file.write_all(bytes)?;
    persist(file, path)
}

/// SHA-256 of a file's bytes as stored (lowercase hex), read in 1 MiB blocks.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Syncs a finished temporary file and renames it over `path`.
pub fn persist(file: tempfile::NamedTempFile, path: &Path) -> anyhow::Result<()> {
    file.as_file().sync_all()?;
    // A temporary file is private (0600); the result should have the mode the
    // file it replaces had, or the usual 0644 for a new file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0o644);
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    file.persist(path)
        .map_err(|e| anyhow::anyhow!("Cannot write `{}`: {}", path.display(), e.error))?;
    Ok(())
}

/// Whether to colour text written to stdout.
pub fn stdout_color(choice: crate::Color) -> bool {
    match choice {
        crate::Color::Always => true,
        crate::Color::Never => false,
        crate::Color::Auto => {
            std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
        }
    }
}
