//! `fieldledger-server`: runs the office server and administers its users and devices.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use std::time::Duration;

use fieldledger_core::{Date, DeviceId, Role, UserId};
use fieldledger_server::accounts;
use fieldledger_server::calendar::Calendar;
use fieldledger_server::deadlines::{ReturnVisitRule, Workflow};
use fieldledger_server::events::EventKind;
use fieldledger_server::export::{self, ExportOptions};
use fieldledger_server::import::{self, Outcome};
use fieldledger_server::ledger::LedgerQuery;
use fieldledger_server::major::MajorRule;
use fieldledger_server::webhooks::Pacing;
use fieldledger_server::{AppState, Listen, Settings, demo, private_files, serve};

/// mimalloc rather than the system allocator: merging documents allocates many small objects
/// from many threads, where it is markedly cheaper (see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The fieldledger office server.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Where the database and blobs live (SQLite, unless --database names PostgreSQL).
    #[arg(
        long,
        global = true,
        env = "FIELDLEDGER_DATA_DIR",
        default_value = "./fieldledger-data"
    )]
    data_dir: PathBuf,
    /// A PostgreSQL database shared by every server, as postgres://user@host:port/database;
    /// without it, SQLite in the data directory.
    #[arg(
        long,
        global = true,
        env = "FIELDLEDGER_DATABASE_URL",
        hide_env_values = true
    )]
    database: Option<String>,
    /// Connections to PostgreSQL this server keeps at most.
    #[arg(
        long,
        global = true,
        env = "FIELDLEDGER_DATABASE_CONNECTIONS",
        default_value_t = fieldledger_server::storage::postgres::DEFAULT_CONNECTIONS
    )]
    connections: u32,
    /// Log as JSON lines instead of text.
    #[arg(long, global = true, env = "FIELDLEDGER_LOG_JSON")]
    log_json: bool,
    /// The service department's offset from UTC in minutes (China: 480): the zone of its
    /// working days and of the local times in ledger files.
    #[arg(
        long,
        global = true,
        env = "FIELDLEDGER_UTC_OFFSET_MINUTES",
        default_value_t = 480,
        allow_hyphen_values = true
    )]
    utc_offset_minutes: i32,
    #[command(subcommand)]
    command: Command,
}

/// The `serve` options of return visits and major complaints.
#[derive(clap::Args)]
struct RuleArgs {
    /// The user the planned return visits go to when the person who confirmed the
    /// complaint may not record return visits.
    #[arg(long, env = "FIELDLEDGER_RETURN_VISIT_OWNER")]
    return_visit_owner: Option<UserId>,
    /// Working days from an unsatisfied return visit to the next one the server plans.
    #[arg(
        long,
        env = "FIELDLEDGER_REOPENED_RETURN_VISIT_WORKING_DAYS",
        default_value_t = 5
    )]
    reopened_return_visit_working_days: u32,
    /// A return visit's satisfaction (1 to 5) at or below this raises `low_satisfaction`.
    #[arg(
        long,
        env = "FIELDLEDGER_LOW_SATISFACTION_THRESHOLD",
        default_value_t = 2
    )]
    low_satisfaction_threshold: u8,
    /// Days after a customer's last return visit before the server plans a periodic one;
    /// 0 plans none.
    #[arg(
        long,
        env = "FIELDLEDGER_PERIODIC_RETURN_VISIT_DAYS",
        default_value_t = 90
    )]
    periodic_return_visit_days: u32,
    /// Days within which a complaint on the same job number is a repeat, a criterion of
    /// a major complaint; 0 turns it off.
    #[arg(
        long,
        env = "FIELDLEDGER_MAJOR_IF_REPEAT_WITHIN_DAYS",
        default_value_t = 90
    )]
    major_if_repeat_within_days: u32,
    /// A word of the complaint content that makes it a candidate for a major complaint;
    /// repeat for each. Replaces the default safety words (安全, 起火, 着火, 爆炸, 触电,
    /// 人身, 伤亡).
    #[arg(
        long = "major-keyword",
        env = "FIELDLEDGER_MAJOR_KEYWORDS",
        value_delimiter = ','
    )]
    major_keywords: Vec<String>,
    /// A key customer (its exact name), whose complaints are candidates for major ones;
    /// repeat for each.
    #[arg(
        long = "key-customer",
        env = "FIELDLEDGER_KEY_CUSTOMERS",
        value_delimiter = ','
    )]
    key_customers: Vec<String>,
    /// Working days after a complaint was judged major by which the general manager
    /// reviews it; later, `major_escalated` is raised once.
    #[arg(
        long,
        env = "FIELDLEDGER_MAJOR_ESCALATION_WORKING_DAYS",
        default_value_t = 2
    )]
    major_escalation_working_days: u32,
}

