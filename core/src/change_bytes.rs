//! Changes from elsewhere (the chunks of a device's sync message at the server, of the server's
//! on a device), decoded within a budget of inflated bytes and caps on the operations they
//! announce, so that a small message cannot make the server inflate a huge one, nor automerge
//! walk billions of operations, nor panic on what it cannot hold.
//!
//! Automerge stores changes in chunks: the magic bytes `85 6f 4a 83`, a 4-byte checksum, a type
//! byte (0 a document, 1 a change, 2 a DEFLATE-compressed change, 3 a bundle), the uLEB128
//! length of the data, then the data. Handed such bytes, automerge inflates whatever they say,
//! without bound: 127 KiB of a compressed change inflated to 128 MiB. Here each chunk is read
//! before anything is inflated:
//!
//! - a change counts its length against the [`Budget`], and the operations it announces (and
//!   their predecessors) against the caps on operations, before automerge reads it (see below);
//! - a compressed change is inflated here, through a reader that stops as soon as the budget is
//!   spent, then handed to automerge uncompressed, with the checksum it came with (a change's
//!   hash, and so its checksum, is over its uncompressed form);
//! - a document (what automerge's sync sends for a whole ticket) is parsed as far as its column
//!   metadata: every column marked as deflated is inflated here into nothing, only counted, and
//!   only when the whole document fits in the budget does automerge load it (inflating those
//!   columns a second time, which the budget bounds); each change it holds must also fit in the
//!   per-change cap;
//! - a bundle is refused: automerge's sync never sends one, and its columns would need a parser
//!   of their own.
//!
//! Automerge's columns are run-length encoded: one run, a count and a value, stands for that
//! many operations, so that a change of a few bytes can announce 10^9 of them, and
//! `Change::from_bytes` walks every one (`verify_ops`, automerge's `storage/change.rs`). Before
//! automerge reads a change, its column metadata is read here and two columns are summed run by
//! run without expanding them: the action column, which has one entry per operation (automerge
//! stops walking when it ends), and the predecessor group column, whose entries count the
//! predecessors each operation lists (automerge walks that many, one by one). A change announcing
//! more of either than [`Caps::ops`] is refused, as is a message whose changes announce more than
//! [`Caps::message_ops`]. The changes inside a document are not counted: automerge loads a
//! document by its own code (its document columns, many changes together), and documents are left
//! to the byte caps.
//!
//! The same reading of a change's columns refuses what automerge would panic on rather than
//! refuse: an operation id whose actor the change does not list or whose counter does not fit in
//! 32 bits, and a run whose length automerge cannot count (see `ChangeColumns::check`).
//!
//! The server decodes a device's changes here ([`Budget::decode`]) and hands the result to its
//! admission check; a device checks the server's messages here ([`Budget::check`]) before
//! automerge's own sync applies them.
//!
//! A sync message's chunk may hold several chunks one after the other (version 2 messages
//! concatenate the changes they carry); each is decoded on its own, as automerge's own
//! `load_incremental` does. Sizes count the data of a chunk once inflated, its header aside.

use std::cell::Cell;
use std::fmt;
use std::io::Read;

use automerge::{Automerge, Change};

use crate::protocol::DocCode;

/// The first bytes of every automerge storage chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// The chunk types of automerge's storage format.
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED_CHANGE: u8 = 2;
const BUNDLE: u8 = 3;

/// The bit of a column specification that marks its data as DEFLATE-compressed.
const DEFLATED_COLUMN: u64 = 0b1000;

/// The types of a column, the low three bits of its specification (automerge's
/// `storage/columns/column_specification.rs`): a group (an RLE column of uLEB integers, each
/// the number of entries of the grouped columns for one operation), actor indices (RLE, uLEB),
/// integers (RLE, uLEB), delta integers (RLE of signed LEB differences, each from the value
/// before it, starting from 0), strings (RLE of uLEB-prefixed UTF-8) and value metadata (RLE,
/// uLEB). Booleans (4) and raw values (7) are not run-length encoded.
const GROUP: u64 = 0;
const ACTOR: u64 = 1;
const INTEGER: u64 = 2;
const DELTA_INTEGER: u64 = 3;
const STRING: u64 = 5;
const VALUE_METADATA: u64 = 6;

/// The column ids of a change's operations whose columns hold operation ids (an actor index and
/// a counter, which automerge keeps as 32-bit numbers): the object (0), the key (1) and the
/// predecessors (7), as `storage/change/change_op_columns.rs` names them.
const OBJ: u64 = 0;
const KEY: u64 = 1;
const PRED: u64 = 7;

/// The specification of a change's action column: column id 4, integers. It has one entry per
/// operation.
const ACTION_COLUMN: u64 = 4 << 4 | INTEGER;

/// The specification of a change's predecessor group column: each entry the number of
/// predecessors of one operation.
const PRED_GROUP_COLUMN: u64 = PRED << 4 | GROUP;

/// Caps on the bytes that the changes from elsewhere take once inflated, and on the operations
/// they announce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    /// The bytes of one change.
    pub change: usize,
    /// The bytes of all the chunks of one sync message (one ticket's).
    pub message: usize,
    /// The bytes of all the messages of one sync request.
    pub request: usize,
    /// The operations one change may announce, and the predecessors its operations may list.
    pub ops: usize,
    /// The operations the changes of one sync message may announce together, and the
    /// predecessors their operations may list together.
    pub message_ops: usize,
}

/// Which cap a refusal names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cap {
    /// [`Caps::change`].
    Change,
    /// [`Caps::message`].
    Message,
    /// [`Caps::request`].
    Request,
}

impl fmt::Display for Cap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cap::Change => "per-change",
            Cap::Message => "per-message",
            Cap::Request => "per-request",
        })
    }
}

/// Why the chunks of a message were refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    /// A chunk takes more bytes once inflated than a cap leaves; it was inflated no further.
    #[error(
        "{what} takes more than {room} bytes once inflated, past the {cap} limit of {limit} \
         inflated bytes"
    )]
    TooLarge {
        /// What was refused: a change, a compressed change, a document.
        what: &'static str,
        /// The cap that was reached.
        cap: Cap,
        /// Its bytes.
        limit: usize,
        /// The bytes it had left when the chunk came.
        room: usize,
    },
    /// A change announces more operations (or predecessors) than a cap leaves; automerge was not
    /// handed it.
    #[error("{what} announces {announced} {entries}, past the {cap} limit of {limit} {entries}")]
    TooManyOps {
        /// What was refused: a change, a compressed change.
        what: &'static str,
        /// What was counted: operations, or the predecessors of operations.
        entries: &'static str,
        /// The cap that was reached: [`Cap::Change`] for [`Caps::ops`], [`Cap::Message`] for
        /// [`Caps::message_ops`].
        cap: Cap,
        /// Its operations (or predecessors).
        limit: usize,
        /// What the change announces, with, for the per-message cap, what the message's earlier
        /// changes announced.
        announced: u64,
    },
    /// The bytes are not automerge chunks the server takes.
    #[error("a change chunk does not decode: {0}")]
    Malformed(String),
}

