//! Files that hold secrets (the token file, the TLS private key): opened without following a
//! symbolic link, then checked on the opened file itself (owner, mode, kind), so that what is
//! checked is what is read, and another user cannot swap the file between the check and the
//! read. The messages name the file and the command that fixes it.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::Path;

/// Secret files are small; more than this is not a token or a key.
const MAX_BYTES: u64 = 1 << 20;

/// `open(2)` flags: no symbolic link as the last component (ELOOP), and no wait on a FIFO.
fn flags() -> i32 {
    let f = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    i32::try_from(f.bits()).unwrap_or(0)
}

/// Why an opened secret file is refused, if it is: not a regular file, owned by another user,
/// or open to group or others.
fn problem(flag: &str, path: &Path, f: &File) -> Option<String> {
    let name = path.display();
    let m = match f.metadata() {
        Ok(m) => m,
        Err(e) => return Some(format!("{flag} {name}: {e}")),
    };
    if !m.is_file() {
        return Some(format!("{flag} {name}: not a regular file"));
    }
    let me = rustix::process::geteuid().as_raw();
    if m.uid() != me {
        return Some(format!(
            "{flag} {name}: owned by uid {}, not by uid {me} that runs pktgen: another user could \
             have written it; use a file of your own (chown {me} {name}, as root, if it is yours)",
            m.uid()
        ));
    }
    let mode = m.mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Some(format!(
            "{flag} {name}: group or other users have access to it (mode {mode:04o}); \
             chmod 600 {name}"
        ));
    }
    None
}

/// Opens `path` for reading without following a symbolic link and checks the opened file.
///
/// # Errors
/// The file missing or unreadable (`NotFound` is passed on as such, for callers that create
/// it), a symbolic link, not a regular file, owned by another user, open to group or others.
pub fn open(flag: &str, path: &Path) -> Result<File, (std::io::ErrorKind, String)> {
    let name = path.display();
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags())
        .open(path)
        .map_err(|e| {
            let msg = if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                format!(
                    "{flag} {name}: a symbolic link; pktgen does not follow links to secrets \
                     (another user could point it elsewhere): give the file itself, \
                     {flag} $(readlink -f {name})"
                )
            } else {
                format!("{flag} {name}: {e}")
            };
            (e.kind(), msg)
        })?;
    match problem(flag, path, &f) {
        Some(p) => Err((std::io::ErrorKind::PermissionDenied, p)),
        None => Ok(f),
    }
}

/// Reads the whole secret file (see [`open`]).
///
/// # Errors
/// As [`open`]; a read error; a file over 1 MiB.
pub fn read(flag: &str, path: &Path) -> Result<Vec<u8>, (std::io::ErrorKind, String)> {
    let f = open(flag, path)?;
    let mut bytes = Vec::new();
    f.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| (e.kind(), format!("{flag} {}: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err((
            std::io::ErrorKind::InvalidData,
            format!("{flag} {}: larger than 1 MiB", path.display()),
        ));
    }
    Ok(bytes)
}

/// Creates `path` (it must not exist, nor be a link) with mode 0600 and writes `bytes`.
///
/// # Errors
/// The file cannot be created or written.
pub fn create(flag: &str, path: &Path, bytes: &[u8]) -> Result<(), String> {
    let name = path.display();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(flags())
        .open(path)
        .map_err(|e| format!("{flag} {name}: cannot create it: {e}"))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("{flag} {name}: cannot write it: {e}"))
}
