#include "carriers/gazetteer.h"

#include "support/printers.h"

#include <gtest/gtest.h>

using namespace pw;

namespace {
Place at(std::string_view text) { return Gazetteer::builtin().locate(text); }
Place place(std::string p, std::string c, std::string d = "") { return Place{p, c, d}; }
}  // namespace

namespace {}  // namespace

TEST(Gazetteer, LoadsTheWholeCountry) { EXPECT_GT(Gazetteer::builtin().size(), 3300u); }

TEST(Gazetteer, NamesCarriersWrite) {
  EXPECT_EQ(at("【杭州市】 快件已到达 杭州转运中心"), place("浙江省", "杭州市"));
  EXPECT_EQ(at("浙江杭州转运中心"), place("浙江省", "杭州市"));
  EXPECT_EQ(at("湖北省武汉市江夏区水晶郦都公司"), place("湖北省", "武汉市", "江夏区"));
  EXPECT_EQ(at("深圳宝安区二部"), place("广东省", "深圳市", "宝安区"));
  EXPECT_EQ(at("济南分拨中心"), place("山东省", "济南市"));
  EXPECT_EQ(at("[广州市] 运输中"), place("广东省", "广州市"));
  EXPECT_EQ(at("江苏,苏州市,相城区,北桥"), place("江苏省", "苏州市", "相城区"));
  EXPECT_EQ(at("北京市朝阳区望京营业部"), place("北京市", "北京市", "朝阳区"));
  EXPECT_EQ(at("新疆乌鲁木齐转运中心"), place("新疆维吾尔自治区", "乌鲁木齐市"));
  EXPECT_EQ(at("内蒙古呼和浩特分拨中心"), place("内蒙古自治区", "呼和浩特市"));
  EXPECT_EQ(at("【香港】 快件已到达海关"), place("香港特别行政区", "香港特别行政区"));
}

TEST(Gazetteer, TheFirstCityNamedIsWhereTheScanIs) {
  EXPECT_EQ(at("快件已从 广州转运中心 发出，准备发往 杭州转运中心"), place("广东省", "广州市"));
}

TEST(Gazetteer, UnknownStaysUnknown) {
  EXPECT_TRUE(at("运输中").empty());
  EXPECT_TRUE(at("").empty());
  EXPECT_TRUE(at("中山路营业部").empty()) << "a street, not 中山市";
  EXPECT_TRUE(at("朝阳区").empty()) << "朝阳区 is in Beijing and in Changchun";
  EXPECT_TRUE(at("\xff\xfe garbage").empty());
  EXPECT_EQ(at("广东中山市"), place("广东省", "中山市"));
}

TEST(Gazetteer, ProvinceOnlyWhenNoCity) { EXPECT_EQ(at("四川省内中转"), place("四川省", "")); }
