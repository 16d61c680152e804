#include "detection/rules.h"

namespace pw {

Finding makeFinding(ExceptionKind kind, Timestamp since, std::vector<TrackingEvent> evidence,
                    Seconds threshold, Seconds elapsed, std::string detail) {
  Finding f;
  f.kind = kind;
  f.since = since;
  f.evidence = std::move(evidence);
  f.threshold = threshold;
  f.elapsed = elapsed;
  f.detail = std::move(detail);
  return f;
}

}  // namespace pw
