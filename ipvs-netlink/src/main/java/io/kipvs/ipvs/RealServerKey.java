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
}
