//! One function per subcommand.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::paths::{init_path, login_name, store_path};
use super::progress::{Progress, Working};
use super::{
    AgreementArgs, AllFormat, BatchCommand, Cli, Command, ExportArgs, ExportFormatArg, FormatArg, GoldenCommand,
    LabelsCommand, ReportCommand, ReportFormat, RubricCommand, ScopeArgs,
};
use crate::io::Format;
use crate::io::export::{Destination, ExportRequest, FileFormat, Filters, export};
use crate::io::items::ImportOptions;
use crate::io::sample_data::{self, Sample};
use crate::model::Rubric;
use crate::model::batch::{Deal, Slot, plan};
use crate::report::Rendered;
use crate::report::agreement::{self, Bootstrap};
use crate::report::gate::{Thresholds, evaluate};
use crate::report::judge::{self, Human, PairedReport};
use crate::report::status::status;
use crate::report::table::Table;
use crate::store::{Batch, NewAdjudication, NewBatch, Store, StoreError, StoredRubric};

/// Runs `cli`'s command on the store `db` names (its `--db`, see [`Cli::db`]).
pub fn run(cli: Cli, db: Option<&Path>) -> anyhow::Result<ExitCode> {
    dispatch(cli, db).map_err(|err| name_the_store(err, db))
}

/// SQLite's own errors do not say which file they are about: say it, once.
fn name_the_store(err: anyhow::Error, db: Option<&Path>) -> anyhow::Error {
    let from_store = err.chain().any(|cause| store_error(cause).is_some_and(StoreError::needs_store_name));
    match store_path(db) {
        Ok(path) if from_store => err.context(path.display().to_string()),
        _ => err,
    }
}

