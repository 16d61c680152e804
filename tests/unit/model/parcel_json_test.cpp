#include "model/parcel_json.h"

#include "common/time_format.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

using namespace pw;
namespace json = boost::json;

namespace {
json::value good() {
  return json::parse(R"({"tracking_number":"YT1234567890123","carrier":"yuantong",
    "destination":{"province":"浙江省","city":"杭州市","district":"西湖区","address":"文三路 1 号"},
    "shipped_at":"2024-05-01T10:00:00+08:00","promised_by":"2024-05-05T23:59:59+08:00",
    "order_value":129.5,"buyer_id":"b-1"})");
}
std::string errorFor(const std::function<void(json::object&)>& mutate) {
  auto v = good();
  mutate(v.as_object());
  auto r = parcelFromJson(v);
  return r ? "" : r.error().message;
}
}  // namespace

TEST(ParcelJson, ParsesTheDocumentedObject) {
  auto p = parcelFromJson(good()).value();
  EXPECT_EQ(p.tracking_number, "YT1234567890123");
  EXPECT_EQ(p.destination.city, "杭州市");
  EXPECT_EQ(formatRfc3339(p.shipped_at), "2024-05-01T02:00:00Z");
  EXPECT_EQ(formatRfc3339(*p.promised_by), "2024-05-05T15:59:59Z");
  EXPECT_DOUBLE_EQ(*p.order_value, 129.5);
  EXPECT_EQ(*p.buyer_id, "b-1");
}

TEST(ParcelJson, NamesTheBadField) {
  EXPECT_EQ(errorFor([](auto& o) { o.erase("tracking_number"); }),
            "field 'tracking_number': missing");
  EXPECT_EQ(errorFor([](auto& o) { o["tracking_number"] = "YT 123"; }),
            "field 'tracking_number': must be 6 to 32 letters, digits or '-'");
  EXPECT_EQ(errorFor([](auto& o) { o["carrier"] = 7; }), "field 'carrier': must be a string");
  EXPECT_EQ(errorFor([](auto& o) { o.erase("carrier"); }), "") << "the caller guesses it";
  EXPECT_EQ(errorFor([](auto& o) { o["carrier"] = "YTO"; }),
            "field 'carrier': must be a lower-case Kuaidi100 company code such as \"yuantong\"");
  EXPECT_EQ(errorFor([](auto& o) { o["destination"].as_object().erase("city"); }),
            "field 'destination.city': missing");
  EXPECT_EQ(errorFor([](auto& o) { o["destination"].as_object()["floor"] = "3"; }),
            "field 'destination.floor': unknown field");
  EXPECT_EQ(errorFor([](auto& o) { o["shipped_at"] = "yesterday"; }),
            "field 'shipped_at': bad time 'yesterday': expected RFC 3339 such as "
            "2024-05-06T12:00:00+08:00");
  EXPECT_EQ(errorFor([](auto& o) { o["promised_by"] = "2024-04-01T00:00:00Z"; }),
            "field 'promised_by': is before shipped_at");
  EXPECT_EQ(errorFor([](auto& o) { o["order_value"] = -1; }), "field 'order_value': must be >= 0");
  EXPECT_EQ(errorFor([](auto& o) { o["color"] = "red"; }), "field 'color': unknown field");
  EXPECT_EQ(parcelFromJson(json::value(42)).error().message, "a parcel must be a JSON object");
}
