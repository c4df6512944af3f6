package io.kipvs.daemon.proxy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import javax.inject.Inject;
import javax.inject.Singleton;

/**
 * When the proxier last synced successfully: what /healthz reports. As upstream's proxier health
 * server: healthy while the last successful sync is no older than twice the sync period; never
 * healthy before the first one.
 */
@Singleton
public final class SyncHealth {
  private final Duration timeout;
  private final AtomicReference<Instant> last = new AtomicReference<>();
  // Until the watch exists (the health server starts first), the node counts as eligible.
  private volatile BooleanSupplier nodeEligibility = () -> true;

  @Inject
  public SyncHealth(ProxierSettings settings) {
    this.timeout = settings.syncPeriod().multipliedBy(2);
  }

  public Optional<Instant> lastUpdated() {
    return Optional.ofNullable(last.get());
  }

  public boolean healthy(Instant now) {
    Instant l = last.get();
    return l != null && !now.isAfter(l.plus(timeout));
  }

  /** Whether this node may take load-balancer traffic (the watch's view of its Node). */
  public boolean nodeEligible() {
    return nodeEligibility.getAsBoolean();
  }

  /** Where {@link #nodeEligible()} reads from once the cluster watch exists. */
  public void nodeEligibility(BooleanSupplier source) {
    nodeEligibility = source;
  }

  /** Records a successful sync. */
  void updated(Instant when) {
    last.set(when);
  }
}
