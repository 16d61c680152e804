#include "replay/history_model.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>

namespace pw::replay {

namespace {

using std::chrono::hours;
using std::chrono::minutes;

struct City {
  const char* province;
  const char* city;
};

constexpr std::array kOrigins = {City{"浙江省", "金华市"}, City{"浙江省", "杭州市"},
                                 City{"广东省", "广州市"}, City{"广东省", "深圳市"},
                                 City{"江苏省", "苏州市"}};
constexpr std::array kDestinations = {City{"北京市", "北京市"},
                                      City{"上海市", "上海市"},
                                      City{"四川省", "成都市"},
                                      City{"湖北省", "武汉市"},
                                      City{"山东省", "济南市"},
                                      City{"河南省", "郑州市"},
                                      City{"浙江省", "宁波市"},
                                      City{"广东省", "东莞市"},
                                      City{"陕西省", "西安市"},
                                      City{"辽宁省", "沈阳市"},
                                      City{"新疆维吾尔自治区", "乌鲁木齐市"},
                                      City{"内蒙古自治区", "呼和浩特市"}};
constexpr std::array kCarriers = {"zhongtong", "yuantong", "yunda",          "shentong",
                                  "jtexpress", "shunfeng", "youzhengguonei", "jd"};

class Builder {
 public:
  Builder(std::mt19937_64& rng, SimParcel& p) : rng_(rng), p_(p) {}

  double unit() { return std::uniform_real_distribution<>(0, 1)(rng_); }
  bool chance(double pr) { return unit() < pr; }
  Seconds span(Seconds lo, Seconds hi) {
    return Seconds(std::uniform_int_distribution<Seconds::rep>(lo.count(), hi.count())(rng_));
  }
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& a) {
    return a[std::uniform_int_distribution<std::size_t>(0, N - 1)(rng_)];
  }

  Timestamp at() const { return t_; }
  void wait(Seconds lo, Seconds hi) { t_ += span(lo, hi); }
  void setTime(Timestamp t) { t_ = t; }

  TrackingEvent& add(EventKind kind, const City& where, std::string text) {
    TrackingEvent e;
    e.time = t_;
    e.kind = kind;
    e.description = "【" + std::string(where.city) + "】" + text;
    e.place = {where.province, where.city, ""};
    p_.truth.push_back(std::move(e));
    return p_.truth.back();
  }

  /// The next local (UTC+8) delivery round at least an hour away: mornings
  /// 07:30-10:30, afternoons 13:30-15:30.
  void toNextRound() {
    Timestamp earliest = t_ + hours(1);
    auto day = Timestamp(std::chrono::floor<std::chrono::days>(earliest + hours(8))) - hours(8);
    Timestamp morning = day + hours(7) + minutes(30) + span(Seconds(0), hours(3));
    Timestamp afternoon = day + hours(13) + minutes(30) + span(Seconds(0), hours(2));
    if (morning >= earliest)
      t_ = morning;
    else if (afternoon >= earliest)
      t_ = afternoon;
    else
      t_ = morning + hours(24);
  }