impl Refusal {
    /// The per-document error code of the sync protocol that answers this refusal.
    pub fn code(&self) -> DocCode {
        match self {
            Refusal::TooLarge { .. } | Refusal::TooManyOps { .. } => DocCode::TooLarge,
            Refusal::Malformed(_) => DocCode::BadMessage,
        }
    }
}

fn malformed(why: impl fmt::Display) -> Refusal {
    Refusal::Malformed(why.to_string())
}

/// The inflated bytes one sync request may still spend, shared by its messages.
#[derive(Debug)]
pub struct Budget {
    caps: Caps,
    spent: Cell<usize>,
}

impl Budget {
    /// A request's budget, nothing spent yet.
    pub fn new(caps: Caps) -> Self {
        Self {
            caps,
            spent: Cell::new(0),
        }
    }

    /// The changes that the chunks of one sync message carry, each chunk charged to this budget
    /// before it is inflated or parsed. What a refused message inflated stays charged.
    pub fn decode<'a>(
        &self,
        chunks: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Vec<Change>, Refusal> {
        let mut changes = Vec::new();
        self.read(chunks, Some(&mut changes))?;
        Ok(changes)
    }

    /// Checks the chunks of one sync message as [`Budget::decode`] does, without handing them to
    /// automerge: for a message that automerge's own sync then applies (a device's copy of a
    /// ticket takes the server's messages so), which no longer panics on what was refused here.
    /// A document's changes are not held to the per-change cap.
    pub fn check<'a>(&self, chunks: impl IntoIterator<Item = &'a [u8]>) -> Result<(), Refusal> {
        self.read(chunks, None)
    }

    /// Reads each chunk of `chunks`, adding their changes to `changes` if asked for.
    fn read<'a>(
        &self,
        chunks: impl IntoIterator<Item = &'a [u8]>,
        mut changes: Option<&mut Vec<Change>>,
    ) -> Result<(), Refusal> {
        let mut message = MessageBudget {
            budget: self,
            spent: 0,
            announced: Announced::default(),
        };
        for mut bytes in chunks {
            while !bytes.is_empty() {
                let (chunk, rest) = Chunk::parse(bytes)?;
                bytes = rest;
                message.read(chunk, changes.as_deref_mut())?;
            }
        }
        Ok(())
    }
}

/// What one message has spent of a request's [`Budget`].
struct MessageBudget<'b> {
    budget: &'b Budget,
    spent: usize,
    /// What the message's changes announced so far.
    announced: Announced,
}

