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

  // Written out rather than the record's own, as RealServerKey's; most real servers share one of
  // the values below, so the identity check usually decides.
  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof RealServerSettings s
            && weight == s.weight
            && forwarding == s.forwarding
            && upperThreshold == s.upperThreshold
            && lowerThreshold == s.lowerThreshold
            && tunnel.equals(s.tunnel));
  }

  @Override
  public int hashCode() {
    return ((forwarding.hashCode() * 31 + weight) * 31 + upperThreshold) * 31 + lowerThreshold;
  }

  // The settings nearly every real server of a kube-proxy table has: one value each instead of one
  // per real server (100,000 of them at 10,000 services x 10 endpoints).
  private static final RealServerSettings MASQUERADE_1 =
      new RealServerSettings(ForwardingMethod.MASQUERADE, 1, 0, 0, TunnelSettings.IPIP);
  private static final RealServerSettings MASQUERADE_0 = MASQUERADE_1.withWeight(0);

  /** A masquerading real server with this weight, as kube-proxy makes them. */
  public static RealServerSettings masquerade(int weight) {
    return switch (weight) {
      case 1 -> MASQUERADE_1;
      case 0 -> MASQUERADE_0;
      default ->
          new RealServerSettings(ForwardingMethod.MASQUERADE, weight, 0, 0, TunnelSettings.IPIP);
    };
  }

  public RealServerSettings withWeight(int newWeight) {
    return new RealServerSettings(forwarding, newWeight, upperThreshold, lowerThreshold, tunnel);
  }
}
