//! Conversation items and step-scope labels through the real binary: `import` of an
//! OpenAI-shape conversation, a rubric with step-scope and `step` criteria, and
//! `labels import` with a `step` column.

mod common;

use common::Sandbox;

const TRACE: &str = r#"{"id": "t1", "messages": [
 {"role": "user", "content": "Where is order 42?"},
 {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"id\": 42}"}}]},
 {"role": "tool", "tool_call_id": "c1", "content": "{\"status\": \"shipped\"}"},
 {"role": "assistant", "content": "It has not shipped yet."}]}
"#;

const RUBRIC: &str = r#"name = "trace"
version = 1

[[criteria]]
id = "task_success"
kind = "binary"

[[criteria]]
id = "tool_ok"
kind = "binary"
scope = "step"
steps = ["tool_call"]

[[criteria]]
id = "faithful"
kind = "binary"
scope = "step"
steps = ["assistant"]
when = { task_success = "fail" }

[[criteria]]
id = "first_error"
kind = "step"
"#;

fn sandbox() -> Sandbox {
    let sandbox = Sandbox::with_store();
    sandbox.write("traces.jsonl", TRACE.replace('\n', " ").trim().to_string() + "\n");
    sandbox.ok(&["import", "traces.jsonl"]);
    sandbox.write("trace.toml", RUBRIC);
    sandbox.ok(&["rubric", "add", "trace.toml"]);
    sandbox
}

/// The current label events, as (criterion key, value), for rater `ana`.
fn stored(sandbox: &Sandbox) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(sandbox.path("tally.db")).unwrap();
    let mut statement =
        conn.prepare("SELECT criterion, value FROM label_events WHERE rater = 'ana' ORDER BY criterion").unwrap();
    statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn step_labels_are_stored_per_step_and_checked_against_the_items_steps() {
    let sandbox = sandbox();
    sandbox.write(
        "labels.csv",
        "item,rater,criterion,value,step\n\
         t1,ana,task_success,fail,\n\
         t1,ana,tool_ok,pass,2\n\
         t1,ana,faithful,fail,4\n\
         t1,ana,first_error,4,\n",
    );
    sandbox.ok(&["labels", "import", "labels.csv"]);
    assert_eq!(
        stored(&sandbox),
        [
            ("faithful@4".to_string(), "\"fail\"".to_string()),
            ("first_error".to_string(), "\"4\"".to_string()),
            ("task_success".to_string(), "\"fail\"".to_string()),
            ("tool_ok@2".to_string(), "\"pass\"".to_string()),
        ]
    );
}

#[test]
fn a_step_label_that_does_not_fit_the_item_names_the_line_and_changes_nothing() {
    let sandbox = sandbox();
    for (row, expected) in [
        ("t1,ana,tool_ok,pass,", "bad.csv:2: field `step` is missing: criterion `tool_ok` has one value per step"),
        (
            "t1,ana,tool_ok,pass,3",
            "bad.csv:2: field `step`: step 3 of item `t1` is a tool_result step; criterion `tool_ok` applies to tool_call steps",
        ),
        ("t1,ana,tool_ok,pass,9", "bad.csv:2: field `step`: item `t1` has 4 steps, not 9"),
        ("t1,ana,tool_ok,pass,two", "bad.csv:2: field `step`: `two` is not a step number"),
        ("t1,ana,task_success,pass,1", "bad.csv:2: field `step`: criterion `task_success` is about the whole item"),
        ("t1,ana,first_error,0,", "bad.csv:2: field `value`: `0` is not a step"),
        // `when` across scopes: `faithful` (a step's) applies only when the item failed.
        (
            "t1,ana,faithful,fail,4",
            "`faithful` applies only when `task_success` is `fail`, and rater `ana` has no value for `task_success` on this item at step 4",
        ),
    ] {
        sandbox.write("bad.csv", format!("item,rater,criterion,value,step\n{row}\n"));
        let err = sandbox.fails(&["labels", "import", "bad.csv"]);
        assert!(err.contains(expected), "{row}: {err}");
        assert!(stored(&sandbox).is_empty(), "{row}");
    }
}

#[test]
fn a_conversation_shows_its_first_question_and_last_answer_where_items_are_listed() {
    let sandbox = sandbox();
    let listed = sandbox.ok(&["items", "--format", "json"]);
    assert!(listed.contains("Where is order 42?"), "{listed}");
}

/// Two traces, each with tool calls at steps 2 and 3.
fn two_call_trace(id: &str) -> String {
    format!(
        r#"{{"id": "{id}", "messages": [{{"role": "user", "content": "Refund order 7 and 8"}}, {{"role": "assistant", "content": null, "tool_calls": [{{"id": "a", "type": "function", "function": {{"name": "refund", "arguments": "{{\"order\": 7}}"}}}}, {{"id": "b", "type": "function", "function": {{"name": "refund", "arguments": "{{\"order\": 8}}"}}}}]}}, {{"role": "tool", "tool_call_id": "a", "content": "ok"}}, {{"role": "tool", "tool_call_id": "b", "content": "ok"}}, {{"role": "assistant", "content": "Both refunded."}}]}}"#
    )
}

