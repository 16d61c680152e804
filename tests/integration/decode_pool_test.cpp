// The decode pool with real threads: work runs off the loop's thread and its
// continuation on it; the loop does not return while a decode is out; an
// exception reaches the loop; a pool that is gone runs no continuation.
#include "polling/decode_pool.h"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace pw {
namespace {

TEST(DecodePool, WorkRunsOffTheLoopAndItsContinuationOnIt) {
  boost::asio::io_context io;
  DecodePool pool(io, 2);
  const auto loop = std::this_thread::get_id();
  std::vector<std::thread::id> workers;
  int continued = 0;
  for (int i = 0; i < 8; ++i) {
    auto where = std::make_shared<std::thread::id>();
    pool.run(
        [where] {
          // Slow enough that run() would return early without the guard.
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          *where = std::this_thread::get_id();
        },
        [&, where] {
          EXPECT_EQ(std::this_thread::get_id(), loop);
          workers.push_back(*where);
          ++continued;
        });
  }
  io.run();  // returns only when every continuation ran
  EXPECT_EQ(continued, 8);
  for (auto id : workers) EXPECT_NE(id, loop);
}

TEST(DecodePool, NoThreadsRunsBothInline) {
  boost::asio::io_context io;
  DecodePool pool(io, 0);
  bool worked = false, continued = false;
  pool.run([&] { worked = true; }, [&] { continued = worked; });
  EXPECT_TRUE(continued);
}

TEST(DecodePool, AnExceptionInTheWorkIsThrownOnTheLoop) {
  boost::asio::io_context io;
  DecodePool pool(io, 1);
  bool continued = false;
  pool.run([] { throw std::logic_error("decoder bug"); }, [&] { continued = true; });
  EXPECT_THROW(io.run(), std::logic_error);
  EXPECT_FALSE(continued);
}

TEST(DecodePool, AContinuationPostedBeforeThePoolIsGoneDoesNotRun) {
  boost::asio::io_context io;
  std::atomic<bool> worked = false;
  bool continued = false;
  {
    DecodePool pool(io, 1);
    pool.run([&] { worked = true; }, [&] { continued = true; });
    // The destructor joins: the work finishes, its continuation is posted.
  }
  io.run();
  EXPECT_FALSE(continued);
}

}  // namespace
}  // namespace pw
