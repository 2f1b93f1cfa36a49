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

#[test]
fn export_tells_its_progress_hook_every_labeled_item_and_prints_none() {
    const RUBRIC: &str = include_str!("../guidelines/rag-answer-quality.toml");
    let dir = tempfile::tempdir().unwrap();
    let mut store = tally::store::Store::create(&dir.path().join("t.db")).unwrap();
    let options = tally::io::items::ImportOptions::default();
    tally::io::items::import_file(&mut store, repo("sample_data/rag_items.jsonl").as_ref(), &options).unwrap();
    let rubric = tally::model::Rubric::from_toml(RUBRIC, "r.toml").unwrap();
    store.write(|tx| tx.add_rubric(&rubric, RUBRIC, "guide")).unwrap();
    let stored = store.rubric_latest("rag-answer-quality").unwrap().unwrap();
    tally::io::labels::import_file(&mut store, repo("sample_data/rag_labels.csv").as_ref(), &stored).unwrap();

    use tally::io::export::{Destination, ExportRequest, FileFormat, Filters, export};
    let out = dir.path().join("g.jsonl");
    let request = ExportRequest {
        rubric: &stored,
        batch: None,
        consensus: tally::model::consensus::Method::Majority,
        destination: Destination::File(&out),
        format: FileFormat::Jsonl,
        // Items gone through but left out count as progress too.
        filters: Filters { min_raters: 3, min_agreement: None, exclude_flagged: false },
        with_raters: false,
        reveal_raters: false,
        agreement: serde_json::Value::Null,
        include_golden: false,
    };
    let mut told = Vec::new();
    let summary = export(&store, &request, &mut |items| told.push(items)).unwrap();
    let labeled = summary.items + summary.excluded.min_raters;
    assert!(summary.excluded.min_raters > 0 && summary.items > 0, "the filter leaves some out, keeps some");
    assert_eq!(told, (1..=labeled as u64).collect::<Vec<_>>(), "once per labeled item, counting up");

    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    let out = sandbox.run(&["export", "--out", "g.jsonl"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_clean(&out.stderr, "export");
}
