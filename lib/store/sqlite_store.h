#pragma once
// The SQLite store: parcels, events, exceptions and tasks in one file.
//
// Durability promise: every poll result (new events, exception changes, new
// tasks, the parcel's stage) is written in one BEGIN IMMEDIATE transaction, so
// a crash or kill -9 at any moment leaves either all of it or none of it.
// synchronous=NORMAL in WAL mode keeps every committed transaction across a
// process crash; a power loss may lose the last few commits (an operator can
// choose synchronous=FULL for that, at ~10x the cost per commit).
//
// Threading: a SqliteStore is one SQLite connection and is used by one thread only.
// Several SqliteStores may be open on the same file, one per thread (the daemon's
// writer thread commits poll and push results; its event loop reads and makes
// the rare other writes): WAL lets readers go on while one writes, and every
// write is a BEGIN IMMEDIATE transaction that waits up to `busy_timeout` for
// the other writer. The first open() migrates the schema under the write
// lock; a second opener waits for it and finds it done. open() runs no
// integrity check: quickCheck() is a read transaction that can run on its own
// SqliteStore without holding writers up.
//
// SQLiteCpp throws; nothing leaves this class as an exception: every failure
// is a Result.
#include "store/store.h"
#include "store/wal_checkpointer.h"

#include <filesystem>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace SQLite {
class Database;
}

namespace pw {

namespace store {
struct State;
}

class SqliteStore final : public Store {
 public:
  /// Opens (creating if needed) and migrates the database file.
  static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& file,
                                                   const StoreOptions& options = StoreOptions());
  ~SqliteStore() override;

  std::string_view backend() const override { return "sqlite"; }
  Result<AddOutcome> addParcel(const Parcel& parcel, Timestamp now) override;
  Result<std::vector<PollTarget>> pollTargets() override;
  Result<std::vector<ActiveParcel>> activeParcels(std::int64_t afterId, int limit) override;
  Result<std::vector<std::int64_t>> activeParcelIds(std::int64_t afterId, int limit) override;
  // A scan of the table: the daemon's schedule lives in memory on SQLite, and nothing it runs
  // asks for these (schema step 14 dropped their index).
  Result<std::vector<DueParcel>> dueParcels(Timestamp now, int limit) override;
  Result<std::optional<Timestamp>> nextDue() override;
  Result<void> setNextPoll(std::int64_t parcelId, std::optional<Timestamp> at) override;
  Result<void> recordQuery(std::int64_t parcelId, Timestamp at, double tokens) override;
  Result<std::optional<Parcel>> findParcel(std::string_view trackingNumber) override;
  Result<std::vector<std::optional<Parcel>>> findParcels(
      const std::vector<std::string>& trackingNumbers) override;
  Result<Parcel> parcel(std::int64_t id) override;
  Result<Timeline> timeline(std::int64_t parcelId) override;
  Result<PollOutcome> commitPoll(std::int64_t parcelId, const std::vector<TrackingEvent>& events,
                                 const std::string& carrierState, Timestamp now,
                                 const AssessFn& assess) override;
  Result<std::vector<Result<PollOutcome>>> commitBatch(
      std::vector<CommitRequest> requests) override;
  /// The marks in the batch's transaction.
  Result<std::vector<Result<PollOutcome>>> commitBatch(std::vector<CommitRequest> requests,
                                                       const AlertMarks& marks,
                                                       Timestamp marksAt) override;
  /// Reads the page's parcels, timelines, open exceptions and claims in a
  /// few range queries, and writes only the parcels whose assessment changed.
  Result<std::vector<Result<PollOutcome>>> reassessPage(const ReassessPage& page) override;
  /// The same range reads as reassessPage in a read transaction: other
  /// connections of the file screen pages while this one's owner writes.
  Result<ScreenedPage> screenReassess(const ReassessPage& page) override;
  std::uint64_t screenMark() override;
  void endScreens() override;
  /// The log file over twice the backstop's size.
  bool screensHoldLog() override;
  Result<std::vector<Result<PollOutcome>>> reassessScreened(const ReassessPage& named,
                                                            const ScreenedPage& screened,
                                                            std::uint64_t mark) override;
  /// The same file and options, without a checkpointer thread of its own.
  Result<std::unique_ptr<Store>> openScreen() override;
  /// The same file and options, without a checkpointer thread of its own; it
  /// keeps the log's backstop as this connection does (see followScreens).
  Result<std::unique_ptr<Store>> openWriter() override;
  Result<void> recordPollFailure(std::int64_t parcelId, Timestamp now,
                                 const std::string& error) override;
  Result<void> updateCarrier(std::int64_t parcelId, const std::string& carrier) override;
  Result<std::vector<NotificationTask>> tasks(const TaskFilter& filter) override;
  Result<std::vector<NotificationTask>> unalertedTasks() override;
  using Store::markAlerted;
  Result<void> markAlerted(const AlertMarks& marks, Timestamp now) override;
  Result<std::vector<PendingRaise>> unalertedRaises() override;
  Result<std::vector<PendingResolve>> unalertedResolves() override;
  Result<NotificationTask> setTaskState(std::int64_t taskId, TaskState state,
                                        const std::string& outcome, Timestamp now) override;
  Result<std::vector<ParcelException>> exceptions(std::int64_t parcelId) override;
  Result<std::vector<ExceptionRecord>> listExceptions(const ExceptionFilter& filter) override;
  using Store::parcelsWithOpen;
  Result<std::vector<std::int64_t>> parcelsWithOpen(ExceptionKind kind, std::int64_t afterId,
                                                    int limit) override;
  Result<void> removeParcel(std::int64_t parcelId) override;
  Result<void> addClaim(std::int64_t parcelId, const std::string& note, Timestamp now) override;
  Result<bool> hasClaim(std::int64_t parcelId) override;
  Result<int> buyerClaims(const std::string& buyerId, Timestamp since) override;
  Result<void> setOutboxSinks(const std::vector<std::string>& names) override;
  Result<std::vector<OutboxRow>> outboxAfter(std::string_view sink, std::int64_t afterSeq,
                                             int limit) override;
  Result<void> outboxDelivered(std::string_view sink,
                               const std::vector<std::int64_t>& seqs) override;
  Result<void> outboxFailure(std::string_view sink, std::int64_t seq,
                             const OutboxFailure& failure) override;
  Result<void> outboxPark(std::string_view sink, std::int64_t seq,
                          const std::string& reason) override;
  Result<std::int64_t> outboxRequeue(std::string_view sink) override;
  Result<std::vector<OutboxSinkSummary>> outboxSummary() override;
  Result<std::vector<ParkedEvent>> outboxParked(std::string_view sink, int limit) override;
  Result<std::int64_t> pruneOutbox(int limit, Timestamp before) override;
  Result<bool> ownSinkDelivery(std::string_view) override { return true; }
  Result<std::int64_t> outboxHead() override;
  Result<std::vector<OutboxEntry>> readOutbox(std::int64_t afterSeq, int limit) override;
  /// Kept by triggers as rows change: reading them scans nothing.
  Result<StoreCounts> counts() override;
  /// PRAGMA quick_check: "ok" or the first problems found. In WAL mode it
  /// holds no lock writers wait for.
  Result<std::string> quickCheck() override;