impl MessageBudget<'_> {
    /// The tightest cap on the next chunk (the per-change one only for a change), and the bytes
    /// it leaves.
    fn room(&self, change: bool) -> (Cap, usize) {
        let caps = self.budget.caps;
        let request = caps.request.saturating_sub(self.budget.spent.get());
        let message = caps.message.saturating_sub(self.spent);
        [
            change.then_some((Cap::Change, caps.change)),
            Some((Cap::Message, message)),
            Some((Cap::Request, request)),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|(_, room)| *room)
        .unwrap_or((Cap::Message, message))
    }

    /// Charges `bytes` of `what` (a change when `change`) to the message and the request, or
    /// refuses it, charging what was left.
    fn charge(&mut self, what: &'static str, change: bool, bytes: usize) -> Result<(), Refusal> {
        let (cap, room) = self.room(change);
        let charged = bytes.min(room);
        self.spent = self.spent.saturating_add(charged);
        let budget = self.budget;
        budget.spent.set(budget.spent.get().saturating_add(charged));
        if bytes > room {
            return Err(self.too_large(what, cap, room));
        }
        Ok(())
    }

    /// The refusal of `what`, which takes more than the `room` that `cap` leaves.
    fn too_large(&self, what: &'static str, cap: Cap, room: usize) -> Refusal {
        let caps = self.budget.caps;
        Refusal::TooLarge {
            what,
            cap,
            limit: match cap {
                Cap::Change => caps.change,
                Cap::Message => caps.message,
                Cap::Request => caps.request,
            },
            room,
        }
    }

    /// Inflates `deflated` (raw DEFLATE) into `out`, charging each byte as a part of `what`
    /// before more is inflated: at most the room left, and one byte more to know it is past.
    fn inflate(
        &mut self,
        what: &'static str,
        change: bool,
        deflated: &[u8],
        out: &mut impl std::io::Write,
    ) -> Result<(), Refusal> {
        let (_, room) = self.room(change);
        let limit = u64::try_from(room).unwrap_or(u64::MAX).saturating_add(1);
        let mut reader = flate2::bufread::DeflateDecoder::new(deflated).take(limit);
        let inflated = std::io::copy(&mut reader, out)
            .map_err(|e| malformed(format_args!("{what} does not inflate: {e}")))?;
        self.charge(
            what,
            change,
            usize::try_from(inflated).unwrap_or(usize::MAX),
        )
    }

    /// Checks `chunk`, adding its changes, as automerge decodes them, to `changes` if asked for.
    fn read(&mut self, chunk: Chunk<'_>, changes: Option<&mut Vec<Change>>) -> Result<(), Refusal> {
        match chunk.kind {
            CHANGE => {
                self.charge("a change", true, chunk.data.len())?;
                self.check_change("a change", chunk.data)?;
                if let Some(changes) = changes {
                    changes.push(change(chunk.bytes.to_vec(), chunk.checksum)?);
                }
            }
            COMPRESSED_CHANGE => {
                let mut data = Vec::new();
                self.inflate("a compressed change", true, chunk.data, &mut data)?;
                self.check_change("a compressed change", &data)?;
                let Some(changes) = changes else {
                    return Ok(());
                };
                let mut bytes = Vec::with_capacity(data.len().saturating_add(16));
                bytes.extend(MAGIC);
                bytes.extend(chunk.checksum);
                bytes.push(CHANGE);
                write_uleb(&mut bytes, data.len());
                bytes.append(&mut data);
                changes.push(change(bytes, chunk.checksum)?);
            }
            DOCUMENT => {
                self.document(chunk.data)?;
                let Some(changes) = changes else {
                    return Ok(());
                };
                let doc = Automerge::load(chunk.bytes)
                    .map_err(|e| malformed(format_args!("a document does not load: {e}")))?;
                for change in doc.get_changes(&[]) {
                    // Already charged as a part of the document, each is still bound by the
                    // per-change cap.
                    let (inner, _) = Chunk::parse(change.raw_bytes())?;
                    let room = self.budget.caps.change;
                    if inner.data.len() > room {
                        return Err(self.too_large("a change of a document", Cap::Change, room));
                    }
                    changes.push(change);
                }
            }
            BUNDLE => return Err(malformed("bundles are not taken from a sync message")),
            other => return Err(malformed(format_args!("unknown chunk type {other}"))),
        }
        Ok(())
    }

    /// Reads the columns of the data of a change chunk (`what`) before automerge does: refuses
    /// an entry automerge cannot hold (see [`ChangeColumns::check`]), then counts what the change
    /// announces against the per-change and per-message caps on operations, adding it to the
    /// message's count.
    fn check_change(&mut self, what: &'static str, data: &[u8]) -> Result<(), Refusal> {
        let caps = self.budget.caps;
        let columns = ChangeColumns::parse(data)?;
        columns.check()?;
        let announced = Announced::of(&columns)?;
        let total = self.announced.plus(announced);
        for (entries, change, message) in [
            ("operations", announced.ops, total.ops),
            ("predecessors of operations", announced.preds, total.preds),
        ] {
            for (cap, limit, announced) in [
                (Cap::Change, caps.ops, change),
                (Cap::Message, caps.message_ops, message),
            ] {
                if announced > u64::try_from(limit).unwrap_or(u64::MAX) {
                    return Err(Refusal::TooManyOps {
                        what,
                        entries,
                        cap,
                        limit,
                        announced,
                    });
                }
            }
        }
        self.announced = total;
        Ok(())
    }

    /// Charges the data of a document chunk as it takes once its deflated columns are inflated,
    /// inflating them only to count. The layout is automerge's (`storage/document.rs`): the
    /// actors, the heads, the metadata of the change columns then of the op columns (each
    /// column a specification and a length), their data in the same order, then the heads'
    /// indices.
    fn document(&mut self, data: &[u8]) -> Result<(), Refusal> {
        const WHAT: &str = "a document";
        let mut input = Input(data);
        for _ in 0..input.uleb()? {
            input.bytes()?;
        }
        for _ in 0..input.uleb()? {
            input.take(32)?;
        }
        let mut columns = input.columns()?;
        columns.append(&mut input.columns()?);
        let deflated = |spec: u64| spec & DEFLATED_COLUMN != 0;
        // Everything but the deflated columns counts as it is.
        let deflated_bytes: usize = columns
            .iter()
            .filter(|(spec, _)| deflated(*spec))
            .fold(0, |sum, (_, length)| sum.saturating_add(*length));
        self.charge(WHAT, false, data.len().saturating_sub(deflated_bytes))?;
        for (spec, length) in columns {
            let column = input.take(length)?;
            if deflated(spec) {
                self.inflate(WHAT, false, column, &mut std::io::sink())?;
            }
        }
        Ok(())
    }
}

/// What a change announces, read from its columns without expanding their runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Announced {
    /// Operations: the entries of the action column.
    ops: u64,
    /// Predecessors: the sum of the entries of the predecessor group column.
    preds: u64,
}

impl Announced {
    /// What the columns of a change announce.
    fn of(columns: &ChangeColumns<'_>) -> Result<Self, Refusal> {
        let mut announced = Announced::default();
        for &(spec, column) in &columns.columns {
            // Should a column come twice, automerge reads one of them: both are counted.
            if spec == ACTION_COLUMN {
                announced.ops = announced.ops.saturating_add(runs(column, |_| 1)?);
            } else if spec == PRED_GROUP_COLUMN {
                let preds = runs(column, |value| value.unwrap_or(0))?;
                announced.preds = announced.preds.saturating_add(preds);
            }
        }
        Ok(announced)
    }

    /// Both counts added, saturating.
    fn plus(self, other: Self) -> Self {
        Self {
            ops: self.ops.saturating_add(other.ops),
            preds: self.preds.saturating_add(other.preds),
        }
    }
}

/// The data of an uncompressed change chunk (after its header), as far as its ops columns. The
/// layout is automerge's (`Change::parse_following_header`, `storage/change.rs`): the
/// dependencies (a uLEB count of 32-byte hashes), the actor (uLEB length and bytes), the sequence
/// number and the start op (uLEB), the time (signed LEB), the message (uLEB length and bytes),
/// the other actors (a uLEB count of actors as above), then the ops columns' metadata (a uLEB
/// count of specification and length pairs, `storage/columns/raw_column.rs`) and their data in
/// the same order; extra bytes may follow.
struct ChangeColumns<'a> {
    /// The bytes before the columns' metadata (read by the tests, which rebuild a change around
    /// columns of their own, as is [`ChangeColumns::extra`]).
    #[cfg_attr(not(test), allow(dead_code))]
    header: &'a [u8],
    /// The number of actors the change lists: its own and the others.
    actors: u64,
    /// Each column's specification and data.
    columns: Vec<(u64, &'a [u8])>,
    /// The bytes after the columns' data.
    #[cfg_attr(not(test), allow(dead_code))]
    extra: &'a [u8],
}

impl<'a> ChangeColumns<'a> {
    /// Parses `data`, refusing a column marked deflated, as automerge refuses it in a change.
    fn parse(data: &'a [u8]) -> Result<Self, Refusal> {
        let mut input = Input(data);
        for _ in 0..input.uleb()? {
            input.take(32)?;
        }
        input.bytes()?; // the actor
        input.uleb()?; // the sequence number
        input.uleb()?; // the start op
        input.sleb()?; // the time
        input.bytes()?; // the message
        let others = input.uleb()?;
        for _ in 0..others {
            input.bytes()?;
        }
        let header = data
            .get(..data.len() - input.0.len())
            .ok_or_else(|| malformed("a change is cut short"))?;
        let mut columns = Vec::new();
        for (spec, length) in input.columns()? {
            if spec & DEFLATED_COLUMN != 0 {
                return Err(malformed("a change's column is marked as deflated"));
            }
            columns.push((spec, input.take(length)?));
        }
        Ok(Self {
            header,
            actors: others.saturating_add(1),
            columns,
            extra: input.0,
        })
    }

