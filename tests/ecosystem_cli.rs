//! tally among the tools an eval team runs: the field names of ragas and Hugging Face
//! datasets, nested fields, labels in the wide shape, exports for the harnesses, the shell.

mod common;

use common::{Sandbox, repo};

#[test]
fn ragas_0_2_records_are_read_and_fields_left_in_metadata_are_named() {
    let sandbox = Sandbox::with_store();
    // ragas 0.2+ SingleTurnSample (https://docs.ragas.io/en/stable/concepts/components/eval_sample/).
    sandbox.write(
        "ragas.jsonl",
        concat!(
            r#"{"user_input": "Who wrote Dune?", "response": "Frank Herbert.", "retrieved_contexts": ["Dune is a 1965 novel by Frank Herbert."], "reference_contexts": ["Frank Herbert wrote Dune."], "reference": "Frank Herbert"}"#,
            "\n",
            r#"{"user_input": "Capital of France?", "response": "Paris.", "retrieved_contexts": [], "reference": "Paris"}"#,
            "\n"
        ),
    );
    let out = sandbox.ok(&["import", "ragas.jsonl"]);
    assert!(out.contains("2 records"), "{out}");
    assert!(out.contains("went to metadata") && out.contains("`reference_contexts` (1)"), "{out}");
    let items = sandbox.ok(&["items", "--format", "json"]);
    assert!(items.contains("Who wrote Dune?") && items.contains("Capital of France?"), "{items}");
}

#[test]
fn map_reads_a_nested_field_and_only_what_is_left_goes_to_metadata() {
    let sandbox = Sandbox::with_store();
    // An OpenAI chat completion object (https://platform.openai.com/docs/api-reference/chat/object).
    sandbox.write(
        "completions.jsonl",
        r#"{"id": "c1", "prompt": "Say hi", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi there"}}]}
"#,
    );
    let out = sandbox.ok(&["import", "completions.jsonl", "--map", "output=choices.0.message.content"]);
    // The rest of `choices` (index, role) is kept in metadata, and said so.
    assert!(out.contains("went to metadata") && out.contains("`choices` (1)"), "{out}");
    let shown = sandbox.ok(&["show", "c1", "--format", "json"]);
    assert!(shown.contains("\"output\": \"Hi there\"") || shown.contains("\"output\":\"Hi there\""), "{shown}");
    let error = sandbox.fails(&["import", "completions.jsonl", "--map", "output=/choices/3/message/content"]);
    assert!(error.contains("completions.jsonl:1") && error.contains("/choices/3/message/content"), "{error}");
    let plain = sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    assert!(!plain.contains("went to metadata"), "{plain}");
}

