#include "model/event_kind.h"

#include "common/enum_names.h"

namespace pw {
namespace {
constexpr EnumNames<EventKind, 17> kNames{{
    {EventKind::unknown, "unknown"},
    {EventKind::info_received, "info_received"},
    {EventKind::picked_up, "picked_up"},
    {EventKind::in_transit, "in_transit"},
    {EventKind::arrived_hub, "arrived_hub"},
    {EventKind::departed_hub, "departed_hub"},
    {EventKind::arrived_delivery_station, "arrived_delivery_station"},
    {EventKind::out_for_delivery, "out_for_delivery"},
    {EventKind::stored_for_pickup, "stored_for_pickup"},
    {EventKind::delivery_failed, "delivery_failed"},
    {EventKind::signed_, "signed"},
    {EventKind::refused, "refused"},
    {EventKind::returning, "returning"},
    {EventKind::returned, "returned"},
    {EventKind::customs, "customs"},
    {EventKind::problem, "problem"},
    {EventKind::redirected, "redirected"},
}};
}  // namespace

std::string_view toString(EventKind kind) { return kNames.name(kind); }
std::optional<EventKind> eventKindFromString(std::string_view text) { return kNames.parse(text); }

bool isPhysicalScan(EventKind kind) {
  return kind != EventKind::unknown && kind != EventKind::info_received;
}

}  // namespace pw
