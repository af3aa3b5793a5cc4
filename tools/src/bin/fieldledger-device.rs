//! `fieldledger-device`: a technician's device store on the command line, to try the office
//! server by hand (`serve --demo`) without a phone, and for the browser tests to sync real work.
//!
//! ```text
//! fieldledger-device --store ./phone enrol http://127.0.0.1:8080 <token>
//! fieldledger-device --store ./phone enrol 'http://127.0.0.1:8080/enrol#token=<token>'
//! fieldledger-device --store ./phone sync
//! fieldledger-device --store ./phone list
//! fieldledger-device --store ./phone status
//! fieldledger-device --store ./phone record KF-2026-0001 \
//!     '{"op":"arrive","order_id":null,"site":"bay 2"}' --print-entry
//! fieldledger-device --store ./phone attach KF-2026-0001 <visit id> panel.jpg --caption "bay 2"
//! ```
//!
//! A ticket is named by its ledger number, as people write it, or by its id.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use fieldledger_core::enrolment::EnrolmentLink;
use fieldledger_core::store::sync_state::Enrolment;
use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{EntryId, Error, Operation, Store, TicketId};

/// A device store on the command line.
#[derive(Parser)]
#[command(
    name = "fieldledger-device",
    version,
    about = "A technician's phone on the command line: enrol with a server, sync, list the jobs, \
             record work on a ticket and attach photos, as the fieldledger app would.",
    after_help = "A ticket is named by its ledger number (KF-2026-0001) or by its ticket id. \
                  Recorded work stays on this device until `sync` sends it to the office."
)]
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
        /// The ticket: its ledger number or its id.
        ticket: String,
        /// The operation, for example {"op":"arrive","order_id":null,"site":"bay 2"}.
        operation: String,
        /// Print only the id of the entry created (a visit's, for example), for a script to
        /// keep.
        #[arg(long)]
        print_entry: bool,
    },
    /// Attaches a photo (JPEG, PNG, WebP or HEIC) to a visit of a ticket on this device; it is
    /// uploaded at the next sync.
    Attach {
        /// The ticket: its ledger number or its id.
        ticket: String,
        /// The visit, as `record` printed it for the arrival.
        visit: EntryId,
        /// The photo.
        file: PathBuf,
        /// What it shows.
        #[arg(long, default_value = "")]
        caption: String,
    },
}

/// The ticket `named` on this device, by its ledger number or its id.
fn find_ticket(store: &Store, named: &str) -> Result<TicketId, Box<dyn std::error::Error>> {
    let named = named.trim();
    let tickets = store.list()?;
    tickets
        .iter()
        .find(|t| t.ledger_number.as_deref() == Some(named) || t.ticket_id.to_string() == named)
        .map(|t| t.ticket_id.clone())
        .ok_or_else(|| {
            format!(
                "no ticket {named:?} on this device: give a ledger number or a ticket id that \
                 `list` shows (sync first if the office sent it only now)"
            )
            .into()
        })
}

/// The media type of a photo, by its file name.
fn photo_type(file: &Path) -> Result<&'static str, String> {
    let extension = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("jpg" | "jpeg") => Ok("image/jpeg"),
        Some("png") => Ok("image/png"),
        Some("webp") => Ok("image/webp"),
        Some("heic") => Ok("image/heic"),
        _ => Err(format!(
            "{} is not a photo this app attaches: give a .jpg, .png, .webp or .heic file",
            file.display()
        )),
    }
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
        Command::Record {
            ticket,
            operation,
            print_entry,
        } => {
            let ticket = find_ticket(&store, &ticket)?;
            let operation: Operation = serde_json::from_str(&operation)
                .map_err(|e| format!("the operation is not one this app records: {e}"))?;
            let recorded = store.record(&ticket, &operation)?;
            match (print_entry, recorded.entry) {
                (true, Some(entry)) => println!("{entry}"),
                (true, None) => {}
                (false, entry) => println!(
                    "recorded {} on {ticket}{}",
                    operation.name(),
                    entry.map(|e| format!(": entry {e}")).unwrap_or_default()
                ),
            }
        }
        Command::Attach {
            ticket,
            visit,
            file,
            caption,
        } => {
            let ticket = find_ticket(&store, &ticket)?;
            let blob = store.add_blob(&file, photo_type(&file)?)?;
            let sha256 = blob.sha256.clone();
            let operation = Operation::AttachPhoto {
                visit_id: visit.clone(),
                blob,
                caption,
            };
            store.record(&ticket, &operation)?;
            println!(
                "attached {} ({sha256}) to visit {visit} of {ticket}",
                file.display()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_known_by_their_extension_and_other_files_are_refused() {
        assert_eq!(photo_type(Path::new("bay 3.JPG")), Ok("image/jpeg"));
        assert_eq!(photo_type(Path::new("panel.png")), Ok("image/png"));
        let refused = photo_type(Path::new("report.pdf")).expect_err("not a photo");
        assert!(refused.contains("report.pdf"), "{refused}");
        assert!(photo_type(Path::new("no-extension")).is_err());
    }

    #[test]
    fn a_ticket_the_device_does_not_hold_is_refused_by_name() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(dir.path()).expect("store");
        let refused = find_ticket(&store, "KS-2026-000001").expect_err("no such ticket");
        assert!(refused.to_string().contains("KS-2026-000001"), "{refused}");
    }
}
