// CurlHttpClient over real HTTP on 127.0.0.1 against the Beast fake carrier,
// both on one io_context as in the daemon.
#include "net/curl_http_client.h"
#include "net/threaded_http_client.h"

#include "carriers/kuaidi100/kuaidi100_codec.h"
#include "simulator/fake_carrier_server.h"
#include "support/fixtures.h"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace pw;
using namespace std::chrono;

namespace {

struct CurlTest : ::testing::Test {
  boost::asio::io_context io;
  FakeCarrierServer server{io, "CUST", "KEY"};
  std::uint16_t port = server.start();
  CurlLimits limits = [] {
    CurlLimits l;
    l.connect_timeout = milliseconds(2000);
    l.total_timeout = milliseconds(1500);
    l.max_body_bytes = 64 * 1024;
    return l;
  }();
  CurlHttpClient client{io, limits};
  Kuaidi100Codec codec{{server.queryUrl(), "CUST", "KEY", TimeZone::shanghai()}};
  Parcel parcel = test::sampleParcel();

  Result<HttpResponse> fetch(HttpRequest req, milliseconds timeout = seconds(10)) {
    std::optional<Result<HttpResponse>> out;
    client.send(std::move(req), [&](Result<HttpResponse> r) { out = std::move(r); });
    auto deadline = steady_clock::now() + timeout;
    while (!out && steady_clock::now() < deadline) io.run_one_for(milliseconds(50));
    if (!out) return makeError(ErrorCode::internal, "test: no callback within the deadline");
    return std::move(*out);
  }
};

}  // namespace

TEST_F(CurlTest, SignedQueryIsAcceptedAndParsed) {
  server.setResponse(parcel.tracking_number,
                     test::kuaidi100Body(parcel.tracking_number,
                                         {{"2024-05-01 11:30:00", "【广州市】 已揽收", "103"}}));
  auto r = fetch(codec.buildQuery(parcel));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  auto snap = codec.parseQuery(*r).value();
  ASSERT_EQ(snap.events.size(), 1u);
  EXPECT_EQ(snap.events[0].kind, EventKind::picked_up);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/poll/query.do");
  // Sent by curl itself for a POST of fields (the client adds no header of its own for it).
  EXPECT_EQ(reqs[0].content_type, "application/x-www-form-urlencoded");
  EXPECT_TRUE(reqs[0].signature_ok);
  EXPECT_EQ(reqs[0].form.at("customer"), "CUST");
}

// Any other type is sent as the request gives it, as is a header of the request's own.
TEST_F(CurlTest, AnyOtherContentTypeIsSentAsGiven) {
  for (std::string type : {"application/json", "application/x-www-form-urlencoded;charset=utf-8"}) {
    HttpRequest req = codec.buildQuery(parcel);
    req.content_type = type;
    auto r = fetch(req);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(server.requests().back().content_type, type);
  }
}

TEST_F(CurlTest, WrongKeyGetsTheCarriersSignatureError) {
  Kuaidi100Codec wrong{{server.queryUrl(), "CUST", "WRONG", TimeZone::shanghai()}};
  auto r = fetch(wrong.buildQuery(parcel));
  ASSERT_TRUE(r);
  EXPECT_FALSE(server.requests().at(0).signature_ok);
  EXPECT_EQ(codec.parseQuery(*r).error().message, "kuaidi100 returnCode 503: 验证签名失败");
}

TEST_F(CurlTest, UnknownNumberIsNoResult) {
  auto r = fetch(codec.buildQuery(parcel));
  EXPECT_EQ(codec.parseQuery(r.value()).error().code, ErrorCode::no_result);
}

