package io.kipvs.ipvs;

import java.util.Objects;

/** A real server of one virtual server: its identity and settings, without statistics. */
public record RealServer(RealServerKey key, RealServerSettings settings) {
  public RealServer {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(settings, "settings");
  }

  // Written out rather than the record's own, as RealServerKey's: the planner compares every real
  // server it plans.
  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof RealServer r && key.equals(r.key) && settings.equals(r.settings));
  }

  @Override
  public int hashCode() {
    return key.hashCode() * 31 + settings.hashCode();
  }
}
