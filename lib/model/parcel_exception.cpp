#include "model/parcel_exception.h"

namespace pw {

std::string_view toString(TaskState state) {
  switch (state) {
    case TaskState::open:
      return "open";
    case TaskState::acked:
      return "acked";
    case TaskState::done:
      return "done";
    case TaskState::dismissed:
      return "dismissed";
  }
  return "open";
}

std::optional<TaskState> taskStateFromString(std::string_view text) {
  for (auto s : {TaskState::open, TaskState::acked, TaskState::done, TaskState::dismissed})
    if (toString(s) == text) return s;
  return std::nullopt;
}

}  // namespace pw
