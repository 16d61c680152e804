#include "carriers/no_such_number.h"

namespace pw {

bool saysNoSuchNumber(std::string_view message) {
  for (std::string_view w : {"不存在", "已经过期", "已过期", "单号错误", "单号有误", "无效单号",
                             "单号无效", "运单号错误", "查无此单", "无此单号", "invalid tracking",
                             "invalid number", "does not exist"})
    if (message.find(w) != std::string_view::npos) return true;
  return false;
}

}  // namespace pw
