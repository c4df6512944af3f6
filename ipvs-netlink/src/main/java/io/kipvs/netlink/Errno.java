package io.kipvs.netlink;

import java.util.Map;

/** Names of the errno values a netlink caller meets, for messages. */
public final class Errno {
  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(1, "EPERM (operation not permitted)"),
          Map.entry(2, "ENOENT (no such file or directory)"),
          Map.entry(3, "ESRCH (no such process/object)"),
          Map.entry(4, "EINTR (interrupted)"),
          Map.entry(11, "EAGAIN (timed out)"),
          Map.entry(12, "ENOMEM (out of memory)"),
          Map.entry(13, "EACCES (permission denied)"),
          Map.entry(16, "EBUSY (busy)"),
          Map.entry(17, "EEXIST (already exists)"),
          Map.entry(19, "ENODEV (no such device)"),
          Map.entry(22, "EINVAL (invalid argument)"),
          Map.entry(34, "ERANGE (out of range)"),
          Map.entry(90, "EMSGSIZE (message too long)"),
          Map.entry(93, "EPROTONOSUPPORT (protocol not supported)"),
          Map.entry(95, "EOPNOTSUPP (operation not supported)"),
          Map.entry(97, "EAFNOSUPPORT (address family not supported)"),
          Map.entry(99, "EADDRNOTAVAIL (address not available)"),
          Map.entry(105, "ENOBUFS (no buffer space: messages were lost)"));

  private Errno() {}

  public static String describe(int errno) {
    return NAMES.getOrDefault(errno, "errno " + errno);
  }
}
