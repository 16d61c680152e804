// Fills a store with N parcels x 6 events through the real Store API and the
// real assessor, then prints what issue 11 asks about: file size, the cost of
// the control queries and counts, open and quick_check times, commit rates and
// RSS. Usage: bench_store_scale [parcels] [db-file] [open-fraction]
//
// The data is shaped like Kuaidi100 answers: hub scans name a few hundred
// cities (the same texts recur across parcels), delivery and signature scans
// name one of 50,000 couriers with a phone number. `open-fraction` of the
// parcels stall at their delivery station (an open `stalled` exception and its
// task); the others are signed for.
#include "common/time_format.h"
#include "config/config_loader.h"
#include "remedies/assessor.h"
#include "store/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace pw;
using namespace std::chrono;

namespace {

struct City {
  std::string province, city;
};

const std::vector<City>& cities() {
  static const std::vector<City> kCities = [] {
    const char* provinces[] = {"浙江省", "广东省", "江苏省", "山东省", "河南省", "四川省",
                               "湖北省", "湖南省", "河北省", "福建省", "安徽省", "陕西省"};
    const char* stems[] = {"杭", "广", "苏", "济", "郑", "成", "武", "长", "石", "福",
                           "合", "西", "宁", "温", "嘉", "湖", "绍", "金", "衢", "舟",
                           "台", "丽", "深", "珠", "汕", "佛", "韶", "湛", "肇", "江"};
    const char* tails[] = {"州", "阳", "安", "山", "宁", "昌", "平", "川", "兴", "原"};
    std::vector<City> out;
    for (const char* s : stems)
      for (const char* t : tails)
        out.push_back({provinces[out.size() % 12], std::string(s) + t + "市"});
    return out;  // 300 cities
  }();
  return kCities;
}

const char* kDistricts[] = {"西湖区", "上城区", "滨江区", "余杭区", "萧山区", "拱墅区", "临平区",
                            "钱塘区", "富阳区", "临安区", "天河区", "越秀区", "海珠区", "白云区",
                            "番禺区", "黄埔区", "南山区", "福田区", "罗湖区", "宝安区"};
const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"};
const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "勇", "军"};
// Mostly the buyer; now and then someone signing for them (a proxy_signed task).
const char* kSigners[] = {"本人", "本人", "本人", "本人", "本人",
                          "本人", "本人", "本人", "本人", "门卫"};

std::string cityStem(const City& c) { return c.city.substr(0, c.city.size() - 3); }

struct Courier {
  std::string name, phone;
};

Courier courier(int n) {
  return {std::string(kSurnames[n % 10]) + kGiven[(n / 10) % 10] + kGiven[(n / 100) % 10],
          "1" + std::to_string(3800000000LL + n * 7919LL % 100000000LL)};
}

TrackingEvent event(Timestamp t, EventKind kind, std::string text, const City& c,
                    const char* district) {
  TrackingEvent e;
  e.time = t;
  e.local_time = formatLocalDateTime(t, TimeZone::shanghai());
  e.description = std::move(text);
  e.kind = kind;
  e.place = {c.province, c.city, district};
  if (kind == EventKind::signed_) e.signer_type = SignerType::self;
  return e;
}

