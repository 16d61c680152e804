// What one commit costs against a parcel's stored history: a push carrying
// its last few scans and one new one, onto a parcel with 5 or 40,000 stored
// events. Usage: bench_commit_cost [cap=N] [stored-events...] (default 5 40000;
// cap=N sets StoreOptions::event_cap, e.g. cap=1000000 to keep every event;
// batch=N commits N such pushes, each to its own parcel, per transaction, as
// the push path's group commit does)
#include "store/sqlite_store.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

using namespace pw;
using namespace std::chrono;

namespace {

TrackingEvent scan(int i) {
  TrackingEvent e;
  e.time = Timestamp(Seconds(1714521600 + i * 60));
  e.local_time = "x";
  e.description = "【杭州市】快件已到达 杭州转运中心 " + std::to_string(i);
  e.kind = EventKind::arrived_hub;
  return e;
}

double microsPerCommit(int stored, const StoreOptions& options, int batch) {
  auto file =
      std::filesystem::temp_directory_path() / ("pw_commit_cost_" + std::to_string(stored) + ".db");
  for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
  auto store = SqliteStore::open(file, options).value();
  Parcel p;
  p.tracking_number = "YT1234567890123";
  p.carrier = "yuantong";
  p.shipped_at = Timestamp(Seconds(1714521600));
  std::vector<std::int64_t> ids;
  for (int k = 0; k < batch; ++k) {
    p.tracking_number = "YT12345678" + std::to_string(10000 + k);
    ids.push_back(store->addParcel(p, p.shipped_at).value().id);
  }
  auto assess = [](const Parcel&, const Timeline& t, const ClaimFacts&) {
    return Assessment{t.empty() ? ParcelStage::awaiting_pickup : ParcelStage::in_transit, {}};
  };
  for (auto id : ids)
    for (int from = 0; from < stored; from += 1000) {
      std::vector<TrackingEvent> chunk;
      for (int i = from; i < std::min(stored, from + 1000); ++i) chunk.push_back(scan(i));
      store->commitPoll(id, chunk, "0", p.shipped_at, assess).value();
    }
  const int kRounds = std::max(1, 200 / batch);
  auto start = steady_clock::now();
  for (int c = 0; c < kRounds; ++c) {
    std::vector<CommitRequest> requests;
    int last = stored + c;
    for (auto id : ids) {
      CommitRequest r;
      r.parcel_id = id;
      for (int i = std::max(0, last - 5); i <= last; ++i) r.events.push_back(scan(i));
      r.carrier_state = "0";
      r.now = p.shipped_at;
      r.assess = assess;
      requests.push_back(std::move(r));
    }
    if (batch == 1)
      store->commitPoll(ids[0], requests[0].events, "0", p.shipped_at, assess).value();
    else
      store->commitBatch(std::move(requests)).value();
  }
  return duration<double, std::micro>(steady_clock::now() - start).count() / (kRounds * batch);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  StoreOptions options;
  int batch = 1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("cap=", 0) == 0)
      options.event_cap = std::stoul(arg.substr(4));
    else if (arg.rfind("batch=", 0) == 0)
      batch = std::max(1, std::stoi(arg.substr(6)));
    else
      sizes.push_back(std::stoi(arg));
  }
  if (sizes.empty()) sizes = {5, 40000};
  for (int n : sizes)
    std::printf("stored=%d cap=%zu batch=%d: %.0f us per push\n", n, options.event_cap, batch,
                microsPerCommit(n, options, batch));
  return 0;
}
