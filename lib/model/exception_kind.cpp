#include "model/exception_kind.h"

#include <array>
#include <utility>

namespace pw {
namespace {
constexpr std::array<std::pair<ExceptionKind, std::string_view>, 14> kNames = {{
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

std::string_view toString(ExceptionKind kind) {
  for (auto& [k, name] : kNames)
    if (k == kind) return name;
  return "problem";
}

std::optional<ExceptionKind> exceptionKindFromString(std::string_view text) {
  for (auto& [k, name] : kNames)
    if (name == text) return k;
  return std::nullopt;
}

}  // namespace pw
