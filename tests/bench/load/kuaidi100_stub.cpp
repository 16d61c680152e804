#include "load/kuaidi100_stub.h"

namespace pw::load {

namespace {

constexpr std::string_view kNoResult =
    R"({"result":false,"returnCode":"500","message":"查询无结果，请隔段时间再查"})";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string formDecode(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '+') {
      out.push_back(' ');
    } else if (v[i] == '%' && i + 2 < v.size() && hexValue(v[i + 1]) >= 0 &&
               hexValue(v[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(v[i + 1]) * 16 + hexValue(v[i + 2])));
      i += 2;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

}  // namespace

Kuaidi100Stub::Kuaidi100Stub(Answer answer, int threads)
    : answer_(std::move(answer)),
      server_([this](std::string_view, std::string_view body) { return handle(body); }, threads) {}

std::string Kuaidi100Stub::queryUrl() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/poll/query.do";
}

std::string Kuaidi100Stub::numberIn(std::string_view formBody) {
  std::string_view param;
  for (std::size_t at = 0; at < formBody.size();) {
    auto end = formBody.find('&', at);
    if (end == std::string_view::npos) end = formBody.size();
    auto field = formBody.substr(at, end - at);
    if (field.starts_with("param=")) param = field.substr(6);
    at = end + 1;
  }
  std::string json = formDecode(param);
  constexpr std::string_view kKey = R"("num":")";
  auto from = json.find(kKey);
  if (from == std::string::npos) return "";
  from += kKey.size();
  auto to = json.find('"', from);
  return to == std::string::npos ? "" : json.substr(from, to - from);
}

BenchReply Kuaidi100Stub::handle(std::string_view body) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  auto reply = answer_(numberIn(body));
  return {200, reply ? std::move(*reply) : std::string(kNoResult)};
}

}  // namespace pw::load
