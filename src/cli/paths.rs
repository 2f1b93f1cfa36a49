//! Where the store is, and who the rater is.

use std::path::{Path, PathBuf};

/// `--db` > `TALLY_DB` > `./tally.db` when present > `tally.db` in the user data folder.
pub fn store_path(flag: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = flag {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os("TALLY_DB").filter(|value| !value.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let local = PathBuf::from("tally.db");
    if local.exists() {
        return Ok(local);
    }
    let dirs = directories::ProjectDirs::from("", "", "tally")
        .ok_or_else(|| anyhow::anyhow!("no home folder to keep the store in; pass --db PATH or set TALLY_DB"))?;
    Ok(dirs.data_dir().join("tally.db"))
}

/// Where `tally init` creates a store: like [`store_path`], but the current folder
/// rather than the user data folder.
pub fn init_path(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| std::env::var_os("TALLY_DB").filter(|v| !v.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("tally.db"))
}

/// The login name, for `--rater`'s default.
pub fn login_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|key| std::env::var(key).ok().filter(|name| !name.trim().is_empty()))
        .unwrap_or_else(|| "rater".to_string())
}
