package io.kipvs.k8s;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the cluster wants for one Service port on this node, endpoints already selected.
 *
 * @param name namespace/name, port name and protocol
 * @param clusterIps the cluster IPs, one per family (dual-stack)
 * @param port the service port
 * @param nodePort the node port, if any
 * @param externalIps spec.externalIPs
 * @param loadBalancerIps status.loadBalancer.ingress[].ip, without those whose ipMode is Proxy
 * @param loadBalancerSourceRanges spec.loadBalancerSourceRanges
 * @param affinityTimeoutSeconds ClientIP session affinity timeout; empty without affinity
 * @param externalPolicy externalTrafficPolicy
 * @param internalPolicy internalTrafficPolicy
 * @param healthCheckNodePort the health-check node port of a Local external policy service
 * @param trafficDistribution spec.trafficDistribution, if set
 * @param scheduler the IPVS scheduler chosen by annotation, if a valid one is set
 * @param clusterEndpoints endpoints for the cluster IPs (internal policy applied)
 * @param externalEndpoints endpoints for node port, external and load-balancer IPs (external policy
 *     applied)
 * @param hasAnyEndpoints whether any usable endpoint exists cluster-wide, even if none is selected
 *     here (a Local policy node without local endpoints drops instead of rejecting)
 */
public record ServicePort(
    ServicePortName name,
    List<InetAddress> clusterIps,
    int port,
    OptionalInt nodePort,
    List<InetAddress> externalIps,
    List<InetAddress> loadBalancerIps,
    List<Cidr> loadBalancerSourceRanges,
    OptionalInt affinityTimeoutSeconds,
    TrafficPolicy externalPolicy,
    TrafficPolicy internalPolicy,
    OptionalInt healthCheckNodePort,
    Optional<String> trafficDistribution,
    Optional<String> scheduler,
    List<Endpoint> clusterEndpoints,
    List<Endpoint> externalEndpoints,
    boolean hasAnyEndpoints) {

  public ServicePort {
    Objects.requireNonNull(name, "name");
    clusterIps = List.copyOf(clusterIps);
    externalIps = List.copyOf(externalIps);
    loadBalancerIps = List.copyOf(loadBalancerIps);
    loadBalancerSourceRanges = List.copyOf(loadBalancerSourceRanges);
    Objects.requireNonNull(nodePort, "nodePort");
    Objects.requireNonNull(affinityTimeoutSeconds, "affinityTimeoutSeconds");
    Objects.requireNonNull(externalPolicy, "externalPolicy");
    Objects.requireNonNull(internalPolicy, "internalPolicy");
    Objects.requireNonNull(healthCheckNodePort, "healthCheckNodePort");
    Objects.requireNonNull(trafficDistribution, "trafficDistribution");
    Objects.requireNonNull(scheduler, "scheduler");
    clusterEndpoints = List.copyOf(clusterEndpoints);
    externalEndpoints = List.copyOf(externalEndpoints);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }
}
