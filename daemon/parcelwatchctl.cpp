// parcelwatchctl: a thin client of the control socket. Subcommands turn into
// one request each; people get text, scripts get the daemon's answer with
// --json. Exit codes (sysexits.h): 0 ok, 1 the daemon answered an error,
// 64 usage, 65 bad input file, 66 input file missing, 69 daemon unreachable,
// 75 timeout, 77 permission denied (socket or command), 78 bad config.
#include "analyzer/analyzer.h"
#include "analyzer/replay.h"
#include "config/config_loader.h"
#include "control/control_client.h"
#include "ctl_format.h"
#include "follow.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <sysexits.h>
#include <charconv>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

namespace json = boost::json;
using namespace pw;

namespace {

struct Options {
  std::string socket;
  std::string config;
  bool json = false;
  double timeout_s = 10;
};

int exitFor(const Error& e) {
  switch (e.code) {
    case ErrorCode::not_found:
      return EX_UNAVAILABLE;
    case ErrorCode::transient:
      return EX_TEMPFAIL;
    case ErrorCode::permission:
      return EX_NOPERM;
    default:
      return EX_PROTOCOL;
  }
}

int exitFor(const control::Answer& a) {
  if (a.result == control::kSuccess) return 0;
  return a.result == control::kDenied ? EX_NOPERM : 1;
}

Result<std::string> socketPath(const Options& o) {
  if (!o.socket.empty()) return o.socket;
  if (!o.config.empty()) {
    auto c = loadConfig(o.config);
    if (!c) return c.error();
    return c->daemon.control_socket.string();
  }
  return std::string("/run/parcelwatch/parcelwatch.sock");
}

// The daemon at the socket the options name. A failure to reach it is
// printed here and leaves its exit code in `exit`.
class Daemon {
 public:
  static std::optional<Daemon> open(const Options& o, int& exit) {
    auto path = socketPath(o);
    if (!path) {
      std::cerr << "parcelwatchctl: " << path.error().message << "\n";
      exit = EX_CONFIG;
      return std::nullopt;
    }
    return Daemon(*path, std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000)));
  }
  std::optional<control::Answer> ask(const control::Request& req, int& exit) const {
    auto answer = control::call(socket_, req, timeout_);
    if (!answer) {
      std::cerr << "parcelwatchctl: " << answer.error().message << "\n";
      exit = exitFor(answer.error());
      return std::nullopt;
    }
    return std::move(*answer);
  }

 private:
  Daemon(std::string socket, std::chrono::milliseconds timeout)
      : socket_(std::move(socket)), timeout_(timeout) {}
  std::string socket_;
  std::chrono::milliseconds timeout_;
};

// Sends one request and prints the answer; returns the exit code.
int run(const Options& o, const control::Request& req,
        std::string (*human)(const json::value&) = nullptr) {
  int exit = 0;
  auto daemon = Daemon::open(o, exit);
  if (!daemon) return exit;
  auto answer = daemon->ask(req, exit);
  if (!answer) return exit;
  if (o.json) {
    std::cout << control::serializeAnswer(*answer) << "\n";
  } else if (answer->result != control::kSuccess) {
    std::cerr << "error: " << answer->text << "\n";
  } else if (human) {
    std::cout << human(answer->arguments);
  } else {
    std::cout << answer->text << "\n";
  }
  return exitFor(*answer);
}

// notify-test: the daemon starts the send and answers at once; its result is
// asked for until the platform answered (each sink's timeout is at most 2 min).
int notifyTest(const Options& o, const std::string& sink) {
  int exit = 0;
  auto daemon = Daemon::open(o, exit);
  if (!daemon) return exit;
  auto started = daemon->ask({"notify-test", json::object{{"sink", sink}}}, exit);
  if (!started) return exit;
  if (started->result != control::kSuccess) {
    std::cerr << "error: " << started->text << "\n";
    return exitFor(*started);
  }
  auto id = started->arguments.as_object().at("test_id");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(150);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto answer = daemon->ask({"notify-test", json::object{{"sink", sink}, {"test_id", id}}}, exit);
    if (!answer) return exit;
    const auto* args = answer->arguments.if_object();
    if (answer->result == control::kSuccess && args && args->contains("done") &&
        !args->at("done").as_bool())
      continue;
    if (o.json)
      std::cout << control::serializeAnswer(*answer) << "\n";
    else
      (answer->result == control::kSuccess ? std::cout : std::cerr)
          << (answer->result == control::kSuccess ? "" : "error: ") << answer->text << "\n";
    return exitFor(*answer);
  }
  std::cerr << "parcelwatchctl: no answer from the sink in time\n";
  return EX_TEMPFAIL;
}

