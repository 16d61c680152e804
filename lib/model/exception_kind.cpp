#include "model/exception_kind.h"

#include "common/enum_names.h"

namespace pw {
namespace {
constexpr EnumNames<ExceptionKind, 14> kNames{{
    {ExceptionKind::invalid_number, "invalid_number"},
    {ExceptionKind::not_picked_up, "not_picked_up"},
    {ExceptionKind::stalled, "stalled"},
    {ExceptionKind::delivery_overdue, "delivery_overdue"},
    {ExceptionKind::delivery_failed, "delivery_failed"},
    {ExceptionKind::pickup_overdue, "pickup_overdue"},
    {ExceptionKind::refused, "refused"},
    {ExceptionKind::returned, "returned"},
    {ExceptionKind::customs_hold, "customs_hold"},
    {ExceptionKind::problem, "problem"},
    {ExceptionKind::misrouted, "misrouted"},
    {ExceptionKind::proxy_signed, "proxy_signed"},
    {ExceptionKind::false_signed, "false_signed"},
    {ExceptionKind::promise_at_risk, "promise_at_risk"},
}};
}  // namespace

std::string_view toString(ExceptionKind kind) { return kNames.name(kind); }
std::optional<ExceptionKind> exceptionKindFromString(std::string_view text) {
  return kNames.parse(text);
}

}  // namespace pw