TEST_F(CurlTest, ServerErrorsAndRetryAfter) {
  server.pushFault({.http_status = 502});
  auto r = fetch(codec.buildQuery(parcel)).value();
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(codec.parseQuery(r).error().code, ErrorCode::transient);
  server.pushFault({.http_status = 429, .retry_after_seconds = 30});
  r = fetch(codec.buildQuery(parcel)).value();
  EXPECT_EQ(r.status, 429);
  ASSERT_TRUE(r.retry_after);
  EXPECT_EQ(*r.retry_after, seconds(30));
}

TEST_F(CurlTest, SlowServerTimesOut) {
  server.pushFault({.delay = milliseconds(4000)});
  auto start = steady_clock::now();
  auto r = fetch(codec.buildQuery(parcel));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::transient);
  EXPECT_NE(r.error().message.find("Timeout"), std::string::npos) << r.error().message;
  EXPECT_LT(steady_clock::now() - start, milliseconds(3500));
}

// The client arms its timer only when curl's deadline moves earlier: once the
// transfer whose deadline was armed ends, the timer fires early and must wait
// on to the other transfer's, which then times out on time.
TEST_F(CurlTest, ADeadlineLaterThanTheOneArmedStillEndsItsTransferOnTime) {
  server.pushFault({.delay = milliseconds(100)});
  server.pushFault({.delay = milliseconds(4000)});
  HttpRequest quick = codec.buildQuery(parcel);
  quick.timeout = milliseconds(300);
  HttpRequest stuck = codec.buildQuery(parcel);
  stuck.timeout = milliseconds(900);
  auto start = steady_clock::now();
  std::optional<Result<HttpResponse>> first, second;
  std::optional<steady_clock::duration> secondAt;
  client.send(quick, [&](Result<HttpResponse> r) { first = std::move(r); });
  client.send(stuck, [&](Result<HttpResponse> r) {
    second = std::move(r);
    secondAt = steady_clock::now() - start;
  });
  auto deadline = start + seconds(10);
  while (!(first && second) && steady_clock::now() < deadline) io.run_one_for(milliseconds(50));
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(*first) << first->error().message;
  ASSERT_FALSE(*second);
  EXPECT_NE(second->error().message.find("Timeout"), std::string::npos) << second->error().message;
  EXPECT_GE(*secondAt, milliseconds(850));
  EXPECT_LT(*secondAt, milliseconds(1500)) << "the later deadline was lost";
}

// Easy handles are used again (EasyPool): a transfer must not inherit the last
// one's method, body or time limit.
TEST_F(CurlTest, AHandleUsedAgainKeepsNothingOfTheLastRequest) {
  server.pushFault({.delay = milliseconds(1000)});
  HttpRequest post = codec.buildQuery(parcel);
  post.timeout = milliseconds(300);
  auto first = fetch(post);
  ASSERT_FALSE(first);
  EXPECT_NE(first.error().message.find("Timeout"), std::string::npos) << first.error().message;

  server.pushFault({.delay = milliseconds(1000)});  // within the client's own 1.5 s
  HttpRequest get;
  get.method = "GET";
  get.url = server.queryUrl();
  auto second = fetch(get);
  ASSERT_TRUE(second) << second.error().message;
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[1].method, "GET");
  for (const auto& [name, value] : reqs[1].form)  // the server looks its fields up
    EXPECT_EQ(value, "") << name << ": the last request's body was sent again";
}

TEST_F(CurlTest, HugeBodyIsCutOffAtTheCap) {
  server.pushFault({.huge_body_bytes = 10 * 1024 * 1024});
  auto r = fetch(codec.buildQuery(parcel));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind("response larger than 65536 bytes", 0), 0u)
      << r.error().message;
}

// Compression is asked for as gzip alone (curl_http_client.cpp says why).
TEST_F(CurlTest, OnlyGzipIsAskedForAndAGzippedAnswerIsReadAsSent) {
  server.setResponse(parcel.tracking_number,
                     test::kuaidi100Body(parcel.tracking_number,
                                         {{"2024-05-01 11:30:00", "【广州市】 已揽收", "103"}}));
  server.pushFault({.gzip = true});
  auto r = fetch(codec.buildQuery(parcel));
  ASSERT_TRUE(r) << r.error().message;
  auto snap = codec.parseQuery(*r).value();
  ASSERT_EQ(snap.events.size(), 1u);
  EXPECT_EQ(snap.events[0].description, "【广州市】 已揽收");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].accept_encoding, "gzip");
}

