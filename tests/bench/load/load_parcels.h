#pragma once
// The parcels a load run watches: YTO numbers YT7000000000000 + i, all sent
// from Guangzhou to Hangzhou 72 hours before the run, registered through
// `track` 500 a request as `parcelwatchctl track` sends them.
#include "common/clock.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pw::load {

std::string trackingNumber(std::uint64_t index);
/// The index of a number made by trackingNumber, or nullopt.
std::optional<std::uint64_t> parcelIndex(std::string_view number);

boost::json::object parcelJson(std::uint64_t index, Timestamp shippedAt);

/// Registers parcels 0..count-1, each batch built only when it is sent (a
/// million parcels never sit in memory at once); `progress` is told the
/// count after each batch. Returns the seconds it took.
double registerParcels(const std::string& socket, std::uint64_t count, Timestamp shippedAt,
                       const std::function<void(std::uint64_t)>& progress = {});
/// The same through several nodes of a cluster, batch b through sockets[b % size]:
/// any node takes parcels, the queue is the database's.
double registerParcels(const std::vector<std::string>& sockets, std::uint64_t count,
                       Timestamp shippedAt);

}  // namespace pw::load
