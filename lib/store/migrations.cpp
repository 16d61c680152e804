#include "store/migrations.h"

namespace pw::store {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kSteps = {
      // 1: parcels, their events, the exceptions found and the tasks raised.
      {R"sql(
CREATE TABLE parcels (
  id               INTEGER PRIMARY KEY,
  tracking_number  TEXT NOT NULL,
  carrier          TEXT NOT NULL,
  province         TEXT NOT NULL,
  city             TEXT NOT NULL,
  district         TEXT NOT NULL,
  address          TEXT NOT NULL,
  shipped_at       INTEGER NOT NULL,
  promised_by      INTEGER,
  order_value      REAL,
  buyer_id         TEXT,
  phone            TEXT,
  stage            TEXT NOT NULL DEFAULT 'awaiting_pickup',
  carrier_state    TEXT NOT NULL DEFAULT '',
  registered_at    INTEGER NOT NULL,
  last_polled_at   INTEGER,
  last_error       TEXT,
  poll_failures    INTEGER NOT NULL DEFAULT 0,
  UNIQUE (tracking_number, carrier)
);
CREATE INDEX parcels_by_number ON parcels(tracking_number);

-- An event is identified by its content: a re-sent history adds nothing.
CREATE TABLE events (
  id              INTEGER PRIMARY KEY,
  parcel_id       INTEGER NOT NULL REFERENCES parcels(id) ON DELETE CASCADE,
  time            INTEGER NOT NULL,
  local_time      TEXT NOT NULL,
  description     TEXT NOT NULL,
  location        TEXT NOT NULL,
  kind            TEXT NOT NULL,
  carrier_status  TEXT NOT NULL,
  first_seen_at   INTEGER NOT NULL,
  UNIQUE (parcel_id, time, description, location)
);

CREATE TABLE exceptions (
  id           INTEGER PRIMARY KEY,
  parcel_id    INTEGER NOT NULL REFERENCES parcels(id) ON DELETE CASCADE,
  kind         TEXT NOT NULL,
  since        INTEGER NOT NULL,
  threshold    INTEGER NOT NULL,
  elapsed      INTEGER NOT NULL,
  detail       TEXT NOT NULL,
  evidence     TEXT NOT NULL,
  opened_at    INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  resolved_at  INTEGER
);
-- At most one open exception of a kind per parcel: re-polls cannot duplicate it.
CREATE UNIQUE INDEX exceptions_one_open ON exceptions(parcel_id, kind) WHERE resolved_at IS NULL;

CREATE TABLE tasks (
  id            INTEGER PRIMARY KEY,
  exception_id  INTEGER NOT NULL UNIQUE REFERENCES exceptions(id) ON DELETE CASCADE,
  parcel_id     INTEGER NOT NULL REFERENCES parcels(id) ON DELETE CASCADE,
  kind          TEXT NOT NULL,
  remedy        TEXT NOT NULL,
  reason        TEXT NOT NULL,
  message_zh    TEXT NOT NULL,
  message_en    TEXT NOT NULL,
  detail        TEXT NOT NULL,
  state         TEXT NOT NULL DEFAULT 'open',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  alerted_at    INTEGER
);
CREATE INDEX tasks_by_state ON tasks(state, created_at);
CREATE INDEX tasks_unalerted ON tasks(id) WHERE alerted_at IS NULL;
)sql"},
      // 2: what a scan says beyond its kind (who signed, why it failed).
      {R"sql(
ALTER TABLE events ADD COLUMN reason      TEXT NOT NULL DEFAULT 'none';
ALTER TABLE events ADD COLUMN signer_type TEXT NOT NULL DEFAULT 'none';
ALTER TABLE events ADD COLUMN signer      TEXT NOT NULL DEFAULT '';
)sql"},
      // 3: where each scan happened (for misroute and false-signature rules).
      {R"sql(
ALTER TABLE events ADD COLUMN province TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN city     TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN district TEXT NOT NULL DEFAULT '';
)sql"},
      // 4: buyers' "not received" claims (feed false_signed and the buyer's history).
      {R"sql(
CREATE TABLE claims (
  id          INTEGER PRIMARY KEY,
  parcel_id   INTEGER NOT NULL REFERENCES parcels(id) ON DELETE CASCADE,
  buyer_id    TEXT,
  note        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX claims_by_buyer ON claims(buyer_id, created_at);
CREATE INDEX claims_by_parcel ON claims(parcel_id);
)sql"},
      // 5: what an agent did about a task.
      {R"sql(
ALTER TABLE tasks ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
)sql"},
      // 6: the destination's country, for parcels sent abroad.
      {R"sql(
ALTER TABLE parcels ADD COLUMN country TEXT NOT NULL DEFAULT '';
)sql"},
      // 7: whether an exception's raised and resolved lines reached the alert
      // log, so a crash that lost them has them replayed (like task lines).
      // Lines of exceptions from before this step are not replayed.
      {R"sql(
ALTER TABLE exceptions ADD COLUMN raised_alerted_at INTEGER;
ALTER TABLE exceptions ADD COLUMN resolved_alerted_at INTEGER;
UPDATE exceptions SET raised_alerted_at = opened_at, resolved_alerted_at = resolved_at;
CREATE INDEX exceptions_unalerted ON exceptions(id)
  WHERE raised_alerted_at IS NULL OR (resolved_at IS NOT NULL AND resolved_alerted_at IS NULL);
)sql"},
      // 8: one box, a million parcels (see toVersion8).
      {"", &toVersion8},
      // 9: the replay of alert lines reads two small partial indexes (one
      // OR-ed condition is not one SQLite can match to a query).
      {R"sql(
DROP INDEX IF EXISTS exceptions_unalerted;
CREATE INDEX exceptions_raise_unalerted ON exceptions(id) WHERE raised_alerted_at IS NULL;
CREATE INDEX exceptions_resolve_unalerted ON exceptions(resolved_at, id)
  WHERE resolved_alerted_at IS NULL AND resolved_at IS NOT NULL;
)sql"},
      // 10: the notification outbox (issue 13). One row per alert event, written
      // in the transaction that caused it; the payload is the alert-log line, as
      // in the PostgreSQL store's outbox. Writes are BEGIN IMMEDIATE, one writer
      // at a time, so seq order is commit order. AUTOINCREMENT: a seq is never
      // handed out twice, even after the rows below it were pruned.
      // notify_sinks: per sink, every seq <= delivered_through is finished.
      // notify_state: per sink, events above it that are finished, failing
      // (retry state kept across restarts) or parked.
      {R"sql(
CREATE TABLE outbox (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  at       INTEGER NOT NULL,
  event    TEXT NOT NULL,
  payload  TEXT NOT NULL
);
CREATE TABLE notify_sinks (
  name               TEXT PRIMARY KEY,
  delivered_through  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE notify_state (
  sink           TEXT NOT NULL,
  seq            INTEGER NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('done', 'failing', 'parked')),
  failures       INTEGER NOT NULL DEFAULT 0,
  first_failure  INTEGER,
  retry_at       INTEGER,
  error          TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (sink, seq)
) WITHOUT ROWID;
)sql"},
      // 11: slimmer outbox rows (issue 11: the outbox was 43 % of the file, most of it the
      // two rendered messages of every task_raised line, which the task row keeps as a
      // template and facts). `form` says how the payload holds the line (outbox_lines.h):
      // 0 the line (every row from before this step, read as it is), 1 without its "ts" and
      // "event", 2 a task's line rebuilt from the task row that task_id names.
      // A task deleted while lines of it are kept leaves its fields in their payloads first;
      // a parcel's tasks go before the parcel (its cascade would delete them after it, when
      // their tracking number can no longer be read).
      {R"sql(
ALTER TABLE outbox ADD COLUMN form INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN task_id INTEGER;
CREATE INDEX outbox_by_task ON outbox(task_id) WHERE task_id IS NOT NULL;
CREATE TRIGGER tasks_keep_outbox_lines BEFORE DELETE ON tasks BEGIN
  UPDATE outbox SET task_id = NULL, payload = json_set(payload,
      '$.task_id', OLD.id, '$.exception_id', OLD.exception_id,
      '$.tracking_number', (SELECT tracking_number FROM parcels WHERE id = OLD.parcel_id),
      '$.kind', OLD.kind, '$.remedy', OLD.remedy, '$.reason_id', OLD.reason_id,
      '$.detail', OLD.detail, '$.template_id', OLD.template_id, '$.facts', OLD.facts,
      '$.message_zh', OLD.message_zh, '$.message_en', OLD.message_en,
      '$.created_at', OLD.created_at)
    WHERE task_id = OLD.id;
END;
CREATE TRIGGER parcels_keep_outbox_lines BEFORE DELETE ON parcels BEGIN
  DELETE FROM tasks WHERE parcel_id = OLD.id;
END;
)sql"},
      // 12: the events' count is added once per answer by the code that inserts
      // them (store/stored_events.cpp); a trigger per inserted event was a tenth of
      // a first poll's commit. Deletes, rare, keep theirs.
      {R"sql(
DROP TRIGGER IF EXISTS events_counted;
)sql"},
      // 13: an inserted exception, an inserted task and a parcel's new stage are
      // counted by the code that writes them, once per transaction
      // (store/count_deltas.h): their triggers were 13 % of a first poll's commit.
      {R"sql(
DROP TRIGGER IF EXISTS exceptions_counted;
DROP TRIGGER IF EXISTS tasks_counted;
DROP TRIGGER IF EXISTS parcels_recounted;
)sql"},
      // 14: no index of the parcels by next poll. On SQLite the schedule lives in the daemon
      // (made again from the stage and the last poll at start), so nothing reads the parcels
      // in that order while it runs, yet every answer moved its parcel's entry in the index
      // (without it, 4.2 -> 3.65 writes to the log a query in a 300,000-parcel round). The
      // column stays: a move to PostgreSQL takes it along, where the nodes' shared queue
      // claims parcels by it (dueParcels() here reads the table).
      {R"sql(
DROP INDEX IF EXISTS parcels_due;
)sql"},
  };
  return kSteps;
}

}  // namespace pw::store