 private:
  std::mt19937_64& rng_;
  SimParcel& p_;
  Timestamp t_;
};

void deliver(Builder& b, const City& dest, bool remote);

void returnToSender(Builder& b, const City& where) {
  b.wait(hours(2), hours(24));
  b.add(EventKind::returning, where, "快件已退回，正在返回寄件人");
  b.wait(hours(48), hours(120));
  b.add(EventKind::returned, where, "退件已签收");
}

void generateOne(std::mt19937_64& rng, SimParcel& sp, Timestamp registered) {
  Builder b(rng, sp);
  Parcel& p = sp.parcel;
  const City& origin = b.pick(kOrigins);
  const City& dest = b.pick(kDestinations);
  p.carrier = b.pick(kCarriers);
  p.destination = {dest.province, dest.city, "", "某路1号"};
  p.shipped_at = registered;
  if (b.chance(0.3)) p.promised_by = registered + b.span(hours(60), hours(96));
  bool remote = std::string(dest.province) == "新疆维吾尔自治区" ||
                std::string(dest.province) == "内蒙古自治区";

  if (b.chance(0.004)) return;  // a number the carrier never knows: invalid_number
  b.setTime(registered);
  b.wait(Seconds(0), minutes(20));
  b.add(EventKind::info_received, origin, "商家已下单，等待揽收");
  if (b.chance(0.008)) return;  // never handed over: not_picked_up for good
  if (b.chance(0.025))
    b.wait(hours(26), hours(72));  // picked up late: not_picked_up, then resolved
  else
    b.wait(hours(1), hours(10));
  b.add(EventKind::picked_up, origin, "快递员已揽收");

  // Origin hubs: arrival and departure pairs, hours apart.
  int hops = std::uniform_int_distribution<int>(1, 3)(rng);
  for (int i = 0; i < hops; ++i) {
    b.wait(hours(1), hours(5));
    b.add(EventKind::arrived_hub, origin, "快件已到达转运中心");
    b.wait(minutes(30), hours(3));
    b.add(EventKind::departed_hub, origin, "快件已发出，发往下一站");
  }
  // The trunk leg, silent for a day or more.
  bool sameProvince = std::string(origin.province) == dest.province;
  if (sameProvince)
    b.wait(hours(4), hours(10));
  else if (remote)
    b.wait(hours(36), hours(60));
  else
    b.wait(hours(20), hours(40));
  if (b.chance(0.04)) {
    if (b.chance(0.1)) return;      // lost on the trunk: stalled for good
    b.wait(hours(50), hours(120));  // stalled, then moves on
  }
  b.add(EventKind::arrived_hub, dest, "快件已到达转运中心");
  if (b.chance(0.02)) {
    b.wait(hours(2), hours(10));
    b.add(EventKind::problem, dest, "问题件：快件滞留").reason =
        b.chance(0.5) ? EventReason::delayed : EventReason::damaged;
    if (b.chance(0.2)) return returnToSender(b, dest);
    b.wait(hours(12), hours(48));
  } else {
    b.wait(hours(1), hours(4));
  }
  b.add(EventKind::departed_hub, dest, "快件已发往派件网点");
  if (b.chance(0.015)) {
    // Sorted to the wrong branch: scanned in a neighbouring city, then sent on.
    const City& wrong = kDestinations[(static_cast<std::size_t>(&dest - kDestinations.data()) + 1) %
                                      kDestinations.size()];
    b.wait(hours(2), hours(6));
    b.add(EventKind::arrived_delivery_station, wrong, "快件已到达派件网点");
    b.wait(hours(6), hours(20));
    b.add(EventKind::in_transit, wrong, "快件错分，已转寄");
    b.wait(hours(4), hours(12));
    b.add(EventKind::arrived_hub, dest, "快件已到达转运中心");
  }
  b.wait(hours(2), hours(8));
  b.add(EventKind::arrived_delivery_station, dest, "快件已到达派件网点");
  deliver(b, dest, remote);
}

void deliver(Builder& b, const City& dest, bool remote) {
  (void)remote;
  b.toNextRound();
  b.add(EventKind::out_for_delivery, dest, "派件员正在派件");
  double r = b.unit();
  auto signedBy = [&](SignerType who, const char* text) {
    auto& e = b.add(EventKind::signed_, dest, text);
    e.signer_type = who;
  };
  if ((r -= 0.015) < 0) {  // the courier never reports back: delivery_overdue
    b.wait(hours(26), hours(40));
    return signedBy(SignerType::self, "已签收，签收人：本人");
  }
  if ((r -= 0.01) < 0) {  // a signature that did not reach the buyer: false_signed
    if (b.chance(0.5)) {
      b.wait(hours(1), hours(4));
      b.add(EventKind::delivery_failed, dest, "派送不成功，电话无人接听").reason =
          EventReason::no_contact;
      b.wait(minutes(5), minutes(25));
      return signedBy(SignerType::self, "已签收");
    }
    b.wait(hours(1), hours(6));
    const City& elsewhere =
        std::string(dest.city) == kDestinations[0].city ? kDestinations[1] : kDestinations[0];
    auto& e = b.add(EventKind::signed_, elsewhere, "已签收");
    e.signer_type = SignerType::unknown;
    return;
  }
  if ((r -= 0.05) < 0) {  // failed attempt, then again next morning
    b.wait(hours(1), hours(6));
    b.add(EventKind::delivery_failed, dest, "派送不成功，收件人电话无人接听").reason =
        EventReason::no_contact;
    b.toNextRound();
    b.add(EventKind::out_for_delivery, dest, "派件员正在派件");
    b.wait(hours(1), hours(6));
    if (b.chance(0.3)) {
      b.add(EventKind::delivery_failed, dest, "派送不成功，地址不详").reason = EventReason::address;
      return returnToSender(b, dest);
    }
    return signedBy(SignerType::self, "已签收，签收人：本人");
  }
  if ((r -= 0.015) < 0) {  // refused at the door
    b.wait(hours(1), hours(5));
    b.add(EventKind::refused, dest, "收件人拒收").reason = EventReason::refused;
    return returnToSender(b, dest);
  }
  if ((r -= 0.2) < 0) {  // a locker or station holds it until the buyer collects it
    b.wait(minutes(30), hours(6));
    if (b.chance(0.5))
      b.add(EventKind::stored_for_pickup, dest, "快件已放入驿站，请凭取件码领取");
    else
      signedBy(b.chance(0.5) ? SignerType::locker : SignerType::station, "已签收，签收人：快递柜");
    if (b.chance(0.03)) {
      b.wait(hours(72), hours(96));  // never collected: sent back
      return returnToSender(b, dest);
    }
    double c = b.unit();
    if (c < 0.7)
      b.wait(Seconds(0), hours(24));
    else if (c < 0.9)
      b.wait(hours(24), hours(48));
    else
      b.wait(hours(48), hours(80));
    return signedBy(SignerType::self, "已签收，凭取货码签收");
  }
  b.wait(hours(1), hours(8));
  if ((r -= 0.1) < 0)
    return signedBy(b.chance(0.5) ? SignerType::proxy_person : SignerType::reception,
                    "已签收，签收人：门卫");
  signedBy(SignerType::self, "已签收，签收人：本人");
}

}  // namespace

