package io.kipvs.daemon.http;

import java.time.Instant;
import java.util.Optional;

/**
 * What /healthz and /livez report: when the proxier last synced, whether that is recent enough, and
 * (for /healthz only) whether this node may take load-balancer traffic.
 */
public interface HealthSource {
  Optional<Instant> lastUpdated();

  boolean healthy(Instant now);

  /**
   * Whether this node's Node is neither being deleted nor tainted for removal (KEP-3836); true
   * until the Node is known.
   */
  default boolean nodeEligible() {
    return true;
  }

  /** Counts an answer, for kubeproxy_proxy_healthz_total and kubeproxy_proxy_livez_total. */
  default void answered(Probe probe, int code) {}

  /** The two probes the health server answers. */
  enum Probe {
    HEALTHZ,
    LIVEZ
  }
}
