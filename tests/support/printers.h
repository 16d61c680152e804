#pragma once
// Lets GoogleTest print Result<T> values in failure messages (Boost's own
// operator<< needs T to be printable, which most of our value types are not).
#include "common/result.h"
#include "model/place.h"

#include <ostream>

namespace pw {

template <class T>
void PrintTo(const boost::system::result<T, Error>& r, std::ostream* os) {
  if (r)
    *os << "(value)";
  else
    *os << "(error " << toString(r.error().code) << ": " << r.error().message << ")";
}

inline void PrintTo(const Place& p, std::ostream* os) {
  *os << p.province << "/" << p.city << "/" << p.district;
}

}  // namespace pw
