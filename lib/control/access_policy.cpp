#include "control/access_policy.h"

#include <grp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace pw::control {

Caller Caller::ofSocket(int fd) {
  Caller c;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return c;
  c.uid = cred.uid;
  c.gid = cred.gid;
  c.pid = cred.pid;
  c.known = true;
  // Supplementary groups as the peer had them when it connected (Linux 4.13+).
  std::vector<gid_t> groups(64);
  socklen_t glen = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
  int rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &glen);
  if (rc != 0 && errno == ERANGE) {  // glen now says how much room it needs
    groups.resize(glen / sizeof(gid_t));
    rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &glen);
  }
  groups.resize(rc == 0 ? glen / sizeof(gid_t) : 0);
  c.groups = std::move(groups);
  return c;
}

Caller Caller::self() {
  Caller c;
  c.uid = ::geteuid();
  c.gid = ::getegid();
  c.pid = ::getpid();
  c.known = true;
  return c;
}

std::string AccessPolicy::whyNotChange(const Caller& caller) const {
  if (!caller.known) return "the caller's credentials could not be read";
  if (caller.uid == 0 || caller.uid == ::geteuid()) return {};
  gid_t allowed = ::getegid();
  std::string name = group;
  if (!group.empty()) {
    struct group* entry = ::getgrnam(group.c_str());
    if (!entry) return "the configured control.group '" + group + "' does not exist";
    allowed = entry->gr_gid;
  } else if (struct group* entry = ::getgrgid(allowed)) {
    name = entry->gr_name;
  } else {
    name = std::to_string(allowed);
  }
  if (caller.gid == allowed ||
      std::find(caller.groups.begin(), caller.groups.end(), allowed) != caller.groups.end())
    return {};
  return "uid " + std::to_string(caller.uid) + " is not root, the daemon's user, or in group '" +
         name + "'";
}

}  // namespace pw::control
