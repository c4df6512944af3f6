package io.kipvs.k8s;

import java.net.InetAddress;
import java.util.Objects;

/** An address prefix such as 10.0.0.0/8 (loadBalancerSourceRanges). */
public record Cidr(InetAddress address, int prefixLength) {
  public Cidr {
    Objects.requireNonNull(address, "address");
    int max = address.getAddress().length * 8;
    if (prefixLength < 0 || prefixLength > max) {
      throw new IllegalArgumentException("prefix length out of range: " + prefixLength);
    }
  }

  @Override
  public String toString() {
    return address.getHostAddress() + "/" + prefixLength;
  }
}