// A small packed answer that unpacks past the cap (a zip bomb) is cut off like a huge one.
TEST_F(CurlTest, AGzippedAnswerIsCappedAtItsUnpackedSize) {
  server.pushFault({.huge_body_bytes = 10 * 1024 * 1024, .gzip = true});
  auto r = fetch(codec.buildQuery(parcel));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind("response larger than 65536 bytes", 0), 0u)
      << r.error().message;
}

TEST_F(CurlTest, MalformedBodyIsACarrierError) {
  server.pushFault({.body = std::string("{\"message\":\"ok\",\"data\":[")});
  auto r = fetch(codec.buildQuery(parcel)).value();
  EXPECT_EQ(codec.parseQuery(r).error().code, ErrorCode::carrier);
}

TEST_F(CurlTest, DroppedConnectionIsATransportError) {
  server.pushFault({.drop_connection = true});
  auto r = fetch(codec.buildQuery(parcel));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::transient);
}

// A connection idle in curl's cache keeps its reactor registration; one the
// server drops is closed through curl's close callback, and its descriptor,
// which the next socket may reuse, is watched afresh.
TEST_F(CurlTest, CachedConnectionsAreReusedAndDroppedOnesReplacedWithoutLeaks) {
  auto openFds = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                         std::filesystem::directory_iterator());
  };
  ASSERT_TRUE(fetch(codec.buildQuery(parcel)));
  auto before = openFds();
  int ok = 0;
  for (int i = 0; i < 60; ++i) {
    if (i % 6 == 5) server.pushFault({.drop_connection = true});
    auto r = fetch(codec.buildQuery(parcel), seconds(5));
    if (i % 6 == 5) {
      if (!r) {
        EXPECT_EQ(r.error().code, ErrorCode::transient) << r.error().message;
      }
      continue;  // curl may retry a reused connection that died on a fresh one
    }
    ASSERT_TRUE(r) << "request " << i << ": " << r.error().message;
    EXPECT_EQ(r->status, 200);
    ++ok;
  }
  EXPECT_EQ(ok, 50);
  EXPECT_LE(openFds(), before + 2) << "descriptors leaked";
}

TEST_F(CurlTest, ConnectionRefused) {
  HttpRequest req = codec.buildQuery(parcel);
  req.url = "http://127.0.0.1:1/poll/query.do";
  auto r = fetch(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::transient);
}

TEST_F(CurlTest, ManyConcurrentRequestsOnOneThread) {
  constexpr int kRequests = 200;
  int done = 0, ok = 0;
  for (int i = 0; i < kRequests; ++i) {
    Parcel p = test::sampleParcel("YT" + std::to_string(1000000000000LL + i));
    client.send(codec.buildQuery(p), [&](Result<HttpResponse> r) {
      ++done;
      if (r && r->status == 200) ++ok;
    });
  }
  EXPECT_EQ(client.inFlight(), static_cast<size_t>(kRequests));
  auto deadline = steady_clock::now() + seconds(20);
  while (done < kRequests && steady_clock::now() < deadline) io.run_one_for(milliseconds(50));
  EXPECT_EQ(done, kRequests);
  EXPECT_EQ(ok, kRequests);
  EXPECT_EQ(client.inFlight(), 0u);
  EXPECT_EQ(server.requestCount(), static_cast<size_t>(kRequests));
}

