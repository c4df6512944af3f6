package io.kipvs.daemon.http;

import java.time.Instant;
import java.util.Optional;

/** What /healthz reports: when the proxier last synced, and whether that is recent enough. */
public interface HealthSource {
  Optional<Instant> lastUpdated();

  boolean healthy(Instant now);
}