/// Six scans: picked up, two hubs, the destination's hub and station, then
/// either out for delivery and signed, or nothing (a stall).
std::vector<TrackingEvent> history(std::mt19937_64& rng, const City& to, Timestamp start,
                                   bool stalls) {
  const auto& cs = cities();
  const City& from = cs[rng() % cs.size()];
  const char* fromDistrict = kDistricts[rng() % 20];
  const char* toDistrict = kDistricts[rng() % 20];
  std::string f = cityStem(from), d = cityStem(to);
  Timestamp t = start + minutes(rng() % 600);
  auto next = [&] { return t += minutes(240 + rng() % 480); };
  std::vector<TrackingEvent> out;
  out.push_back(event(t, EventKind::picked_up,
                      "【" + from.city + "】" + f + fromDistrict + "公司 已揽收", from,
                      fromDistrict));
  out.push_back(event(next(), EventKind::arrived_hub,
                      "【" + from.city + "】快件已到达 " + f + "转运中心", from, ""));
  out.push_back(
      event(next(), EventKind::departed_hub,
            "【" + from.city + "】快件已从 " + f + "转运中心 发出，准备发往 " + d + "转运中心",
            from, ""));
  out.push_back(event(next(), EventKind::arrived_hub,
                      "【" + to.city + "】快件已到达 " + d + "转运中心", to, ""));
  if (stalls) {
    out.push_back(event(
        next(), EventKind::departed_hub,
        "【" + to.city + "】快件离开 " + d + "转运中心 发往 " + d + toDistrict + "网点", to, ""));
    out.push_back(event(next(), EventKind::arrived_delivery_station,
                        "【" + to.city + "】快件已到达 " + d + toDistrict + "网点", to,
                        toDistrict));
    return out;
  }
  Courier c = courier(static_cast<int>(rng() % 50000));
  out.push_back(event(next(), EventKind::out_for_delivery,
                      "【" + to.city + "】" + d + toDistrict + "网点 派件员 " + c.name + " 电话 " +
                          c.phone + " 正在为您派件",
                      to, toDistrict));
  out.push_back(event(next(), EventKind::signed_,
                      "【" + to.city + "】快件已签收，签收人：" + kSigners[rng() % 10] +
                          "，如有疑问请联系派件员 " + c.name + " " + c.phone,
                      to, toDistrict));
  return out;
}

double ms(steady_clock::duration d) { return duration<double, std::milli>(d).count(); }

