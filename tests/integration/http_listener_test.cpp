// The shared Beast server over real sockets on 127.0.0.1: what a client
// debugging its integration sees for malformed requests, and the limits that
// keep one client from holding the listener's memory or connections.
#include "httpd/http_listener.h"

#include "support/fixtures.h"
#include "support/raw_tcp_client.h"

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>

using namespace pw;
using namespace std::chrono;

namespace {

struct Listener {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<HttpListener> listener;
  std::uint16_t port = 0;
  std::thread thread;

  explicit Listener(HttpListenerLimits limits = {}) {
    listener = std::make_unique<HttpListener>(
        io, [](const HttpListener::Request& req) { return makeReply(200, req.body()); }, limits);
    port = listener->start({boost::asio::ip::make_address("127.0.0.1"), 0}).value();
    thread = std::thread([this] { io.run(); });
  }
  ~Listener() {
    listener->stop();
    work.reset();
    io.stop();
    thread.join();
  }
  std::string exchange(const std::string& bytes) {
    test::RawTcpClient c(port);
    EXPECT_TRUE(c.connected());
    c.send(bytes);
    return c.readUntilClosed(seconds(3));
  }
};

std::string statusLine(const std::string& answer) { return answer.substr(0, answer.find("\r\n")); }

}  // namespace

TEST(HttpListener, MalformedRequestsAreAnswered400BeforeClosing) {
  Listener l;
  EXPECT_EQ(statusLine(l.exchange("POST /x HTTP/9.9\r\nContent-Length: 0\r\n\r\n")),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(statusLine(l.exchange("POST /x HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: "
                                  "3\r\n\r\nabc")),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(statusLine(l.exchange("POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n")),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(statusLine(l.exchange("POST /x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: "
                                  "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")),
            "HTTP/1.1 400 Bad Request");
  auto answer = l.exchange("POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(statusLine(answer), "HTTP/1.1 200 OK") << "a good request still works";
}

TEST(HttpListener, OversizedHeaderSectionIsAnswered431) {
  Listener l;
  std::string big =
      "POST /x HTTP/1.1\r\nX-Filler: " + std::string(20000, 'a') + "\r\nContent-Length: 0\r\n\r\n";
  auto answer = l.exchange(big);
  EXPECT_EQ(statusLine(answer), "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
}

TEST(HttpListener, OversizedBodyIsAnswered413) {
  HttpListenerLimits limits;
  limits.max_body_bytes = 1000;
  Listener l(limits);
  EXPECT_EQ(statusLine(l.exchange(test::httpPost("/x", std::string(1001, 'x')))),
            "HTTP/1.1 413 Payload Too Large");
  EXPECT_EQ(statusLine(l.exchange(test::httpPost("/x", std::string(1000, 'x')))),
            "HTTP/1.1 200 OK");
}

TEST(HttpListener, TheReadDeadlineCoversTheWholeRequestNotEachRead) {
  HttpListenerLimits limits;
  limits.io_timeout = seconds(1);
  Listener l(limits);
  test::RawTcpClient c(l.port);
  ASSERT_TRUE(c.connected());
  auto started = steady_clock::now();
  // A header then a body one byte at a time, each byte well inside the deadline.
  ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\n"));
  bool closed = false;
  for (int i = 0; i < 30 && !closed; ++i) {
    closed = !c.send("x") || c.closedByPeer(milliseconds(150));
  }
  EXPECT_TRUE(closed) << "a trickling client must not hold the connection";
  EXPECT_LT(steady_clock::now() - started, milliseconds(2500));
}

TEST(HttpListener, ConnectionsAboveTheLimitAreClosedAtOnceAndCounted) {
  HttpListenerLimits limits;
  limits.max_connections = 3;
  limits.io_timeout = seconds(30);
  Listener l(limits);
  std::vector<std::unique_ptr<test::RawTcpClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<test::RawTcpClient>(l.port));
    ASSERT_TRUE(held.back()->connected());
  }
  // The accepts are asynchronous: give the listener a moment to count them.
  ASSERT_TRUE(test::waitFor([&] { return l.listener->openConnections() == 3; }, seconds(5),
                            "three connections open"));
  test::RawTcpClient extra(l.port);
  EXPECT_TRUE(extra.closedByPeer(seconds(2))) << "the fourth is closed at once";
  EXPECT_EQ(l.listener->refusedConnections(), 1u);
  for (auto& h : held) EXPECT_FALSE(h->closedByPeer(milliseconds(50))) << "the held ones stay";
  // A freed slot is taken again.
  held.pop_back();
  ASSERT_TRUE(test::waitFor([&] { return l.listener->openConnections() == 2; }, seconds(5),
                            "the closed connection to be forgotten"));
  test::RawTcpClient again(l.port);
  again.send(test::httpPost("/x", "hi"));
  EXPECT_EQ(statusLine(again.readUntilClosed(milliseconds(500))), "HTTP/1.1 200 OK");
}
