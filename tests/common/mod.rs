//! Helpers shared by the CLI test files.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The built `dupscan` binary.
pub fn dupscan() -> Command {
    Command::cargo_bin("dupscan").expect("binary built")
}

/// A path under the project's `data/` fixtures.
pub fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(path)
}
