#pragma once
#include "model/finding.h"
#include "model/remedy.h"

#include <cstdint>
#include <optional>

namespace pw {

enum class TaskState { open, acked, done, dismissed };
std::string_view toString(TaskState state);
std::optional<TaskState> taskStateFromString(std::string_view text);

/// A finding as stored: raised once, open while it holds, then resolved.
struct ParcelException {
  std::int64_t id = 0;
  std::int64_t parcel_id = 0;
  Finding finding;
  bool open = true;
  Timestamp opened_at;
  std::optional<Timestamp> resolved_at;
};

/// A message in the languages we ship templates for.
struct Message {
  std::string zh_cn;
  std::string en;
};

/// A proactive buyer-notification task: the problem, what to do, what to say.
struct NotificationTask {
  std::int64_t id = 0;
  std::int64_t exception_id = 0;
  std::string tracking_number;
  std::string carrier;
  ExceptionKind kind = ExceptionKind::problem;
  Suggestion suggestion;
  Message message;
  TaskState state = TaskState::open;
  Timestamp created_at;
  std::string detail;
};

}  // namespace pw
