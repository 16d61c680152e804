#include "store/postgres/pg_statements.h"

#include "store/postgres/pg_rows.h"

#include <pqxx/pqxx>

#include <string>

namespace pw::pg {

void prepareStatements(pqxx::connection_base& conn) {
  const std::string parcelColumns = kParcelColumns;
  const std::string eventColumns = kEventColumns;

  conn.prepare("pw_lock_parcel",
               "SELECT " + parcelColumns + " FROM parcels p WHERE p.id = $1 FOR UPDATE");
  conn.prepare("pw_events_of", "SELECT id, " + eventColumns +
                                   " FROM events WHERE parcel_id = $1 ORDER BY time, id");
  conn.prepare("pw_delete_events", "DELETE FROM events WHERE id = ANY($1::bigint[])");
  // An event dropped over the cap stays dropped: the carrier re-sends whole histories.
  conn.prepare("pw_insert_event",
               "INSERT INTO events (parcel_id, " + eventColumns +
                   ", first_seen_at) SELECT $1, $2, $3, $4::text, $5::text, $6, $7, $8, $9, $10, "
                   "$11, $12, $13, $14 WHERE NOT EXISTS (SELECT 1 FROM dropped_events d WHERE "
                   "d.parcel_id = $1 AND d.time = $2 AND d.content_hash = "
                   "md5(length($4::text)::text || ':' || $4::text || $5::text)) "
                   "ON CONFLICT DO NOTHING RETURNING id");
  conn.prepare("pw_drop_events",
               "WITH d AS (DELETE FROM events WHERE id = ANY($1::bigint[]) "
               "RETURNING parcel_id, time, content_hash) "
               "INSERT INTO dropped_events SELECT parcel_id, time, content_hash FROM d "
               "ON CONFLICT DO NOTHING");
  conn.prepare("pw_open_exceptions",
               "SELECT kind, id, evidence, since, detail FROM exceptions WHERE parcel_id = $1 AND "
               "resolved_at IS NULL");
  conn.prepare("pw_update_exception",
               "UPDATE exceptions SET elapsed = $2, detail = $3, evidence = $4, updated_at = $5 "
               "WHERE id = $1");
  // The exception and its task in one statement: both or neither.
  conn.prepare("pw_raise",
               "WITH e AS (INSERT INTO exceptions (parcel_id, kind, since, threshold, elapsed, "
               "detail, evidence, opened_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
               "$8) RETURNING id) "
               "INSERT INTO tasks (exception_id, parcel_id, kind, remedy, reason, message_zh, "
               "message_en, detail, created_at, updated_at) "
               "SELECT e.id, $1, $2, $9, $10, $11, $12, $6, $8, $8 FROM e "
               "RETURNING id, exception_id");
  conn.prepare("pw_resolve",
               "WITH r AS (UPDATE exceptions SET resolved_at = $2, updated_at = $2 WHERE id = $1) "
               "UPDATE tasks SET state = 'done', updated_at = $2 WHERE exception_id = $1 AND "
               "state = 'open' RETURNING id");
  // In SET every expression sees the row as it was, so both lease columns test the old holder.
  conn.prepare("pw_finish_parcel",
               "UPDATE parcels SET stage = $2, carrier_state = $3, last_polled_at = $4, "
               "last_error = NULL, poll_failures = 0, "
               "next_poll_at = CASE WHEN $5::boolean THEN NULL "
               "ELSE coalesce($6::bigint, next_poll_at) END, "
               "last_query_at = GREATEST(last_query_at, $7::bigint), "
               "quota_tokens = CASE WHEN $7::bigint IS NULL THEN quota_tokens ELSE $9 END, "
               "quota_at = coalesce($7::bigint, quota_at), "
               "leased_by = CASE WHEN leased_by = $8::text THEN NULL ELSE leased_by END, "
               "lease_until = CASE WHEN leased_by = $8::text THEN NULL ELSE lease_until END "
               "WHERE id = $1");
  conn.prepare("pw_reassessed_parcel",
               "UPDATE parcels SET stage = $2, "
               "next_poll_at = CASE WHEN $3::boolean THEN NULL ELSE next_poll_at END WHERE id = $1 "
               "AND (stage <> $2 OR ($3::boolean AND next_poll_at IS NOT NULL))");
  conn.prepare("pw_poll_failed",
               "UPDATE parcels SET last_polled_at = $2, last_error = $3, "
               "poll_failures = poll_failures + 1, "
               "next_poll_at = CASE WHEN next_poll_at IS NULL THEN NULL "
               "ELSE coalesce($4::bigint, next_poll_at) END, "
               "last_query_at = GREATEST(last_query_at, $5::bigint), "
               "leased_by = CASE WHEN leased_by = $6::text THEN NULL ELSE leased_by END, "
               "lease_until = CASE WHEN leased_by = $6::text THEN NULL ELSE lease_until END "
               "WHERE id = $1");
  conn.prepare("pw_outbox_lock", "SELECT pg_advisory_xact_lock($1)");
  conn.prepare("pw_outbox_insert",
               "INSERT INTO outbox (at, event, payload) VALUES ($1, $2, $3::json)");

  // The queue. Rows another node is claiming or committing are skipped, not waited for; the
  // due time moves to the lease's end, so a dead node's parcels fall due again by themselves.
  conn.prepare("pw_claim",
               "WITH due AS (SELECT id FROM parcels "
               "WHERE next_poll_at <= $2 AND (lease_until IS NULL OR lease_until <= $2) "
               "AND (last_query_at IS NULL OR last_query_at <= $2 - $5::bigint) "
               "ORDER BY next_poll_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) "
               "UPDATE parcels p SET leased_by = $1, lease_until = $2 + $4::bigint, "
               "next_poll_at = $2 + $4::bigint FROM due WHERE p.id = due.id "
               "RETURNING p.id, p.tracking_number, p.carrier, p.stage, p.next_poll_at, "
               "p.last_query_at, p.lease_until, p.quota_tokens, p.quota_at, p.last_polled_at");
  conn.prepare("pw_mark_queried",
               "UPDATE parcels SET last_query_at = GREATEST(last_query_at, $3) "
               "WHERE id = ANY($2::bigint[]) AND leased_by = $1");
  conn.prepare("pw_release",
               "UPDATE parcels SET leased_by = NULL, lease_until = NULL, "
               "next_poll_at = CASE WHEN next_poll_at IS NULL THEN NULL ELSE $3::bigint END "
               "WHERE id = ANY($2::bigint[]) AND leased_by = $1");
}

}  // namespace pw::pg
