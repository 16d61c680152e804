#include "carriers/tracking_number.h"

#include <regex>

namespace pw {
namespace {

struct Format {
  std::string_view carrier;
  const char* pattern;
  bool prefixed;          // starts with letters that name the carrier
  std::string_view rule;  // for people
};

// Formats as the carriers issue them today; several accept older shapes too.
const Format kFormats[] = {
    {"shunfeng", "SF[0-9]{12,13}", true, "SF followed by 12 or 13 digits"},
    {"yuantong", "YT[0-9]{13}", true, "YT followed by 13 digits"},
    {"jtexpress", "JT[0-9]{13}", true, "JT followed by 13 digits"},
    {"jd", "JD[0-9A-Z]{11,14}", true, "JD followed by 11 to 14 letters or digits"},
    {"debangwuliu", "DPK[0-9]{12}", true, "DPK followed by 12 digits"},
    {"zhongtong", "[0-9]{12}|[0-9]{14}", false, "12 or 14 digits"},
    {"shentong", "(77|88|66|55|44|33|22|26)[0-9]{10,13}", false,
     "12 to 15 digits starting with 77, 88, 66, 55, 44, 33, 22 or 26"},
    {"yunda", "[0-9]{13}|[0-9]{15}", false, "13 or 15 digits"},
    {"ems", "(1|5|9)[0-9]{12}", false, "13 digits starting with 1, 5 or 9, or a UPU S10 number"},
    {"youzhengguonei", "(1|9)[0-9]{12}", false,
     "13 digits starting with 1 or 9, or a UPU S10 number"},
};

bool matches(const Format& f, std::string_view number) {
  static thread_local std::vector<std::regex> compiled = [] {
    std::vector<std::regex> v;
    for (const auto& fmt : kFormats) v.emplace_back(fmt.pattern);
    return v;
  }();
  const auto& re = compiled[static_cast<size_t>(&f - kFormats)];
  return std::regex_match(number.begin(), number.end(), re);
}

bool postal(std::string_view carrier) { return carrier == "ems" || carrier == "youzhengguonei"; }

}  // namespace

bool isValidS10(std::string_view n) {
  if (n.size() != 13) return false;
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!upper(n[0]) || !upper(n[1]) || !upper(n[11]) || !upper(n[12])) return false;
  for (int i = 2; i < 11; ++i)
    if (!digit(n[i])) return false;
  static constexpr int kWeights[] = {8, 6, 4, 2, 3, 5, 9, 7};
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += (n[2 + i] - '0') * kWeights[i];
  int check = 11 - sum % 11;
  if (check == 10) check = 0;
  if (check == 11) check = 5;
  return check == n[10] - '0';
}

NumberCheck checkTrackingNumber(std::string_view carrier, std::string_view number) {
  if (postal(carrier) && isValidS10(number)) return {};
  const Format* rule = nullptr;
  for (const auto& f : kFormats) {
    if (f.carrier != carrier) continue;
    rule = &f;
    if (matches(f, number)) return {};
  }
  if (!rule) return {};
  return {false, std::string(carrier) + " numbers are " + std::string(rule->rule)};
}

std::vector<std::string> guessCarriers(std::string_view number) {
  std::vector<std::string> out;
  for (bool prefixed : {true, false}) {
    for (const auto& f : kFormats)
      if (f.prefixed == prefixed && matches(f, number)) out.emplace_back(f.carrier);
    if (!out.empty()) return out;  // a carrier prefix is decisive
  }
  if (isValidS10(number)) out = {"ems", "youzhengguonei"};
  return out;
}

}  // namespace pw
