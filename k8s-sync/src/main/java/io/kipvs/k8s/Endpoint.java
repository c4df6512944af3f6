package io.kipvs.k8s;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * One backend of a service port, as merged from the EndpointSlices.
 *
 * @param address the pod's address
 * @param port the target port
 * @param ready the ready condition (absent counts as ready)
 * @param serving the serving condition (absent: same as ready)
 * @param terminating the terminating condition
 * @param nodeName the node the endpoint lives on, if given
 * @param zone its zone, if given
 * @param local whether nodeName is this node
 */
public record Endpoint(
    InetAddress address,
    int port,
    boolean ready,
    boolean serving,
    boolean terminating,
    Optional<String> nodeName,
    Optional<String> zone,
    boolean local) {
  public Endpoint {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(nodeName, "nodeName");
    Objects.requireNonNull(zone, "zone");
  }
}