/// Where an import sends its rows: a running server, and a token of someone who may import.
#[derive(Args)]
struct Upload {
    /// The server's address.
    #[arg(
        long,
        env = "FIELDLEDGER_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    server: String,
    /// A token of someone who may import (the command's help says who).
    #[arg(long, env = "FIELDLEDGER_TOKEN")]
    token: String,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server.
    Serve {
        /// The address to listen on.
        #[arg(long, env = "FIELDLEDGER_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// A PEM certificate chain: serve HTTPS (with --tls-key).
        #[arg(long, env = "FIELDLEDGER_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of the certificate.
        #[arg(long, env = "FIELDLEDGER_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Seeds a demo organisation (once) and prints fresh demo tokens.
        #[arg(long)]
        demo: bool,
        /// The bearer token that a monitoring system presents to read `/metrics`; without one,
        /// the server serves no metrics.
        #[arg(long, env = "FIELDLEDGER_METRICS_TOKEN", hide_env_values = true)]
        metrics_token: Option<String>,
        /// The address of a reverse proxy whose X-Forwarded-For and X-Forwarded-Proto headers
        /// are believed; repeat for each. From anyone else those headers are ignored.
        #[arg(
            long = "trusted-proxy",
            env = "FIELDLEDGER_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// The address at which devices reach this server, as enrolment links give it, for
        /// example https://service.example.com; without it, a link takes the address the
        /// administrator's browser used.
        #[arg(long, env = "FIELDLEDGER_PUBLIC_URL")]
        public_url: Option<String>,
        /// Minutes from registration to the first hand-off.
        #[arg(long, env = "FIELDLEDGER_HANDOFF_MINUTES", default_value_t = 30)]
        handoff_minutes: u64,
        /// A holiday (YYYY-MM-DD) that deadlines in working days skip; repeat for each.
        #[arg(long = "holiday", env = "FIELDLEDGER_HOLIDAYS", value_delimiter = ',')]
        holidays: Vec<Date>,
        /// Working days after its planned day before a return visit is overdue.
        #[arg(long, env = "FIELDLEDGER_RETURN_VISIT_GRACE_DAYS", default_value_t = 2)]
        return_visit_grace_days: u32,
        /// Seconds between two looks for deadlines falling due.
        #[arg(long, env = "FIELDLEDGER_DEADLINE_SCAN_SECONDS", default_value_t = 30)]
        deadline_scan_seconds: u64,
        /// Working days from a ticket's resolution to its first return visit.
        #[arg(
            long,
            env = "FIELDLEDGER_FIRST_RETURN_VISIT_WORKING_DAYS",
            default_value_t = 5
        )]
        first_return_visit_working_days: u32,
        /// Further return visits planned for a major complaint.
        #[arg(long, env = "FIELDLEDGER_MAJOR_RETURN_VISITS", default_value_t = 2)]
        major_return_visits: u32,
        /// Working days after shipment by which the drawings are sent.
        #[arg(long, env = "FIELDLEDGER_DRAWINGS_WORKING_DAYS", default_value_t = 3)]
        drawings_working_days: u32,
        /// Working days between two return visits of a major complaint.
        #[arg(
            long,
            env = "FIELDLEDGER_MAJOR_RETURN_VISIT_EVERY_WORKING_DAYS",
            default_value_t = 20
        )]
        major_return_visit_every_working_days: u32,
        /// Return visits and major complaints.
        #[command(flatten)]
        rules: Box<RuleArgs>,
    },
    /// Manages users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manages devices and their tokens.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Manages the webhooks that receive events.
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
    /// Rebuilds every ledger row from the ticket documents.
    RebuildLedger,
    /// Copies an installation kept in SQLite (documents, ledger, accounts, tokens, outbox,
    /// blobs) into a PostgreSQL database and verifies the copy; safe to run again.
    Migrate {
        /// The SQLite installation's data directory.
        #[arg(long)]
        from: PathBuf,
        /// The PostgreSQL database, postgres://user@host:port/database.
        #[arg(long)]
        to: String,
    },
    /// Imports a ledger kept in a spreadsheet (CSV, UTF-8 or GB18030, first line naming the
    /// columns in Chinese or English) into a running server, one ticket per row, with the token of
    /// an office user whose role may write the rows' sections.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// The running server and the token.
        #[command(flatten)]
        to: Upload,
    },
    /// Imports customers and their installed units from a spreadsheet (CSV, UTF-8 or GB18030,
    /// one row per unit, first line naming the columns in Chinese or English) into a running
    /// server's reference data, with the token of the service desk, a supervisor or an
    /// administrator. Importing the same file again creates nothing.
    ImportReference {
        /// The CSV file.
        file: PathBuf,
        /// The running server and the token.
        #[command(flatten)]
        to: Upload,
    },
    /// Exports the ledger as a spreadsheet.
    Export {
        /// The file to write.
        #[arg(long, short)]
        output: PathBuf,
        /// csv or xlsx.
        #[arg(long, default_value = "csv")]
        format: String,
        /// The headers' language: zh or en.
        #[arg(long, default_value = "zh")]
        lang: String,
    },
}

