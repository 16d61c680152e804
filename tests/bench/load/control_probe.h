#pragma once
// An operator's pace of looking while the daemon is under load: every
// `period` each probe (a control command, a /metrics scrape) runs once, one
// after the other, on a thread of its own, and its latency is kept; when the
// probes are slow, less often, so that probing takes at most a quarter of
// the time. A probe signals failure by throwing; failures are counted.
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pw::load {

class ControlProbe {
 public:
  using Probe = std::function<void()>;

  struct Figures {
    std::string name;
    std::vector<double> ms;
    std::uint64_t failures = 0;
    std::string first_failure;

    /// Its latency summary, and its failures if any.
    std::string text() const;
  };

  explicit ControlProbe(std::chrono::milliseconds period) : period_(period) {}
  ~ControlProbe() { stop(); }

  /// Before start().
  void add(std::string name, Probe probe);
  void start();
  void stop();
  /// In the order added.
  std::vector<Figures> figures() const;

 private:
  void loop();

  std::chrono::milliseconds period_;
  std::vector<Probe> probes_;
  std::vector<Figures> figures_;
  mutable std::mutex mu_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pw::load
