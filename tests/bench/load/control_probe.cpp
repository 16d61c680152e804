#include "load/control_probe.h"

#include "load/latency_summary.h"

#include <exception>

namespace pw::load {

using Clock = std::chrono::steady_clock;

std::string ControlProbe::Figures::text() const {
  auto t = summarize(ms).text();
  if (failures) t += ", " + std::to_string(failures) + " failed: " + first_failure;
  return t;
}

void ControlProbe::add(std::string name, Probe probe) {
  probes_.push_back(std::move(probe));
  figures_.push_back({std::move(name), {}, 0, ""});
}

void ControlProbe::start() {
  thread_ = std::thread([this] { loop(); });
}

void ControlProbe::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

std::vector<ControlProbe::Figures> ControlProbe::figures() const {
  std::lock_guard lock(mu_);
  return figures_;
}

void ControlProbe::loop() {
  auto next = Clock::now();
  while (true) {
    auto roundStart = Clock::now();
    for (std::size_t i = 0; i < probes_.size(); ++i) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      auto t0 = Clock::now();
      std::string failure;
      try {
        probes_[i]();
      } catch (const std::exception& e) {
        failure = e.what();
      }
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      std::lock_guard lock(mu_);
      auto& f = figures_[i];
      if (failure.empty()) {
        f.ms.push_back(ms);
      } else {
        if (f.failures++ == 0) f.first_failure = failure.substr(0, 300);
      }
    }
    // Every command here runs on the daemon's event loop. When they are slow
    // (a `status` of seconds at a million parcels) back-to-back probes would
    // be a load of their own and starve what is measured: probing takes at
    // most a quarter of the time, so the pace drops below one per period.
    auto roundEnd = Clock::now();
    next = std::max(next + period_, roundEnd + 3 * (roundEnd - roundStart));
    while (Clock::now() < next) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      std::this_thread::sleep_for(
          std::min<Clock::duration>(next - Clock::now(), std::chrono::milliseconds(10)));
    }
  }
}

}  // namespace pw::load
