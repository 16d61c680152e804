#include "store/postgres/pg_guard.h"

#include <pqxx/pqxx>

#include <exception>

namespace pw::pg {

Error errorFromCurrentException(std::string_view what) {
  std::string prefix = std::string(what) + ": ";
  try {
    throw;
  } catch (const ErrorException& e) {
    return makeError(e.error().code, prefix + e.error().message);
  } catch (const pqxx::transaction_rollback& e) {
    return makeError(ErrorCode::transient, prefix + "rolled back by the server: " + e.what());
  } catch (const pqxx::in_doubt_error& e) {
    return makeError(ErrorCode::io,
                     prefix + "connection lost during commit, outcome unknown: " + e.what());
  } catch (const pqxx::broken_connection& e) {
    return makeError(ErrorCode::transient, prefix + "connection lost: " + e.what());
  } catch (const pqxx::unique_violation& e) {
    return makeError(ErrorCode::conflict, prefix + e.what());
  } catch (const pqxx::sql_error& e) {
    return makeError(ErrorCode::io, prefix + e.what());
  } catch (const pqxx::failure& e) {
    return makeError(ErrorCode::io, prefix + e.what());
  } catch (const std::exception& e) {
    return makeError(ErrorCode::internal, prefix + e.what());
  } catch (...) {
    return makeError(ErrorCode::internal, prefix + "unknown exception");
  }
}

}  // namespace pw::pg
