//! Progress on stderr, through the built binary: tests run without a terminal, where
//! long work must leave stderr clean (no `\r` redraws, no escape codes) so that pipes,
//! CI logs and scripts that read stderr see only real messages.

mod common;

use common::{Sandbox, repo};

/// A JSONL file of `n` items: 50,000 take about 1.5 s to import in a debug build (30,000
/// took 0.9 s on a 2-core machine), past the second after which a terminal gets progress.
fn many_items(sandbox: &Sandbox, n: usize) -> String {
    let lines: String = (0..n)
        .map(|i| {
            format!("{{\"id\":\"i{i}\",\"input\":\"question {i} {}\",\"output\":\"answer {i}\"}}\n", "x".repeat(200))
        })
        .collect();
    sandbox.write("many.jsonl", lines).display().to_string()
}

fn assert_clean(stderr: &[u8], what: &str) {
    let stderr = String::from_utf8_lossy(stderr);
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{what}: progress on a stderr that is no terminal: {stderr:?}"
    );
    assert_eq!(stderr, "", "{what}: nothing on stderr when it works");
}

#[test]
fn long_imports_and_samples_leave_stderr_clean_off_a_terminal() {
    let sandbox = Sandbox::with_store();
    let file = many_items(&sandbox, 50_000);

    let out = sandbox.run(&["import", &file]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("50000 records into dataset `many`: 50000 new"));
    assert_clean(&out.stderr, "import");

    let out = sandbox.run(&["sample", &file, "--n", "10", "--dataset", "picked"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("read 50000 records"));
    assert_clean(&out.stderr, "sample");

    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    let out = sandbox.run(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_clean(&out.stderr, "labels import");
}

#[test]
fn a_failed_import_shows_only_its_error() {
    let sandbox = Sandbox::with_store();
    let file = sandbox.write("bad.jsonl", "{\"id\":\"a\",\"input\":\"q\",\"output\":\"a\"}\nnot json\n");
    let out = sandbox.run(&["import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.jsonl:2"), "{stderr}");
    assert!(!stderr.contains('\r') && !stderr.contains('\x1b'), "{stderr:?}");
}
