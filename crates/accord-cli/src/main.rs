//! `accord`: AI regulation as data. The only crate that prints.

mod attest;
mod audit_fairness;
mod bad_rows;
mod commands;
mod input;
mod interactive;
mod output;
mod scan_keywords;
mod scan_pii;
mod serve;
mod subject;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

// Assessments allocate many small strings; mimalloc makes that markedly
// cheaper than the system allocator (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turn AI regulation into something a team can run: describe an AI system
/// once, and learn per jurisdiction what it is classified as, what it must do
/// (with citations and dates), what is still unknown, and the fewest shared
/// controls that satisfy it all.
#[derive(Parser, Debug)]
#[command(name = "accord", version, about, long_about = None, max_term_width = 100)]
#[command(
    after_help = "Examples:\n  accord assess examples/cv-screening.yaml\n  accord assess examples/ --format html --output report.html\n  accord questions examples/face-swap-app.yaml\n  accord explain eu.high-risk\n  accord crosswalk EU CN --format html --output eu-cn.html\n\nExit codes: 0 ran and no --fail-on condition was hit; 1 a --fail-on condition was hit (or a check failed); 2 bad input."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct RuleOptions {
    /// Also load rulepacks from DIR (a pack folder, or a folder of packs). A pack with a
    /// built-in pack's id replaces it.
    #[arg(long = "rules", value_name = "DIR", global = true)]
    rules: Vec<PathBuf>,
    /// Load only the packs given with --rules.
    #[arg(long, global = true)]
    no_builtin_rules: bool,
    /// Use this control catalogue instead of the built-in controls/catalogue.yaml.
    #[arg(long, value_name = "FILE", global = true)]
    catalogue: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Jsonl,
    Markdown,
    Html,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// A prohibited practice applies.
    Prohibited,
    /// A binding obligation applies without satisfying evidence (or a prohibited practice applies).
    Gap,
    /// Some evidence failed: a test's own threshold or a rule's was missed.
    EvidenceFailed,
    /// A classification or obligation depends on unknown facts.
    Undetermined,
    Never,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Classify profiles per jurisdiction, list obligations, open questions and the control plan.
    Assess(AssessArgs),
    /// List the unknown facts that change the outcome, with the question to ask for each.
    Questions(QuestionsArgs),
    /// Work with rulepacks: list, show, check, test.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Explain a rule, classification, obligation, control, fact or rulepack in words.
    Explain(ExplainArgs),
    /// How two jurisdictions' obligations map onto shared controls, and what evidence is recognised.
    Crosswalk(CrosswalkArgs),
    /// Print the JSON Schema of a format.
    Schema(SchemaArgs),
    /// Scan datasets for personal information or keyword-library hits; writes evidence.
    #[command(subcommand)]
    Scan(ScanCommand),
    /// Audit data: fairness and bias-audit metrics; writes evidence.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Make an Ed25519 key pair for signing attestations.
    Keygen(attest::KeygenArgs),
    /// Sign an assessment and its evidence as an in-toto attestation (DSSE envelope).
    Certify(attest::CertifyArgs),
    /// Verify an attestation offline, and with --as see which obligations of a jurisdiction it meets.
    #[command(
        after_help = "Examples:\n  accord verify att.json --key keys/accord.pub\n  accord verify att.json --trust agreement.yaml --as CN --format html --output recognition.html\n  accord verify att.json --key keys/accord.pub --profile examples/cv-screening.yaml --evidence audit.json\n\nExit codes: 0 verified (and --fail-on not hit); 1 rejected, with the check that failed and a stable reason code; 2 bad input."
    )]
    Verify(attest::VerifyArgs),
    /// Run the registry: API, web UI (EN/中文) and public register, on SQLite or PostgreSQL.
    #[command(
        after_help = "Examples:\n  accord serve                                   # sqlite://accord-registry.db, http://127.0.0.1:8080/\n  accord serve --database postgres://postgres@127.0.0.1/accord --bind 0.0.0.0:8080\n  accord serve --trust examples/agreements/eu-cn-pilot.yaml\n\nCreate tokens first: accord token create --role provider --name acme --organisation \"Acme Ltd\""
    )]
    Serve(serve::ServeArgs),
    /// Create or revoke registry API tokens.
    #[command(subcommand)]
    Token(serve::TokenCommand),
    /// Check the registry's hash-chained audit log.
    #[command(subcommand, name = "audit-log")]
    AuditLog(serve::AuditLogCommand),
}

#[derive(Subcommand, Debug)]
enum ScanCommand {
    /// Personal information (emails, phones, Chinese resident IDs, USCC, passports, cards, SSNs, IBANs, IPs).
    Pii(scan_pii::PiiArgs),
    /// Hits of a keyword library (e.g. a content-safety list), with sampling for manual review.
    Keywords(scan_keywords::KeywordArgs),
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Selection rates, impact ratios, error rates, the four-fifths screen and the LL144 bias-audit table.
    Fairness(audit_fairness::FairnessArgs),
}

