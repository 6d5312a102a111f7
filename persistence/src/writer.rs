//! SQLite's writers, committed in groups. SQLite has one writer at a time, and with
//! `synchronous = FULL` every commit waits for the log to reach the disk. This process's writers
//! take their turn in arrival order (a [`FifoLock`]); a writer that finishes while others wait
//! for the turn leaves the transaction open for them, each writer's work in a savepoint of its
//! own, and the last of the group commits for all: one sync of the log for the group. Nobody
//! is answered before the commit that holds their work; a failed commit fails every writer of
//! its group; a writer whose work fails is rolled back to its savepoint alone.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard};

use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};

use crate::queue::FifoLock;
use crate::{Conn, DbError, Pool, PooledConn};

/// At most this many writers share one commit.
const MAX_GROUP: usize = 64;

#[derive(Default)]
pub struct GroupWriter {
    turn: FifoLock,
    state: Mutex<State>,
    finished: Condvar,
}

#[derive(Default)]
struct State {
    /// The group whose transaction is open, its connection (away while a writer works on it)
    /// and how many writers it holds.
    open: Option<Open>,
    last_group: u64,
    /// Every group up to this one has committed or failed.
    finished: u64,
    /// Groups whose commit failed, with why (the last few hundred).
    failed: BTreeMap<u64, String>,
}

struct Open {
    group: u64,
    conn: Option<PooledConn>,
    writers: usize,
}

type Transactions = <Conn as Connection>::TransactionManager;

