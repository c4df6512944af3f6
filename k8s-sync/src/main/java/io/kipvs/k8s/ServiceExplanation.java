package io.kipvs.k8s;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What kipvs makes of one service on this node, for {@code kipvs explain}: its ports with the
 * endpoints selected (as the sync uses them) and those left out with the reason, or why the whole
 * service is skipped.
 *
 * @param service namespace/name
 * @param skipped why the service has no rules at all (headless, ExternalName, another proxy's,
 *     malformed...); empty when it has ports
 * @param ports each service port, endpoints selected, with the endpoints left out
 * @param slices how many EndpointSlices of the service kipvs holds
 * @param nodeZone this node's zone, which topology hints are read against
 */
public record ServiceExplanation(
    ServiceName service,
    Optional<String> skipped,
    List<PortExplanation> ports,
    int slices,
    Optional<String> nodeZone) {
  public ServiceExplanation {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(skipped, "skipped");
    ports = List.copyOf(ports);
    Objects.requireNonNull(nodeZone, "nodeZone");
  }

  /**
   * One service port and the endpoints it leaves out.
   *
   * @param port the port as the sync sees it, endpoints selected
   * @param notCandidates endpoints left out of every virtual server of the port (port name, address
   *     family)
   * @param notForCluster the other endpoints left out of the cluster IPs' virtual servers
   * @param notForExternal the other endpoints left out of the node port, external and load-balancer
   *     virtual servers (empty when the port has none)
   */
  public record PortExplanation(
      ServicePort port,
      List<ExcludedEndpoint> notCandidates,
      List<ExcludedEndpoint> notForCluster,
      List<ExcludedEndpoint> notForExternal) {
    public PortExplanation {
      Objects.requireNonNull(port, "port");
      notCandidates = List.copyOf(notCandidates);
      notForCluster = List.copyOf(notForCluster);
      notForExternal = List.copyOf(notForExternal);
    }
  }
}
