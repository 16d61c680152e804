// Schema 8 (issue 11): a million parcels x 6 events in about a gigabyte, every
// count and control query answered from an index, the due queue on disk.
#include "store/migrations.h"

#include <SQLiteCpp/SQLiteCpp.h>

namespace pw::store {

namespace {

constexpr const char* kDictionaries = R"sql(
-- Short texts that recur (kinds, places, signers, reasons, message
-- templates), stored once and referred to by a small integer.
CREATE TABLE dict (
  id    INTEGER PRIMARY KEY,
  text  TEXT NOT NULL UNIQUE
);
-- Event descriptions, stored once however many parcels' scans say the same;
-- the id is the text's 64-bit content hash (pw_hash), so no second index.
CREATE TABLE texts (
  id    INTEGER PRIMARY KEY,
  text  TEXT NOT NULL
);
INSERT OR IGNORE INTO dict (text) SELECT DISTINCT location FROM events;
INSERT OR IGNORE INTO dict (text) SELECT DISTINCT kind FROM events;
INSERT OR IGNORE INTO dict (text) SELECT DISTINCT carrier_status FROM events;
INSERT OR IGNORE INTO dict (text) SELECT DISTINCT reason FROM events;
INSERT OR IGNORE INTO dict (text) SELECT DISTINCT signer_type FROM events;
INSERT OR IGNORE INTO dict (text) SELECT DISTINCT signer FROM events;
INSERT OR IGNORE INTO dict (text) SELECT DISTINCT province FROM events;
INSERT OR IGNORE INTO dict (text) SELECT DISTINCT city FROM events;
INSERT OR IGNORE INTO dict (text) SELECT DISTINCT district FROM events;
INSERT OR IGNORE INTO dict (text) SELECT DISTINCT reason FROM tasks;
INSERT OR IGNORE INTO texts (id, text) SELECT pw_hash(description), description FROM events;
)sql";

constexpr const char* kEvents = R"sql(
-- An event is identified by (parcel, time, description's hash, location): a
-- re-sent history adds nothing, and the index is a fifth of one that held
-- the text. local_time is NULL when it is `time` in UTC+8 as carriers write
-- it; description is NULL unless another text holds its hash in `texts`.
CREATE TABLE events_v7 (
  id              INTEGER PRIMARY KEY,
  parcel_id       INTEGER NOT NULL REFERENCES parcels(id) ON DELETE CASCADE,
  time            INTEGER NOT NULL,
  text_id         INTEGER NOT NULL,
  location_id     INTEGER NOT NULL,
  local_time      TEXT,
  kind_id         INTEGER NOT NULL,
  status_id       INTEGER NOT NULL,
  reason_id       INTEGER NOT NULL,
  signer_type_id  INTEGER NOT NULL,
  signer_id       INTEGER NOT NULL,
  province_id     INTEGER NOT NULL,
  city_id         INTEGER NOT NULL,
  district_id     INTEGER NOT NULL,
  first_seen_at   INTEGER NOT NULL,
  description     TEXT
);
INSERT OR IGNORE INTO events_v7
SELECT e.id, e.parcel_id, e.time, pw_hash(e.description),
       (SELECT id FROM dict WHERE text = e.location),
       NULLIF(e.local_time, strftime('%Y-%m-%d %H:%M:%S', e.time + 28800, 'unixepoch')),
       (SELECT id FROM dict WHERE text = e.kind),
       (SELECT id FROM dict WHERE text = e.carrier_status),
       (SELECT id FROM dict WHERE text = e.reason),
       (SELECT id FROM dict WHERE text = e.signer_type),
       (SELECT id FROM dict WHERE text = e.signer),
       (SELECT id FROM dict WHERE text = e.province),
       (SELECT id FROM dict WHERE text = e.city),
       (SELECT id FROM dict WHERE text = e.district),
       e.first_seen_at,
       CASE WHEN (SELECT text FROM texts WHERE id = pw_hash(e.description)) = e.description
            THEN NULL ELSE e.description END
FROM events e;
DROP TABLE events;
ALTER TABLE events_v7 RENAME TO events;
CREATE UNIQUE INDEX events_identity ON events(parcel_id, time, text_id, location_id);

-- Events the per-parcel cap dropped: a carrier that re-sends the whole
-- history must not bring them back on every poll.
CREATE TABLE dropped_events (
  parcel_id    INTEGER NOT NULL REFERENCES parcels(id) ON DELETE CASCADE,
  time         INTEGER NOT NULL,
  text_id      INTEGER NOT NULL,
  location_id  INTEGER NOT NULL,
  PRIMARY KEY (parcel_id, time, text_id, location_id)
) WITHOUT ROWID;
)sql";

constexpr const char* kExceptionsAndTasks = R"sql(
-- An open exception's evidence is the identities of its events,
-- [[time, text_id], ...]: enough to notice new evidence and to keep those
-- events under the cap. A resolved exception's evidence is never read.
UPDATE exceptions SET evidence = CASE WHEN resolved_at IS NOT NULL THEN '[]' ELSE
  (SELECT json_group_array(json_array(unixepoch(json_extract(value, '$.time')),
                                      pw_hash(json_extract(value, '$.description'))))
   FROM json_each(exceptions.evidence)) END;
CREATE INDEX exceptions_by_parcel ON exceptions(parcel_id);
CREATE INDEX exceptions_open_by_kind ON exceptions(kind, parcel_id) WHERE resolved_at IS NULL;
CREATE INDEX exceptions_open ON exceptions(id) WHERE resolved_at IS NULL;

-- A task's message is its templates (dict) and the facts they name (a JSON
-- array): the text is rendered again when read. message_zh/message_en hold
-- the text only when it cannot be rebuilt (tasks from before version 8).
CREATE TABLE tasks_v7 (
  id            INTEGER PRIMARY KEY,
  exception_id  INTEGER NOT NULL UNIQUE REFERENCES exceptions(id) ON DELETE CASCADE,
  parcel_id     INTEGER NOT NULL REFERENCES parcels(id) ON DELETE CASCADE,
  kind          TEXT NOT NULL,
  remedy        TEXT NOT NULL,
  reason_id     INTEGER NOT NULL,
  template_id   INTEGER,
  facts         TEXT,
  message_zh    TEXT,
  message_en    TEXT,
  detail        TEXT NOT NULL,
  state         TEXT NOT NULL DEFAULT 'open',
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  alerted_at    INTEGER,
  outcome       TEXT NOT NULL DEFAULT ''
);
INSERT INTO tasks_v7
SELECT t.id, t.exception_id, t.parcel_id, t.kind, t.remedy,
       (SELECT id FROM dict WHERE text = t.reason), NULL, NULL, t.message_zh, t.message_en,
       t.detail, t.state, t.created_at, t.updated_at, t.alerted_at, t.outcome
