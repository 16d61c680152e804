// What one commit costs against a parcel's stored history: a push carrying
// its last few scans and one new one, onto a parcel with 5 or 40,000 stored
// events. Usage: bench_commit_cost [cap=N] [stored-events...] (default 5 40000;
// cap=N sets StoreOptions::event_cap, e.g. cap=1000000 to keep every event)
#include "store/store.h"

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

double microsPerCommit(int stored, const StoreOptions& options) {
  auto file =
      std::filesystem::temp_directory_path() / ("pw_commit_cost_" + std::to_string(stored) + ".db");
  for (const auto* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
  auto store = Store::open(file, options).value();
  Parcel p;
  p.tracking_number = "YT1234567890123";
  p.carrier = "yuantong";
  p.shipped_at = Timestamp(Seconds(1714521600));
  auto id = store->addParcel(p, p.shipped_at).value().id;
  auto assess = [](const Parcel&, const Timeline& t) {
    return Assessment{t.empty() ? ParcelStage::awaiting_pickup : ParcelStage::in_transit, {}};
  };
  for (int from = 0; from < stored; from += 1000) {
    std::vector<TrackingEvent> chunk;
    for (int i = from; i < std::min(stored, from + 1000); ++i) chunk.push_back(scan(i));
    store->commitPoll(id, chunk, "0", p.shipped_at, assess).value();
  }
  const int kCommits = 200;
  auto start = steady_clock::now();
  for (int c = 0; c < kCommits; ++c) {
    std::vector<TrackingEvent> push;
    int last = stored + c;
    for (int i = std::max(0, last - 5); i <= last; ++i) push.push_back(scan(i));
    store->commitPoll(id, push, "0", p.shipped_at, assess).value();
  }
  return duration<double, std::micro>(steady_clock::now() - start).count() / kCommits;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  StoreOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("cap=", 0) == 0)
      options.event_cap = std::stoul(arg.substr(4));
    else
      sizes.push_back(std::stoi(arg));
  }
  if (sizes.empty()) sizes = {5, 40000};
  for (int n : sizes)
    std::printf("stored=%d cap=%zu: %.0f us per commit\n", n, options.event_cap,
                microsPerCommit(n, options));
  return 0;
}
