#include "store/postgres/pg_migrations.h"

#include "common/result.h"
#include "store/postgres/pg_locks.h"

#include <pqxx/pqxx>

#include <string>

namespace pw::pg {

const std::vector<std::string_view>& migrations() {
  // Times are Unix seconds (bigint) as in the SQLite schema: the daemon's clock is the only time
  // source (tests drive it by hand), and a SQLite database copies over without conversion.
  static const std::vector<std::string_view> kSteps = {
      // 1: parcels with their due-queue columns, events, exceptions, tasks, buyers' claims.
      R"sql(
CREATE TABLE parcels (
  id               bigserial PRIMARY KEY,
  tracking_number  text NOT NULL,
  carrier          text NOT NULL,
  province         text NOT NULL,
  city             text NOT NULL,
  district         text NOT NULL,
  address          text NOT NULL,
  country          text NOT NULL DEFAULT '',
  shipped_at       bigint NOT NULL,
  promised_by      bigint,
  order_value      double precision,
  buyer_id         text,
  phone            text,
  stage            text NOT NULL DEFAULT 'awaiting_pickup',
  carrier_state    text NOT NULL DEFAULT '',
  registered_at    bigint NOT NULL,
  last_polled_at   bigint,
  last_error       text,
  poll_failures    integer NOT NULL DEFAULT 0,
  -- The due queue: NULL once the parcel is final. A claim moves it to the lease's end, so a
  -- parcel whose node died is due again when the lease expires.
  next_poll_at     bigint,
  -- When a carrier was last asked about the number (quotas are per number, cluster-wide).
  last_query_at    bigint,
  leased_by        text,
  lease_until      bigint,
  UNIQUE (tracking_number, carrier)
);
CREATE INDEX parcels_due ON parcels (next_poll_at, id) WHERE next_poll_at IS NOT NULL;
CREATE INDEX parcels_leased ON parcels (leased_by) WHERE leased_by IS NOT NULL;

-- An event is identified by its content: a re-sent history adds nothing. The hash keeps the
-- key small (a btree entry cannot hold an arbitrarily long description); the length prefix
-- keeps ("ab", "c") and ("a", "bc") apart.
CREATE TABLE events (
  id              bigserial PRIMARY KEY,
  parcel_id       bigint NOT NULL REFERENCES parcels (id) ON DELETE CASCADE,
  time            bigint NOT NULL,
  local_time      text NOT NULL,
  description     text NOT NULL,
  location        text NOT NULL,
  kind            text NOT NULL,
  carrier_status  text NOT NULL,
  reason          text NOT NULL DEFAULT 'none',
  signer_type     text NOT NULL DEFAULT 'none',
  signer          text NOT NULL DEFAULT '',
  province        text NOT NULL DEFAULT '',
  city            text NOT NULL DEFAULT '',
  district        text NOT NULL DEFAULT '',
  first_seen_at   bigint NOT NULL,
  content_hash    text GENERATED ALWAYS AS
                    (md5(length(description)::text || ':' || description || location)) STORED,
  UNIQUE (parcel_id, time, content_hash)
);

CREATE TABLE exceptions (
  id           bigserial PRIMARY KEY,
  parcel_id    bigint NOT NULL REFERENCES parcels (id) ON DELETE CASCADE,
  kind         text NOT NULL,
  since        bigint NOT NULL,
  threshold    bigint NOT NULL,
  elapsed      bigint NOT NULL,
  detail       text NOT NULL,
  evidence     text NOT NULL,
  opened_at    bigint NOT NULL,
  updated_at   bigint NOT NULL,
  resolved_at  bigint,
  -- When the node's alert log confirmed the exception_raised / exception_resolved line, so a
  -- crash that lost a line has it replayed (tasks.alerted_at does the same for task lines).
  raised_alerted_at    bigint,
  resolved_alerted_at  bigint
);
CREATE INDEX exceptions_unalerted ON exceptions (id)
  WHERE raised_alerted_at IS NULL OR (resolved_at IS NOT NULL AND resolved_alerted_at IS NULL);
-- At most one open exception of a kind per parcel, whichever node commits: the database decides.
CREATE UNIQUE INDEX exceptions_one_open ON exceptions (parcel_id, kind) WHERE resolved_at IS NULL;
CREATE INDEX exceptions_by_parcel ON exceptions (parcel_id);
CREATE INDEX exceptions_open_by_kind ON exceptions (kind, parcel_id) WHERE resolved_at IS NULL;

CREATE TABLE tasks (
  id            bigserial PRIMARY KEY,
  exception_id  bigint NOT NULL UNIQUE REFERENCES exceptions (id) ON DELETE CASCADE,
  parcel_id     bigint NOT NULL REFERENCES parcels (id) ON DELETE CASCADE,
  kind          text NOT NULL,
  remedy        text NOT NULL,
  reason        text NOT NULL,
  message_zh    text NOT NULL,
  message_en    text NOT NULL,
  detail        text NOT NULL,
  state         text NOT NULL DEFAULT 'open',
  outcome       text NOT NULL DEFAULT '',
  created_at    bigint NOT NULL,
  updated_at    bigint NOT NULL,
  alerted_at    bigint
);
CREATE INDEX tasks_by_parcel ON tasks (parcel_id);
CREATE INDEX tasks_by_state ON tasks (state, created_at);
CREATE INDEX tasks_unalerted ON tasks (id) WHERE alerted_at IS NULL;

CREATE TABLE claims (
  id          bigserial PRIMARY KEY,
  parcel_id   bigint NOT NULL REFERENCES parcels (id) ON DELETE CASCADE,
  buyer_id    text,
  note        text NOT NULL,
  created_at  bigint NOT NULL
);
CREATE INDEX claims_by_buyer ON claims (buyer_id, created_at);
CREATE INDEX claims_by_parcel ON claims (parcel_id);
)sql",
      // 2: the cluster: nodes' heartbeats and the outbox of alert events.
      R"sql(
CREATE TABLE nodes (
  name          text PRIMARY KEY,
  started_at    bigint NOT NULL,
  heartbeat_at  bigint NOT NULL
);

-- One row per alert event (the alert-log line), written in the transaction that caused it.
-- Writers take the outbox lock just before inserting and hold it to commit, so sequence order
-- is commit order and a reader that has seen seq N will never see a smaller one appear later.
CREATE TABLE outbox (
  seq      bigserial PRIMARY KEY,
  at       bigint NOT NULL,
  event    text NOT NULL,
  payload  json NOT NULL
);
)sql",
      // 3: counts in O(1). Triggers append signed deltas (appends never wait on each other, a
      // single counter row per key would serialize every node's commits); readers fold the
      // deltas into counter_totals and add up a few dozen rows.
      R"sql(
CREATE TABLE counter_totals (
  key    text PRIMARY KEY,
  value  bigint NOT NULL
);
CREATE TABLE counter_deltas (
  key    text NOT NULL,
  delta  bigint NOT NULL
);

CREATE FUNCTION pw_count(old_key text, new_key text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO counter_deltas (key, delta)
  SELECT k, d FROM (VALUES (old_key, -1), (new_key, 1)) AS v (k, d)
  WHERE k IS NOT NULL AND old_key IS DISTINCT FROM new_key
$$;

CREATE FUNCTION pw_count_parcels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pw_count(CASE WHEN TG_OP <> 'INSERT' THEN 'parcels:' || OLD.stage END,
                   CASE WHEN TG_OP <> 'DELETE' THEN 'parcels:' || NEW.stage END);
  RETURN NULL;
END $$;
CREATE TRIGGER parcels_count AFTER INSERT OR DELETE ON parcels
  FOR EACH ROW EXECUTE FUNCTION pw_count_parcels();
CREATE TRIGGER parcels_count_stage AFTER UPDATE OF stage ON parcels
  FOR EACH ROW WHEN (OLD.stage IS DISTINCT FROM NEW.stage) EXECUTE FUNCTION pw_count_parcels();

CREATE FUNCTION pw_count_exceptions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pw_count(
    CASE WHEN TG_OP <> 'INSERT' AND OLD.resolved_at IS NULL THEN 'open:' || OLD.kind END,
    CASE WHEN TG_OP <> 'DELETE' AND NEW.resolved_at IS NULL THEN 'open:' || NEW.kind END);
  RETURN NULL;
END $$;
CREATE TRIGGER exceptions_count AFTER INSERT OR DELETE ON exceptions
  FOR EACH ROW EXECUTE FUNCTION pw_count_exceptions();
CREATE TRIGGER exceptions_count_open AFTER UPDATE OF resolved_at, kind ON exceptions
  FOR EACH ROW
  WHEN (OLD.resolved_at IS DISTINCT FROM NEW.resolved_at OR OLD.kind IS DISTINCT FROM NEW.kind)
  EXECUTE FUNCTION pw_count_exceptions();

CREATE FUNCTION pw_count_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pw_count(CASE WHEN TG_OP <> 'INSERT' THEN 'tasks:' || OLD.state END,
                   CASE WHEN TG_OP <> 'DELETE' THEN 'tasks:' || NEW.state END);
  RETURN NULL;
END $$;
CREATE TRIGGER tasks_count AFTER INSERT OR DELETE ON tasks
  FOR EACH ROW EXECUTE FUNCTION pw_count_tasks();
CREATE TRIGGER tasks_count_state AFTER UPDATE OF state ON tasks
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION pw_count_tasks();

CREATE FUNCTION pw_count_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pw_count(CASE WHEN TG_OP = 'DELETE' THEN 'events' END,
                   CASE WHEN TG_OP = 'INSERT' THEN 'events' END);
  RETURN NULL;
END $$;
CREATE TRIGGER events_count AFTER INSERT OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION pw_count_events();
)sql",
      // 4: what the SQLite store's schema 8 added to the contract: the per-number query quota's
      // token bucket (the scheduler decides with it), and the identities of events dropped over
      // the per-parcel cap, so that a re-sent history does not bring them back.
      R"sql(
ALTER TABLE parcels ADD COLUMN quota_tokens double precision, ADD COLUMN quota_at bigint;
CREATE TABLE dropped_events (
  parcel_id     bigint NOT NULL REFERENCES parcels (id) ON DELETE CASCADE,
  time          bigint NOT NULL,
  content_hash  text NOT NULL,
  PRIMARY KEY (parcel_id, time, content_hash)
);
)sql",
      // 5: the notification sinks' progress through the outbox (as SQLite's step 10): per sink,
      // every seq <= delivered_through is finished; notify_state holds the events above it that
      // are finished, failing (retry state kept across restarts and nodes) or parked.
      R"sql(