FROM tasks t;
DROP TABLE tasks;
ALTER TABLE tasks_v7 RENAME TO tasks;
-- Pages of tasks by state or kind in id order, read from the index.
CREATE INDEX tasks_by_state ON tasks(state, id);
CREATE INDEX tasks_by_kind ON tasks(kind, id);
CREATE INDEX tasks_by_parcel ON tasks(parcel_id);
CREATE INDEX tasks_unalerted ON tasks(id) WHERE alerted_at IS NULL;
)sql";

constexpr const char* kDueQueue = R"sql(
-- The due queue: when each parcel is next polled (NULL: not scheduled, e.g.
-- final) and the per-number query quota the scheduler keeps (Kuaidi100:
-- never twice in 30 min, at most 48 in 24 h). The scheduler decides; the
-- store only keeps them. Until the scheduler sets it, a parcel is due one
-- default interval after its last poll.
ALTER TABLE parcels ADD COLUMN next_poll_at  INTEGER;
ALTER TABLE parcels ADD COLUMN last_query_at INTEGER;
ALTER TABLE parcels ADD COLUMN quota_tokens  REAL;
ALTER TABLE parcels ADD COLUMN quota_at      INTEGER;
UPDATE parcels SET next_poll_at = COALESCE(last_polled_at + 3600, registered_at)
  WHERE stage NOT IN ('delivered', 'returned');
