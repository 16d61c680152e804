#include "carriers/gazetteer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace pw {

extern const char* const kDivisionsTsv;  // generated from conf/gazetteer/divisions.tsv

namespace {

constexpr std::size_t kCjk = 3;  // bytes of one CJK character in UTF-8

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string stripSuffix(std::string_view s, std::string_view suffix) {
  return std::string(s.substr(0, s.size() - suffix.size()));
}

// "广西壮族自治区" -> "广西", "浙江省" -> "浙江", "北京市" -> "北京".
std::string provinceAlias(std::string_view name) {
  for (auto suffix : {"特别行政区", "自治区", "省", "市"}) {
    if (!endsWith(name, suffix)) continue;
    std::string base = stripSuffix(name, suffix);
    for (auto ethnic : {"壮族", "回族", "维吾尔"})
      if (endsWith(base, ethnic)) base = stripSuffix(base, ethnic);
    return base;
  }
  return std::string(name);
}

// "杭州市" -> "杭州", "大兴安岭地区" -> "大兴安岭", "延边朝鲜族自治州" -> "延边".
std::string cityAlias(std::string_view name) {
  if (endsWith(name, "自治州") && name.size() > 2 * kCjk)
    return std::string(name.substr(0, 2 * kCjk));
  for (auto suffix : {"特别行政区", "地区", "盟", "市", "省"}) {
    if (endsWith(name, suffix) && name.size() - std::string_view(suffix).size() >= 2 * kCjk)
      return stripSuffix(name, suffix);
  }
  return std::string(name);
}

// "仪陇县" -> "仪陇", "惠阳区" -> "惠阳", "诸暨市" -> "诸暨": branch names use
// the short form ("四川仪陇公司"). Two characters at least remain.
std::string districtAlias(std::string_view name) {
  for (auto suffix : {"自治县", "自治旗", "特区", "林区", "区", "县", "市", "旗"}) {
    if (endsWith(name, suffix) && name.size() - std::string_view(suffix).size() >= 2 * kCjk)
      return stripSuffix(name, suffix);
  }
  return std::string(name);
}

// A short name followed by a street word is a street: "中山路" is not 中山市.
bool streetAfter(std::string_view text, std::size_t end) {
  for (auto w : {"路", "街", "道", "巷", "公园", "广场", "小区", "大厦", "大学", "桥"})
    if (text.substr(end, std::string_view(w).size()) == w) return true;
  return false;
}

std::size_t charLength(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;  // invalid byte: step over it
}

// Bytes of the first two characters at the start of `s`, or 0 if it holds fewer.
std::size_t firstTwoChars(std::string_view s) {
  if (s.empty()) return 0;
  std::size_t one = charLength(static_cast<unsigned char>(s[0]));
  if (one >= s.size()) return 0;
  std::size_t two = one + charLength(static_cast<unsigned char>(s[one]));
  return two <= s.size() ? two : 0;
}

}  // namespace

const Gazetteer& Gazetteer::builtin() {
  static const Gazetteer g = parse(kDivisionsTsv);
  return g;
}

Gazetteer Gazetteer::parse(std::string_view tsv) {
  Gazetteer g;
  std::unordered_map<std::string, std::size_t> byCode;
  std::vector<std::string> parents;
  std::size_t start = 0;
  while (start < tsv.size()) {
    std::size_t end = tsv.find('\n', start);
    if (end == std::string_view::npos) end = tsv.size();
    std::string_view line = tsv.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    std::array<std::string_view, 4> f;
    std::size_t from = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      std::size_t tab = line.find('\t', from);
      f[i] = line.substr(from, tab == std::string_view::npos ? std::string_view::npos : tab - from);
      from = tab == std::string_view::npos ? line.size() : tab + 1;
    }
    Division d{std::string(f[0]), f[1].empty() ? 'd' : f[1][0], std::string(f[2]), npos};
    byCode[d.code] = g.divisions_.size();
    parents.emplace_back(f[3]);
    g.divisions_.push_back(std::move(d));
  }
  for (std::size_t i = 0; i < g.divisions_.size(); ++i) {
    if (auto it = byCode.find(parents[i]); it != byCode.end()) g.divisions_[i].parent = it->second;
    const auto& d = g.divisions_[i];
    g.index(d.name, i, false);
    if (d.level == 'p') g.index(provinceAlias(d.name), i, true);
    if (d.level == 'c') g.index(cityAlias(d.name), i, true);
    // "乌鲁木齐县" would shorten to its city's own short name: keep the full name only.
    if (d.level == 'd' &&
        !(d.parent != npos && districtAlias(d.name) == cityAlias(g.divisions_[d.parent].name)))
      g.index(districtAlias(d.name), i, true);
  }
  // After every name is in: nodes of an unordered_map never move.
  for (const auto& [name, list] : g.names_) {
    for (std::size_t end = 0; end < name.size();) {
      end += charLength(static_cast<unsigned char>(name[end]));
      g.prefixes_.emplace(name.substr(0, end), nullptr);
    }
    g.prefixes_[name] = &list;
    if (std::size_t two = firstTwoChars(name); two > 0)
      g.pairs_[pairSlot(name.substr(0, two))] = true;
    else
      g.any_start_ = true;  // a one-character name: no position can be skipped
  }
  return g;
}

