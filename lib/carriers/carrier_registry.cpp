#include "carriers/carrier_registry.h"

namespace pw {

void CarrierRegistry::add(std::shared_ptr<const CarrierCodec> codec) {
  codecs_[std::string(codec->name())] = std::move(codec);
}

std::shared_ptr<const CarrierCodec> CarrierRegistry::codecFor(const Parcel&) const {
  // Every parcel carries a Kuaidi100 company code; with several aggregators
  // this becomes a lookup in the carrier-code mapping table.
  auto it = codecs_.find("kuaidi100");
  return it == codecs_.end() ? nullptr : it->second;
}

}  // namespace pw
