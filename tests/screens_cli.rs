//! The label and review screens' side of the command line: `rubric check` on keys.

mod common;

use std::process::Command;

use common::{Sandbox, repo};

/// `tally rubric check FILE` with `TALLY_CONFIG_DIR` at `config` (a folder in the sandbox).
fn check(sandbox: &Sandbox, file: &str, config: &str) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(["rubric", "check", file])
        .current_dir(sandbox.dir.path())
        .env("HOME", sandbox.dir.path())
        .env("TALLY_CONFIG_DIR", sandbox.path(config))
        .output()
        .unwrap();
    (output.status.success(), String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
}

#[test]
fn a_rubric_without_keys_gets_1_to_5_on_every_scale() {
    let sandbox = Sandbox::new();
    let (ok, out, err) = check(&sandbox, &repo("tests/data/summeval.toml"), "config");
    assert!(ok, "{err}");
    assert!(out.contains("[1] 1") && out.contains("[5] 5"), "{out}");
    assert!(!out.contains("warning"), "{out}");
}

#[test]
fn rubric_check_names_keys_no_rule_resolves() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "r.toml",
        "name = \"r\"\nversion = 1\n[[criteria]]\nid = \"ok\"\nkind = \"binary\"\n\
         [[criteria]]\nid = \"topic\"\nkind = \"nominal\"\noptions = [{ value = \"a\", key = \"a\" }, { value = \"b\", key = \"b\" }]\n\
         [[criteria]]\nid = \"safe\"\nkind = \"binary\"\n",
    );
    let (ok, out, err) = check(&sandbox, &file.display().to_string(), "config");
    assert!(ok, "a warning is not a failure: {err}");
    assert!(out.contains("warning: key `y` is an option of ok, safe: with focus on topic it does nothing"), "{out}");
}

#[test]
fn rubric_check_says_which_keymap_keys_the_rubric_shadows() {
    // The README's own keys.toml example binds `h` to previous; the bundled rubric uses
    // `h` for the hallucination tag, so `h` never goes back.
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.path("config")).unwrap();
    sandbox.write("config/keys.toml", "[keys]\nnext = [\"Right\", \"l\"]\nprevious = [\"Left\", \"h\"]\n");
    let rubric = repo("guidelines/rag-answer-quality.toml");
    let (ok, out, err) = check(&sandbox, &rubric, "config");
    assert!(ok, "{err}");
    assert!(
        out.contains("warning: key `h` is an option of defects, so on the label screen it does not do `previous`"),
        "{out}"
    );
    // Without that file (TALLY_CONFIG_DIR decides where it is read), no warning.
    let (_, out, _) = check(&sandbox, &rubric, "elsewhere");
    assert!(!out.contains("warning"), "{out}");
}

#[test]
fn show_lists_flag_and_skip_notes() {
    use tally::store::Store;
    use tally::tui::label::{Action, Session};
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["batch", "create", "pilot", "--rubric", "rag-answer-quality", "--raters", "ana"]);
    // ana flags her first item with a note, then skips it with a reason, in the label screen.
    let (flagged_id, flagged_text) = {
        let mut store = Store::open(&sandbox.path("tally.db")).unwrap();
        let batch = store.batch("pilot").unwrap().unwrap();
        let mut session = Session::new(&mut store, &batch, "ana", tally::tui::theme::Theme::plain()).unwrap();
        let first = session.screen().current_item_id().unwrap();
        session.handle(Action::Flag).unwrap();
        for ch in "passage 2 contradicts the answer".chars() {
            session.handle(Action::Char(ch)).unwrap();
        }
        session.handle(Action::Confirm).unwrap();
        session.handle(Action::Skip).unwrap();
        for ch in "not my domain".chars() {
            session.handle(Action::Char(ch)).unwrap();
        }
        session.handle(Action::Confirm).unwrap();
        assert!(session.settle(std::time::Duration::from_secs(10)).unwrap());
        drop(session);
        let item = store.item(first).unwrap();
        (item.id, "not my domain")
    };
    let shown = sandbox.ok(&["show", &flagged_id]);
    assert!(shown.contains("FLAGS AND SKIPS"), "{shown}");
    let row = shown.lines().find(|line| line.starts_with("ana")).unwrap();
    assert!(row.contains("flagged, skipped") && row.contains(flagged_text), "{shown}");
    let json: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["show", &flagged_id, "--format", "json"])).unwrap();
    assert_eq!(json["marks"][0]["rater"], "ana");
    assert_eq!(json["marks"][0]["flagged"], true);
    assert_eq!(json["marks"][0]["note"], "not my domain");
}

#[test]
fn sample_refuses_a_field_no_record_has() {
    let sandbox = Sandbox::new();
    let items = repo("sample_data/rag_items.jsonl");
    for flag in [["--stratify", "modle"], ["--where", "modle=assistant-v2"]] {
        let mut args = vec!["sample", items.as_str(), "--n", "5", "--seed", "1"];
        args.extend(flag);
        args.extend(["--out", "s.jsonl"]);
        let err = sandbox.fails(&args);
        assert!(err.contains("rag_items.jsonl: no record has a field `modle`; the fields are id, input"), "{err}");
        assert!(err.contains("model"), "{err}");
        assert!(!sandbox.path("s.jsonl").exists(), "nothing is written");
    }
}
