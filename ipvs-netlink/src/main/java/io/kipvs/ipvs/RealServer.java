package io.kipvs.ipvs;

import java.util.Objects;

/** A real server of one virtual server: its identity and settings, without statistics. */
public record RealServer(RealServerKey key, RealServerSettings settings) {
  public RealServer {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(settings, "settings");
  }
}
