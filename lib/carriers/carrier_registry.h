#pragma once
// Which aggregator serves a parcel is configuration (carriers.default); every
// parcel records its carrier as a Kuaidi100 company code and each codec maps
// it to its own vocabulary (carrier_codes.h).
#include "carriers/carrier_codec.h"

#include <map>
#include <memory>
#include <string>

namespace pw {

class CarrierRegistry {
 public:
  void add(std::shared_ptr<const CarrierCodec> codec);
  /// The aggregator that serves parcels (by codec name).
  void setDefault(std::string name) { default_ = std::move(name); }
  /// The aggregator for international postal items (UPU S10 numbers), if any.
  void setCrossBorder(std::string name) { cross_border_ = std::move(name); }
  /// The codec that serves this parcel's carrier code, or nullptr.
  std::shared_ptr<const CarrierCodec> codecFor(const Parcel& parcel) const;
  /// The enabled codec of that name, or nullptr.
  std::shared_ptr<const CarrierCodec> codecNamed(std::string_view name) const;
  bool empty() const { return codecs_.empty(); }

 private:
  std::map<std::string, std::shared_ptr<const CarrierCodec>, std::less<>> codecs_;
  std::string default_ = "kuaidi100";
  std::string cross_border_;
};

}  // namespace pw
