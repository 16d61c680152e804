#pragma once
// The names of logistics exceptions are an interface: they appear in the alert
// log, in tasks, on the control socket and in the analyzer's output.
#include <optional>
#include <string_view>

namespace pw {

enum class ExceptionKind {
  invalid_number,
  not_picked_up,
  stalled,
  delivery_overdue,
  delivery_failed,
  pickup_overdue,
  refused,
  returned,
  customs_hold,
  problem,
  misrouted,
  proxy_signed,
  false_signed,
  promise_at_risk,
};

std::string_view toString(ExceptionKind kind);
std::optional<ExceptionKind> exceptionKindFromString(std::string_view text);

}  // namespace pw
