//! Runs the real binary against temporary stores.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox { dir: tempfile::tempdir().unwrap() }
    }

    /// A sandbox with an empty store at ./tally.db (only `init` creates stores).
    pub fn with_store() -> Sandbox {
        let sandbox = Sandbox::new();
        sandbox.ok(&["init"]);
        sandbox
    }

    /// A store with the bundled sample data: items, rubric, batch `pilot` for ana, ben
    /// and chloe, and their labels.
    pub fn with_sample_labels() -> Sandbox {
        let sandbox = Sandbox::with_store();
        sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
        sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
        let raters = ["--raters", "ana,ben,chloe", "--overlap", "3"];
        sandbox.ok(&[&["batch", "create", "pilot", "--rubric", "rag-answer-quality"][..], &raters].concat());
        sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
        sandbox
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Runs tally in the sandbox folder, with the store at ./tally.db and a private home.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_on("tally.db", args)
    }

    /// Runs tally on the store `db` (in the sandbox folder).
    pub fn run_on(&self, db: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tally"))
            .args(["--db", db])
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("TALLY_DB")
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("USER", "tester")
            .output()
            .unwrap()
    }

    /// Runs tally and returns stdout, failing the test with stderr if it failed.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_on("tally.db", args)
    }

    /// [`Sandbox::ok`] on the store `db`.
    pub fn ok_on(&self, db: &str, args: &[&str]) -> String {
        let output = self.run_on(db, args);
        assert!(output.status.success(), "tally {args:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs tally expecting failure; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(!output.status.success(), "tally {args:?} should have failed");
        String::from_utf8(output.stderr).unwrap()
    }
}

pub fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path).display().to_string()
}

/// Makes a folder read-only for as long as it lives, even for root (who ignores modes):
/// `chattr +i` where it works, else the mode bits.
pub struct ReadOnlyFolder<'p>(&'p Path, bool);

impl<'p> ReadOnlyFolder<'p> {
    pub fn new(path: &'p Path) -> ReadOnlyFolder<'p> {
        let immutable =
            std::process::Command::new("chattr").arg("+i").arg(path).status().is_ok_and(|status| status.success());
        if !immutable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        ReadOnlyFolder(path, immutable)
    }
}

impl Drop for ReadOnlyFolder<'_> {
    fn drop(&mut self) {
        if self.1 {
            let _ = std::process::Command::new("chattr").arg("-i").arg(self.0).status();
        } else {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(self.0, std::fs::Permissions::from_mode(0o755));
        }
    }
}
