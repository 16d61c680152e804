#pragma once
// The parcel object is an interface (control socket `track`, parcelwatchctl
// track files, analyzer cases); this is its one parser, so every entry point
// rejects the same things with the same words.
#include "common/result.h"
#include "model/parcel.h"

#include <boost/json/value.hpp>

namespace pw {

/// Validates and converts; the error names the offending field.
Result<Parcel> parcelFromJson(const boost::json::value& v);
boost::json::object parcelToJson(const Parcel& p);

}  // namespace pw
