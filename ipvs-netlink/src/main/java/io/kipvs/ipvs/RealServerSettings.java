package io.kipvs.ipvs;

import java.util.Objects;

/**
 * Everything about a real server that can change without re-creating it.
 *
 * @param forwarding how packets reach it
 * @param weight scheduling weight; 0 stops new connections (graceful termination)
 * @param upperThreshold connection limit, 0 for none
 * @param lowerThreshold connection count under which it takes new connections again, 0 for none
 * @param tunnel encapsulation, meaningful with {@link ForwardingMethod#TUNNEL}
 */
public record RealServerSettings(
    ForwardingMethod forwarding,
    int weight,
    int upperThreshold,
    int lowerThreshold,
    TunnelSettings tunnel) {

  public RealServerSettings {
    Objects.requireNonNull(forwarding, "forwarding");
    Objects.requireNonNull(tunnel, "tunnel");
    if (weight < 0) {
      throw new IllegalArgumentException("negative weight: " + weight);
    }
  }

  /** A masquerading real server with this weight, as kube-proxy makes them. */
  public static RealServerSettings masquerade(int weight) {
    return new RealServerSettings(ForwardingMethod.MASQUERADE, weight, 0, 0, TunnelSettings.IPIP);
  }

  public RealServerSettings withWeight(int newWeight) {
    return new RealServerSettings(forwarding, newWeight, upperThreshold, lowerThreshold, tunnel);
  }
}
