#pragma once
// Who may change things through the control socket. Anyone who can open the
// socket may read (status, tasks, parcel...); commands that change state
// (track, rerun, task, reload...) need root, the daemon's own user, or
// membership of the configured group (Kea's rule after CVE-2025-32801:
// socket access alone should not mean control).
#include <sys/types.h>

#include <string>
#include <vector>

namespace pw::control {

/// The peer of a control connection, from SO_PEERCRED / SO_PEERGROUPS.
struct Caller {
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  pid_t pid = -1;
  std::vector<gid_t> groups;  // supplementary groups
  bool known = false;         // false: credentials could not be read

  /// Reads the credentials of a connected Unix socket.
  static Caller ofSocket(int fd);
  /// In-process callers (tests, the daemon itself).
  static Caller self();
};

struct AccessPolicy {
  /// Group allowed to change things; empty: the daemon's own group.
  std::string group;

  /// Empty when allowed, otherwise why not (for the error answer).
  std::string whyNotChange(const Caller& caller) const;
};

}  // namespace pw::control
