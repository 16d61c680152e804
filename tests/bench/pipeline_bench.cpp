// Figures for the README (tests/bench/README.md): Kuaidi100 parse+classify,
// detection, and one full poll round through curl, the fake carrier and SQLite.
#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "carriers/kuaidiniao/kuaidiniao_codec.h"
#include "config/config_loader.h"
#include "detection/detector.h"
#include "model/parcel_stage.h"
#include "net/curl_http_client.h"
#include "polling/polling_service.h"
#include "remedies/assessor.h"
#include "simulator/fake_carrier_server.h"
#include "store/sqlite_store.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

using namespace pw;
using namespace std::chrono;

namespace {

std::string tenEventBody(const std::string& num) {
  std::vector<test::K100Event> evs;
  const char* texts[] = {"【广州市】 广州白云区公司 已揽收",
                         "【广州市】 快件已到达 广州转运中心",
                         "【广州市】 快件已从 广州转运中心 发出，准备发往 杭州转运中心",
                         "【杭州市】 快件已到达 杭州转运中心",
                         "【杭州市】 快件离开 杭州转运中心 发往 西湖区网点",
                         "【杭州市】 快件已到达 西湖区网点",
                         "【杭州市】 西湖区文三路网点 派件员 正在派件",
                         "【杭州市】 派送不成功，电话无人接听",
                         "【杭州市】 西湖区文三路网点 派件员 正在派件",
                         "【杭州市】 快件已签收，签收人：本人签收"};
  for (int i = 0; i < 10; ++i) {
    char t[32];
    std::snprintf(t, sizeof t, "2024-05-0%d 1%d:00:00", 1 + i / 4, i % 10);
    evs.push_back({t, texts[i]});
  }
  return test::kuaidi100Body(num, evs);
}

void BM_Kuaidi100ParseTenEvents(benchmark::State& state) {
  Kuaidi100Codec codec({"http://x", "C", "K", TimeZone::shanghai()});
  HttpResponse r{200, tenEventBody("YT1234567890123"), std::nullopt, {}};
  for (auto _ : state) benchmark::DoNotOptimize(codec.parseQuery(r));
  state.SetItemsProcessed(state.iterations() * 10);
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * 10), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Kuaidi100ParseTenEvents);

void BM_KuaidiniaoParseTenEvents(benchmark::State& state) {
  KuaidiniaoCodec codec({"http://x", "1", "K", "8001", TimeZone::shanghai()});
  // Reuse the Kuaidi100 texts in Kuaidiniao's shape (oldest first).
  auto k100 = boost::json::parse(tenEventBody("75312345678901")).as_object();
  boost::json::array traces;
  auto& data = k100["data"].as_array();
  for (auto it = data.rbegin(); it != data.rend(); ++it)
    traces.push_back(
        boost::json::object{{"AcceptTime", it->at("time")}, {"AcceptStation", it->at("context")}});
  std::string body = boost::json::serialize(boost::json::object{
      {"Success", true}, {"State", "2"}, {"LogisticCode", "75312345678901"}, {"Traces", traces}});
  for (auto _ : state) benchmark::DoNotOptimize(codec.parseBody(body));
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * 10), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_KuaidiniaoParseTenEvents);

