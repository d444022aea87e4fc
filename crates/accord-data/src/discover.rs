//! Expanding the paths a user gives into inputs.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::{Compression, DataError, Format, Input};

/// Expands files and folders into inputs, in the order given, each folder
/// walked recursively in sorted order (by name, byte-wise) with hidden entries
/// (names starting with `.`) skipped. Format and compression come from the
/// name: `.gz` and `.zst` are stripped first, then `.jsonl`/`.ndjson`, `.csv`,
/// `.tsv` and `.parquet` are recognised, and anything else is plain text.
///
/// A path that does not exist is [`DataError::NotFound`]. Inside folders,
/// entries that cannot be read are still returned as inputs, so that opening
/// them gives the error and the caller reports it with the other unreadable
/// inputs and goes on: an unlistable sub-folder, a broken symbolic link, a file
/// without read permission. Symbolic links to files are followed; links to
/// folders are not (they could loop), nor are special files (FIFOs, sockets).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Input>, DataError> {
    let mut inputs = Vec::new();
    for path in paths {
        let display = path.display().to_string();
        let metadata = match fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(DataError::NotFound { path: display });
            }
            Err(source) => {
                return Err(DataError::Io {
                    path: display,
                    source,
                });
            }
        };
        if metadata.is_dir() {
            walk(path, &display, &mut inputs);
        } else {
            inputs.push(Input::new(path.clone(), display, metadata.len()));
        }
    }
    Ok(inputs)
}

fn walk(folder: &Path, display: &str, inputs: &mut Vec<Input>) {
    let Ok(entries) = fs::read_dir(folder) else {
        // Kept as an input: opening it gives the reason, for the caller to report.
        inputs.push(Input::new(folder.to_path_buf(), display.to_owned(), 0));
        return;
    };
    let mut children = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let name = entry.file_name();
                if name.as_encoded_bytes().first() == Some(&b'.') {
                    continue;
                }
                children.push((name, entry.file_type().ok()));
            }
            Err(_) => {
                // The listing broke part way: report the folder as unreadable too.
                inputs.push(Input::new(folder.to_path_buf(), display.to_owned(), 0));
            }
        }
    }
    children.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, file_type) in children {
        let path = folder.join(&name);
        let child_display = Path::new(display).join(&name).display().to_string();
        let is_symlink = file_type.is_some_and(|t| t.is_symlink());
        match fs::metadata(&path) {
            Ok(metadata) if metadata.is_dir() => {
                if !is_symlink {
                    walk(&path, &child_display, inputs);
                }
            }
            Ok(metadata) if metadata.is_file() => {
                inputs.push(Input::new(path, child_display, metadata.len()))
            }
            Ok(_) => {}
            Err(_) => inputs.push(Input::new(path, child_display, 0)),
        }
    }
}

impl Input {
    /// An input for one file, with format and compression from its name.
    pub fn new(path: PathBuf, display: String, size: u64) -> Input {
        let (format, compression, tab_separated) = classify(&path);
        Input {
            path,
            display,
            format,
            compression,
            size,
            tab_separated,
        }
    }
}

/// Format, compression and tab separation from a file name.
pub(crate) fn classify(path: &Path) -> (Format, Compression, bool) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let (inner, compression) = if let Some(inner) = name.strip_suffix(".gz") {
        (inner, Compression::Gzip)
    } else if let Some(inner) = name
        .strip_suffix(".zst")
        .or_else(|| name.strip_suffix(".zstd"))
    {
        (inner, Compression::Zstd)
    } else {
        (name.as_str(), Compression::None)
    };
    let extension = inner.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match extension {
        "jsonl" | "ndjson" => (Format::Jsonl, compression, false),
        "csv" => (Format::Csv, compression, false),
        "tsv" => (Format::Csv, compression, true),
        "parquet" => (Format::Parquet, compression, false),
        _ => (Format::Text, compression, false),
    }
}
