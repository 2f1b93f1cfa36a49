//! The harness exports read back by the harnesses' own Python packages
//! (`tests/readback/readback.py`: Inspect AI's `json_dataset`, Hugging Face
//! `datasets.load_dataset`). The packages are large and come from the network, so
//! the test runs where `TALLY_READBACK_PYTHON` names a Python that has them:
//! `.ci/run` makes one when it can, and says when it cannot.

mod common;

use std::process::Command;

use common::{Sandbox, repo};

#[test]
fn inspect_and_hf_exports_of_the_sample_are_read_back_by_their_own_readers() {
    let Some(python) = std::env::var_os("TALLY_READBACK_PYTHON") else {
        eprintln!("skipped: TALLY_READBACK_PYTHON is not set (see .ci/run)");
        return;
    };
    let sandbox = Sandbox::with_sample_labels();
    sandbox.ok(&["export", "--format", "inspect", "--out", "out/inspect.jsonl"]);
    sandbox.ok(&["export", "--format", "openai-evals", "--out", "out/openai-evals.jsonl"]);
    sandbox.ok(&["export", "--format", "hf", "--out", "out/hf"]);
    let output = Command::new(python)
        .arg(repo("tests/readback/readback.py"))
        .arg(sandbox.path("out"))
        .env("HF_HOME", sandbox.path("hf-home"))
        .env("HF_DATASETS_OFFLINE", "1")
        .env("INSPECT_LOG_DIR", sandbox.path("inspect-logs"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "read-back failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("inspect_ai json_dataset: "), "{stdout}");
    assert!(stdout.contains("datasets load_dataset: "), "{stdout}");
}
