package io.kipvs.ipvs;

import java.util.Objects;

/** A virtual server: its identity and its settings. Statistics are kept apart, in dumps. */
public record VirtualServer(VirtualServerKey key, VirtualServerSettings settings) {
  public VirtualServer {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(settings, "settings");
  }
}
