/*
 * schema.c - the schema of each module store, as forward migrations.
 *
 * migration[k] takes user_version k to k+1. Never edit a released
 * migration; add the next one. Every table is STRICT. The outbox table is
 * the same in every module (see journal.h): AUTOINCREMENT so an id is never
 * reused after the journal prunes journaled rows. store_meta.store_id is a
 * random identity given at creation: the journal remembers which store its
 * outbox marks belong to, so a replaced or restored file cannot make it skip
 * (or repeat) events silently.
 */
#include <string.h>

#include "store/store.h"

/* One outbox row per committed transaction: `events` event envelopes (all
 * but seq, src*, prev and hash) as NDJSON lines in `body`. */
#define OUTBOX_DDL                                                                                \
    "CREATE TABLE outbox(id INTEGER PRIMARY KEY AUTOINCREMENT,"                                   \
    " events INTEGER NOT NULL CHECK (events > 0), body TEXT NOT NULL) STRICT;"                    \
    "CREATE TABLE store_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"                  \
    "INSERT INTO store_meta VALUES ('store_id', lower(hex(randomblob(16))));"

/* Changes awaiting approval live with the data they change, so approving one
 * and applying it commit in one transaction of that store (see change.h).
 * The audit trail is kept the same way: one row per change event, written
 * in the transaction of the change. */
#define CHANGE_DDL                                                                                \
    "CREATE TABLE change_request(request_id TEXT PRIMARY KEY, action TEXT NOT NULL,"              \
    " summary TEXT NOT NULL, effect TEXT NOT NULL, preview TEXT NOT NULL,"                        \
    " fingerprint TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN"                           \
    " ('PENDING','VERIFIED','APPROVED','REJECTED','WITHDRAWN','STALE')),"                         \
    " requested_by TEXT NOT NULL, requested_at TEXT NOT NULL, verifier_role TEXT,"                \
    " approver_role TEXT NOT NULL, verified_by TEXT, verified_at TEXT, decided_by TEXT,"          \
    " decided_at TEXT, note TEXT) STRICT;"                                                        \
    "CREATE INDEX change_request_status ON change_request(status, requested_at);"                 \
    "CREATE TABLE audit(seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,"          \
    " event_type TEXT NOT NULL, aggregate_type TEXT NOT NULL, aggregate_id TEXT NOT NULL,"        \
    " request_id TEXT, payload TEXT NOT NULL) STRICT;"                                            \
    "CREATE INDEX audit_aggregate ON audit(aggregate_id, seq);"                                   \
    "CREATE INDEX audit_event ON audit(event_type);"

/* Who acted, in a multi-user installation (core/secure.h, armms-security(7)):
 * each audit row also keeps the login name of the real user and whether
 * the actor was one of the tenant's service accounts. One migration of
 * every store. */
#define AUDIT_LOGIN_DDL                                                                           \
    "ALTER TABLE audit ADD COLUMN login TEXT;"                                                    \
    "ALTER TABLE audit ADD COLUMN service INTEGER NOT NULL DEFAULT 0 CHECK (service IN (0, 1));"
/* The running digests of a store's audited tables (store/digest.h): the
 * tables named here are the audited state, the rows every change of which
 * is an event; after any migration armms-init makes their triggers and
 * computes their digests. A later migration adds a table with one more
 * INSERT INTO store_digest(tbl). Run on a store that has the digests, the
 * migration changes nothing. Derived and device rows (time_log, dtr,
 * timesheet, clock_event, paysheet, inbox...) are not listed: they are
 * recomputed or journaled one by one, and intake must not slow down. */
#define DIGEST_DDL(tables)                                                                        \
    "CREATE TABLE IF NOT EXISTS store_digest(tbl TEXT PRIMARY KEY,"                               \
    " rows INTEGER NOT NULL DEFAULT 0, sum BLOB NOT NULL DEFAULT (zeroblob(32))) STRICT;"         \
    "INSERT OR IGNORE INTO store_digest(tbl) VALUES " tables ";"
#define DIGEST_DDL_HR                                                                             \
    DIGEST_DDL("('position'), ('detachment'), ('shift'), ('guard'), ('assignment'),"              \
               " ('leave_code'), ('leave'), ('change_request'), ('audit')")
#define DIGEST_DDL_TK DIGEST_DDL("('time_log_adjustment'), ('change_request'), ('audit')")
#define DIGEST_DDL_PAY                                                                            \
    DIGEST_DDL("('rate'), ('holiday'), ('period'), ('obligation'), ('obligation_schedule'),"      \
               " ('premium'), ('pay_policy'), ('minimum_wage'), ('deduction_priority'),"          \
               " ('contribution'), ('tax'), ('payrun'), ('paysheet_hold'), ('waiver'),"           \
               " ('payrun_archive'), ('change_request'), ('audit')")
#define DIGEST_DDL_IAM                                                                            \
    DIGEST_DDL("('user'), ('role'), ('role_scope'), ('user_role'), ('route'), ('scope'),"         \
               " ('change_request'), ('audit')")

