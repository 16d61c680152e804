#pragma once
// The bundled sample parcels the embedded default serves. Each history is
// written relative to its parcel's shipping time ("after": "26h"), so the
// demo looks the same whenever it is started, and events whose time has not
// come yet appear later, as on a real carrier.
#include "common/result.h"
#include "common/time_zone.h"
#include "model/parcel.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pw {

struct SampleEvent {
  Seconds after{0};  // after shipped_at
  std::string context;
  std::string area_name;
  std::string status_code;
};

struct SampleParcel {
  Parcel parcel;  // shipped_at unset until anchored
  Seconds shipped_ago{0};
  std::vector<SampleEvent> events;
};

class SampleHistories {
 public:
  static Result<SampleHistories> load(const std::filesystem::path& file);

  const std::vector<SampleParcel>& parcels() const { return parcels_; }
  /// Pins a history to its parcel's real shipping time.
  void anchor(const std::string& trackingNumber, Timestamp shippedAt);
  /// The Kuaidi100 query body for `num` as of `now`, or nullopt if unknown
  /// or not anchored (the carrier answers "no result").
  std::optional<std::string> render(const std::string& num, Timestamp now) const;

 private:
  std::vector<SampleParcel> parcels_;
  std::map<std::string, Timestamp> anchors_;
  TimeZone zone_ = TimeZone::shanghai();
};

}  // namespace pw
