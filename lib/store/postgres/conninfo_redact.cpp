#include "store/postgres/conninfo_redact.h"

#include <cctype>
#include <vector>

namespace pw::pg {

namespace {

std::string percentDecoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Keyword form: password = value, the value bare (up to white space) or single-quoted with
// backslash escapes, as libpq parses it.
void keywordPasswords(std::string_view c, std::vector<std::string>& out) {
  for (std::size_t at = c.find("password"); at != std::string_view::npos;
       at = c.find("password", at + 1)) {
    std::size_t i = at + 8;
    while (i < c.size() && std::isspace(static_cast<unsigned char>(c[i]))) ++i;
    if (i >= c.size() || c[i] != '=') continue;
    ++i;
    while (i < c.size() && std::isspace(static_cast<unsigned char>(c[i]))) ++i;
    std::string value;
    if (i < c.size() && c[i] == '\'') {
      for (++i; i < c.size() && c[i] != '\''; ++i) {
        if (c[i] == '\\' && i + 1 < c.size()) ++i;
        value += c[i];
      }
    } else {
      while (i < c.size() && !std::isspace(static_cast<unsigned char>(c[i]))) value += c[i++];
    }
    out.push_back(value);
  }
}

// URI form: postgresql://user:password@host/... (and ?password=... handled above).
void uriPassword(std::string_view c, std::vector<std::string>& out) {
  auto scheme = c.find("://");
  if (scheme == std::string_view::npos) return;
  auto authority = c.substr(scheme + 3);
  auto at = authority.find('@');
  if (at == std::string_view::npos) return;
  auto userinfo = authority.substr(0, at);
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) return;
  std::string raw(userinfo.substr(colon + 1));
  out.push_back(raw);
  out.push_back(percentDecoded(raw));
}

void replaceAll(std::string& text, const std::string& what) {
  if (what.empty()) return;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 8))
    text.replace(at, what.size(), "********");
}

}  // namespace

std::string withoutPassword(std::string text, std::string_view conninfo) {
  std::vector<std::string> secrets;
  keywordPasswords(conninfo, secrets);
  uriPassword(conninfo, secrets);
  for (const auto& s : secrets) replaceAll(text, s);
  return text;
}

}  // namespace pw::pg
