// End-to-end load run (not a test): the real parcelwatchd against a fake
// Kuaidi100 on 127.0.0.1, driven through the control socket as operators do.
//   build/tests/bench/bench_load [PARCELS] [MAX_IN_FLIGHT]
// Prints: registration rate through `track`, time until every parcel was
// polled, assessed and committed once, control-command latency while that
// runs, a full `rerun --all` round, an `export`, and the daemon's peak memory.
#include "common/time_format.h"
#include "control/control_client.h"
#include "simulator/fake_carrier_server.h"
#include "support/fixtures.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

using namespace pw;
using namespace std::chrono;
namespace json = boost::json;

namespace {

std::string local(sys_seconds t) { return formatLocalDateTime(t, TimeZone::shanghai()); }

// Four shapes, a quarter each: stalled, moving, delivered, failed delivery.
std::string history(const std::string& num, int shape, sys_seconds now) {
  std::vector<test::K100Event> ev = {
      {local(now - hours(70)), "【广州市】 广州白云区公司 已揽收", "103"},
      {local(now - hours(66)), "【广州市】 快件离开 广州转运中心 已发往 杭州转运中心", "0"},
      {local(now - hours(60)), "【杭州市】 快件已到达 杭州转运中心", "0"}};
  if (shape == 0) return test::kuaidi100Body(num, ev);
  ev.push_back({local(now - hours(8)), "【杭州市】 快件离开 杭州转运中心 已发往 西湖区", "0"});
  ev.push_back({local(now - hours(4)), "【杭州市】 快件已到达 西湖区文三路营业部", "0"});
  if (shape == 1) return test::kuaidi100Body(num, ev);
  ev.push_back({local(now - hours(3)), "【杭州市】 派件员 张三 正在为您派件", "5"});
  if (shape == 2) {
    ev.push_back({local(now - hours(1)), "【杭州市】 快件已签收，签收人：本人签收", "301"});
    return test::kuaidi100Body(num, ev, "3");
  }
  ev.push_back({local(now - hours(2)), "【杭州市】 派送不成功，收件人电话无人接听，明日再派"});
  return test::kuaidi100Body(num, ev);
}

json::object ask(const std::string& socket, const std::string& command, json::object args = {}) {
  auto a = control::call(socket, {command, std::move(args)}, seconds(60));
  if (!a || a->result != control::kSuccess) {
    std::cerr << command << " failed: " << (a ? a->text : a.error().message) << "\n";
    std::exit(1);
  }
  return a->arguments.is_object() ? a->arguments.get_object() : json::object{};
}

std::uint64_t polled(const std::string& socket) {
  auto s = ask(socket, "status");
  return s.at("polls_ok").to_number<std::uint64_t>() +
         s.at("polls_no_result").to_number<std::uint64_t>() +
         s.at("polls_failed").to_number<std::uint64_t>();
}

double ms(steady_clock::duration d) { return duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  int parcels = argc > 1 ? std::atoi(argv[1]) : 5000;
  int inFlight = argc > 2 ? std::atoi(argv[2]) : 16;
  if (parcels < 4 || inFlight < 1) {
    std::cerr << "usage: bench_load [PARCELS>=4] [MAX_IN_FLIGHT>=1]\n";
    return 64;
  }
  test::TempDir dir;
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  FakeCarrierServer carrier(io, "LOAD", "LOAD-KEY");
  carrier.start();
  auto now = floor<seconds>(system_clock::now());
  std::vector<std::string> numbers;
  for (int i = 0; i < parcels; ++i) {
    numbers.push_back("YT" + std::to_string(7000000000000LL + i));
    carrier.setResponse(numbers.back(), history(numbers.back(), i % 4, now));
  }
  std::thread carrierThread([&] { io.run(); });

  auto config = dir.write(
      "pw.toml",
      "[daemon]\nstate_dir = \"state\"\ncontrol_socket = \"pw.sock\"\n"
      "alert_log = \"alerts.jsonl\"\nlog_level = \"warn\"\n[poll]\ninterval = \"1h\"\n"
      "max_in_flight = " +
          std::to_string(inFlight) + "\n[carriers.kuaidi100]\nendpoint = \"" + carrier.queryUrl() +
          "\"\ncustomer = \"LOAD\"\nkey = \"LOAD-KEY\"\n[remedies]\nmessages = \"" +
          std::string(PW_CONF_DIR) + "/messages.toml\"\n");
  const std::string socket = (dir / "pw.sock").string();
  test::Subprocess daemon({PW_DAEMON, "-c", config.string()}, dir.path());
  if (!test::waitFor(
          [&] {
            return control::call(socket, {"status", {}}, seconds(1)).has_value();
          },
          seconds(20), "the daemon")) {
    std::cerr << daemon.err();
    return 1;
  }

  // Registration, 500 a request as `parcelwatchctl track` sends them.
  auto t0 = steady_clock::now();
  for (int i = 0; i < parcels; i += 500) {
    json::array batch;
    for (int k = i; k < std::min(parcels, i + 500); ++k)
      batch.push_back(json::parse(
          R"({"tracking_number":")" + numbers[k] +
          R"(","carrier":"yuantong","destination":{"province":"浙江省","city":"杭州市","district":"西湖区"},"shipped_at":")" +
          formatRfc3339(now - hours(72)) + R"("})"));
    ask(socket, "track", json::object{{"parcels", std::move(batch)}});
  }
  auto registered = steady_clock::now();