CREATE INDEX parcels_due ON parcels(next_poll_at) WHERE next_poll_at IS NOT NULL;
-- UNIQUE (tracking_number, carrier) already finds a number.
DROP INDEX parcels_by_number;
)sql";

constexpr const char* kCounts = R"sql(
-- What status, stats and /metrics report, kept by triggers in the same
-- transactions as the rows they count: reading them scans nothing.
CREATE TABLE counts (
  what  TEXT NOT NULL,
  key   TEXT NOT NULL,
  n     INTEGER NOT NULL,
  PRIMARY KEY (what, key)
) WITHOUT ROWID;
INSERT INTO counts SELECT 'stage', stage, COUNT(*) FROM parcels GROUP BY stage;
INSERT INTO counts SELECT 'open', kind, COUNT(*) FROM exceptions WHERE resolved_at IS NULL
  GROUP BY kind;
INSERT INTO counts SELECT 'task', state, COUNT(*) FROM tasks GROUP BY state;
INSERT INTO counts SELECT 'events', '', COUNT(*) FROM events;

CREATE TRIGGER parcels_counted AFTER INSERT ON parcels BEGIN
  INSERT INTO counts VALUES ('stage', NEW.stage, 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER parcels_uncounted AFTER DELETE ON parcels BEGIN
  UPDATE counts SET n = n - 1 WHERE what = 'stage' AND key = OLD.stage;
END;
CREATE TRIGGER parcels_recounted AFTER UPDATE OF stage ON parcels
WHEN OLD.stage IS NOT NEW.stage BEGIN
  UPDATE counts SET n = n - 1 WHERE what = 'stage' AND key = OLD.stage;
  INSERT INTO counts VALUES ('stage', NEW.stage, 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER events_counted AFTER INSERT ON events BEGIN
  UPDATE counts SET n = n + 1 WHERE what = 'events' AND key = '';
END;
CREATE TRIGGER events_uncounted AFTER DELETE ON events BEGIN
  UPDATE counts SET n = n - 1 WHERE what = 'events' AND key = '';
END;

CREATE TRIGGER exceptions_counted AFTER INSERT ON exceptions
WHEN NEW.resolved_at IS NULL BEGIN
  INSERT INTO counts VALUES ('open', NEW.kind, 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER exceptions_uncounted AFTER DELETE ON exceptions
WHEN OLD.resolved_at IS NULL BEGIN
  UPDATE counts SET n = n - 1 WHERE what = 'open' AND key = OLD.kind;
END;
CREATE TRIGGER exceptions_recounted AFTER UPDATE OF resolved_at, kind ON exceptions BEGIN
  UPDATE counts SET n = n - 1 WHERE what = 'open' AND key = OLD.kind AND OLD.resolved_at IS NULL;
  INSERT INTO counts SELECT 'open', NEW.kind, 1 WHERE NEW.resolved_at IS NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tasks_counted AFTER INSERT ON tasks BEGIN
  INSERT INTO counts VALUES ('task', NEW.state, 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER tasks_uncounted AFTER DELETE ON tasks BEGIN
  UPDATE counts SET n = n - 1 WHERE what = 'task' AND key = OLD.state;
END;
CREATE TRIGGER tasks_recounted AFTER UPDATE OF state ON tasks
WHEN OLD.state IS NOT NEW.state BEGIN
  UPDATE counts SET n = n - 1 WHERE what = 'task' AND key = OLD.state;
  INSERT INTO counts VALUES ('task', NEW.state, 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
)sql";

}  // namespace

void toVersion8(SQLite::Database& db) {
  db.exec(kDictionaries);
  db.exec(kEvents);
  db.exec(kExceptionsAndTasks);
  db.exec(kDueQueue);
  db.exec(kCounts);
}

}  // namespace pw::store