    /// Refuses a change whose columns automerge would panic on rather than refuse:
    ///
    /// - in every run-length encoded column, a literal run of 2^63 entries (automerge negates
    ///   its count) or a run of more than 2^63 - 1 nulls (automerge holds the count in an
    ///   `isize`);
    /// - an operation id (of the object, the key or a predecessor) whose actor index is not one
    ///   of the change's actors, or whose counter is past 2^32 - 1 or below 0: automerge keeps
    ///   both as 32-bit numbers and panics converting a larger one.
    ///
    /// No honest change holds any of these.
    fn check(&self) -> Result<(), Refusal> {
        for &(spec, column) in &self.columns {
            let id = spec >> 4;
            match spec & 0b111 {
                ACTOR => each_run(column, Input::uleb, |_, actor| match actor {
                    Some(actor) if actor >= self.actors => Err(malformed(format_args!(
                        "an operation names actor {actor} of a change listing {}",
                        self.actors
                    ))),
                    _ => Ok(()),
                })?,
                INTEGER if id == OBJ => each_run(column, Input::uleb, |_, counter| {
                    check_counter(counter.map_or(0, i128::from))
                })?,
                DELTA_INTEGER if id == KEY || id == PRED => delta_counters(column)?,
                GROUP | INTEGER | VALUE_METADATA => each_run(column, Input::uleb, |_, _| Ok(()))?,
                DELTA_INTEGER => each_run(column, Input::sleb, |_, _| Ok(()))?,
                STRING => each_run(column, Input::bytes, |_, _| Ok(()))?,
                _ => {}
            }
        }
        Ok(())
    }
}

/// Refuses an operation's counter that automerge cannot hold in 32 bits.
fn check_counter(counter: i128) -> Result<(), Refusal> {
    if (0..=i128::from(u32::MAX)).contains(&counter) {
        Ok(())
    } else {
        Err(malformed(format_args!(
            "an operation's counter of {counter} is out of range"
        )))
    }
}

/// Refuses a delta column of operations' counters with one out of range (see [`check_counter`]).
/// A run of `n` copies of one difference is checked at its two ends, the values between them
/// lying between them.
fn delta_counters(column: &[u8]) -> Result<(), Refusal> {
    let mut counter = 0i128;
    each_run(column, Input::sleb, |count, delta| {
        if let Some(delta) = delta {
            let delta = i128::from(delta);
            check_counter(counter + delta)?;
            counter += delta * i128::from(count);
            check_counter(counter)?;
        }
        Ok(())
    })
}

/// Calls `run` with each run of an RLE column (automerge's `columnar/encoding/rle.rs`), its
/// number of entries and its value (`None` for nulls), without expanding it; `value` reads one
/// value. The column is a sequence of runs, each starting with a signed LEB count: `n > 0`, `n`
/// copies of the one value that follows; `-n < 0`, `n` values that follow, each a run of one;
/// `0`, a run of nulls whose uLEB length follows. A literal run of 2^63 values, or a run of more
/// than 2^63 - 1 nulls, is refused: automerge cannot count them.
fn each_run<'a, T>(
    column: &'a [u8],
    value: impl Fn(&mut Input<'a>) -> Result<T, Refusal>,
    mut run: impl FnMut(u64, Option<T>) -> Result<(), Refusal>,
) -> Result<(), Refusal> {
    let mut input = Input(column);
    while !input.0.is_empty() {
        match input.sleb()? {
            i64::MIN => return Err(malformed("a column's literal run is too long")),
            count @ 1.. => run(count.unsigned_abs(), Some(value(&mut input)?))?,
            0 => {
                let nulls = input.uleb()?;
                if i64::try_from(nulls).is_err() {
                    return Err(malformed("a column's run of nulls is too long"));
                }
                run(nulls, None)?;
            }
            count => {
                // Each value takes at least a byte, so this ends with the column.
                for _ in 0..count.unsigned_abs() {
                    run(1, Some(value(&mut input)?))?;
                }
            }
        }
    }
    Ok(())
}

/// The sum of `weight` over the entries of an RLE column of uLEB integers, run by run, without
/// expanding a run (see [`each_run`]).
fn runs(column: &[u8], weight: impl Fn(Option<u64>) -> u64) -> Result<u64, Refusal> {
    let mut sum = 0u64;
    each_run(column, Input::uleb, |count, value| {
        sum = sum.saturating_add(count.saturating_mul(weight(value)));
        Ok(())
    })?;
    Ok(sum)
}

/// An automerge change from the bytes of one uncompressed change chunk, which must match
/// `checksum` (automerge checks a document's checksum, but not a change's).
fn change(bytes: Vec<u8>, checksum: [u8; 4]) -> Result<Change, Refusal> {
    let change = Change::from_bytes(bytes)
        .map_err(|e| malformed(format_args!("a change does not decode: {e}")))?;
    if !change.hash().0.starts_with(&checksum) {
        return Err(malformed(format_args!(
            "the checksum of change {} does not match it",
            change.hash()
        )));
    }
    Ok(change)
}

/// One storage chunk, its header read.
struct Chunk<'a> {
    kind: u8,
    checksum: [u8; 4],
    /// The data after the header.
    data: &'a [u8],
    /// The whole chunk, header and data.
    bytes: &'a [u8],
}

impl<'a> Chunk<'a> {
    /// The chunk at the start of `bytes`, and what follows it.
    fn parse(bytes: &'a [u8]) -> Result<(Chunk<'a>, &'a [u8]), Refusal> {
        let mut input = Input(bytes);
        if input.take(4)? != MAGIC {
            return Err(malformed(
                "a chunk does not start with automerge's magic bytes",
            ));
        }
        let mut checksum = [0; 4];
        checksum.copy_from_slice(input.take(4)?);
        let kind = input.byte()?;
        let length = input.length()?;
        let data = input.take(length)?;
        let (bytes, rest) = bytes
            .split_at_checked(bytes.len() - input.0.len())
            .ok_or_else(|| malformed("a chunk is cut short"))?;
        let chunk = Chunk {
            kind,
            checksum,
            data,
            bytes,
        };
        Ok((chunk, rest))
    }
}

