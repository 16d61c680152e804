#pragma once
// Aggregators say "this number does not exist" in words, not codes
// (Kuaidi100 returnCode 201/500 "单号不存在或者已经过期", Kuaidiniao
// Success=false "单号不存在"). That answer is a finding about the number:
// invalid_number is made of it, after its grace period.
#include <string_view>

namespace pw {

bool saysNoSuchNumber(std::string_view message);

}  // namespace pw