#[derive(Subcommand)]
enum WebhookCommand {
    /// Adds a webhook; it receives the events from now on.
    Add {
        /// Where events are posted.
        url: String,
        /// The key of each delivery's HMAC-SHA256 signature.
        #[arg(long, env = "FIELDLEDGER_WEBHOOK_SECRET")]
        secret: String,
        /// An event kind it receives (repeat for several; all kinds when absent).
        #[arg(long = "kind")]
        kinds: Vec<EventKind>,
    },
    /// Lists webhooks and how far each has received.
    List,
    /// Removes a webhook.
    Remove {
        /// The webhook id.
        id: u64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Adds a user.
    Add {
        /// The user id (a-z, 0-9, '.', '-', '_').
        id: UserId,
        /// The name shown.
        #[arg(long)]
        name: String,
        /// The role: technician, service_desk, supervisor, commerce, quality_assurance,
        /// inspection, technical, rn_d, manufacturing, procurement, finance, sales, manager, admin.
        #[arg(long)]
        role: Role,
    },
    /// Lists users.
    List,
    /// Sets an office user's dashboard password, read from the first line of standard input.
    Passwd {
        /// The user id.
        id: UserId,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Enrols a device for a user and prints its token (shown only this once).
    Enrol {
        /// The user.
        user: UserId,
        /// A label, for example "Zhang Wei's phone".
        #[arg(long, default_value = "device")]
        label: String,
    },
    /// Revokes a device; its token stops working at once.
    Revoke {
        /// The device id.
        device: DeviceId,
    },
    /// Lists devices.
    List,
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// `migrate`: copies the SQLite installation in `from` into the PostgreSQL database `to`.
fn migrate(from: &Path, to: &str) -> Result<(), Box<dyn std::error::Error>> {
    let report = fieldledger_server::storage::transfer::migrate(from, to)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "copied and verified:")?;
    writeln!(out, "  {:<18} {:>10}", "documents", report.documents)?;
    for (table, rows) in &report.tables {
        writeln!(out, "  {table:<18} {rows:>10}")?;
    }
    Ok(())
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let calendar = Calendar {
        utc_offset_minutes: cli.utc_offset_minutes,
        ..Calendar::default()
    };
    // An import talks to a running server: it opens no data directory.
    let command = match cli.command {
        Command::Import { file, to } => {
            return import_file(&file, &to.server, &to.token, &calendar);
        }
        Command::ImportReference { file, to } => {
            return import_reference(&file, &to.server, &to.token);
        }
        Command::Migrate { from, to } => return migrate(&from, &to),
        command => command,
    };
    let workflow = match &command {
        Command::Serve {
            handoff_minutes,
            holidays,
            return_visit_grace_days,
            deadline_scan_seconds,
            first_return_visit_working_days,
            major_return_visits,
            major_return_visit_every_working_days,
            drawings_working_days,
            rules,
            ..
        } => Some(Workflow {
            calendar: Calendar {
                utc_offset_minutes: cli.utc_offset_minutes,
                holidays: holidays.iter().copied().collect(),
            },
            handoff: Duration::from_secs(handoff_minutes.saturating_mul(60)),
            return_visit_grace_days: *return_visit_grace_days,
            pace: Duration::from_secs(*deadline_scan_seconds),
            return_visits: ReturnVisitRule {
                first_after_working_days: *first_return_visit_working_days,
                major_repeats: *major_return_visits,
                major_every_working_days: *major_return_visit_every_working_days,
                owner: rules.return_visit_owner.clone(),
                reopened_after_working_days: rules.reopened_return_visit_working_days,
                low_satisfaction: rules.low_satisfaction_threshold,
                periodic_days: rules.periodic_return_visit_days,
            },
            drawings_working_days: *drawings_working_days,
            major: MajorRule {
                repeat_within_days: rules.major_if_repeat_within_days,
                keywords: if rules.major_keywords.is_empty() {
                    MajorRule::default().keywords
                } else {
                    rules.major_keywords.clone()
                },
                key_customers: rules.key_customers.clone(),
                escalation_working_days: rules.major_escalation_working_days,
            },
        }),
        _ => None,
    };
    let (metrics_token, trusted_proxies, public_url) = match &command {
        Command::Serve {
            metrics_token,
            trusted_proxies,
            public_url,
            ..
        } => (
            metrics_token.clone(),
            trusted_proxies.clone(),
            public_url.clone(),
        ),
        _ => (None, Vec::new(), None),
    };
    let state = AppState::open_with(
        &cli.data_dir,
        Settings {
            database: cli.database.clone(),
            connections: cli.connections,
            relay: matches!(command, Command::Serve { .. }),
            pacing: workflow.is_some().then(Pacing::default),
            workflow,
            metrics_token,
            trusted_proxies,
            public_url,
            ..Settings::default()
        },
    )?;
    match command {
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            demo,
            ..
        } => {
            if demo {
                let tokens = demo::seed(&state)?;
                let scheme = if tls_cert.is_some() { "https" } else { "http" };
                let env_file = cli.data_dir.join(demo::DemoTokens::FILE);
                private_files::write_file(
                    &env_file,
                    &tokens.shell_file(&format!("{scheme}://{listen}")),
                )?;
                // Whoever started the server may stop reading its output once it has the
                // tokens: a closed standard output must not stop the server.
                let _ = writeln!(
                    std::io::stdout(),
                    "fieldledger demo organisation is ready.\n  \
                     technician tech.zhang (device token): {}\n  \
                     service desk desk.wang (API token):   {}\n  \
                     administrator admin (API token):      {}\n  \
                     dashboard: {scheme}://{listen}/   sign in as desk.wang, sup.sun, qa.chen, \
                     fin.zhao or any office user with the password: {}\n  \
                     server: {scheme}://{listen}   \
                     (try: curl -H 'Authorization: Bearer <token>' {scheme}://{listen}/v1/ledger)\
                     \n  the same, for a shell: . {}",
                    tokens.technician,
                    tokens.desk,
                    tokens.admin,
                    tokens.password,
                    env_file.display()
                );
            }
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(serve(
                state,
                Listen {
                    addr: listen,
                    tls: tls_cert.zip(tls_key),
                },
                shutdown_signal(),
            ))?;
        }
        Command::User {
            command: UserCommand::Add { id, name, role },
        } => {
            accounts::add_user(&state, &id, &name, role)?;
            println!("added user {id} ({role})");
        }
        Command::User {
            command: UserCommand::List,
        } => {
            for user in state.storage.users()? {
                println!("{}\t{}\t{}", user.id, user.role, user.name);
            }
        }
        Command::User {
            command: UserCommand::Passwd { id },
        } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            fieldledger_server::web::password::set(
                &state,
                &id,
                password.trim_end_matches(['\r', '\n']),
            )?;
            println!("set the dashboard password of {id}; their sessions have ended");
        }
        Command::Device {
            command: DeviceCommand::Enrol { user, label },
        } => {
            let (device, token) =
                accounts::enrol_by(&state, accounts::By::CommandLine, &user, &label)?;
            println!("device {} enrolled for {user}", device.id);
            println!("token (shown only now): {token}");
        }
        Command::Device {
            command: DeviceCommand::Revoke { device },
        } => {
            if accounts::revoke_by(&state, accounts::By::CommandLine, &device)?.1 {
                println!("revoked device {device}");
            } else {
                return Err(format!("no active device {device}").into());
            }
        }
        Command::Device {
            command: DeviceCommand::List,
        } => {
            for device in state.storage.devices()? {
                let status = if device.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\t{}",
                    device.id, device.user, status, device.label
                );
            }
        }
        Command::Webhook {
            command: WebhookCommand::Add { url, secret, kinds },
        } => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("{url:?} is not an http:// or https:// address").into());
            }
            let id = state.storage.add_webhook(&url, &secret, &kinds, None)?;
            println!("added webhook {id}: {url}");
        }
        Command::Webhook {
            command: WebhookCommand::List,
        } => {
            for hook in state.storage.webhooks()? {
                let kinds: Vec<&str> = hook.kinds.iter().map(|k| k.as_str()).collect();
                println!(
                    "{}\t{}\tdelivered up to {}\t{}\t{}",
                    hook.id,
                    hook.url,
                    hook.delivered_upto,
                    if kinds.is_empty() {
                        "all kinds".to_owned()
                    } else {
                        kinds.join(",")
                    },
                    hook.last_error.as_deref().unwrap_or("ok")
                );
            }
        }
        Command::Webhook {
            command: WebhookCommand::Remove { id },
        } => {
            if !state.storage.remove_webhook(id)? {
                return Err(format!("no webhook {id}").into());
            }
            println!("removed webhook {id}");
        }
        Command::RebuildLedger => {
            let rows = state.engine.rebuild_ledger()?;
            println!("rebuilt {rows} ledger rows");
        }
        Command::Export {
            output,
            format,
            lang,
        } => {
            let options: ExportOptions = serde_json::from_value(serde_json::json!({
                "format": format,
                "lang": lang,
            }))
            .map_err(|_| {
                format!("--format must be csv or xlsx and --lang zh or en, not {format} and {lang}")
            })?;
            let rows = state.storage.whole_ledger(&LedgerQuery::default())?;
            std::fs::write(&output, export::write(&rows, options, &calendar)?)?;
            println!("wrote {} ledger rows to {}", rows.len(), output.display());
        }
        // Done above, before the data directory opened.
        Command::Import { .. } | Command::ImportReference { .. } | Command::Migrate { .. } => {}
    }
    Ok(())
}