static const char *const hr_migrations[] = {
    OUTBOX_DDL
    "CREATE TABLE position(position_id TEXT PRIMARY KEY, name TEXT NOT NULL) STRICT;"
    "CREATE TABLE detachment(detachment_id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " client TEXT NOT NULL, region TEXT, address TEXT) STRICT;"
    "CREATE TABLE shift(shift_id TEXT PRIMARY KEY, start TEXT NOT NULL, end TEXT NOT NULL,"
    " break_min INTEGER NOT NULL DEFAULT 0, name TEXT) STRICT;"
    "CREATE TABLE guard(guard_id TEXT PRIMARY KEY, employee_no TEXT NOT NULL UNIQUE,"
    " last_name TEXT NOT NULL, first_name TEXT NOT NULL,"
    " position_id TEXT NOT NULL REFERENCES position(position_id),"
    " rest_days TEXT NOT NULL, bank_code TEXT, bank_account TEXT, tin TEXT, sss_no TEXT,"
    " philhealth_no TEXT, hdmf_no TEXT, status TEXT NOT NULL) STRICT;"
    "CREATE TABLE assignment(assignment_id TEXT PRIMARY KEY,"
    " guard_id TEXT NOT NULL REFERENCES guard(guard_id),"
    " detachment_id TEXT NOT NULL REFERENCES detachment(detachment_id),"
    " shift_id TEXT NOT NULL REFERENCES shift(shift_id),"
    " valid_from TEXT NOT NULL, valid_to TEXT, kind TEXT NOT NULL"
    " CHECK (kind IN ('regular','reliever')),"
    " relieves_guard_id TEXT REFERENCES guard(guard_id)) STRICT;"
    "CREATE INDEX assignment_guard ON assignment(guard_id, valid_from);"
    "CREATE INDEX assignment_relieved ON assignment(relieves_guard_id, valid_from)"
    " WHERE relieves_guard_id IS NOT NULL;",
    /* 2: change requests and the audit trail */
    CHANGE_DDL,
    /* 3: what final pay reads of a guard (pay/final.h): employment dates
     * and the unused service incentive leave days (Labor Code art. 95). */
    "ALTER TABLE guard ADD COLUMN hired_on TEXT;"
    "ALTER TABLE guard ADD COLUMN separated_on TEXT;"
    "ALTER TABLE guard ADD COLUMN sil_days INTEGER;",
    /* 4: leave and absence (md kinds leave_code and leave, see
     * armms-import(1)): the tenant's leave codes - paid or not, and the
     * days a year a code allows (SIL: 5, Labor Code art. 95; NULL: no
     * yearly cap) - and the days a timekeeper recorded, one row per guard,
     * date and code; a day is undone by recording it CANCELLED, never
     * deleted. The shipped codes are data/leave_code.csv, loaded by
     * armms-init. */
    "CREATE TABLE leave_code(code TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " paid INTEGER NOT NULL CHECK (paid IN (0, 1)),"
    " annual_days INTEGER CHECK (annual_days IS NULL OR annual_days BETWEEN 0 AND 366),"
    " note TEXT) STRICT;"
    "CREATE TABLE leave(guard_id TEXT NOT NULL REFERENCES guard(guard_id), date TEXT NOT NULL,"
    " code TEXT NOT NULL REFERENCES leave_code(code), reason TEXT,"
    " status TEXT NOT NULL CHECK (status IN ('RECORDED','CANCELLED')),"
    " PRIMARY KEY (guard_id, date, code)) STRICT;"
    "CREATE INDEX leave_code_year ON leave(guard_id, code, date);",
    /* 5: the audit rows' login and service (AUDIT_LOGIN_DDL) */
    AUDIT_LOGIN_DDL,
    /* 6: the running digests of the audited tables (DIGEST_DDL above) */
    DIGEST_DDL_HR,
    /* 7: a guard's e-mail address, where armms-notify sends the payslip
     * (personal data: masked wherever it is shown). guard is audited: the
     * migration's run remakes its digest triggers over the new column and
     * journals the digests of the rows it found (store.c migrate_digests). */
    "ALTER TABLE guard ADD COLUMN email TEXT;",
    /* 8: the digests' migration again, so that it stays the last one: a
     * store from before the digests (or one whose version is set back by
     * one) runs only this idempotent step, as every store does. */
    DIGEST_DDL_HR,
};

