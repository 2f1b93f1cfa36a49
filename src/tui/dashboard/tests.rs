use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::style::{Color, Modifier};

use super::*;
use crate::report::agreement::CriterionAgreement;
use crate::report::agreement::TagAgreement;
use crate::report::judge::{Confusion, Correlations, CriterionJudge};
use crate::report::progress::RaterProgress;

fn rater(name: &str, assigned: i64, done: i64, skipped: i64, flagged: i64, per_hour: Option<f64>) -> RaterProgress {
    RaterProgress {
        batch: "b1".into(),
        rater: name.into(),
        assigned,
        done,
        skipped,
        flagged,
        open: assigned - done - skipped,
        seconds_per_item: per_hour.map(|p| 3600.0 / p),
        items_per_hour: per_hour,
        seconds_left: None,
    }
}

fn progress() -> ProgressReport {
    ProgressReport {
        raters: vec![
            rater("ana", 120, 80, 3, 1, Some(212.0)),
            rater("ben", 120, 120, 0, 4, Some(180.4)),
            // A hostile name: the escape must not reach the terminal.
            rater("eve\u{1b}[2J\u{1b}]0;pwned\u{7}", 120, 0, 0, 0, None),
        ],
    }
}

fn figures(alpha: Option<f64>, ci: Option<(f64, f64)>, n_units: usize) -> AlphaFigures {
    AlphaFigures {
        alpha,
        ci_low: ci.map(|(low, _)| low),
        ci_high: ci.map(|(_, high)| high),
        n_units,
        n_pairable: n_units * 2,
        undefined_reason: alpha.is_none().then_some("no variation: every pairable rating is the same"),
    }
}

fn criterion(id: &str, level: &'static str, figures: AlphaFigures, per_tag: Vec<TagAgreement>) -> CriterionAgreement {
    CriterionAgreement {
        criterion: id.into(),
        scope: Default::default(),
        level,
        figures,
        n_raters: 3,
        n_ratings: 120,
        confidence: 0.95,
        bootstrap_replicates: 1000,
        categories: Vec::new(),
        percent_agreement: None,
        fleiss_kappa: None,
        gwet_ac1: None,
        gwet_ac2_linear: None,
        gwet_ac2_quadratic: None,
        n_pairable_units: 40,
        intervals: BTreeMap::new(),
        undefined: BTreeMap::new(),
        pairwise: Vec::new(),
        leave_one_out: Vec::new(),
        per_tag,
        within_one_step: None,
    }
}

fn agreement(negative: bool) -> AgreementReport {
    let tags = vec![
        TagAgreement { tag: "hallucination".into(), figures: figures(Some(0.71), Some((0.55, 0.84)), 40) },
        TagAgreement { tag: "citation_error".into(), figures: figures(Some(0.42), Some((0.18, 0.63)), 40) },
    ];
    let mut criteria = vec![
        criterion("correct", "nominal", figures(Some(0.843), Some((0.74, 0.92)), 40), Vec::new()),
        criterion("helpfulness", "ordinal", figures(Some(0.712), Some((0.58, 0.81)), 40), Vec::new()),
        criterion("grounded", "nominal", figures(None, None, 3), Vec::new()),
        criterion("defects", "masi", figures(Some(0.55), Some((0.38, 0.70)), 22), tags),
    ];
    if negative {
        criteria.push(criterion("tone", "nominal", figures(Some(-0.21), Some((-0.45, 0.05)), 40), Vec::new()));
    }
    AgreementReport {
        rubric: "rag-answer-quality".into(),
        rubric_version: 1,
        batch: Some("b1".into()),
        items: 40,
        raters: vec![],
        criteria,
        golden_labels_left_out: 0,
    }
}

fn correlations(n: usize, r: Option<f64>, rho: Option<f64>, tau: Option<f64>) -> Correlations {
    let mut correlations = Correlations { n, ..Correlations::default() };
    correlations.pearson.r = r;
    correlations.spearman.rho = rho;
    correlations.kendall.tau_b = tau;
    correlations
}

