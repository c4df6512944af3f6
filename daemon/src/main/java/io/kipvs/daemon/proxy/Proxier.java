package io.kipvs.daemon.proxy;

import javax.inject.Inject;
import javax.inject.Singleton;

/** Keeps the kernel equal to what the cluster wants. Placeholder (issue 5). */
@Singleton
public final class Proxier {
  @Inject
  public Proxier() {}

  /** Starts the sync loops; returns at once. */
  public void start() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Stops the loops, leaving every rule in place. */
  public void stop() {}
}