static const char *const tk_migrations[] = {
    OUTBOX_DDL "CREATE TABLE clock_event(clock_event_id TEXT NOT NULL UNIQUE,"
               " dedupe_key TEXT NOT NULL UNIQUE, device_id TEXT NOT NULL, event_id TEXT,"
               " guard_id TEXT NOT NULL, ts TEXT NOT NULL, ts_offset INTEGER NOT NULL,"
               " type TEXT NOT NULL CHECK (type IN ('IN','OUT')), detachment_id TEXT,"
               " received_at TEXT NOT NULL) STRICT;",
    /* 2: timekeeping. Derived rows are keyed the way they are read (one
     * guard at a time, in time order), so a period's rebuild writes each
     * B-tree in order. time_log is derived from clock_event and
     * time_log_adjustment (both immutable) and can always be rebuilt; dtr from
     * time_log and the roster; timesheet versions other than DRAFT are sealed
     * snapshots and are never updated. */
    "CREATE INDEX clock_event_guard_ts ON clock_event(guard_id, ts);"
    "CREATE TABLE time_log_adjustment(adjustment_id TEXT PRIMARY KEY,"
    " action TEXT NOT NULL CHECK (action IN ('add','void','move')),"
    " target_id TEXT, guard_id TEXT NOT NULL, ts TEXT, type TEXT CHECK (type IN ('IN','OUT')),"
    " detachment_id TEXT, shift_id TEXT, shift_date TEXT, reason TEXT NOT NULL,"
    " actor TEXT NOT NULL, created_at TEXT NOT NULL) STRICT;"
    "CREATE INDEX time_log_adjustment_guard ON time_log_adjustment(guard_id, ts);"
    "CREATE INDEX time_log_adjustment_target ON time_log_adjustment(target_id)"
    " WHERE target_id IS NOT NULL;"
    "CREATE TABLE time_log(guard_id TEXT NOT NULL, ts TEXT NOT NULL, time_log_id TEXT NOT NULL,"
    " source TEXT NOT NULL CHECK (source IN ('device','adjustment')),"
    " type TEXT NOT NULL CHECK (type IN ('IN','OUT')), detachment_id TEXT, shift_id TEXT,"
    " shift_date TEXT, work_date TEXT NOT NULL, status TEXT NOT NULL"
    " CHECK (status IN ('VALID','INVALID','DUPLICATE')), anomalies TEXT NOT NULL,"
    " open INTEGER NOT NULL, device_detachment_id TEXT, relieves_guard_id TEXT,"
    " adjustment_id TEXT, PRIMARY KEY (guard_id, ts, time_log_id)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX time_log_open ON time_log(work_date) WHERE open = 1;"
    "CREATE TABLE dtr(guard_id TEXT NOT NULL, date TEXT NOT NULL, shift_id TEXT NOT NULL,"
    " detachment_id TEXT NOT NULL, time_in TEXT, time_out TEXT, day_type TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('COMPLETE','INCOMPLETE','ABSENT')),"
    " anomalies TEXT NOT NULL, worked INTEGER NOT NULL, regular INTEGER NOT NULL,"
    " ot INTEGER NOT NULL, nd INTEGER NOT NULL, nd_ot INTEGER NOT NULL, late INTEGER NOT NULL,"
    " undertime INTEGER NOT NULL, buckets TEXT NOT NULL, relieves_guard_id TEXT,"
    " relieved_by TEXT, PRIMARY KEY (guard_id, date, shift_id, detachment_id))"
    " STRICT, WITHOUT ROWID;"
    "CREATE TABLE timesheet(timesheet_id TEXT NOT NULL, version INTEGER NOT NULL,"
    " guard_id TEXT NOT NULL, detachment_id TEXT NOT NULL, shift_id TEXT NOT NULL,"
    " period_id TEXT NOT NULL, status TEXT NOT NULL"
    " CHECK (status IN ('DRAFT','FINALIZED','ADJUSTED')), record TEXT NOT NULL,"
    " checksum TEXT, minutes TEXT NOT NULL, PRIMARY KEY (timesheet_id, version)) STRICT;"
    "CREATE INDEX timesheet_guard ON timesheet(guard_id, period_id);"
    "CREATE INDEX timesheet_period ON timesheet(period_id, status);",
    /* 3: change requests and the audit trail */
    CHANGE_DDL,
    /* 4: punches held until master data knows their guard (or the guard
     * whose employee_no a ZKTeco PIN is) and detachment, in arrival order
     * (rowid); and the committed batches of clock events armms-ingest has
     * not yet written to its output, as rowid ranges of clock_event (see
     * tk/ingest.h). */
    "CREATE TABLE clock_event_held(held_id TEXT NOT NULL UNIQUE,"
    " dedupe_key TEXT NOT NULL UNIQUE,"
    " reason TEXT NOT NULL CHECK (reason IN ('UNKNOWN_GUARD','UNKNOWN_DETACHMENT')),"
    " device_id TEXT NOT NULL, event_id TEXT, guard_id TEXT, pin TEXT, ts TEXT NOT NULL,"
    " ts_offset INTEGER NOT NULL, type TEXT NOT NULL CHECK (type IN ('IN','OUT')),"
    " detachment_id TEXT, source TEXT NOT NULL, line INTEGER NOT NULL, held_at TEXT NOT NULL,"
    " CHECK ((guard_id IS NULL) <> (pin IS NULL))) STRICT;"
    "CREATE TABLE clock_event_unsent(first_rowid INTEGER NOT NULL, last_rowid INTEGER NOT NULL,"
    " CHECK (first_rowid <= last_rowid)) STRICT;",
    /* 5: the run a batch's unsent row belongs to (tk/ingest_commit.c): a
     * run still alive (its lock file held) writes its own batches; only a
     * dead run's are replayed by another. NULL: a row of an older run. */
    "ALTER TABLE clock_event_unsent ADD COLUMN owner TEXT;",
    /* 6: derived rows a change left behind (tk/stale.h): a guard's dates
     * whose rows of a stage no longer follow from what is under them, until
     * that stage recomputes them; and how far into the journal the master
     * data changes have been read for it. */
    "CREATE TABLE stale(stage TEXT NOT NULL CHECK (stage IN ('timelog','dtr','timesheet')),"
    " guard_id TEXT NOT NULL, date_from TEXT NOT NULL, date_to TEXT NOT NULL,"
    " reason TEXT NOT NULL, marked_at TEXT NOT NULL, CHECK (date_from <= date_to)) STRICT;"
    "CREATE INDEX stale_guard ON stale(stage, guard_id, date_from);"
    "CREATE TABLE stale_source(source TEXT PRIMARY KEY, seq INTEGER NOT NULL) STRICT;",
    /* 7: a scheduled day the guard was on recorded leave (hr.leave) and
     * did not punch is LEAVE, not ABSENT, and carries the leave code, its
     * name and whether it is paid as they were when the DTR was computed
     * (tk/dtr.h). SQLite cannot widen a CHECK in place: the table is
     * rebuilt, its rows copied as they are. */
    "CREATE TABLE dtr_new(guard_id TEXT NOT NULL, date TEXT NOT NULL, shift_id TEXT NOT NULL,"
    " detachment_id TEXT NOT NULL, time_in TEXT, time_out TEXT, day_type TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('COMPLETE','INCOMPLETE','ABSENT','LEAVE')),"
    " anomalies TEXT NOT NULL, worked INTEGER NOT NULL, regular INTEGER NOT NULL,"
    " ot INTEGER NOT NULL, nd INTEGER NOT NULL, nd_ot INTEGER NOT NULL, late INTEGER NOT NULL,"
    " undertime INTEGER NOT NULL, buckets TEXT NOT NULL, relieves_guard_id TEXT,"
    " relieved_by TEXT, leave_code TEXT, leave_name TEXT, leave_paid INTEGER,"
    " CHECK ((status = 'LEAVE') = (leave_code IS NOT NULL)),"
    " PRIMARY KEY (guard_id, date, shift_id, detachment_id)) STRICT, WITHOUT ROWID;"
    "INSERT INTO dtr_new(guard_id, date, shift_id, detachment_id, time_in, time_out, day_type,"
    " status, anomalies, worked, regular, ot, nd, nd_ot, late, undertime, buckets,"
    " relieves_guard_id, relieved_by) SELECT guard_id, date, shift_id, detachment_id, time_in,"
    " time_out, day_type, status, anomalies, worked, regular, ot, nd, nd_ot, late, undertime,"
    " buckets, relieves_guard_id, relieved_by FROM dtr;"
    "DROP TABLE dtr;"
    "ALTER TABLE dtr_new RENAME TO dtr;",
    /* 8: the audit rows' login and service (AUDIT_LOGIN_DDL) */
    AUDIT_LOGIN_DDL,
    /* 9: the running digests of the audited tables (DIGEST_DDL above) */
    DIGEST_DDL_TK,
    /* 10: the outbox may hold clock events by reference to their rows
     * (store/outbox_rows.h), which a build from before cannot render: the
     * version it refuses keeps it from journaling such a line as an event. */
    "INSERT OR REPLACE INTO store_meta(key, value) VALUES ('outbox_rows', 'clock_event');",
    /* 11: the digests' migration again, so that it stays the last one */
    DIGEST_DDL_TK,
    /* 12: a guard's clock events in time order, for armms-timelog, kept in
     * a table ingest fills once a batch, in its own order (tk/ingest.h),
     * instead of an index SQLite updates at every insert: the batch's
     * entries go in sorted, each page of it read and written once, not
     * once per guard the batch holds (ingest of a million events ~2 s
     * faster). Built from the rows a store already has. */
    "CREATE TABLE clock_event_guard(guard_id TEXT NOT NULL, ts TEXT NOT NULL,"
    " ce INTEGER NOT NULL, PRIMARY KEY (guard_id, ts, ce)) STRICT, WITHOUT ROWID;"
    "INSERT INTO clock_event_guard(guard_id, ts, ce) SELECT guard_id, ts, rowid"
    " FROM clock_event ORDER BY guard_id, ts, rowid;"
    "DROP INDEX clock_event_guard_ts;",
    /* 13: the digests' migration again, so that it stays the last one */
    DIGEST_DDL_TK,
    /* 14: SQLite (3.40) checks `x IN ('A','B','C')`, three values or
     * more, by building a temporary B-tree of the values at every row a
     * statement writes: opening and closing it was an eighth of
     * armms-timelog's time at 100,000 guards. The same constraints as
     * `x = 'A' OR x = 'B' OR ...` (the same rows pass: a NULL is neither
     * refused by one nor by the other) cost two comparisons. The rows
     * the timekeeping chain writes once a guard are in tables rebuilt
     * with them, their rows (and rowids) copied as they are. */
    "CREATE TABLE time_log_new(guard_id TEXT NOT NULL, ts TEXT NOT NULL,"
    " time_log_id TEXT NOT NULL,"
    " source TEXT NOT NULL CHECK (source IN ('device','adjustment')),"
    " type TEXT NOT NULL CHECK (type IN ('IN','OUT')), detachment_id TEXT, shift_id TEXT,"
    " shift_date TEXT, work_date TEXT NOT NULL, status TEXT NOT NULL"
    " CHECK (status = 'VALID' OR status = 'INVALID' OR status = 'DUPLICATE'),"
    " anomalies TEXT NOT NULL, open INTEGER NOT NULL, device_detachment_id TEXT,"
    " relieves_guard_id TEXT, adjustment_id TEXT, PRIMARY KEY (guard_id, ts, time_log_id))"
    " STRICT, WITHOUT ROWID;"
    "INSERT INTO time_log_new SELECT * FROM time_log ORDER BY guard_id, ts, time_log_id;"
    "DROP TABLE time_log;"
    "ALTER TABLE time_log_new RENAME TO time_log;"
    "CREATE INDEX time_log_open ON time_log(work_date) WHERE open = 1;"
    "CREATE TABLE dtr_new(guard_id TEXT NOT NULL, date TEXT NOT NULL, shift_id TEXT NOT NULL,"
    " detachment_id TEXT NOT NULL, time_in TEXT, time_out TEXT, day_type TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status = 'COMPLETE' OR status = 'INCOMPLETE'"
    " OR status = 'ABSENT' OR status = 'LEAVE'),"
    " anomalies TEXT NOT NULL, worked INTEGER NOT NULL, regular INTEGER NOT NULL,"
    " ot INTEGER NOT NULL, nd INTEGER NOT NULL, nd_ot INTEGER NOT NULL, late INTEGER NOT NULL,"
    " undertime INTEGER NOT NULL, buckets TEXT NOT NULL, relieves_guard_id TEXT,"
    " relieved_by TEXT, leave_code TEXT, leave_name TEXT, leave_paid INTEGER,"
    " CHECK ((status = 'LEAVE') = (leave_code IS NOT NULL)),"
    " PRIMARY KEY (guard_id, date, shift_id, detachment_id)) STRICT, WITHOUT ROWID;"
    "INSERT INTO dtr_new SELECT * FROM dtr ORDER BY guard_id, date, shift_id, detachment_id;"
    "DROP TABLE dtr;"
    "ALTER TABLE dtr_new RENAME TO dtr;"
    "CREATE TABLE timesheet_new(timesheet_id TEXT NOT NULL, version INTEGER NOT NULL,"
    " guard_id TEXT NOT NULL, detachment_id TEXT NOT NULL, shift_id TEXT NOT NULL,"
    " period_id TEXT NOT NULL, status TEXT NOT NULL"
    " CHECK (status = 'DRAFT' OR status = 'FINALIZED' OR status = 'ADJUSTED'),"
    " record TEXT NOT NULL, checksum TEXT, minutes TEXT NOT NULL,"
    " PRIMARY KEY (timesheet_id, version)) STRICT;"
    "INSERT INTO timesheet_new(rowid, timesheet_id, version, guard_id, detachment_id, shift_id,"
    " period_id, status, record, checksum, minutes) SELECT rowid, timesheet_id, version,"
    " guard_id, detachment_id, shift_id, period_id, status, record, checksum, minutes"
    " FROM timesheet ORDER BY rowid;"
    "DROP TABLE timesheet;"
    "ALTER TABLE timesheet_new RENAME TO timesheet;"
    "CREATE INDEX timesheet_guard ON timesheet(guard_id, period_id);"
    "CREATE INDEX timesheet_period ON timesheet(period_id, status);"
    "CREATE TABLE stale_new(stage TEXT NOT NULL"
    " CHECK (stage = 'timelog' OR stage = 'dtr' OR stage = 'timesheet'),"
    " guard_id TEXT NOT NULL, date_from TEXT NOT NULL, date_to TEXT NOT NULL,"
    " reason TEXT NOT NULL, marked_at TEXT NOT NULL, CHECK (date_from <= date_to)) STRICT;"
    "INSERT INTO stale_new(rowid, stage, guard_id, date_from, date_to, reason, marked_at)"
    " SELECT rowid, stage, guard_id, date_from, date_to, reason, marked_at FROM stale"
    " ORDER BY rowid;"
    "DROP TABLE stale;"
    "ALTER TABLE stale_new RENAME TO stale;"
    "CREATE INDEX stale_guard ON stale(stage, guard_id, date_from);",
    /* 15: the digests' migration again, so that it stays the last one */
    DIGEST_DDL_TK,
    /* 16: clock_event_guard is filed up to a mark, not at every batch:
     * filing a batch rewrote every page of it (a batch holds most guards),
     * a fifth of ingest's time; ingest now files once a run (and at each
     * pause, and every million rows), armms-timelog files what is left
     * before it reads, and a reader takes the rows past the mark from
     * clock_event itself (tk/ingest.h, tk_file_guards). Every row a store
     * has is filed already (by batch until now, or by migration 12), also
     * when a store's version was set back and this runs again. */
    "CREATE TABLE IF NOT EXISTS clock_event_filed(upto INTEGER NOT NULL) STRICT;"
    "DELETE FROM clock_event_filed;"
    "INSERT INTO clock_event_filed SELECT coalesce(max(rowid), 0) FROM clock_event;",
    /* 17: the digests' migration again, so that it stays the last one */
    DIGEST_DDL_TK,
};

