#pragma once
// Buyer messages are templates kept in conf/ (messages.toml), not strings in
// code, so after-sales teams can word them. Placeholders are fmt named
// arguments: {tracking_number}, {carrier_name}, {last_scan_time},
// {last_scan_place}, {last_scan_text}, {elapsed_hours}, {shipped_at},
// {expected_date}, {signer}, {promised_by}. A template that fmt cannot render is rejected when the
// configuration loads, never when a message is due.
#include "common/result.h"
#include "model/exception_kind.h"
#include "model/message_source.h"
#include "model/parcel_exception.h"

#include <map>
#include <optional>
#include <string>

namespace pw {

struct MessageFacts {
  std::string tracking_number;
  std::string carrier_name;  // in Chinese; English messages get carrier_name_en
  std::string carrier_name_en;
  std::string last_scan_time;
  std::string last_scan_place;
  std::string last_scan_text;
  std::string elapsed_hours;
  std::string shipped_at;
  std::string expected_date;
  std::string signer;       // who signed, as the carrier wrote it
  std::string promised_by;  // local time, when the parcel has a promise
};

struct MessageTemplate {
  std::string zh_cn;
  std::string en;
};

class MessageTemplates {
 public:
  void set(ExceptionKind kind, MessageTemplate tpl) { templates_[kind] = std::move(tpl); }
  bool has(ExceptionKind kind) const { return templates_.count(kind) != 0; }
  /// Renders the kind's template; a kind without one gets a plain factual line.
  Message render(ExceptionKind kind, const MessageFacts& facts) const;
  /// What render() fills in, for a store that keeps facts rather than text;
  /// none for a kind without a template.
  std::optional<MessageSource> source(ExceptionKind kind, const MessageFacts& facts) const;

  /// Renders `text` with sample facts; the error says what fmt disliked.
  static Result<std::string> check(const std::string& text);

 private:
  std::map<ExceptionKind, MessageTemplate> templates_;
};

}  // namespace pw