/// The store error in `cause`, also behind the wrappers that are `#[error(transparent)]`
/// (which hide it from the error chain).
fn store_error<'e>(cause: &'e (dyn std::error::Error + 'static)) -> Option<&'e StoreError> {
    if let Some(err) = cause.downcast_ref::<StoreError>() {
        return Some(err);
    }
    match (cause.downcast_ref::<crate::io::Error>(), cause.downcast_ref::<crate::report::errors::ErrorsError>()) {
        (Some(crate::io::Error::Store(err)), _) | (_, Some(crate::report::errors::ErrorsError::Store(err))) => {
            Some(err)
        }
        _ => None,
    }
}

fn dispatch(cli: Cli, db: Option<&Path>) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo { no_label, fresh, traces, pairwise, .. } => {
            let sample = match (traces, pairwise) {
                (true, _) => &sample_data::TRACES,
                (_, true) => &sample_data::PAIRWISE,
                _ => &sample_data::RAG,
            };
            demo(db, no_label, fresh, sample)
        }
        Command::Init { .. } => init(db),
        Command::Import { file, from, dataset, map, on_conflict, labeled, redact, .. } => {
            let on_conflict = match (on_conflict, labeled) {
                (super::ConflictArg::Update, Some(super::LabeledArg::Stale)) => {
                    crate::store::OnConflict::UpdateStaleLabels
                }
                (super::ConflictArg::Update, Some(super::LabeledArg::Keep)) => {
                    crate::store::OnConflict::UpdateKeepLabels
                }
                (_, Some(_)) => bail!("--labeled applies with --on-conflict update"),
                (conflict, None) => conflict.into(),
            };
            let options = ImportOptions {
                dataset,
                map: ImportOptions::parse_map(&map).map_err(anyhow::Error::msg)?,
                on_conflict,
                redact,
                from: from.map(Into::into),
                trace_ends: None,
            };
            import(db, &file, &options)
        }
        Command::Sample {
            file,
            n,
            seed,
            stratify,
            per_stratum,
            proportional: _,
            filters,
            dataset,
            out,
            map,
            redact,
            ..
        } => {
            let n = match (n, per_stratum) {
                (Some(n), _) => n,
                (None, Some(_)) => 0,
                (None, None) => bail!("say how many to keep: --n N (or --stratify FIELD --per-stratum N)"),
            };
            let filters = filters
                .iter()
                .map(|filter| {
                    filter.split_once('=').map(|(f, v)| (f.to_string(), v.to_string())).ok_or_else(|| {
                        anyhow::anyhow!("--where `{filter}`: expected FIELD=VALUE, e.g. model=assistant-v2")
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let options = crate::io::sample::SampleOptions {
                n,
                seed,
                stratify,
                per_stratum,
                filters,
                map: ImportOptions::parse_map(&map).map_err(anyhow::Error::msg)?,
                redact,
            };
            sample(db, &file, &options, dataset, out.as_deref())
        }
        Command::Merge { other, format, .. } => {
            let mut store = open_store(db)?;
            if store.path().is_some_and(|here| same_file(here, &other)) {
                bail!("{}: that is this store", other.display());
            }
            anyhow::ensure!(other.exists(), "{}: no such store", other.display());
            let summary = store.merge_from(&other)?;
            if format == FormatArg::Json {
                return print_json(&summary);
            }
            let mut text = format!(
                "merged {}: items {} added, {} already here; rubrics {} added, {} already here; \
                 label events {} added, {} already here; adjudications {} added, {} already here; \
                 batches {} added, {} already here; item events {} added, {} already here\n",
                other.display(),
                summary.items_added,
                summary.items_already_here,
                summary.rubrics_added,
                summary.rubrics_already_here,
                summary.label_events_added,
                summary.label_events_already_here,
                summary.adjudications_added,
                summary.adjudications_already_here,
                summary.batches_added,
                summary.batches_already_here,
                summary.item_events_added,
                summary.item_events_already_here
            );
            for conflict in &summary.conflicts {
                text.push_str(&format!("conflict: {conflict}\n"));
            }
            if summary.events_left_out > 0 {
                text.push_str(&format!(
                    "{} events left out with their conflicting items or rubrics\n",
                    summary.events_left_out
                ));
            }
            print(&text)
        }
        Command::Items { dataset, format, .. } => items_list(db, dataset.as_deref(), format),
        Command::Show { id, format, .. } => show_item(db, &id, format),
        Command::Rubric(RubricCommand::Check { file }) => rubric_check(&file),
        Command::Rubric(RubricCommand::Add { file, .. }) => rubric_add(db, &file),
        Command::Rubric(RubricCommand::List { format, .. }) => rubric_list(db, format),
        Command::Batch(BatchCommand::Create {
            name,
            rubric,
            dataset,
            raters,
            overlap,
            seed,
            honeypots,
            honeypot_rate,
            ..
        }) => {
            let honeypots = honeypots.zip(honeypot_rate);
            batch_create(db, &name, &rubric, dataset.as_deref(), &raters, overlap, seed, honeypots)
        }
        Command::Batch(BatchCommand::AddRater { batch, rater, .. }) => rebalance(db, &batch, &rater, true),
        Command::Batch(BatchCommand::RemoveRater { batch, rater, .. }) => rebalance(db, &batch, &rater, false),
        Command::Batch(BatchCommand::List { format, .. }) => batch_list(db, format),
        Command::Labels(LabelsCommand::Import { file, rubric, .. }) => labels_import(db, &file, rubric.as_deref()),
        Command::Adjudicate { item, criterion, value, why, clear: _, rubric, adjudicator, .. } => {
            adjudicate(db, &item, &criterion, value.as_deref(), &why, rubric.as_deref(), adjudicator)
        }
        Command::Review { scope, reviewer, .. } => {
            let mut store = open_store(db)?;
            let (batch, rubric) = resolve_scope(&store, &scope)?;
            let reviewer = reviewer.unwrap_or_else(login_name);
            crate::tui::review::run(&mut store, rubric, batch.as_ref(), &reviewer)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Label { batch, rater, show_judge, show_models, .. } => {
            label(db, batch.as_deref(), rater, show_judge, show_models)
        }
        Command::Report(ReportCommand::Agreement { scope, golden, options, .. }) => {
            let store = read_store(db)?;
            let (batch, rubric) = resolve_scope(&store, &scope)?;
            let level = options.level.map(Into::into);
            let bootstrap = options.bootstrap.bootstrap()?;
            let working = Working::start("computing report agreement");
            let report =
                agreement::from_store(&store, &rubric, batch.as_ref(), level, bootstrap, golden.include_golden)?;
            drop(working);
            emit(&report, options.format, "")
        }
        Command::Report(ReportCommand::Raters { scope, golden, format, .. }) => {
            let store = read_store(db)?;
            let (batch, rubric) = resolve_scope(&store, &scope)?;
            let batch_id = batch.map(|b| b.id);
            emit(&crate::report::raters::from_store(&store, &rubric, batch_id, golden.include_golden)?, format, "")
        }
        Command::Report(ReportCommand::Progress { batch, format, .. }) => {
            let store = read_store(db)?;
            if let Some(name) = &batch {
                find_batch(&store, Some(name))?;
            }
            emit(&crate::report::progress::from_store(&store, batch.as_deref())?, format, "")
        }
        Command::Report(ReportCommand::Judge { scope, golden, human, group_by, bootstrap, format, .. }) => {
            let store = read_store(db)?;
            let (batch, rubric) = resolve_scope(&store, &scope)?;
            let working = Working::start("computing report judge");
            let report = judge::from_store(
                &store,
                &rubric,
                batch.as_ref(),
                human.into(),
                group_by.as_deref(),
                bootstrap.bootstrap()?,
                golden.include_golden,
            )?;
            drop(working);
            emit(&report, format, "")
        }
        Command::Report(ReportCommand::All {
            scope,
            golden,
            bootstrap,
            format,
            out,
            by,
            thresholds,
            golden_set,
            dir,
            ..
        }) => {
            let format = match AllFormat::resolve(format, out.as_deref()) {
                Ok(format) => format,
                Err(message) => {
                    eprintln!("tally: {}", crate::model::text::sanitize(&message));
                    return Ok(ExitCode::from(2));
                }
            };
            let limits = match thresholds.thresholds() {
                Ok(limits) => limits,
                Err(message) => {
                    eprintln!("tally: {}", crate::model::text::sanitize(&message));
                    return Ok(ExitCode::from(2));
                }
            };
            let summary = crate::report::all::SummaryRequest {
                thresholds: limits,
                max_rates: &thresholds.max_rate,
                rate_method: thresholds.estimate.into(),
                golden: latest_golden_change(golden_set.as_deref(), &dir)?,
            };
            let bootstrap = bootstrap.bootstrap()?;
            let request = (golden.include_golden, bootstrap, by.as_deref());
            report_all(db, &scope, request, format, out.as_deref(), summary)
        }
        Command::Report(ReportCommand::Errors { scope, golden, by, compare, format, .. }) => {
            let store = read_store(db)?;
            let (batch, rubric) = resolve_scope(&store, &scope)?;
            let (by, compare, include_golden) = (by.as_deref(), compare.as_ref(), golden.include_golden);
            let working = Working::start("computing report errors");
            let report =
                crate::report::errors::from_store(&store, &rubric, batch.as_ref(), by, compare, include_golden);
            drop(working);
            match report {
                // Naming a slice that is not there is a usage error, as clap's are.
                Err(crate::report::errors::ErrorsError::EmptySlice(message)) => {
                    eprintln!("tally: {}", crate::model::text::sanitize(&message));
                    Ok(ExitCode::from(2))
                }
                report => emit(&report?, format, ""),
            }
        }
        Command::Report(ReportCommand::Preference {
            scope, golden, criterion, by, anchor, bootstrap, format, ..
        }) => {
            let store = read_store(db)?;
            let (batch, rubric) = resolve_scope(&store, &scope)?;
            let request = crate::report::preference::Request {
                batch: batch.as_ref(),
                criterion: criterion.as_deref(),
                by: by.as_deref(),
                anchor: anchor.as_deref(),
                bootstrap: bootstrap.bootstrap()?,
                include_golden: golden.include_golden,
            };
            let working = Working::start("computing report preference");
            let report = crate::report::preference::from_store(&store, &rubric, request)?;
            drop(working);
            emit(&report, format, "")
        }
        Command::Agreement { file, options } => agreement_file(&file, &options),
        Command::Correlate { file, x, y, group, bootstrap, format } => {
            let bootstrap = bootstrap.bootstrap()?;
            let reader = std::fs::File::open(&file).with_context(|| format!("{}: cannot open", file.display()))?;
            let origin = file.display().to_string();
            let pairs = crate::io::pairs::read(std::io::BufReader::new(reader), &origin, &x, &y, group.as_deref())?;
            let correlations = judge::correlations(&pairs.x, &pairs.y, pairs.groups.as_deref(), bootstrap);
            let report = PairedReport {
                criterion: format!("{y} vs {x}"),
                x,
                y,
                skipped: pairs.skipped,
                correlations,
                confidence: bootstrap.confidence,
            };
            emit(&report, format, "")
        }
        Command::Gate { thresholds: limits, criteria, scope, golden, human, bootstrap, format, .. } => {
            let thresholds = match limits.thresholds() {
                Ok(thresholds) => thresholds,
                Err(message) => {
                    // A usage error is neither pass nor fail.
                    eprintln!("tally: {}", crate::model::text::sanitize(&message));
                    return Ok(ExitCode::from(2));
                }
            };
            let (max_rate, estimate) = (limits.max_rate, limits.estimate);
            let rates = (max_rate.as_slice(), estimate.into());
            match gate_checks(
                db,
                &scope,
                golden.include_golden,
                &criteria,
                &thresholds,
                rates,
                human.into(),
                &bootstrap,
            ) {
                Ok((checks, golden_left_out)) => gate_report(&checks, golden_left_out, format),
                // The gate cannot run: neither pass nor fail.
                Err(err) => {
                    eprintln!("tally: {}", crate::model::text::sanitize(&format!("{err:#}")));
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Export(args) => export_golden(db, &args),
        Command::Golden(GoldenCommand::Diff { name, from, to, dir, format }) => {
            let old = crate::io::golden::read(&crate::io::golden::version_path(&dir, &name, &from)?)?;
            let new = crate::io::golden::read(&crate::io::golden::version_path(&dir, &name, &to)?)?;
            let differences = crate::io::golden::differences(&old, &new);
            let label = |version: &str| format!("v{}", version.trim_start_matches('v'));
            emit(&crate::report::golden::GoldenDiff::new(&name, &label(&from), &label(&to), differences), format, "")
        }
        Command::Golden(GoldenCommand::Import { file, dataset, rater, .. }) => golden_import(db, &file, dataset, rater),
        Command::Status { format, .. } => status_command(db, format),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut super::completion_command(), "tally", &mut script);
            print(&String::from_utf8_lossy(&script))
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut page)?;
            print(&String::from_utf8_lossy(&page))
        }
        Command::Estimate(args) => estimate(db, &args),
        Command::Plan(command) => plan_command(db, &command),
    }
}

/// The pilot in the store for `plan rate --from-store`: the humans' failure rate of a
/// binary criterion, the judge's correlation with them, and how many labeled items.
fn rate_pilot(
    db: Option<&Path>,
    rubric: Option<&str>,
    criterion: Option<&str>,
) -> anyhow::Result<(f64, Option<f64>, usize)> {
    use crate::report::estimate::{Method, Request, from_store};
    let store = read_store(db)?;
    let rubric = resolve_rubric(&store, rubric, None)?;
    let binary = rubric.rubric.criteria.iter().filter(|c| c.kind == crate::model::Kind::Binary);
    let criterion = match criterion {
        Some(name) => binary.clone().find(|c| c.id == name),
        None => binary.clone().next(),
    }
    .ok_or_else(|| {
        let known: Vec<&str> = binary.map(|c| c.id.as_str()).collect();
        anyhow::anyhow!(
            "--from-store: rubric {} has no binary criterion{} (binary: {})",
            rubric.rubric.name,
            criterion.map_or_else(String::new, |name| format!(" `{name}`")),
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        )
    })?;
    let request = Request {
        criterion: Some(&criterion.id),
        by: None,
        dataset: None,
        batch: None,
        method: Method::Human,
        confidence: 0.95,
        compare: None,
    };
    let report = from_store(&store, &rubric, request)?;
    let estimate = report.criteria.first().and_then(|c| c.human.as_ref().map(|human| (human, c.rho)));
    let (human, rho) =
        estimate.ok_or_else(|| anyhow::anyhow!("--from-store: fewer than 2 labeled items on `{}`", criterion.id))?;
    Ok((human.estimate, rho, human.n_labeled))
}

fn plan_command(db: Option<&Path>, command: &super::PlanCommand) -> anyhow::Result<ExitCode> {
    use super::PlanCommand;
    use crate::report::plan::{KappaGoal, correlation, kappa_from, rate};
    let confidence = match command {
        PlanCommand::Rate { ci, .. }
        | PlanCommand::Alpha { ci, .. }
        | PlanCommand::Correlation { ci, .. }
        | PlanCommand::Kappa { ci, .. } => *ci,
    };
    anyhow::ensure!(confidence > 0.0 && confidence < 1.0, "--ci must be between 0 and 1, not {confidence}");
    let (plan, format) = match *command {
        PlanCommand::Rate { half_width, p, rho, from_store, ref criterion, ref rubric, format, .. } => {
            let (mut p, mut rho, mut pilot) = (p, rho, None);
            if from_store {
                let (found_p, found_rho, n) = rate_pilot(db, rubric.as_deref(), criterion.as_deref())?;
                p = p.or(Some(found_p));
                rho = rho.or(found_rho);
                pilot = Some(n);
            }
            let plan = rate(p.unwrap_or(0.5), half_width, rho, confidence).map(|mut plan| {
                if let Some(n) = pilot {
                    plan.assumptions.insert("pilot_labeled_items", serde_json::json!(n));
                }
                plan
            });
            (plan, format)
        }
        PlanCommand::Alpha { half_width, raters, ref criterion, ref rubric, replicates, seed, format, .. } => {
            let store = read_store(db)?;
            let rubric = resolve_rubric(&store, rubric.as_deref(), None)?;
            let request = crate::report::plan::AlphaRequest {
                criterion: criterion.as_deref(),
                raters,
                half_width,
                confidence,
                replicates,
                seed,
            };
            (crate::report::plan::alpha(&store, &rubric, request)?, format)
        }
        PlanCommand::Correlation { r, half_width, format, .. } => (correlation(r, half_width, confidence), format),
        PlanCommand::Kappa {
            kappa0,
            kappa1,
            prevalence,
            alpha,
            power,
            sides,
            half_width,
            from_store,
            ref criterion,
            ref rubric,
            format,
            ..
        } => {
            let goal = match (half_width, kappa0) {
                (Some(half_width), _) => KappaGoal::Interval { half_width, confidence },
                (None, Some(kappa0)) => KappaGoal::Test { kappa0, alpha, power, sides },
                (None, None) => bail!("give --kappa0 (a test) or --half-width (an interval)"),
            };
            let pilot = if from_store {
                let store = read_store(db)?;
                let rubric = resolve_rubric(&store, rubric.as_deref(), None)?;
                let pilot = crate::report::plan::kappa_pilot(&store, &rubric, criterion.as_deref())?;
                Some(pilot.map_err(anyhow::Error::msg)?)
            } else {
                None
            };
            (kappa_from(kappa1, prevalence, pilot.as_ref(), goal), format)
        }
    };
    let plan = plan.map_err(anyhow::Error::msg)?;
    match format {
        FormatArg::Json => print_json(&plan),
        FormatArg::Table => print(&plan.document().render()),
    }
}

fn estimate(db: Option<&Path>, args: &super::EstimateArgs) -> anyhow::Result<ExitCode> {
    use crate::report::estimate::{EstimateError, Request, from_store};
    anyhow::ensure!(args.ci > 0.0 && args.ci < 1.0, "--ci must be between 0 and 1, not {}", args.ci);
    let store = read_store(db)?;
    let (batch, rubric) = resolve_scope(&store, &args.scope)?;
    let request = Request {
        criterion: args.criterion.as_deref(),
        by: args.by.as_deref(),
        dataset: args.dataset.as_deref(),
        batch: batch.as_ref(),
        method: args.method.into(),
        confidence: args.ci,
        compare: args.compare.as_ref(),
    };
    match from_store(&store, &rubric, request) {
        // Naming a criterion that is not there is a usage error, as clap's are.
        Err(EstimateError::Criterion(message) | EstimateError::EmptySlice(message)) => {
            eprintln!("tally: {}", crate::model::text::sanitize(&message));
            Ok(ExitCode::from(2))
        }
        report => emit(&report?, args.format, ""),
    }
}

/// The store, to change it: it must exist (only `init` and `demo` create one).
pub(super) fn open_store(db: Option<&Path>) -> anyhow::Result<Store> {
    let path = store_path(db)?;
    Ok(Store::open(&path)?)
}

/// The store, to read it: SQLite refuses any write, so a report never waits for (or
/// blocks) a writer, and a store in a read-only folder can be read.
pub(super) fn read_store(db: Option<&Path>) -> anyhow::Result<Store> {
    let path = store_path(db)?;
    Ok(Store::open_read_only(&path)?)
}

fn print(text: &str) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<ExitCode> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    print(&text)
}

/// Prints a report in `format`; `preamble` goes before the text and Markdown forms.
fn emit(report: &impl Rendered, format: ReportFormat, preamble: &str) -> anyhow::Result<ExitCode> {
    match format {
        ReportFormat::Json => print_json(report),
        ReportFormat::Csv => print(&report.csv()),
        ReportFormat::Table => print(&format!("{preamble}{}", report.document().render())),
        ReportFormat::Md => print(&format!("{preamble}{}", report.document().render_markdown())),
    }
}

/// Every report in one document, printed or written to `out` (atomically: a reader of the
/// file never sees half a report).
fn report_all(
    db: Option<&Path>,
    scope: &ScopeArgs,
    (include_golden, bootstrap, errors_by): (bool, Bootstrap, Option<&str>),
    format: AllFormat,
    out: Option<&Path>,
    summary: crate::report::all::SummaryRequest<'_>,
) -> anyhow::Result<ExitCode> {
    let store = read_store(db)?;
    let (batch, rubric) = resolve_scope(&store, scope)?;
    threshold_criteria_exist(&rubric, summary.thresholds.criteria())?;
    let working = Working::start("computing report all");
    let report =
        crate::report::all::from_store(&store, &rubric, batch.as_ref(), bootstrap, errors_by, include_golden, summary)?;
    drop(working);
    let text = match format {
        AllFormat::Table => report.document.render(),
        AllFormat::Md => report.document.render_markdown(),
        AllFormat::Html => report.document.render_html(&report.title),
    };
    match out {
        Some(path) => {
            write_atomically(path, text.as_bytes())?;
            print(&format!("wrote {}\n", path.display()))
        }
        None => print(&text),
    }
}

/// A threshold naming a criterion the rubric lacks is a typo, not a pass.
fn threshold_criteria_exist<'a>(
    rubric: &crate::store::StoredRubric,
    mut names: impl Iterator<Item = &'a String>,
) -> anyhow::Result<()> {
    match names.find(|name| !rubric.rubric.criteria.iter().any(|c| &c.id == *name)) {
        Some(name) => bail!("rubric `{}` has no criterion `{name}`", rubric.rubric.name),
        None => Ok(()),
    }
}

/// What changed between the two newest versions of golden set `name` in `dir` (as
/// `golden diff`), or the sentence saying why there is nothing to compare.
fn latest_golden_change(
    name: Option<&str>,
    dir: &Path,
) -> anyhow::Result<Result<crate::report::golden::GoldenDiff, String>> {
    let Some(name) = name else {
        return Ok(Err("No golden set: --golden NAME compares its two newest versions (NAME-vN in --dir).".into()));
    };
    let versions = crate::io::export::versions(dir, name)?;
    let [.., from, to] = versions.as_slice() else {
        return Ok(Err(match versions.first() {
            None => format!("No golden set `{name}` in {}: nothing to compare.", dir.display()),
            Some(only) => format!("Golden set `{name}` has one version (v{only}): nothing to compare yet."),
        }));
    };
    let read = |version: &u32| -> anyhow::Result<Vec<crate::io::golden::GoldenLine>> {
        Ok(crate::io::golden::read(&crate::io::golden::version_path(dir, name, &version.to_string())?)?)
    };
    let differences = crate::io::golden::differences(&read(from)?, &read(to)?);
    Ok(Ok(crate::report::golden::GoldenDiff::new(name, &format!("v{from}"), &format!("v{to}"), differences)))
}

fn init(db: Option<&Path>) -> anyhow::Result<ExitCode> {
    let path = init_path(db);
    let existed = path.exists();
    let store = Store::create(&path)?;
    let verb = if existed { "store already exists" } else { "created store" };
    print(&format!("{verb}: {} (schema {})\n", path.display(), store.schema_version()?))
}

fn import(db: Option<&Path>, file: &Path, options: &ImportOptions) -> anyhow::Result<ExitCode> {
    let mut store = open_store(db)?;
    let (reader, format) = crate::io::open(file)?;
    let mut options = options.clone();
    if format == crate::io::Format::Jsonl {
        // Spans and runs of a trace may be anywhere in the file: learn where each trace
        // ends, so it is stored once whole and memory holds only the traces still open.
        options.trace_ends = crate::io::trace::trace_ends(file, options.from)?;
    }
    let options = &options;
    let reader = reading("importing", file, reader);
    let dataset = crate::io::items::dataset_name(file, options);
    let summary = crate::io::items::import(&mut store, reader, format, &file.display().to_string(), &dataset, options)?;
    let mut line = format!(
        "{}: {} records into dataset `{}`: {} new, {} unchanged",
        summary.file, summary.records, summary.dataset, summary.inserted, summary.unchanged
    );
    if summary.updated > 0 {
        line.push_str(&format!(", {} updated", summary.updated));
    }
    if summary.skipped > 0 {
        line.push_str(&format!(", {} skipped (id exists with other content)", summary.skipped));
    }
    if summary.labels_stale > 0 {
        line.push_str(&format!("; {} labels on updated items withdrawn as stale", summary.labels_stale));
    }
    if summary.labels_kept > 0 {
        line.push_str(&format!("; {} labels on updated items kept for the new content", summary.labels_kept));
    }
    if options.redact {
        line.push_str(&format!("; redacted: {}", redaction_counts(&summary.redacted)));
    }
    if summary.traces_without_messages > 0 {
        line.push_str(&format!(
            "; {} traces left out: none of their spans or runs holds a message or a tool call",
            summary.traces_without_messages
        ));
    }
    line.push('\n');
    if summary.human_votes > 0 {
        line.push_str(&format!(
            "{} human votes (Chatbot Arena / MT-Bench) not stored: `tally labels import {} --rubric RUBRIC` \
             stores them as labels of its preference criterion\n",
            summary.human_votes,
            file.display()
        ));
    }
    if !summary.to_metadata.is_empty() {
        // Raters see metadata only as key/values: say which fields no item field took.
        let fields: Vec<String> = summary.to_metadata.iter().map(|(field, n)| format!("`{field}` ({n})")).collect();
        line.push_str(&format!(
            "went to metadata (no item field takes them; --map FIELD=COLUMN to change that): {}\n",
            fields.join(", ")
        ));
    }
    print(&line)
}

/// Reads and validates a rubric file and its guidelines.
fn read_rubric(file: &Path) -> anyhow::Result<(Rubric, String, String)> {
    let source = std::fs::read_to_string(file).with_context(|| format!("{}: cannot read", file.display()))?;
    let rubric = Rubric::from_toml(&source, &file.display().to_string())?;
    let guidelines = match &rubric.guidelines {
        None => String::new(),
        Some(name) => {
            let path = file.parent().unwrap_or(Path::new("")).join(name);
            std::fs::read_to_string(&path).with_context(|| {
                format!("{}: guidelines = \"{name}\": cannot read {}", file.display(), path.display())
            })?
        }
    };
    Ok((rubric, source, guidelines))
}

fn describe(rubric: &Rubric) -> String {
    let mut table = Table::new(&["criterion", "kind", "required", "options"]);
    for criterion in &rubric.criteria {
        let mut options: Vec<String> =
            criterion.options.iter().map(|choice| format!("[{}] {}", choice.key, choice.value)).collect();
        if let (Some(min), Some(max)) = (criterion.min, criterion.max) {
            options.push(format!("{min} to {max}"));
        }
        if let Some(when) = &criterion.when {
            options.push(format!("(when {} = {})", when.criterion, when.any_of.join("|")));
        }
        table.row(vec![
            criterion.id.clone(),
            criterion.kind.name().to_string(),
            if criterion.required { "yes" } else { "" }.to_string(),
            options.join(" "),
        ]);
    }
    format!("rubric {} v{}: {} criteria\n{}", rubric.name, rubric.version, rubric.criteria.len(), table.render())
}

fn rubric_check(file: &Path) -> anyhow::Result<ExitCode> {
    let (rubric, _, guidelines) = read_rubric(file)?;
    let mut text = format!("{}: ok\n{}", file.display(), describe(&rubric));
    if rubric.guidelines.is_some() {
        text.push_str(&format!("guidelines: {} lines\n", guidelines.lines().count()));
    }
    // Valid, but keys that will surprise a rater: said, not refused.
    for ambiguous in rubric.ambiguous_keys() {
        text.push_str(&format!("warning: {ambiguous}\n"));
    }
    let (keymap, problems) = match crate::tui::label::keys_path() {
        Some(path) => {
            let (keymap, problems) = crate::tui::label::Keymap::load(&path);
            (keymap, problems.into_iter().map(|problem| format!("warning: {problem}")).collect())
        }
        None => (crate::tui::label::Keymap::default(), Vec::new()),
    };
    for problem in problems {
        text.push_str(&format!("{problem}\n"));
    }
    for (key, action) in keymap.shadowed(|ch| rubric.is_option_key(ch)) {
        let owners: Vec<&str> = rubric.key_owners(key).iter().map(|&ci| rubric.criteria[ci].id.as_str()).collect();
        text.push_str(&format!(
            "warning: key `{key}` is an option of {}, so on the label screen it does not do `{action}` (change the key in the rubric or in keys.toml)\n",
            owners.join(", ")
        ));
    }
    print(&text)
}

fn rubric_add(db: Option<&Path>, file: &Path) -> anyhow::Result<ExitCode> {
    let (rubric, source, guidelines) = read_rubric(file)?;
    let mut store = open_store(db)?;
    let (_, added) = store.write(|tx| tx.add_rubric(&rubric, &source, &guidelines))?;
    let hash = rubric.content_hash(&guidelines);
    let verb = if added { "added" } else { "already stored" };
    print(&format!("{verb}: rubric {} v{} ({})\n", rubric.name, rubric.version, &hash[..12]))
}

fn rubric_list(db: Option<&Path>, format: FormatArg) -> anyhow::Result<ExitCode> {
    let store = read_store(db)?;
    let rubrics = store.rubrics()?;
    if format == FormatArg::Json {
        return print_json(&serde_json::json!({ "rubrics": rubrics }));
    }
    let mut table = Table::new(&["rubric", ">version", "hash", ">criteria", ">label events"]);
    for rubric in &rubrics {
        table.row(vec![
            rubric.name.clone(),
            rubric.version.to_string(),
            rubric.hash[..12].to_string(),
            rubric.criteria.to_string(),
            rubric.label_events.to_string(),
        ]);
    }
    print(&table.render())
}

/// The rubric a command works with: the batch's, the one named, or the only one.
pub(super) fn resolve_rubric(store: &Store, name: Option<&str>, batch: Option<&Batch>) -> anyhow::Result<StoredRubric> {
    if let Some(batch) = batch {
        let rubric = store.rubric_by_id(batch.rubric_id)?;
        if let Some(name) = name.filter(|name| *name != rubric.rubric.name) {
            bail!("batch `{}` uses rubric `{}`, not `{name}`", batch.name, rubric.rubric.name);
        }
        return Ok(rubric);
    }
    let names = store.rubric_names()?;
    let name = match (name, names.as_slice()) {
        (Some(name), _) => name.to_string(),
        (None, [only]) => only.clone(),
        (None, []) => bail!("the store has no rubric yet; add one with `tally rubric add FILE`"),
        (None, _) => bail!("the store has several rubrics ({}); say which with --rubric", names.join(", ")),
    };
    store.rubric_latest(&name)?.with_context(|| {
        format!(
            "no rubric named `{name}` in the store (have: {})",
            if names.is_empty() { "none".into() } else { names.join(", ") }
        )
    })
}

pub(super) fn find_batch(store: &Store, name: Option<&str>) -> anyhow::Result<Option<Batch>> {
    let Some(name) = name else { return Ok(None) };
    let batch = store.batch(name)?;
    if batch.is_none() {
        let names = store.batch_names(None)?;
        bail!("no batch named `{name}` (have: {})", if names.is_empty() { "none".into() } else { names.join(", ") });
    }
    Ok(batch)
}

#[allow(clippy::too_many_arguments)]
fn batch_create(
    db: Option<&Path>,
    name: &str,
    rubric_name: &str,
    dataset: Option<&str>,
    raters: &[String],
    overlap: usize,
    seed: u64,
    honeypots: Option<(PathBuf, f64)>,
) -> anyhow::Result<ExitCode> {
    let raters: Vec<&str> = raters.iter().map(|r| r.trim()).collect();
    if raters.iter().any(|r| r.is_empty()) {
        bail!("--raters has an empty name; list names separated by commas, e.g. --raters ana,ben");
    }
    let mut unique = raters.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != raters.len() {
        bail!("--raters lists a rater twice");
    }
    let mut store = open_store(db)?;
    let rubric = resolve_rubric(&store, Some(rubric_name), None)?;
    let honeypots = match &honeypots {
        Some((file, rate)) => Some((crate::io::items::read_honeypots(file, &rubric.rubric)?, *rate, file.as_path())),
        None => None,
    };
    let (items, mixed) = deal_batch(&mut store, name, rubric.id, dataset, &raters, overlap, seed, honeypots)?;
    let mut text = format!(
        "batch `{name}`: {items} items under rubric {} v{}, {} raters, each item labeled by {overlap} (seed {seed})\n",
        rubric.rubric.name,
        rubric.rubric.version,
        raters.len()
    );
    if mixed > 0 {
        text.push_str(&format!("{mixed} honeypots mixed into the raters' queues\n"));
    }
    print(&text)
}

/// Honeypots read from a file: (item, answers) each, the rate, and the file.
type Honeypots<'a> = (Vec<crate::io::items::Honeypot>, f64, &'a Path);

/// Creates batch `name` over the items of `dataset` (all items when `None`, honeypots
/// aside), dealt to `raters` with `overlap` and `seed`, honeypots mixed in; returns how
/// many items it holds and how many honeypot places it dealt.
#[allow(clippy::too_many_arguments)]
fn deal_batch(
    store: &mut Store,
    name: &str,
    rubric_id: i64,
    dataset: Option<&str>,
    raters: &[&str],
    overlap: usize,
    seed: u64,
    honeypots: Option<Honeypots>,
) -> anyhow::Result<(usize, usize)> {
    let gold = store.gold_item_ids()?;
    let items: Vec<i64> = store.item_ids(dataset)?.into_iter().filter(|id| !gold.contains(id)).collect();
    if items.is_empty() {
        match dataset {
            Some(dataset) => bail!("no items in dataset `{dataset}`; see `tally status`"),
            None => bail!("the store has no items; import some with `tally import FILE`"),
        }
    }
    let (pots, rate) = honeypots.as_ref().map_or((0, 0.0), |(pots, rate, _)| (pots.len(), *rate));
    let deal =
        Deal { n_items: items.len(), n_raters: raters.len(), overlap, seed, n_honeypots: pots, honeypot_rate: rate };
    let plan = plan(&deal).map_err(anyhow::Error::msg)?;
    let ordered: Vec<i64> = plan.order.iter().map(|&index| items[index]).collect();
    let mixed = plan.queues.iter().flatten().filter(|slot| matches!(slot, Slot::Honeypot(_))).count();
    store.write(|tx| {
        // The honeypots become items (with their answers apart), then join the queues.
        let mut honeypot_ids = Vec::new();
        if let Some((pots, _, file)) = &honeypots {
            let origin = file.display().to_string();
            for (line, (item, answers)) in pots.iter().enumerate() {
                tx.upsert_item(item, &origin, line as u64 + 1, crate::store::OnConflict::Error)?;
                let id = tx.item_id(&item.id)?.context("a honeypot vanished")?;
                for (criterion, value) in answers {
                    tx.set_gold(id, criterion, value)?;
                }
                honeypot_ids.push(id);
            }
        }
        let queues: Vec<(&str, Vec<(i64, bool)>)> = plan
            .queues
            .iter()
            .enumerate()
            .map(|(rater, queue)| {
                let slots = queue
                    .iter()
                    .map(|slot| match *slot {
                        Slot::Item(position) => (ordered[position], false),
                        Slot::Honeypot(index) => (honeypot_ids[index], true),
                    })
                    .collect();
                (raters[rater], slots)
            })
            .collect();
        tx.create_batch(&NewBatch {
            name,
            rubric_id,
            dataset,
            overlap: overlap as i64,
            seed: seed as i64,
            items: &ordered,
            queues: &queues,
        })?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok((ordered.len(), mixed))
}

fn batch_list(db: Option<&Path>, format: FormatArg) -> anyhow::Result<ExitCode> {
    let store = read_store(db)?;
    let batches = store.batch_summaries()?;
    if format == FormatArg::Json {
        return print_json(&serde_json::json!({ "batches": batches }));
    }
    if batches.is_empty() {
        return print("no batches yet; create one with `tally batch create NAME --rubric R --raters a,b`\n");
    }
    let mut table = Table::new(&["batch", "rubric", ">items", ">overlap", "rater", ">done", ">assigned"]);
    for batch in &batches {
        for (index, (rater, assigned, done)) in batch.raters.iter().enumerate() {
            let first = index == 0;
            table.row(vec![
                if first { batch.name.clone() } else { String::new() },
                if first { format!("{} v{}", batch.rubric, batch.rubric_version) } else { String::new() },
                if first { batch.items.to_string() } else { String::new() },
                if first { batch.overlap.to_string() } else { String::new() },
                rater.clone(),
                done.to_string(),
                assigned.to_string(),
            ]);
        }
    }
    print(&table.render())
}

fn labels_import(db: Option<&Path>, file: &Path, rubric: Option<&str>) -> anyhow::Result<ExitCode> {
    let mut store = open_store(db)?;
    let rubric = resolve_rubric(&store, rubric, None)?;
    let (reader, format) = crate::io::open(file)?;
    let reader = reading("importing labels from", file, reader);
    let summary = crate::io::labels::import(&mut store, reader, format, &file.display().to_string(), &rubric)?;
    let mut text = format!(
        "{}: {} labels from {} raters on {} items under rubric {}: {} recorded, {} unchanged",
        summary.file,
        summary.records,
        summary.raters,
        summary.items,
        summary.rubric,
        summary.recorded,
        summary.unchanged
    );
    if summary.items_created > 0 {
        text.push_str(&format!("; {} comparison items created (Chatbot Arena / MT-Bench)", summary.items_created));
    }
    if summary.sides > 0 {
        text.push_str(&format!("; {} sides recorded", summary.sides));
    }
    text.push('\n');
    print(&text)
}

fn label(
    db: Option<&Path>,
    batch: Option<&str>,
    rater: Option<String>,
    show_judge: bool,
    show_models: bool,
) -> anyhow::Result<ExitCode> {
    let rater = rater.unwrap_or_else(login_name);
    let mut store = open_store(db)?;
    let batch = match batch {
        Some(name) => find_batch(&store, Some(name))?.context("batch not found")?,
        None => {
            let names = store.batch_names(Some(&rater))?;
            match names.as_slice() {
                [only] => store.batch(only)?.context("batch vanished")?,
                [] => bail!(
                    "no batch assigns items to `{rater}`; create one with `tally batch create NAME --rubric R --raters {rater}`, or pass --rater"
                ),
                _ => bail!("`{rater}` has items in several batches ({}); say which with --batch", names.join(", ")),
            }
        }
    };
    let outcome = crate::tui::label::run(&mut store, &batch, &rater, show_judge, show_models)?;
    if !outcome.saved() {
        // Never a false "saved": say what the store refused and where it went instead.
        eprint!("{}", outcome.message());
        return Ok(outcome.exit_code());
    }
    let summary = store.batch_summaries()?.into_iter().find(|b| b.name == batch.name);
    if let Some((_, assigned, done)) = summary.and_then(|b| b.raters.into_iter().find(|(r, _, _)| *r == rater)) {
        print(&format!("{rater}: {done} of {assigned} items done in batch `{}`; every label is saved.\n", batch.name))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The batch (if named) and the rubric a report reads.
fn resolve_scope(store: &Store, scope: &ScopeArgs) -> anyhow::Result<(Option<Batch>, StoredRubric)> {
    let batch = find_batch(store, scope.batch.as_deref())?;
    let rubric = resolve_rubric(store, scope.rubric.as_deref(), batch.as_ref())?;
    Ok((batch, rubric))
}

fn agreement_file(file: &Path, options: &AgreementArgs) -> anyhow::Result<ExitCode> {
    let (level, bootstrap) = (options.level.map(Into::into), options.bootstrap.bootstrap()?);
    let reader = std::fs::File::open(file).with_context(|| format!("{}: cannot open", file.display()))?;
    let origin = file.display().to_string();
    let table = crate::io::ratings::read(std::io::BufReader::new(reader), &origin)?;
    let name = file.file_stem().map_or_else(|| "ratings".into(), |s| s.to_string_lossy().into_owned());
    let working = Working::start(format!("computing agreement on {origin}"));
    let result = agreement::from_ratings(&table, &name, level, bootstrap)
        .map_err(|message| anyhow::anyhow!("{origin}: {message}"))?;
    drop(working);
    let preamble = format!(
        "{origin}: {} units, {} raters, {} ratings\n\n",
        table.units.len(),
        table.raters.len(),
        table.ratings.len()
    );
    emit(&result, options.format, &preamble)
}

fn export_golden(db: Option<&Path>, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    if let Some(minimum) = args.min_agreement {
        anyhow::ensure!((0.0..=1.0).contains(&minimum), "--min-agreement must be between 0 and 1, not {minimum}");
    }
    use crate::io::harness::{Harness, Target, Tool};
    let tool = match args.format {
        Some(ExportFormatArg::Inspect) => Some(Tool::Inspect),
        Some(ExportFormatArg::OpenaiEvals) => Some(Tool::OpenaiEvals),
        Some(ExportFormatArg::Promptfoo) => Some(Tool::Promptfoo),
        Some(ExportFormatArg::Hf) => Some(Tool::Hf),
        Some(ExportFormatArg::LangfuseScores) => Some(Tool::LangfuseScores),
        Some(ExportFormatArg::Otel) => Some(Tool::Otel),
        Some(ExportFormatArg::Dpo) => Some(Tool::Dpo),
        _ => None,
    };
    if let Some(tool) = tool {
        anyhow::ensure!(
            args.name.is_none(),
            "--format {}: give --out (versioned --name sets are jsonl or csv)",
            tool.name()
        );
    } else {
        anyhow::ensure!(args.target.is_none(), "--target is for --format inspect, openai-evals, promptfoo or dpo");
    }
    let store = read_store(db)?;
    let (batch, rubric) = resolve_scope(&store, &args.scope)?;
    let format = match (args.format, tool, &args.out) {
        (_, Some(tool), _) => {
            let target = match tool {
                // A dataset folder and scores sent back keep every label; no one target.
                Tool::Hf | Tool::LangfuseScores | Tool::Otel => {
                    anyhow::ensure!(
                        args.target.is_none(),
                        "--target is for --format inspect, openai-evals or promptfoo"
                    );
                    Target::Reference
                }
                Tool::Dpo => Target::Criterion(
                    crate::io::export_dpo::criterion(args.target.as_deref(), &rubric.rubric)
                        .map_err(anyhow::Error::msg)?,
                ),
                _ => Target::parse(args.target.as_deref(), &rubric.rubric).map_err(anyhow::Error::msg)?,
            };
            FileFormat::Harness(Harness { tool, target })
        }
        (Some(ExportFormatArg::Csv), ..) => FileFormat::Csv,
        (None, _, Some(out)) if out.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("csv")) => FileFormat::Csv,
        _ => FileFormat::Jsonl,
    };
    // A dataset folder: --out names the folder, the data goes inside.
    let hf_dir = args.out.as_ref().filter(|_| tool == Some(Tool::Hf));
    let hf_data = match hf_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create the folder", dir.display()))?;
            Some(crate::io::export_hf::data_path(dir))
        }
        None => None,
    };
    let destination = match (&hf_data, &args.out, &args.name) {
        (Some(data), ..) => Destination::File(data),
        (None, Some(out), _) => Destination::File(out),
        (None, None, Some(name)) => Destination::Versioned { dir: &args.dir, name },
        (None, None, None) => bail!("give --out FILE or --name NAME"),
    };
    let include_golden = args.golden.include_golden;
    let shown = args.out.as_ref().map_or_else(|| args.dir.join(args.name.as_deref().unwrap_or("")), Clone::clone);
    let mut progress = Progress::count(format!("exporting {}", shown.display()), "items");
    let report =
        agreement::from_store(&store, &rubric, batch.as_ref(), None, args.bootstrap.bootstrap()?, include_golden)?;
    let summary = export(
        &store,
        &ExportRequest {
            rubric: &rubric,
            batch: batch.as_ref(),
            consensus: args.consensus.into(),
            destination,
            format,
            filters: Filters {
                min_raters: args.min_raters,
                min_agreement: args.min_agreement,
                exclude_flagged: args.exclude_flagged,
            },
            with_raters: args.with_raters,
            reveal_raters: args.reveal_raters,
            agreement: serde_json::to_value(&report.criteria)?,
            include_golden,
        },
        &mut |items| progress.set(items),
    )?;
    progress.finish();
    if summary.items == 0 {
        eprintln!(
            "tally: warning: no labeled items under rubric `{}` pass, so the golden set is empty",
            rubric.rubric.name
        );
    }
    let excluded = &summary.excluded;
    let left_out = excluded.flagged + excluded.min_raters + excluded.min_agreement;
    let mut left_out = match left_out {
        0 => String::new(),
        _ => format!(
            "left out {left_out} items: {} flagged, {} below --min-raters, {} below --min-agreement\n",
            excluded.flagged, excluded.min_raters, excluded.min_agreement
        ),
    };
    if excluded.no_target > 0 {
        let why = match tool {
            Some(Tool::LangfuseScores | Tool::Otel) => {
                "without trace ids (metadata traceId/observationId or trace_id/span_id), or without a score"
            }
            Some(Tool::Dpo) => "that are not comparisons or whose raters split evenly on the preference",
            _ => "without a target (a tie on the target criterion, or no reference)",
        };
        left_out.push_str(&format!("left out {} items {why}\n", excluded.no_target));
    }
    if excluded.tie + excluded.both_bad > 0 {
        left_out.push_str(&format!(
            "left out {} items whose consensus is a tie and {} both bad: no preference pair\n",
            excluded.tie, excluded.both_bad
        ));
    }
    if let Some(dir) = hf_dir {
        let card = crate::io::export_hf::write_card(dir, &summary.manifest, &rubric.rubric, &args.license)?;
        left_out.push_str(&format!("wrote {}\n", card.display()));
    }
    if let Some(note) = crate::report::golden_note(summary.golden_labels_left_out) {
        left_out.push_str(&format!("{note}\n"));
    }
    if let Some(previous) = &summary.unchanged_since {
        return print(&format!(
            "unchanged: the golden set equals {} ({} items), so no new version was written\n{left_out}sha256 {}\n",
            previous.display(),
            summary.items,
            summary.sha256
        ));
    }
    print(&format!(
        "wrote {} ({} items, {} ties without consensus)\nwrote {}\n{left_out}sha256 {}\n",
        summary.file.display(),
        summary.items,
        summary.ties,
        summary.manifest.display(),
        summary.sha256
    ))
}

fn golden_import(
    db: Option<&Path>,
    file: &Path,
    dataset: Option<String>,
    rater: Option<String>,
) -> anyhow::Result<ExitCode> {
    let mut store = open_store(db)?;
    let stem = file.file_stem().map_or_else(|| "golden".to_string(), |stem| stem.to_string_lossy().into_owned());
    let dataset = dataset.unwrap_or_else(|| stem.clone());
    let rater = rater.unwrap_or_else(|| format!("golden:{stem}"));
    let (summary, _) = crate::io::golden::import(&mut store, file, &dataset, &rater)?;
    print(&format!(
        "{}: {} items into dataset `{}` ({} new), {} labels as rater `{}` under rubric `{}`; {} values skipped (ties, or not a value of the rubric)\n",
        summary.file,
        summary.items,
        summary.dataset,
        summary.items_inserted,
        summary.labels_recorded,
        summary.rater,
        summary.rubric,
        summary.values_skipped
    ))
}

fn adjudicate(
    db: Option<&Path>,
    item: &str,
    criterion_id: &str,
    value: Option<&str>,
    why: &str,
    rubric: Option<&str>,
    adjudicator: Option<String>,
) -> anyhow::Result<ExitCode> {
    let mut store = open_store(db)?;
    let rubric = resolve_rubric(&store, rubric, None)?;
    let (item_id, _) =
        store.item_by_external_id(item)?.ok_or_else(|| anyhow::anyhow!("no item `{item}` in the store"))?;
    let criterion = rubric.rubric.criterion(criterion_id).ok_or_else(|| {
        let known: Vec<&str> = rubric.rubric.criteria.iter().map(|c| c.id.as_str()).collect();
        anyhow::anyhow!(
            "rubric `{}` has no criterion `{criterion_id}` (it has {})",
            rubric.rubric.name,
            known.join(", ")
        )
    })?;
    anyhow::ensure!(!why.trim().is_empty(), "--why needs a reason: it is kept with the decision");
    let parsed = value
        .map(|raw| criterion.parse_text(raw).map_err(|message| anyhow::anyhow!("{criterion_id}: {message}")))
        .transpose()?
        .map(|value| value.to_json());
    let adjudicator = adjudicator.unwrap_or_else(login_name);
    let written = store.write(|tx| {
        tx.record_adjudication(&NewAdjudication {
            item_id,
            criterion: criterion_id,
            value: parsed.as_ref(),
            rationale: why.trim(),
            adjudicator: &adjudicator,
            rubric_id: rubric.id,
        })
    })?;
    let what = match (&parsed, written) {
        (_, false) => "unchanged: that decision already stands".to_string(),
        (Some(value), true) => format!("adjudicated {item} {criterion_id} = {value} (by {adjudicator})"),
        (None, true) => format!("withdrew the adjudication of {item} {criterion_id} (by {adjudicator})"),
    };
    print(&format!("{what}\n"))
}

fn status_command(db: Option<&Path>, format: FormatArg) -> anyhow::Result<ExitCode> {
    let store = read_store(db)?;
    let status = status(&store)?;
    match format {
        FormatArg::Json => print_json(&status),
        FormatArg::Table => print(&status.table()),
    }
}

/// The demo store lives in the temp folder unless `--db` names another file; it is kept
/// between runs, so a rater's demo labels survive running `tally demo` again.
fn demo_path(db: Option<&Path>, sample: &Sample) -> PathBuf {
    db.map_or_else(|| std::env::temp_dir().join(sample.store_name), Path::to_path_buf)
}

/// Marks a store as built by `tally demo`: only such a store is ever thrown away. Its
/// value says which sample the store holds.
const DEMO_SETTING: &str = "demo";

fn demo(db: Option<&Path>, no_label: bool, fresh: bool, sample: &Sample) -> anyhow::Result<ExitCode> {
    let path = demo_path(db, sample);
    let existing = if path.exists() { Some(Store::open(&path)?) } else { None };
    let is_demo = match &existing {
        // Demo stores of earlier versions carry no mark; at the default path, their batch tells.
        Some(store) => store.setting(DEMO_SETTING)?.is_some() || (db.is_none() && store.batch("demo")?.is_some()),
        None => false,
    };
    if existing.is_some() && !is_demo {
        bail!(
            "{}: a tally store that `tally demo` did not build; demo leaves it alone (name a new file with --db, or leave --db out)",
            path.display()
        );
    }
    // Another sample in this demo store: only --fresh throws the rater's labels away.
    if let Some(store) = &existing
        && !fresh
    {
        let mark = store.setting(DEMO_SETTING)?;
        // Unmarked demo stores are older ones, of the default sample.
        let holds = sample_data::SAMPLES
            .into_iter()
            .find(|other| Some(other.mark) == mark.as_deref())
            .unwrap_or(&sample_data::RAG);
        if holds.mark != sample.mark {
            let flag = if holds.flag.is_empty() { String::new() } else { format!(" {}", holds.flag) };
            bail!(
                "{}: this demo store holds {}; `tally demo{flag}` opens it, --fresh rebuilds it with this sample",
                path.display(),
                holds.items_origin
            );
        }
    }
    let complete = match &existing {
        // A build cut short (the batch is dealt last) is built again.
        Some(store) => store.batch("demo")?.is_some(),
        None => false,
    };
    let mut store = match existing {
        Some(store) if !fresh && complete => {
            eprintln!("Reopening the demo store, with your labels (`tally demo --fresh` starts over).");
            store
        }
        previous => {
            drop(previous);
            for suffix in ["", "-wal", "-shm"] {
                let file = PathBuf::from(format!("{}{suffix}", path.display()));
                if file.exists() {
                    std::fs::remove_file(&file)
                        .with_context(|| format!("{}: cannot remove the old demo store", file.display()))?;
                }
            }
            build_demo(&path, sample)?
        }
    };
    if !no_label {
        let batch = store.batch("demo")?.context("demo batch missing")?;
        let outcome = crate::tui::label::run(&mut store, &batch, "demo", false, false)?;
        if !outcome.saved() {
            eprint!("{}", outcome.message());
            return Ok(outcome.exit_code());
        }
    }
    let counts = store.counts()?;
    let db = path.display();
    // Name this very program, so the hints work whether or not tally is on the PATH.
    let tally = std::env::current_exe().map_or_else(|_| "tally".to_string(), |exe| exe.display().to_string());
    let (report, export, extra) = if sample.mark == sample_data::PAIRWISE.mark {
        ("report preference --rubric pairwise-preference", "export --format dpo --out pairs.jsonl", String::new())
    } else if sample.mark == sample_data::TRACES.mark {
        ("report agreement", "export --out golden/demo.jsonl", format!("  {tally} --db {db} show trace-011\n"))
    } else {
        ("report agreement", "export --out golden/demo.jsonl", String::new())
    };
    print(&format!(
        "Demo store: {db}\n\
         {} items; {} labels in all, from ana, ben and chloe and from you as `demo`.\n\
         Next, try:\n  \
         {tally} --db {db} {report}\n  \
         {tally} --db {db} {export}\n  \
         {tally} --db {db} label --batch demo --rater demo\n{extra}",
        counts.items, counts.labels,
    ))
}

/// Builds the demo store of `sample` at `path` (which must not exist): its items, rubric
/// and labels, and a batch for rater `demo`.
fn build_demo(path: &Path, sample: &Sample) -> anyhow::Result<Store> {
    let mut store = Store::create(path)?;
    store.write(|tx| tx.set_setting(DEMO_SETTING, sample.mark))?;
    let rubric = Rubric::from_toml(sample.rubric_toml, sample.rubric_origin)?;
    let (rubric_id, _) = store.write(|tx| tx.add_rubric(&rubric, sample.rubric_toml, sample.rubric_guidelines))?;
    crate::io::items::import(
        &mut store,
        sample.items_jsonl.as_bytes(),
        Format::Jsonl,
        sample.items_origin,
        sample.dataset,
        &ImportOptions::default(),
    )?;
    let stored = store.rubric_by_id(rubric_id)?;
    crate::io::labels::import(&mut store, sample.labels_csv.as_bytes(), Format::Csv, sample.labels_origin, &stored)?;
    deal_batch(&mut store, "demo", rubric_id, None, &["demo"], 1, 1, None)?;
    Ok(store)
}

/// The gate's checks and the golden labels left out; an error means the gate cannot run.
#[allow(clippy::too_many_arguments)] // one per family of gate flags
fn gate_checks(
    db: Option<&Path>,
    scope: &ScopeArgs,
    include_golden: bool,
    criteria: &[String],
    thresholds: &Thresholds,
    (max_rates, rate_method): (&[crate::report::estimate::MaxRate], crate::report::estimate::Method),
    human: Human,
    bootstrap: &super::BootstrapArgs,
) -> anyhow::Result<(Vec<crate::report::gate::Check>, usize)> {
    use crate::report::estimate::Method;
    {
        anyhow::ensure!(
            thresholds.any() || !max_rates.is_empty(),
            "give at least one threshold: --min-alpha, --min-judge-spearman, --max-judge-bias, --min-win-rate or --max-rate"
        );
        anyhow::ensure!(
            matches!(rate_method, Method::PpiPlusPlus | Method::Ppi | Method::Human),
            "--estimate must be ppi++, ppi or human (the judge alone is biased), not {}",
            rate_method.name()
        );
        // Intervals cost time; only --use-ci-low and --min-win-rate read them.
        let mut bootstrap = bootstrap.bootstrap()?;
        let win_rate_bootstrap = bootstrap;
        if !thresholds.use_ci_low {
            bootstrap.replicates = 0;
        }
        let store = read_store(db)?;
        let (batch, rubric) = resolve_scope(&store, scope)?;
        threshold_criteria_exist(&rubric, criteria.iter().chain(thresholds.criteria()))?;
        let agreement = agreement::from_store(&store, &rubric, batch.as_ref(), None, bootstrap, include_golden)?;
        let judge = if thresholds.needs_judge() {
            Some(judge::from_store(&store, &rubric, batch.as_ref(), human, None, bootstrap, include_golden)?)
        } else {
            None
        };
        let left_out = agreement.golden_labels_left_out;
        let mut checks = evaluate(thresholds, criteria, &agreement, judge.as_ref());
        if thresholds.min_win_rate.is_set() {
            let request = crate::report::preference::Request {
                batch: batch.as_ref(),
                criterion: None,
                by: None,
                anchor: None,
                bootstrap: win_rate_bootstrap,
                include_golden,
            };
            let report = crate::report::preference::from_store(&store, &rubric, request)?;
            checks.extend(crate::report::gate::win_rate_checks(&thresholds.min_win_rate, &report));
        }
        if !max_rates.is_empty() {
            let request = crate::report::estimate::Request {
                criterion: None,
                by: None,
                dataset: None,
                batch: batch.as_ref(),
                // Every estimate: where PPI has no unlabeled items, the check takes the humans'.
                method: crate::report::estimate::Method::All,
                confidence: bootstrap.confidence,
                compare: None,
            };
            let report = crate::report::estimate::from_store(&store, &rubric, request)?;
            let rates = crate::report::estimate::rate_checks(&report, &rubric.rubric, max_rates, rate_method);
            checks.extend(rates.map_err(anyhow::Error::msg)?);
        }
        Ok((checks, left_out))
    }
}

/// Prints the checks; exit 0 when every check passes, 1 when one fails.
fn gate_report(
    checks: &[crate::report::gate::Check],
    golden_left_out: usize,
    format: super::GateFormat,
) -> anyhow::Result<ExitCode> {
    let failed = checks.iter().filter(|check| !check.passed).count();
    // The reasons of failures on stderr, whatever stdout holds, so CI logs show them.
    for check in checks.iter().filter(|check| !check.passed) {
        eprintln!("tally gate: {}", crate::model::text::sanitize(&check.line()));
    }
    match format {
        super::GateFormat::Table => {
            let mut text: String = checks.iter().map(|check| check.line() + "\n").collect();
            if let Some(note) = crate::report::golden_note(golden_left_out) {
                text.push_str(&format!("gate: {note}\n"));
            }
            text.push_str(&format!("gate: {failed} of {} checks failed\n", checks.len()));
            print(&text)?;
        }
        super::GateFormat::Json => {
            let verdict = crate::report::gate::verdict(checks, golden_left_out);
            print(&format!("{}\n", serde_json::to_string_pretty(&verdict)?))?;
        }
        super::GateFormat::Junit => {
            print(&crate::report::gate::junit(checks))?;
        }
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn sample(
    db: Option<&Path>,
    file: &Path,
    options: &crate::io::sample::SampleOptions,
    dataset: Option<String>,
    out: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let (reader, format) = crate::io::open(file)?;
    let reader = reading("sampling", file, reader);
    let origin = file.display().to_string();
    let store_as = match (&dataset, out) {
        (Some(name), _) => Some(name.clone()),
        (None, Some(_)) => None,
        (None, None) => Some(file.file_stem().map_or_else(|| "sample".into(), |s| s.to_string_lossy().into_owned())),
    };
    let (items, summary) =
        crate::io::sample::sample(reader, format, &origin, store_as.as_deref().unwrap_or("sample"), options)?;
    let mut text = format!(
        "{origin}: read {} records; {} filtered out by --where; {} duplicates; kept {}\n",
        summary.read, summary.filtered_out, summary.duplicates, summary.kept
    );
    if options.redact {
        text.push_str(&format!("redacted: {}\n", redaction_counts(&summary.redacted)));
    }
    if !summary.strata.is_empty() {
        let mut table = Table::new(&["stratum", ">eligible", ">kept"]);
        for (stratum, (eligible, kept)) in &summary.strata {
            table.row(vec![stratum.clone(), eligible.to_string(), kept.to_string()]);
        }
        text.push_str(&table.render());
    }
    if let Some(out) = out {
        let lines: String = items.iter().map(|item| crate::io::sample::jsonl_line(item) + "\n").collect();
        write_atomically(out, lines.as_bytes())?;
        text.push_str(&format!("wrote {} items to {}\n", items.len(), out.display()));
    }
    if let Some(dataset) = store_as {
        let mut store = open_store(db)?;
        let stored =
            crate::io::items::import_items(&mut store, &items, &origin, &dataset, crate::store::OnConflict::Error)?;
        text.push_str(&format!(
            "stored in dataset `{dataset}`: {} new, {} unchanged\n",
            stored.inserted, stored.unchanged
        ));
    }
    print(&text)
}

/// `reader` of `file`, showing progress through it on stderr (see [`Progress`]).
fn reading<R>(doing: &str, file: &Path, reader: R) -> super::progress::ProgressReader<R> {
    // An unknown size only loses the percentage.
    let total = std::fs::metadata(file).map_or(0, |meta| meta.len());
    Progress::bytes(format!("{doing} {}", file.display()), total).reader(reader)
}

/// Writes `bytes` to `path` through a temporary file and a rename: readers never see half,
/// and a failed write leaves nothing behind.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    Ok(crate::io::atomic::write(path, bytes)?)
}

fn items_list(db: Option<&Path>, dataset: Option<&str>, format: FormatArg) -> anyhow::Result<ExitCode> {
    let store = read_store(db)?;
    let items: Vec<crate::model::Item> =
        store.item_ids(dataset)?.into_iter().map(|id| store.item(id)).collect::<Result<_, _>>()?;
    if format == FormatArg::Json {
        return print_json(&items);
    }
    let mut table = Table::new(&["id", "dataset", "input"]);
    for item in &items {
        let input: String = item.input.chars().take(50).collect();
        let input = if item.input.chars().count() > 50 { format!("{input}…") } else { input };
        table.row(vec![item.id.clone(), item.dataset.clone(), input]);
    }
    print(&format!("{}{} items\n", table.render(), items.len()))
}

fn show_item(db: Option<&Path>, id: &str, format: FormatArg) -> anyhow::Result<ExitCode> {
    let store = read_store(db)?;
    let Some((item_id, item)) = store.item_by_external_id(id)? else {
        bail!("no item `{id}` in the store; `tally items` lists them");
    };
    let labels: Vec<crate::store::CurrentLabel> = store.labels_of_item(item_id)?;
    let mut adjudications = Vec::new();
    for rubric in store.rubric_names()? {
        adjudications.extend(store.adjudications_of_item(item_id, &rubric)?);
    }
    let marks = store.marks_of_item(item_id)?;
    if format == FormatArg::Json {
        let labels: Vec<serde_json::Value> = labels
            .iter()
            .map(|l| serde_json::json!({"rater": l.rater, "criterion": l.criterion, "value": l.value}))
            .collect();
        let adjudications: Vec<serde_json::Value> = adjudications
            .iter()
            .map(|a| {
                serde_json::json!({"criterion": a.criterion, "value": a.value, "adjudicator": a.adjudicator,
                                   "rationale": a.rationale, "at": a.at})
            })
            .collect();
        let marks: Vec<serde_json::Value> = marks
            .iter()
            .map(|m| serde_json::json!({"rater": m.rater, "flagged": m.flagged, "skipped": m.skipped, "note": m.note}))
            .collect();
        // A conversation's steps, numbered as raters and step labels refer to them.
        let steps = item.steps();
        return print_json(&serde_json::json!({"item": item, "steps": steps, "labels": labels,
                                              "adjudications": adjudications, "marks": marks}));
    }
    let mut text = match &item.shape {
        crate::model::Shape::Conversation { messages } => {
            let steps = crate::model::conversation::steps(messages);
            format!(
                "{} (dataset {})\n\nTRANSCRIPT ({} steps)\n\n{}",
                item.id,
                item.dataset,
                steps.len(),
                crate::model::transcript::text(&steps)
            )
        }
        _ => format!("{} (dataset {})\n\nINPUT\n{}\n\nOUTPUT\n{}\n", item.id, item.dataset, item.input, item.output),
    };
    if let Some(reference) = &item.reference {
        text.push_str(&format!("\nREFERENCE\n{reference}\n"));
    }
    for (index, passage) in item.context.iter().enumerate() {
        text.push_str(&format!("\nCONTEXT [{}]\n{passage}\n", index + 1));
    }
    if !item.metadata.is_empty() {
        text.push_str(&format!("\nMETADATA {}\n", serde_json::Value::Object(item.metadata.clone())));
    }
    if !item.judge.is_empty() {
        text.push_str(&format!("JUDGE {}\n", serde_json::Value::Object(item.judge.clone())));
    }
    if !labels.is_empty() {
        let mut table = Table::new(&["rater", "criterion", "value"]);
        for label in &labels {
            table.row(vec![label.rater.clone(), label.criterion.clone(), label.value.to_string()]);
        }
        text.push_str(&format!("\nLABELS\n{}", table.render()));
    }
    if !adjudications.is_empty() {
        let mut table = Table::new(&["criterion", "final value", "by", "why"]);
        for adjudication in &adjudications {
            table.row(vec![
                adjudication.criterion.clone(),
                adjudication.value.to_string(),
                adjudication.adjudicator.clone(),
                adjudication.rationale.clone().unwrap_or_default(),
            ]);
        }
        text.push_str(&format!("\nADJUDICATED (wins over the labels)\n{}", table.render()));
    }
    if !marks.is_empty() {
        let mut table = Table::new(&["rater", "mark", "note"]);
        for mark in &marks {
            let what = match (mark.flagged, mark.skipped) {
                (true, true) => "flagged, skipped",
                (true, false) => "flagged",
                _ => "skipped",
            };
            table.row(vec![mark.rater.clone(), what.to_string(), mark.note.clone().unwrap_or_default()]);
        }
        text.push_str(&format!("\nFLAGS AND SKIPS\n{}", table.render()));
    }
    print(&crate::model::text::sanitize(&text))
}

/// `2 email, 1 phone`, or `nothing found`.
fn redaction_counts(counts: &crate::model::redact::Counts) -> String {
    if counts.is_empty() {
        return "nothing found".to_string();
    }
    let parts: Vec<String> = counts.iter().map(|(kind, count)| format!("{count} {}", kind.name())).collect();
    parts.join(", ")
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Adds `rater` to, or removes them from, `batch`, moving only work nobody has begun.
fn rebalance(db: Option<&Path>, batch: &str, rater: &str, adding: bool) -> anyhow::Result<ExitCode> {
    let rater = rater.trim();
    anyhow::ensure!(!rater.is_empty(), "the rater's name is empty");
    let mut store = open_store(db)?;
    let batch = find_batch(&store, Some(batch))?.context("batch not found")?;
    let work = store.open_work(batch.id)?;
    let member = work.open.contains_key(rater);
    let moves = if adding {
        anyhow::ensure!(!member, "`{rater}` is already in batch `{}`", batch.name);
        crate::model::batch::moves_to_new_rater(&work, rater)
    } else {
        anyhow::ensure!(member, "`{rater}` has no items in batch `{}`", batch.name);
        crate::model::batch::moves_from_leaving_rater(&work, rater)
    };
    store.write(|tx| {
        for (item, from, to) in &moves {
            tx.move_assignment(batch.id, *item, from, to.as_deref())?;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    let moved = moves.iter().filter(|(_, _, to)| to.is_some()).count();
    let dropped = moves.len() - moved;
    let mut text = if adding {
        format!("`{rater}` joins batch `{}` with {moved} items nobody had begun\n", batch.name)
    } else {
        format!("`{rater}` leaves batch `{}`: {moved} items not begun went to the others\n", batch.name)
    };
    if dropped > 0 {
        text.push_str(&format!("{dropped} items have one rater fewer: every other rater already has them\n"));
    }
    print(&text)
}
