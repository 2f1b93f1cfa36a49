//! Files tally writes, through the built binary: a failed write leaves no debris, CSV
//! cells cannot run as spreadsheet formulas, Markdown cannot carry HTML, golden-set
//! names and rubric bounds are checked.

mod common;

use std::process::{Command, Output};

use common::{Sandbox, repo};

/// The README's tour: the sample items, the shipped rubric, ana, ben and chloe's labels.
fn sample_store() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["batch", "create", "pilot", "--rubric", "rag-answer-quality", "--raters", "ana,ben,chloe"]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    sandbox
}

/// Runs tally with files limited to `blocks` blocks (`ulimit -f`) and SIGXFSZ ignored, so
/// a write past the limit fails with EFBIG as it would on a full disk.
fn run_limited(sandbox: &Sandbox, blocks: u32, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {blocks}; exec \"$@\""))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_tally"))
        .args(["--db", "tally.db"])
        .args(args)
        .current_dir(sandbox.dir.path())
        .env_remove("TALLY_DB")
        .env("HOME", sandbox.dir.path())
        .env("XDG_DATA_HOME", sandbox.dir.path().join("data"))
        .env("USER", "tester")
        .output()
        .unwrap()
}

/// Every file in `dir`, hidden ones included.
fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_write_that_fails_on_a_full_disk_leaves_no_debris() {
    let sandbox = sample_store();
    std::fs::create_dir(sandbox.path("out")).unwrap();
    // Holding the store open keeps its shared-memory file at full size, so that under the
    // file size limit only the output can fail, not the store's own files.
    let held = rusqlite::Connection::open(sandbox.path("tally.db")).unwrap();
    let _: i64 = held.query_row("select count(*) from sqlite_master", [], |row| row.get(0)).unwrap();
    let items = repo("sample_data/rag_items.jsonl");
    let commands: [(&[&str], &str); 4] = [
        (&["export", "--out", "out/golden.jsonl"], "out/golden.jsonl"),
        (&["export", "--out", "out/golden.csv"], "out/golden.csv"),
        (&["report", "all", "--out", "out/report.html"], "out/report.html"),
        (&["sample", &items, "--n", "100", "--out", "out/sample.jsonl"], "out/sample.jsonl"),
    ];
    for (args, target) in commands {
        let output = run_limited(&sandbox, 8, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} should fail past the file size limit");
        assert!(stderr.contains(target) && stderr.contains("cannot write"), "{args:?}: {stderr}");
        assert!(!stderr.contains("partial") && !stderr.contains("tmp-tally"), "{args:?} names a temporary: {stderr}");
        assert_eq!(files_in(&sandbox.path("out")), Vec::<String>::new(), "{args:?} left debris");
    }
    // Without the limit, the same commands succeed.
    for (args, _) in commands {
        sandbox.ok(args);
    }
    assert_eq!(
        files_in(&sandbox.path("out")),
        [
            "golden.csv",
            "golden.csv.manifest.json",
            "golden.jsonl",
            "golden.manifest.json",
            "report.html",
            "sample.jsonl",
        ]
    );
}

#[test]
fn a_write_into_a_read_only_folder_fails_cleanly() {
    let sandbox = sample_store();
    let out = sandbox.path("locked");
    std::fs::create_dir(&out).unwrap();
    let _read_only = common::ReadOnlyFolder::new(&out);
    assert!(std::fs::write(out.join("probe"), "x").is_err(), "the folder is still writable");
    for args in [&["export", "--out", "locked/golden.jsonl"][..], &["report", "all", "--out", "locked/report.md"][..]] {
        let stderr = sandbox.fails(args);
        assert!(stderr.contains("locked/"), "{args:?}: {stderr}");
        assert_eq!(files_in(&out), Vec::<String>::new(), "{args:?} left debris");
    }
}

/// A store whose item, rater and values are hostile to spreadsheets.
fn hostile_store() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write(
        "items.jsonl",
        concat!(
            r#"{"id": "x1", "input": "+1 or -1?", "output": "=HYPERLINK(\"http://x\",\"y\")"}"#,
            "\n",
            r#"{"id": "@x2", "input": "q", "output": "-0.5"}"#,
            "\n",
        ),
    );
    sandbox.write(
        "r.toml",
        r#"name = "r"
version = 1
[[criteria]]
id = "correct"
kind = "binary"
[[criteria]]
id = "score"
kind = "number"
min = -1
max = 1
"#,
    );
    sandbox.write(
        "labels.csv",
        "item,rater,criterion,value\n\
         x1,@evil,correct,pass\nx1,@evil,score,-0.5\nx1,ann,correct,fail\nx1,ann,score,-0.5\n\
         @x2,@evil,correct,pass\n@x2,@evil,score,0.25\n",
    );
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", "items.jsonl"]);
    sandbox.ok(&["rubric", "add", "r.toml"]);
    sandbox.ok(&["labels", "import", "labels.csv"]);
    sandbox
}

