#pragma once
#include "model/finding.h"
#include "model/message_source.h"
#include "model/parcel.h"
#include "model/parcel_exception.h"
#include "model/remedy.h"

#include <vector>

namespace pw {

/// One exception that holds now, with what to do and what to tell the buyer.
struct Issue {
  Finding finding;
  Suggestion suggestion;
  Message message;
  std::optional<MessageSource> message_source;  // absent: only the text is known
};

/// Everything a poll concludes about a parcel.
struct Assessment {
  ParcelStage stage = ParcelStage::awaiting_pickup;
  std::vector<Issue> issues;
};

}  // namespace pw
