#include "model/remedy.h"

#include <array>
#include <utility>

namespace pw {
namespace {
constexpr std::array<std::pair<Remedy, std::string_view>, 10> kNames = {{
    {Remedy::soothe_and_wait, "soothe_and_wait"},
    {Remedy::contact_carrier, "contact_carrier"},
    {Remedy::redeliver, "redeliver"},
    {Remedy::reship, "reship"},
    {Remedy::refund, "refund"},
    {Remedy::recall_and_refund, "recall_and_refund"},
    {Remedy::compensate, "compensate"},
    {Remedy::remind_pickup, "remind_pickup"},
    {Remedy::confirm_address, "confirm_address"},
    {Remedy::manual_review, "manual_review"},
}};
}  // namespace

std::string_view toString(Remedy remedy) {
  for (auto& [r, name] : kNames)
    if (r == remedy) return name;
  return "manual_review";
}

std::optional<Remedy> remedyFromString(std::string_view text) {
  for (auto& [r, name] : kNames)
    if (name == text) return r;
  return std::nullopt;
}

}  // namespace pw
