package io.kipvs.daemon.config;

import java.net.InetAddress;
import java.util.Objects;

/** An address and port a server listens on, as in "0.0.0.0:10256"; port 0 picks a free port. */
public record BindAddress(InetAddress address, int port) {
  public BindAddress {
    Objects.requireNonNull(address, "address");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  @Override
  public String toString() {
    String host = address.getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
