package io.kipvs.k8s;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An endpoint of a service port that is not a real server, and why (for {@code kipvs explain}).
 *
 * @param address the endpoint's address
 * @param port its target port; empty when its slice has no port of the service port's name
 * @param nodeName the node it lives on, if given
 * @param cause the rule that left it out
 * @param reason the cause in words, with the values it was decided on
 */
public record ExcludedEndpoint(
    InetAddress address,
    OptionalInt port,
    Optional<String> nodeName,
    Exclusion cause,
    String reason) {
  public ExcludedEndpoint {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(port, "port");
    Objects.requireNonNull(nodeName, "nodeName");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(reason, "reason");
  }
}