/// The sample labels (long CSV), pivoted to one row per item and rater.
fn wide_csv_of_sample_labels() -> String {
    let mut reader = csv::Reader::from_path(repo("sample_data/rag_labels.csv")).unwrap();
    let criteria = ["correct", "grounded", "helpfulness", "defects", "note"];
    let mut rows: std::collections::BTreeMap<(String, String), std::collections::BTreeMap<String, String>> =
        Default::default();
    for record in reader.records() {
        let record = record.unwrap();
        rows.entry((record[0].to_string(), record[1].to_string()))
            .or_default()
            .insert(record[2].to_string(), record[3].to_string());
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["item", "rater"].iter().chain(&criteria)).unwrap();
    for ((item, rater), values) in rows {
        let mut row = vec![item, rater];
        row.extend(criteria.iter().map(|c| values.get(*c).cloned().unwrap_or_default()));
        writer.write_record(row).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn agreement_after_labels(file: &str, contents: &str) -> String {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    let path = match contents {
        "" => repo("sample_data/rag_labels.csv"),
        _ => sandbox.write(file, contents).display().to_string(),
    };
    let out = sandbox.ok(&["labels", "import", &path]);
    assert!(out.contains("labels"), "{out}");
    sandbox.ok(&["report", "agreement", "--replicates", "0", "--format", "json"])
}

#[test]
fn labels_import_reads_the_wide_shape_and_jsonl_as_the_long_csv() {
    let long = agreement_after_labels("", "");
    let wide = wide_csv_of_sample_labels();
    assert!(wide.starts_with("item,rater,correct,grounded,helpfulness,defects,note\n"), "{wide}");
    // Every criterion but the tags: an empty wide cell is no label, while the long file
    // also says "no tags" for two labels (documented: the long shape can say it).
    let criteria = |report: &str| -> Vec<serde_json::Value> {
        let report: serde_json::Value = serde_json::from_str(report).unwrap();
        report["criteria"].as_array().unwrap().iter().filter(|c| c["level"] != "masi").cloned().collect()
    };
    let from_wide = agreement_after_labels("wide.csv", &wide);
    assert_eq!(criteria(&from_wide).len(), 3);
    assert_eq!(criteria(&from_wide), criteria(&long));

    // JSONL, long and wide (tags as a JSON list), on a small file.
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.write(
        "labels.jsonl",
        concat!(
            r#"{"item": "q-0001-v1", "rater": "ana", "criterion": "correct", "value": "fail"}"#,
            "\n",
            r#"{"item": "q-0001-v1", "rater": "ben", "correct": "fail", "helpfulness": 2, "defects": ["hallucination", "incomplete"]}"#,
            "\n"
        ),
    );
    let out = sandbox.ok(&["labels", "import", "labels.jsonl"]);
    assert!(out.contains("4 records") || out.contains("4 labels"), "{out}");
    let shown = sandbox.ok(&["show", "q-0001-v1", "--format", "json"]);
    assert!(shown.contains("incomplete") && shown.contains("ben"), "{shown}");
}

#[test]
fn a_wide_column_that_names_no_criterion_is_refused_with_its_line() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.write("wide.csv", "item,rater,correct,helpfulnes\nq-0001-v1,ana,pass,4\n");
    let error = sandbox.fails(&["labels", "import", "wide.csv"]);
    assert!(error.contains("wide.csv:2") && error.contains("field `helpfulnes`"), "{error}");
    sandbox.write("wide.csv", "item,rater,correct,helpfulness\nq-0001-v1,ana,pass,9\n");
    let error = sandbox.fails(&["labels", "import", "wide.csv"]);
    assert!(error.contains("wide.csv:2") && error.contains("field `helpfulness`"), "{error}");
    let status = sandbox.ok(&["status", "--format", "json"]);
    assert!(status.contains("\"labels\": 0") || status.contains("\"label_events\": 0"), "{status}");
}

/// A sandbox with the sample data: items, rubric, the three raters' labels.
fn sample_store() -> Sandbox {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    sandbox
}

/// Whether `actual` has the shape of `fixture`: the same keys with values of the same
/// JSON types; an empty fixture object is any object; a fixture list's first element is
/// the shape of each element.
fn assert_shape(fixture: &serde_json::Value, actual: &serde_json::Value, at: &str) {
    use serde_json::Value;
    match (fixture, actual) {
        (Value::Object(expected), Value::Object(_)) if expected.is_empty() => {}
        (Value::Object(expected), Value::Object(got)) => {
            let mut expected_keys: Vec<_> = expected.keys().collect();
            let mut got_keys: Vec<_> = got.keys().collect();
            expected_keys.sort();
            got_keys.sort();
            assert_eq!(got_keys, expected_keys, "keys at {at}");
            for (key, value) in expected {
                assert_shape(value, &got[key], &format!("{at}.{key}"));
            }
        }
        (Value::Array(expected), Value::Array(got)) => {
            assert!(!got.is_empty(), "empty list at {at}");
            for (index, element) in got.iter().enumerate() {
                assert_shape(&expected[0], element, &format!("{at}[{index}]"));
            }
        }
        (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_)) => {}
        _ => panic!("at {at}: expected the shape of {fixture}, found {actual}"),
    }
}