/// Reads `file`, sends its rows to `server` with a progress bar, and reports each rejected row.
fn import_file(
    file: &std::path::Path,
    server: &str,
    token: &str,
    calendar: &Calendar,
) -> Result<(), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let ledger = import::read(&bytes, calendar)?;
    if !ledger.ignored_columns.is_empty() {
        eprintln!(
            "not imported (derived or unknown columns): {}",
            ledger.ignored_columns.join(", ")
        );
    }
    let bar = rows_bar(ledger.rows.len());
    let source = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let outcomes = import::upload(&ledger, &source, server, token, |done| {
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    let (mut created, mut existing, mut rejected) = (0, 0, 0);
    for row in &outcomes {
        match &row.outcome {
            Outcome::Created { .. } => created += 1,
            Outcome::Existing { .. } => existing += 1,
            Outcome::Rejected { reason } => {
                rejected += 1;
                eprintln!("line {}: {reason}", row.line);
            }
        }
    }
    println!(
        "{created} tickets created, {existing} rows already imported, {rejected} rows rejected"
    );
    if rejected > 0 {
        return Err(format!("{rejected} rows of {} were not imported", file.display()).into());
    }
    Ok(())
}

/// A progress bar of `len` rows.
fn rows_bar(len: usize) -> indicatif::ProgressBar {
    indicatif::ProgressBar::new(len as u64).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {elapsed} (eta {eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    )
}

/// Reads `file` of customers and units, sends its rows to `server` with a progress bar, and
/// reports each rejected row.
fn import_reference(
    file: &std::path::Path,
    server: &str,
    token: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    use fieldledger_server::reference::import::{self as reference, Outcome as Made};
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let read = reference::read(&bytes)?;
    if !read.ignored_columns.is_empty() {
        eprintln!(
            "not imported (unknown columns): {}",
            read.ignored_columns.join(", ")
        );
    }
    let bar = rows_bar(read.rows.len());
    let outcomes = reference::upload(&read, server, token, |done| bar.set_position(done as u64))?;
    bar.finish_and_clear();
    let (mut created, mut existing, mut rejected) = (0, 0, 0);
    for row in &outcomes {
        match &row.outcome {
            Made::Created => created += 1,
            Made::Existing => existing += 1,
            Made::Rejected { reason } => {
                rejected += 1;
                eprintln!("line {}: {reason}", row.line);
            }
        }
    }
    println!(
        "{created} rows created or completed customers and units, \
         {existing} rows were there already, {rejected} rows rejected"
    );
    if rejected > 0 {
        return Err(format!("{rejected} rows of {} were not imported", file.display()).into());
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logs(cli.log_json);
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
