#include "config/config_loader.h"

#include "app/config_reloader.h"

#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <thread>

using namespace pw;
using namespace std::chrono;

namespace {

const char* kMessages = R"(
[stalled]
zh-CN = "包裹 {tracking_number} 已 {elapsed_hours} 小时未更新"
en = "Parcel {tracking_number} has not moved for {elapsed_hours} hours"
)";

std::string base(const std::string& extra = "") {
  return R"([daemon]
state_dir = "state"
control_socket = "state/pw.sock"
alert_log = "state/alerts.jsonl"

[carriers.kuaidi100]
customer = "C"
key = "K"

[remedies]
messages = "messages.toml"
)" + extra;
}

struct ConfigFiles {
  test::TempDir dir;
  ConfigFiles() { dir.write("messages.toml", kMessages); }
  Result<Config> load(const std::string& text) { return loadConfig(dir.write("pw.toml", text)); }
  std::string error(const std::string& text) {
    auto r = load(text);
    return r ? "" : r.error().message;
  }
  std::string file() const { return (dir.path() / "pw.toml").string(); }
};

}  // namespace

TEST(ConfigLoader, DefaultsAndRelativePaths) {
  ConfigFiles f;
  auto c = f.load(base()).value();
  EXPECT_EQ(c.daemon.state_dir, f.dir.path() / "state");
  EXPECT_EQ(c.daemon.control_socket, f.dir.path() / "state/pw.sock");
  EXPECT_EQ(c.poll.interval, minutes(60));
  EXPECT_EQ(c.rules.detection.stalled_after, hours(48));
  EXPECT_EQ(c.rules.detection.not_picked_up_after, hours(24));
  EXPECT_EQ(c.kuaidi100.zone.offset, hours(8));
  EXPECT_TRUE(c.rules.templates.has(ExceptionKind::stalled));
}