/// Bytes being read from the front.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    /// The next `n` bytes.
    fn take(&mut self, n: usize) -> Result<&'a [u8], Refusal> {
        let (taken, rest) = self
            .0
            .split_at_checked(n)
            .ok_or_else(|| malformed(format_args!("a chunk is cut short: {n} bytes announced")))?;
        self.0 = rest;
        Ok(taken)
    }

    /// The next byte.
    fn byte(&mut self) -> Result<u8, Refusal> {
        let [byte] = self.take(1)? else {
            return Err(malformed("a chunk is cut short"));
        };
        Ok(*byte)
    }

    /// The next unsigned LEB128 number.
    fn uleb(&mut self) -> Result<u64, Refusal> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                break;
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed("a LEB128 number is larger than 64 bits"))
    }

    /// The next signed LEB128 number.
    fn sleb(&mut self) -> Result<i64, Refusal> {
        let mut value = 0i64;
        let mut shift = 0u32;
        loop {
            let byte = self.byte()?;
            if shift == 63 && byte != 0 && byte != 0x7f {
                return Err(malformed("a LEB128 number is larger than 64 bits"));
            }
            value |= i64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1 << shift;
                }
                return Ok(value);
            }
        }
    }

    /// The next bytes prefixed by their uLEB length.
    fn bytes(&mut self) -> Result<&'a [u8], Refusal> {
        let length = self.length()?;
        self.take(length)
    }

    /// The next column metadata: a uLEB count of columns, each a uLEB specification (at most 32
    /// bits, as automerge reads it) and a uLEB length of its data.
    fn columns(&mut self) -> Result<Vec<(u64, usize)>, Refusal> {
        let mut columns = Vec::new();
        for _ in 0..self.uleb()? {
            let spec = self.uleb()?;
            if spec > u64::from(u32::MAX) {
                return Err(malformed("a column specification is too large"));
            }
            columns.push((spec, self.length()?));
        }
        Ok(columns)
    }

    /// The next unsigned LEB128 number as a length, which the remaining bytes must hold.
    fn length(&mut self) -> Result<usize, Refusal> {
        let length = self.uleb()?;
        usize::try_from(length)
            .ok()
            .filter(|length| *length <= self.0.len())
            .ok_or_else(|| {
                malformed(format_args!(
                    "a chunk announces {length} bytes where {} remain",
                    self.0.len()
                ))
            })
    }
}

