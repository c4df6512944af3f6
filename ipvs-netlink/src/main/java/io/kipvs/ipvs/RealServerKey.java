package io.kipvs.ipvs;

import java.net.InetAddress;
import java.util.Objects;

/** What identifies a real server within its virtual server: address (and so family) and port. */
public record RealServerKey(InetAddress address, int port) {
  public RealServerKey {
    Objects.requireNonNull(address, "address");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  public AddressFamily family() {
    return AddressFamily.of(address);
  }

  // Written out rather than the record's own: the daemon runs the quick compiler only
  // (jvm.options), which runs a record's generated equals and hashCode through method handles
  // several times slower than this (BENCHMARKS.md), and keys are hashed on every sync.
  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof RealServerKey k && port == k.port && address.equals(k.address));
  }

  @Override
  public int hashCode() {
    return address.hashCode() * 31 + port;
  }
}
