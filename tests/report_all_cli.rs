//! `tally report all` through the built binary: the HTML page is well-formed (parsed
//! strictly as XML), self-contained, escaped, and holds every report; Markdown has the
//! same sections; both open with the summary (the gate's verdict, headline numbers,
//! golden-set changes).

mod common;

use common::{Sandbox, repo};
use quick_xml::events::Event;

const SECTIONS: [&str; 6] = ["Summary", "Agreement", "Judge", "Errors", "Raters", "Progress"];

/// The sample store, a batch (for progress), and one label from a rater named like markup.
fn sample_store() -> Sandbox {
    let sandbox = Sandbox::with_store();
    sandbox.ok(&["import", &repo("sample_data/rag_items.jsonl")]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    sandbox.ok(&["batch", "create", "pilot", "--rubric", "rag-answer-quality", "--raters", "ana,ben,chloe"]);
    sandbox.ok(&["labels", "import", &repo("sample_data/rag_labels.csv")]);
    let hostile =
        sandbox.write("hostile.csv", "item,rater,criterion,value\nq-0001-v1,<script>alert(1)</script>,correct,pass\n");
    sandbox.ok(&["labels", "import", hostile.to_str().unwrap()]);
    sandbox
}

/// What a strict XML parse of the page finds.
#[derive(Default)]
struct Page {
    elements: Vec<String>,
    /// Text of each `<h2>`, `<h3>`, `<th>` and `<td>`, by element name.
    texts: Vec<(String, String)>,
}

impl Page {
    fn parse(html: &str) -> Page {
        let mut reader = quick_xml::Reader::from_str(html);
        reader.config_mut().check_end_names = true;
        let mut page = Page::default();
        let mut open: Vec<String> = Vec::new();
        let mut roots = 0;
        let mut text = String::new();
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Start(element)) => {
                    let name = element.name().as_ref().to_string();
                    roots += usize::from(open.is_empty());
                    page.elements.push(name.clone());
                    open.push(name);
                    text.clear();
                }
                Ok(Event::Empty(element)) => page.elements.push(element.name().as_ref().to_string()),
                Ok(Event::Text(content)) => text.push_str(content.as_ref()),
                Ok(Event::GeneralRef(reference)) => text.push(match reference.as_ref() {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "#39" => '\'',
                    other => panic!("unexpected entity &{other};"),
                }),
                Ok(Event::End(_)) => {
                    let name = open.pop().expect("an end tag matches an open element");
                    if ["h2", "h3", "th", "td"].contains(&name.as_str()) {
                        page.texts.push((name, std::mem::take(&mut text)));
                    }
                }
                Ok(_) => {}
                Err(err) => panic!("not well-formed at byte {}: {err}", reader.buffer_position()),
            }
        }
        assert!(open.is_empty() && roots == 1, "one root element, every element closed");
        page
    }

    fn texts_of(&self, element: &str) -> Vec<&str> {
        self.texts.iter().filter(|(name, _)| name == element).map(|(_, text)| text.as_str()).collect()
    }

    fn count(&self, element: &str) -> usize {
        self.elements.iter().filter(|name| *name == element).count()
    }
}

