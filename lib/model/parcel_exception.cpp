#include "model/parcel_exception.h"

#include "common/enum_names.h"

namespace pw {
namespace {
constexpr EnumNames<TaskState, 4> kNames{{
    {TaskState::open, "open"},
    {TaskState::acked, "acked"},
    {TaskState::done, "done"},
    {TaskState::dismissed, "dismissed"},
}};
}  // namespace

std::string_view toString(TaskState state) { return kNames.name(state); }
std::optional<TaskState> taskStateFromString(std::string_view text) { return kNames.parse(text); }

}  // namespace pw
