#pragma once
// Which peers may talk to a listener: a list of IPv4/IPv6 networks in CIDR
// notation ("203.0.113.0/24", "2001:db8::/32"; a bare address is one host).
// Aggregators publish the addresses their callbacks come from, so the push
// listener can refuse everyone else before reading a body.
#include "common/result.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include <string>
#include <variant>
#include <vector>

namespace pw {

class AddressFilter {
 public:
  /// Empty: every peer is allowed.
  AddressFilter() = default;
  /// invalid_input naming the first entry that is not a network.
  static Result<AddressFilter> parse(const std::vector<std::string>& networks);

  bool allows(const boost::asio::ip::address& peer) const;
  bool empty() const { return networks_.empty(); }

 private:
  std::vector<std::variant<boost::asio::ip::network_v4, boost::asio::ip::network_v6>> networks_;
};

}  // namespace pw