fn judged(id: &str, kind: &'static str, correlated: bool, labels: &[&str], counts: Vec<Vec<u64>>) -> CriterionJudge {
    CriterionJudge {
        criterion: id.into(),
        scope: Default::default(),
        kind,
        human: "majority",
        correlations: if correlated {
            correlations(38, Some(0.612), Some(0.587), Some(0.481))
        } else {
            correlations(0, None, None, None)
        },
        kappa: Some(0.55),
        kappa_weights: Some(if kind == "ordinal" { "quadratic" } else { "none" }),
        kappa_se: None,
        kappa_ci_low: None,
        kappa_ci_high: None,
        kappa_n: 38,
        confusion: Some(Confusion { labels: labels.iter().map(|l| l.to_string()).collect(), counts }),
        bias: correlated.then_some(-0.08),
        bias_ci_low: None,
        bias_ci_high: None,
        bias_n: 38,
        calibration: None,
        skipped: BTreeMap::new(),
        correlated,
    }
}

fn judge() -> JudgeReport {
    JudgeReport {
        rubric: "rag-answer-quality".into(),
        rubric_version: 1,
        batch: Some("b1".into()),
        group_by: None,
        confidence: 0.95,
        bootstrap_replicates: 1000,
        golden_labels_left_out: 0,
        criteria: vec![
            judged("correct", "binary", true, &["pass", "fail"], vec![vec![24, 3], vec![5, 6]]),
            judged(
                "topic",
                "nominal",
                false,
                &["billing", "security", "other"],
                vec![vec![10, 1, 2], vec![0, 12, 1], vec![3, 2, 7]],
            ),
        ],
    }
}

fn scores() -> Vec<ScoreCounts> {
    let counts = |pairs: &[(&str, u64)]| pairs.iter().map(|(label, count)| (label.to_string(), *count)).collect();
    vec![
        ScoreCounts {
            criterion: "helpfulness".into(),
            counts: counts(&[("1", 2), ("2", 5), ("3", 9), ("4", 14), ("5", 8)]),
        },
        ScoreCounts { criterion: "score".into(), counts: counts(&[("0-2", 1), ("3-5", 6), ("6-8", 20), ("9-10", 11)]) },
    ]
}

fn tag_rates() -> TagRates {
    let rate = |rate: f64, low: f64, high: f64, n: u64| Some(Rate { rate, low, high, n });
    TagRates {
        field: "model".into(),
        slices: vec!["model-a".into(), "model-b\u{1b}[31m".into()],
        rows: vec![
            TagRateRow {
                tag: "hallucination".into(),
                cells: vec![rate(0.25, 0.142, 0.403, 40), rate(0.1, 0.04, 0.23, 40)],
            },
            TagRateRow { tag: "citation_error".into(), cells: vec![rate(0.05, 0.014, 0.165, 40), None] },
        ],
    }
}

fn dashboard() -> Dashboard {
    Dashboard::from_reports(&progress(), &agreement(false), Some(&judge()), scores(), Some(tag_rates()))
}

fn buffer(dashboard: &Dashboard, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| dashboard.render(frame, frame.area(), &Theme::plain())).unwrap();
    terminal.backend().buffer().clone()
}

fn render(dashboard: &Dashboard, width: u16, height: u16) -> String {
    let buffer = buffer(dashboard, width, height);
    crate::tui::buffer_text(&buffer)
}

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn snapshot_every_panel_at_80x24() {
    let mut dashboard = dashboard();
    for panel in Panel::ALL {
        let digit = char::from(b'1' + panel.index() as u8);
        assert!(dashboard.handle(press(KeyCode::Char(digit))));
        assert_eq!(dashboard.panel(), panel);
        let text = render(&dashboard, 80, 24);
        insta::assert_snapshot!(format!("{}_80x24", panel.name().to_lowercase()), text);
    }
}