fn lines(text: &str) -> Vec<serde_json::Value> {
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

#[test]
fn harness_exports_have_the_documented_shapes_and_manifests() {
    let sandbox = sample_store();
    for (format, fixture) in [
        ("inspect", "inspect_sample.json"),
        ("openai-evals", "openai_evals_sample.json"),
        ("promptfoo", "promptfoo_test.json"),
    ] {
        let out = sandbox.ok(&["export", "--format", format, "--out", &format!("{format}.jsonl")]);
        // Three items tie on `correct` (the default target): they have no target.
        assert!(out.contains("(157 items") && out.contains("left out 3 items without a target"), "{out}");
        let fixture: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(repo(&format!("tests/data/harness/{fixture}"))).unwrap())
                .unwrap();
        let text = std::fs::read_to_string(sandbox.path(&format!("{format}.jsonl"))).unwrap();
        let records = lines(&text);
        assert_eq!(records.len(), 157);
        for (index, record) in records.iter().enumerate() {
            assert_shape(&fixture, record, &format!("{format} line {}", index + 1));
        }
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(sandbox.path(&format!("{format}.manifest.json"))).unwrap())
                .unwrap();
        assert_eq!(manifest["file_format"], format);
        assert_eq!(manifest["counts"]["items"], 157);
        assert_eq!(manifest["excluded"]["no_target"], 3);
        // Same store, same arguments: the same bytes.
        sandbox.ok(&["export", "--format", format, "--out", "again.jsonl"]);
        assert_eq!(std::fs::read_to_string(sandbox.path("again.jsonl")).unwrap(), text, "{format}");
    }

    // What the default target (the first binary criterion, `correct`) gives.
    let inspect = lines(&std::fs::read_to_string(sandbox.path("inspect.jsonl")).unwrap());
    let first = &inspect[0];
    assert_eq!(first["id"], "q-0001-v1");
    assert_eq!(first["target"], "pass");
    let input = first["input"].as_str().unwrap();
    assert!(
        input.starts_with("Question:\nCan the reminder emails go out in Spanish") && input.contains("\n\nAnswer:\n")
    );
    assert_eq!(first["metadata"]["criterion"], "correct");
    assert_eq!(first["metadata"]["item_metadata"]["model"], "assistant-v1");
    let evals = lines(&std::fs::read_to_string(sandbox.path("openai-evals.jsonl")).unwrap());
    assert_eq!(evals[0]["ideal"], "pass");
    assert_eq!(evals[0]["input"][0]["role"], "system");
    assert!(evals[0]["input"][0]["content"].as_str().unwrap().contains("one of: pass, fail"));
    assert_eq!(evals[0]["input"][1]["content"], first["input"]);
    let promptfoo = lines(&std::fs::read_to_string(sandbox.path("promptfoo.jsonl")).unwrap());
    assert_eq!(promptfoo[0]["assert"][0], serde_json::json!({"type": "equals", "value": "pass"}));
    assert_eq!(promptfoo[0]["vars"]["prompt"], first["input"]);
}

#[test]
fn the_target_is_a_criterion_or_the_reference() {
    let sandbox = sample_store();
    sandbox.ok(&["export", "--format", "inspect", "--target", "helpfulness", "--out", "h.jsonl"]);
    let first = &lines(&std::fs::read_to_string(sandbox.path("h.jsonl")).unwrap())[0];
    assert_eq!((first["target"].as_str(), first["metadata"]["criterion"].as_str()), (Some("4"), Some("helpfulness")));

    // A reference set tests a model: the input is the question, the target the reference.
    let out = sandbox.ok(&["export", "--format", "promptfoo", "--target", "reference", "--out", "r.jsonl"]);
    assert!(out.contains("(160 items") && !out.contains("without a target"), "{out}");
    let first = &lines(&std::fs::read_to_string(sandbox.path("r.jsonl")).unwrap())[0];
    assert_eq!(first["vars"]["prompt"], "Can the reminder emails go out in Spanish for my customers in Mexico?");
    assert_eq!(first["assert"][0]["type"], "factuality");
    assert!(first["assert"][0]["value"].as_str().unwrap().starts_with("The passages don't cover"));

    let error = sandbox.fails(&["export", "--format", "inspect", "--target", "defects", "--out", "x.jsonl"]);
    assert!(error.contains("--target defects") && error.contains("tags criterion"), "{error}");
    let error = sandbox.fails(&["export", "--format", "inspect", "--target", "nope", "--out", "x.jsonl"]);
    assert!(
        error.contains("no such criterion") && error.contains("correct, grounded, helpfulness, reference"),
        "{error}"
    );
    let error = sandbox.fails(&["export", "--target", "correct", "--out", "x.jsonl"]);
    assert!(error.contains("--target is for"), "{error}");
    assert!(!sandbox.path("x.jsonl").exists());
}