TEST_F(CurlTest, CancelAllDropsCallbacks) {
  server.pushFault({.delay = milliseconds(500)});
  bool called = false;
  client.send(codec.buildQuery(parcel), [&](Result<HttpResponse>) { called = true; });
  io.run_for(milliseconds(100));
  client.cancelAll();
  io.run_for(milliseconds(700));
  EXPECT_FALSE(called);
  EXPECT_EQ(client.inFlight(), 0u);
}

// The poll path's bound: the carrier sees at most max_transfers requests; the others wait in
// the client, in order, and each goes out the moment a transfer ends.
TEST_F(CurlTest, ABoundedClientHoldsTheRestAndStartsEachAsATransferEnds) {
  CurlLimits bounded = limits;
  bounded.max_transfers = 2;
  CurlHttpClient c{io, bounded};
  EXPECT_EQ(c.maxOpen(), 2u);
  EXPECT_EQ(client.maxOpen(), 0u);
  server.setPermanentFault(FakeFault{.delay = milliseconds(200)});
  constexpr int kRequests = 6;
  int done = 0, ok = 0;
  auto started = steady_clock::now();
  for (int i = 0; i < kRequests; ++i) {
    Parcel p = test::sampleParcel("YT" + std::to_string(1000000000000LL + i));
    c.send(codec.buildQuery(p), [&](Result<HttpResponse> r) {
      ++done;
      if (r && r->status == 200) ++ok;
    });
  }
  EXPECT_EQ(c.inFlight(), static_cast<size_t>(kRequests)) << "held ones count as in flight";
  io.run_for(milliseconds(100));
  EXPECT_EQ(server.requestCount(), 2u) << "two open at once, the rest held";
  auto deadline = steady_clock::now() + seconds(10);
  while (done < kRequests && steady_clock::now() < deadline) io.run_one_for(milliseconds(50));
  EXPECT_EQ(ok, kRequests);
  EXPECT_EQ(server.requestCount(), static_cast<size_t>(kRequests));
  EXPECT_GE(steady_clock::now() - started, milliseconds(590)) << "three rounds of two";
  EXPECT_EQ(c.inFlight(), 0u);
}

TEST_F(CurlTest, CancelAllDropsTheHeldRequestsToo) {
  CurlLimits bounded = limits;
  bounded.max_transfers = 1;
  CurlHttpClient c{io, bounded};
  server.setPermanentFault(FakeFault{.delay = milliseconds(300)});
  int called = 0;
  for (int i = 0; i < 3; ++i)
    c.send(codec.buildQuery(parcel), [&](Result<HttpResponse>) { ++called; });
  io.run_for(milliseconds(100));
  EXPECT_EQ(c.inFlight(), 3u);
  c.cancelAll();
  EXPECT_EQ(c.inFlight(), 0u);
  io.run_for(milliseconds(700));
  EXPECT_EQ(called, 0);
  EXPECT_EQ(server.requestCount(), 1u) << "the held ones never went out";
}

// Decoding where the answer arrived: `prepare` runs on the client's thread before `done` runs
// on the caller's loop, which sees what it made; what it throws is thrown on the loop instead.
TEST_F(CurlTest, OnItsOwnThreadTheAnswerIsPreparedThereAndToldHere) {
  ThreadedHttpClient threaded(io, limits);
  const auto loop = std::this_thread::get_id();
  std::thread::id preparedOn;
  auto status = std::make_shared<long>(0);
  bool told = false;
  threaded.send(
      codec.buildQuery(parcel),
      [&preparedOn, status](const Result<HttpResponse>& r) {
        preparedOn = std::this_thread::get_id();
        if (r) *status = r->status;
      },
      [&, status](Result<HttpResponse> r) {
        told = true;
        EXPECT_EQ(std::this_thread::get_id(), loop);
        EXPECT_TRUE(r);
        EXPECT_EQ(*status, 200) << "prepared before it was told";
      });
  auto deadline = steady_clock::now() + seconds(10);
  while (!told && steady_clock::now() < deadline) io.run_one_for(milliseconds(50));
  EXPECT_TRUE(told);
  EXPECT_NE(preparedOn, loop);
  EXPECT_NE(preparedOn, std::thread::id());

  bool toldAfterThrow = false;
  threaded.send(
      codec.buildQuery(parcel),
      [](const Result<HttpResponse>&) { throw std::logic_error("decoder bug"); },
      [&](Result<HttpResponse>) { toldAfterThrow = true; });
  bool thrown = false;
  deadline = steady_clock::now() + seconds(10);
  while (!thrown && steady_clock::now() < deadline) {
    try {
      io.run_one_for(milliseconds(50));
    } catch (const std::logic_error& e) {
      thrown = std::string(e.what()) == "decoder bug";
    }
  }
  EXPECT_TRUE(thrown);
  EXPECT_FALSE(toldAfterThrow);
  EXPECT_EQ(threaded.inFlight(), 0u);
}

