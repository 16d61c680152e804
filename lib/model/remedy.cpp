#include "model/remedy.h"

#include "common/enum_names.h"

namespace pw {
namespace {
constexpr EnumNames<Remedy, 10> kNames{{
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

std::string_view toString(Remedy remedy) { return kNames.name(remedy); }
std::optional<Remedy> remedyFromString(std::string_view text) { return kNames.parse(text); }

}  // namespace pw
