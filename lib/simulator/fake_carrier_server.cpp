#include "simulator/fake_carrier_server.h"

#include "carriers/kuaidi100/kuaidi100_codec.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>

#include <deque>
#include <mutex>

namespace pw {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
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
      : io(io), acceptor(io), customer(std::move(c)), key(std::move(k)) {}
  asio::io_context& io;
  tcp::acceptor acceptor;
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
  std::pair<std::string, FakeFault> answer(const http::request<http::string_body>& req) {
    RecordedRequest rec;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
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

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<FakeCarrierServer::State> state)
      : stream_(std::move(socket)), state_(std::move(state)), timer_(stream_.get_executor()) {}

  void start() { doRead(); }

 private:
  void doRead() {
    req_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(
        stream_, buffer_, req_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec) return close();
    auto [body, fault] = state_->answer(req_);
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(fault.http_status), req_.version());
    res->set(http::field::server, "parcelwatch-fake-kuaidi100");
    res->set(http::field::content_type, "application/json;charset=UTF-8");
    if (fault.retry_after_seconds)
      res->set(http::field::retry_after, std::to_string(*fault.retry_after_seconds));
    if (fault.body)
      res->body() = *fault.body;
    else if (fault.huge_body_bytes)
      res->body() = std::string(fault.huge_body_bytes, 'x');
    else if (fault.http_status != 200)
      res->body() = "<html><body>error " + std::to_string(fault.http_status) + "</body></html>";
    else
      res->body() = std::move(body);
    res->keep_alive(req_.keep_alive());
    res->prepare_payload();
    bool drop = fault.drop_connection;
    if (fault.delay.count() > 0) {
      timer_.expires_after(fault.delay);
      timer_.async_wait([self = shared_from_this(), res, drop](beast::error_code wec) {
        if (wec) return;
        self->respond(res, drop);
      });
    } else {
      respond(res, drop);
    }
  }

  void respond(std::shared_ptr<http::response<http::string_body>> res, bool drop) {
    if (drop) return close();
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || res->need_eof()) return self->close();
                        self->doRead();
                      });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<FakeCarrierServer::State> state_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
};

void doAccept(std::shared_ptr<FakeCarrierServer::State> state) {
  state->acceptor.async_accept([state](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !state->acceptor.is_open()) return;
    if (!ec) std::make_shared<Session>(std::move(socket), state)->start();
    doAccept(state);
  });
}

}  // namespace

FakeCarrierServer::FakeCarrierServer(asio::io_context& io, std::string customer, std::string key)
    : state_(std::make_shared<State>(io, std::move(customer), std::move(key))) {}

FakeCarrierServer::~FakeCarrierServer() { stop(); }

std::uint16_t FakeCarrierServer::start(std::uint16_t port) {
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  state_->acceptor.open(ep.protocol());
  state_->acceptor.set_option(asio::socket_base::reuse_address(true));
  state_->acceptor.bind(ep);
  state_->acceptor.listen();
  state_->port = state_->acceptor.local_endpoint().port();
  doAccept(state_);
  return state_->port;
}

void FakeCarrierServer::stop() {
  // The acceptor belongs to the io_context's thread; closing from another
  // thread is only safe once that thread has stopped, which is how tests use it.
  asio::post(state_->io, [state = state_] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
  });
}

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
