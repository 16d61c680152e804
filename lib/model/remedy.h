#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace pw {

enum class Remedy {
  soothe_and_wait,
  contact_carrier,
  redeliver,
  reship,
  refund,
  recall_and_refund,
  compensate,
  remind_pickup,
  confirm_address,
  manual_review,
};

std::string_view toString(Remedy remedy);
std::optional<Remedy> remedyFromString(std::string_view text);

/// What to do and why, in words an agent can act on.
struct Suggestion {
  Remedy remedy = Remedy::manual_review;
  std::string reason;
};

}  // namespace pw