template <class F>
double medianMs(int runs, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto s = steady_clock::now();
    f();
    t.push_back(ms(steady_clock::now() - s));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::string procStatus(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return line.substr(line.find(':') + 1);
  return "?";
}

double fileMiB(const std::filesystem::path& p) {
  std::error_code ec;
  auto n = std::filesystem::file_size(p, ec);
  return ec ? 0.0 : static_cast<double>(n) / (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::stol(argv[1]) : 100000;
  const std::filesystem::path file = argc > 2 ? argv[2] : "store_scale.db";
  const double openFraction = argc > 3 ? std::stod(argv[3]) : 0.4;
  for (const auto& suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
  auto config = loadConfig(std::string(PW_CONF_DIR) + "/parcelwatch.toml");
  if (!config) {
    std::fprintf(stderr, "config: %s\n", config.error().message.c_str());
    return 1;
  }
  const AssessmentRules& rules = config->rules;
  const Timestamp start = Timestamp(Seconds(1714521600));  // 2024-05-01T00:00:00Z
  const Timestamp now = start + hours(24 * 10);
  std::mt19937_64 rng(42);

  auto store = SqliteStore::open(file).value();
  auto t0 = steady_clock::now();
  std::vector<std::int64_t> ids;
  ids.reserve(static_cast<size_t>(n));
  for (long i = 0; i < n; ++i) {
    Parcel p;
    p.tracking_number = "YT" + std::to_string(7000000000000LL + i);
    p.carrier = "yuantong";
    const City& to = cities()[static_cast<size_t>(i) % cities().size()];
    p.destination = {to.province, to.city, kDistricts[i % 20],
                     "文三路 " + std::to_string(i % 900) + " 号"};
    p.shipped_at = start + minutes(i % 1440);
    p.order_value = 99.0 + static_cast<double>(i % 500);
    p.buyer_id = "buyer-" + std::to_string(i % 200000);
    ids.push_back(store->addParcel(p, start).value().id);
  }
  std::printf("registered %ld parcels in %.1f s\n", n, ms(steady_clock::now() - t0) / 1000);

  auto assessFn = [&](const Parcel& p, const Timeline& tl, const ClaimFacts&) {
    return assess(p, tl, {}, rules, now);
  };
  t0 = steady_clock::now();
  std::vector<CommitRequest> batch;
  for (long i = 0; i < n; ++i) {
    bool stalls = static_cast<double>(rng() % 1000) < openFraction * 1000;
    CommitRequest r;
    r.parcel_id = ids[static_cast<size_t>(i)];
    r.events = history(rng, cities()[static_cast<size_t>(i) % cities().size()],
                       start + minutes(i % 1440), stalls);
    r.carrier_state = stalls ? "0" : "3";
    r.now = now;
    r.assess = assessFn;
    r.next_poll_at = now + hours(1) + seconds(i % 3600);
    batch.push_back(std::move(r));
    if (batch.size() == 64 || i + 1 == n) {
      for (const auto& one : store->commitBatch(std::move(batch)).value()) one.value();
      batch.clear();
    }
    if ((i + 1) % 100000 == 0)
      std::printf("  committed %ld (%.1f s)\n", i + 1, ms(steady_clock::now() - t0) / 1000);
  }
  std::printf("committed %ld histories in %.1f s\n", n, ms(steady_clock::now() - t0) / 1000);
  store.reset();
  {
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  std::printf("db size: %.1f MiB (wal %.1f MiB)\n", fileMiB(file), fileMiB(file.string() + "-wal"));

  t0 = steady_clock::now();
  store = SqliteStore::open(file).value();
  std::printf("open: %.1f ms\n", ms(steady_clock::now() - t0));
  auto c = store->counts().value();
  std::printf("counts: events=%lld open_tasks=%lld\n", static_cast<long long>(c.events),
              static_cast<long long>(c.tasks_by_state["open"]));
  std::printf("counts() median: %.2f ms\n", medianMs(5, [&] { store->counts().value(); }));
  TaskFilter page;
  page.state = TaskState::open;
  page.limit = 50;
  std::printf("tasks(open, limit 50) median: %.2f ms\n",
              medianMs(5, [&] { store->tasks(page).value(); }));
  page.after_id = static_cast<std::int64_t>(n / 2);
  std::printf("tasks(open, after_id n/2, limit 50) median: %.2f ms\n",
              medianMs(5, [&] { store->tasks(page).value(); }));
  std::printf("parcelsWithOpen(stalled) median: %.2f ms\n",
              medianMs(3, [&] { store->parcelsWithOpen(ExceptionKind::stalled).value(); }));
  std::printf("pollTargets() median: %.2f ms\n",
              medianMs(3, [&] { store->pollTargets().value(); }));
  std::printf("dueParcels(limit 256) median: %.2f ms (%zu due)\n",
              medianMs(5, [&] { store->dueParcels(now + hours(2), 256).value(); }),
              store->dueParcels(now + hours(2), 256).value().size());
  std::printf("nextDue() median: %.2f ms\n", medianMs(5, [&] { store->nextDue().value(); }));
  t0 = steady_clock::now();
  auto check = store->quickCheck().value();
  std::printf("quickCheck: %s in %.1f ms\n", check.c_str(), ms(steady_clock::now() - t0));

  // A poll answer (the whole history and one new scan) on random parcels,
  // committed alone and in groups.
  const int kPolls = 2048;
  int scan = 0;
  for (int size : {1, 16, 64}) {
    std::vector<CommitRequest> answers;
    for (int i = 0; i < kPolls; ++i) {
      CommitRequest r;
      r.parcel_id = ids[static_cast<size_t>(rng() % static_cast<unsigned long>(n))];
      r.events = store->timeline(r.parcel_id).value();
      r.events.push_back(event(r.events.back().time + minutes(30), EventKind::in_transit,
                               "【杭州市】快件已到达 杭州转运中心（复扫）" + std::to_string(++scan),
                               cities()[0], ""));
      r.carrier_state = "0";
      r.now = now;
      r.assess = assessFn;
      r.next_poll_at = now + hours(1);
      answers.push_back(std::move(r));
    }
    t0 = steady_clock::now();
    for (int i = 0; i < kPolls; i += size) {
      std::vector<CommitRequest> group(answers.begin() + i, answers.begin() + i + size);
      for (const auto& one : store->commitBatch(std::move(group)).value()) one.value();
    }
    std::printf("commitBatch of %d: %.0f results/s\n", size,
                kPolls / (ms(steady_clock::now() - t0) / 1000));
  }
  std::printf("RSS: %s, peak %s\n", procStatus("VmRSS").c_str(), procStatus("VmHWM").c_str());
  return 0;
}
