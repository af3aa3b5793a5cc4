//! `fieldledger-device`: a technician's device store on the command line, to try the office
//! server by hand (`serve --demo`) without a phone, and for the browser tests to sync real work.
//!
//! ```text
//! fieldledger-device --store ./phone enrol http://127.0.0.1:8080 <token>
//! fieldledger-device --store ./phone enrol 'http://127.0.0.1:8080/enrol#token=<token>'
//! fieldledger-device --store ./phone sync
//! fieldledger-device --store ./phone list
//! fieldledger-device --store ./phone status
//! fieldledger-device --store ./phone record <ticket id> \
//!     '{"op":"arrive","order_id":null,"site":"bay 2"}'
//! ```

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use fieldledger_core::enrolment::EnrolmentLink;
use fieldledger_core::store::sync_state::Enrolment;
use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{Error, Operation, Store, TicketId};

/// A device store on the command line.
#[derive(Parser)]
#[command(about = "A technician's device store on the command line: enrol, sync, list, record")]
struct Cli {
    /// The folder of the device store.
    #[arg(long, default_value = "./fieldledger-device")]
    store: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Enrols this store with a server using a device token, and takes on the token's user:
    /// give the server and the token, or an enrolment link from the dashboard on its own.
    Enrol {
        /// The server, for example http://127.0.0.1:8080; or an enrolment link,
        /// http://127.0.0.1:8080/enrol#token=<token> (quote it: the shell reads # and &).
        server: String,
        /// The device token printed by `fieldledger-server device enrol` or `serve --demo`;
        /// none when the first argument is an enrolment link.
        token: Option<String>,
    },
    /// Syncs with the server until nothing is left to exchange.
    Sync,
    /// Lists the tickets on this device.
    List,
    /// Shows how far this device is in step with the office.
    Status,
    /// Records one action on a ticket on this device (not yet synced), given as the JSON of an
    /// operation as the office API takes it; prints the id of the entry it created, if any.
    Record {
        /// The ticket.
        ticket: TicketId,
        /// The operation, for example {"op":"arrive","order_id":null,"site":"bay 2"}.
        operation: String,
    },
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::open(&cli.store)?;
    match cli.command {
        Command::Enrol { server, token } => {
            let (server, token) = match token {
                Some(token) => (server.trim().to_owned(), token.trim().to_owned()),
                None => {
                    let link = EnrolmentLink::parse(&server)?;
                    (link.server_url, link.token)
                }
            };
            let author = HttpTransport::new(&Enrolment {
                server_url: server.clone(),
                token: token.clone(),
            })
            .whoami()?;
            store.enrol(&server, &token)?;
            store.set_user(&author)?;
            println!(
                "enrolled as {} ({}) with {server}",
                author.user, author.role
            );
        }
        Command::Sync => {
            let enrolment = store.enrolment()?.ok_or(Error::NotEnrolled)?;
            let report = fieldledger_core::sync::sync(&store, &HttpTransport::new(&enrolment))?;
            println!(
                "synced in {} round(s): {} ticket(s) received ({} new), {} confirmed, {} dropped, \
                {} blob(s) uploaded, {} error(s)",
                report.rounds,
                report.tickets_received,
                report.tickets_new,
                report.tickets_confirmed,
                report.tickets_dropped,
                report.blobs_uploaded,
                report.errors.len()
            );
            for error in report.errors {
                println!("  {}: {} ({})", error.ticket_id, error.message, error.code);
            }
        }
        Command::List => {
            for t in store.list()? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.ledger_number.as_deref().unwrap_or("(no number yet)"),
                    t.ticket_id,
                    t.customer_name,
                    t.product_name,
                    t.disposition.map(|d| format!("{d:?}")).unwrap_or_default()
                );
            }
        }
        Command::Status => {
            println!("{}", serde_json::to_string_pretty(&store.sync_status()?)?);
        }
        Command::Record { ticket, operation } => {
            let operation: Operation = serde_json::from_str(&operation)?;
            let recorded = store.record(&ticket, &operation)?;
            println!(
                "recorded {} on {ticket}{}",
                operation.name(),
                recorded
                    .entry
                    .map(|e| format!(": entry {e}"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
