// Notification delivery rate: SinkDelivery (CurlHttpClient on one Asio
// thread, the in-memory outbox) posting webhook events to a local Beast
// endpoint, and, when wrk is installed, wrk's rate against the same endpoint
// with the same body, headers and concurrency in the same run, so the figure
// can be read against what the endpoint itself can take on this machine.
//
//   bench_notify [EVENTS=20000] [IN_FLIGHT=16] [PARCELS=2000] [WRK_SECONDS=5]
//
// The endpoint runs on its own thread and answers 204 to every POST without
// checking anything, so both clients meet the same server cost. WRK_SECONDS=0
// skips wrk (the smoke test does).
#include "httpd/http_listener.h"
#include "net/curl_http_client.h"
#include "notify/in_memory_outbox.h"
#include "notify/message_builder.h"
#include "notify/sink_delivery.h"
#include "notify/store_outbox.h"
#include "store/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json/serialize.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include <unistd.h>

using namespace pw;
using namespace pw::notify;
using Steady = std::chrono::steady_clock;

namespace {

AlertEvent event(int i, int parcels) {
  NotificationTask t;
  t.id = i;
  t.exception_id = i;
  t.tracking_number = "YT" + std::to_string(7400000000000LL + i % parcels);
  t.carrier = "yuantong";
  t.kind = ExceptionKind::stalled;
  t.suggestion = {Remedy::soothe_and_wait, "运输途中暂无更新，先安抚买家"};
  t.message = {"亲您好，您的包裹运输途中暂无更新，我们已联系快递公司核实，请您耐心等待。",
               "Your parcel has had no update in transit; we are checking with the carrier."};
  t.detail = "in transit, no new scan for 2d14h (threshold 2d)";
  t.created_at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return taskRaisedEvent(t, t.created_at);
}

// wrk's Lua script: the same request our sink sends for one event.
std::string wrkScript(const HttpRequest& r) {
  auto quote = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  std::string lua = "wrk.method = \"POST\"\nwrk.body = " + quote(r.body) + "\n" +
                    "wrk.headers[\"Content-Type\"] = " + quote(r.content_type) + "\n";
  for (const auto& [k, v] : r.headers) lua += "wrk.headers[" + quote(k) + "] = " + quote(v) + "\n";
  return lua;
}

std::optional<double> runWrk(const std::string& url, const HttpRequest& sample, int connections,
                             int seconds) {
  if (std::system("command -v wrk >/dev/null 2>&1") != 0) return std::nullopt;
  auto script = std::filesystem::temp_directory_path() /
                ("pw-notify-bench-" + std::to_string(::getpid()) + ".lua");
  std::ofstream(script) << wrkScript(sample);
  std::string cmd = "wrk -t1 -c" + std::to_string(connections) + " -d" + std::to_string(seconds) +
                    "s -s " + script.string() + " " + url + " 2>&1";
  std::optional<double> rate;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char line[512];
    while (std::fgets(line, sizeof line, p)) {
      std::string s(line);
      if (s.rfind("Requests/sec:", 0) == 0) rate = std::stod(s.substr(13));
      if (s.find("Non-2xx") != std::string::npos) std::cerr << "wrk: " << s;
    }
    ::pclose(p);
  }
  std::filesystem::remove(script);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  int events = argc > 1 ? std::atoi(argv[1]) : 20000;
  int inFlight = argc > 2 ? std::atoi(argv[2]) : 16;
  int parcels = argc > 3 ? std::atoi(argv[3]) : 2000;
  int wrkSeconds = argc > 4 ? std::atoi(argv[4]) : 5;
  // memory: InMemoryOutbox, the delivery engine alone; sqlite: the daemon's
  // path, events read from and marked in the SQLite outbox (StoreOutbox).
  std::string outboxKind = argc > 5 ? argv[5] : "memory";
  if (events < 1 || inFlight < 1 || parcels < 1 || wrkSeconds < 0 ||
      (outboxKind != "memory" && outboxKind != "sqlite")) {
    std::cerr << "usage: bench_notify [EVENTS] [IN_FLIGHT] [PARCELS] [WRK_SECONDS] "
                 "[memory|sqlite]\n";
    return 64;
  }