#[test]
fn hf_writes_a_dataset_folder_whose_card_describes_its_rows() {
    let sandbox = sample_store();
    let out = sandbox.ok(&["export", "--format", "hf", "--out", "rag-golden", "--license", "cc-by-4.0"]);
    assert!(out.contains("rag-golden/README.md"), "{out}");
    let card = std::fs::read_to_string(sandbox.path("rag-golden/README.md")).unwrap();
    // The YAML header (https://huggingface.co/docs/hub/datasets-cards): between `---` lines.
    let header = card.strip_prefix("---\n").and_then(|rest| rest.split_once("\n---\n")).unwrap().0;
    assert!(header.contains("license: \"cc-by-4.0\"\n"), "{header}");
    assert!(header.contains("pretty_name: \"rag-golden\"\n"), "{header}");
    assert!(header.contains("  - split: train\n    path: train.jsonl\n"), "{header}");
    assert!(header.ends_with("\n    num_examples: 160"), "{header}");
    // Every row has exactly the declared features, with values of the declared types.
    let mut features: Vec<(String, String)> = Vec::new();
    let mut lines_of_header = header.lines();
    while let Some(line) = lines_of_header.next() {
        if let Some(name) = line.strip_prefix("  - name: ").filter(|_| !line.contains("train")) {
            features.push((name.to_string(), lines_of_header.next().unwrap().trim().to_string()));
        }
    }
    assert_eq!(features.len(), 14, "{features:?}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.path("rag-golden/train.manifest.json")).unwrap())
            .unwrap();
    assert!(card.contains(manifest["sha256"].as_str().unwrap()), "the card names the data's sha256");
    assert_eq!(manifest["file_format"], "hf");
    let rows = lines(&std::fs::read_to_string(sandbox.path("rag-golden/train.jsonl")).unwrap());
    assert_eq!(rows.len(), 160);
    for row in &rows {
        let object = row.as_object().unwrap();
        assert_eq!(object.len(), features.len());
        for (name, kind) in &features {
            let value = &object[name];
            let fits = match kind.as_str() {
                "dtype: string" => value.is_string() || value.is_null(),
                "sequence: string" => {
                    value.as_array().is_some_and(|a| a.iter().all(|v| v.is_string())) || value.is_null()
                }
                "dtype: float64" => value.is_number() || value.is_null(),
                "dtype: int64" => value.is_u64(),
                other => panic!("unexpected feature type {other}"),
            };
            assert!(fits, "{name} ({kind}) = {value}");
        }
    }
}

#[test]
fn completions_for_each_shell_and_a_man_page() {
    let sandbox = Sandbox::new();
    for (shell, marker) in [
        ("bash", "complete -F _tally"),
        ("zsh", "#compdef tally"),
        ("fish", "complete -c tally"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = sandbox.ok(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: {script}");
        // Subcommands and their flags are offered.
        assert!(script.contains("labels") && script.contains("min-alpha"), "{shell}");
    }
    let error = sandbox.fails(&["completions", "tcsh"]);
    assert!(error.contains("possible values: bash"), "{error}");
    let page = sandbox.ok(&["man"]);
    assert!(page.starts_with(".ie") || page.contains(".TH tally 1"), "{}", &page[..200.min(page.len())]);
    assert!(page.contains(".TH tally 1") && page.contains("completions"), "the man page lists the commands");
    // Neither needs a store, nor makes one.
    assert!(!sandbox.path("tally.db").exists());
}

#[test]
fn report_raters_reads_one_batch() {
    let sandbox = sample_store();
    sandbox.write(
        "extra.jsonl",
        concat!(
            r#"{"id": "x1", "input": "Q1", "output": "A1"}"#,
            "\n",
            r#"{"id": "x2", "input": "Q2", "output": "A2"}"#,
            "\n"
        ),
    );
    sandbox.ok(&["import", "extra.jsonl"]);
    sandbox.ok(&[
        "batch",
        "create",
        "extra",
        "--rubric",
        "rag-answer-quality",
        "--dataset",
        "extra",
        "--raters",
        "ana,zed",
        "--overlap",
        "2",
    ]);
    sandbox.write("extra-labels.csv", "item,rater,correct\nx1,ana,pass\nx1,zed,pass\nx2,ana,fail\nx2,zed,pass\n");
    sandbox.ok(&["labels", "import", "extra-labels.csv"]);
    let raters = |args: &[&str]| -> Vec<String> {
        let report: serde_json::Value = serde_json::from_str(&sandbox.ok(args)).unwrap();
        report["raters"].as_array().unwrap().iter().map(|r| r["rater"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(raters(&["report", "raters", "--format", "json"]), ["ana", "ben", "chloe", "zed"]);
    assert_eq!(raters(&["report", "raters", "--batch", "extra", "--format", "json"]), ["ana", "zed"]);
    let report: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["report", "raters", "--batch", "extra", "--format", "json"])).unwrap();
    // Within the batch, ana matches zed on one of two items.
    assert_eq!(report["raters"][0]["agreement_with_others"]["n"], 2);
    assert_eq!(report["raters"][0]["agreement_with_others"]["hits"], 1);
    let error = sandbox.fails(&["report", "raters", "--batch", "nope"]);
    assert!(error.contains("nope"), "{error}");
}

/// A JUnit test case: classname, name, and the failure message when it failed.
type JunitCase = (String, String, Option<String>);

/// The test cases of a JUnit report, read with an XML parser: (classname, name, failure
/// message), and the `tests`/`failures` counts of the root.
fn junit_cases(xml: &str) -> (Vec<JunitCase>, (String, String)) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let attribute = |element: &quick_xml::events::BytesStart, key: &str| -> String {
        let attribute = element.try_get_attribute(key).unwrap().unwrap();
        quick_xml::escape::unescape(&attribute.value).unwrap().into_owned()
    };
    let mut cases = Vec::new();
    let mut counts = (String::new(), String::new());
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(element) | Event::Empty(element) => match element.name().as_ref() {
                "testsuites" => counts = (attribute(&element, "tests"), attribute(&element, "failures")),
                "testcase" => cases.push((attribute(&element, "classname"), attribute(&element, "name"), None)),
                "failure" => cases.last_mut().unwrap().2 = Some(attribute(&element, "message")),
                _ => {}
            },
            _ => {}
        }
    }
    (cases, counts)
}

#[test]
fn gate_speaks_junit_and_json_with_per_criterion_thresholds() {
    let sandbox = sample_store();
    // alpha: correct 0.765, grounded 0.625, helpfulness 0.698, defects (MASI) 0.564.
    let args = ["gate", "--min-alpha", "0.6", "--min-alpha", "defects=0.5", "--min-alpha", "helpfulness=0.7"];
    let output = sandbox.run(&[&args[..], &["--format", "junit"]].concat());
    assert_eq!(output.status.code(), Some(1));
    let xml = String::from_utf8(output.stdout).unwrap();
    let (cases, counts) = junit_cases(&xml);
    assert_eq!(counts, ("4".to_string(), "1".to_string()), "{xml}");
    let failing: Vec<_> = cases.iter().filter(|case| case.2.is_some()).collect();
    assert_eq!(failing.len(), 1, "{cases:?}");
    assert_eq!(failing[0].0, "tally.gate.helpfulness");
    assert_eq!(failing[0].1, "alpha >= 0.7");
    assert_eq!(failing[0].2.as_deref(), Some("FAIL helpfulness: alpha 0.698 < 0.7 (by 0.002)"));
    assert!(cases.iter().any(|case| case.0 == "tally.gate.defects" && case.1 == "alpha >= 0.5" && case.2.is_none()));
    // The reason is on stderr too.
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr, "tally gate: FAIL helpfulness: alpha 0.698 < 0.7 (by 0.002)\n");

    let output = sandbox.run(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(output.status.code(), Some(1));
    let verdict: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!((verdict["passed"].as_bool(), verdict["failed"].as_u64()), (Some(false), Some(1)));
    let helpfulness = verdict["checks"].as_array().unwrap().iter().find(|c| c["criterion"] == "helpfulness").unwrap();
    assert_eq!(helpfulness["threshold"], 0.7);
    assert_eq!(helpfulness["bound"], "min");
    assert_eq!(helpfulness["passed"], false);

    // Only per-criterion thresholds: only those criteria are checked.
    let output = sandbox.run(&["gate", "--min-alpha", "correct=0.7", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let verdict: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(verdict["checks"].as_array().unwrap().len(), 1);
    assert!(output.stderr.is_empty());

    // Usage errors: exit 2, named.
    let unknown = sandbox.run(&["gate", "--min-alpha", "helpfulnes=0.7"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8(unknown.stderr).unwrap().contains("no criterion `helpfulnes`"));
    let bad = sandbox.run(&["gate", "--min-alpha", "high"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8(bad.stderr).unwrap().contains("--min-alpha `high`: expected a number"));
}

#[test]
fn labels_go_back_to_their_traces_as_langfuse_scores_and_otel_events() {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.write(
        "traced.jsonl",
        concat!(
            r#"{"id": "t1", "input": "hi", "output": "hello", "metadata": {"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "observationId": "00f067aa0ba902b7"}}"#,
            "\n",
            r#"{"id": "t2", "input": "q", "output": "a", "trace_id": "5bf92f3577b34da6a3ce929d0e0e4737", "span_id": "10f067aa0ba902b7"}"#,
            "\n",
            r#"{"id": "t3", "input": "q3", "output": "a3"}"#,
            "\n"
        ),
    );
    sandbox.ok(&["import", "traced.jsonl"]);
    sandbox.write(
        "labels.csv",
        "item,rater,correct,helpfulness\nt1,ana,pass,4\nt1,ben,pass,4\nt2,ana,fail,2\nt3,ana,pass,5\n",
    );
    sandbox.ok(&["labels", "import", "labels.csv"]);

    // Langfuse score bodies (https://api.reference.langfuse.com/#tag/score/POST/api/public/scores).
    let out = sandbox.ok(&["export", "--format", "langfuse-scores", "--out", "scores.jsonl"]);
    assert!(out.contains("(2 items") && out.contains("left out 1 items without trace ids"), "{out}");
    let scores = lines(&std::fs::read_to_string(sandbox.path("scores.jsonl")).unwrap());
    assert_eq!(scores.len(), 4, "two criteria on each of two traced items");
    let first = &scores[0];
    assert_eq!(first["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(first["observationId"], "00f067aa0ba902b7");
    assert_eq!(
        (first["name"].as_str(), first["value"].as_str(), first["dataType"].as_str()),
        (Some("correct"), Some("pass"), Some("CATEGORICAL"))
    );
    assert!(first["comment"].as_str().unwrap().contains("majority, 2 raters"));
    assert_eq!(
        (scores[1]["name"].as_str(), scores[1]["value"].as_f64(), scores[1]["dataType"].as_str()),
        (Some("helpfulness"), Some(4.0), Some("NUMERIC"))
    );
    // A stable id: sending the file again updates the scores.
    assert!(first["id"].as_str().unwrap().starts_with("tally-"));
    assert_ne!(first["id"], scores[1]["id"]);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.path("scores.manifest.json")).unwrap()).unwrap();
    assert_eq!(
        (manifest["file_format"].as_str(), manifest["excluded"]["no_target"].as_u64()),
        (Some("langfuse-scores"), Some(1))
    );

    // OTLP/JSON logs with GenAI evaluation events
    // (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-events/).
    sandbox.ok(&["export", "--format", "otel", "--out", "otel.jsonl"]);
    let requests = lines(&std::fs::read_to_string(sandbox.path("otel.jsonl")).unwrap());
    assert_eq!(requests.len(), 2);
    let records = requests[1]["resourceLogs"][0]["scopeLogs"][0]["logRecords"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["eventName"], "gen_ai.evaluation.result");
    assert_eq!(
        (records[0]["traceId"].as_str(), records[0]["spanId"].as_str()),
        (Some("5bf92f3577b34da6a3ce929d0e0e4737"), Some("10f067aa0ba902b7"))
    );
    let attribute = |record: &serde_json::Value, key: &str| -> serde_json::Value {
        record["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["key"] == key)
            .map(|a| a["value"].clone())
            .unwrap_or_default()
    };
    assert_eq!(attribute(&records[0], "gen_ai.evaluation.name")["stringValue"], "correct");
    assert_eq!(attribute(&records[0], "gen_ai.evaluation.score.label")["stringValue"], "fail");
    assert_eq!(attribute(&records[1], "gen_ai.evaluation.score.value")["doubleValue"], 2.0);
    assert!(
        attribute(&records[1], "gen_ai.evaluation.explanation")["stringValue"]
            .as_str()
            .unwrap()
            .starts_with("tally: human consensus")
    );
}
