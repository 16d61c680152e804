#include "notify/answer_classifier.h"

#include "notify/card_text.h"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <initializer_list>

namespace pw::notify {

namespace {

namespace json = boost::json;

bool oneOf(std::int64_t code, std::initializer_list<std::int64_t> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// The platform's code and message from a JSON body, if it has them.
struct BodyCode {
  std::int64_t code = 0;
  std::string message;
};

std::optional<BodyCode> bodyCode(const std::string& body, std::string_view codeKey,
                                 std::string_view messageKey) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  auto* c = o.if_contains(codeKey);
  if (!c || !c->is_number()) return std::nullopt;
  BodyCode out;
  out.code = c->is_int64() ? c->get_int64() : static_cast<std::int64_t>(c->to_number<double>());
  if (auto* m = o.if_contains(messageKey); m && m->is_string())
    out.message = utf8Truncate(std::string(m->get_string()), 200);
  return out;
}

Answer byStatus(const HttpResponse& r) {
  Answer a;
  a.http_status = r.status;
  if (r.retry_after) a.retry_after = std::chrono::duration_cast<Millis>(*r.retry_after);
  a.reason = "HTTP " + std::to_string(r.status);
  if (r.status >= 200 && r.status < 300)
    a.verdict = Verdict::delivered;
  else if (r.status == 429)
    a.verdict = Verdict::rate_limited;
  else if (r.status == 400 || r.status == 413 || r.status == 422)
    a.verdict = Verdict::rejected;
  else
    a.verdict = Verdict::retry;
  return a;
}

Answer robot(const HttpResponse& r, std::string_view codeKey, std::string_view messageKey,
             std::initializer_list<std::int64_t> rateLimited,
             std::initializer_list<std::int64_t> rejected) {
  Answer a = byStatus(r);
  if (r.status == 429 || r.status >= 500) return a;
  // On any other status the body's code is the platform's own verdict (a
  // signature failure must not be parked as a bad request).
  auto code = bodyCode(r.body, codeKey, messageKey);
  if (!code) {
    if (a.verdict == Verdict::delivered) {
      a.verdict = Verdict::retry;
      a.reason = "HTTP " + std::to_string(r.status) + " without " + std::string(codeKey);
    }
    return a;
  }
  a.reason = std::string(codeKey) + " " + std::to_string(code->code) + ": " + code->message;
  if (code->code == 0)
    a.verdict = Verdict::delivered;
  else if (oneOf(code->code, rateLimited))
    a.verdict = Verdict::rate_limited;
  else if (oneOf(code->code, rejected))
    a.verdict = Verdict::rejected;
  else
    a.verdict = Verdict::retry;
  return a;
}

}  // namespace

std::string_view toString(Verdict verdict) {
  switch (verdict) {
    case Verdict::delivered:
      return "delivered";
    case Verdict::retry:
      return "retry";
    case Verdict::rate_limited:
      return "rate_limited";
    case Verdict::rejected:
      return "rejected";
  }
  return "unknown";
}

Answer classifyAnswer(SinkType type, const Result<HttpResponse>& response) {
  if (!response) {
    Answer a;
    a.verdict = Verdict::retry;
    a.reason = response.error().message;
    return a;
  }
  const HttpResponse& r = *response;
  switch (type) {
    case SinkType::dingtalk:
      return robot(r, "errcode", "errmsg", {130101, 410100}, {});
    case SinkType::wecom:
      return robot(r, "errcode", "errmsg", {45009}, {});
    case SinkType::feishu: {
      // Older answers carry StatusCode/StatusMessage instead of code/msg.
      auto hasCode = bodyCode(r.body, "code", "msg");
      if (!hasCode && bodyCode(r.body, "StatusCode", "StatusMessage"))
        return robot(r, "StatusCode", "StatusMessage", {11232}, {9499});
      return robot(r, "code", "msg", {11232}, {9499});
    }
    case SinkType::webhook:
      break;
  }
  return byStatus(r);
}

}  // namespace pw::notify
