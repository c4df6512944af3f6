package io.kipvs.daemon.proxy;

import java.time.Instant;
import java.util.Optional;
import javax.inject.Inject;
import javax.inject.Singleton;

/** When the proxier last synced successfully: what /healthz reports. Placeholder (issue 5). */
@Singleton
public final class SyncHealth {
  @Inject
  public SyncHealth() {}

  public Optional<Instant> lastUpdated() {
    return Optional.empty();
  }

  public boolean healthy(Instant now) {
    return false;
  }
}
