#pragma once
#include "common/clock.h"

#include <cstdint>
#include <optional>
#include <string>

namespace pw {

struct Destination {
  std::string province;
  std::string city;
  std::string district;
  std::string address;
  /// ISO 3166 alpha-2 code; empty means China. Abroad, province and city are
  /// free text the gazetteer does not know, and the thresholds are stretched
  /// for the long international legs.
  std::string country;

  bool operator==(const Destination&) const = default;
  bool abroad() const { return !country.empty() && country != "CN"; }
};

/// Where a parcel is in its life, derived from its timeline. `delivered` and
/// `returned` are final: the parcel is no longer polled.
enum class ParcelStage {
  awaiting_pickup,
  in_transit,
  out_for_delivery,
  awaiting_collection,
  delivered,
  returning,
  returned,
};

std::string_view toString(ParcelStage stage);
std::optional<ParcelStage> parcelStageFromString(std::string_view text);
bool isFinal(ParcelStage stage);

struct Parcel {
  std::int64_t id = 0;  // store id, 0 until stored
  std::string tracking_number;
  std::string carrier;  // Kuaidi100 company code, e.g. "yuantong"
  Destination destination;
  Timestamp shipped_at;
  std::optional<Timestamp> promised_by;
  std::optional<double> order_value;
  std::optional<std::string> buyer_id;
  std::optional<std::string> phone;  // some carriers (SF, ZTO) require the last four digits
  ParcelStage stage = ParcelStage::awaiting_pickup;

  bool operator==(const Parcel&) const = default;
};

}  // namespace pw
