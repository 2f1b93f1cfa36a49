//! The command line: clap definitions and one function per subcommand, wiring the
//! other layers together. Only `label` and `demo` take over the terminal.

mod commands;
mod paths;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::consensus::Method as Consensus;
use crate::report::agreement::Bootstrap;
use crate::report::errors::Compare;
use crate::report::judge::Human;
use crate::stats::Level;
use crate::store::OnConflict;

/// What tally is, in `--help` and the completion scripts.
const ABOUT: &str = "Label model outputs, measure agreement, export golden sets";

#[derive(Debug, Parser)]
#[command(name = "tally", version, about = ABOUT, long_about = None)]
pub struct Cli {
    /// The store, given before the command (`tally --db PATH status`): still accepted,
    /// but hidden, so that help offers --db only on the commands that use a store.
    #[arg(long = "db", value_name = "PATH", hide = true)]
    db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The `--db` the command runs with, given after it or before it (not both, unless
    /// they agree). A command that uses no store ignores one given before it, as it
    /// ignores `TALLY_DB`: scripts that always pass `--db` keep working.
    pub fn db(&self) -> Result<Option<&std::path::Path>, String> {
        let before = self.db.as_deref();
        match self.command.db() {
            None => Ok(None),
            Some(Some(after)) if before.is_some_and(|before| before != after) => Err(format!(
                "--db is given twice, as {} before the command and as {} after it; give it once",
                before.map(|path| path.display().to_string()).unwrap_or_default(),
                after.display()
            )),
            Some(after) => Ok(after.or(before)),
        }
    }
}

/// tally's command line as completion scripts offer it: without the hidden `--db` before
/// the command, which clap_complete would offer (it does not leave hidden arguments out).
pub(super) fn completion_command() -> clap::Command {
    let bare = clap::Command::new("tally").version(env!("CARGO_PKG_VERSION")).about(ABOUT);
    <Command as clap::Subcommand>::augment_subcommands(bare)
}

/// `--db`, flattened into every command that uses a store (the only way a command
/// offers it); `paths::store_path` resolves it.
#[derive(Debug, Args)]
pub struct StoreArg {
    /// The store (a SQLite file). Default: $TALLY_DB, else ./tally.db if present, else
    /// tally.db in the user data folder.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Try tally on the bundled sample data: a demo store (kept between runs, with your
    /// labels), straight into labeling.
    Demo {
        /// Build the demo store and print where it is, without opening the label screen.
        #[arg(long)]
        no_label: bool,
        /// Throw the demo store away (your demo labels with it) and build it anew.
        #[arg(long)]
        fresh: bool,
        /// The agent traces instead: 64 conversations of a tool-using support agent, read
        /// as transcripts (a demo store of their own, tally-demo-traces.db).
        #[arg(long, conflicts_with = "pairwise")]
        traces: bool,
        /// The side-by-side sample instead: comparison items of three model versions and
        /// three raters' preferences (its own demo store, tally-demo-pairwise.db).
        #[arg(long)]
        pairwise: bool,
        /// The demo store (default: tally-demo.db, or with --traces or --pairwise its
        /// own file, in the temp folder; TALLY_DB does not apply).
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
    /// Create a store (./tally.db unless --db or TALLY_DB say otherwise).
    Init {
        /// The store to create. Default: $TALLY_DB, else ./tally.db.
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
    /// Import items from a JSONL or CSV file, or traces from a tracing tool's export.
    Import {
        /// The items file (.jsonl, one object a line, or .csv with a header).
        file: PathBuf,
        /// The file holds traces in this tool's format (OpenAI chat messages, Anthropic
        /// messages, OpenTelemetry GenAI spans, Langfuse traces, LangSmith runs), each
        /// trace one conversation item; without it, each record's format is told from
        /// its shape.
        #[arg(long, value_enum, value_name = "FORMAT")]
        from: Option<FromArg>,
        /// Dataset name (default: the file name without extension).
        #[arg(long)]
        dataset: Option<String>,
        /// Read item field FIELD from column COLUMN, e.g. --map output=completion; COLUMN
        /// may be a path into nested JSON: choices.0.message.content or
        /// /choices/0/message/content.
        #[arg(long = "map", value_name = "FIELD=COLUMN")]
        map: Vec<String>,
        /// When an id exists with different content.
        #[arg(long, value_enum, default_value_t = ConflictArg::Error)]
        on_conflict: ConflictArg,
        /// With --on-conflict update, what becomes of the labels of items whose content
        /// changes: withdrawn as stale (the items go back to their raters) or kept for the
        /// new content. Without it, updating a labeled item is refused.
        #[arg(long, value_enum, value_name = "stale|keep")]
        labeled: Option<LabeledArg>,
        /// Replace e-mail addresses, phone and card numbers, IP addresses and API keys
        /// with placeholders; the originals are never stored.
        #[arg(long)]
        redact: bool,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Draw a fair, reproducible sample from a file of items of any size, into the store
    /// (as a dataset) or into a JSONL file.
    Sample {
        /// The items file to draw from (.jsonl or .csv), read once whatever its size.
        file: PathBuf,
        /// How many items to keep (with --proportional, over all strata).
        #[arg(long)]
        n: Option<usize>,
        /// Seed of the draw: the same file, seed and arguments give the same sample.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Sample each value of this field separately (a metadata key, `judge.KEY`, or
        /// id/input/output/reference).
        #[arg(long, value_name = "FIELD")]
        stratify: Option<String>,
        /// With --stratify: keep N of each stratum.
        #[arg(long, value_name = "N", conflicts_with = "proportional", requires = "stratify")]
        per_stratum: Option<usize>,
        /// With --stratify: share --n out in proportion to each stratum's size (the default).
        #[arg(long, requires = "stratify")]
        proportional: bool,
        /// Keep only records whose FIELD is VALUE (repeatable; all must hold).
        #[arg(long = "where", value_name = "FIELD=VALUE")]
        filters: Vec<String>,
        /// Store the sample as this dataset (default: the file name), also with --out.
        #[arg(long)]
        dataset: Option<String>,
        /// Write the sample to this JSONL file (not into the store, unless --dataset).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Read item field FIELD from column COLUMN, as for import.
        #[arg(long = "map", value_name = "FIELD=COLUMN")]
        map: Vec<String>,
        /// Replace personal data and secrets with placeholders (as import --redact).
        #[arg(long)]
        redact: bool,
        /// The store the sample goes into (not used with --out alone). Default:
        /// $TALLY_DB, else ./tally.db if present, else tally.db in the user data folder.
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
    /// Bring another store's items, rubrics, labels and adjudications into this one
    /// (an offline rater's copy); merging twice changes nothing.
    Merge {
        /// The other store (a tally SQLite file); it is only read.
        other: PathBuf,
        /// table for people, json for scripts.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        #[command(flatten)]
        store: StoreArg,
    },
    /// List the items in the store.
    Items {
        /// Only the items of this dataset.
        #[arg(long)]
        dataset: Option<String>,
        /// table for people, json for scripts.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Print one item and its current labels.
    Show {
        /// The item's id.
        id: String,
        /// table for people, json for scripts.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Check, add and list rubrics.
    #[command(subcommand)]
    Rubric(RubricCommand),
    /// Create and list batches.
    #[command(subcommand)]
    Batch(BatchCommand),
    /// Import labels made elsewhere.
    #[command(subcommand)]
    Labels(LabelsCommand),
    /// Set the final value of one item's criterion, with the reason; it wins over the
    /// raters' consensus everywhere after (export, reports, review).
    Adjudicate {
        /// The item's id.
        item: String,
        /// The criterion's id.
        criterion: String,
        /// The value as a rater would give it (an option's value, tags as `a;b`, a number).
        #[arg(required_unless_present = "clear")]
        value: Option<String>,
        /// Why: kept with the decision.
        #[arg(long, required = true)]
        why: String,
        /// Withdraw the standing adjudication instead: the raters' consensus applies again.
        #[arg(long, conflicts_with = "value")]
        clear: bool,
        /// The rubric (default: the only rubric in the store).
        #[arg(long)]
        rubric: Option<String>,
        /// Who decides (default: your login name).
        #[arg(long = "as", value_name = "NAME")]
        adjudicator: Option<String>,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Label items (the label screen).
    Label {
        /// The batch to label (its name).
        #[arg(long)]
        batch: Option<String>,
        /// Who is labeling (default: your login name).
        #[arg(long)]
        rater: Option<String>,
        /// Show the LLM judge's scores with each item (for a lead's calibration session;
        /// raters label blind).
        #[arg(long)]
        show_judge: bool,
        /// Name the model behind each candidate of a comparison (raters compare blind).
        #[arg(long)]
        show_models: bool,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Review labeled items (the review screen): filter by disagreement, judge gap, flags,
    /// skips, tags, slices and text; see every rater's values side by side; adjudicate;
    /// the dashboard tab.
    Review {
        #[command(flatten)]
        scope: ScopeArgs,
        /// Who adjudicates (default: your login name).
        #[arg(long = "as", value_name = "NAME")]
        reviewer: Option<String>,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Reports over the store.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Agreement of a ratings CSV, without a store: wide (unit column, then one column
    /// per rater) or long (header unit,rater,value).
    Agreement {
        /// The ratings CSV.
        file: PathBuf,
        #[command(flatten)]
        options: AgreementArgs,
    },
    /// Pearson, Spearman and Kendall of two columns of a CSV, without a store.
    Correlate {
        /// The CSV holding both columns.
        file: PathBuf,
        /// The first column (e.g. the human score).
        #[arg(long)]
        x: String,
        /// The second column (e.g. the judge score).
        #[arg(long)]
        y: String,
        /// Also correlate within each value of this column, then average.
        #[arg(long)]
        group: Option<String>,
        #[command(flatten)]
        bootstrap: BootstrapArgs,
        /// table (aligned text), json, csv (one statistic a row) or md (Markdown tables).
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Exit 0 when agreement and judge alignment meet the thresholds, 1 when not.
    Gate {
        #[command(flatten)]
        thresholds: ThresholdArgs,
        /// Check only these criteria (default: all).
        #[arg(long = "criterion", value_name = "C")]
        criteria: Vec<String>,
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        golden: GoldenArgs,
        /// How the raters' labels of an item become one value to compare the judge with.
        #[arg(long, value_enum, default_value_t = HumanArg::Mean)]
        human: HumanArg,
        #[command(flatten)]
        bootstrap: BootstrapArgs,
        /// table (a line per check), json, or junit (JUnit XML for CI); the reason of
        /// each failure also goes to stderr.
        #[arg(long, value_enum, default_value_t = GateFormat::Table)]
        format: GateFormat,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Export the golden set (JSONL) and its manifest.
    Export(ExportArgs),
    /// Versioned golden sets: compare versions, import one back.
    #[command(subcommand)]
    Golden(GoldenCommand),
    /// What the store holds.
    Status {
        /// table for people, json for scripts.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Print a completion script for your shell, e.g. `tally completions bash >
    /// ~/.local/share/bash-completion/completions/tally`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print tally's man page (roff), e.g. `tally man > ~/.local/share/man/man1/tally.1`.
    Man,
    /// Failure rates and means from the judge on every item plus humans on a few:
    /// human-only, judge-only (biased), PPI and PPI++ with their intervals.
    Estimate(EstimateArgs),
    /// How many items to label: for a rate (and with the judge), a correlation, a kappa.
    #[command(subcommand)]
    Plan(PlanCommand),
}

impl Command {
    /// The `--db` given after the command: `None` when the command uses no store (and
    /// offers no --db), `Some(None)` when it does but was given none. Every command is
    /// named, so a new one has to say whether it uses a store.
    fn db(&self) -> Option<Option<&std::path::Path>> {
        use Command as C;
        let store = match self {
            C::Demo { db, .. } | C::Init { db } | C::Sample { db, .. } => return Some(db.as_deref()),
            C::Agreement { .. } | C::Correlate { .. } | C::Completions { .. } | C::Man => return None,
            C::Import { store, .. }
            | C::Merge { store, .. }
            | C::Items { store, .. }
            | C::Show { store, .. }
            | C::Adjudicate { store, .. }
            | C::Label { store, .. }
            | C::Review { store, .. }
            | C::Gate { store, .. }
            | C::Status { store, .. } => store,
            C::Export(args) => &args.store,
            C::Estimate(args) => &args.store,
            C::Rubric(command) => match command {
                RubricCommand::Check { .. } => return None,
                RubricCommand::Add { store, .. } | RubricCommand::List { store, .. } => store,
            },
            C::Batch(command) => match command {
                BatchCommand::Create { store, .. }
                | BatchCommand::AddRater { store, .. }
                | BatchCommand::RemoveRater { store, .. }
                | BatchCommand::List { store, .. } => store,
            },
            C::Labels(LabelsCommand::Import { store, .. }) => store,
            C::Report(command) => match command {
                ReportCommand::Agreement { store, .. }
                | ReportCommand::Raters { store, .. }
                | ReportCommand::Progress { store, .. }
                | ReportCommand::Judge { store, .. }
                | ReportCommand::All { store, .. }
                | ReportCommand::Preference { store, .. }
                | ReportCommand::Errors { store, .. } => store,
            },
            C::Golden(command) => match command {
                GoldenCommand::Diff { .. } => return None,
                GoldenCommand::Import { store, .. } => store,
            },
            C::Plan(command) => match command {
                PlanCommand::Rate { db, .. } | PlanCommand::Kappa { db, .. } => return Some(db.as_deref()),
                PlanCommand::Correlation { .. } => return None,
                PlanCommand::Alpha { store, .. } => store,
            },
        };
        Some(store.db.as_deref())
    }
}

/// What `tally plan` sizes.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// A rate to a confidence-interval half-width, humans only and with the judge.
    Rate {
        /// Half the width of the interval, e.g. 0.05 for ±5 points.
        #[arg(long, value_name = "H")]
        half_width: f64,
        /// The rate expected (default 0.5, the most demanding; with --from-store, the
        /// humans' rate in the store).
        #[arg(long, value_name = "P")]
        p: Option<f64>,
        /// Judge-human correlation (e.g. from a pilot): also size PPI++ with the judge.
        #[arg(long, value_name = "R", allow_negative_numbers = true)]
        rho: Option<f64>,
        /// Take P and R from the labels in the store as a pilot (what `estimate` shows for
        /// --criterion, a binary criterion).
        #[arg(long)]
        from_store: bool,
        /// The binary criterion of --from-store (default: the rubric's first).
        #[arg(long, value_name = "C", requires = "from_store")]
        criterion: Option<String>,
        /// The rubric of --from-store (default: the only rubric in the store).
        #[arg(long, requires = "from_store")]
        rubric: Option<String>,
        /// Confidence level of the interval.
        #[arg(long, default_value_t = 0.95)]
        ci: f64,
        /// table for people, json for scripts.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// The store of --from-store (not used without it). Default: $TALLY_DB, else
        /// ./tally.db if present, else tally.db in the user data folder.
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
    /// Krippendorff's alpha to a confidence-interval half-width, by simulation from the
    /// labels in the store as a pilot.
    Alpha {
        /// Half the width of the interval, e.g. 0.1 for ±0.1.
        #[arg(long, value_name = "H")]
        half_width: f64,
        /// Raters per item in the planned study.
        #[arg(long, value_name = "M", default_value_t = 2)]
        raters: usize,
        /// The criterion (default: the rubric's first with agreement).
        #[arg(long, value_name = "C")]
        criterion: Option<String>,
        /// The rubric (default: the only rubric in the store).
        #[arg(long)]
        rubric: Option<String>,
        /// Simulated studies per candidate size.
        #[arg(long, default_value_t = 200)]
        replicates: usize,
        /// Seed of the simulation (the same seed gives the same plan).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The pilot is always the store's labels; accepted for symmetry with `plan rate`.
        #[arg(long)]
        from_store: bool,
        /// Confidence level of the interval.
        #[arg(long, default_value_t = 0.95)]
        ci: f64,
        /// table for people, json for scripts.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        #[command(flatten)]
        store: StoreArg,
    },
    /// A Pearson correlation to a confidence-interval half-width (Fisher z).
    Correlation {
        /// The correlation expected.
        #[arg(long, value_name = "R", allow_negative_numbers = true)]
        r: f64,
        /// Half the width of the interval, e.g. 0.1 for ±0.1.
        #[arg(long, value_name = "H")]
        half_width: f64,
        /// Confidence level of the interval.
        #[arg(long, default_value_t = 0.95)]
        ci: f64,
        /// table for people, json for scripts.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
    },
    /// Cohen's kappa of two raters on a binary rating (Cantor 1996, as R's
    /// irr::N.cohen.kappa): a test against --kappa0, or an interval of --half-width.
    Kappa {
        /// The kappa under the null hypothesis (irr's k0).
        #[arg(long, value_name = "K0", required_unless_present = "half_width", allow_negative_numbers = true)]
        kappa0: Option<f64>,
        /// The true kappa expected (irr's k1; with --from-store, the pilot's).
        #[arg(long, value_name = "K1", allow_negative_numbers = true, required_unless_present = "from_store")]
        kappa1: Option<f64>,
        /// The share of items each rater calls positive (with --from-store, the pilot's
        /// share of the failing option).
        #[arg(long, value_name = "P", required_unless_present = "from_store")]
        prevalence: Option<f64>,
        /// Take K1 and P from the labels in the store as a pilot: Cohen's kappa of the two
        /// raters with the most items in common on --criterion, a binary criterion.
        #[arg(long)]
        from_store: bool,
        /// The binary criterion of --from-store (default: the rubric's first).
        #[arg(long, value_name = "C", requires = "from_store")]
        criterion: Option<String>,
        /// The rubric of --from-store (default: the only rubric in the store).
        #[arg(long, requires = "from_store")]
        rubric: Option<String>,
        /// Type I error of the test.
        #[arg(long, default_value_t = 0.05)]
        alpha: f64,
        /// Power to detect the true kappa.
        #[arg(long, default_value_t = 0.8)]
        power: f64,
        /// One-sided (1, irr's default) or two-sided (2) test.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
        sides: u8,
        /// Size for a confidence interval of this half-width instead of a test.
        #[arg(long, value_name = "H", conflicts_with = "kappa0")]
        half_width: Option<f64>,
        /// Confidence level of the interval (with --half-width).
        #[arg(long, default_value_t = 0.95)]
        ci: f64,
        /// table for people, json for scripts.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// The store of --from-store (not used without it). Default: $TALLY_DB, else
        /// ./tally.db if present, else tally.db in the user data folder.
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
}

/// What `tally estimate` estimates, over which items.
#[derive(Debug, Args)]
pub struct EstimateArgs {
    // --batch restricts the labeled and the judged items alike.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Only this criterion (default: every binary, ordinal and number criterion).
    #[arg(long, value_name = "C")]
    pub criterion: Option<String>,
    /// Estimate per value of this metadata field (or `dataset`).
    #[arg(long, value_name = "FIELD")]
    pub by: Option<String>,
    /// Only the items of this dataset (default: every item).
    #[arg(long, value_name = "D")]
    pub dataset: Option<String>,
    /// Also estimate slice A of FIELD minus slice B, e.g. model=v1,v2.
    #[arg(long, value_name = "FIELD=A,B")]
    pub compare: Option<Compare>,
    /// Which estimates to show (all: human, judge, PPI and PPI++).
    #[arg(long, value_enum, default_value_t = EstimateMethodArg::All)]
    pub method: EstimateMethodArg,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub ci: f64,
    /// table (fits 80 columns), json, csv (long rows) or md.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub store: StoreArg,
}

/// Which estimates `tally estimate` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EstimateMethodArg {
    #[value(name = "ppi++")]
    PpiPlusPlus,
    Ppi,
    Human,
    Judge,
    All,
}

impl From<EstimateMethodArg> for crate::report::estimate::Method {
    fn from(method: EstimateMethodArg) -> Self {
        use crate::report::estimate::Method;
        match method {
            EstimateMethodArg::PpiPlusPlus => Method::PpiPlusPlus,
            EstimateMethodArg::Ppi => Method::Ppi,
            EstimateMethodArg::Human => Method::Human,
            EstimateMethodArg::Judge => Method::Judge,
            EstimateMethodArg::All => Method::All,
        }
    }
}

/// What `tally export` writes, and where.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file to write (its manifest goes beside it).
    #[arg(long, value_name = "FILE", required_unless_present = "name", conflicts_with = "name")]
    pub out: Option<PathBuf>,
    /// A versioned golden set instead: writes NAME-vN.jsonl (N one more than the newest)
    /// and its manifest into --dir; nothing new when the content equals the newest.
    #[arg(long)]
    pub name: Option<String>,
    /// Where versioned golden sets live.
    #[arg(long, value_name = "DIR", default_value = "golden", requires = "name")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub golden: GoldenArgs,
    /// How the raters' values become one (adjudicated values always win).
    #[arg(long, value_enum, default_value_t = ConsensusArg::Majority)]
    pub consensus: ConsensusArg,
    /// What to write (default: from the --out extension, else jsonl): tally's golden
    /// set, or a file for a harness (inspect, openai-evals, promptfoo: JSONL; hf: a
    /// dataset folder at --out).
    #[arg(long, value_enum)]
    pub format: Option<ExportFormatArg>,
    /// For inspect, openai-evals and promptfoo: what each sample's target is: a
    /// criterion's consensus (the set grades a judge) or `reference` (the set tests a
    /// model). Default: the rubric's first binary criterion. For dpo: the preference
    /// criterion (default: the rubric's first).
    #[arg(long, value_name = "CRITERION|reference")]
    pub target: Option<String>,
    /// For hf: the licence in the dataset card (a Hugging Face licence id).
    #[arg(long, value_name = "ID", default_value = "unknown")]
    pub license: String,
    /// Leave out items labeled by fewer raters.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub min_raters: usize,
    /// Leave out items whose rater pairs agree less often (0 to 1); items with one
    /// rater have no agreement and are left out too.
    #[arg(long, value_name = "X")]
    pub min_agreement: Option<f64>,
    /// Leave out items a rater flagged for review.
    #[arg(long)]
    pub exclude_flagged: bool,
    /// Add each rater's own values per item.
    #[arg(long)]
    pub with_raters: bool,
    /// Write rater names as they are (default: salted hashes, stable for this store).
    #[arg(long)]
    pub reveal_raters: bool,
    /// The manifest's agreement summary: its bootstrap intervals (`--replicates 0`
    /// leaves them out, for a quick export of a large store).
    #[command(flatten)]
    pub bootstrap: BootstrapArgs,
    #[command(flatten)]
    pub store: StoreArg,
}

#[derive(Debug, Subcommand)]
pub enum GoldenCommand {
    /// Items added, removed and changed (old and new labels) between two versions.
    Diff {
        /// The golden set's name (files NAME-vN.jsonl in --dir).
        name: String,
        /// The older version, e.g. v1.
        from: String,
        /// The newer version, e.g. v2.
        to: String,
        /// Where the versioned golden sets live.
        #[arg(long, value_name = "DIR", default_value = "golden")]
        dir: PathBuf,
        /// table (aligned text), json, csv (one statistic a row) or md (Markdown tables).
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Import a golden set back: its items as a dataset, its labels as the labels of one
    /// rater (checked against the manifest's sha256 and rubric).
    Import {
        /// The golden set file (its manifest beside it).
        file: PathBuf,
        /// Dataset name (default: the file name without extension).
        #[arg(long)]
        dataset: Option<String>,
        /// The rater the labels are recorded as (default: golden:FILE-STEM).
        #[arg(long)]
        rater: Option<String>,
        #[command(flatten)]
        store: StoreArg,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    /// tally's golden set, one item a line.
    Jsonl,
    /// tally's golden set, one item a row.
    Csv,
    /// Inspect AI samples (JSONL: input, target, id, metadata).
    Inspect,
    /// OpenAI evals samples (JSONL: input messages, ideal).
    OpenaiEvals,
    /// A promptfoo tests file (JSONL: vars, assert, metadata).
    Promptfoo,
    /// A Hugging Face dataset folder: train.jsonl, its manifest, a README.md card.
    Hf,
    /// Langfuse score objects (JSONL), for items imported from traces.
    LangfuseScores,
    /// OpenTelemetry gen_ai.evaluation.result events (OTLP/JSON lines), for items
    /// imported from traces.
    Otel,
    /// Preference pairs for DPO training (JSONL: prompt, chosen, rejected), from the
    /// consensus of a preference criterion on comparison items.
    Dpo,
}

#[derive(Debug, Subcommand)]
pub enum RubricCommand {
    /// Validate a rubric file.
    Check {
        /// The rubric file (TOML), its guidelines page beside it.
        file: PathBuf,
    },
    /// Validate and store a rubric (a new version when its content changed).
    Add {
        /// The rubric file (TOML), its guidelines page beside it.
        file: PathBuf,
        #[command(flatten)]
        store: StoreArg,
    },
    /// List stored rubric versions.
    List {
        /// table for people, json for scripts.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        #[command(flatten)]
        store: StoreArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Deal items to raters, each item to --overlap of them, in a seeded order.
    Create {
        /// The batch's name.
        name: String,
        /// The rubric the items are labeled under (its name).
        #[arg(long)]
        rubric: String,
        /// Only items of this dataset (default: all items).
        #[arg(long)]
        dataset: Option<String>,
        /// Comma-separated rater names.
        #[arg(long, value_delimiter = ',', required = true)]
        raters: Vec<String>,
        /// How many raters label each item.
        #[arg(long, default_value_t = 1)]
        overlap: usize,
        /// Seed of the deal: the same seed gives the same queues.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Known-answer items (an items file whose records carry `gold`: criterion to
        /// answer), mixed into every rater's queue to watch quality.
        #[arg(long, value_name = "FILE", requires = "honeypot_rate")]
        honeypots: Option<PathBuf>,
        /// The share of each rater's queue that is honeypots, e.g. 0.05.
        #[arg(long, value_name = "R", requires = "honeypots")]
        honeypot_rate: Option<f64>,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Add a rater to a batch: they take an equal share of the items nobody has begun.
    AddRater {
        /// The batch's name.
        batch: String,
        /// The rater who joins.
        rater: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Take a rater off a batch: the items they have not begun go to the others.
    RemoveRater {
        /// The batch's name.
        batch: String,
        /// The rater who leaves.
        rater: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// List batches with each rater's progress.
    List {
        /// table for people, json for scripts.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        #[command(flatten)]
        store: StoreArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum LabelsCommand {
    /// Import labels from CSV or JSONL: long (item, rater, criterion, value[, comment]) or
    /// wide (item, rater, then a column per criterion).
    Import {
        /// The labels file (.csv, or .jsonl with one object a line).
        file: PathBuf,
        /// The rubric the labels follow (default: the only rubric in the store).
        #[arg(long)]
        rubric: Option<String>,
        #[command(flatten)]
        store: StoreArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Krippendorff's alpha per criterion, with bootstrap confidence intervals.
    Agreement {
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        golden: GoldenArgs,
        #[command(flatten)]
        options: AgreementArgs,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Per rater: honeypot accuracy, agreement with the others' consensus and its drift,
    /// median time per item.
    Raters {
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        golden: GoldenArgs,
        /// table (aligned text), json, csv (one statistic a row) or md (Markdown tables).
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Per batch and rater: assigned, done, skipped, flagged, pace and time left.
    Progress {
        /// Only this batch (default: every batch).
        #[arg(long)]
        batch: Option<String>,
        /// table (aligned text), json, csv (one statistic a row) or md (Markdown tables).
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        #[command(flatten)]
        store: StoreArg,
    },
    /// The LLM judge against the human consensus: correlations, kappa, bias, calibration.
    Judge {
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        golden: GoldenArgs,
        /// How the raters' labels of an item become one value.
        #[arg(long, value_enum, default_value_t = HumanArg::Mean)]
        human: HumanArg,
        /// Also correlate within each value of this item field (e.g. doc_id), then average.
        #[arg(long, value_name = "FIELD")]
        group_by: Option<String>,
        #[command(flatten)]
        bootstrap: BootstrapArgs,
        /// table (aligned text), json, csv (one statistic a row) or md (Markdown tables).
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Agreement, judge, raters and progress in one document to share: an HTML page (no
    /// network needed), Markdown for a pull request, or text.
    All {
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        golden: GoldenArgs,
        #[command(flatten)]
        bootstrap: BootstrapArgs,
        /// Default: from the --out file's extension (.html, .md), else table.
        #[arg(long, value_enum)]
        format: Option<AllFormat>,
        /// Write the report to this file instead of printing it.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Slice the errors and estimates sections by this metadata field (or `dataset`).
        #[arg(long, value_name = "FIELD")]
        by: Option<String>,
        /// The summary's verdict: the gate's thresholds, read as `tally gate` reads them.
        #[command(flatten)]
        thresholds: ThresholdArgs,
        /// The summary says what changed between the two newest versions of this golden
        /// set (files NAME-vN.jsonl in --dir, as `export --name` writes them).
        #[arg(long = "golden", value_name = "NAME")]
        golden_set: Option<String>,
        /// Where the versioned golden sets live.
        #[arg(long, value_name = "DIR", default_value = "golden")]
        dir: PathBuf,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Pairwise preferences on comparison items: wins, losses, ties and win rates per
    /// pair of contenders (ties and both-bad as half), Bradley-Terry scores on the Elo
    /// scale, position bias, agreement and the judge; intervals resample prompts.
    Preference {
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        golden: GoldenArgs,
        /// The preference criterion (default: the rubric's only one).
        #[arg(long, value_name = "C")]
        criterion: Option<String>,
        /// Also report per value of this metadata field (or `dataset`).
        #[arg(long, value_name = "FIELD")]
        by: Option<String>,
        /// The contender scored 1000 (default: the first by name).
        #[arg(long, value_name = "MODEL")]
        anchor: Option<String>,
        #[command(flatten)]
        bootstrap: BootstrapArgs,
        /// table (aligned text), json, csv (one statistic a row) or md (Markdown tables).
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Where the model fails: failure and defect-tag rates per slice with Wilson intervals,
    /// two slices compared, frequent tag combinations, clusters of raters' comments.
    Errors {
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        golden: GoldenArgs,
        /// Slice the items by this metadata field (or `dataset`); `tool` or `step_kind` slice the steps of conversations.
        #[arg(long, value_name = "FIELD")]
        by: Option<String>,
        /// Compare slice A of FIELD with slice B (difference, interval, z-test).
        #[arg(long, value_name = "FIELD=A,B")]
        compare: Option<Compare>,
        /// table (aligned text), json, csv (one statistic a row) or md (Markdown tables).
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        #[command(flatten)]
        store: StoreArg,
    },
}

/// The gate's thresholds, shared by `gate` and `report all` (whose summary gives the
/// gate's verdict), so both read the same flags the same way.
#[derive(Debug, Args)]
pub struct ThresholdArgs {
    /// Lowest acceptable Krippendorff's alpha: for every criterion (0.6), or for one
    /// (helpfulness=0.5, repeatable; it wins over the value for all).
    #[arg(long, value_name = "X|CRITERION=X")]
    pub min_alpha: Vec<String>,
    /// Lowest acceptable Spearman rho of judge against human consensus (X or
    /// CRITERION=X, as --min-alpha).
    #[arg(long, value_name = "X|CRITERION=X")]
    pub min_judge_spearman: Vec<String>,
    /// Largest acceptable absolute judge bias, mean judge minus human (X or
    /// CRITERION=X, as --min-alpha).
    #[arg(long, value_name = "X|CRITERION=X")]
    pub max_judge_bias: Vec<String>,
    /// Lowest acceptable win rate of a contender (candidate model, else candidate id)
    /// on comparison items: MODEL=X, repeatable. Fails when the lower bound of the
    /// interval of MODEL's win rate against all others pooled (ties and both-bad as
    /// half; the bootstrap resamples prompts) is under X.
    #[arg(long, value_name = "MODEL=X")]
    pub min_win_rate: Vec<String>,
    /// Compare the confidence bound on the unfavourable side instead of the estimate.
    #[arg(long)]
    pub use_ci_low: bool,
    /// Highest acceptable failure rate, e.g. correct=fail:0.15: fails when the upper
    /// bound of its interval (by --estimate) exceeds it.
    #[arg(long, value_name = "CRITERION=VALUE:X")]
    pub max_rate: Vec<crate::report::estimate::MaxRate>,
    /// How --max-rate estimates the rate: ppi++, ppi or human.
    #[arg(long, value_enum, default_value_t = EstimateMethodArg::PpiPlusPlus)]
    pub estimate: EstimateMethodArg,
}

/// Whether a report counts golden sets imported back (`golden import`) as raters.
#[derive(Debug, Args)]
pub struct GoldenArgs {
    /// Count golden-set labels as a rater's (default: human raters only, saying how many
    /// golden labels were left out).
    #[arg(long)]
    pub include_golden: bool,
}

/// Which labels a report reads.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// Only the items of this batch and their labels (default: every label under the
    /// rubric).
    #[arg(long)]
    pub batch: Option<String>,
    /// The rubric (default: the batch's, or the only rubric in the store).
    #[arg(long)]
    pub rubric: Option<String>,
}

/// How agreement is computed and printed.
#[derive(Debug, Args)]
pub struct AgreementArgs {
    /// Override the level of measurement (by default the criterion's kind decides; for a
    /// ratings file, interval for numbers and nominal for names).
    #[arg(long, value_enum)]
    pub level: Option<LevelArg>,
    #[command(flatten)]
    pub bootstrap: BootstrapArgs,
    /// table (aligned text), json, csv (one statistic a row) or md (Markdown tables).
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

/// The bootstrap behind every confidence interval.
#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// Bootstrap replicates for the confidence intervals (0 for none).
    #[arg(long, default_value_t = 1000)]
    pub replicates: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub ci: f64,
}

impl BootstrapArgs {
    fn bootstrap(&self) -> anyhow::Result<Bootstrap> {
        anyhow::ensure!(self.ci > 0.0 && self.ci < 1.0, "--ci must be between 0 and 1, not {}", self.ci);
        Ok(Bootstrap { replicates: self.replicates, seed: self.seed, confidence: self.ci })
    }
}

/// Output of lists: a table for people, JSON for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
}

/// Output of reports and calculators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned text, readable at 80 columns.
    Table,
    Json,
    /// Long rows: one statistic a line.
    Csv,
    /// Markdown tables.
    Md,
}

/// Output of `gate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GateFormat {
    /// A line per check.
    Table,
    Json,
    /// JUnit XML: a test case per check.
    Junit,
}

/// Output of `report all`: documents for people; scripts read each report's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AllFormat {
    /// Aligned text.
    Table,
    /// Markdown, for pull requests.
    Md,
    /// One self-contained HTML page with charts.
    Html,
}

impl AllFormat {
    /// The explicit format, else the one `out`'s extension names, else text. Another
    /// extension (`r.pdf`) is refused rather than filled with text it does not hold.
    fn resolve(format: Option<AllFormat>, out: Option<&std::path::Path>) -> Result<AllFormat, String> {
        let extension = out.and_then(|path| path.extension()).map(|ext| ext.to_string_lossy().to_ascii_lowercase());
        let named = match extension.as_deref() {
            None => None,
            Some("html" | "htm") => Some(AllFormat::Html),
            Some("md" | "markdown") => Some(AllFormat::Md),
            Some("txt") => Some(AllFormat::Table),
            Some(other) => {
                let path = out.map(|path| path.display().to_string()).unwrap_or_default();
                return Err(format!(
                    "{path}: report all cannot write .{other}; the formats are html (.html, .htm), \
                     md (.md, .markdown) and table (.txt, or no extension)"
                ));
            }
        };
        Ok(format.or(named).unwrap_or(AllFormat::Table))
    }
}

impl ThresholdArgs {
    /// The thresholds as the gate checks them; a malformed value is a usage error.
    pub fn thresholds(&self) -> Result<crate::report::gate::Thresholds, String> {
        use crate::report::gate::{Limit, Thresholds};
        let min_win_rate = Limit::parse("--min-win-rate", &self.min_win_rate)?;
        if min_win_rate.all.is_some() {
            return Err("--min-win-rate needs a contender: MODEL=X (e.g. --min-win-rate gpt-x=0.5)".into());
        }
        Ok(Thresholds {
            min_alpha: Limit::parse("--min-alpha", &self.min_alpha)?,
            min_judge_spearman: Limit::parse("--min-judge-spearman", &self.min_judge_spearman)?,
            max_judge_bias: Limit::parse("--max-judge-bias", &self.max_judge_bias)?,
            use_ci_low: self.use_ci_low,
            min_win_rate,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HumanArg {
    Mean,
    Median,
    Majority,
}

impl From<HumanArg> for Human {
    fn from(arg: HumanArg) -> Human {
        match arg {
            HumanArg::Mean => Human::Mean,
            HumanArg::Median => Human::Median,
            HumanArg::Majority => Human::Majority,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Nominal,
    Ordinal,
    Interval,
    Ratio,
}

impl From<LevelArg> for Level {
    fn from(level: LevelArg) -> Level {
        match level {
            LevelArg::Nominal => Level::Nominal,
            LevelArg::Ordinal => Level::Ordinal,
            LevelArg::Interval => Level::Interval,
            LevelArg::Ratio => Level::Ratio,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConflictArg {
    Error,
    Skip,
    Update,
}

/// `import --from`: the tracing tool a file of traces comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FromArg {
    Openai,
    Anthropic,
    Otel,
    Langfuse,
    Langsmith,
}

impl From<FromArg> for crate::io::trace::TraceFormat {
    fn from(arg: FromArg) -> crate::io::trace::TraceFormat {
        use crate::io::trace::TraceFormat;
        match arg {
            FromArg::Openai => TraceFormat::Openai,
            FromArg::Anthropic => TraceFormat::Anthropic,
            FromArg::Otel => TraceFormat::Otel,
            FromArg::Langfuse => TraceFormat::Langfuse,
            FromArg::Langsmith => TraceFormat::Langsmith,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LabeledArg {
    Stale,
    Keep,
}

impl From<ConflictArg> for OnConflict {
    fn from(arg: ConflictArg) -> OnConflict {
        match arg {
            ConflictArg::Error => OnConflict::Error,
            ConflictArg::Skip => OnConflict::Skip,
            ConflictArg::Update => OnConflict::Update,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConsensusArg {
    Majority,
    Median,
    Mean,
    /// Only adjudicated values.
    Adjudicated,
}

impl From<ConsensusArg> for Consensus {
    fn from(arg: ConsensusArg) -> Consensus {
        match arg {
            ConsensusArg::Majority => Consensus::Majority,
            ConsensusArg::Median => Consensus::Median,
            ConsensusArg::Mean => Consensus::Mean,
            ConsensusArg::Adjudicated => Consensus::Adjudicated,
        }
    }
}

/// Runs tally with the process's arguments; prints errors with their causes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let db = match cli.db() {
        Ok(db) => db.map(std::path::Path::to_path_buf),
        // A usage error, as clap reports its own (exit code 2).
        Err(message) => {
            use clap::CommandFactory;
            Cli::command().error(clap::error::ErrorKind::ArgumentConflict, message).exit()
        }
    };
    match commands::run(cli, db.as_deref()) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // Errors quote ids and values from files: keep their escapes off the terminal.
            eprintln!("tally: {}", crate::model::text::sanitize(&format!("{err:#}")));
            ExitCode::FAILURE
        }
    }
}

/// `tally export ... | head` closing the pipe early is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every argument of every command says what it is for (`--help`, completions and
    /// the man page show it).
    #[test]
    fn every_argument_has_help() {
        fn missing(command: &clap::Command, path: &str, out: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    out.push(format!("{path} {id}"));
                }
            }
            for sub in command.get_subcommands() {
                missing(sub, &format!("{path} {}", sub.get_name()), out);
            }
        }
        let mut out = Vec::new();
        missing(&super::Cli::command(), "tally", &mut out);
        assert!(out.is_empty(), "arguments without help:\n{}", out.join("\n"));
    }

    fn db_of(args: &[&str]) -> Result<Option<std::path::PathBuf>, String> {
        use clap::Parser;
        let cli = super::Cli::try_parse_from(args).map_err(|err| err.to_string())?;
        cli.db().map(|db| db.map(std::path::Path::to_path_buf))
    }

    /// `--db` after the command, before it (the older spelling), or both when they agree.
    #[test]
    fn db_is_taken_from_either_side_of_the_command() {
        let a = Ok(Some(std::path::PathBuf::from("a.db")));
        assert_eq!(db_of(&["tally", "--db", "a.db", "status"]), a);
        assert_eq!(db_of(&["tally", "status", "--db", "a.db"]), a);
        assert_eq!(db_of(&["tally", "--db", "a.db", "report", "agreement", "--db", "a.db"]), a);
        assert_eq!(db_of(&["tally", "--db", "a.db", "plan", "rate", "--half-width", "0.1"]), a);
        assert_eq!(db_of(&["tally", "status"]), Ok(None));
        let twice = db_of(&["tally", "--db", "a.db", "labels", "import", "l.csv", "--db", "b.db"]);
        assert!(twice.is_err_and(|message| message.contains("a.db") && message.contains("b.db")));
        // A command without a store takes no --db after it, and ignores one before it.
        assert!(db_of(&["tally", "agreement", "r.csv", "--db", "a.db"]).is_err());
        assert_eq!(db_of(&["tally", "--db", "a.db", "agreement", "r.csv"]), Ok(None));
        assert_eq!(db_of(&["tally", "--db", "a.db", "golden", "diff", "g", "v1", "v2"]), Ok(None));
    }

    /// clap's own checks of both command lines (they run only in debug builds).
    #[test]
    fn command_lines_are_consistent() {
        super::Cli::command().debug_assert();
        super::completion_command().debug_assert();
    }
}