#[test]
fn agreement_on_a_step_criterion_takes_each_item_and_step_as_a_unit() {
    let sandbox = Sandbox::with_store();
    sandbox.write("two.jsonl", format!("{}\n{}\n", two_call_trace("t1"), two_call_trace("t2")));
    sandbox.ok(&["import", "two.jsonl"]);
    sandbox.write("trace.toml", RUBRIC);
    sandbox.ok(&["rubric", "add", "trace.toml"]);
    sandbox.write(
        "labels.csv",
        "item,rater,criterion,value,step\n\
         t1,ana,tool_ok,pass,2\nt1,ben,tool_ok,pass,2\n\
         t1,ana,tool_ok,fail,3\nt1,ben,tool_ok,fail,3\n\
         t2,ana,tool_ok,pass,2\nt2,ben,tool_ok,pass,2\n\
         t2,ana,tool_ok,pass,3\nt2,ben,tool_ok,fail,3\n\
         t1,ana,first_error,3,\nt1,ben,first_error,4,\nt1,chloe,first_error,none,\n\
         t2,ana,first_error,none,\nt2,ben,first_error,none,\n",
    );
    sandbox.ok(&["labels", "import", "labels.csv"]);
    let report: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["report", "agreement", "--format", "json"])).unwrap();
    let criterion =
        |id: &str| report["criteria"].as_array().unwrap().iter().find(|c| c["criterion"] == id).unwrap().clone();

    // By hand (Krippendorff 2011, nominal, two raters): units (t1,2) pass/pass,
    // (t1,3) fail/fail, (t2,2) pass/pass, (t2,3) pass/fail give coincidences o_pp = 4,
    // o_ff = 2, o_pf = o_fp = 1; n_pass = 5, n_fail = 3, n = 8;
    // alpha = 1 - (n - 1) * (o_pf + o_fp) / (n_pass * n_fail * 2) = 1 - 7 * 2 / 30 = 0.5333.
    let tool_ok = criterion("tool_ok");
    assert_eq!(tool_ok["scope"], "step");
    assert_eq!(tool_ok["n_units"], 4);
    assert!((tool_ok["alpha"].as_f64().unwrap() - 16.0 / 30.0).abs() < 1e-9, "{tool_ok}");

    // Steps chosen: t1 3, 4 and none; t2 none and none. Pairs within one step: (3, 4) and
    // (none, none) of the four pairs.
    let first_error = criterion("first_error");
    assert_eq!(first_error["scope"], "item");
    assert_eq!(first_error["level"], "nominal");
    assert_eq!(first_error["within_one_step"], serde_json::json!({"share": 0.5, "n_pairs": 4}));
    assert_eq!(criterion("task_success")["scope"], "item");
}

#[test]
fn errors_by_tool_and_by_step_kind_give_failure_rates_over_steps() {
    let sandbox = Sandbox::with_store();
    let trace = |id: &str| {
        format!(
            r#"{{"id": "{id}", "messages": [{{"role": "user", "content": "Refund order 7"}}, {{"role": "assistant", "content": null, "tool_calls": [{{"id": "a", "type": "function", "function": {{"name": "lookup_order", "arguments": "{{}}"}}}}, {{"id": "b", "type": "function", "function": {{"name": "refund", "arguments": "{{}}"}}}}]}}, {{"role": "tool", "tool_call_id": "a", "content": "ok"}}, {{"role": "tool", "tool_call_id": "b", "content": "ok"}}, {{"role": "assistant", "content": "Refunded."}}]}}"#
        )
    };
    sandbox.write("t.jsonl", format!("{}\n{}\n", trace("t1"), trace("t2")));
    sandbox.ok(&["import", "t.jsonl"]);
    sandbox.write("trace.toml", RUBRIC);
    sandbox.ok(&["rubric", "add", "trace.toml"]);
    // Step 2 calls lookup_order, step 3 refund. (t2, 3) is a tie: no consensus.
    sandbox.write(
        "labels.csv",
        "item,rater,criterion,value,step\n\
         t1,ana,task_success,fail,\nt1,ben,task_success,fail,\n\
         t1,ana,tool_ok,pass,2\nt1,ben,tool_ok,pass,2\nt1,ana,tool_ok,fail,3\nt1,ben,tool_ok,fail,3\n\
         t2,ana,tool_ok,fail,2\nt2,ben,tool_ok,fail,2\nt2,ana,tool_ok,fail,3\nt2,ben,tool_ok,pass,3\n",
    );
    sandbox.ok(&["labels", "import", "labels.csv"]);
    let rates = |by: &str| -> Vec<(String, String, u64, u64)> {
        let report: serde_json::Value =
            serde_json::from_str(&sandbox.ok(&["report", "errors", "--by", by, "--format", "json"])).unwrap();
        let mut rates = Vec::new();
        for slice in report["slices"].as_array().unwrap() {
            for rate in slice["rates"].as_array().unwrap() {
                assert_eq!(rate["scope"], "step", "{rate}");
                let k = rate["count"].as_u64().unwrap();
                let n = rate["n"].as_u64().unwrap();
                rates.push((
                    slice["slice"].as_str().unwrap().to_string(),
                    rate["criterion"].as_str().unwrap().to_string(),
                    k,
                    n,
                ));
            }
        }
        rates
    };
    let tool_ok =
        |by: &str| rates(by).into_iter().filter(|r| r.1 == "tool_ok").map(|r| (r.0, r.2, r.3)).collect::<Vec<_>>();
    assert_eq!(tool_ok("tool"), [("lookup_order".to_string(), 1, 2), ("refund".to_string(), 1, 1)]);
    assert_eq!(tool_ok("step_kind"), [("tool_call".to_string(), 2, 3)]);
    // Without a step field, item rates and step rates sit side by side.
    let all: serde_json::Value = serde_json::from_str(&sandbox.ok(&["report", "errors", "--format", "json"])).unwrap();
    assert_eq!((all["items"].as_u64(), all["steps"].as_u64()), (Some(1), Some(4)));
    let table = sandbox.ok(&["report", "errors", "--by", "tool"]);
    assert!(table.contains("tool_ok: fail (steps)"), "{table}");
    // Sliced by tool, the slices hold steps only: no item columns, no empty rates.
    assert!(!table.contains("failed  steps") && !table.contains("0/0"), "{table}");
}