int track(const Options& o, const std::string& file) {
  std::istream* in = &std::cin;
  std::ifstream f;
  if (file != "-") {
    f.open(file);
    if (!f) {
      std::cerr << "parcelwatchctl: cannot open " << file << "\n";
      return EX_NOINPUT;
    }
    in = &f;
  }
  int exit = 0;
  auto daemon = Daemon::open(o, exit);
  if (!daemon) return exit;
  constexpr size_t kBatch = 500;
  std::vector<std::pair<size_t, json::value>> batch;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    json::array parcels;
    for (auto& [line, v] : batch) parcels.push_back(v);
    control::Request req{"track", json::object{{"parcels", std::move(parcels)}}};
    auto answer = daemon->ask(req, exit);
    if (!answer) return false;
    if (answer->result != control::kSuccess) exit = 1;
    if (o.json) std::cout << control::serializeAnswer(*answer) << "\n";
    const json::value* results = nullptr;
    if (answer->arguments.is_object())
      results = answer->arguments.get_object().if_contains("results");
    if (!results || !results->is_array()) {
      if (!o.json) std::cerr << "error: " << answer->text << "\n";
      batch.clear();
      return answer->result == control::kSuccess;
    }
    if (!o.json) {
      for (const auto& r : results->get_array()) {
        const auto& ro = r.get_object();
        size_t idx = static_cast<size_t>(ro.at("index").to_number<std::int64_t>());
        size_t line = idx < batch.size() ? batch[idx].first : 0;
        std::string tn = ro.contains("tracking_number")
                             ? std::string(ro.at("tracking_number").as_string())
                             : "?";
        std::string status(ro.at("status").as_string());
        std::cout << "line " << line << ": " << tn << " " << status;
        if (ro.contains("error")) std::cout << ": " << ro.at("error").as_string().c_str();
        if (ro.contains("carrier_guessed"))
          std::cout << " (carrier guessed: " << ro.at("carrier_guessed").as_string().c_str() << ")";
        if (ro.contains("warning"))
          std::cout << " (" << ro.at("warning").as_string().c_str() << ")";
        std::cout << "\n";
      }
    }
    batch.clear();
    return true;
  };
  std::string text;
  size_t lineNo = 0;
  while (std::getline(*in, text)) {
    ++lineNo;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) {
      std::cerr << "line " << lineNo << ": rejected: not JSON: " << ec.message() << "\n";
      exit = 1;
      continue;
    }
    batch.emplace_back(lineNo, std::move(v));
    if (batch.size() == kBatch && !flush()) return exit;
  }
  flush();
  return exit;
}

// Pages through `export` and prints one JSON object per line, so the output
// streams into jq, a file or a database loader however large it is.
int exportRecords(const Options& o, json::object args) {
  int exit = 0;
  auto daemon = Daemon::open(o, exit);
  if (!daemon) return exit;
  std::int64_t after = 0;
  while (true) {
    args["after_id"] = after;
    auto answer = daemon->ask({"export", args}, exit);
    if (!answer) return exit;
    if (answer->result != control::kSuccess) {
      std::cerr << "error: " << answer->text << "\n";
      return exitFor(*answer);
    }
    const auto& a = answer->arguments.as_object();
    for (const auto& r : a.at("records").as_array()) std::cout << json::serialize(r) << "\n";
    auto next = a.if_contains("next_after_id");
    if (!next) return 0;
    after = next->to_number<std::int64_t>();
  }
}

// Offline: no daemon. One JSON line per case on stdout (with --replay, one per
// change and one "end" line per case); errors name the file.
int analyze(const Options& o, const std::vector<std::string>& files, bool replay) {
  std::string configFile = o.config.empty() ? "/etc/parcelwatch/parcelwatch.toml" : o.config;
  auto config = loadConfig(configFile);
  if (!config) {
    std::cerr << "parcelwatchctl analyze: the thresholds and message templates come from the "
                 "configuration (-c FILE):\n"
              << config.error().message << "\n";
    return EX_CONFIG;
  }
  int exit = 0;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << file << ": cannot open\n";
      exit = EX_NOINPUT;
      continue;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (replay) {
      auto lines = replayCase(text, *config);
      if (!lines) {
        std::cerr << file << ": " << lines.error().message << "\n";
        exit = EX_DATAERR;
        continue;
      }
      for (auto& line : *lines) {
        line["case"] = file;
        std::cout << json::serialize(line) << "\n";
      }
      continue;
    }
    auto verdict = analyzeCase(text, *config);
    if (!verdict) {
      std::cerr << file << ": " << verdict.error().message << "\n";
      exit = EX_DATAERR;
      continue;
    }
    std::cout << json::serialize(*verdict) << "\n";
  }
  return exit;
}

