// The control socket over a real Unix socket: framing, bad input, limits.
#include "control/control_client.h"
#include "control/unix_control_server.h"

#include "support/fixtures.h"
#include "support/raw_unix_client.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <thread>

using namespace pw;
using namespace pw::control;
using namespace std::chrono;
using pw::test::RawClient;

namespace {

struct ControlTest : ::testing::Test {
  test::TempDir dir;
  std::string path = (dir / "run/pw.sock").string();
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  CommandRegistry registry;
  std::unique_ptr<UnixControlServer> server;
  std::thread thread;

  void startServer(ServerLimits limits = {}) {
    registry.add("echo", "answers its arguments",
                 [](const boost::json::object& a) { return ok("echo", a); });
    server = std::make_unique<UnixControlServer>(io, registry, path, limits);
    auto r = server->start();
    ASSERT_TRUE(r) << r.error().message;
    thread = std::thread([this] { io.run(); });
  }
  ~ControlTest() override {
    if (thread.joinable()) {
      boost::asio::post(io, [this] { server->stop(); });
      work.reset();
      io.stop();
      thread.join();
    }
  }
};

}  // namespace

TEST_F(ControlTest, RequestsAndAnswersOverTheSocket) {
  startServer();
  auto a = call(path, {"echo", boost::json::object{{"x", 1}}}, seconds(5));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->result, kSuccess);
  EXPECT_EQ(a->arguments.at("x").as_int64(), 1);
  EXPECT_EQ(call(path, {"nosuch", {}}, seconds(5))->result, kUnsupported);
  EXPECT_EQ(call(path, {"help", {}}, seconds(5))->result, kSuccess);
}

TEST_F(ControlTest, SocketIsGroupReadableOnly) {
  startServer();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST_F(ControlTest, BadJsonGetsAnErrorAndTheConnectionStaysUsable) {
  startServer();
  RawClient c(path);
  ASSERT_TRUE(c.connected());
  c.send("{not json\n");
  auto a = parseAnswer(c.line()).value();
  EXPECT_EQ(a.result, kError);
  EXPECT_EQ(a.text.rfind("request is not valid JSON", 0), 0u);
  c.send("[]\n\n   \n{\"command\":\"echo\"}\r\n");
  EXPECT_EQ(parseAnswer(c.line()).value().text, "request must be a JSON object");
  EXPECT_EQ(parseAnswer(c.line()).value().result, kSuccess);
  c.send(std::string("\xff\xfe\x00\x01\n", 5));
  EXPECT_EQ(parseAnswer(c.line()).value().result, kError);
}

TEST_F(ControlTest, ARequestWithoutItsNewlineIsAnsweredWhenTheClientClosesItsSide) {
  startServer();
  RawClient c(path);
  c.send("{\"command\":\"echo\",\"arguments\":{\"x\":2}}");
  c.shutdownWrite();
  auto a = parseAnswer(c.line()).value();
  EXPECT_EQ(a.result, kSuccess);
  EXPECT_EQ(a.arguments.at("x").as_int64(), 2);
  EXPECT_TRUE(c.closedByPeer());
  RawClient t(path);
  t.send("{\"command\":");
  t.shutdownWrite();
  a = parseAnswer(t.line()).value();
  EXPECT_EQ(a.result, kError);
  EXPECT_EQ(a.text.rfind("request is not valid JSON", 0), 0u) << a.text;
  EXPECT_TRUE(t.closedByPeer());
}

TEST_F(ControlTest, OversizedRequestIsRefusedAndClosed) {
  startServer();
  RawClient c(path);
  c.send(std::string(kMaxRequestBytes + 100, 'x'));
  auto a = parseAnswer(c.line()).value();
  EXPECT_EQ(a.result, kError);
  EXPECT_EQ(a.text, "request larger than 1048576 bytes");
  EXPECT_TRUE(c.closedByPeer());
}

TEST_F(ControlTest, IdleClientIsTimedOut) {
  startServer({.request_timeout = seconds(5), .idle_timeout = seconds(1), .max_clients = 32});
  RawClient c(path);
  auto a = parseAnswer(c.line(seconds(4))).value();
  EXPECT_EQ(a.result, kError);
  EXPECT_EQ(a.text, "timed out waiting for a command (1s idle)");
  EXPECT_TRUE(c.closedByPeer());
}

TEST_F(ControlTest, SlowSenderGetsTheRequestDeadlineNotTheIdleOne) {
  startServer(
      {.request_timeout = milliseconds(800), .idle_timeout = seconds(30), .max_clients = 32});
  RawClient c(path);
  auto start = std::chrono::steady_clock::now();
  c.send("{\"command\":");  // half a request, then a byte now and then
  std::thread trickle([&] {
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(milliseconds(300));
      c.send(" ");
    }
  });
  auto line = c.line(seconds(4));
  trickle.join();
  auto a = parseAnswer(line).value();
  EXPECT_EQ(a.result, kError);
  EXPECT_EQ(a.text, "timed out: a request must arrive whole within 800ms of its first byte");
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(3));
}

TEST_F(ControlTest, RequestsSplitAcrossWritesAndPipelinedAreAnswered) {
  startServer();
  RawClient c(path);
  c.send("{\"command\":");
  std::this_thread::sleep_for(milliseconds(50));
  c.send("\"echo\"}\n{\"command\":\"echo\"}\n");
  EXPECT_EQ(parseAnswer(c.line()).value().result, kSuccess);
  EXPECT_EQ(parseAnswer(c.line()).value().result, kSuccess);
}

TEST_F(ControlTest, TooManyClientsAreTurnedAway) {
  startServer({.idle_timeout = seconds(10), .max_clients = 2});
  RawClient a(path), b(path);
  ASSERT_TRUE(a.connected() && b.connected());
  a.send("{\"command\":\"echo\"}\n");
  b.send("{\"command\":\"echo\"}\n");
  ASSERT_FALSE(a.line().empty());
  ASSERT_FALSE(b.line().empty());
  RawClient c(path);
  auto answer = parseAnswer(c.line()).value();
  EXPECT_EQ(answer.text, "too many control clients (limit 2), try again");
}

TEST_F(ControlTest, SecondServerOnTheSameSocketIsRefused) {
  startServer();
  boost::asio::io_context other;
  UnixControlServer second(other, registry, path);
  auto r = second.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "another parcelwatchd is already listening on " + path);
  EXPECT_EQ(call(path, {"echo", {}}, seconds(5))->result, kSuccess);  // first one unharmed
}

TEST_F(ControlTest, StaleSocketIsReplacedAndAPlainFileIsNot) {
  {
    // A socket file nobody listens on, as a crash leaves it.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  startServer();
  EXPECT_EQ(call(path, {"echo", {}}, seconds(5))->result, kSuccess);

  boost::asio::io_context other;
  auto plain = dir.write("plain", "x");
  UnixControlServer bad(other, registry, plain);
  EXPECT_EQ(bad.start().error().message, plain.string() + " exists and is not a socket");
}

TEST(ControlClient, UnreachableAndTimeout) {
  test::TempDir dir;
  auto r = call(dir / "none.sock", {"status", {}}, seconds(2));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  // A listener that never answers.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  auto p = (dir / "mute.sock").string();
  std::strncpy(addr.sun_path, p.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::listen(fd, 4);
  r = call(p, {"status", {}}, milliseconds(300));
  ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::transient);
}
