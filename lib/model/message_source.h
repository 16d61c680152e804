#pragma once
#include <string>
#include <utility>
#include <vector>

namespace pw {

/// How a buyer message was rendered: fmt templates and their named
/// arguments. The store keeps these few facts instead of the text (the
/// templates are shared by every task of a kind) and renders it again when
/// the task is read.
struct MessageSource {
  using Args = std::vector<std::pair<std::string, std::string>>;
  std::string zh_template;
  std::string en_template;
  Args zh_args;
  Args en_args;

  bool operator==(const MessageSource&) const = default;
};

}  // namespace pw
