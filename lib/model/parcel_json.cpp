#include "model/parcel_json.h"

#include "common/time_format.h"

#include <boost/json.hpp>

#include <cmath>

namespace pw {
namespace json = boost::json;

namespace {

Error fieldError(std::string_view field, std::string_view what) {
  return makeError(ErrorCode::invalid_input,
                   "field '" + std::string(field) + "': " + std::string(what));
}

// A required or optional string field; `maxLen` keeps hostile input out of the store.
Result<std::optional<std::string>> stringField(const json::object& o, std::string_view key,
                                               bool required, size_t maxLen,
                                               std::string_view prefix = {}) {
  std::string name = std::string(prefix) + std::string(key);
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) return fieldError(name, "missing");
    return std::optional<std::string>{};
  }
  if (!it->value().is_string()) return fieldError(name, "must be a string");
  std::string s(it->value().get_string());
  if (required && s.empty()) return fieldError(name, "must not be empty");
  if (s.size() > maxLen)
    return fieldError(name, "longer than " + std::to_string(maxLen) + " bytes");
  return std::optional<std::string>{std::move(s)};
}

bool validTrackingNumber(std::string_view s) {
  if (s.size() < 6 || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-'))
      return false;
  return true;
}

bool validCarrierCode(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_' || c == '-')) return false;
  return true;
}

bool validCountryCode(std::string_view s) {
  return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

}  // namespace

Result<Parcel> parcelFromJson(const json::value& v) {
  if (!v.is_object()) return makeError(ErrorCode::invalid_input, "a parcel must be a JSON object");
  const auto& o = v.get_object();
  static constexpr std::string_view kKnown[] = {"tracking_number", "carrier",     "destination",
                                                "shipped_at",      "promised_by", "order_value",
                                                "buyer_id",        "phone"};
  for (const auto& kv : o) {
    bool known = false;
    for (auto k : kKnown) known = known || kv.key() == k;
    if (!known) return fieldError(kv.key(), "unknown field");
  }
  Parcel p;
  auto tn = stringField(o, "tracking_number", true, 32);
  if (!tn) return tn.error();
  p.tracking_number = **tn;
  if (!validTrackingNumber(p.tracking_number))
    return fieldError("tracking_number", "must be 6 to 32 letters, digits or '-'");

  // The carrier may be left out; the caller guesses it from the number.
  auto carrier = stringField(o, "carrier", false, 32);
  if (!carrier) return carrier.error();
  p.carrier = carrier->value_or("");
  if (!p.carrier.empty() && !validCarrierCode(p.carrier))
    return fieldError("carrier",
                      "must be a lower-case Kuaidi100 company code such as \"yuantong\"");

  auto dest = o.find("destination");
  if (dest == o.end()) return fieldError("destination", "missing");
  if (!dest->value().is_object()) return fieldError("destination", "must be an object");
  const auto& d = dest->value().get_object();
  for (const auto& kv : d) {
    if (kv.key() != "province" && kv.key() != "city" && kv.key() != "district" &&
        kv.key() != "address" && kv.key() != "country")
      return fieldError("destination." + std::string(kv.key()), "unknown field");
  }
  auto country = stringField(d, "country", false, 2, "destination.");
  if (!country) return country.error();
  p.destination.country = country->value_or("");
  if (!p.destination.country.empty() && !validCountryCode(p.destination.country))
    return fieldError("destination.country", "must be an ISO 3166 code such as \"CN\" or \"PT\"");
  // Abroad the province and city are whatever the merchant has; at home the
  // rules need them to place the parcel.
  bool home = !p.destination.abroad();
  struct {
    std::string_view key;
    std::string* out;
    bool required;
    size_t max;
  } destFields[] = {{"province", &p.destination.province, home, 64},
                    {"city", &p.destination.city, home, 64},
                    {"district", &p.destination.district, false, 64},
                    {"address", &p.destination.address, false, 512}};
  for (auto& f : destFields) {
    auto r = stringField(d, f.key, f.required, f.max, "destination.");
    if (!r) return r.error();
    if (*r) *f.out = **r;
  }

  auto shipped = stringField(o, "shipped_at", true, 64);
  if (!shipped) return shipped.error();
  auto shippedAt = parseRfc3339(**shipped);
  if (!shippedAt) return fieldError("shipped_at", shippedAt.error().message);
  p.shipped_at = *shippedAt;

  auto promised = stringField(o, "promised_by", false, 64);
  if (!promised) return promised.error();
  if (*promised) {
    auto t = parseRfc3339(**promised);
    if (!t) return fieldError("promised_by", t.error().message);
    if (*t < p.shipped_at) return fieldError("promised_by", "is before shipped_at");
    p.promised_by = *t;
  }

  if (auto it = o.find("order_value"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_number()) return fieldError("order_value", "must be a number");
    double value = it->value().to_number<double>();
    if (!std::isfinite(value) || value < 0) return fieldError("order_value", "must be >= 0");
    p.order_value = value;
  }
  auto buyer = stringField(o, "buyer_id", false, 128);
  if (!buyer) return buyer.error();
  p.buyer_id = *buyer;
  auto phone = stringField(o, "phone", false, 32);
  if (!phone) return phone.error();
  p.phone = *phone;
  return p;
}

json::object parcelToJson(const Parcel& p) {
  json::object o;
  o["tracking_number"] = p.tracking_number;
  o["carrier"] = p.carrier;
  o["destination"] = json::object{{"province", p.destination.province},
                                  {"city", p.destination.city},
                                  {"district", p.destination.district},
                                  {"address", p.destination.address}};
  if (!p.destination.country.empty())
    o["destination"].as_object()["country"] = p.destination.country;
  o["shipped_at"] = formatRfc3339(p.shipped_at);
  if (p.promised_by) o["promised_by"] = formatRfc3339(*p.promised_by);
  if (p.order_value) o["order_value"] = *p.order_value;
  if (p.buyer_id) o["buyer_id"] = *p.buyer_id;
  o["stage"] = toString(p.stage);
  return o;
}

}  // namespace pw
