#pragma once
// Advisory lock keys (per database). Fixed numbers: every node must use the same ones.
#include <cstdint>

namespace pw::pg {

/// Held (transaction-level) while schema steps are applied.
inline constexpr std::int64_t kMigrationLock = 0x70775f6d69677261;  // "pw_migra"
/// Held (transaction-level) from a transaction's first outbox insert to its commit.
inline constexpr std::int64_t kOutboxLock = 0x70775f6f7574626f;  // "pw_outbo"

/// Held (session-level, on the notification connection) by the one node delivering a sink's
/// events; the second key is hashtext(sink name). A node that dies drops its connection and the
/// lock with it, so another node takes the sink over on its next tick.
inline constexpr std::int32_t kNotifySinkLock = 0x70776e73;  // "pwns"

}  // namespace pw::pg
