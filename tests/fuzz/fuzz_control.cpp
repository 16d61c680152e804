// libFuzzer target: control-socket request lines, run through the real
// command registry and every service command's argument checks, against a
// service that answers with empty results (the checks are what is fuzzed).
#include "control/envelope.h"
#include "control/service_commands.h"
#include "model/parcel_json.h"

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>

namespace {

class EmptyService final : public pw::ServiceApi {
 public:
  pw::Timestamp now() const override { return pw::Timestamp{}; }
  pw::Result<pw::StatusReport> status() override { return pw::StatusReport{}; }
  std::vector<pw::TrackResult> track(const std::vector<pw::Parcel>& parcels) override {
    std::vector<pw::TrackResult> out;
    for (const auto& p : parcels) out.push_back({p.tracking_number, true, true, ""});
    return out;
  }
  pw::Result<pw::RerunReport> rerun(const pw::RerunSelection& s) override {
    return pw::RerunReport{.queued = s.tracking_numbers.size()};
  }
  pw::Result<pw::ReassessReport> reassess(const pw::RerunSelection& s) override {
    return pw::ReassessReport{.parcels = s.tracking_numbers.size()};
  }
  pw::Result<pw::JobProgress> check() override { return pw::JobProgress{}; }
  pw::Result<std::vector<pw::NodeInfo>> nodes() override { return std::vector<pw::NodeInfo>{}; }
  pw::Result<std::vector<pw::NotificationTask>> tasks(const pw::TaskFilter&) override {
    return std::vector<pw::NotificationTask>{};
  }
  pw::Result<std::vector<pw::ExceptionRecord>> exceptions(const pw::ExceptionFilter&) override {
    return std::vector<pw::ExceptionRecord>{};
  }
  pw::Result<std::size_t> claim(const std::string&, const std::string&) override { return 0u; }
  pw::Result<pw::ParcelDetails> parcel(const std::string& tn) override {
    return pw::makeError(pw::ErrorCode::not_found, "no parcel " + tn);
  }
  pw::Result<pw::NotificationTask> setTaskState(std::int64_t, pw::TaskState,
                                                const std::string&) override {
    return pw::makeError(pw::ErrorCode::not_found, "no task");
  }
  pw::Result<void> untrack(const std::string&) override { return {}; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static EmptyService service;
  static pw::control::CommandRegistry registry = [] {
    pw::control::CommandRegistry r;
    pw::control::addServiceCommands(r, service, "fuzz");
    return r;
  }();
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto req = pw::control::parseRequest(line);
  if (!req) return 0;
  auto answer = registry.dispatch(*req);
  (void)pw::control::serializeAnswer(answer);
  return 0;
}
