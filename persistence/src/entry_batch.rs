//! Meter readings of concurrent requests added in one statement on PostgreSQL.
//!
//! Each request decides its entry on its own snapshot (see [`devices::find_device_for_entry`]);
//! what is left is [`devices::add_entry`]: the compare-and-set of the device's entries version,
//! the entry and its event. Requests that get there while the most batches allowed at once
//! are being written wait and then go together: one statement and one commit (one flush of
//! the log) for all of them. Every entry still moves its device's version only from the version its checks read,
//! so a batch changes nothing about which entry wins; it shares the statement and the commit.
//! Nobody is answered before the commit that holds their entry, and a waiting request is woken
//! only for its own answer or its turn to write.

use std::collections::HashSet;
use std::sync::mpsc::{self, Sender};
use std::sync::{Mutex, MutexGuard};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

use fleetdesk_domain::devices::DeviceStatus;

use crate::devices::{self, EventValues, ReadingRow};
use crate::events::NewEvent;
use crate::{Conn, Db, DbError, DbResult, Unreachable};

/// At most this many entries share one statement.
const MAX_BATCH: usize = 64;

/// How many batches are written at once by default. One at a time leaves each batch waiting
/// for the log's flush alone; several in flight share flushes as separate transactions do,
/// while entries arriving meanwhile gather into the next batch — the fewer in flight, the
/// larger each. Measured beside one, three and four (docs/benchmarks.md).
const WRITERS: usize = 2;

/// The entries waiting to be added (see the module).
pub struct EntryBatch {
    state: Mutex<State>,
    /// At most this many batches are written at once.
    writers: usize,
}

impl Default for EntryBatch {
    fn default() -> Self {
        Self::new(WRITERS)
    }
}

#[derive(Default)]
struct State {
    waiting: Vec<Pending>,
    /// How many requests are writing a batch.
    writing: usize,
}

impl State {
    /// The next batch: the oldest entries waiting.
    fn take(&mut self) -> Vec<Pending> {
        let take = self.waiting.len().min(MAX_BATCH);
        self.waiting.drain(..take).collect()
    }
}

/// An entry waiting, and where its request is told what became of it.
struct Pending {
    entry: Entry,
    reply: Sender<Turn>,
}

/// What a waiting request is told: its answer, or that it writes the next batch (which holds
/// its own entry). Each request is woken for its own turn only.
enum Turn {
    Answer(DbResult<bool>),
    Write(Vec<Pending>),
}

/// An entry and its event, owned: whichever request writes the batch writes it.
struct Entry {
    version: i64,
    row: ReadingRow,
    event_id: String,
    kind: &'static str,
    account_id: Option<String>,
    subject_type: String,
    subject_id: String,
    device_id: Option<String>,
    dealer_id: Option<String>,
    actor_id: Option<String>,
    staff_only: bool,
    payload: String,
    occurred_at: NaiveDateTime,
}

impl EntryBatch {
    fn state(&self) -> MutexGuard<'_, State> {
        // Every change to the state is complete before the lock is released.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Batches of entries, at most `writers` of them written at once (at least one).
    pub fn new(writers: usize) -> Self {
        Self {
            state: Mutex::default(),
            writers: writers.max(1),
        }
    }

    /// How many entries wait for a writer.
    pub fn waiting(&self) -> usize {
        self.state().waiting.len()
    }

    /// [`devices::add_entry`], in the next batch on PostgreSQL: `false`, and nothing written,
    /// when another entry of the device or its removal came first. A request waits for its
    /// batch without a connection: it checks one out of `db`'s pool only when its turn comes
    /// to write a batch (each batch commits as it runs), so the pool serves other requests'
    /// reads meanwhile and more entries gather into each batch. PostgreSQL's: on SQLite, whose
    /// writers take turns anyway, entries are added in the writer's transaction
    /// ([`crate::Statements::add_entry`]).
    pub fn add(
        &self,
        db: &Db,
        version: i64,
        row: &ReadingRow,
        event: NewEvent<'_>,
    ) -> DbResult<bool> {
        let (reply, turns) = mpsc::channel();
        let entry = Entry::new(version, row, event);
        let mut batch = {
            let mut state = self.state();
            state.waiting.push(Pending { entry, reply });
            // A writer free: this request writes what waits, its own entry with it.
            (state.writing < self.writers).then(|| {
                state.writing += 1;
                state.take()
            })
        };
        loop {
            if let Some(pending) = batch.take() {
                let _turn = WriterTurn(self);
                for (reply, answer) in write_on(db, pending) {
                    // A request that is gone has nobody to tell.
                    let _ = reply.send(Turn::Answer(answer));
                }
            }
            match turns.recv() {
                Ok(Turn::Answer(answer)) => return answer,
                Ok(Turn::Write(next)) => batch = Some(next),
                // Its writer panicked before answering.
                Err(_) => {
                    return Err(DbError::Other(
                        "the batch of entries was not written".into(),
                    ));
                }
            }
        }
    }
}