  // Control latency while the first round runs.
  std::vector<double> latencies;
  while (polled(socket) < static_cast<std::uint64_t>(parcels)) {
    auto s = steady_clock::now();
    ask(socket, "tasks", json::object{{"limit", 50}});
    latencies.push_back(ms(steady_clock::now() - s));
    // Ten probes a second: an operator's pace, not a load of its own.
    std::this_thread::sleep_for(milliseconds(100));
  }
  auto firstRound = steady_clock::now();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(p * (latencies.size() - 1))];
  };

  auto before = polled(socket);
  auto r0 = steady_clock::now();
  ask(socket, "rerun", json::object{{"all", true}});
  // Delivered parcels leave the schedule, so a rerun covers the other three quarters.
  auto active = static_cast<std::uint64_t>(parcels - parcels / 4);
  while (polled(socket) < before + active) std::this_thread::sleep_for(milliseconds(100));
  auto rerunDone = steady_clock::now();

  auto e0 = steady_clock::now();
  std::size_t exported = 0;
  std::int64_t after = 0;
  while (true) {
    auto page = ask(socket, "export",
                    json::object{{"what", "tasks"}, {"after_id", after}, {"limit", 1000}});
    exported += page.at("records").as_array().size();
    if (!page.contains("next_after_id")) break;
    after = page.at("next_after_id").to_number<std::int64_t>();
  }
  auto exportDone = steady_clock::now();

  auto stats = ask(socket, "status");
  std::string peak = "?";
  std::ifstream proc("/proc/" + std::to_string(daemon.pid()) + "/status");
  for (std::string line; std::getline(proc, line);)
    if (line.rfind("VmHWM:", 0) == 0) peak = line.substr(6);
  peak.erase(0, peak.find_first_not_of(" \t"));
  auto dbBytes = std::filesystem::file_size(dir / "state" / "parcelwatch.db");

  std::printf("parcels                      %d (max_in_flight %d)\n", parcels, inFlight);
  std::printf("register through track       %.0f ms, %.0f parcels/s\n", ms(registered - t0),
              parcels / (ms(registered - t0) / 1000));
  std::printf(
      "first poll round             %.0f ms, %.0f parcels/s (poll, parse, detect, commit)\n",
      ms(firstRound - registered), parcels / (ms(firstRound - registered) / 1000));
  std::printf("`tasks` latency during round p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu calls)\n",
              pct(0.5), pct(0.99), latencies.empty() ? 0.0 : latencies.back(), latencies.size());
  std::printf("rerun --all round            %.0f ms for %llu active parcels\n", ms(rerunDone - r0),
              static_cast<unsigned long long>(active));
  std::printf("export tasks                 %zu records in %.0f ms\n", exported,
              ms(exportDone - e0));
  std::printf("open exceptions / events     %lld / %lld\n",
              static_cast<long long>(stats.at("open_exceptions").to_number<std::int64_t>()),
              static_cast<long long>(stats.at("events").to_number<std::int64_t>()));
  std::printf("daemon peak RSS              %s\n", peak.c_str());
  std::printf("database size                %.1f MiB\n", dbBytes / 1048576.0);

  daemon.signal(SIGTERM);
  daemon.wait(seconds(20));
  work.reset();
  io.stop();
  carrierThread.join();
  return 0;
}
