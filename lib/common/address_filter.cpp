#include "common/address_filter.h"

namespace pw {
namespace ip = boost::asio::ip;

Result<AddressFilter> AddressFilter::parse(const std::vector<std::string>& networks) {
  AddressFilter out;
  for (const auto& text : networks) {
    std::string cidr = text;
    boost::system::error_code ec;
    if (cidr.find('/') == std::string::npos) {
      auto a = ip::make_address(cidr, ec);
      if (!ec) cidr += a.is_v4() ? "/32" : "/128";
    }
    ec.clear();
    if (cidr.find(':') == std::string::npos) {
      auto n = ip::make_network_v4(cidr, ec);
      // 10.1.2.3/8 names a host inside a network: almost certainly a typo.
      if (!ec && n.canonical() == n) {
        out.networks_.emplace_back(n);
        continue;
      }
    } else {
      auto n = ip::make_network_v6(cidr, ec);
      if (!ec && n.canonical() == n) {
        out.networks_.emplace_back(n);
        continue;
      }
    }
    return makeError(
        ErrorCode::invalid_input,
        "bad network '" + text + "' (expected e.g. \"203.0.113.0/24\", \"2001:db8::/32\")");
  }
  return out;
}

bool AddressFilter::allows(const ip::address& peer) const {
  if (networks_.empty()) return true;
  // A listener on [::] sees IPv4 peers as ::ffff:a.b.c.d.
  ip::address a = peer;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = ip::make_address_v4(ip::v4_mapped, a.to_v6());
  for (const auto& n : networks_) {
    if (const auto* v4 = std::get_if<ip::network_v4>(&n)) {
      if (a.is_v4() && ip::network_v4(a.to_v4(), v4->prefix_length()).canonical() == *v4)
        return true;
    } else if (const auto* v6 = std::get_if<ip::network_v6>(&n)) {
      if (a.is_v6() && ip::network_v6(a.to_v6(), v6->prefix_length()).canonical() == *v6)
        return true;
    }
  }
  return false;
}

}  // namespace pw
