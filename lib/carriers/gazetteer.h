#pragma once
// Finds the province, city and district a scan names, using China's
// administrative divisions (conf/gazetteer/divisions.tsv, compiled into the
// library). Full names ("杭州市") and common short names ("杭州", "浙江",
// "内蒙古") are recognised, so a hub named after a city ("杭州转运中心") is
// located in that city. A place it cannot pin down stays empty: an unknown
// place is better than a wrong one for misroute detection.
#include "common/string_hash.h"
#include "model/place.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pw {

class Gazetteer {
 public:
  /// The divisions compiled into the library.
  static const Gazetteer& builtin();
  /// Parses the TSV format of conf/gazetteer/divisions.tsv.
  static Gazetteer parse(std::string_view tsv);

  /// The place a text names; an area field such as "江苏,苏州市,相城区" works too.
  /// The first city named wins ("从 广州 发往 杭州" is in Guangzhou). Without a
  /// city, a district or county placed by its name: the full name if it is
  /// unique in the country, a short name ("四川仪陇公司") only inside the
  /// province the text names.
  Place locate(std::string_view text) const;
  std::size_t size() const { return divisions_.size(); }

 private:
  struct Division {
    std::string code;
    char level = 'd';  // p, c, d
    std::string name;
    std::size_t parent = npos;
  };
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  struct Match {
    std::size_t pos;
    std::size_t division;
    std::size_t length;  // bytes of the name matched
    bool alias;          // a short name ("仪陇" for 仪陇县)
  };
  void index(const std::string& name, std::size_t division, bool alias);
  std::vector<Match> scan(std::string_view text) const;
  Place placeOf(std::size_t division) const;

  // Lookups by string_view without building a string per probe (the scan
  // probes every position and length of every event's text).
  using NameMap = std::unordered_map<std::string, std::vector<std::pair<std::size_t, bool>>,
                                     TransparentStringHash, std::equal_to<>>;

  std::vector<Division> divisions_;
  NameMap names_;  // name -> (division, is an alias)
  // Every name's every prefix (whole characters), with the name it spells
  // if it is one: the scan stops extending a candidate as soon as no name
  // starts so, instead of probing every length up to the longest name (a
  // quarter of a push's decode).
  using NameList = NameMap::mapped_type;
  std::unordered_map<std::string, const NameList*, TransparentStringHash, std::equal_to<>>
      prefixes_;
  // A bit for each name's first two characters, by a hash of their bytes: a
  // position whose two characters have no bit starts no name (every name has
  // two at least), and most positions of a text start none. Probing
  // prefixes_ at each of them was most of locate()'s instructions.
  static constexpr std::size_t kPairBits = 1 << 16;  // pairSlot keeps 16 bits
  static std::size_t pairSlot(std::string_view twoChars);
  std::vector<bool> pairs_ = std::vector<bool>(kPairBits);
  bool any_start_ = false;
};

}  // namespace pw