#[test]
fn snapshot_grid_at_160x48() {
    let mut dashboard = dashboard();
    dashboard.handle(press(KeyCode::Char('2')));
    insta::assert_snapshot!("grid_160x48", render(&dashboard, 160, 48));
}

#[test]
fn snapshot_negative_alpha_widens_the_axis() {
    let mut dashboard = Dashboard::from_reports(&progress(), &agreement(true), None, Vec::new(), None);
    dashboard.handle(press(KeyCode::Char('2')));
    insta::assert_snapshot!("alpha_negative_80x24", render(&dashboard, 80, 24));
}

#[test]
fn undefined_alpha_says_undefined_never_zero() {
    let mut dashboard = dashboard();
    dashboard.handle(press(KeyCode::Char('2')));
    let text = render(&dashboard, 80, 24);
    let line = text.lines().find(|line| line.contains("grounded")).unwrap();
    assert!(line.contains("undefined (no variation) n=3"), "{line}");
    assert!(!line.contains('█') && !line.contains("0.000"), "{line}");
}

#[test]
fn missing_judge_and_slices_say_so() {
    let mut dashboard = Dashboard::from_reports(&progress(), &agreement(false), None, Vec::new(), None);
    let expected =
        [(Panel::Judge, "no judge scores"), (Panel::Confusion, "no judge scores"), (Panel::Tags, "no slice data")];
    for (panel, message) in expected {
        dashboard.handle(press(KeyCode::Char(char::from(b'1' + panel.index() as u8))));
        assert!(render(&dashboard, 80, 24).contains(message), "{panel:?}");
    }
    dashboard.handle(press(KeyCode::Char('5')));
    assert!(render(&dashboard, 80, 24).contains("no ordinal or number criterion"));
}

#[test]
fn keys_switch_panels_and_cycle_criteria() {
    let mut dashboard = dashboard();
    assert_eq!(dashboard.panel(), Panel::Progress);
    assert!(dashboard.handle(press(KeyCode::Right)));
    assert_eq!(dashboard.panel(), Panel::Alpha);
    assert!(dashboard.handle(press(KeyCode::Char('l'))));
    assert_eq!(dashboard.panel(), Panel::Judge);
    dashboard.handle(press(KeyCode::Char('h')));
    dashboard.handle(press(KeyCode::Left));
    dashboard.handle(press(KeyCode::Left));
    assert_eq!(dashboard.panel(), Panel::Tags, "left from the first panel wraps to the last");

    // `c` only has a meaning on the confusion matrix and the histograms.
    assert!(!dashboard.handle(press(KeyCode::Char('c'))));
    dashboard.handle(press(KeyCode::Char('4')));
    assert_eq!(dashboard.confusion_criterion(), Some("correct"));
    assert!(dashboard.handle(press(KeyCode::Char('c'))));
    assert_eq!(dashboard.confusion_criterion(), Some("topic"));
    assert!(render(&dashboard, 80, 24).contains("Confusion: topic (2 of 2"));
    dashboard.handle(press(KeyCode::Char('c')));
    assert_eq!(dashboard.confusion_criterion(), Some("correct"));

    dashboard.handle(press(KeyCode::Char('5')));
    assert_eq!(dashboard.scores_criterion(), Some("helpfulness"));
    dashboard.handle(press(KeyCode::Char('C')));
    assert_eq!(dashboard.scores_criterion(), Some("score"));
    assert_eq!(dashboard.confusion_criterion(), Some("correct"), "each panel keeps its own criterion");

    // Keys that are the host's are handed back.
    assert!(!dashboard.handle(press(KeyCode::Char('q'))));
    assert!(!dashboard.handle(press(KeyCode::Tab)));
    assert!(!dashboard.handle(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL)));
    let mut release = press(KeyCode::Right);
    release.kind = KeyEventKind::Release;
    assert!(!dashboard.handle(release));
    assert_eq!(dashboard.panel(), Panel::Scores);
}

