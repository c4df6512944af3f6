package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.IpvsClient;
import io.kipvs.k8s.ServiceName;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler each service's virtual servers get: the one its {@code kipvs.io/scheduler}
 * annotation names when this kernel has it, else the default (--ipvs-scheduler, checked at start).
 * A scheduler is probed once, the first time an annotation names it, as the default one is at start
 * ({@link SchedulerProbe}): a kernel without its module would otherwise refuse that service's
 * virtual servers at every sync. Each service that falls back is named once in the log. Used by the
 * sync thread only.
 */
final class SchedulerChoice {
  private static final Logger LOG = LoggerFactory.getLogger(SchedulerChoice.class);

  private final Predicate<String> available;
  private final Map<String, Boolean> probed = new HashMap<>();
  private final Set<ServiceName> warned = new HashSet<>();

  /**
   * @param available whether the kernel can make virtual servers with a scheduler (asked once per
   *     scheduler)
   */
  SchedulerChoice(Predicate<String> available) {
    this.available = available;
  }

  /** Probes with a virtual server made and deleted again through this client. */
  static SchedulerChoice probing(IpvsClient ipvs) {
    return new SchedulerChoice(
        scheduler -> {
          try {
            SchedulerProbe.check(ipvs, scheduler);
            return true;
          } catch (SchedulerUnavailableException e) {
            return false;
          }
        });
  }

  /** The scheduler this service gets, given its annotation and the default. */
  String schedulerOf(ServiceName service, Optional<String> annotated, String defaultScheduler) {
    if (annotated.isEmpty() || annotated.get().equals(defaultScheduler)) {
      return defaultScheduler;
    }
    String wanted = annotated.get();
    if (probed.computeIfAbsent(wanted, available::test)) {
      warned.remove(service);
      return wanted;
    }
    if (warned.add(service)) {
      LOG.warn(
          "Service {} asks for IPVS scheduler \"{}\" (annotation kipvs.io/scheduler), which this"
              + " kernel does not have (load its module: modprobe ip_vs_{}): using the default"
              + " scheduler \"{}\" for it",
          service,
          wanted,
          wanted,
          defaultScheduler);
    }
    return defaultScheduler;
  }
}
