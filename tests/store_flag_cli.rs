//! `--db` is offered by the commands that use a store, and only by them (help,
//! completions, man page); `tally --db PATH COMMAND`, the older spelling, still works.

mod common;

use std::process::Output;

use common::Sandbox;

/// Runs tally in the sandbox with exactly `args` (no `--db` added, no `TALLY_DB`) and
/// `env` set.
fn run(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(args)
        .current_dir(sandbox.dir.path())
        .env_remove("TALLY_DB")
        .env("HOME", sandbox.dir.path())
        .env("XDG_DATA_HOME", sandbox.dir.path().join("data"))
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn ok(sandbox: &Sandbox, args: &[&str]) -> String {
    let output = run(sandbox, args, &[]);
    assert!(output.status.success(), "tally {args:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn offers_db(help: &str) -> bool {
    help.contains("--db <PATH>")
}

#[test]
fn help_offers_db_only_on_commands_that_use_a_store() {
    let sandbox = Sandbox::new();
    let with_store: &[&[&str]] = &[
        &["report", "agreement"],
        &["report", "progress"],
        &["labels", "import"],
        &["status"],
        &["init"],
        &["demo"],
        &["import"],
        &["sample"],
        &["export"],
        &["estimate"],
        &["gate"],
        &["rubric", "add"],
        &["batch", "create"],
        &["golden", "import"],
        &["plan", "alpha"],
        &["plan", "rate"],
        &["plan", "kappa"],
    ];
    for command in with_store {
        let help = ok(&sandbox, &[*command, &["--help"][..]].concat());
        assert!(offers_db(&help), "tally {} --help should offer --db:\n{help}", command.join(" "));
    }
    let without_store: &[&[&str]] = &[
        &[],
        &["agreement"],
        &["correlate"],
        &["completions"],
        &["man"],
        &["rubric", "check"],
        &["golden", "diff"],
        &["plan", "correlation"],
        // Groups: --db belongs to their subcommands.
        &["report"],
        &["rubric"],
    ];
    for command in without_store {
        let help = ok(&sandbox, &[*command, &["--help"][..]].concat());
        assert!(!offers_db(&help), "tally {} --help should not offer --db:\n{help}", command.join(" "));
    }
    // Where the store is optional, the help says when it is used.
    let plan_rate = ok(&sandbox, &["plan", "rate", "--help"]);
    assert!(plan_rate.contains("The store of --from-store"), "{plan_rate}");
    let sample = ok(&sandbox, &["sample", "--help"]);
    assert!(sample.contains("not used with --out alone"), "{sample}");
}

#[test]
fn db_goes_before_or_after_the_command() {
    let sandbox = Sandbox::new();
    ok(&sandbox, &["--db", "a.db", "init"]);
    ok(&sandbox, &["init", "--db", "b.db"]);
    assert!(sandbox.path("a.db").exists() && sandbox.path("b.db").exists());
    ok(&sandbox, &["--db", "a.db", "import", &common::repo("sample_data/rag_items.jsonl")]);

    let before = ok(&sandbox, &["--db", "a.db", "status", "--format", "json"]);
    let after = ok(&sandbox, &["status", "--format", "json", "--db", "a.db"]);
    assert_eq!(before, after);
    assert!(after.contains("a.db"), "{after}");
    let other = ok(&sandbox, &["status", "--db", "b.db"]);
    assert!(other.contains("b.db"), "{other}");
    // The same store both ways is no conflict.
    ok(&sandbox, &["--db", "a.db", "report", "progress", "--db", "a.db"]);

    // Two different stores: a usage error, like clap's own.
    let output = run(&sandbox, &["--db", "a.db", "status", "--db", "b.db"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("--db") && error.contains("a.db") && error.contains("b.db"), "{error}");
    assert!(output.stdout.is_empty());
}

#[test]
fn tally_db_still_names_the_store_and_the_flag_wins_over_it() {
    let sandbox = Sandbox::new();
    ok(&sandbox, &["--db", "a.db", "init"]);
    ok(&sandbox, &["--db", "b.db", "init"]);
    let output = run(&sandbox, &["status"], &[("TALLY_DB", "a.db")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("a.db"));
    let output = run(&sandbox, &["status", "--db", "b.db"], &[("TALLY_DB", "a.db")]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("b.db"));
    // `init` with TALLY_DB creates the store it names.
    let output = run(&sandbox, &["init"], &[("TALLY_DB", "c.db")]);
    assert!(output.status.success() && sandbox.path("c.db").exists());
}

#[test]
fn commands_without_a_store_refuse_db_after_them_and_ignore_it_before_them() {
    let sandbox = Sandbox::new();
    sandbox.write("ratings.csv", "unit,r1,r2\n1,1,1\n2,2,2\n3,1,2\n");
    let output = run(&sandbox, &["agreement", "ratings.csv", "--db", "x.db"], &[]);
    assert_eq!(output.status.code(), Some(2), "an unknown flag is a usage error");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--db"));

    // Scripts that always pass --db first keep working; like TALLY_DB, it is not used.
    let out = ok(&sandbox, &["--db", "x.db", "agreement", "ratings.csv", "--replicates", "0"]);
    assert!(out.contains("alpha"), "{out}");
    ok(&sandbox, &["--db", "x.db", "plan", "correlation", "--r", "0.5", "--half-width", "0.1"]);
    ok(&sandbox, &["--db", "x.db", "completions", "bash"]);
    assert!(!sandbox.path("x.db").exists(), "nothing opens or creates a store");
}

/// The lines of the case of bash's completion function for `name`.
fn bash_case<'s>(script: &'s str, name: &str) -> &'s str {
    let start = script.find(&format!("\n        {name})\n")).unwrap_or_else(|| panic!("no case {name}"));
    let end = script[start..].find(";;").unwrap();
    &script[start..start + end]
}

#[test]
fn completions_offer_db_only_for_commands_that_use_a_store() {
    let sandbox = Sandbox::new();
    let bash = ok(&sandbox, &["completions", "bash"]);
    assert!(bash_case(&bash, "tally__subcmd__status").contains("--db"));
    assert!(bash_case(&bash, "tally__subcmd__report__subcmd__agreement").contains("--db"));
    assert!(!bash_case(&bash, "tally__subcmd__agreement").contains("--db"));
    assert!(!bash_case(&bash, "tally__subcmd__rubric__subcmd__check").contains("--db"));
    // The hidden spelling before the command is not offered.
    assert!(!bash_case(&bash, "tally").contains("--db"), "{}", bash_case(&bash, "tally"));

    let fish = ok(&sandbox, &["completions", "fish"]);
    let db_lines: Vec<&str> = fish.lines().filter(|line| line.contains("-l db")).collect();
    assert!(db_lines.iter().any(|line| line.contains("using_subcommand status\"")), "{db_lines:?}");
    assert!(!db_lines.iter().any(|line| line.contains("using_subcommand agreement\"")), "{db_lines:?}");
    assert!(!db_lines.iter().any(|line| line.contains("needs_command")), "{db_lines:?}");

    // The man page still generates, and offers no --db of its own.
    let page = ok(&sandbox, &["man"]);
    assert!(page.contains(".TH tally 1"));
    assert!(!page.contains("\\-\\-db <"), "{page}");
}