/// [`write`] on a connection checked out of `db`'s pool for the batch; every entry is answered
/// with the pool's error when none comes.
fn write_on(db: &Db, batch: Vec<Pending>) -> Vec<(Sender<Turn>, DbResult<bool>)> {
    let mut conn = match db.conn() {
        Ok(conn) => conn,
        Err(e) => {
            let e = e.to_string();
            return refuse_all(batch, || DbError::Unavailable(e.clone()));
        }
    };
    let Conn::Postgresql(pg) = &mut **conn else {
        return refuse_all(batch, || DbError::Other("batches are PostgreSQL's".into()));
    };
    let answers = write(pg, batch);
    conn.check_if(
        answers
            .iter()
            .any(|(_, answer)| answer.as_ref().is_err_and(Unreachable::unreachable)),
    );
    answers
}

/// Every entry of `batch` answered with the error `why` makes, nothing written.
fn refuse_all(
    batch: Vec<Pending>,
    why: impl Fn() -> DbError,
) -> Vec<(Sender<Turn>, DbResult<bool>)> {
    batch.into_iter().map(|p| (p.reply, Err(why()))).collect()
}

/// A request's turn at writing. When it ends (the batch answered, or the writer panicked) the
/// turn passes to the oldest entry waiting, whose request writes the next batch; with nothing
/// waiting, the writer is free for the next request that comes.
struct WriterTurn<'a>(&'a EntryBatch);

impl Drop for WriterTurn<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state();
        if state.waiting.is_empty() {
            state.writing -= 1;
            return;
        }
        let next = state.take();
        drop(state);
        // The oldest entry's request waits for its turn, so it is there to take it; were it
        // not, the batch's requests would be answered with an error as their replies drop.
        let to = next[0].reply.clone();
        if to.send(Turn::Write(next)).is_err() {
            self.0.state().writing -= 1;
        }
    }
}

/// Writes `batch` and answers each entry: one statement for all, or where that fails, one
/// statement for each (so that each gets its own answer, such as a unique violation).
fn write(pg: &mut PgConnection, mut batch: Vec<Pending>) -> Vec<(Sender<Turn>, DbResult<bool>)> {
    if batch.len() == 1 {
        return batch
            .into_iter()
            .map(|one| {
                let answer = write_one(pg, &one.entry);
                (one.reply, answer)
            })
            .collect();
    }
    // One entry per device: of those decided on one device, at most one can move its version,
    // and an entry decided on an older version than another cannot. The others are answered
    // as having come second. In device order, so that two batches lock devices alike; the
    // sort is stable, so of entries decided on one version the first to come is kept.
    batch.sort_by(|a, b| {
        (&a.entry.row.device_id, std::cmp::Reverse(a.entry.version))
            .cmp(&(&b.entry.row.device_id, std::cmp::Reverse(b.entry.version)))
    });
    let mut answers = Vec::with_capacity(batch.len());
    let mut kept: Vec<Pending> = Vec::with_capacity(batch.len());
    for pending in batch {
        match kept.last() {
            Some(last) if last.entry.row.device_id == pending.entry.row.device_id => {
                answers.push((pending.reply, Ok(false)));
            }
            _ => kept.push(pending),
        }
    }
    let entries: Vec<&Entry> = kept.iter().map(|p| &p.entry).collect();
    match AddEntries::new(&entries).and_then(|q| Ok(q.load::<String>(pg)?)) {
        Ok(added) => {
            let added: HashSet<String> = added.into_iter().collect();
            answers.extend(kept.into_iter().map(|p| {
                let answer = Ok(added.contains(&p.entry.event_id));
                (p.reply, answer)
            }));
        }
        Err(e) => {
            log::debug!(target: "fleetdesk::entries", "a batch of {} entries failed ({e}); each on its own", kept.len());
            answers.extend(kept.into_iter().map(|p| {
                let answer = write_one(pg, &p.entry);
                (p.reply, answer)
            }));
        }
    }
    answers
}

fn write_one(pg: &mut PgConnection, e: &Entry) -> DbResult<bool> {
    devices::add_entry_on(pg, e.version, &e.row, e.event())
}

impl Entry {
    fn new(version: i64, row: &ReadingRow, event: NewEvent<'_>) -> Self {
        Self {
            version,
            row: row.clone(),
            event_id: crate::new_id(),
            kind: event.kind.as_str(),
            account_id: event.account_id.map(str::to_owned),
            subject_type: event.subject_type.to_owned(),
            subject_id: event.subject_id.to_owned(),
            device_id: event.device_id.map(str::to_owned),
            dealer_id: event.dealer_id.map(str::to_owned),
            actor_id: event.actor_id.map(str::to_owned),
            staff_only: event.staff_only,
            payload: event.payload.to_string(),
            occurred_at: event.at.naive_utc(),
        }
    }

    fn event(&self) -> EventValues<'_> {
        EventValues {
            id: &self.event_id,
            kind: self.kind,
            account_id: self.account_id.as_deref(),
            subject_type: &self.subject_type,
            subject_id: &self.subject_id,
            device_id: self.device_id.as_deref(),
            dealer_id: self.dealer_id.as_deref(),
            actor_id: self.actor_id.as_deref(),
            staff_only: self.staff_only,
            payload: &self.payload,
            occurred_at: self.occurred_at,
        }
    }
}

