#include "model/carrier_names.h"

namespace pw {
namespace {

struct Name {
  std::string_view code, zh, en;
};

constexpr Name kNames[] = {
    {"shunfeng", "顺丰速运", "SF Express"},
    {"yuantong", "圆通速递", "YTO Express"},
    {"zhongtong", "中通快递", "ZTO Express"},
    {"shentong", "申通快递", "STO Express"},
    {"yunda", "韵达快递", "Yunda Express"},
    {"jd", "京东物流", "JD Logistics"},
    {"ems", "EMS", "EMS"},
    {"jtexpress", "极兔速递", "J&T Express"},
    {"youzhengguonei", "邮政快递包裹", "China Post"},
    {"debangwuliu", "德邦快递", "Deppon Express"},
};

const Name* find(std::string_view code) {
  for (const auto& n : kNames)
    if (n.code == code) return &n;
  return nullptr;
}

}  // namespace

std::string carrierDisplayName(std::string_view code) {
  auto* n = find(code);
  return std::string(n ? n->zh : code);
}

std::string carrierDisplayNameEn(std::string_view code) {
  auto* n = find(code);
  return std::string(n ? n->en : code);
}

}  // namespace pw