#[test]
fn scrolling_stops_at_the_last_row() {
    let raters = (0..40).map(|at| rater(&format!("rater-{at:02}"), 10, at % 11, 0, 0, None)).collect();
    let progress = ProgressReport { raters };
    let mut dashboard = Dashboard::from_reports(&progress, &agreement(false), None, Vec::new(), None);
    render(&dashboard, 80, 24);
    for _ in 0..100 {
        assert!(dashboard.handle(press(KeyCode::Char('j'))));
    }
    let text = render(&dashboard, 80, 24);
    assert!(text.contains("rater-39") && !text.contains("rater-00"), "{text}");
    // One step up shows the row above at once: no scrolling through rows past the end.
    dashboard.handle(press(KeyCode::Up));
    let text = render(&dashboard, 80, 24);
    assert!(!text.contains("rater-39"), "{text}");
    dashboard.handle(press(KeyCode::Home));
    assert!(render(&dashboard, 80, 24).contains("rater-00"));
}

#[test]
fn control_characters_in_data_do_not_reach_the_buffer() {
    let mut dashboard = dashboard();
    for panel in Panel::ALL {
        dashboard.handle(press(KeyCode::Char(char::from(b'1' + panel.index() as u8))));
        for (width, height) in [(80, 24), (160, 48)] {
            let text = render(&dashboard, width, height);
            assert!(!text.chars().any(|ch| ch.is_control() && ch != '\n'), "{panel:?} {width}x{height}");
        }
    }
    dashboard.handle(press(KeyCode::Char('1')));
    assert!(render(&dashboard, 80, 24).contains("eve\u{FFFD}[2J"));
}

#[test]
fn no_color_draws_no_colour_and_keeps_the_diagonal_emphasised() {
    let mut dashboard = dashboard();
    for panel in Panel::ALL {
        dashboard.handle(press(KeyCode::Char(char::from(b'1' + panel.index() as u8))));
        for (width, height) in [(80, 24), (160, 48)] {
            let buffer = buffer(&dashboard, width, height);
            let coloured = buffer.content().iter().find(|cell| cell.fg != Color::Reset || cell.bg != Color::Reset);
            assert!(coloured.is_none(), "{panel:?} {width}x{height}: {coloured:?}");
        }
    }
    // Without colour the diagonal of the confusion matrix is reversed and bold.
    dashboard.handle(press(KeyCode::Char('4')));
    let buffer = buffer(&dashboard, 80, 24);
    let text = render(&dashboard, 80, 24);
    let (row, line) = text.lines().enumerate().find(|(_, line)| line.contains("pass") && line.contains("24")).unwrap();
    let column = line.chars().position(|ch| ch == '4').unwrap() as u16; // the 24 on the diagonal
    let cell = &buffer[(column, row as u16)];
    assert!(cell.modifier.contains(Modifier::REVERSED | Modifier::BOLD), "{cell:?}");
}

#[test]
fn too_small_says_so() {
    assert!(render(&dashboard(), 50, 8).contains("needs at least"));
}

#[test]
fn slices_that_do_not_fit_are_counted_and_uneven_n_goes_into_the_cells() {
    let rate = |n: u64| Some(Rate { rate: 0.2, low: 0.1, high: 0.35, n });
    let slices: Vec<String> = (1..=6).map(|at| format!("prompt-v{at}")).collect();
    let rates = TagRates {
        field: "prompt_version".into(),
        rows: vec![
            TagRateRow { tag: "hallucination".into(), cells: slices.iter().map(|_| rate(40)).collect() },
            TagRateRow { tag: "refusal_error".into(), cells: vec![rate(39); 6] },
        ],
        slices,
    };
    let mut dashboard = Dashboard::from_reports(&progress(), &agreement(false), None, Vec::new(), Some(rates));
    dashboard.handle(press(KeyCode::Char('6')));
    let text = render(&dashboard, 80, 24);
    assert!(text.contains("20.0% [10.0–35.0] n=40") && text.contains("n=39"), "{text}");
    assert!(text.contains("prompt-v2") && text.contains("4 more slices do not fit"), "{text}");
    assert!(!text.contains("prompt-v3"), "{text}");
}