CREATE TABLE notify_sinks (
  name               text PRIMARY KEY,
  delivered_through  bigint NOT NULL
);
CREATE TABLE notify_state (
  sink           text NOT NULL,
  seq            bigint NOT NULL,
  state          text NOT NULL CHECK (state IN ('done', 'failing', 'parked')),
  failures       integer NOT NULL DEFAULT 0,
  first_failure  bigint,
  retry_at       bigint,
  error          text NOT NULL DEFAULT '',
  PRIMARY KEY (sink, seq)
);
CREATE INDEX outbox_by_at ON outbox (at);
)sql",
  };
  return kSteps;
}

int knownSchemaVersion() { return static_cast<int>(migrations().size()); }

void migrate(pqxx::connection_base& conn) {
  pqxx::work tx(conn, "migrate");
  tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
      "applied_at timestamptz NOT NULL DEFAULT now())");
  int version = tx.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int>();
  const auto& steps = migrations();
  if (version > knownSchemaVersion())
    throw ErrorException(makeError(ErrorCode::io, "schema version " + std::to_string(version) +
                                                      " is newer than this parcelwatchd knows (" +
                                                      std::to_string(knownSchemaVersion()) + ")"));
  for (auto i = static_cast<std::size_t>(version); i < steps.size(); ++i) {
    tx.exec0(std::string(steps[i]));
    tx.exec_params0("INSERT INTO schema_migrations (version) VALUES ($1)", static_cast<int>(i + 1));
  }
  tx.commit();
}

}  // namespace pw::pg