std::size_t Gazetteer::pairSlot(std::string_view twoChars) {
  // Two characters are eight bytes at most: one word, hashed by a multiply.
  std::uint64_t k = 0;
  std::memcpy(&k, twoChars.data(), std::min<std::size_t>(sizeof k, twoChars.size()));
  return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ull) >> 48);
}

void Gazetteer::index(const std::string& name, std::size_t division, bool alias) {
  if (name.size() < 2 * kCjk) return;  // one character names nothing reliably
  auto& v = names_[name];
  for (const auto& [d, a] : v)
    if (d == division) return;
  v.emplace_back(division, alias);
}

std::vector<Gazetteer::Match> Gazetteer::scan(std::string_view text) const {
  std::vector<Match> out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t two = firstTwoChars(text.substr(i));
    if (!any_start_ && (two == 0 || !pairs_[pairSlot(text.substr(i, two))])) {
      i += charLength(static_cast<unsigned char>(text[i]));
      continue;
    }
    // Longest name starting here.
    std::size_t best = 0;
    const NameList* found = nullptr;
    for (std::size_t j = i; j < text.size();) {
      j += charLength(static_cast<unsigned char>(text[j]));
      auto it = prefixes_.find(text.substr(i, std::min(j, text.size()) - i));
      if (it == prefixes_.end()) break;
      if (it->second) {
        best = std::min(j, text.size()) - i;
        found = it->second;
      }
    }
    if (found) {
      for (const auto& [d, alias] : *found)
        if (!(alias && streetAfter(text, i + best))) out.push_back({i, d, best, alias});
      i += best;
    } else {
      i += charLength(static_cast<unsigned char>(text[i]));
    }
  }
  return out;
}

Place Gazetteer::placeOf(std::size_t division) const {
  Place p;
  for (std::size_t d = division; d != npos; d = divisions_[d].parent) {
    const auto& div = divisions_[d];
    if (div.level == 'p') p.province = div.name;
    if (div.level == 'c') p.city = div.name;
    if (div.level == 'd') p.district = div.name;
  }
  if (p.district == p.city) p.district.clear();  // cities without districts list themselves
  return p;
}

Place Gazetteer::locate(std::string_view text) const {
  auto matches = scan(text);
  if (matches.empty()) return {};
  // The first city named, if any; a province named before it must contain it.
  std::size_t province = npos;
  for (const auto& m : matches) {
    const auto& d = divisions_[m.division];
    if (d.level == 'p' && province == npos) province = m.division;
    if (d.level != 'c') continue;
    if (province != npos && d.parent != province) continue;
    Place p = placeOf(m.division);
    for (const auto& dm : matches)
      if (divisions_[dm.division].level == 'd' && divisions_[dm.division].parent == m.division &&
          divisions_[dm.division].name != p.city)
        p.district = divisions_[dm.division].name;
    return p;
  }
  // No city: a district whose name is unique in the country (or in the named province).
  std::vector<Match> districts;
  for (const auto& m : matches) {
    const auto& d = divisions_[m.division];
    if (d.level != 'd') continue;
    // A short district name is too often an ordinary word ("红旗", "和平")
    // to trust without the province around it.
    if (m.alias && province == npos) continue;
    std::size_t city = d.parent;
    if (province != npos && (city == npos || divisions_[city].parent != province)) continue;
    districts.push_back(m);
  }
  if (!districts.empty()) {
    const Match& first = districts.front();
    std::size_t same = 0;
    for (const auto& [d, alias] : names_.find(text.substr(first.pos, first.length))->second)
      if (divisions_[d].level == 'd' &&
          (province == npos ||
           (divisions_[d].parent != npos && divisions_[divisions_[d].parent].parent == province)))
        ++same;
    if (same == 1) return placeOf(first.division);
  }
  if (province != npos) return placeOf(province);
  return {};
}

}  // namespace pw
