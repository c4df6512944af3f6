package io.kipvs.daemon.config;

import java.net.InetAddress;
import java.util.Objects;

/** An address and port a server listens on, as in "0.0.0.0:10256"; port 0 picks a free port. */
public record BindAddress(InetAddress address, int port) {
  /**
   * The debug endpoint's port (--debug-bind-address, kipvs explain): outside the ports Kubernetes
   * components use (kubelet 10248/10250/10255, kube-proxy 10249/10256, controller-manager 10257,
   * cloud-controller-manager 10258, scheduler 10259, and the old 10251-10253).
   */
  public static final int DEFAULT_DEBUG_PORT = 10265;

  public BindAddress {
    Objects.requireNonNull(address, "address");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  /**
   * "IP", "IP:PORT" or "[IPv6]:PORT" (without a port, this default port); empty for an empty text.
   *
   * @throws UsageException naming the source when the text is not an address
   */
  public static java.util.Optional<BindAddress> parse(String source, String text, int defaultPort) {
    return Values.bindAddress(source, text, defaultPort);
  }

  @Override
  public String toString() {
    String host = address.getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
