#pragma once
// A parcels row as every SQLite read of a whole parcel selects it.
#include "model/parcel.h"

namespace SQLite {
class Statement;
}

namespace pw::store {

class RawStatement;

/// The columns readParcel reads, in its order, from `parcels`.
extern const char* const kParcelColumns;

/// A row of kParcelColumns (columns 0..13).
Parcel readParcel(SQLite::Statement& st);
Parcel readParcel(const RawStatement& st);

}  // namespace pw::store