static const char *const pay_migrations[] = {
    OUTBOX_DDL
    "CREATE TABLE rate(rate_id TEXT PRIMARY KEY, detachment_id TEXT NOT NULL,"
    " shift_id TEXT NOT NULL, position_id TEXT NOT NULL, daily_rate INTEGER NOT NULL"
    " CHECK (daily_rate > 0), valid_from TEXT NOT NULL, valid_to TEXT) STRICT;"
    "CREATE INDEX rate_key ON rate(detachment_id, shift_id, position_id, valid_from);"
    "CREATE TABLE holiday(date TEXT NOT NULL, region TEXT NOT NULL DEFAULT '',"
    " name TEXT NOT NULL, kind TEXT NOT NULL"
    " CHECK (kind IN ('regular','special','special_working')),"
    " PRIMARY KEY (date, region)) STRICT;"
    "CREATE TABLE period(period_id TEXT PRIMARY KEY, from_date TEXT NOT NULL,"
    " to_date TEXT NOT NULL, pay_date TEXT, status TEXT NOT NULL DEFAULT 'OPEN') STRICT;"
    "CREATE TABLE obligation(obligation_id TEXT PRIMARY KEY, guard_id TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('loan','deduction','allowance','reward')),"
    " code TEXT NOT NULL, label TEXT NOT NULL, principal INTEGER,"
    " installment INTEGER NOT NULL CHECK (installment > 0), installments INTEGER,"
    " start_period TEXT NOT NULL, frequency TEXT NOT NULL, taxable INTEGER NOT NULL,"
    " status TEXT NOT NULL) STRICT;"
    "CREATE TABLE obligation_schedule(obligation_id TEXT NOT NULL"
    " REFERENCES obligation(obligation_id) ON DELETE CASCADE, seq INTEGER NOT NULL,"
    " period_id TEXT NOT NULL, amount INTEGER NOT NULL, status TEXT NOT NULL,"
    " PRIMARY KEY (obligation_id, seq)) STRICT;"
    "CREATE INDEX obligation_schedule_period ON obligation_schedule(period_id);",
    /* 2: change requests and the audit trail */
    CHANGE_DDL,
    /* 3: the payroll engine (see lib/pay/README).
     * - obligations gain kind 'statutory' (a contribution is an obligation
     *   per guard per month) and their installments the statuses of a
     *   schedule that waivers move amounts between: DUE, APPLIED, WAIVED,
     *   DEFERRED (a row is never deleted once applied or waived; the amount
     *   still owed, DUE plus APPLIED, is what a waiver conserves). The
     *   tables are rebuilt schedule first, so ON DELETE CASCADE never fires.
     * - premium, pay_policy, minimum_wage, deduction_priority: the
     *   effective-dated rules payroll prices and deducts by (md kinds,
     *   shipped defaults loaded by armms-init; a tenant imports its own).
     * - inbox: each TimesheetFinalized/TimesheetAdjusted snapshot once.
     * - paysheet, payrun, paysheet_hold, waiver: the period's pay. */
    "CREATE TABLE obligation_schedule_old AS SELECT * FROM obligation_schedule;"
    "DROP TABLE obligation_schedule;"
    "CREATE TABLE obligation_new(obligation_id TEXT PRIMARY KEY, guard_id TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('loan','deduction','allowance','reward','statutory')),"
    " code TEXT NOT NULL, label TEXT NOT NULL, principal INTEGER,"
    " installment INTEGER NOT NULL CHECK (installment > 0), installments INTEGER,"
    " start_period TEXT NOT NULL, frequency TEXT NOT NULL, taxable INTEGER NOT NULL,"
    " status TEXT NOT NULL) STRICT;"
    "INSERT INTO obligation_new SELECT * FROM obligation;"
    "DROP TABLE obligation;"
    "ALTER TABLE obligation_new RENAME TO obligation;"
    "CREATE INDEX obligation_guard ON obligation(guard_id);"
    "CREATE TABLE obligation_schedule(obligation_id TEXT NOT NULL"
    " REFERENCES obligation(obligation_id) ON DELETE CASCADE, seq INTEGER NOT NULL,"
    " period_id TEXT NOT NULL, amount INTEGER NOT NULL, employer_share INTEGER NOT NULL DEFAULT 0,"
    " status TEXT NOT NULL CHECK (status IN ('DUE','APPLIED','WAIVED','DEFERRED')),"
    " waiver_id TEXT, moved_from INTEGER, PRIMARY KEY (obligation_id, seq)) STRICT;"
    "INSERT INTO obligation_schedule(obligation_id, seq, period_id, amount, status)"
    " SELECT obligation_id, seq, period_id, amount,"
    " CASE status WHEN 'SCHEDULED' THEN 'DUE' ELSE status END FROM obligation_schedule_old;"
    "DROP TABLE obligation_schedule_old;"
    "CREATE INDEX obligation_schedule_period ON obligation_schedule(period_id);"
    "CREATE TABLE premium(premium_id TEXT PRIMARY KEY, day_type TEXT NOT NULL, code TEXT NOT NULL,"
    " label TEXT NOT NULL, regular_bp INTEGER NOT NULL CHECK (regular_bp >= 0),"
    " ot_bp INTEGER NOT NULL CHECK (ot_bp >= 0), nd_bp INTEGER NOT NULL CHECK (nd_bp >= 0),"
    " unworked_bp INTEGER NOT NULL DEFAULT 0 CHECK (unworked_bp >= 0),"
    " valid_from TEXT NOT NULL, valid_to TEXT, source TEXT NOT NULL) STRICT;"
    "CREATE INDEX premium_key ON premium(day_type, valid_from);"
    "CREATE TABLE pay_policy(policy_id TEXT PRIMARY KEY, key TEXT NOT NULL, value TEXT NOT NULL,"
    " valid_from TEXT NOT NULL, valid_to TEXT, source TEXT NOT NULL) STRICT;"
    "CREATE INDEX pay_policy_key ON pay_policy(key, valid_from);"
    "CREATE TABLE minimum_wage(wage_id TEXT PRIMARY KEY, region TEXT NOT NULL,"
    " daily_rate INTEGER NOT NULL CHECK (daily_rate > 0), valid_from TEXT NOT NULL,"
    " valid_to TEXT, source TEXT NOT NULL) STRICT;"
    "CREATE INDEX minimum_wage_key ON minimum_wage(region, valid_from);"
    "CREATE TABLE deduction_priority(priority_id TEXT PRIMARY KEY, code TEXT NOT NULL,"
    " rank INTEGER NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT, source TEXT NOT NULL) "
    "STRICT;"
    "CREATE INDEX deduction_priority_key ON deduction_priority(code, valid_from);"
    "CREATE TABLE inbox(timesheet_id TEXT NOT NULL, version INTEGER NOT NULL,"
    " checksum TEXT NOT NULL, guard_id TEXT NOT NULL, period_id TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('FINALIZED','ADJUSTED')), record TEXT NOT NULL,"
    " journal_seq INTEGER, received_at TEXT NOT NULL, PRIMARY KEY (timesheet_id, version)) STRICT;"
    "CREATE INDEX inbox_guard ON inbox(guard_id, period_id);"
    "CREATE INDEX inbox_period ON inbox(period_id);"
    "CREATE TABLE paysheet(paysheet_id TEXT PRIMARY KEY, guard_id TEXT NOT NULL,"
    " period_id TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL"
    " CHECK (status IN ('COMPUTED','APPROVED','REJECTED','PAID')),"
    " gross INTEGER NOT NULL, net INTEGER, record TEXT NOT NULL, digest TEXT NOT NULL,"
    " computed_at TEXT NOT NULL) STRICT;"
    "CREATE INDEX paysheet_period ON paysheet(period_id, guard_id);"
    "CREATE INDEX paysheet_guard ON paysheet(guard_id, period_id);"
    "CREATE TABLE payrun(period_id TEXT PRIMARY KEY, status TEXT NOT NULL"
    " CHECK (status IN ('OPEN','COMPUTED','APPROVED','CLOSED')), opened_by TEXT NOT NULL,"
    " opened_at TEXT NOT NULL, computed_at TEXT, approved_by TEXT, approved_at TEXT,"
    " closed_by TEXT, closed_at TEXT, request_id TEXT, totals TEXT) STRICT;"
    "CREATE TABLE paysheet_hold(hold_id TEXT PRIMARY KEY, paysheet_id TEXT NOT NULL,"
    " item TEXT, owner_role TEXT NOT NULL, reason TEXT NOT NULL, request_id TEXT,"
    " status TEXT NOT NULL CHECK (status IN ('OPEN','RESOLVED')), created_by TEXT NOT NULL,"
    " created_at TEXT NOT NULL, resolved_by TEXT, resolved_at TEXT) STRICT;"
    "CREATE INDEX paysheet_hold_open ON paysheet_hold(paysheet_id) WHERE status = 'OPEN';"
    "CREATE TABLE waiver(waiver_id TEXT PRIMARY KEY, obligation_id TEXT NOT NULL,"
    " period_id TEXT NOT NULL, amount INTEGER NOT NULL, employer_share INTEGER NOT NULL DEFAULT 0,"
    " reason TEXT NOT NULL, policy TEXT NOT NULL CHECK (policy IN ('carry','respread','move')),"
    " installments INTEGER, to_period TEXT, request_id TEXT, actor TEXT NOT NULL,"
    " created_at TEXT NOT NULL) STRICT;"
    "CREATE INDEX waiver_obligation ON waiver(obligation_id, period_id);",
    /* 4: the statutory tables (md kinds contribution and tax, see
     * pay/rules.h), effective-dated per bracket: a bracket is the row
     * whose base_from is the greatest at or below the base, among the rows
     * of its scheme (or tax frequency) in force on the date.
     * - contribution: credit is the SSS monthly salary credit, or the
     *   PhilHealth/Pag-IBIG base after its floor or cap (NULL: the base
     *   itself); ee_bp/er_bp the shares of the credit; ec the SSS
     *   Employees' Compensation (employer only); the credit above
     *   mpf_above is the SSS Mandatory Provident Fund part; split 'halves'
     *   computes one premium at ee_bp + er_bp and gives the employee the
     *   half rounded down (PhilHealth).
     * - tax: fixed + rate_bp of the excess of the taxable compensation
     *   over base_from. */
    "CREATE TABLE contribution(contribution_id TEXT PRIMARY KEY,"
    " scheme TEXT NOT NULL CHECK (scheme IN ('sss','philhealth','hdmf')),"
    " base_from INTEGER NOT NULL CHECK (base_from >= 0),"
    " credit INTEGER CHECK (credit IS NULL OR credit > 0),"
    " ee_bp INTEGER NOT NULL CHECK (ee_bp BETWEEN 0 AND 10000),"
    " er_bp INTEGER NOT NULL CHECK (er_bp BETWEEN 0 AND 10000),"
    " ec INTEGER NOT NULL DEFAULT 0 CHECK (ec >= 0),"
    " mpf_above INTEGER CHECK (mpf_above IS NULL OR mpf_above > 0),"
    " split TEXT NOT NULL DEFAULT 'shares' CHECK (split IN ('shares','halves')),"
    " valid_from TEXT NOT NULL, valid_to TEXT, source TEXT NOT NULL) STRICT;"
    "CREATE INDEX contribution_key ON contribution(scheme, base_from, valid_from);"
    "CREATE TABLE tax(tax_id TEXT PRIMARY KEY, frequency TEXT NOT NULL"
    " CHECK (frequency IN ('semi_monthly','monthly')),"
    " base_from INTEGER NOT NULL CHECK (base_from >= 0), fixed INTEGER NOT NULL CHECK (fixed >= "
    "0),"
    " rate_bp INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),"
    " valid_from TEXT NOT NULL, valid_to TEXT, source TEXT NOT NULL) STRICT;"
    "CREATE INDEX tax_key ON tax(frequency, base_from, valid_from);",
    /* 5: the digest of the gross a paysheet row was last priced at, so
     * pricing an unchanged period again leaves its net row alone. */
    "ALTER TABLE paysheet ADD COLUMN gross_digest TEXT;",
    /* 6: runs that pay no period of work (pay/period.h): a period is
     * 'regular' (YYYY-MM-A/B), 'thirteenth' (YYYY-13M, PD 851) or 'final'
     * (FINAL-YYYY-MM-DD, the final pay of the guards separated that day). */
    "ALTER TABLE period ADD COLUMN kind TEXT NOT NULL DEFAULT 'regular'"
    " CHECK (kind IN ('regular','thirteenth','final'));",
    /* 7: the payrun archives (out/archive.h): one row per distinct .tar.gz
     * of a period, numbered 1, 2, ... by seq; the same bytes again are
     * the same row (the primary key), never a second one. */
    "CREATE TABLE payrun_archive(period_id TEXT NOT NULL, seq INTEGER NOT NULL CHECK (seq > 0),"
    " sha256 TEXT NOT NULL, file_name TEXT NOT NULL, size INTEGER NOT NULL CHECK (size > 0),"
    " manifest_sha256 TEXT NOT NULL, files INTEGER NOT NULL, paysheets INTEGER NOT NULL,"
    " archived_by TEXT NOT NULL, archived_at TEXT NOT NULL, PRIMARY KEY (period_id, sha256),"
    " UNIQUE (period_id, seq)) STRICT;",
    /* 8: the audit rows' login and service (AUDIT_LOGIN_DDL) */
    AUDIT_LOGIN_DDL,
    /* 9: the running digests of the audited tables (DIGEST_DDL above) */
    DIGEST_DDL_PAY,
    /* 10: what pricing reads of a snapshot, taken out of its record once
     * when it lands (lib/pay/pay_int.h): its detachment, shift and
     * position, and its day lines packed. Derived from the record; the
     * rows already there keep NULL and are read from their records. */
    "ALTER TABLE inbox ADD COLUMN detachment_id TEXT;"
    "ALTER TABLE inbox ADD COLUMN shift_id TEXT;"
    "ALTER TABLE inbox ADD COLUMN position_id TEXT;"
    "ALTER TABLE inbox ADD COLUMN lines TEXT;",
    /* 11: the digests' migration again */
    DIGEST_DDL_PAY,
    /* 12: what netting reads of a paysheet, written beside its record by
     * the builder that wrote it (lib/pay/pay_int.h): its lines' kinds and
     * figures and its sources, packed. Derived from the record; a row
     * without them (NULL) is read from its record. */
    "ALTER TABLE paysheet ADD COLUMN facts TEXT;",
    /* 13: the digests' migration again, so that it stays the last one */
    DIGEST_DDL_PAY,
};