// A client on the caller's thread prepares inline, just before it tells.
TEST_F(CurlTest, OnTheCallersThreadTheAnswerIsPreparedJustBeforeItIsTold) {
  std::vector<std::string> steps;
  client.send(
      codec.buildQuery(parcel), [&](const Result<HttpResponse>&) { steps.push_back("prepare"); },
      [&](Result<HttpResponse>) { steps.push_back("done"); });
  auto deadline = steady_clock::now() + seconds(10);
  while (steps.size() < 2 && steady_clock::now() < deadline) io.run_one_for(milliseconds(50));
  EXPECT_EQ(steps, (std::vector<std::string>{"prepare", "done"}));
}

// The poll path's client: curl on a thread of its own, each answer back on
// the caller's loop (the fake carrier runs there too), in flight counted
// there, and nothing told after a cancel or once the client is gone.
TEST_F(CurlTest, OnItsOwnThreadAnswersComeBackOnTheCallersLoop) {
  ThreadedHttpClient threaded(io, limits);
  constexpr int kRequests = 50;
  int done = 0, ok = 0, elsewhere = 0;
  const auto loop = std::this_thread::get_id();
  for (int i = 0; i < kRequests; ++i) {
    Parcel p = test::sampleParcel("YT" + std::to_string(1000000000000LL + i));
    threaded.send(codec.buildQuery(p), [&](Result<HttpResponse> r) {
      ++done;
      if (r && r->status == 200) ++ok;
      if (std::this_thread::get_id() != loop) ++elsewhere;
    });
  }
  EXPECT_EQ(threaded.inFlight(), static_cast<size_t>(kRequests));
  auto deadline = steady_clock::now() + seconds(20);
  while (done < kRequests && steady_clock::now() < deadline) io.run_one_for(milliseconds(50));
  EXPECT_EQ(done, kRequests);
  EXPECT_EQ(ok, kRequests);
  EXPECT_EQ(elsewhere, 0);
  EXPECT_EQ(threaded.inFlight(), 0u);

  server.pushFault({.delay = milliseconds(300)});
  bool called = false;
  threaded.send(codec.buildQuery(parcel), [&](Result<HttpResponse>) { called = true; });
  io.run_for(milliseconds(100));
  threaded.cancelAll();
  EXPECT_EQ(threaded.inFlight(), 0u);
  io.run_for(milliseconds(500));
  EXPECT_FALSE(called);
}

TEST_F(CurlTest, OnItsOwnThreadAClientGoneWithRequestsOutTellsNobody) {
  bool called = false;
  server.pushFault({.delay = milliseconds(300)});
  server.pushFault({.delay = milliseconds(300)});
  {
    ThreadedHttpClient threaded(io, limits);
    threaded.send(codec.buildQuery(parcel), [&](Result<HttpResponse>) { called = true; });
    threaded.send(codec.buildQuery(parcel), [&](Result<HttpResponse>) { called = true; });
    io.run_for(milliseconds(50));
  }
  io.run_for(milliseconds(500));
  EXPECT_FALSE(called);
}

