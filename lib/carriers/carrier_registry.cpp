#include "carriers/carrier_registry.h"

namespace pw {

void CarrierRegistry::add(std::shared_ptr<const CarrierCodec> codec) {
  codecs_[std::string(codec->name())] = std::move(codec);
}

std::shared_ptr<const CarrierCodec> CarrierRegistry::codecFor(const Parcel&) const {
  auto it = codecs_.find(default_);
  return it == codecs_.end() ? nullptr : it->second;
}

}  // namespace pw
