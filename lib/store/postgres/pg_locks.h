#pragma once
// Advisory lock keys (per database). Fixed numbers: every node must use the same ones.
#include <cstdint>

namespace pw::pg {

/// Held (transaction-level) while schema steps are applied.
inline constexpr std::int64_t kMigrationLock = 0x70775f6d69677261;  // "pw_migra"
/// Held (transaction-level) from a transaction's first outbox insert to its commit.
inline constexpr std::int64_t kOutboxLock = 0x70775f6f7574626f;  // "pw_outbo"

}  // namespace pw::pg