  boost::asio::io_context serverIo;
  std::atomic<std::uint64_t> served{0};
  HttpListener listener(serverIo, [&](const HttpListener::Request&) {
    served.fetch_add(1, std::memory_order_relaxed);
    return makeReply(204, "");
  });
  auto port = listener.start(parseListenAddress("127.0.0.1:0").value()).value();
  std::thread server([&] { serverIo.run(); });
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hooks/parcelwatch";

  NotifySinkConfig sink;
  sink.name = "bench";
  sink.type = SinkType::webhook;
  sink.url = url;
  sink.secret = "bench-secret-0123456789";
  sink.max_in_flight = inFlight;

  InMemoryOutbox memory;
  std::unique_ptr<Store> store;
  std::unique_ptr<StoreOutbox> stored;
  auto dbDir =
      std::filesystem::temp_directory_path() / ("bench_notify_" + std::to_string(::getpid()));
  if (outboxKind == "memory") {
    for (int i = 0; i < events; ++i) memory.append(event(i, parcels));
  } else {
    std::filesystem::create_directories(dbDir);
    store = SqliteStore::open(dbDir / "pw.db").value();
    if (!store->setOutboxSinks({"bench"})) return 1;
    {
      // The rows as commits would write them, in one transaction to set up fast.
      SQLite::Database db((dbDir / "pw.db").string(), SQLite::OPEN_READWRITE);
      SQLite::Transaction tx(db);
      SQLite::Statement ins(db, "INSERT INTO outbox (at, event, payload) VALUES (?,?,?)");
      for (int i = 0; i < events; ++i) {
        auto e = event(i, parcels);
        ins.bind(1, static_cast<int64_t>(e.occurred_at.time_since_epoch().count()));
        ins.bind(2, std::string(toString(e.name)));
        ins.bind(3, boost::json::serialize(toJson(e)));
        ins.exec();
        ins.reset();
      }
      tx.commit();
    }
    stored = std::make_unique<StoreOutbox>(*store);
  }
  OutboxReader& outbox = stored ? static_cast<OutboxReader&>(*stored) : memory;

  boost::asio::io_context io;
  CurlHttpClient http(io, CurlLimits{});
  SystemNotifyClock clock;
  SinkDelivery delivery(io, http, outbox, sink, clock, 1);
  auto started = Steady::now();
  delivery.start();
  auto deadline = started + std::chrono::minutes(5);
  while (delivery.stats().delivered < static_cast<std::uint64_t>(events) &&
         Steady::now() < deadline)
    io.run_one_for(std::chrono::milliseconds(100));
  double seconds = std::chrono::duration<double>(Steady::now() - started).count();
  delivery.stop();
  auto stats = delivery.stats();
  std::size_t done = stats.delivered;
  if (store) {
    auto sum = store->outboxSummary().value();
    if (sum.empty() || sum[0].backlog != 0) done = 0;  // marked in the outbox, or not counted
    store.reset();
    std::filesystem::remove_all(dbDir);
  }

  std::printf(
      "notify_bench: %d webhook events, %d parcels, %d in flight, %s outbox, endpoint on "
      "127.0.0.1\n",
      events, parcels, inFlight, outboxKind.c_str());
  std::printf(
      "  parcelwatch SinkDelivery: %zu delivered in %.2f s = %.0f events/s "
      "(%llu requests, mean request %.2f ms, %llu failed)\n",
      done, seconds, done / seconds, static_cast<unsigned long long>(stats.messages),
      stats.request_seconds.count ? 1000 * stats.request_seconds.sum / stats.request_seconds.count
                                  : 0.0,
      static_cast<unsigned long long>(stats.failed_attempts));
  int rc = done == static_cast<std::size_t>(events) ? 0 : 1;

  if (wrkSeconds > 0) {
    AlertEvent sample = event(0, parcels);
    sample.seq = 1;
    auto request = buildWebhookMessage(sink, sample, clock.now()).request;
    auto rate = runWrk(url, request, inFlight, wrkSeconds);
    if (!rate) {
      std::printf("  wrk: not installed (apt-get install wrk) or no figure; no comparison\n");
    } else {
      std::printf("  wrk 1 thread, %d connections, %d s, same request: %.0f requests/s\n", inFlight,
                  wrkSeconds, *rate);
      std::printf("  ratio parcelwatch / wrk: %.2f\n", (done / seconds) / *rate);
    }
  }
  listener.stop();
  serverIo.stop();
  server.join();
  return rc;
}
