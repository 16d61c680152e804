// Replays a synthetic population of parcels through fixed hourly polling and
// through the adaptive Scheduler on a simulated clock, and prints queries,
// pushes, detection delay per exception kind and aggregator-rule violations
// side by side. A program that prints figures, not a timed test; see README.md.
//
//   schedule_replay [PARCELS] [SEED]
#include "replay/ground_truth.h"
#include "replay/history_model.h"
#include "replay/strategies.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace pw;
using namespace pw::replay;
using namespace std::chrono;

namespace {

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

std::string cell(const KindDelays& k) {
  char buf[64];
  if (k.minutes.empty()) return "-";
  std::snprintf(buf, sizeof buf, "%.0f / %.0f / %.0f", percentile(k.minutes, 0.5),
                percentile(k.minutes, 0.95), *std::max_element(k.minutes.begin(), k.minutes.end()));
  return buf;
}

void printRuns(const std::vector<RunResult>& runs, std::size_t parcels) {
  std::printf("\n| figure |");
  for (const auto& r : runs) std::printf(" %s |", r.name.c_str());
  std::printf("\n|---|");
  for (std::size_t i = 0; i < runs.size(); ++i) std::printf("---|");
  auto row = [&](const char* name, auto value) {
    std::printf("\n| %s |", name);
    for (const auto& r : runs) std::printf(" %s |", value(r).c_str());
  };
  auto num = [](double v, const char* fmt) {
    char b[64];
    std::snprintf(b, sizeof b, fmt, v);
    return std::string(b);
  };
  double base = static_cast<double>(runs.front().queries);
  row("queries per parcel", [&](const RunResult& r) {
    return num(static_cast<double>(r.queries) / static_cast<double>(parcels), "%.1f") + " (" +
           num(100.0 * static_cast<double>(r.queries) / base, "%.1f") + " %)";
  });
  row("failed queries", [&](const RunResult& r) { return std::to_string(r.failed_queries); });
  row("pushes used", [&](const RunResult& r) { return std::to_string(r.pushes); });
  row("Kuaidi100 peak queries in 24 h",
      [&](const RunResult& r) { return std::to_string(r.peak_kuaidi100_24h); });
  row("breaker opened", [&](const RunResult& r) { return std::to_string(r.breaker_opened); });
  row("violations: 30 min gap / 48 in 24 h / rate / budget", [&](const RunResult& r) {
    const auto& v = r.violations;
    return std::to_string(v.min_gap) + " / " + std::to_string(v.number_24h) + " / " +
           std::to_string(v.rate) + " / " + std::to_string(v.budget);
  });
  std::printf(
      "\n\nDetection delay per kind, minutes from when it became true on the full timeline"
      "\nto the first answer that raised it: median / p95 / max (episodes; missed = over"
      "\nbefore any answer showed it)\n");
  std::printf("\n| kind | episodes |");
  for (const auto& r : runs) std::printf(" %s | missed |", r.name.c_str());
  std::printf("\n|---|---:|");
  for (std::size_t i = 0; i < runs.size(); ++i) std::printf("---|---:|");
  for (const auto& [kind, first] : runs.front().kinds) {
    std::printf("\n| %s | %lld |", std::string(toString(kind)).c_str(),
                static_cast<long long>(first.episodes));
    for (const auto& r : runs) {
      auto it = r.kinds.find(kind);
      KindDelays none;
      const KindDelays& k = it == r.kinds.end() ? none : it->second;
      std::printf(" %s | %lld |", cell(k).c_str(), static_cast<long long>(k.missed));
    }
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  PopulationSettings pop;
  if (argc > 1) pop.parcels = static_cast<std::size_t>(std::atoll(argv[1]));
  if (argc > 2) pop.seed = static_cast<std::uint64_t>(std::atoll(argv[2]));
  Timestamp start = sys_days(year{2026} / 11 / 2) + hours(2);  // 10:00 in China
  auto parcels = generatePopulation(pop, start);

  WorldSettings w;
  w.end = start + pop.registration_window + days(12);
  w.outage_from = start + hours(50);  // day three, noon in China: 90 min of errors
  w.outage_to = w.outage_from + minutes(90);
  w.rules.aggregators["kuaidi100"].requests_per_second = 20;
  w.rules.aggregators["kuaidiniao"] = {20, 0, {}};

  auto t0 = steady_clock::now();
  std::vector<std::vector<Episode>> truth;
  truth.reserve(parcels.size());
  for (const auto& p : parcels) truth.push_back(episodesOf(p, w.end, w.policy));

  std::printf(
      "schedule_replay: %zu parcels (seed %llu), registered in batches over %lld h, "
      "run for %lld days; %.0f %% push-subscribed, %.0f %% of pushes lost\n",
      parcels.size(), static_cast<unsigned long long>(pop.seed),
      static_cast<long long>(duration_cast<hours>(pop.registration_window).count()),
      static_cast<long long>(duration_cast<days>(w.end - start).count()),
      100 * pop.push_confirmed_share, 100 * w.push_loss);

  std::vector<RunResult> runs;
  runs.push_back(runFixedHourly(parcels, truth, w));
  SchedulerConfig adaptive = w.rules;
  runs.push_back(runAdaptive("adaptive", parcels, truth, w, adaptive));
  runs.push_back(runAdaptive("adaptive, no pushes", parcels, truth, w, adaptive, false));
  // A plan too small for what the adaptive schedule wants: at-risk polls first.
  SchedulerConfig tight = adaptive;
  std::int64_t want = runs[1].peak_kuaidi100_24h;
  tight.aggregators["kuaidi100"].daily_budget = want * 7 / 10;
  WorldSettings tightWorld = w;
  tightWorld.rules = tight;
  runs.push_back(runAdaptive("adaptive, Kuaidi100 budget " + std::to_string(want * 7 / 10) + "/day",
                             parcels, truth, tightWorld, tight));

  printRuns(runs, parcels.size());
  if (const char* d = std::getenv("PW_REPLAY_DETAIL"); d && std::string(d) == "1") {
    for (const auto& r : runs) {
      std::printf("\n%s: queries by reason and known stage/last event\n", r.name.c_str());
      std::vector<std::pair<std::int64_t, std::string>> rows;
      for (const auto& [k, n] : r.by_reason) rows.emplace_back(n, k);
      std::sort(rows.rbegin(), rows.rend());
      for (const auto& [n, k] : rows)
        std::printf("  %8lld  %s\n", static_cast<long long>(n), k.c_str());
    }
  }
  std::printf("\n(%.1f s)\n", duration<double>(steady_clock::now() - t0).count());
  return 0;
}
