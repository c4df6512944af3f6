package io.kipvs.daemon.config;

import java.util.Set;

/** The IPVS schedulers Linux has; whether the running kernel has one is checked at start. */
final class Schedulers {
  static final Set<String> KNOWN =
      Set.of(
          "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
          "twos");

  private Schedulers() {}
}