void BM_AssessTenEventTimeline(benchmark::State& state) {
  Kuaidi100Codec codec({"http://x", "C", "K", TimeZone::shanghai()});
  auto snap = codec.parseQuery({200, tenEventBody("YT1234567890123"), std::nullopt, {}}).value();
  snap.events.resize(4);  // last scan at a hub days before `now`: a stall with a rendered message
  auto cfg = loadConfig(std::string(PW_CONF_DIR) + "/parcelwatch.toml").value();
  auto parcel = test::sampleParcel();
  auto now = test::at("2024-05-09T00:00:00Z");
  for (auto _ : state) benchmark::DoNotOptimize(assess(parcel, snap.events, {}, cfg.rules, now));
  state.counters["timelines/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AssessTenEventTimeline);

// Detection alone (every rule) over one million 10-event timelines: a pool
// of 1,000 distinct timelines of varied shapes, each evaluated 1,000 times at
// a different "now", so the figure is timelines per second on one core.
void BM_DetectMillionTimelines(benchmark::State& state) {
  const EventKind shapes[][10] = {
      {EventKind::info_received, EventKind::picked_up, EventKind::departed_hub,
       EventKind::arrived_hub, EventKind::departed_hub, EventKind::arrived_hub,
       EventKind::arrived_delivery_station, EventKind::out_for_delivery, EventKind::delivery_failed,
       EventKind::out_for_delivery},
      {EventKind::picked_up, EventKind::departed_hub, EventKind::arrived_hub,
       EventKind::departed_hub, EventKind::arrived_hub, EventKind::in_transit,
       EventKind::in_transit, EventKind::arrived_hub, EventKind::departed_hub,
       EventKind::arrived_hub},
      {EventKind::picked_up, EventKind::departed_hub, EventKind::arrived_hub,
       EventKind::departed_hub, EventKind::arrived_hub, EventKind::arrived_delivery_station,
       EventKind::out_for_delivery, EventKind::stored_for_pickup, EventKind::signed_,
       EventKind::signed_},
      {EventKind::picked_up, EventKind::departed_hub, EventKind::arrived_hub, EventKind::customs,
       EventKind::customs, EventKind::in_transit, EventKind::arrived_hub, EventKind::problem,
       EventKind::returning, EventKind::returned},
  };
  const char* cities[] = {"广州市", "长沙市", "武汉市", "杭州市", "宁波市"};
  std::vector<Parcel> parcels;
  std::vector<Timeline> timelines;
  for (int i = 0; i < 1000; ++i) {
    Parcel p = test::sampleParcel("YT" + std::to_string(4000000000000LL + i));
    if (i % 3 == 0) p.promised_by = test::at("2024-05-04T00:00:00Z");
    Timeline t;
    for (int k = 0; k < 10; ++k) {
      TrackingEvent e;
      e.time = test::at("2024-05-01T00:00:00Z") + std::chrono::hours(5 * k + i % 7);
      e.kind = shapes[i % 4][k];
      e.place.city = cities[(k + i) % 5];
      e.signer_type = e.kind == EventKind::signed_
                          ? (k == 8 ? SignerType::station : SignerType::self)
                          : SignerType::none;
      t.push_back(e);
    }
    parcels.push_back(p);
    timelines.push_back(std::move(t));
  }
  DetectionPolicy policy;
  std::size_t findings = 0;
  for (auto _ : state) {
    for (int round = 0; round < 1000; ++round) {
      Timestamp now = test::at("2024-05-02T00:00:00Z") + std::chrono::hours(round % 200);
      for (std::size_t i = 0; i < timelines.size(); ++i) {
        RuleInput in{parcels[i], timelines[i], stageOf(timelines[i]), policy, now};
        findings += detect(in).size();
      }
    }
  }
  benchmark::DoNotOptimize(findings);
  state.counters["timelines/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 1e6,
                                                     benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DetectMillionTimelines)->Unit(benchmark::kMillisecond)->Iterations(3);

struct NullSink : AlertSink {
  bool emit(const boost::json::object&) override { return true; }
};

// One poll round: N parcels due at once, polled over HTTP on 127.0.0.1,
// decoded, assessed and committed (one transaction each).
void BM_PollRound(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    test::TempDir dir;
    boost::asio::io_context io;
    FakeCarrierServer server(io, "C", "K");
    server.start();
    auto cfg = loadConfig(std::string(PW_CONF_DIR) + "/parcelwatch.toml").value();
    cfg.simulator.enabled = false;
    cfg.kuaidi100 = {server.queryUrl(), "C", "K", TimeZone::shanghai()};
    cfg.poll.max_in_flight = static_cast<int>(state.range(1));
    // The fake carrier is what is measured against: no account rate limit.
    cfg.poll.aggregator_limits["kuaidi100"].requests_per_second = 0;
    auto store = SqliteStore::open(dir / "bench.db").value();
    SystemClock clock;
    NullSink sink;
    CurlHttpClient http(io, CurlLimits{});
    PollingService service(io, *store, http, clock, sink, std::make_shared<const Config>(cfg));
    std::vector<Parcel> parcels;
    for (int i = 0; i < n; ++i) {
      auto num = "YT" + std::to_string(3000000000000LL + i);
      server.setResponse(num, tenEventBody(num));
      auto p = test::sampleParcel(num);
      parcels.push_back(p);
    }
    (void)service.start();
    state.ResumeTiming();
    service.track(parcels);
    io.run_for(milliseconds(1));
    while (!service.idle()) io.run_one_for(milliseconds(100));
    if (server.requestCount() != static_cast<size_t>(n)) {
      state.SkipWithError("not every parcel was polled");
      break;
    }
  }
  state.counters["parcels/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * n), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PollRound)
    ->Args({100, 16})
    ->Args({1000, 16})
    ->Args({1000, 64})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