 private:
  SqliteStore(std::unique_ptr<SQLite::Database> db, const StoreOptions& options);
  /// One attempt; SQLite exceptions (SQLITE_BUSY among them) escape.
  static Result<std::unique_ptr<SqliteStore>> openOnce(const std::filesystem::path& file,
                                                       const StoreOptions& options);
  Result<PollOutcome> commitOne(const CommitRequest& request);
  Result<std::vector<Result<PollOutcome>>> commitAll(const std::vector<CommitRequest>& requests,
                                                     const char* what, const AlertMarks& marks = {},
                                                     Timestamp marksAt = {});
  // The transactions of commitAll, reassessScreened and reassessPage, after
  // which the marks of their writes are told.
  Result<std::vector<Result<PollOutcome>>> commitIn(const std::vector<CommitRequest>& requests,
                                                    const char* what, const AlertMarks& marks = {},
                                                    Timestamp marksAt = {});
  // Inside a write transaction.
  void writeMarks(const AlertMarks& marks, Timestamp now);
  Result<std::vector<Result<PollOutcome>>> writeScreened(const ReassessPage& named,
                                                         const ScreenedPage& screened,
                                                         std::uint64_t mark);
  Result<std::vector<Result<PollOutcome>>> writePage(const ReassessPage& page,
                                                     const std::vector<std::int64_t>& ids);
  // Writes to a parcel's detection inputs (parcel, events, exceptions,
  // claims), counted; while screens are out, the last one per parcel, and
  // the last that could change any parcel's (a claim counts for the buyer's
  // other parcels). Shared by the loop's connection and the writer's, which
  // writes the screened pages and checks them in its write transaction.
  struct WriteMarks {
    std::mutex mu;
    std::uint64_t mark = 0;
    bool screening = false;
    std::unordered_map<std::int64_t, std::uint64_t> written;
    std::uint64_t written_all = 0;
  };
  // The writer's connection tells its writes once its transaction ended
  // (publishMarks): a mark the loop takes between a write and its commit
  // must not cover it, or a screen reading after the mark but before the
  // commit would be taken for fresh.
  void wrote(std::int64_t parcelId);
  void wroteAll();
  void publishMarks();
  void setAutocheckpoint(int pages);
  // On the writer's connection, before each write: the backstop, as the
  // loop's connection, but SQLite's usual checkpoints while screens are out
  // (see the definition).
  void followScreens();
  bool writtenSince(std::int64_t parcelId, std::uint64_t mark) const;
  // The log's length (pages) at which a commit checkpoints it itself, when
  // the checkpointer thread has fallen behind (64 MiB).
  static constexpr int kWalBackstopPages = 16384;
  std::shared_ptr<WriteMarks> marks_ = std::make_shared<WriteMarks>();
  bool screening_ = false;    // the loop's connection: screens are out
  bool defer_marks_ = false;  // the writer's connection
  std::vector<std::int64_t> deferred_;
  bool deferred_all_ = false;
  // On the writer's connection: whether its commits checkpoint at the
  // backstop now; -1 before its first commit.
  int backstop_ = -1;
  bool keeps_backstop_ = false;

  std::filesystem::path file_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<store::State> s_;
  // Last: stopped before the connection it works beside is closed.
  std::unique_ptr<store::WalCheckpointer> checkpointer_;
};

}  // namespace pw
