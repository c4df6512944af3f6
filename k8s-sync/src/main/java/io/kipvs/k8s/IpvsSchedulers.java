package io.kipvs.k8s;

import java.util.Set;
import java.util.TreeSet;

/** The scheduler names the Linux IPVS code knows (ip_vs_*.c scheduler modules). */
final class IpvsSchedulers {
  static final Set<String> KNOWN =
      Set.of(
          "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
          "twos");

  private IpvsSchedulers() {}

  static boolean isKnown(String name) {
    return KNOWN.contains(name);
  }

  static String knownList() {
    return String.join(", ", new TreeSet<>(KNOWN));
  }
}
