package io.kipvs.daemon.proxy;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Drops conntrack entries of UDP and SCTP flows whose backend or service went away. */
final class Conntrack {
  private static final Logger LOG = LoggerFactory.getLogger(Conntrack.class);
  private final CommandRunner runner;
  private boolean warnedMissing;

  Conntrack(CommandRunner runner) {
    this.runner = runner;
  }

  static List<String> command(IpvsPlan.ConntrackFlush f) {
    List<String> c = new ArrayList<>();
    c.add("conntrack");
    c.add("-D");
    if (Addresses.isV6(f.serviceAddress())) {
      c.add("-f");
      c.add("ipv6");
    }
    c.add("-p");
    c.add(f.protocol().lowerName());
    c.add("--orig-dst");
    c.add(Addresses.text(f.serviceAddress()));
    c.add("--orig-port-dst");
    c.add(Integer.toString(f.port()));
    f.backend()
        .ifPresent(
            b -> {
              c.add("--dst-nat");
              c.add(Addresses.text(b));
            });
    return c;
  }

  void flush(List<IpvsPlan.ConntrackFlush> flushes) {
    for (IpvsPlan.ConntrackFlush f : flushes) {
      CommandRunner.Result r = runner.run(command(f), "");
      // conntrack exits 1 when no entry matched: nothing to drop is success here.
      if (r.exitCode() == -1 && !warnedMissing) {
        warnedMissing = true;
        LOG.warn("Cannot drop stale UDP/SCTP conntrack entries: {}", r.describe());
      } else if (r.exitCode() > 1) {
        LOG.warn("Dropping conntrack entries failed: {}", r.describe());
      }
    }
  }
}
