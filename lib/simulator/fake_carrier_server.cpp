#include "simulator/fake_carrier_server.h"

#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "httpd/http_listener.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/zlib/deflate_stream.hpp>
#include <boost/crc.hpp>
#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>

#include <deque>
#include <mutex>
#include <stdexcept>

namespace pw {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr const char* kNoResult =
    R"({"result":false,"returnCode":"500","message":"查询无结果，请隔段时间再查"})";
constexpr const char* kBadSign = R"({"result":false,"returnCode":"503","message":"验证签名失败"})";
constexpr const char* kBadRequest =
    R"({"result":false,"returnCode":"400","message":"找不到对应公司或数据不完整"})";
}  // namespace

struct FakeCarrierServer::State {
  State(asio::io_context& io, std::string c, std::string k)
      : io(io), customer(std::move(c)), key(std::move(k)) {}
  asio::io_context& io;
  std::unique_ptr<HttpListener> listener;
  std::string customer;
  std::string key;
  std::uint16_t port = 0;

  mutable std::mutex mu;
  HistorySource source;
  std::map<std::string, std::string> fixed;
  std::deque<FakeFault> faults;
  std::optional<FakeFault> permanent;
  std::vector<RecordedRequest> log;

  // Builds the answer and the fault for one request (thread-safe).
  std::pair<std::string, FakeFault> answer(const HttpListener::Request& req) {
    RecordedRequest rec;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    rec.content_type = std::string(req[boost::beast::http::field::content_type]);
    rec.accept_encoding = std::string(req[boost::beast::http::field::accept_encoding]);
    auto params = boost::urls::parse_query(req.body());
    if (params) {
      boost::urls::encoding_opts opt;
      opt.space_as_plus = true;  // HTML form encoding
      for (auto p : *params) rec.form[p.key.decode(opt)] = p.value.decode(opt);
    }
    std::string body;
    const std::string& param = rec.form["param"];
    rec.signature_ok = !param.empty() && rec.form["customer"] == customer &&
                       rec.form["sign"] == Kuaidi100Codec::sign(param, key, customer);
    std::lock_guard lock(mu);
    if (!rec.signature_ok) {
      body = kBadSign;
    } else {
      std::string com, num;
      boost::system::error_code ec;
      auto v = boost::json::parse(param, ec);
      if (!ec && v.is_object() && v.as_object().contains("com") && v.as_object().contains("num") &&
          v.at("com").is_string() && v.at("num").is_string()) {
        com = v.at("com").as_string().c_str();
        num = v.at("num").as_string().c_str();
        if (auto it = fixed.find(num); it != fixed.end())
          body = it->second;
        else if (auto b = source ? source(com, num) : std::nullopt)
          body = *b;
        else
          body = kNoResult;
      } else {
        body = kBadRequest;
      }
    }
    FakeFault fault;
    if (!faults.empty()) {
      fault = faults.front();
      faults.pop_front();
    } else if (permanent) {
      fault = *permanent;
    }
    // The embedded simulator runs for as long as the daemon: keep the log bounded.
    if (log.size() >= 10000) log.erase(log.begin(), log.begin() + 5000);
    log.push_back(std::move(rec));
    return {std::move(body), fault};
  }
};

namespace {

// RFC 1952: a header, Beast's raw deflate, the CRC-32 and the length, both little-endian.
std::string gzipped(const std::string& in) {
  namespace zlib = boost::beast::zlib;
  zlib::deflate_stream ds;
  ds.reset(6, 15, 8, zlib::Strategy::normal);
  std::string out("\x1f\x8b\x08\0\0\0\0\0\0\xff", 10);
  std::string packed(ds.upper_bound(in.size()) + 64, '\0');
  zlib::z_params zs;
  zs.next_in = in.data();
  zs.avail_in = in.size();
  zs.next_out = packed.data();
  zs.avail_out = packed.size();
  boost::system::error_code ec;
  ds.write(zs, zlib::Flush::finish, ec);
  if (ec && ec != zlib::error::end_of_stream) throw std::runtime_error("deflate: " + ec.message());
  out.append(packed.data(), zs.total_out);
  boost::crc_32_type crc;
  crc.process_bytes(in.data(), in.size());
  for (std::uint32_t v :
       {static_cast<std::uint32_t>(crc.checksum()), static_cast<std::uint32_t>(in.size())})
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return out;
}

HttpReply toReply(std::string body, const FakeFault& fault) {
  HttpReply r;
  r.status = fault.http_status;
  r.delay = fault.delay;
  r.drop_connection = fault.drop_connection;
  if (fault.retry_after_seconds)
    r.headers.emplace_back("Retry-After", std::to_string(*fault.retry_after_seconds));
  if (fault.body)
    r.body = *fault.body;
  else if (fault.huge_body_bytes)
    r.body = std::string(fault.huge_body_bytes, 'x');
  else if (fault.http_status != 200)
    r.body = "<html><body>error " + std::to_string(fault.http_status) + "</body></html>";
  else
    r.body = std::move(body);
  if (fault.gzip) {
    r.body = gzipped(r.body);
    r.headers.emplace_back("Content-Encoding", "gzip");
  }
  return r;
}

}  // namespace

FakeCarrierServer::FakeCarrierServer(asio::io_context& io, std::string customer, std::string key)
    : state_(std::make_shared<State>(io, std::move(customer), std::move(key))) {
  HttpListenerLimits limits;
  limits.server_name = "parcelwatch-fake-kuaidi100";
  state_->listener = std::make_unique<HttpListener>(
      io,
      [state = state_.get()](const HttpListener::Request& req) {
        auto [body, fault] = state->answer(req);
        return toReply(std::move(body), fault);
      },
      limits);
}

FakeCarrierServer::~FakeCarrierServer() { stop(); }

std::uint16_t FakeCarrierServer::start(std::uint16_t port) {
  auto bound = state_->listener->start(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  if (!bound) throw std::runtime_error("fake carrier: " + bound.error().message);
  state_->port = *bound;
  return state_->port;
}

void FakeCarrierServer::stop() { state_->listener->stop(); }

std::string FakeCarrierServer::queryUrl() const {
  return "http://127.0.0.1:" + std::to_string(state_->port) + "/poll/query.do";
}
const std::string& FakeCarrierServer::customer() const { return state_->customer; }
const std::string& FakeCarrierServer::key() const { return state_->key; }

void FakeCarrierServer::setHistorySource(HistorySource source) {
  std::lock_guard lock(state_->mu);
  state_->source = std::move(source);
}
void FakeCarrierServer::setResponse(const std::string& num, std::string body) {
  std::lock_guard lock(state_->mu);
  state_->fixed[num] = std::move(body);
}
void FakeCarrierServer::pushFault(FakeFault fault) {
  std::lock_guard lock(state_->mu);
  state_->faults.push_back(std::move(fault));
}
void FakeCarrierServer::setPermanentFault(std::optional<FakeFault> fault) {
  std::lock_guard lock(state_->mu);
  state_->permanent = std::move(fault);
}
std::vector<RecordedRequest> FakeCarrierServer::requests() const {
  std::lock_guard lock(state_->mu);
  return state_->log;
}
std::size_t FakeCarrierServer::requestCount() const {
  std::lock_guard lock(state_->mu);
  return state_->log.size();
}

}  // namespace pw
