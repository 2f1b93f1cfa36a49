//! `tally report all` through the built binary: the HTML page is well-formed (parsed
//! strictly as XML), self-contained, escaped, and holds every report; Markdown has the
//! same sections.

mod common;

use common::{Sandbox, repo};
use quick_xml::events::Event;

const SECTIONS: [&str; 5] = ["Agreement", "Judge", "Errors", "Raters", "Progress"];

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
    // Alpha per criterion and judge rank correlations.
    assert_eq!(page.count("svg"), 2);
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
