package io.kipvs.e2e.cluster;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kipvs.e2e.testbed.Pod;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Writes Kubernetes objects the way a real control plane would for pods of the test bed: Node
 * objects, Services, and the EndpointSlice the endpoint slice controller would make for them.
 */
public final class Workloads {
  public static final String NAMESPACE = "default";

  private final Supplier<KubernetesClient> clients;

  /** Objects written through the client that {@code clients} gives at each call. */
  public Workloads(Supplier<KubernetesClient> clients) {
    this.clients = clients;
  }

  public KubernetesClient client() {
    return clients.get();
  }

  /** The Node object of a test bed node, with its switch address as InternalIP. */
  public Node node(io.kipvs.e2e.testbed.Node node, String zone) {
    return writeNode(node, zone, List.of(), node.switchAddress().stream().toList());
  }

  /**
   * The Node object of a dual-stack test bed node: its switch addresses, IPv4 and IPv6, as
   * InternalIPs, and both pod CIDRs (as a dual-stack cluster's node controller writes them).
   */
  public Node dualStackNode(io.kipvs.e2e.testbed.Node node, String zone) {
    return writeNode(
        node,
        zone,
        List.of(node.podCidr(), node.podCidr6()),
        Stream.concat(node.switchAddress().stream(), node.switchAddress6().stream()).toList());
  }

  private Node writeNode(
      io.kipvs.e2e.testbed.Node node,
      String zone,
      List<String> podCidrs,
      List<String> internalIps) {
    NodeBuilder builder =
        new NodeBuilder()
            .withNewMetadata()
            .withName(node.name())
            .withLabels(Map.of("topology.kubernetes.io/zone", zone))
            .endMetadata()
            .withNewSpec()
            .withPodCIDR(node.podCidr())
            .endSpec();
    if (!podCidrs.isEmpty()) {
      builder.editSpec().withPodCIDRs(podCidrs).endSpec();
    }
    if (!internalIps.isEmpty()) {
      builder.withNewStatus().endStatus();
      for (String ip : internalIps) {
        builder
            .editStatus()
            .addNewAddress()
            .withType("InternalIP")
            .withAddress(ip)
            .endAddress()
            .endStatus();
      }
    }
    return client().nodes().resource(builder.build()).createOr(r -> r.update());
  }

  /** A ClusterIP service with one TCP port named "http" to the pods' HTTP port. */
  public Service clusterIpService(String name, String clusterIp, int port) {
    return apply(serviceBuilder(name, clusterIp, tcp(port, Pod.HTTP_PORT)).build());
  }

  /** A service of any shape; the builder starts from {@link #serviceBuilder}. */
  public Service apply(Service service) {
    return client().services().inNamespace(NAMESPACE).resource(service).createOr(r -> r.update());
  }

  public ServiceBuilder serviceBuilder(String name, String clusterIp, ServicePort... ports) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withClusterIP(clusterIp)
        .withClusterIPs(clusterIp)
        .withPorts(ports)
        .endSpec();
  }

  /**
   * A service with one cluster IP per family, as the API server fills a dual-stack or IPv6 one:
   * clusterIPs in the order given, ipFamilies to match, ipFamilyPolicy RequireDualStack for two
   * addresses, SingleStack for one.
   */
  public ServiceBuilder serviceBuilder(String name, List<String> clusterIps, ServicePort... ports) {
    List<String> families = clusterIps.stream().map(Workloads::family).toList();
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withClusterIP(clusterIps.get(0))
        .withClusterIPs(clusterIps)
        .withIpFamilies(families)
        .withIpFamilyPolicy(clusterIps.size() > 1 ? "RequireDualStack" : "SingleStack")
        .withPorts(ports)
        .endSpec();
  }

  /** "IPv6" for an address with a colon, else "IPv4". */
  public static String family(String address) {
    return address.contains(":") ? "IPv6" : "IPv4";
  }

  public static ServicePort tcp(int port, int targetPort) {
    return port("http", "TCP", port, targetPort);
  }

  public static ServicePort udp(int port, int targetPort) {
    return port("udp", "UDP", port, targetPort);
  }

  public static ServicePort sctp(int port, int targetPort) {
    return port("sctp", "SCTP", port, targetPort);
  }

  public static ServicePort port(String name, String protocol, int port, int targetPort) {
    return new ServicePortBuilder()
        .withName(name)
        .withProtocol(protocol)
        .withPort(port)
        .withTargetPort(new IntOrString(targetPort))
        .build();
  }

  /**
   * Sets the endpoints of a service to these pods (ready), in one slice named after the service,
   * for one port of the given name and protocol.
   */
  public EndpointSlice endpoints(
      String service, String portName, String protocol, int port, List<Pod> pods) {
    List<Endpoint> endpoints = pods.stream().map(p -> endpoint(p, true, false)).toList();
    return endpoints(service, service, portName, protocol, port, endpoints);
  }

  /** HTTP endpoints of a service: port "http", TCP, the pods' HTTP port. */
  public EndpointSlice httpEndpoints(String service, List<Pod> pods) {
    return endpoints(service, "http", "TCP", Pod.HTTP_PORT, pods);
  }

  public EndpointSlice endpoints(
      String service,
      String sliceName,
      String portName,
      String protocol,
      int port,
      List<Endpoint> endpoints) {
    return endpoints(service, sliceName, "IPv4", portName, protocol, port, endpoints);
  }

  /**
   * The IPv6 slice of a service (addressType IPv6, the pods' {@link Pod#ip6()}), named {@code
   * <service>-v6}, as the endpoint slice controller makes one slice per family.
   */
  public EndpointSlice endpoints6(
      String service, String portName, String protocol, int port, List<Pod> pods) {
    List<Endpoint> endpoints =
        pods.stream()
            .map(p -> new EndpointBuilder(endpoint(p, true, false)).withAddresses(p.ip6()).build())
            .toList();
    return endpoints(service, service + "-v6", "IPv6", portName, protocol, port, endpoints);
  }

  /** One slice of a service, of the given address type ("IPv4" or "IPv6"). */
  public EndpointSlice endpoints(
      String service,
      String sliceName,
      String addressType,
      String portName,
      String protocol,
      int port,
      List<Endpoint> endpoints) {
    EndpointSlice slice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName(sliceName)
            .withNamespace(NAMESPACE)
            .withLabels(
                Map.of(
                    "kubernetes.io/service-name",
                    service,
                    "endpointslice.kubernetes.io/managed-by",
                    "endpointslice-controller.k8s.io"))
            .endMetadata()
            .withAddressType(addressType)
            .withEndpoints(endpoints)
            .addNewPort()
            .withName(portName)
            .withProtocol(protocol)
            .withPort(port)
            .endPort()
            .build();
    return client()
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace(NAMESPACE)
        .resource(slice)
        .createOr(r -> r.update());
  }

  /** An endpoint for a pod with the given conditions. */
  public static Endpoint endpoint(Pod pod, boolean ready, boolean terminating) {
    return new EndpointBuilder()
        .withAddresses(pod.ip())
        .withNodeName(pod.node().name())
        .withNewConditions()
        .withReady(ready)
        .withServing(ready || terminating)
        .withTerminating(terminating)
        .endConditions()
        .build();
  }

  public void deleteService(String name) {
    client().services().inNamespace(NAMESPACE).withName(name).delete();
    client()
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace(NAMESPACE)
        .withLabel("kubernetes.io/service-name", name)
        .delete();
  }
}