// A CLI11 check for an integer option: says what is wrong in words, where CLI11's own ranges
// print a double with three hundred digits.
CLI::Validator wholeNumber(std::int64_t min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc() || end != text.data() + text.size() || text.empty())
          return "'" + text + "' is not a whole number";
        if (n < min) return "must be at least " + std::to_string(min) + ", not " + text;
        return "";
      },
      "INT");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"parcelwatchctl: talk to a running parcelwatchd"};
  cli.require_subcommand(1);
  Options o;
  cli.add_option("-s,--socket", o.socket, "control socket path");
  cli.add_option("-c,--config", o.config, "read the socket path from this parcelwatchd config");
  cli.add_flag("--json", o.json, "print the daemon's answer as JSON, unchanged");
  cli.add_option("--timeout", o.timeout_s, "seconds to wait for the daemon")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));

  auto* status = cli.add_subcommand("status", "daemon state and counters");
  std::string helpCommand;
  auto* help = cli.add_subcommand("help", "the daemon's control commands, or one of them");
  help->add_option("COMMAND", helpCommand, "one command");
  auto* commands = cli.add_subcommand("commands", "the daemon's control commands (as help)");
  auto* configCmd = cli.add_subcommand("config", "the running configuration, secrets masked");
  auto* reloadCmd = cli.add_subcommand(
      "reload", "re-read the configuration; the daemon keeps the old one if the new is invalid");
  auto* statsCmd = cli.add_subcommand(
      "stats", "counters: polls by carrier and outcome, latency, notification sinks");
  std::string outboxSink;
  auto* outboxCmd = cli.add_subcommand(
      "outbox", "notification outbox per sink: backlog and parked events; outbox retry SINK");
  outboxCmd->add_option("SINK", outboxSink, "only this sink");
  std::string retrySink;
  auto* outboxRetryCmd =
      outboxCmd->add_subcommand("retry", "re-queue a sink's parked events: outbox retry SINK");
  outboxRetryCmd->add_option("SINK", retrySink, "the sink")->required();
  std::string testSink;
  auto* notifyTestCmd = cli.add_subcommand(
      "notify-test", "send one sample task to a sink now and print the platform's answer");
  notifyTestCmd->add_option("SINK", testSink, "the sink")->required();

  std::string exportWhat, exportState, exportKind, exportCarrier, exportOlder;
  bool exportOpen = false;
  auto* exportCmd = cli.add_subcommand("export", "tasks or exceptions as JSON lines on stdout");
  exportCmd->add_option("WHAT", exportWhat, "tasks or exceptions")
      ->required()
      ->check(CLI::IsMember({"tasks", "exceptions"}));
  exportCmd->add_option("--state", exportState,
                        "tasks: open, acked, done, dismissed (default all)");
  exportCmd->add_option("--kind", exportKind, "only this exception kind");
  exportCmd->add_option("--carrier", exportCarrier, "tasks: only this carrier");
  exportCmd->add_option("--older-than", exportOlder, "tasks: created longer ago than, e.g. 48h");
  exportCmd->add_flag("--open", exportOpen, "exceptions: only open ones");

  std::optional<std::int64_t> followFrom, followLimit;
  bool followOnce = false;
  auto* followCmd = cli.add_subcommand(
      "follow",
      "the cluster's alert events as JSON lines (\"seq\" added), in commit order, as they are "
      "committed; resume with --from LAST");
  followCmd
      ->add_option("--from", followFrom,
                   "events after this seq (the last one you processed); 0: every event "
                   "still kept; default: only new events")
      ->check(wholeNumber(0));
  followCmd->add_option("--limit", followLimit, "stop after this many events")
      ->check(wholeNumber(1));
  followCmd->add_flag("--once", followOnce, "print what is there and exit instead of waiting");

  std::string trackFile;
  auto* trackCmd = cli.add_subcommand("track", "register parcels: one JSON object per line");
  trackCmd->add_option("FILE", trackFile, "file with one parcel per line, - for stdin")->required();

  std::vector<std::string> rerunNumbers;
  std::string rerunKind;
  bool rerunAll = false;
  auto* rerun =
      cli.add_subcommand("rerun", "poll and detect now: TRACKING_NUMBER..., --kind KIND or --all");
  rerun->add_option("TRACKING_NUMBER", rerunNumbers, "these parcels");
  rerun->add_option("--kind", rerunKind, "every parcel with this exception open, e.g. stalled");
  rerun->add_flag("--all", rerunAll, "every active parcel");
  std::vector<std::string> reassessNumbers;
  std::string reassessKind;
  bool reassessAll = false;
  auto* reassessCmd = cli.add_subcommand(
      "reassess",
      "detection and remedies again over stored timelines with the current configuration, no "
      "carrier query: TRACKING_NUMBER..., --kind KIND or --all (after a threshold change)");
  reassessCmd->add_option("TRACKING_NUMBER", reassessNumbers, "these parcels");
  reassessCmd->add_option("--kind", reassessKind, "every parcel with this exception open");
  reassessCmd->add_flag("--all", reassessAll, "every active parcel (in the background)");
  auto* checkCmd = cli.add_subcommand(
      "check", "start the database's integrity check in the background (result in status)");
  auto* nodesCmd = cli.add_subcommand(
      "nodes", "a shared PostgreSQL database's live nodes, their heartbeats and leases");

  std::string parcelNumber;
  auto* parcelCmd = cli.add_subcommand("parcel", "one parcel: timeline, exceptions, tasks");
  parcelCmd->add_option("TRACKING_NUMBER", parcelNumber, "the parcel")->required();

  std::int64_t taskId = 0;
  std::string taskState, taskOutcome;
  auto* taskCmd = cli.add_subcommand("task", "act on a task: task ID ack|done|dismiss");
  taskCmd->add_option("ID", taskId, "task id")->required();
  taskCmd->add_option("STATE", taskState, "ack, done or dismiss")
      ->required()
      ->check(CLI::IsMember({"ack", "done", "dismiss"}));
  taskCmd->add_option("--outcome", taskOutcome, "what was done, e.g. \"reshipped SF123\"");

  std::string untrackNumber;
  auto* untrackCmd = cli.add_subcommand("untrack", "stop watching a parcel and forget it");
  untrackCmd->add_option("TRACKING_NUMBER", untrackNumber, "the parcel")->required();

  auto* versionCmd = cli.add_subcommand("version", "the daemon's version");
  auto* reopenCmd = cli.add_subcommand("reopen-logs", "reopen the alert log (for logrotate)");

  std::string claimNumber, claimNote;
  auto* claimCmd = cli.add_subcommand("claim", "record a buyer's \"not received\" report");
  claimCmd->add_option("TRACKING_NUMBER", claimNumber, "the parcel")->required();
  claimCmd->add_option("--note", claimNote, "what the buyer said");

  std::string state = "open", kind, number;
  int limit = 0;
  auto* tasks = cli.add_subcommand("tasks", "list buyer-notification tasks");
  tasks->add_option("--state", state, "open, acked, done, dismissed or all")->capture_default_str();
  tasks->add_option("--kind", kind, "only this exception kind");
  tasks->add_option("--tracking-number", number, "only this parcel");
  std::string taskCarrier, olderThan, newerThan;
  tasks->add_option("--carrier", taskCarrier, "only this carrier, e.g. yuantong");
  tasks->add_option("--older-than", olderThan, "created longer ago than this, e.g. 48h");
  tasks->add_option("--newer-than", newerThan, "created within this, e.g. 2h");
  tasks->add_option("--limit", limit, "at most this many")->check(CLI::Range(1, 100000));

  std::vector<std::string> caseFiles;
  bool replay = false;
  auto* analyzeCmd = cli.add_subcommand(
      "analyze", "offline: run a recorded case through detection and remedies (no daemon)");
  analyzeCmd->add_option("CASE", caseFiles, "case files (JSON)")->required();
  analyzeCmd->add_flag(
      "--replay", replay,
      "walk each history through time as the daemon would have seen it (after each event and at "
      "each threshold crossing up to as_of): one JSON line per exception raised, updated or "
      "resolved, with its lead time before the last scan, then one \"end\" line per case");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : EX_USAGE;
  }

  if (analyzeCmd->parsed()) return analyze(o, caseFiles, replay);
  if (status->parsed()) return run(o, {"status", {}}, &ctl::formatStatus);
  if (help->parsed()) {
    json::object args;
    if (!helpCommand.empty()) args["command"] = helpCommand;
    return run(o, {"help", std::move(args)});
  }
  if (commands->parsed()) return run(o, {"help", {}});
  if (configCmd->parsed()) return run(o, {"config", {}});
  if (reloadCmd->parsed()) return run(o, {"reload", {}});
  if (statsCmd->parsed()) return run(o, {"stats", {}}, &ctl::formatStats);
  if (outboxRetryCmd->parsed()) return run(o, {"outbox-retry", json::object{{"sink", retrySink}}});
  if (outboxCmd->parsed()) {
    json::object args;
    if (!outboxSink.empty()) args["sink"] = outboxSink;
    return run(o, {"outbox", std::move(args)}, &ctl::formatOutbox);
  }
  if (notifyTestCmd->parsed()) return notifyTest(o, testSink);
  if (exportCmd->parsed()) {
    json::object args{{"what", exportWhat}};
    if (!exportState.empty()) args["state"] = exportState;
    if (!exportKind.empty()) args["kind"] = exportKind;
    if (!exportCarrier.empty()) args["carrier"] = exportCarrier;
    if (!exportOlder.empty()) args["older_than"] = exportOlder;
    if (exportOpen) args["open"] = true;
    return exportRecords(o, std::move(args));
  }
  if (followCmd->parsed()) {
    auto path = socketPath(o);
    if (!path) {
      std::cerr << "parcelwatchctl: " << path.error().message << "\n";
      return EX_CONFIG;
    }
    return ctl::follow({.socket = *path,
                        .timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000)),
                        .from = followFrom,
                        .limit = followLimit,
                        .once = followOnce});
  }
  if (trackCmd->parsed()) return track(o, trackFile);
  // rerun and reassess select parcels the same way.
  auto selection = [&](const char* command, const std::vector<std::string>& numbers,
                       const std::string& kind, bool all) {
    int ways = (numbers.empty() ? 0 : 1) + (kind.empty() ? 0 : 1) + (all ? 1 : 0);
    if (ways != 1) {
      std::cerr << "parcelwatchctl " << command
                << ": give TRACKING_NUMBER..., --kind KIND or --all\n";
      return EX_USAGE;
    }
    json::object args;
    if (all)
      args["all"] = true;
    else if (!kind.empty())
      args["kind"] = kind;
    else if (numbers.size() == 1)
      args["tracking_number"] = numbers.front();
    else
      args["tracking_numbers"] = json::value_from(numbers);
    return run(o, {command, std::move(args)});
  };
  if (rerun->parsed()) return selection("rerun", rerunNumbers, rerunKind, rerunAll);
  if (reassessCmd->parsed())
    return selection("reassess", reassessNumbers, reassessKind, reassessAll);
  if (checkCmd->parsed()) return run(o, {"check", {}});
  if (nodesCmd->parsed()) return run(o, {"nodes", {}});
  if (parcelCmd->parsed())
    return run(o, {"parcel", json::object{{"tracking_number", parcelNumber}}}, &ctl::formatParcel);
  if (taskCmd->parsed()) {
    std::string state = taskState == "ack" ? "acked" : taskState == "done" ? "done" : "dismissed";
    json::object args{{"id", taskId}, {"state", state}};
    if (!taskOutcome.empty()) args["outcome"] = taskOutcome;
    return run(o, {"task", std::move(args)});
  }
  if (untrackCmd->parsed())
    return run(o, {"untrack", json::object{{"tracking_number", untrackNumber}}});
  if (versionCmd->parsed()) return run(o, {"version", {}});
  if (reopenCmd->parsed()) return run(o, {"reopen-logs", {}});
  if (claimCmd->parsed()) {
    json::object args{{"tracking_number", claimNumber}};
    if (!claimNote.empty()) args["note"] = claimNote;
    return run(o, {"claim", std::move(args)});
  }
  if (tasks->parsed()) {
    json::object args{{"state", state}};
    if (!kind.empty()) args["kind"] = kind;
    if (!number.empty()) args["tracking_number"] = number;
    if (!taskCarrier.empty()) args["carrier"] = taskCarrier;
    if (!olderThan.empty()) args["older_than"] = olderThan;
    if (!newerThan.empty()) args["newer_than"] = newerThan;
    if (limit > 0) args["limit"] = limit;
    return run(o, {"tasks", std::move(args)}, &ctl::formatTasks);
  }
  return EX_USAGE;
}
