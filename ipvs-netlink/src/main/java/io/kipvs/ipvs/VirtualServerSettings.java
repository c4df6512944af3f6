package io.kipvs.ipvs;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything about a virtual server that can change without re-creating it.
 *
 * @param scheduler scheduler name as the kernel knows it (rr, wrr, lc, sh, mh, ...)
 * @param flags service flags; see {@link ServiceFlag}
 * @param timeoutSeconds persistence timeout, meaningful with {@link ServiceFlag#PERSISTENT}
 * @param netmask persistence granularity as the kernel stores it: for IPv4 a 32-bit mask (e.g.
 *     0xffffffff), for IPv6 a prefix length (e.g. 128)
 * @param persistenceEngine the persistence engine (e.g. "sip"), if any
 */
public record VirtualServerSettings(
    String scheduler,
    Set<ServiceFlag> flags,
    int timeoutSeconds,
    int netmask,
    Optional<String> persistenceEngine) {

  public VirtualServerSettings {
    Objects.requireNonNull(scheduler, "scheduler");
    flags = Set.copyOf(flags);
    Objects.requireNonNull(persistenceEngine, "persistenceEngine");
    if (timeoutSeconds < 0) {
      throw new IllegalArgumentException("negative timeout: " + timeoutSeconds);
    }
  }

  /** Settings the kernel reports for a plain service of this family made with this scheduler. */
  public static VirtualServerSettings of(String scheduler, AddressFamily family) {
    return new VirtualServerSettings(
        scheduler, Set.of(), 0, defaultNetmask(family), Optional.empty());
  }

  /** Client-IP persistence for this many seconds, as kube-proxy's session affinity uses. */
  public VirtualServerSettings withPersistence(int seconds) {
    var withFlag = new java.util.HashSet<>(flags);
    withFlag.add(ServiceFlag.PERSISTENT);
    return new VirtualServerSettings(scheduler, withFlag, seconds, netmask, persistenceEngine);
  }

  public VirtualServerSettings withFlags(Set<ServiceFlag> newFlags) {
    return new VirtualServerSettings(
        scheduler, newFlags, timeoutSeconds, netmask, persistenceEngine);
  }

  /** The netmask the kernel reports when none was set: all ones for IPv4, 128 for IPv6. */
  public static int defaultNetmask(AddressFamily family) {
    return family == AddressFamily.INET ? 0xffffffff : 128;
  }
}
