#include "carriers/carrier_registry.h"

#include "carriers/tracking_number.h"

namespace pw {

void CarrierRegistry::add(std::shared_ptr<const CarrierCodec> codec) {
  codecs_[std::string(codec->name())] = std::move(codec);
}

std::shared_ptr<const CarrierCodec> CarrierRegistry::codecFor(const Parcel& parcel) const {
  if (!cross_border_.empty() && isValidS10(parcel.tracking_number)) {
    if (auto it = codecs_.find(cross_border_); it != codecs_.end()) return it->second;
  }
  auto it = codecs_.find(default_);
  return it == codecs_.end() ? nullptr : it->second;
}

std::shared_ptr<const CarrierCodec> CarrierRegistry::codecNamed(std::string_view name) const {
  auto it = codecs_.find(name);
  return it == codecs_.end() ? nullptr : it->second;
}

}  // namespace pw