fn csv_cells(text: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader.records().flat_map(|record| record.unwrap().iter().map(String::from).collect::<Vec<_>>()).collect()
}

/// No cell starts as a formula would, unless it is a number.
fn assert_no_formula(cells: &[String]) {
    for cell in cells {
        let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
        assert!(!risky || cell.parse::<f64>().is_ok(), "cell would run as a formula: {cell:?}");
    }
}

#[test]
fn csv_cells_cannot_run_as_formulas() {
    let sandbox = hostile_store();
    sandbox.ok(&["export", "--out", "golden.csv", "--reveal-raters", "--with-raters"]);
    let cells = csv_cells(&std::fs::read_to_string(sandbox.path("golden.csv")).unwrap());
    assert_no_formula(&cells);
    assert!(cells.contains(&"'=HYPERLINK(\"http://x\",\"y\")".to_string()), "{cells:?}");
    assert!(cells.contains(&"'+1 or -1?".to_string()), "{cells:?}");
    assert!(cells.contains(&"'@x2".to_string()), "{cells:?}");
    assert!(cells.iter().any(|cell| cell.starts_with("'@evil")), "{cells:?}");
    // Numbers are data: -0.5 stays as it is.
    assert!(cells.contains(&"-0.5".to_string()), "{cells:?}");

    let raters = sandbox.ok(&["report", "raters", "--format", "csv"]);
    let cells = csv_cells(&raters);
    assert_no_formula(&cells);
    assert!(cells.contains(&"'@evil".to_string()), "{raters}");
    let progress = sandbox.ok(&["report", "progress", "--format", "csv"]);
    assert_no_formula(&csv_cells(&progress));
}

#[test]
fn the_markdown_report_escapes_html() {
    let sandbox = hostile_store();
    sandbox.write("more.csv", "item,rater,criterion,value\nx1,<script>alert(1)</script>|x,correct,pass\n");
    sandbox.ok(&["labels", "import", "more.csv"]);
    let markdown = sandbox.ok(&["report", "raters", "--format", "md"]);
    assert!(!markdown.contains("<script>"), "{markdown}");
    assert!(markdown.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\|x"), "{markdown}");
    sandbox.ok(&["report", "all", "--out", "all.md"]);
    let all = std::fs::read_to_string(sandbox.path("all.md")).unwrap();
    assert!(!all.contains("<script>"), "{all}");
}

#[test]
fn export_name_refuses_control_characters_and_separators() {
    let sandbox = sample_store();
    for name in ["rag\u{1b}[2J", "rag\nv2", "rag\tx", "a/b", "a\\b", ".hidden"] {
        let stderr = sandbox.fails(&["export", "--name", name]);
        assert!(stderr.contains("--name"), "{name:?}: {stderr}");
        assert!(!stderr.contains('\u{1b}'), "{name:?}: the error echoes a control character");
    }
    let stderr = sandbox.fails(&["export", "--name", "rag\u{7}"]);
    assert!(stderr.contains("control character"), "{stderr}");
    assert!(!sandbox.path("golden").exists() || files_in(&sandbox.path("golden")).is_empty());
    sandbox.ok(&["export", "--name", "rag"]);
}

#[test]
fn rubric_bounds_must_be_finite() {
    let sandbox = Sandbox::new();
    for (bound, value) in [("min", "nan"), ("max", "inf"), ("min", "-inf"), ("max", "+nan")] {
        let other = if bound == "min" { "max = 10" } else { "min = 0" };
        sandbox.write(
            "r.toml",
            format!("name = \"r\"\nversion = 1\n[[criteria]]\nid = \"score\"\nkind = \"number\"\n{bound} = {value}\n{other}\n"),
        );
        let stderr = sandbox.fails(&["rubric", "check", "r.toml"]);
        assert!(
            stderr.contains("r.toml") && stderr.contains("criterion `score`") && stderr.contains(&format!("`{bound}`")),
            "{bound} = {value}: {stderr}"
        );
        sandbox.write(
            "alone.toml",
            format!("name = \"r\"\nversion = 1\n[[criteria]]\nid = \"score\"\nkind = \"number\"\n{bound} = {value}\n"),
        );
        let stderr = sandbox.fails(&["rubric", "check", "alone.toml"]);
        assert!(stderr.contains("finite"), "{bound} = {value} alone: {stderr}");
    }
}