impl GroupWriter {
    fn state(&self) -> MutexGuard<'_, State> {
        // Every change to the state is complete before the lock is released.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in a savepoint of the group's transaction and answers once that has committed.
    pub fn write<T, E: From<DbError>>(
        &self,
        pool: &Pool,
        f: impl FnOnce(&mut Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        let turn = self.turn.lock();
        let (group, mut conn) = self.join(pool)?;
        if let Err(e) = Transactions::begin_transaction(&mut conn) {
            // Without its savepoint the writer could not be undone alone: the group ends here.
            drop(conn);
            self.finish(&mut self.state(), group, Err(e.to_string()));
            return Err(E::from(DbError::from(e)));
        }
        let result = f(&mut conn);
        let closed = match &result {
            Ok(_) => Transactions::commit_transaction(&mut conn),
            Err(_) => Transactions::rollback_transaction(&mut conn),
        };
        let mut state = self.state();
        if let Err(e) = closed {
            // The savepoint could not be closed: the transaction is lost for the whole group.
            drop(conn);
            self.finish(&mut state, group, Err(e.to_string()));
            drop(state);
            drop(turn);
            return result.and(Err(E::from(DbError::from(e))));
        }
        let Some(open) = state.open.as_mut() else {
            // Cannot happen: only the turn's holder closes the group.
            return result.and(Err(E::from(DbError::Other(
                "the write group vanished".into(),
            ))));
        };
        open.writers += 1;
        if turn.has_waiters() && open.writers < MAX_GROUP {
            open.conn = Some(conn);
            drop(state);
            drop(turn);
            let value = result?;
            return self.outcome(group).map(|()| value).map_err(E::from);
        }
        let committed = Transactions::commit_transaction(&mut conn).map_err(|e| e.to_string());
        if committed.is_err() && Transactions::rollback_transaction(&mut conn).is_err() {
            log::warn!("a failed commit could not be rolled back; the connection is discarded");
        }
        self.finish(&mut state, group, committed.clone());
        drop(state);
        drop(turn);
        let value = result?;
        committed
            .map(|()| value)
            .map_err(|e| E::from(DbError::Other(format!("the commit failed: {e}"))))
    }

    /// The open group and its connection, or a new group begun on a pooled connection.
    fn join(&self, pool: &Pool) -> Result<(u64, PooledConn), DbError> {
        let mut state = self.state();
        if let Some(open) = state.open.as_mut() {
            let group = open.group;
            match open.conn.take() {
                Some(conn) => return Ok((group, conn)),
                // Its last writer panicked with the connection, and the transaction with it.
                None => self.finish(
                    &mut state,
                    group,
                    Err("a writer of the group failed".into()),
                ),
            }
        }
        drop(state);
        let mut conn = pool.get()?;
        let Conn::Sqlite(sqlite) = &mut **conn else {
            return Err(DbError::Other("group commits are for SQLite".into()));
        };
        AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
        let mut state = self.state();
        state.last_group += 1;
        let group = state.last_group;
        state.open = Some(Open {
            group,
            conn: None,
            writers: 0,
        });
        Ok((group, conn))
    }

    fn finish(&self, state: &mut State, group: u64, outcome: Result<(), String>) {
        state.open = None;
        state.finished = group;
        if let Err(e) = outcome {
            state.failed.insert(group, e);
            while state.failed.len() > 256 {
                state.failed.pop_first();
            }
        }
        self.finished.notify_all();
    }

    /// Waits until `group` has committed or failed.
    fn outcome(&self, group: u64) -> Result<(), DbError> {
        let state = self
            .finished
            .wait_while(self.state(), |s| s.finished < group)
            .unwrap_or_else(|e| e.into_inner());
        match state.failed.get(&group) {
            None => Ok(()),
            Some(e) => Err(DbError::Other(format!("the commit failed: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::BigInt;

    use crate::{Db, DbResult, PoolOptions, new_id};

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn sql(c: &mut crate::Conn, statement: &str) -> DbResult<()> {
        match c {
            crate::Conn::Sqlite(lite) => Ok(lite.batch_execute(statement)?),
            crate::Conn::Postgresql(_) => Err(crate::DbError::Other("SQLite expected".into())),
        }
    }

    fn rows(db: &Db, condition: &str) -> i64 {
        db.read(|c| -> DbResult<i64> {
            let crate::Conn::Sqlite(lite) = c else {
                return Err(crate::DbError::Other("SQLite expected".into()));
            };
            let count: Count =
                diesel::sql_query(format!("SELECT count(*) AS n FROM t WHERE {condition}"))
                    .get_result(lite)?;
            Ok(count.n)
        })
        .unwrap()
    }

    /// Writers on many threads at once: every one that succeeds is there, every one that
    /// failed (after writing) is not, and writers shared commits.
    #[test]
    fn writers_commit_in_groups_and_a_failed_one_alone_is_undone() {
        let dir = std::env::temp_dir().join(format!("fleetdesk-group-{}", new_id()));
        let url = dir.join("db.sqlite");
        let db = Db::open(&url.to_string_lossy(), &PoolOptions::default()).unwrap();
        db.write(|c| {
            sql(
                c,
                "CREATE TABLE t (id INTEGER PRIMARY KEY, fails INTEGER NOT NULL)",
            )
        })
        .unwrap();
        let db = Arc::new(db);
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let db = db.clone();
                thread::spawn(move || {
                    for i in 0..100 {
                        let id = t * 1000 + i;
                        let fails = i % 7 == 0;
                        let result = db.write(|c| {
                            sql(
                                c,
                                &format!("INSERT INTO t VALUES ({id}, {})", i32::from(fails)),
                            )?;
                            if fails {
                                return Err(crate::DbError::Other("refused".into()));
                            }
                            Ok(id)
                        });
                        assert_eq!(result.is_ok(), !fails, "{result:?}");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(rows(&db, "fails = 0"), 8 * (100 - 15));
        assert_eq!(rows(&db, "fails = 1"), 0);
        let groups = db.sqlite_writer.state().last_group;
        // 801 writes (with the table's); under contention far fewer commits.
        assert!(groups < 801, "{groups} groups");
        // A duplicate key fails its writer alone, in a group or not.
        assert!(db.write(|c| sql(c, "INSERT INTO t VALUES (1, 0)")).is_err());
        assert_eq!(rows(&db, "fails = 0"), 8 * 85);
        drop(db);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// A writer that panics takes its group's transaction with it; the next writer begins anew.
    #[test]
    fn a_panicking_writer_leaves_the_next_one_a_clean_start() {
        let dir = std::env::temp_dir().join(format!("fleetdesk-group-{}", new_id()));
        let url = dir.join("db.sqlite");
        let db = Arc::new(Db::open(&url.to_string_lossy(), &PoolOptions::default()).unwrap());
        db.write(|c| {
            sql(
                c,
                "CREATE TABLE t (id INTEGER PRIMARY KEY, fails INTEGER NOT NULL)",
            )
        })
        .unwrap();
        let panicking = db.clone();
        let joined = thread::spawn(move || {
            panicking
                .write(|c| -> DbResult<()> {
                    sql(c, "INSERT INTO t VALUES (1, 1)")?;
                    panic!("a bug in a writer");
                })
                .ok();
        })
        .join();
        assert!(joined.is_err());
        db.write(|c| sql(c, "INSERT INTO t VALUES (2, 0)")).unwrap();
        assert_eq!(rows(&db, "fails = 1"), 0);
        assert_eq!(rows(&db, "fails = 0"), 1);
        drop(db);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