// The poll path's HTTP threads: one per core (at most 4) unless set, and set only at start
// (the client caps them at the requests open at once: CurlTest.OnSeveralThreads...).
TEST(ConfigLoader, HttpThreadsDefaultToTheCoresUnlessSet) {
  ConfigFiles f;
  auto c = f.load(base()).value();
  EXPECT_EQ(c.poll.http_threads, 0);
  EXPECT_EQ(httpThreads(c), std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  c = f.load(base("[poll]\nhttp_threads = 3\n")).value();
  EXPECT_EQ(httpThreads(c), 3u);
  c = f.load(base("[poll]\nhttp_threads = 16\n")).value();
  EXPECT_EQ(httpThreads(c), 16u);
  EXPECT_NE(f.error(base("[poll]\nhttp_threads = 17\n")), "");
  EXPECT_NE(f.error(base("[poll]\nhttp_threads = -1\n")), "");
  auto next = f.load(base("[poll]\nhttp_threads = 2\n")).value();
  EXPECT_EQ(restartOnlyChanges(c, next), std::vector<std::string>{"poll.http_threads"});
}

TEST(ConfigLoader, OverridesFromTheIssueInterface) {
  ConfigFiles f;
  auto c =
      f
          .load(base(
              "[poll]\ninterval = \"90s\"\nmax_in_flight = 4\n[detect]\nstalled_after = \"3d\"\n"))
          .value();
  EXPECT_EQ(c.poll.interval, seconds(90));
  EXPECT_EQ(c.poll.max_in_flight, 4);
  EXPECT_EQ(c.rules.detection.stalled_after, hours(72));
}

TEST(ConfigLoader, ErrorsNameFileLineColumnAndKey) {
  ConfigFiles f;
  EXPECT_EQ(f.error(base("[poll]\nintervl = \"90s\"\n")),
            f.file() + ":13:11: unknown key 'poll.intervl'");
  EXPECT_EQ(f.error(base("[poll]\ninterval = \"90\"\n")),
            f.file() +
                ":13:12: poll.interval: bad duration '90': missing unit after 90 (use a number "
                "with a unit s, m, h or d, e.g. \"90s\", \"48h\", \"1d12h\")");
  EXPECT_EQ(f.error(base("[poll]\nmax_in_flight = 0\n")),
            f.file() + ":13:17: poll.max_in_flight: must be between 1 and 1024");
  EXPECT_EQ(f.error(base("[poll]\nmax_in_flight = \"many\"\n")),
            f.file() + ":13:17: poll.max_in_flight: expected an integer");
  EXPECT_EQ(f.error(base("[polling]\ninterval = \"1h\"\n")),
            f.file() + ":12:1: unknown section [polling]");
  std::string zone = base();
  zone.replace(zone.find("key = \"K\"\n"), 10, "key = \"K\"\ntimezone = \"Europe/Paris\"\n");
  EXPECT_EQ(
      f.error(zone).rfind(f.file() + ":9:12: carriers.kuaidi100.timezone: unsupported time zone "
                                     "'Europe/Paris'",
                          0),
      0u)
      << f.error(zone);
  EXPECT_EQ(f.error(base("[carriers]\ndefault = \"sf\"\n")),
            f.file() + ":13:11: carriers.default: must be kuaidi100, kuaidiniao or 17track");
  EXPECT_EQ(f.error(base("[carriers]\ncross_border = 17\n")),
            f.file() + ":13:16: carriers.cross_border: expected a string");
  EXPECT_EQ(f.error(base("[carriers.kuaidiniao]\nrequest_type = \"9\"\n")),
            f.file() + ":13:16: carriers.kuaidiniao.request_type: must be \"1002\" or \"8001\"");
}

TEST(ConfigLoader, SyntaxErrorsHavePositions) {
  ConfigFiles f;
  auto e = f.error("[daemon\nstate_dir = 1\n");
  EXPECT_EQ(e.rfind(f.file() + ":1:", 0), 0u) << e;
}

TEST(ConfigLoader, MissingRequiredKeysAndFiles) {
  ConfigFiles f;
  EXPECT_EQ(f.error("[daemon]\nstate_dir = \"s\"\n"),
            f.file() + ": missing required key 'daemon.control_socket'");
  EXPECT_EQ(loadConfig(f.dir.path() / "nope.toml").error().message,
            (f.dir.path() / "nope.toml").string() + ": no such file");
  std::string noKey = base();
  noKey.replace(noKey.find("key = \"K\"\n"), 10, "");
  EXPECT_EQ(
      f.error(noKey),
      f.file() + ": carriers.kuaidi100: customer and key are required (or enable the simulator)");
}

TEST(ConfigLoader, BadTemplatesAreCaughtAtLoad) {
  ConfigFiles f;
  f.dir.write("messages.toml", "[stalled]\nzh-CN = \"{no_such_fact}\"\nen = \"x\"\n");
  auto e = f.error(base());
  EXPECT_EQ(e, (f.dir.path() / "messages.toml").string() +
                   ":2:9: stalled.zh-CN: bad template: argument not found");
  f.dir.write("messages.toml", "[stalld]\nzh-CN = \"x\"\nen = \"x\"\n");
  EXPECT_EQ(f.error(base()),
            (f.dir.path() / "messages.toml").string() + ":1:1: unknown exception kind [stalld]");
}

TEST(ConfigLoader, ShippedDefaultLoads) {
  auto c = loadConfig(std::string(PW_CONF_DIR) + "/parcelwatch.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->simulator.enabled);
  EXPECT_TRUE(c->rules.templates.has(ExceptionKind::stalled));
  EXPECT_TRUE(c->rules.templates.has(ExceptionKind::not_picked_up));
}

TEST(ConfigLoader, ShippedProductionExampleLoads) {
  auto c = loadConfig(std::string(PW_CONF_DIR) + "/parcelwatch.production.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(c->simulator.enabled);
  EXPECT_EQ(c->daemon.control_socket, "/run/parcelwatch/parcelwatch.sock");
}

TEST(ConfigLoader, AggregatorsAndPush) {
  ConfigFiles f;
  std::string salted = base();
  salted.replace(salted.find("key = \"K\"\n"), 10, "key = \"K\"\nsalt = \"S\"\n");
  auto c = f.load(salted + R"([carriers]
default = "kuaidiniao"
[carriers.kuaidiniao]
enabled = true
business_id = "1234567"
app_key = "K"
[carriers.17track]
enabled = true
token = "T"
[push]
listen = "127.0.0.1:8900"
)")
               .value();
  EXPECT_EQ(c.default_aggregator, "kuaidiniao");
  EXPECT_EQ(c.kuaidiniao.request_type, "8001");
  EXPECT_EQ(c.seventeen_track.token, "T");
  EXPECT_EQ(c.push_listen, "127.0.0.1:8900");
  EXPECT_EQ(f.error(base("[carriers]\ncross_border = \"17track\"\n")),
            f.file() + ": carriers.cross_border: '17track' is not enabled");
  EXPECT_EQ(f.error(base("[carriers]\ndefault = \"17track\"\n")),
            f.file() + ": carriers.default: '17track' is not enabled");
  EXPECT_EQ(f.error(base("[carriers.kuaidiniao]\nenabled = true\n")),
            f.file() + ": carriers.kuaidiniao: business_id and app_key are required");
}

TEST(ConfigLoader, OverridesPerProvinceAndCarrier) {
  ConfigFiles f;
  auto c = f.load(base(R"(
[detect]
province_factor = { "西藏自治区" = 2.0 }
carrier_factor = { ems = 1.5 }
holidays = ["2026-02-15/2026-02-23"]
)"))
               .value();
  EXPECT_EQ(c.rules.detection.province_factor.size(), 1u);
  EXPECT_DOUBLE_EQ(c.rules.detection.province_factor.at("西藏自治区"), 2.0);
  EXPECT_DOUBLE_EQ(c.rules.detection.carrier_factor.at("ems"), 1.5);
  ASSERT_EQ(c.rules.detection.holidays.size(), 1u);
  EXPECT_EQ(c.rules.detection.holidays[0].second - c.rules.detection.holidays[0].first,
            std::chrono::hours(24 * 9));
  EXPECT_EQ(f.error(base("[detect]\ncarrier_factor = { ems = 0 }\n")),
            f.file() + ":13:18: detect.carrier_factor: 'ems' must be in (0, 10]");
  EXPECT_EQ(f.error(base("[detect]\nholidays = [\"2026-02-30/2026-03-01\"]\n")),
            f.file() + ":13:12: detect.holidays: bad holiday period '2026-02-30/2026-03-01'");
}

TEST(ConfigLoader, ExampleConfigIsPrintDefaultsAndValid) {
  std::string example = std::string(PW_CONF_DIR) + "/parcelwatch.example.toml";
  EXPECT_EQ(test::readFile(example), printDefaults())
      << "regenerate: build/daemon/parcelwatchd --print-defaults > conf/parcelwatch.example.toml";
  // Every key in it is known and every value valid; only the credentials are left to fill in.
  auto c = loadConfig(example);
  ASSERT_FALSE(c);
  EXPECT_EQ(
      c.error().message,
      example + ": carriers.kuaidi100: customer and key are required (or enable the simulator)");
}

TEST(ConfigLoader, SecretsFromEnvironmentOrFile) {
  ConfigFiles f;
  ::setenv("PW_TEST_K100_KEY", "from-env", 1);
  f.dir.write("k100.salt", "from-file\n");
  std::string text = base();
  text.replace(text.find("key = \"K\"\n"), 10,
               "key = \"env:PW_TEST_K100_KEY\"\nsalt = \"file:k100.salt\"\n");
  auto c = f.load(text).value();
  EXPECT_EQ(c.kuaidi100.key, "from-env");
  EXPECT_EQ(c.kuaidi100.salt, "from-file");
  std::string missing = base();
  missing.replace(missing.find("key = \"K\"\n"), 10, "key = \"env:PW_TEST_NOT_SET\"\n");
  EXPECT_EQ(
      f.error(missing),
      f.file() + ":8:7: carriers.kuaidi100.key: environment variable PW_TEST_NOT_SET is not set");
  std::string nofile = base();
  nofile.replace(nofile.find("key = \"K\"\n"), 10, "key = \"file:nope\"\n");
  EXPECT_EQ(f.error(nofile), f.file() + ":8:7: carriers.kuaidi100.key: cannot read secret file " +
                                 (f.dir.path() / "nope").string());
}

TEST(ConfigLoader, StoreBackendIsSqliteByDefaultOrPostgresWithASecretConninfo) {
  ConfigFiles f;
  auto plain = f.load(base()).value();
  EXPECT_EQ(plain.store.backend, "sqlite");
  EXPECT_TRUE(plain.store.postgres_conninfo.empty());
  ::setenv("PW_TEST_PG_CONNINFO", "host=db1 dbname=pw password=pg-s3cret", 1);
  auto pg = f.load(base("[store]\nbackend = \"postgres\"\n[store.postgres]\n"
                        "conninfo = \"env:PW_TEST_PG_CONNINFO\"\n"))
                .value();
  EXPECT_EQ(pg.store.backend, "postgres");
  EXPECT_EQ(pg.store.postgres_conninfo, "host=db1 dbname=pw password=pg-s3cret");
  EXPECT_EQ(pg.settings.at("store.postgres.conninfo"), "\"env:PW_TEST_PG_CONNINFO\" (secret)");
  EXPECT_EQ(f.error(base("[store]\nbackend = \"mysql\"\n")),
            f.file() + ":13:11: store.backend: must be \"sqlite\" or \"postgres\"");
  EXPECT_EQ(f.error(base("[store]\nbackend = \"postgres\"\n")),
            f.file() + ": store.postgres.conninfo: required when store.backend = \"postgres\"");
}

TEST(ConfigLoader, SettingsShowEffectiveValuesWithSecretsMasked) {
  ConfigFiles f;
  f.dir.write("salt.txt", "s3cret-salt\n");
  std::string text = base("[poll]\ninterval = \"90s\"\n[detect]\ncarrier_factor = { ems = 1.5 }\n");
  text.insert(text.find("key = \"K\"") + 9, "\nsalt = \"file:salt.txt\"");
  auto c = f.load(text);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->settings.at("poll.interval"), "\"90s\"");
  EXPECT_EQ(c->settings.at("poll.max_in_flight"), "16");  // the default
  EXPECT_EQ(c->settings.at("detect.carrier_factor"), "{ ems = 1.5 }");
  EXPECT_EQ(c->settings.at("carriers.kuaidi100.key"), "\"********\"");
  EXPECT_EQ(c->settings.at("carriers.kuaidi100.salt"), "\"file:salt.txt\" (secret)");
  for (const auto& [k, v] : c->settings) {
    EXPECT_EQ(v.find("K\""), std::string::npos) << k;
    EXPECT_EQ(v.find("s3cret"), std::string::npos) << k;
  }
}

TEST(ConfigLoader, RestartOnlyChangesNamesKeysAReloadCannotApply) {
  ConfigFiles f;
  auto a = f.load(base()).value();
  auto b = f.load(base("[poll]\ninterval = \"90s\"\n")).value();
  EXPECT_TRUE(restartOnlyChanges(a, b).empty());
  std::string moved = base();
  moved.replace(moved.find("state_dir = \"state\""), 19, "state_dir = \"other\"");
  moved.replace(moved.find("key = \"K\"\n"), 10, "key = \"K\"\nsalt = \"S\"\n");
  auto c = f.load(moved + "[push]\nlisten = \"127.0.0.1:9\"\n").value();
  EXPECT_EQ(restartOnlyChanges(a, c),
            (std::vector<std::string>{"daemon.state_dir", "push.listen"}));
  for (const auto& k : configKeys()) EXPECT_FALSE(k.doc.empty()) << k.key;
}

TEST(ConfigLoader, PushListenerLimitsAndAllowFrom) {
  ConfigFiles f;
  auto c = f.load(base()).value();
  EXPECT_EQ(c.push.max_connections, 256u);
  EXPECT_EQ(c.push.max_body_bytes, 512u * 1024);
  EXPECT_EQ(c.push.read_timeout, seconds(10));
  EXPECT_TRUE(c.push.allow_from.empty());
  auto p = f.load(base("[push]\nallow_from = [\"203.0.113.0/24\", \"2001:db8::/32\", "
                       "\"198.51.100.7\"]\nmax_connections = 8\nmax_body_bytes = 65536\n"
                       "read_timeout = \"3s\"\n"))
               .value();
  EXPECT_EQ(p.push.max_connections, 8u);
  EXPECT_EQ(p.push.max_body_bytes, 65536u);
  EXPECT_EQ(p.push.read_timeout, seconds(3));
  auto allows = [&](const char* a) {
    return p.push.allow_from.allows(boost::asio::ip::make_address(a));
  };
  EXPECT_TRUE(allows("203.0.113.9"));
  EXPECT_TRUE(allows("::ffff:203.0.113.9")) << "IPv4 peers of a [::] listener";
  EXPECT_TRUE(allows("2001:db8:1::1"));
  EXPECT_TRUE(allows("198.51.100.7"));
  EXPECT_FALSE(allows("198.51.100.8"));
  EXPECT_FALSE(allows("127.0.0.1"));
  EXPECT_FALSE(allows("2001:db9::1"));
  EXPECT_EQ(f.error(base("[push]\nallow_from = [\"10.1.2.3/8\"]\n")),
            f.file() +
                ":13:14: push.allow_from: bad network '10.1.2.3/8' (expected e.g. "
                "\"203.0.113.0/24\", \"2001:db8::/32\")");
  EXPECT_EQ(f.error(base("[push]\nallow_from = \"10.0.0.0/8\"\n")),
            f.file() +
                ":13:14: push.allow_from: expected an array of networks such as "
                "[\"203.0.113.0/24\"]");
  EXPECT_EQ(f.error(base("[push]\nmax_body_bytes = 10\n")),
            f.file() + ":13:18: push.max_body_bytes: must be between 1024 and 67108864");
  EXPECT_EQ(f.error(base("[push]\nread_timeout = \"0s\"\n")),
            f.file() + ":13:16: push.read_timeout: must be between 1s and 5m");
}

TEST(ConfigLoader, ListenAddressesAreCheckedAtLoad) {
  ConfigFiles f;
  std::string salted = base();
  salted.replace(salted.find("key = \"K\"\n"), 10, "key = \"K\"\nsalt = \"S\"\n");
  EXPECT_EQ(f.error(salted + "[push]\nlisten = \"127.0.0.1:99999\"\n"),
            f.file() + ":14:10: push.listen: bad port in '127.0.0.1:99999'");
  EXPECT_EQ(f.error(salted + "[push]\nlisten = \"nowhere\"\n"),
            f.file() + ":14:10: push.listen: expected host:port, got 'nowhere'");
  EXPECT_EQ(f.error(salted + "[push]\nlisten = \"300.1.1.1:80\"\n"),
            f.file() + ":14:10: push.listen: bad address in '300.1.1.1:80'");
  EXPECT_EQ(f.error(base("[metrics]\nlisten = \"127.0.0.1:\"\n")),
            f.file() + ":13:10: metrics.listen: bad port in '127.0.0.1:'");
  EXPECT_TRUE(f.load(salted + "[push]\nlisten = \"[::1]:8900\"\n"));
}

TEST(ConfigLoader, APushListenerNeedsEveryEnabledAggregatorsSecret) {
  ConfigFiles f;
  EXPECT_EQ(f.error(base("[push]\nlisten = \"127.0.0.1:8900\"\n")),
            f.file() +
                ": carriers.kuaidi100.salt: required when push.listen is set (pushes to "
                "/push/kuaidi100 are verified with it); set it, or disable pushes");
  std::string salted = base();
  salted.replace(salted.find("key = \"K\"\n"), 10, "key = \"K\"\nsalt = \"S\"\n");
  EXPECT_TRUE(f.load(salted + "[push]\nlisten = \"127.0.0.1:8900\"\n"));
  // Kuaidiniao and 17TRACK cannot be enabled without their keys at all.
  EXPECT_EQ(f.error(salted + "[push]\nlisten = \"127.0.0.1:8900\"\n[carriers.17track]\nenabled = "
                             "true\n"),
            f.file() + ": carriers.17track: token is required");
}

TEST(ConfigLoader, FilesThatCannotBeReadAreMessages) {
  ConfigFiles f;
  EXPECT_EQ(loadConfig(f.dir.path()).error().message,
            f.dir.path().string() + ": is a folder, not a configuration file");
  std::string text = base();
  text.replace(text.find("key = \"K\"\n"), 10, "key = \"file:/dev/zero\"\n");
  EXPECT_EQ(f.error(text),
            f.file() + ":8:7: carriers.kuaidi100.key: cannot read secret file /dev/zero");
}

TEST(ConfigLoader, AggregatorLimitsHaveEachTheirDefaultsAndChecks) {
  ConfigFiles f;
  auto c = f.load(base()).value();
  const auto& k100 = c.poll.aggregator_limits.at("kuaidi100");
  EXPECT_EQ(k100.requests_per_second, 10);
  EXPECT_EQ(k100.number_min_gap, minutes(30));
  EXPECT_EQ(k100.number_max_per_day, 48);
  EXPECT_EQ(c.poll.aggregator_limits.at("17track").requests_per_second, 3);
  EXPECT_EQ(c.poll.aggregator_limits.at("kuaidiniao").number_max_per_day, 0);
  auto t =
      f.load(base("[carriers.17track]\ndaily_budget = 5000\nnumber_min_gap = \"1h\"\n")).value();
  EXPECT_EQ(t.poll.aggregator_limits.at("17track").daily_budget, 5000);
  EXPECT_EQ(t.poll.aggregator_limits.at("17track").number_min_gap, hours(1));
  EXPECT_EQ(
      f.error(base("[carriers.kuaidiniao]\nrequests_per_second = -1\n")),
      f.file() + ":13:23: carriers.kuaidiniao.requests_per_second: must be between 0 and 10000");
  EXPECT_EQ(f.error(base("[carriers.17track]\nnumber_max_per_day = 1.5\n")),
            f.file() + ":13:22: carriers.17track.number_max_per_day: expected an integer");
}