// On several threads: the bound is the threads' together (no more threads than it), each
// request goes to the thread with the fewest open, and every answer is prepared on one of
// them and told on the caller's loop.
TEST_F(CurlTest, OnSeveralThreadsTheyShareTheBoundAndEachPreparesItsAnswers) {
  CurlLimits bounded = limits;
  bounded.max_transfers = 2;
  ThreadedHttpClient threaded(io, bounded, 3);
  EXPECT_EQ(threaded.threads(), 2u) << "no more threads than transfers";
  EXPECT_EQ(threaded.maxOpen(), 2u);
  server.setPermanentFault(FakeFault{.delay = milliseconds(200)});
  constexpr int kRequests = 6;
  int done = 0, ok = 0, elsewhere = 0;
  const auto loop = std::this_thread::get_id();
  std::mutex m;
  std::set<std::thread::id> preparedOn;
  auto started = steady_clock::now();
  for (int i = 0; i < kRequests; ++i) {
    Parcel p = test::sampleParcel("YT" + std::to_string(1000000000000LL + i));
    threaded.send(
        codec.buildQuery(p),
        [&](const Result<HttpResponse>&) {
          std::lock_guard lock(m);
          preparedOn.insert(std::this_thread::get_id());
        },
        [&](Result<HttpResponse> r) {
          ++done;
          if (r && r->status == 200) ++ok;
          if (std::this_thread::get_id() != loop) ++elsewhere;
        });
  }
  EXPECT_EQ(threaded.inFlight(), static_cast<size_t>(kRequests));
  io.run_for(milliseconds(100));
  EXPECT_EQ(server.requestCount(), 2u) << "two open at once, the rest held";
  auto deadline = steady_clock::now() + seconds(10);
  while (done < kRequests && steady_clock::now() < deadline) io.run_one_for(milliseconds(50));
  EXPECT_EQ(ok, kRequests);
  EXPECT_EQ(elsewhere, 0);
  EXPECT_GE(steady_clock::now() - started, milliseconds(590)) << "three rounds of two";
  EXPECT_EQ(threaded.inFlight(), 0u);
  std::lock_guard lock(m);
  EXPECT_EQ(preparedOn.size(), 2u) << "both threads sent and prepared";
  EXPECT_FALSE(preparedOn.count(loop));
}

// A reload that leaves fewer transfers than threads: the threads left without one get no new
// request, and the carrier sees no more than the new bound.
TEST_F(CurlTest, OnSeveralThreadsALowerBoundLeavesSomeIdle) {
  CurlLimits bounded = limits;
  bounded.max_transfers = 4;
  ThreadedHttpClient threaded(io, bounded, 2);
  ASSERT_EQ(threaded.threads(), 2u);
  bounded.max_transfers = 1;
  threaded.setLimits(bounded);
  EXPECT_EQ(threaded.maxOpen(), 1u);
  server.setPermanentFault(FakeFault{.delay = milliseconds(200)});
  constexpr int kRequests = 3;
  int ok = 0;
  auto started = steady_clock::now();
  for (int i = 0; i < kRequests; ++i) {
    Parcel p = test::sampleParcel("YT" + std::to_string(1000000000000LL + i));
    threaded.send(codec.buildQuery(p), [&](Result<HttpResponse> r) {
      if (r && r->status == 200) ++ok;
    });
  }
  io.run_for(milliseconds(100));
  EXPECT_EQ(server.requestCount(), 1u) << "one open at once";
  auto deadline = steady_clock::now() + seconds(10);
  while (ok < kRequests && steady_clock::now() < deadline) io.run_one_for(milliseconds(50));
  EXPECT_EQ(ok, kRequests);
  EXPECT_GE(steady_clock::now() - started, milliseconds(590)) << "one after the other";
  EXPECT_EQ(threaded.inFlight(), 0u);
}