#[test]
fn the_judge_scores_steps_and_report_judge_compares_them_per_step() {
    let sandbox = Sandbox::with_store();
    let judged = |id: &str, third: &str| {
        let mut item: serde_json::Value = serde_json::from_str(&two_call_trace(id)).unwrap();
        item["judge"] = serde_json::json!({"steps": {"2": {"tool_ok": "pass"}, "3": {"tool_ok": third}}});
        item.to_string()
    };
    sandbox.write("two.jsonl", format!("{}\n{}\n", judged("t1", "fail"), judged("t2", "pass")));
    sandbox.ok(&["import", "two.jsonl"]);
    sandbox.write("trace.toml", RUBRIC);
    sandbox.ok(&["rubric", "add", "trace.toml"]);
    sandbox.write(
        "labels.csv",
        "item,rater,criterion,value,step\n\
         t1,ana,tool_ok,pass,2\nt1,ana,tool_ok,fail,3\nt2,ana,tool_ok,pass,2\nt2,ana,tool_ok,fail,3\n",
    );
    sandbox.ok(&["labels", "import", "labels.csv"]);
    let report: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["report", "judge", "--format", "json"])).unwrap();
    let tool_ok = report["criteria"].as_array().unwrap().iter().find(|c| c["criterion"] == "tool_ok").unwrap();
    assert_eq!(tool_ok["scope"], "step");
    // Judge pass, fail, pass, pass against humans pass, fail, pass, fail: p_o = 3/4,
    // p_e = 3/4 * 2/4 + 1/4 * 2/4 = 1/2, Cohen's kappa = (3/4 - 1/2) / (1 - 1/2) = 0.5.
    assert!((tool_ok["kappa"].as_f64().unwrap() - 0.5).abs() < 1e-9, "{tool_ok}");
}

#[test]
fn golden_sets_carry_messages_and_step_consensus_and_import_them_back() {
    let sandbox = Sandbox::with_store();
    sandbox.write("two.jsonl", format!("{}\n", two_call_trace("t1")));
    sandbox.ok(&["import", "two.jsonl"]);
    sandbox.write("trace.toml", RUBRIC);
    sandbox.ok(&["rubric", "add", "trace.toml"]);
    sandbox.write(
        "labels.csv",
        "item,rater,criterion,value,step\n\
         t1,ana,task_success,fail,\nt1,ben,task_success,fail,\n\
         t1,ana,tool_ok,pass,2\nt1,ben,tool_ok,pass,2\nt1,ana,tool_ok,fail,3\nt1,ben,tool_ok,pass,3\n\
         t1,ana,faithful,fail,6\nt1,ben,faithful,fail,6\n",
    );
    sandbox.ok(&["labels", "import", "labels.csv"]);
    sandbox.ok(&["export", "--out", "g.jsonl"]);
    let line: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(sandbox.path("g.jsonl")).unwrap().trim()).unwrap();
    assert_eq!(line["messages"].as_array().unwrap().len(), 5);
    assert_eq!(line["labels"]["task_success"], "fail");
    // Step 3 tied: `null`, as an item criterion's tie is.
    assert_eq!(
        line["step_labels"],
        serde_json::json!({"2": {"tool_ok": "pass"}, "3": {"tool_ok": null}, "6": {"faithful": "fail"}})
    );

    sandbox.ok_on("fresh.db", &["init"]);
    sandbox.ok_on("fresh.db", &["rubric", "add", "trace.toml"]);
    sandbox.ok_on("fresh.db", &["golden", "import", "g.jsonl"]);
    sandbox.ok_on("fresh.db", &["export", "--out", "back.jsonl", "--include-golden"]);
    let back: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(sandbox.path("back.jsonl")).unwrap().trim()).unwrap();
    assert_eq!(back["messages"], line["messages"]);
    assert_eq!(back["step_labels"], serde_json::json!({"2": {"tool_ok": "pass"}, "6": {"faithful": "fail"}}));
}