static const char *const iam_migrations[] = {
    OUTBOX_DDL
    "CREATE TABLE user(user_id TEXT PRIMARY KEY, name TEXT NOT NULL, roles TEXT NOT NULL,"
    " status TEXT NOT NULL) STRICT;",
    /* 2: roles, scopes, routes; change requests and the audit trail. A
     * role's `scopes` and a user's `roles` are the lists armms-import reads
     * and writes; triggers keep the link tables (what rbac.c queries) equal
     * to them. The defaults below are documented in armms(7); a tenant edits
     * them with armms-import role and armms-import route. */
    CHANGE_DDL
    "CREATE TABLE scope(scope_id TEXT PRIMARY KEY, description TEXT NOT NULL,"
    " routable INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE TABLE role(role_id TEXT PRIMARY KEY, name TEXT NOT NULL, scopes TEXT NOT NULL) STRICT;"
    "CREATE TABLE role_scope(role_id TEXT NOT NULL, scope_id TEXT NOT NULL,"
    " PRIMARY KEY (role_id, scope_id)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE user_role(user_id TEXT NOT NULL, role_id TEXT NOT NULL,"
    " PRIMARY KEY (user_id, role_id)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX user_role_role ON user_role(role_id);"
    "CREATE TABLE route(action TEXT PRIMARY KEY, requester_role TEXT, verifier_role TEXT,"
    " approver_role TEXT, CHECK (verifier_role IS NULL OR approver_role IS NOT NULL)) STRICT;"
    "CREATE TRIGGER role_scopes_ins AFTER INSERT ON role BEGIN"
    " INSERT INTO role_scope SELECT NEW.role_id, value FROM json_each("
    "  '[\"' || replace(NEW.scopes, ',', '\",\"') || '\"]'); END;"
    "CREATE TRIGGER role_scopes_upd AFTER UPDATE OF scopes ON role BEGIN"
    " DELETE FROM role_scope WHERE role_id = OLD.role_id;"
    " INSERT INTO role_scope SELECT NEW.role_id, value FROM json_each("
    "  '[\"' || replace(NEW.scopes, ',', '\",\"') || '\"]'); END;"
    "CREATE TRIGGER user_roles_ins AFTER INSERT ON user BEGIN"
    " INSERT INTO user_role SELECT NEW.user_id, value FROM json_each("
    "  '[\"' || replace(NEW.roles, ',', '\",\"') || '\"]'); END;"
    "CREATE TRIGGER user_roles_upd AFTER UPDATE OF roles ON user BEGIN"
    " DELETE FROM user_role WHERE user_id = OLD.user_id;"
    " INSERT INTO user_role SELECT NEW.user_id, value FROM json_each("
    "  '[\"' || replace(NEW.roles, ',', '\",\"') || '\"]'); END;"
    "INSERT INTO user_role SELECT user_id, value FROM user, json_each("
    " '[\"' || replace(roles, ',', '\",\"') || '\"]');"
    "INSERT INTO scope VALUES"
    " ('tenant.admin', 'migrate the tenant (armms-init) and seal the journal', 0),"
    " ('user.update', 'add or change users and their roles', 1),"
    " ('role.update', 'add or change roles and their scopes', 1),"
    " ('route.update', 'change approval routes', 1),"
    " ('position.update', 'positions', 1),"
    " ('detachment.update', 'detachments (client sites)', 1),"
    " ('shift.update', 'shifts', 1),"
    " ('guard.update', 'guards', 1),"
    " ('assignment.update', 'assignments and reliever assignments', 1),"
    " ('rate.update', 'rate cards', 1),"
    " ('holiday.update', 'the holiday calendar', 1),"
    " ('period.update', 'pay periods', 1),"
    " ('obligation.update', 'loans, deductions, allowances and rewards', 1),"
    " ('clock.ingest', 'record clock events', 0),"
    " ('timekeeping.run', 'recompute time logs, DTRs and timesheets', 0),"
    " ('timelog.adjust', 'add, void or move punches', 1),"
    " ('timesheet.read', 'read timesheets and what blocks them', 0),"
    " ('timesheet.finalize', 'finalize timesheets', 1),"
    " ('journal.read', 'read the journal and the audit trail', 0),"
    " ('approval.read', 'list and show change requests', 0),"
    " ('payrun.run', 'compute paysheets', 0),"
    " ('payrun.close', 'close a payrun', 1),"
    " ('paysheet.read', 'read paysheets', 0),"
    " ('paysheet.reject', 'reject a paysheet or items of it', 1),"
    " ('obligation.waive', 'waive or defer an obligation instance', 1);"
    "INSERT INTO role VALUES"
    " ('admin', 'Tenant administrator', '*'),"
    " ('ops', 'Operations', 'approval.read,assignment.update,clock.ingest,timekeeping.run,"
    "timesheet.read'),"
    " ('timekeeper', 'Timekeeper', 'approval.read,clock.ingest,timekeeping.run,timelog.adjust,"
    "timesheet.finalize,timesheet.read'),"
    " ('hr_officer', 'HR officer', 'approval.read,detachment.update,guard.update,holiday.update,"
    "position.update,shift.update,timesheet.read'),"
    " ('payroll_officer', 'Payroll officer', 'approval.read,obligation.update,obligation.waive,"
    "paysheet.read,payrun.close,payrun.run,period.update,timesheet.read'),"
    " ('controller', 'Controller', 'approval.read,journal.read,paysheet.read,timesheet.read'),"
    " ('hr_manager', 'HR manager', 'approval.read,journal.read,paysheet.read,paysheet.reject,"
    "timesheet.read'),"
    " ('finance_officer', 'Finance officer', 'approval.read,paysheet.read,rate.update');"
    "INSERT INTO route VALUES"
    " ('user.update', 'admin', NULL, NULL),"
    " ('role.update', 'admin', NULL, NULL),"
    " ('route.update', 'admin', NULL, NULL),"
    " ('position.update', 'hr_officer', NULL, NULL),"
    " ('detachment.update', 'hr_officer', NULL, NULL),"
    " ('shift.update', 'hr_officer', NULL, NULL),"
    " ('guard.update', 'hr_officer', NULL, NULL),"
    " ('holiday.update', 'hr_officer', NULL, NULL),"
    " ('assignment.update', 'ops', NULL, NULL),"
    " ('rate.update', 'finance_officer', 'controller', 'hr_manager'),"
    " ('period.update', 'payroll_officer', NULL, NULL),"
    " ('obligation.update', 'payroll_officer', NULL, NULL),"
    " ('timelog.adjust', 'timekeeper', NULL, NULL),"
    " ('timesheet.finalize', 'timekeeper', NULL, 'hr_manager'),"
    " ('obligation.waive', 'payroll_officer', 'controller', 'hr_manager'),"
    " ('payrun.close', 'payroll_officer', 'controller', 'hr_manager'),"
    " ('paysheet.reject', 'controller', NULL, 'hr_manager');",
    /* 3: the payroll rules as master data (pay/rules.h). A change to a
     * statutory table, a premium, a minimum wage, the pay policy or the
     * deduction priority is a payroll officer's request, verified by the
     * controller and approved by the HR manager; armms-init loads the
     * shipped defaults itself, insert-only. */
    "INSERT INTO scope VALUES"
    " ('premium.update', 'premium pay of each day type', 1),"
    " ('pay_policy.update', 'the tenant pay policy', 1),"
    " ('minimum_wage.update', 'regional minimum wages', 1),"
    " ('deduction_priority.update', 'the order deductions are taken in', 1),"
    " ('contribution.update', 'SSS, PhilHealth and Pag-IBIG schedules', 1),"
    " ('tax.update', 'the withholding tax table', 1);"
    "INSERT INTO route VALUES"
    " ('premium.update', 'payroll_officer', 'controller', 'hr_manager'),"
    " ('pay_policy.update', 'payroll_officer', 'controller', 'hr_manager'),"
    " ('minimum_wage.update', 'payroll_officer', 'controller', 'hr_manager'),"
    " ('deduction_priority.update', 'payroll_officer', 'controller', 'hr_manager'),"
    " ('contribution.update', 'payroll_officer', 'controller', 'hr_manager'),"
    " ('tax.update', 'payroll_officer', 'controller', 'hr_manager');"
    "UPDATE role SET scopes = scopes || ',contribution.update,deduction_priority.update,"
    "minimum_wage.update,pay_policy.update,premium.update,tax.update'"
    " WHERE role_id = 'payroll_officer';",
    /* 4: approving a computed payrun (pay/payrun.h) is the HR manager's:
     * the payroll officer who computed it does not approve it. The
     * controller, who requests a paysheet's rejection on its route, holds
     * that route's scope. */
    "INSERT INTO scope VALUES ('payrun.approve', 'approve the paysheets of a computed payrun', 0);"
    "UPDATE role SET scopes = scopes || ',payrun.approve' WHERE role_id = 'hr_manager';"
    "UPDATE role SET scopes = scopes || ',paysheet.reject' WHERE role_id = 'controller';",
    /* 5: leave and absence. A timekeeper records a guard's leave days
     * (armms-import leave) at once by default - the leave itself was
     * approved on paper before the day; a tenant that wants HR to check
     * them routes leave.record through hr_officer as approver. The leave
     * codes and their yearly days are the HR officer's. */
    "INSERT INTO scope VALUES"
    " ('leave.record', 'record leave and absence days of guards', 1),"
    " ('leave_code.update', 'the leave codes, whether each is paid and its days a year', 1);"
    "INSERT INTO route VALUES"
    " ('leave.record', 'timekeeper', NULL, NULL),"
    " ('leave_code.update', 'hr_officer', NULL, NULL);"
    "UPDATE role SET scopes = scopes || ',leave.record' WHERE role_id = 'timekeeper';"
    "UPDATE role SET scopes = scopes || ',leave_code.update' WHERE role_id = 'hr_officer';",
    /* 6: who a user is on the host (armms-security(7)): the login name that
     * acts as the user in a multi-user installation, and whether the user
     * is a service account (cron, the publisher), which the real user of
     * its login may name with --as; and the audit rows' login and service
     * (AUDIT_LOGIN_DDL). */
    "ALTER TABLE user ADD COLUMN login TEXT;"
    "ALTER TABLE user ADD COLUMN service INTEGER NOT NULL DEFAULT 0 CHECK (service IN (0, 1));"
    "CREATE UNIQUE INDEX user_login ON user(login)"
    " WHERE login IS NOT NULL AND service = 0;" AUDIT_LOGIN_DDL,
    /* 7: roles limited to detachments (rbac.h): the detachments at which a
     * user's roles apply, a comma list as roles are, and the clients at
     * every detachment of whom they apply, joined by ';' (client names
     * hold spaces and commas); both NULL, everywhere. */
    "ALTER TABLE user ADD COLUMN detachments TEXT;"
    "ALTER TABLE user ADD COLUMN clients TEXT;",
    /* 8: the running digests of the audited tables (DIGEST_DDL above) */
    DIGEST_DDL_IAM,
};

static const struct {
    const char *module;
    const char *const *m;
    int n;
} modules[] = {
    {"hr", hr_migrations, sizeof hr_migrations / sizeof *hr_migrations},
    {"tk", tk_migrations, sizeof tk_migrations / sizeof *tk_migrations},
    {"pay", pay_migrations, sizeof pay_migrations / sizeof *pay_migrations},
    {"iam", iam_migrations, sizeof iam_migrations / sizeof *iam_migrations},
};

int schema_latest(const char *module)
{
    for (size_t i = 0; i < sizeof modules / sizeof *modules; i++)
        if (strcmp(modules[i].module, module) == 0)
            return modules[i].n;
    return -1;
}

const char *schema_migration(const char *module, int k)
{
    for (size_t i = 0; i < sizeof modules / sizeof *modules; i++)
        if (strcmp(modules[i].module, module) == 0)
            return k >= 0 && k < modules[i].n ? modules[i].m[k] : NULL;
    return NULL;
}
