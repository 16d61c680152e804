#include "store/open_store.h"

#include "store/sqlite_store.h"
#ifdef PW_HAVE_POSTGRES
#include "store/postgres/pg_store.h"
#endif

namespace pw {

Result<std::unique_ptr<Store>> openStore(const Config& config, const StoreOptions& options) {
  if (config.store.backend == "postgres") {
#ifdef PW_HAVE_POSTGRES
    auto pg = PostgresStore::open(config.store.postgres_conninfo, options);
    if (!pg) return pg.error();
    return std::unique_ptr<Store>(std::move(*pg));
#else
    return makeError(ErrorCode::invalid_input,
                     "store.backend = \"postgres\": this parcelwatchd was built without "
                     "PostgreSQL (PW_POSTGRES=OFF)");
#endif
  }
  auto sqlite = SqliteStore::open(config.daemon.state_dir / "parcelwatch.db", options);
  if (!sqlite) return sqlite.error();
  return std::unique_ptr<Store>(std::move(*sqlite));
}

std::string describeStore(const Config& config) {
  if (config.store.backend == "postgres") return "postgres";
  return (config.daemon.state_dir / "parcelwatch.db").string();
}

}  // namespace pw
