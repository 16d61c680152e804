#include "support/fake_notify_endpoint.h"

#include "notify/robot_signature.h"
#include "notify/webhook_signature.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

namespace pw::test {

namespace json = boost::json;
using notify::SinkType;

namespace {

constexpr std::string_view kToken = "robot-token-1";
constexpr std::string_view kWecomKey = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";

std::int64_t nowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The text people would read, for tests to search.
std::string robotText(SinkType type, const json::object& o) {
  try {
    switch (type) {
      case SinkType::dingtalk:
        return std::string(o.at("markdown").at("text").as_string());
      case SinkType::wecom:
        return std::string(o.at("markdown").at("content").as_string());
      case SinkType::feishu: {
        const auto& card = o.at("card").as_object();
        return std::string(card.at("header").at("title").at("content").as_string()) + "\n" +
               std::string(
                   card.at("elements").as_array().at(0).at("text").at("content").as_string());
      }
      case SinkType::webhook:
        break;
    }
  } catch (const std::exception&) {
  }
  return {};
}

}  // namespace

FakeNotifyEndpoint::FakeNotifyEndpoint(boost::asio::io_context& io, SinkType type,
                                       std::string secret)
    : type_(type),
      secret_(std::move(secret)),
      listener_(io, [this](const HttpListener::Request& r) { return handle(r); }) {}

FakeNotifyEndpoint::~FakeNotifyEndpoint() { listener_.stop(); }

std::uint16_t FakeNotifyEndpoint::start() {
  auto ep = parseListenAddress("127.0.0.1:0").value();
  port_ = listener_.start(ep).value();
  return port_;
}

void FakeNotifyEndpoint::stop() { listener_.stop(); }

std::string FakeNotifyEndpoint::url() const {
  std::string base = "http://127.0.0.1:" + std::to_string(port_);
  switch (type_) {
    case SinkType::dingtalk:
      return base + "/robot/send?access_token=" + std::string(kToken);
    case SinkType::wecom:
      return base + "/cgi-bin/webhook/send?key=" + std::string(kWecomKey);
    case SinkType::feishu:
      return base + "/open-apis/bot/v2/hook/0c5c4b1e-test";
    case SinkType::webhook:
      break;
  }
  return base + "/hooks/parcelwatch";
}

void FakeNotifyEndpoint::pushFault(NotifyFault fault) {
  std::lock_guard lock(mu_);
  faults_.push_back(std::move(fault));
}

void FakeNotifyEndpoint::setStickyFault(std::optional<NotifyFault> fault) {
  std::lock_guard lock(mu_);
  sticky_ = std::move(fault);
}

void FakeNotifyEndpoint::enforceRateLimit(notify::RateLimit limit) {
  std::lock_guard lock(mu_);
  limit_ = limit;
}

HttpReply FakeNotifyEndpoint::success() const {
  if (type_ == SinkType::feishu) return makeReply(200, R"({"code":0,"msg":"success","data":{}})");
  if (type_ == SinkType::webhook) return makeReply(204, "");
  return makeReply(200, R"({"errcode":0,"errmsg":"ok"})");
}

bool FakeNotifyEndpoint::verify(const HttpListener::Request& req, ReceivedCall& call) const {
  std::int64_t now = nowUnixSeconds();
  switch (type_) {
    case SinkType::webhook: {
      auto sig = req.find(std::string(notify::kSignatureHeader));
      auto id = req.find(std::string(notify::kEventIdHeader));
      if (id != req.end()) call.event_id = std::string(id->value());
      if (sig == req.end()) return false;
      return notify::verifyWebhookSignature(sig->value(), secret_, req.body(), now).has_value();
    }
    case SinkType::dingtalk: {
      auto u = boost::urls::parse_origin_form(req.target());
      if (!u) return false;
      auto params = u->encoded_params();
      auto token = params.find("access_token");
      if (token == params.end() || (*token).value != kToken) return false;
      if (secret_.empty()) return true;
      auto ts = params.find("timestamp");
      auto sign = params.find("sign");
      if (ts == params.end() || sign == params.end()) return false;
      std::int64_t ms = std::stoll(std::string((*ts).value));
      if (std::llabs(ms / 1000 - now) > 3600) return false;
      return std::string((*sign).value) == notify::dingtalkSign(secret_, ms);
    }
    case SinkType::wecom: {
      auto u = boost::urls::parse_origin_form(req.target());
      if (!u) return false;
      auto key = u->encoded_params().find("key");
      return key != u->encoded_params().end() && (*key).value == kWecomKey;
    }
    case SinkType::feishu: {
      if (secret_.empty()) return true;
      boost::system::error_code ec;
      auto v = json::parse(req.body(), ec);
      if (ec || !v.is_object()) return false;
      const auto& o = v.get_object();
      auto* ts = o.if_contains("timestamp");
      auto* sign = o.if_contains("sign");
      if (!ts || !sign || !ts->is_string() || !sign->is_string()) return false;
      std::int64_t t = std::stoll(std::string(ts->get_string()));
      if (std::llabs(t - now) > 3600) return false;
      return sign->get_string() == notify::feishuSign(secret_, t);
    }
  }
  return false;
}

HttpReply FakeNotifyEndpoint::handle(const HttpListener::Request& req) {
  ReceivedCall call;
  call.target = std::string(req.target());
  call.body = req.body();
  call.at = std::chrono::steady_clock::now();
  call.signature_ok = verify(req, call);
  if (type_ != SinkType::webhook) {
    boost::system::error_code ec;
    auto v = json::parse(req.body(), ec);
    if (!ec && v.is_object()) call.text = robotText(type_, v.get_object());
  }
  std::lock_guard lock(mu_);
  HttpReply reply;
  std::optional<NotifyFault> fault;
  if (!faults_.empty()) {
    fault = faults_.front();
    faults_.pop_front();
  } else if (sticky_) {
    fault = sticky_;
  }
  bool limited = false;
  if (limit_) {
    auto window = std::chrono::duration_cast<std::chrono::steady_clock::duration>(limit_->window);
    while (!recent_.empty() && recent_.front() <= call.at - window) recent_.pop_front();
    limited = static_cast<int>(recent_.size()) >= limit_->count;
    recent_.push_back(call.at);
  }
  if (!call.signature_ok) {
    switch (type_) {
      case SinkType::webhook:
        reply = makeReply(401, "bad signature\n");
        break;
      case SinkType::feishu:
        reply = makeReply(
            200,
            R"({"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"})");
        break;
      default:
        reply = makeReply(200, R"({"errcode":310000,"errmsg":"sign not match"})");
    }
  } else if (limited) {
    call.rate_limited = true;
    reply = type_ == SinkType::feishu
                ? makeReply(200, R"({"code":11232,"msg":"frequency limited"})")
            : type_ == SinkType::webhook
                ? makeReply(429, "slow down\n")
                : makeReply(
                      200,
                      R"({"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"})");
  } else if (fault) {
    reply = fault->status == 200 && fault->body.empty() ? success()
                                                        : makeReply(fault->status, fault->body);
    reply.delay = fault->delay;
    reply.drop_connection = fault->drop_connection;
    if (fault->retry_after_seconds)
      reply.headers.emplace_back("Retry-After", std::to_string(*fault->retry_after_seconds));
    call.accepted = !fault->drop_connection && fault->status == 200 && fault->body.empty();
  } else {
    reply = success();
    call.accepted = true;
  }
  calls_.push_back(std::move(call));
  return reply;
}

std::vector<ReceivedCall> FakeNotifyEndpoint::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::size_t FakeNotifyEndpoint::callCount() const {
  std::lock_guard lock(mu_);
  return calls_.size();
}

std::vector<std::string> FakeNotifyEndpoint::acceptedEventIds() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& c : calls_)
    if (c.accepted) out.push_back(c.event_id);
  return out;
}

std::vector<notify::AlertEvent> FakeNotifyEndpoint::acceptedEvents() const {
  std::lock_guard lock(mu_);
  std::vector<notify::AlertEvent> out;
  for (const auto& c : calls_)
    if (c.accepted)
      if (auto e = notify::alertEventFromJson(c.body)) out.push_back(std::move(*e));
  return out;
}

}  // namespace pw::test