/// [`devices::add_entry`]'s statement for many entries, each of another device: the entries
/// as one JSON array of rows. It returns the ids of the events of the entries added. One
/// statement whatever the number, so each connection prepares it once; and since the planner
/// cannot see how many rows a JSON text holds, it soon keeps one plan for every call instead
/// of planning each (as it would for arrays, whose lengths it reads).
struct AddEntries {
    input: String,
}

/// One entry as a row of [`AddEntries`]' input; the names are those of its `AS i (…)`.
#[derive(serde::Serialize)]
struct InputRow<'a> {
    device_id: &'a str,
    version: i64,
    id: &'a str,
    kind: &'static str,
    local_day: NaiveDate,
    meter_values: &'a str,
    source: &'static str,
    correction_kind: Option<&'static str>,
    final_values: Option<&'a str>,
    reason: Option<&'a str>,
    flagged: bool,
    recorded_by: &'a str,
    recorded_at: NaiveDateTime,
    event_id: &'a str,
    event_kind: &'static str,
    account_id: Option<&'a str>,
    subject_type: &'a str,
    subject_id: &'a str,
    event_device_id: Option<&'a str>,
    dealer_id: Option<&'a str>,
    actor_id: Option<&'a str>,
    staff_only: bool,
    payload: &'a str,
    occurred_at: NaiveDateTime,
}

impl AddEntries {
    fn new(entries: &[&Entry]) -> DbResult<Self> {
        let rows: Vec<InputRow<'_>> = entries
            .iter()
            .map(|e| InputRow {
                device_id: &e.row.device_id,
                version: e.version,
                id: &e.row.id,
                kind: e.row.kind.0.as_str(),
                local_day: e.row.local_day,
                meter_values: &e.row.meter_values,
                source: e.row.source.0.as_str(),
                correction_kind: e.row.correction_kind.map(|k| k.0.as_str()),
                final_values: e.row.final_values.as_deref(),
                reason: e.row.reason.as_deref(),
                flagged: e.row.flagged,
                recorded_by: &e.row.recorded_by,
                recorded_at: e.row.recorded_at,
                event_id: &e.event_id,
                event_kind: e.kind,
                account_id: e.account_id.as_deref(),
                subject_type: &e.subject_type,
                subject_id: &e.subject_id,
                event_device_id: e.device_id.as_deref(),
                dealer_id: e.dealer_id.as_deref(),
                actor_id: e.actor_id.as_deref(),
                staff_only: e.staff_only,
                payload: &e.payload,
                occurred_at: e.occurred_at,
            })
            .collect();
        let input = serde_json::to_string(&rows).map_err(|e| DbError::Other(e.to_string()))?;
        Ok(Self { input })
    }
}

impl QueryId for AddEntries {
    type QueryId = AddEntries;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for AddEntries {
    type SqlType = diesel::sql_types::Text;
}

impl QueryFragment<Pg> for AddEntries {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH input AS (SELECT * FROM json_to_recordset(CAST(");
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.input)?;
        out.push_sql(
            " AS json)) AS i (device_id text, version bigint, id text, kind text, \
             local_day date, meter_values text, source text, correction_kind text, \
             final_values text, reason text, flagged boolean, recorded_by text, \
             recorded_at timestamp, event_id text, event_kind text, account_id text, \
             subject_type text, subject_id text, event_device_id text, dealer_id text, \
             actor_id text, staff_only boolean, payload text, occurred_at timestamp)), \
             moved AS (UPDATE devices d SET entries_version = d.entries_version + 1 FROM input i \
             WHERE d.id = i.device_id AND d.entries_version = i.version AND d.status <> ",
        );
        out.push_bind_param::<diesel::sql_types::Text, _>(DeviceStatus::Removed.as_str())?;
        out.push_sql(
            " RETURNING d.id), \
             entry AS (INSERT INTO meter_readings (id, device_id, kind, local_day, meter_values, \
             source, correction_kind, final_values, reason, flagged, recorded_by, recorded_at) \
             SELECT i.id, i.device_id, i.kind, i.local_day, i.meter_values, i.source, \
             i.correction_kind, i.final_values, i.reason, i.flagged, i.recorded_by, \
             i.recorded_at FROM input i JOIN moved ON moved.id = i.device_id \
             RETURNING device_id) \
             INSERT INTO events (id, kind, account_id, subject_type, subject_id, device_id, \
             dealer_id, actor_id, staff_only, payload, occurred_at) \
             SELECT i.event_id, i.event_kind, i.account_id, i.subject_type, i.subject_id, \
             i.event_device_id, i.dealer_id, i.actor_id, i.staff_only, i.payload, i.occurred_at \
             FROM input i JOIN entry ON entry.device_id = i.device_id RETURNING id",
        );
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for AddEntries {}
