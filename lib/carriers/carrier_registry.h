#pragma once
// Which codec serves a parcel is configuration. The skeleton has one
// aggregator (Kuaidi100); the registry is the seam the others plug into.
#include "carriers/carrier_codec.h"

#include <map>
#include <memory>
#include <string>

namespace pw {

class CarrierRegistry {
 public:
  void add(std::shared_ptr<const CarrierCodec> codec);
  /// The codec that serves this parcel's carrier code, or nullptr.
  std::shared_ptr<const CarrierCodec> codecFor(const Parcel& parcel) const;
  bool empty() const { return codecs_.empty(); }

 private:
  std::map<std::string, std::shared_ptr<const CarrierCodec>, std::less<>> codecs_;
};

}  // namespace pw