#[derive(Args, Debug)]
pub struct AssessArgs {
    /// Profiles (YAML or JSON), or folders of them (the *.yaml, *.yml and *.json files directly inside).
    #[arg(required = true, value_name = "PROFILE")]
    profiles: Vec<PathBuf>,
    /// Assess as of this date (YYYY-MM-DD); default today.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Only these jurisdictions (and their subdivisions: `US` keeps `US-CA`).
    #[arg(long = "jurisdiction", short = 'j', value_name = "J")]
    jurisdictions: Vec<String>,
    /// Evidence files (evidence/v1) that mark controls satisfied or partial.
    #[arg(long, value_name = "FILE")]
    evidence: Vec<PathBuf>,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    /// Exit 1 when this is found.
    #[arg(long, value_enum, default_value_t = FailOn::Prohibited)]
    fail_on: FailOn,
    /// Ask the unknown facts, write the completed profile, then assess it.
    #[arg(long, short = 'i')]
    interactive: bool,
    /// Where --interactive writes the completed profile (default: PROFILE.completed.yaml).
    #[arg(long, value_name = "PATH", requires = "interactive")]
    save: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    #[command(flatten)]
    rules: RuleOptions,
}

#[derive(Args, Debug)]
pub struct QuestionsArgs {
    #[arg(value_name = "PROFILE")]
    profile: PathBuf,
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    #[arg(long = "jurisdiction", short = 'j', value_name = "J")]
    jurisdictions: Vec<String>,
    /// text or json.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also print the questions in Chinese.
    #[arg(long)]
    zh: bool,
    #[command(flatten)]
    rules: RuleOptions,
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// List loaded rulepacks and their rules.
    List {
        /// List the facts (built-in and pack-declared) instead.
        #[arg(long)]
        facts: bool,
        /// List the controls of the catalogue instead.
        #[arg(long)]
        controls: bool,
        #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        rules: RuleOptions,
    },
    /// Show one rule with its citation, condition and controls.
    Show {
        #[arg(value_name = "ID")]
        id: String,
        #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        rules: RuleOptions,
    },
    /// Validate rulepack folders (with the built-in packs, so references resolve).
    Check {
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        #[command(flatten)]
        rules: RuleOptions,
    },
    /// Run rulepacks' conformance cases (tests/*.yaml).
    Test {
        /// Pack folders, or folders of packs; default: every built-in pack.
        #[arg(value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// For each failing case, print the `expect:` block that describes what happened,
        /// to review and paste; nothing is written to the test files.
        #[arg(long)]
        bless: bool,
        #[command(flatten)]
        rules: RuleOptions,
    },
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A rule, obligation, classification, control, fact, instrument or rulepack id.
    #[arg(value_name = "ID")]
    id: String,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    rules: RuleOptions,
}

#[derive(Args, Debug)]
pub struct CrosswalkArgs {
    #[arg(value_name = "J1")]
    left: String,
    #[arg(value_name = "J2")]
    right: String,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    #[command(flatten)]
    rules: RuleOptions,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaName {
    Profile,
    Assessment,
    Evidence,
    Rulepack,
    Rules,
    Controls,
    /// A recognition agreement (agreement/v1).
    Agreement,
    /// The in-toto statement inside an attestation's DSSE envelope.
    Attestation,
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    #[arg(value_enum)]
    name: SchemaName,
}

fn main() -> ExitCode {
    output::reset_sigpipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Assess(args) => commands::assess(args),
        Command::Questions(args) => commands::questions(args),
        Command::Rules(RulesCommand::List {
            facts,
            controls,
            format,
            rules,
        }) => commands::rules_list(&rules, facts, controls, format),
        Command::Rules(RulesCommand::Show { id, format, rules }) => {
            commands::rules_show(&rules, &id, format)
        }
        Command::Rules(RulesCommand::Check { dirs, rules }) => commands::rules_check(&rules, &dirs),
        Command::Rules(RulesCommand::Test { dirs, bless, rules }) => {
            commands::rules_test(&rules, &dirs, bless)
        }
        Command::Explain(args) => commands::explain(args),
        Command::Crosswalk(args) => commands::crosswalk(args),
        Command::Schema(args) => commands::schema(args.name),
        Command::Scan(ScanCommand::Pii(args)) => scan_pii::run(args),
        Command::Scan(ScanCommand::Keywords(args)) => scan_keywords::run(args),
        Command::Audit(AuditCommand::Fairness(args)) => audit_fairness::run(args),
        Command::Keygen(args) => attest::keygen(args),
        Command::Certify(args) => attest::certify(args),
        Command::Verify(args) => attest::verify(args),
        Command::Serve(args) => serve::serve(args),
        Command::Token(command) => serve::token(command),
        Command::AuditLog(command) => serve::audit_log(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => output::report_error(&error),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
