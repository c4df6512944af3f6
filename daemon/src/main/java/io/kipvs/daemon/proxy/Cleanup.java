package io.kipvs.daemon.proxy;

import javax.inject.Inject;

/** --cleanup: removes what kipvs made. Placeholder (issue 5). */
public final class Cleanup {
  @Inject
  public Cleanup() {}

  public void run() {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
