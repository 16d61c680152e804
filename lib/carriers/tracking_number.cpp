#include "carriers/tracking_number.h"

#include <algorithm>
#include <regex>

namespace pw {
namespace {

enum class Tier {
  letters,       // starts with letters that name the carrier: decisive
  digit_prefix,  // digits with a carrier's own leading digits
  digits,        // a length alone
};

struct Format {
  std::string_view carrier;
  const char* pattern;
  Tier tier;
  std::string_view rule;  // for people; the first row of a carrier says it
};

// The shapes carriers issue, old ones included: a number that does not fit
// is only a warning (and a hint for guessing the carrier), never a task, so
// these err on the side of what is real. Sources: numbers seen in published
// histories and public validation rule sets.
const Format kFormats[] = {
    {"shunfeng", "SF[0-9A-Z]?[0-9]{12}", Tier::letters,
     "SF followed by 12 or 13 characters, or 12 digits (older)"},
    {"yuantong", "YT[0-9]{10,13}", Tier::letters,
     "YT followed by 10 to 13 digits, or 10, 12 or 18 digits (older)"},
    {"jtexpress", "JT[0-9]{12,13}", Tier::letters, "JT followed by 12 or 13 digits"},
    {"jd", "JD[0-9A-Z]{11,14}|V[A-C][0-9]{11,13}", Tier::letters,
     "JD followed by 11 to 14 letters or digits, or VA/VB/VC followed by 11 to 13 digits"},
    {"debangwuliu", "DPK[0-9]{11,13}", Tier::letters,
     "DPK followed by 11 to 13 digits, or 8 to 10 digits"},
    {"shentong", "STO[0-9]{10}", Tier::letters,
     "12 to 17 digits starting with one of STO's prefixes (77, 88, 66, 55, 44, 43, 33, 22, ...)"},
    {"huitongkuaidi", "[ABDE][0-9]{12}|BXA[0-9]{10}|K8[0-9]{11}", Tier::letters,
     "12 to 15 digits, or A/B/D/E followed by 12 digits"},
    {"shentong",
     "(11|22|26|33|40|43|44|55|66|77|88|99)[0-9]{10,15}|(268|368|468|568|588|668|688|768|868|888|"
     "968)[0-9]{9,13}",
     Tier::digit_prefix, ""},
    {"yuantong", "[6-9][0-9]{17}|(80|88)[0-9]{8}", Tier::digit_prefix, ""},
    {"ems", "(1|5|9)[0-9]{12}", Tier::digit_prefix,
     "13 digits starting with 1, 5 or 9, or a UPU S10 number"},
    {"youzhengguonei", "(1|9)[0-9]{12}", Tier::digit_prefix,
     "13 digits starting with 1 or 9, or a UPU S10 number"},
    {"zhongtong", "[0-9]{12}|[0-9]{14,15}", Tier::digits, "12, 14 or 15 digits"},
    {"yunda", "[0-9]{13}|[0-9]{15}", Tier::digits, "13 or 15 digits"},
    {"huitongkuaidi", "[0-9]{12,15}", Tier::digits, ""},
    {"yuantong", "[0-9]{12}", Tier::digits, ""},
    {"shunfeng", "[0-9]{12}", Tier::digits, ""},
    {"debangwuliu", "[0-9]{8,10}", Tier::digits, ""},
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

NumberCheck checkTrackingNumber(std::string_view carrier, std::string_view number) {
  if (postal(carrier) && isValidS10(number)) return {};
  const Format* rule = nullptr;
  for (const auto& f : kFormats) {
    if (f.carrier != carrier) continue;
    if (!rule) rule = &f;
    if (matches(f, number)) return {};
  }
  if (!rule) return {};
  return {false, std::string(carrier) + " numbers are " + std::string(rule->rule)};
}

std::vector<std::string> guessCarriers(std::string_view number) {
  std::vector<std::string> out;
  auto add = [&](std::string_view c) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.emplace_back(c);
  };
  for (const auto& f : kFormats)
    if (f.tier == Tier::letters && matches(f, number)) add(f.carrier);
  if (!out.empty()) return out;  // a carrier prefix is decisive
  if (isValidS10(number)) return {"ems", "youzhengguonei"};
  for (Tier tier : {Tier::digit_prefix, Tier::digits})
    for (const auto& f : kFormats)
      if (f.tier == tier && matches(f, number)) add(f.carrier);
  return out;
}

}  // namespace pw
