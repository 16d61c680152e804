#pragma once
// Signed Kuaidi100 subscription pushes whose histories grow, as aggregators
// re-send a parcel's whole history with each new scan: push `seq` goes to
// parcel seq % parcels and carries its first seq / parcels + 2 events (the
// first poll stored event 1), at most kMaxEvents. The form body is
// param=<json>&sign=MD5(param + salt), upper-case hex.
//
// Bodies are spliced from pieces encoded once, so building one costs the
// client a concatenation and the MD5 it must compute anyway.
#include "common/clock.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pw::load {

class PushFeed {
 public:
  static constexpr std::size_t kMaxEvents = 40;

  /// Event i of every parcel is scanned at firstScan + i hours.
  PushFeed(std::uint64_t parcels, std::string salt, Timestamp firstScan);

  std::uint64_t parcels() const { return parcels_; }
  std::size_t eventsFor(std::uint64_t seq) const;
  /// Push number `seq` of the sequence.
  std::string body(std::uint64_t seq) const;
  /// The push for parcel `index` carrying its first `events` events.
  std::string body(std::uint64_t index, std::size_t events) const;
  /// Kuaidi100's answer (the push's lastResult) for parcel `index` with its
  /// first `events` events: what the fake carrier answers the first poll.
  std::string lastResult(std::uint64_t index, std::size_t events) const;

 private:
  std::uint64_t parcels_;
  std::string salt_;
  std::vector<std::string> raw_;      // each event's JSON object, oldest first
  std::vector<std::string> encoded_;  // the same, form-encoded
  std::string comma_;                 // "," form-encoded
};

}  // namespace pw::load