#[test]
fn html_report_is_one_valid_offline_page_with_every_table() {
    let sandbox = sample_store();
    let out = sandbox.ok(&["report", "all", "--format", "html", "--out", "report.html", "--replicates", "50"]);
    assert_eq!(out, "wrote report.html\n");
    let html = std::fs::read_to_string(sandbox.path("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n"), "{}", &html[..100]);
    let page = Page::parse(&html);

    assert_eq!(page.texts_of("h2"), SECTIONS);
    let headings = page.texts_of("h3");
    for heading in [
        "Agreement: rubric rag-answer-quality v1",
        "Judge vs humans",
        "Errors: rubric",
        "Raters: rubric",
        "Progress per batch",
    ] {
        assert!(headings.iter().any(|h| h.starts_with(heading)), "no heading {heading}: {headings:?}");
    }
    let headers = page.texts_of("th");
    for header in
        ["alpha", "Cohen's kappa", "coefficient", "human \\ judge", "failure", "tags", "honeypots", "assigned"]
    {
        assert!(headers.contains(&header), "no table with a `{header}` column: {headers:?}");
    }
    let cells = page.texts_of("td");
    for cell in ["helpfulness", "Spearman rho", "ana ~ ben", "chloe", "pilot"] {
        assert!(cells.contains(&cell), "no `{cell}` cell");
    }
    assert!(page.count("table") >= 10, "{} tables", page.count("table"));
    // Failure rates per slice (summary), alpha per criterion, judge rank correlations, a
    // confusion heatmap per judged criterion (correct, grounded, helpfulness) and the
    // reliability diagram of correct_prob.
    assert_eq!(page.count("svg"), 7);
    assert_eq!(page.count("circle"), 10, "one point per non-empty probability bin");
    assert!(html.contains("<title>correct: reliability of correct_prob</title>"));
    assert!(html.contains("<title>grounded: human consensus by judge</title>"));
    assert!(page.count("rect") > 6);

    // Untrusted names are text, never markup; nothing is fetched from anywhere.
    assert!(cells.contains(&"<script>alert(1)</script>"), "the rater's name survives as text");
    assert_eq!(page.count("script"), 0);
    assert!(!html.contains("<script"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains(" src=") && !html.contains(" href="));
    assert!(!sandbox.path("report.tmp-tally").exists(), "the temporary file is renamed");

    // No timestamp: the same store gives the same bytes.
    sandbox.ok(&["report", "all", "--out", "again.html", "--replicates", "50"]);
    assert_eq!(std::fs::read_to_string(sandbox.path("again.html")).unwrap(), html, "format from the extension");
}

#[test]
fn markdown_and_text_have_the_same_sections() {
    let sandbox = sample_store();
    let md = sandbox.ok(&["report", "all", "--format", "md", "--replicates", "0"]);
    assert!(md.starts_with("# tally report: rag-answer-quality v1\n"), "{md}");
    assert!(md.contains("store: tally.db  \nrubric: rag-answer-quality v1 ("), "{md}");
    assert!(md.contains("generated by tally "), "{md}");
    let sections: Vec<&str> = md.lines().filter_map(|line| line.strip_prefix("## ")).collect();
    assert_eq!(sections, SECTIONS);
    assert!(md.contains("| criterion | level | alpha |") && md.contains("```text\nKrippendorff's alpha"), "{md}");

    let text = sandbox.ok(&["report", "all", "--batch", "pilot", "--replicates", "0"]);
    for section in SECTIONS {
        let underline = "-".repeat(section.len());
        assert!(text.contains(&format!("\n{section}\n{underline}\n")), "no {section} in\n{text}");
    }
    assert!(text.contains("scope: batch pilot") && !text.contains('█'), "{text}");
    sandbox.ok(&["report", "all", "--out", "notes/r.md", "--replicates", "0"]);
    let written = std::fs::read_to_string(sandbox.path("notes/r.md")).unwrap();
    assert!(written.starts_with("# tally report"), "format from the extension: {written}");
}

#[test]
fn without_judge_scores_the_judge_section_says_so() {
    let sandbox = Sandbox::with_store();
    let items = sandbox.write(
        "items.jsonl",
        "{\"id\": \"a\", \"input\": \"q\", \"output\": \"x\"}\n{\"id\": \"b\", \"input\": \"q\", \"output\": \"y\"}\n",
    );
    sandbox.ok(&["import", items.to_str().unwrap()]);
    sandbox.ok(&["rubric", "add", &repo("guidelines/rag-answer-quality.toml")]);
    let labels = sandbox.write(
        "labels.csv",
        "item,rater,criterion,value\na,ana,correct,pass\na,ben,correct,pass\nb,ana,correct,fail\nb,ben,correct,pass\n",
    );
    sandbox.ok(&["labels", "import", labels.to_str().unwrap()]);
    let md = sandbox.ok(&["report", "all", "--format", "md", "--replicates", "0"]);
    assert!(md.contains("## Judge\n\nNo judge scores: no item in scope carries an LLM judge score"), "{md}");
    assert!(!md.contains("Judge vs humans"), "{md}");
}

#[test]
fn report_all_rejects_json_and_unknown_scopes() {
    let sandbox = sample_store();
    let err = sandbox.fails(&["report", "all", "--format", "json"]);
    assert!(err.contains("invalid value 'json'") && err.contains("table, md, html"), "{err}");
    let err = sandbox.fails(&["report", "all", "--batch", "nope"]);
    assert!(err.contains("no batch named `nope`"), "{err}");
    let err = sandbox.fails(&["report", "all", "--ci", "2"]);
    assert!(err.contains("--ci must be between 0 and 1"), "{err}");
}

/// Whether `cells` holds `row` as consecutive cells (one table row).
fn has_row(cells: &[&str], row: &[&str]) -> bool {
    cells.windows(row.len()).any(|window| window == row)
}

/// Two versions of golden set `rag`: the second after four more raters fail q-0002-v1.
fn with_two_golden_versions(sandbox: &Sandbox) {
    sandbox.ok(&["export", "--name", "rag"]);
    let more = sandbox.write(
        "more.csv",
        "item,rater,criterion,value\nq-0002-v1,dan,correct,fail\nq-0002-v1,eve,correct,fail\n\
         q-0002-v1,fay,correct,fail\nq-0002-v1,gus,correct,fail\n",
    );
    sandbox.ok(&["labels", "import", more.to_str().unwrap()]);
    sandbox.ok(&["export", "--name", "rag"]);
}

#[test]
fn html_summary_opens_with_the_gates_verdict_headlines_and_golden_changes() {
    let sandbox = sample_store();
    with_two_golden_versions(&sandbox);
    let args = ["report", "all", "--out", "r.html", "--replicates", "50", "--golden", "rag"];
    sandbox.ok(&[&args[..], &["--min-alpha", "0.7", "--min-alpha", "helpfulness=0.3"]].concat());
    let html = std::fs::read_to_string(sandbox.path("r.html")).unwrap();
    let page = Page::parse(&html);
    assert_eq!(page.texts_of("h2")[0], "Summary", "the summary comes first");
    let headings = page.texts_of("h3");
    // The same checks `tally gate` makes with these flags: grounded and defects fail.
    assert_eq!(headings[0], "Verdict: FAIL (2 of 4 checks fail)", "{headings:?}");
    assert!(html.contains("<h3 class=\"verdict fail\">Verdict: FAIL"), "styled as a failure");
    let cells = page.texts_of("td");
    assert!(has_row(&cells, &["FAIL", "grounded", "alpha", "0.625", "min 0.7", "0.075"]), "{cells:?}");
    assert!(has_row(&cells, &["PASS", "helpfulness", "alpha"]), "per-criterion threshold: {cells:?}");
    let gate = sandbox.run(&["gate", "--min-alpha", "0.7", "--min-alpha", "helpfulness=0.3"]);
    assert!(String::from_utf8_lossy(&gate.stdout).contains("FAIL grounded: alpha 0.625 < 0.7 (by 0.075)"));

    // Headline numbers with intervals, taken from the agreement, judge and errors reports.
    assert!(headings.contains(&"Headline numbers"), "{headings:?}");
    let headline = cells.windows(5).find(|w| w[0] == "grounded" && w[1] == "0.625" && w[2].contains(" to "));
    let headline = headline.unwrap_or_else(|| panic!("no grounded headline: {cells:?}"));
    assert_eq!(headline[3], "0.529", "judge Spearman: {headline:?}");
    assert!(headline[4].contains(" to "), "its interval: {headline:?}");
    let headers = page.texts_of("th");
    assert!(headers.contains(&"95% CI (Wilson)"), "{headers:?}");
    assert!(cells.windows(2).any(|w| w == ["all", "correct=fail"]), "the failure rate: {cells:?}");

    // What changed between golden versions v1 and v2.
    assert!(headings.contains(&"rag v1 -> v2"), "{headings:?}");
    assert!(has_row(&cells, &["q-0002-v1", "correct", "pass", "fail"]), "{cells:?}");
}

#[test]
fn without_thresholds_or_golden_set_the_summary_says_so() {
    let sandbox = sample_store();
    let md = sandbox.ok(&["report", "all", "--format", "md", "--replicates", "0"]);
    let summary = &md[md.find("## Summary").unwrap()..md.find("## Agreement").unwrap()];
    assert!(summary.contains("### Verdict: no thresholds given"), "{summary}");
    assert!(summary.contains("No golden set: --golden NAME"), "{summary}");
    sandbox.ok(&["export", "--name", "rag"]);
    let md = sandbox.ok(&["report", "all", "--format", "md", "--replicates", "0", "--golden", "rag"]);
    assert!(md.contains("Golden set `rag` has one version (v1): nothing to compare yet."), "{md}");
    let md = sandbox.ok(&["report", "all", "--format", "md", "--replicates", "0", "--min-alpha", "0.1"]);
    assert!(md.contains("### Verdict: PASS (4 checks hold)"), "{md}");
    // Failure rates per slice: a table and, per failure, a chart with a bar per slice.
    let md = sandbox.ok(&["report", "all", "--format", "md", "--replicates", "0", "--by", "model"]);
    let summary = &md[md.find("## Summary").unwrap()..md.find("## Agreement").unwrap()];
    assert!(summary.contains("| assistant-v1 | correct=fail |"), "{summary}");
    assert!(summary.contains("```text\ncorrect=fail rate per slice\nassistant-v1 │"), "{summary}");
}

#[test]
fn markdown_summary_has_the_same_verdict_and_golden_changes_as_text() {
    let sandbox = sample_store();
    with_two_golden_versions(&sandbox);
    let flags = ["--replicates", "0", "--golden", "rag", "--min-alpha", "0.7", "--max-judge-bias", "grounded=0.01"];
    let md = sandbox.ok(&[&["report", "all", "--format", "md"][..], &flags].concat());
    let summary = &md[md.find("## Summary").unwrap()..md.find("## Agreement").unwrap()];
    assert!(summary.contains("### Verdict: FAIL (4 of 5 checks fail)"), "{summary}");
    assert!(summary.contains("| FAIL | grounded | alpha | 0.625 | min 0.7 | 0.075 |"), "{summary}");
    assert!(summary.contains("| FAIL | grounded | judge \\|bias\\| | 0.148 | max 0.01 | 0.138 |"), "{summary}");
    assert!(summary.contains("| criterion | alpha | 95% CI | judge spearman | 95% CI |"), "{summary}");
    assert!(summary.contains("| q-0002-v1 | correct | pass | fail |"), "{summary}");
    let text = sandbox.ok(&[&["report", "all"][..], &flags].concat());
    assert!(text.contains("Verdict: FAIL (4 of 5 checks fail)"), "{text}");
}

#[test]
fn report_all_refuses_formats_that_do_not_exist_and_bad_thresholds() {
    let sandbox = sample_store();
    for args in [&["--out", "r.pdf"][..], &["--out", "r.pdf", "--format", "html"], &["--out", "r.docx"]] {
        let err = sandbox.fails(&[&["report", "all"][..], args].concat());
        assert!(err.contains("report all cannot write ."), "{err}");
        assert!(err.contains("html (.html, .htm), md (.md, .markdown) and table (.txt, or no extension)"), "{err}");
    }
    assert!(!sandbox.path("r.pdf").exists() && !sandbox.path("r.docx").exists());
    let err = sandbox.fails(&["report", "all", "--min-alpha", "high"]);
    assert!(err.contains("--min-alpha `high`: expected a number"), "{err}");
    let err = sandbox.fails(&["report", "all", "--min-alpha", "nope=0.5"]);
    assert!(err.contains("rubric `rag-answer-quality` has no criterion `nope`"), "{err}");
}