std::vector<SimParcel> generatePopulation(const PopulationSettings& s, Timestamp start) {
  std::mt19937_64 rng(s.seed);
  std::vector<SimParcel> out;
  out.reserve(s.parcels);
  std::uniform_int_distribution<std::size_t> batchSize(100, 500);
  std::uniform_real_distribution<> unit(0, 1);
  while (out.size() < s.parcels) {
    // A print run: every parcel of the batch is registered in the same second.
    Timestamp registered =
        start + Seconds(static_cast<Seconds::rep>(
                    unit(rng) * static_cast<double>(s.registration_window.count())));
    std::size_t n = std::min(batchSize(rng), s.parcels - out.size());
    for (std::size_t i = 0; i < n; ++i) {
      SimParcel sp;
      sp.aggregator = unit(rng) < s.kuaidiniao_share ? "kuaidiniao" : "kuaidi100";
      sp.push_confirmed = unit(rng) < s.push_confirmed_share;
      generateOne(rng, sp, registered);
      out.push_back(std::move(sp));
    }
  }
  std::sort(out.begin(), out.end(), [](const SimParcel& a, const SimParcel& b) {
    return a.parcel.shipped_at < b.parcel.shipped_at;
  });
  // Numbers in registration order: SIM000000000001 is parcels[0].
  for (std::size_t i = 0; i < out.size(); ++i) {
    char num[32];
    std::snprintf(num, sizeof num, "SIM%012zu", i + 1);
    out[i].parcel.tracking_number = num;
    out[i].parcel.id = static_cast<std::int64_t>(i + 1);
  }
  return out;
}

}  // namespace pw::replay
