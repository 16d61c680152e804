#include "carriers/carrier_codes.h"

namespace pw {
namespace {

struct Codes {
  std::string_view kuaidi100, kuaidiniao;
};

constexpr Codes kCodes[] = {
    {"shunfeng", "SF"},     {"yuantong", "YTO"},
    {"zhongtong", "ZTO"},   {"shentong", "STO"},
    {"yunda", "YD"},        {"jd", "JD"},
    {"ems", "EMS"},         {"jtexpress", "JTSD"},
    {"debangwuliu", "DBL"}, {"youzhengguonei", "YZPY"},
    {"jtexpress", "JT"},
};

}  // namespace

std::optional<std::string> kuaidiniaoCode(std::string_view k100) {
  for (const auto& c : kCodes)
    if (c.kuaidi100 == k100) return std::string(c.kuaidiniao);
  return std::nullopt;
}

std::optional<std::string> kuaidi100CodeFromKuaidiniao(std::string_view code) {
  for (const auto& c : kCodes)
    if (c.kuaidiniao == code) return std::string(c.kuaidi100);
  return std::nullopt;
}

}  // namespace pw
