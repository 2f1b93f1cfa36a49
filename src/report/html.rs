//! A [`Document`] as one self-contained HTML page: inline style, inline SVG charts, no
//! script and no URL, so it opens anywhere offline. The markup is also well-formed XML
//! (every element closed, attributes quoted), which keeps it easy to check mechanically.

use super::table::{Block, Document, Table};

/// Plain and print-friendly; numeric columns align right in tabular figures.
const STYLE: &str = "\
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1d1d1f; margin: 2rem auto; max-width: 64rem; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; border-bottom: 1px solid #ccc; margin-top: 2.5rem; } h3 { font-size: 1.05rem; margin-top: 1.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { padding: 0.2rem 0.6rem; border-bottom: 1px solid #e2e2e2; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #999; }
td:first-child { white-space: pre; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
p { font-size: 0.9rem; color: #444; }
figure { margin: 0.5rem 0 1rem; }
svg.chart { font-size: 12px; max-width: 100%; height: auto; }
svg .grid { stroke: #e6e6e6; } svg .baseline { stroke: #666; }
svg .reference { stroke: #c0392b; stroke-dasharray: 4 3; }
svg .bar { fill: #5b8db8; } svg .ci { stroke: #1d1d1f; stroke-width: 1.5; }
h3.verdict { display: inline-block; padding: 0.3rem 0.8rem; border-radius: 4px; }
h3.verdict.pass { background: #e3f4e8; color: #14622d; } h3.verdict.fail { background: #fbe4e2; color: #9b1c12; }
h3.verdict.none { background: #f0f0f0; color: #444; }
svg text { fill: #1d1d1f; } svg .tick { fill: #666; font-size: 11px; }
";

/// Escapes text for HTML element content and quoted attributes. Characters XML forbids
/// (controls the sanitiser may not have seen, U+FFFE, U+FFFF) become U+FFFD.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(ch),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

impl Document {
    /// A complete HTML5 page titled `title`.
    pub fn render_html(&self, title: &str) -> String {
        let mut html = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
             <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
            escape(title)
        );
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => html.push_str(&format!("<h{level}>{}</h{level}>\n", escape(text))),
                Block::Paragraph(text) => {
                    let lines: Vec<String> = text.lines().map(escape).collect();
                    html.push_str(&format!("<p>{}</p>\n", lines.join("<br/>\n")));
                }
                Block::Table(table) => html.push_str(&table_html(table)),
                Block::Chart(chart) => html.push_str(&format!("<figure>\n{}</figure>\n", chart.render_svg())),
                Block::Verdict(passed, text) => {
                    let class = match passed {
                        Some(true) => "pass",
                        Some(false) => "fail",
                        None => "none",
                    };
                    html.push_str(&format!("<h3 class=\"verdict {class}\">{}</h3>\n", escape(text)));
                }
                Block::Figure(figure) => html.push_str(&format!("<figure>\n{}</figure>\n", figure.render_svg())),
            }
        }
        html.push_str("</body>\n</html>\n");
        html
    }
}

fn table_html(table: &Table) -> String {
    let (headers, right, rows) = table.parts();
    let cell = |tag: &str, index: usize, text: &str| {
        let class = if right.get(index).copied().unwrap_or(false) { " class=\"num\"" } else { "" };
        format!("<{tag}{class}>{}</{tag}>", escape(text))
    };
    let mut html = String::from("<table>\n<thead>\n<tr>");
    for (index, header) in headers.iter().enumerate() {
        html.push_str(&cell("th", index, header));
    }
    html.push_str("</tr>\n</thead>\n<tbody>\n");
    for row in rows {
        html.push_str("<tr>");
        for (index, text) in row.iter().enumerate() {
            html.push_str(&cell("td", index, text));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::chart::Chart;
    use quick_xml::events::Event;

    /// Parses `html` strictly as XML (after its doctype); returns the element names met.
    fn elements(html: &str) -> Vec<String> {
        let mut reader = quick_xml::Reader::from_str(html);
        reader.config_mut().check_end_names = true;
        let mut names = Vec::new();
        let mut depth = 0usize;
        let mut roots = 0;
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Start(element)) => {
                    if depth == 0 {
                        roots += 1;
                    }
                    depth += 1;
                    names.push(element.name().as_ref().to_string());
                }
                Ok(Event::Empty(element)) => names.push(element.name().as_ref().to_string()),
                Ok(Event::End(_)) => depth -= 1,
                Ok(_) => {}
                Err(err) => panic!("not well-formed at {}: {err}\n{html}", reader.buffer_position()),
            }
        }
        assert_eq!((depth, roots), (0, 1), "one root, every element closed");
        names
    }

    fn hostile_document() -> Document {
        let mut document = Document::default();
        document.title("Report <script>alert(1)</script>");
        let mut table = Table::new(&["criterion", ">alpha"]);
        table.row(vec!["<script>alert('x')</script> & \"q\"".into(), "0.743".into()]);
        table.row(vec!["helpfulness".into(), "-".into()]);
        document.table(table);
        document.paragraph("line one <b>\nline two");
        let mut chart = Chart::new("alpha per criterion", -1.0, 1.0).reference(0.667).reference(0.8);
        chart.row("<script>evil()</script>", Some(0.5), Some((0.2, 0.7)));
        chart.row("b", Some(-0.1), None);
        chart.row("c", None, None);
        document.chart(chart);
        document
    }

    #[test]
    fn page_is_well_formed_self_contained_and_escaped() {
        let html = hostile_document().render_html("tally <report>");
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(html.contains("<meta charset=\"utf-8\"/>"));
        let names = elements(&html);
        for name in ["html", "head", "style", "body", "h1", "table", "thead", "tbody", "th", "td", "p", "svg", "rect"] {
            assert!(names.iter().any(|n| n == name), "no <{name}>");
        }
        assert!(!names.iter().any(|n| n == "script" || n == "b"), "untrusted text became markup: {names:?}");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"));
        assert!(html.contains("&lt;script&gt;evil()&lt;/script&gt;"));
        assert!(html.contains("<title>tally &lt;report&gt;</title>"));
        assert!(!html.contains("http://") && !html.contains("https://") && !html.contains(" src="));
    }

    #[test]
    fn numeric_columns_align_right() {
        let html = hostile_document().render_html("t");
        assert!(html.contains("<tr><th>criterion</th><th class=\"num\">alpha</th></tr>"), "{html}");
        assert!(html.contains("<td class=\"num\">0.743</td>") && html.contains("<td>helpfulness</td>"));
    }

    #[test]
    fn chart_becomes_svg_with_a_bar_per_defined_value() {
        let html = hostile_document().render_html("t");
        assert_eq!(html.matches("<svg ").count(), 1);
        assert_eq!(html.matches("<rect class=\"bar\"").count(), 2, "the undefined row has no bar");
        assert_eq!(html.matches("<line class=\"reference\"").count(), 2);
    }

    #[test]
    #[should_panic(expected = "not well-formed")]
    fn the_well_formedness_check_rejects_html_shortcuts() {
        elements("<!DOCTYPE html>\n<html><body><p>a<br></p></body></html>");
    }

    #[test]
    fn escape_replaces_what_xml_forbids() {
        assert_eq!(escape("a\u{1}b\u{FFFF}<"), "a\u{FFFD}b\u{FFFD}&lt;");
    }
}
