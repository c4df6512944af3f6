package io.kipvs.rtnl;

import java.net.InetAddress;
import java.util.Objects;

/** An address on an interface, with its prefix length. */
public record LinkAddress(int linkIndex, InetAddress address, int prefixLength) {
  public LinkAddress {
    Objects.requireNonNull(address, "address");
  }
}
