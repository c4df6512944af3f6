package io.kipvs.daemon;

import io.kipvs.daemon.config.UsageException;
import io.kipvs.ipvs.IpvsUnavailableException;
import io.kipvs.ipvs.NetlinkException;
import java.nio.file.AccessDeniedException;

/**
 * Why the process stops: the exit code, the one line it prints, and whether the cause is a known
 * condition (no stack trace needed) rather than a bug.
 */
record Failure(int exitCode, String message, boolean expected) {
  static final int USAGE = 2;
  static final int FATAL = 1;
  private static final int EPERM = 1;
  private static final int EACCES = 13;

  /** Explains an exception that escaped start-up, looking through its causes. */
  static Failure of(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof UsageException usage) {
        return new Failure(USAGE, usage.getMessage(), true);
      }
      if (t instanceof IpvsUnavailableException ipvs) {
        String text = ipvs.getMessage();
        return new Failure(
            FATAL,
            text.contains("ip_vs")
                ? text
                : "the kernel has no IPVS (load the ip_vs module: modprobe ip_vs): " + text,
            true);
      }
      if (t instanceof NetlinkException netlink
          && (netlink.errno() == EPERM || netlink.errno() == EACCES)) {
        return new Failure(
            FATAL,
            "permission denied for "
                + netlink.request()
                + ": kipvs needs CAP_NET_ADMIN (run as root or add the NET_ADMIN capability)",
            true);
      }
      if (t instanceof AccessDeniedException denied) {
        return new Failure(
            FATAL,
            "permission denied writing "
                + denied.getFile()
                + ": kipvs needs root or CAP_NET_ADMIN to change kernel settings",
            true);
      }
    }
    String text = error.getMessage() == null ? error.toString() : error.getMessage();
    return new Failure(FATAL, text, false);
  }
}
