#include "model/event_detail.h"

#include "common/enum_names.h"

namespace pw {
namespace {
constexpr EnumNames<SignerType, 8> kSigners{{
    {SignerType::none, "none"},
    {SignerType::self, "self"},
    {SignerType::proxy_person, "proxy_person"},
    {SignerType::reception, "reception"},
    {SignerType::locker, "locker"},
    {SignerType::station, "station"},
    {SignerType::place, "place"},
    {SignerType::unknown, "unknown"},
}};
constexpr EnumNames<EventReason, 14> kReasons{{
    {EventReason::none, "none"},
    {EventReason::no_contact, "no_contact"},
    {EventReason::address, "address"},
    {EventReason::refused, "refused"},
    {EventReason::closed, "closed"},
    {EventReason::out_of_area, "out_of_area"},
    {EventReason::misrouted, "misrouted"},
    {EventReason::delayed, "delayed"},
    {EventReason::damaged, "damaged"},
    {EventReason::lost, "lost"},
    {EventReason::customs_hold, "customs_hold"},
    {EventReason::customs_released, "customs_released"},
    {EventReason::not_delivered, "not_delivered"},
    {EventReason::other, "other"},
}};
}  // namespace

std::string_view toString(SignerType t) { return kSigners.name(t); }
std::optional<SignerType> signerTypeFromString(std::string_view text) {
  return kSigners.parse(text);
}
std::string_view toString(EventReason r) { return kReasons.name(r); }
std::optional<EventReason> eventReasonFromString(std::string_view text) {
  return kReasons.parse(text);
}

}  // namespace pw