fn write_uleb(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use automerge::ROOT;
    use automerge::transaction::Transactable;
    use proptest::prelude::*;

    use super::*;

    const PLENTY: Caps = Caps {
        change: 1 << 30,
        message: 1 << 30,
        request: 1 << 30,
        ops: 1 << 30,
        message_ops: 1 << 30,
    };

    /// A document of `changes` changes, each writing a long, compressible text, and its changes.
    fn document(changes: usize) -> (Automerge, Vec<Change>) {
        let mut doc = Automerge::new();
        for n in 0..changes {
            let mut tx = doc.transaction();
            tx.put(ROOT, format!("field {n}"), "a long note. ".repeat(40))
                .expect("put");
            tx.commit();
        }
        let changes = doc.get_changes(&[]);
        (doc, changes)
    }

    /// A change as automerge sends it compressed, and the length of its data inflated.
    fn compressed_change() -> (Vec<u8>, usize) {
        let (_, mut changes) = document(1);
        let mut change = changes.remove(0);
        let data = Chunk::parse(change.raw_bytes())
            .expect("a chunk")
            .0
            .data
            .len();
        let bytes = change.bytes().to_vec();
        assert_eq!(
            bytes.get(8),
            Some(&COMPRESSED_CHANGE),
            "automerge compressed it"
        );
        (bytes, data)
    }

    fn caps(change: usize, message: usize, request: usize) -> Caps {
        Caps {
            change,
            message,
            request,
            ..PLENTY
        }
    }

    fn ops_caps(ops: usize, message_ops: usize) -> Caps {
        Caps {
            ops,
            message_ops,
            ..PLENTY
        }
    }

    /// A change of 1,000 list insertions and then one of `overwrites` map keys put a second time
    /// (one predecessor each), as automerge makes them.
    fn changes_with_many_ops(overwrites: usize) -> Vec<Change> {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        let list = tx
            .put_object(ROOT, "list", automerge::ObjType::List)
            .expect("a list");
        for n in 0..1_000 {
            tx.insert(&list, n, n as i64).expect("insert");
        }
        for n in 0..overwrites {
            tx.put(ROOT, format!("key {n}"), "first").expect("put");
        }
        tx.commit();
        let mut tx = doc.transaction();
        for n in 0..overwrites {
            tx.put(ROOT, format!("key {n}"), "second").expect("put");
        }
        tx.commit();
        doc.get_changes(&[])
    }

    /// A change chunk of `data`, with its checksum, as automerge writes it.
    fn change_chunk(data: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        let mut hashed = vec![CHANGE];
        write_uleb(&mut hashed, data.len());
        hashed.extend(data);
        let hash = sha2::Sha256::digest(&hashed);
        let mut chunk = MAGIC.to_vec();
        chunk.extend(hash.iter().take(4));
        chunk.extend(hashed);
        chunk
    }

    /// The data of change chunk `chunk` with its action column replaced by `action`.
    fn with_action_column(chunk: &[u8], action: &[u8]) -> Vec<u8> {
        with_column(chunk, ACTION_COLUMN, action)
    }

    /// The data of change chunk `chunk` with its column of specification `spec` replaced by
    /// `replacement`.
    fn with_column(chunk: &[u8], spec: u64, replacement: &[u8]) -> Vec<u8> {
        let (chunk, _) = Chunk::parse(chunk).expect("a chunk");
        let parsed = ChangeColumns::parse(chunk.data).expect("columns");
        assert!(
            parsed.columns.iter().any(|(s, _)| *s == spec),
            "the change has no column {spec}"
        );
        let mut data = parsed.header.to_vec();
        write_uleb(&mut data, parsed.columns.len());
        let columns: Vec<(u64, &[u8])> = parsed
            .columns
            .iter()
            .map(|&(s, column)| (s, if s == spec { replacement } else { column }))
            .collect();
        for (spec, column) in &columns {
            write_uleb(&mut data, *spec as usize);
            write_uleb(&mut data, column.len());
        }
        for (_, column) in &columns {
            data.extend(*column);
        }
        data.extend(parsed.extra);
        data
    }

    /// A signed LEB128 number.
    fn sleb(value: i64) -> Vec<u8> {
        let mut out = Vec::new();
        let mut value = value;
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0) {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }

    fn announced(change: &Change) -> Announced {
        let (chunk, _) = Chunk::parse(change.raw_bytes()).expect("a chunk");
        Announced::of(&ChangeColumns::parse(chunk.data).expect("columns")).expect("counts")
    }

    fn cap_of(refused: Result<Vec<Change>, Refusal>) -> Option<Cap> {
        match refused {
            Err(Refusal::TooLarge { cap, .. }) => Some(cap),
            _ => None,
        }
    }

    #[test]
    fn an_honest_change_announces_the_operations_automerge_counts() {
        let changes = changes_with_many_ops(10);
        let [inserts, overwrites] = changes.as_slice() else {
            panic!("two changes");
        };
        // 1,000 insertions, the list, and the 10 keys put a first time.
        assert_eq!(inserts.len(), 1_011);
        for change in [inserts, overwrites] {
            let preds: usize = change
                .decode()
                .operations
                .iter()
                .map(|op| op.pred.len())
                .sum();
            assert_eq!(
                announced(change),
                Announced {
                    ops: change.len() as u64,
                    preds: preds as u64
                }
            );
        }
        assert_eq!(announced(overwrites).preds, 10);
        // As automerge sends them, the first compressed: both decode.
        let sent: Vec<Vec<u8>> = changes.iter().map(|c| c.clone().bytes().to_vec()).collect();
        assert_eq!(sent[0].get(8), Some(&COMPRESSED_CHANGE));
        let sent = sent.iter().map(Vec::as_slice);
        let fits = Budget::new(ops_caps(1_011, 1_021)).decode(sent.clone());
        assert_eq!(fits.map(|c| c.len()), Ok(2));
        // A cap one short refuses.
        let over = Budget::new(ops_caps(1_010, 1 << 30)).decode(sent.clone());
        assert_eq!(
            over.map(|_| ()),
            Err(Refusal::TooManyOps {
                what: "a compressed change",
                entries: "operations",
                cap: Cap::Change,
                limit: 1_010,
                announced: 1_011,
            })
        );
        let over = Budget::new(ops_caps(1 << 30, 1_020)).decode(sent.clone());
        assert_eq!(
            over.map(|_| ()),
            Err(Refusal::TooManyOps {
                what: "a change",
                entries: "operations",
                cap: Cap::Message,
                limit: 1_020,
                announced: 1_021,
            })
        );
    }

    #[test]
    fn the_predecessors_of_a_change_count_against_the_same_caps() {
        // Two devices put the same 10 keys; a third put of each, after both, has two
        // predecessors.
        let mut one = Automerge::new();
        let mut other = one.fork();
        for doc in [&mut one, &mut other] {
            let mut tx = doc.transaction();
            for n in 0..10 {
                tx.put(ROOT, format!("key {n}"), "concurrent").expect("put");
            }
            tx.commit();
        }
        one.merge(&mut other).expect("merge");
        let mut tx = one.transaction();
        for n in 0..10 {
            tx.put(ROOT, format!("key {n}"), "after both").expect("put");
        }
        tx.commit();
        let last = one.get_last_local_change().expect("a change").clone();
        assert_eq!(announced(&last), Announced { ops: 10, preds: 20 });
        let fits = Budget::new(ops_caps(20, 20)).decode([last.raw_bytes()]);
        assert_eq!(fits.map(|c| c.len()), Ok(1));
        let over = Budget::new(ops_caps(19, 1 << 30)).decode([last.raw_bytes()]);
        assert_eq!(
            over.map(|_| ()),
            Err(Refusal::TooManyOps {
                what: "a change",
                entries: "predecessors of operations",
                cap: Cap::Change,
                limit: 19,
                announced: 20,
            })
        );
    }

    #[test]
    fn a_change_announcing_a_billion_operations_in_one_run_is_refused_before_automerge() {
        let changes = changes_with_many_ops(0);
        let honest = changes[0].raw_bytes();
        let (chunk, _) = Chunk::parse(honest).expect("a chunk");
        let parsed = ChangeColumns::parse(chunk.data).expect("columns");
        let action = parsed
            .columns
            .iter()
            .find(|(spec, _)| *spec == ACTION_COLUMN)
            .map(|(_, column)| *column)
            .expect("an action column");
        // Automerge writes its insertions' actions as runs; the last run's value is `set`. Each
        // crafted column is one run of that value.
        let one_run = |count: i64| {
            let mut column = sleb(count);
            column.push(1);
            column
        };
        assert!(action.len() < 20, "runs: {action:?}");
        // The craft is sound: with as many operations as the change had, automerge reads it.
        let ops = changes[0].len() as i64;
        let same = change_chunk(&with_action_column(honest, &one_run(ops)));
        let read = Budget::new(PLENTY).decode([same.as_slice()]);
        assert_eq!(read.map(|c| c[0].len()), Ok(changes[0].len()));
        // A billion, in a change of a few more bytes.
        let bomb = change_chunk(&with_action_column(honest, &one_run(1_000_000_000)));
        assert!(bomb.len() < honest.len() + 8);
        let started = std::time::Instant::now();
        let refused = Budget::new(ops_caps(100_000, 1_000_000)).decode([bomb.as_slice()]);
        let took = started.elapsed();
        assert_eq!(
            refused.map(|_| ()),
            Err(Refusal::TooManyOps {
                what: "a change",
                entries: "operations",
                cap: Cap::Change,
                limit: 100_000,
                announced: 1_000_000_000,
            })
        );
        assert!(took < std::time::Duration::from_millis(100), "{took:?}");
        println!("refused in {took:?}");
    }

    #[test]
    fn a_change_naming_an_operation_id_automerge_cannot_hold_is_refused_not_a_panic() {
        // The second change puts a key again: one operation, one predecessor, made by the
        // change's own actor (index 0 of the one actor the change lists).
        let changes = changes_with_many_ops(1);
        let honest = changes[1].raw_bytes();
        let mut past_u32 = vec![1];
        write_uleb(&mut past_u32, 1 << 32);
        let crafted = [
            // One run of one delta: a predecessor's counter of 2^33.
            (PRED << 4 | DELTA_INTEGER, [sleb(1), sleb(1 << 33)].concat()),
            // A predecessor's actor index of 2^32, and of an actor the change does not list.
            (PRED << 4 | ACTOR, past_u32),
            (PRED << 4 | ACTOR, vec![1, 5]),
            // A literal run of -2^63 entries, which automerge negates.
            (PRED << 4 | ACTOR, sleb(i64::MIN)),
            // A run of 2^63 nulls, past what automerge counts in an isize.
            (
                PRED << 4 | ACTOR,
                [vec![0], {
                    let mut length = Vec::new();
                    write_uleb(&mut length, 1 << 63);
                    length
                }]
                .concat(),
            ),
        ];
        for (spec, column) in crafted {
            let chunk = change_chunk(&with_column(honest, spec, &column));
            let decoded = Budget::new(PLENTY).decode([chunk.as_slice()]);
            assert!(
                matches!(decoded, Err(Refusal::Malformed(_))),
                "column {spec} {column:?}: {decoded:?}"
            );
        }
        // The craft is sound: the honest column, rewritten as it was, still decodes.
        let (chunk, _) = Chunk::parse(honest).expect("a chunk");
        let parsed = ChangeColumns::parse(chunk.data).expect("columns");
        for (spec, column) in parsed.columns {
            let same = change_chunk(&with_column(honest, spec, column));
            let decoded = Budget::new(PLENTY).decode([same.as_slice()]);
            assert_eq!(decoded.map(|c| c[0].hash()), Ok(changes[1].hash()));
        }
    }

    #[test]
    fn run_lengths_are_summed_without_expanding_them() {
        // 3 copies of 5, the literals 1 2, 4 nulls, then 2^62 copies of 1.
        let mut column = vec![3, 5, 0x7e, 1, 2, 0, 4];
        column.extend(sleb(1 << 62));
        column.push(1);
        assert_eq!(runs(&column, |_| 1), Ok(3 + 2 + 4 + (1 << 62)));
        assert_eq!(runs(&column, |v| v.unwrap_or(0)), Ok(15 + 3 + (1 << 62)));
        for end in 0..column.len() {
            // A run cut short is refused, or a shorter column counted, never a panic.
            let _ = runs(&column[..end], |_| 1);
        }
        assert!(runs(&[0x7e, 1], |_| 1).is_err(), "a literal run cut short");
        assert!(runs(&[3], |_| 1).is_err(), "a run without its value");
        assert_eq!(sleb(-2), vec![0x7e]);
        assert_eq!(Input(&sleb(i64::MIN)).sleb(), Ok(i64::MIN));
        assert_eq!(Input(&sleb(i64::MAX)).sleb(), Ok(i64::MAX));
        assert!(Input(&[0xff; 10]).sleb().is_err());
    }

    #[test]
    fn a_compressed_change_decodes_to_the_change_automerge_reads() {
        let (bytes, _) = compressed_change();
        let ours = Budget::new(PLENTY)
            .decode([bytes.as_slice()])
            .expect("decodes");
        let theirs = Change::from_bytes(bytes).expect("automerge reads it");
        assert_eq!(ours.len(), 1);
        assert_eq!(ours[0].hash(), theirs.hash());
        assert_eq!(ours[0].raw_bytes(), theirs.raw_bytes());
        assert_eq!(ours[0].decode(), theirs.decode());
    }

    #[test]
    fn a_compressed_change_one_byte_over_the_per_change_cap_is_refused() {
        let (bytes, data) = compressed_change();
        let fits = Budget::new(caps(data, data, data)).decode([bytes.as_slice()]);
        assert_eq!(fits.map(|c| c.len()), Ok(1));
        let over = Budget::new(caps(data - 1, 1 << 30, 1 << 30)).decode([bytes.as_slice()]);
        assert_eq!(
            over.map(|_| ()),
            Err(Refusal::TooLarge {
                what: "a compressed change",
                cap: Cap::Change,
                limit: data - 1,
                room: data - 1,
            })
        );
        let refusal = Budget::new(caps(data - 1, 1 << 30, 1 << 30))
            .decode([bytes.as_slice()])
            .err()
            .map(|e| (e.code(), e.to_string()));
        let (code, message) = refusal.expect("refused");
        assert_eq!(code, DocCode::TooLarge);
        assert!(message.contains("per-change limit"), "{message}");
        assert!(message.contains(&(data - 1).to_string()), "{message}");
    }

    #[test]
    fn a_bomb_is_refused_having_inflated_no_more_than_the_cap() {
        // 16 MiB of zeros, deflated to about 16 KiB, as a compressed change.
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![0; 16 << 20]).expect("deflate");
        let deflated = encoder.finish().expect("deflate");
        let mut bomb = MAGIC.to_vec();
        bomb.extend([0; 4]);
        bomb.push(COMPRESSED_CHANGE);
        write_uleb(&mut bomb, deflated.len());
        bomb.extend(&deflated);
        let budget = Budget::new(caps(1 << 20, 4 << 20, 8 << 20));
        let refused = budget.decode([bomb.as_slice()]);
        assert_eq!(cap_of(refused), Some(Cap::Change));
        assert_eq!(
            budget.spent.get(),
            1 << 20,
            "the request is charged what was inflated"
        );
    }

    #[test]
    fn a_saved_document_decodes_to_its_changes_and_counts_its_columns_inflated() {
        let (doc, changes) = document(20);
        let saved = doc.save();
        let budget = Budget::new(PLENTY);
        let ours = budget.decode([saved.as_slice()]).expect("decodes");
        let hashes = |c: &[Change]| c.iter().map(Change::hash).collect::<Vec<_>>();
        assert_eq!(hashes(&ours), hashes(&changes));
        let loaded = Automerge::load(&saved).expect("loads").get_changes(&[]);
        assert_eq!(hashes(&ours), hashes(&loaded));
        let data = Chunk::parse(&saved).expect("a chunk").0.data.len();
        let inflated = budget.spent.get();
        assert!(
            inflated > data,
            "its columns were deflated: {inflated} > {data}"
        );
        // Exactly as large as the per-message cap: taken; a byte over: refused.
        let fits = Budget::new(caps(1 << 30, inflated, 1 << 30)).decode([saved.as_slice()]);
        assert_eq!(fits.map(|c| c.len()), Ok(20));
        let over = Budget::new(caps(1 << 30, inflated - 1, 1 << 30)).decode([saved.as_slice()]);
        assert_eq!(cap_of(over), Some(Cap::Message));
        // A change it holds is bound by the per-change cap as well.
        let largest = changes
            .iter()
            .map(|c| {
                Chunk::parse(c.raw_bytes())
                    .map(|(c, _)| c.data.len())
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        let over = Budget::new(caps(largest - 1, 1 << 30, 1 << 30)).decode([saved.as_slice()]);
        assert_eq!(cap_of(over), Some(Cap::Change));
    }

    #[test]
    fn concatenated_changes_decode_one_by_one_and_share_the_message_cap() {
        let (_, changes) = document(3);
        let lengths: Vec<usize> = changes
            .iter()
            .map(|c| {
                Chunk::parse(c.raw_bytes())
                    .map(|(c, _)| c.data.len())
                    .unwrap_or(0)
            })
            .collect();
        let total: usize = lengths.iter().sum();
        // As a version 2 message sends them: one chunk after another in a single chunk, each
        // depending on the one before.
        let joined: Vec<u8> = changes
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect();
        let ours = Budget::new(caps(1 << 30, total, total)).decode([joined.as_slice()]);
        assert_eq!(ours.map(|c| c.len()), Ok(3));
        let over = Budget::new(caps(1 << 30, total - 1, 1 << 30)).decode([joined.as_slice()]);
        assert_eq!(cap_of(over), Some(Cap::Message));
    }

    #[test]
    fn the_messages_of_a_request_share_the_per_request_cap() {
        let (bytes, data) = compressed_change();
        let budget = Budget::new(caps(data, data, data * 2));
        assert!(budget.decode([bytes.as_slice()]).is_ok());
        assert!(budget.decode([bytes.as_slice()]).is_ok());
        assert_eq!(
            cap_of(budget.decode([bytes.as_slice()])),
            Some(Cap::Request)
        );
    }

    #[test]
    fn a_wrong_checksum_a_bundle_and_an_unknown_chunk_type_are_refused() {
        let (_, changes) = document(1);
        let mut bytes = changes[0].raw_bytes().to_vec();
        bytes[4] ^= 1;
        let refused = Budget::new(PLENTY).decode([bytes.as_slice()]);
        assert!(matches!(refused, Err(Refusal::Malformed(ref m)) if m.contains("checksum")));
        for kind in [BUNDLE, 4, 0xff] {
            bytes[8] = kind;
            let refused = Budget::new(PLENTY).decode([bytes.as_slice()]);
            assert!(matches!(refused, Err(Refusal::Malformed(_))), "{refused:?}");
        }
    }

    #[test]
    fn an_empty_chunk_carries_no_changes() {
        assert_eq!(Budget::new(PLENTY).decode([&[][..]]), Ok(Vec::new()));
    }

    #[test]
    fn every_truncation_of_each_kind_of_chunk_is_refused_without_a_panic() {
        let (doc, changes) = document(3);
        let (compressed, _) = compressed_change();
        for whole in [doc.save(), compressed, changes[0].raw_bytes().to_vec()] {
            for end in 1..whole.len() {
                let refused = Budget::new(PLENTY).decode([&whole[..end]]);
                assert!(matches!(refused, Err(Refusal::Malformed(_))), "{end}");
            }
        }
    }

    #[test]
    fn a_document_announcing_columns_it_lacks_is_refused() {
        // No actors, no heads, one change column of 2^40 bytes, no op columns.
        let mut data = vec![0, 0, 1, 0x18];
        write_uleb(&mut data, 1 << 40);
        data.push(0);
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0; 4]);
        chunk.push(DOCUMENT);
        write_uleb(&mut chunk, data.len());
        chunk.extend(&data);
        let refused = Budget::new(PLENTY).decode([chunk.as_slice()]);
        assert!(matches!(refused, Err(Refusal::Malformed(_))), "{refused:?}");
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Budget::new(PLENTY).decode([bytes.as_slice()]);
        }

        #[test]
        fn random_headers_and_data_never_panic(
            kind in 0u8..5,
            length in proptest::collection::vec(any::<u8>(), 1..11),
            data in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let mut bytes = MAGIC.to_vec();
            bytes.extend([0; 4]);
            bytes.push(kind);
            bytes.extend(length);
            bytes.extend(data);
            let _ = Budget::new(PLENTY).decode([bytes.as_slice()]);
        }

        #[test]
        fn a_compressed_change_with_a_byte_changed_never_panics(
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let (mut bytes, _) = compressed_change();
            let at = at.index(bytes.len());
            bytes[at] = byte;
            let _ = Budget::new(PLENTY).decode([bytes.as_slice()]);
        }

        #[test]
        fn a_change_with_garbled_columns_is_refused_or_decoded_never_a_panic(
            which in 0..2usize,
            at in any::<prop::sample::Index>(),
            bytes in proptest::collection::vec(any::<u8>(), 1..12),
            end in any::<prop::sample::Index>(),
        ) {
            // A change's data with bytes written over it from a point on (its header, its
            // column metadata or data), then cut anywhere, in a chunk with its checksum: decoded
            // as the server decodes it, automerge reading what this module lets through.
            static HONEST: std::sync::OnceLock<Vec<Change>> = std::sync::OnceLock::new();
            let changes = HONEST.get_or_init(|| changes_with_many_ops(2));
            let (chunk, _) = Chunk::parse(changes[which].raw_bytes()).expect("a chunk");
            let mut data = chunk.data.to_vec();
            let at = at.index(data.len());
            for (i, byte) in bytes.into_iter().enumerate() {
                if let Some(b) = data.get_mut(at + i) {
                    *b = byte;
                }
            }
            data.truncate(end.index(data.len() + 1));
            let chunk = change_chunk(&data);
            let _ = Budget::new(ops_caps(100_000, 1_000_000)).decode([chunk.as_slice()]);
        }

        #[test]
        fn random_column_bytes_never_panic(
            column in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let _ = runs(&column, |_| 1);
            let _ = runs(&column, |v| v.unwrap_or(0));
            let _ = Input(&column).sleb();
        }

        #[test]
        fn a_saved_document_with_a_byte_changed_never_panics_here(
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let (doc, _) = document(4);
            let mut saved = doc.save();
            let at = at.index(saved.len());
            saved[at] = byte;
            // Only the parsing of this module: automerge's own panics are for the caller to
            // contain, as the server does.
            let parsed = Chunk::parse(&saved);
            if let Ok((chunk, _)) = parsed {
                let budget = Budget::new(PLENTY);
                let mut message = MessageBudget {
                    budget: &budget,
                    spent: 0,
                    announced: Announced::default(),
                };
                let _ = message.document(chunk.data);
            }
        }
    }
}
