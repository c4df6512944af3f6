package io.kipvs.k8s;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builders for the Kubernetes objects the tests feed in. */
final class Fixtures {
  static final String NODE = "node-a";

  private Fixtures() {}

  /** A ClusterIP service with one TCP port named "http", 80 -> 8080. */
  static ServiceBuilder service(String namespace, String name) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withClusterIP("10.96.0.10")
        .withClusterIPs("10.96.0.10")
        .addNewPort()
        .withName("http")
        .withProtocol("TCP")
        .withPort(80)
        .endPort()
        .endSpec();
  }

  static Service simpleService(String namespace, String name, String clusterIp) {
    return service(namespace, name)
        .editSpec()
        .withClusterIP(clusterIp)
        .withClusterIPs(clusterIp)
        .endSpec()
        .build();
  }

  /** An IPv4 slice of the service with port "http" 8080/TCP and the given endpoints. */
  static EndpointSliceBuilder slice(
      String namespace, String name, String service, Endpoint... eps) {
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .addToLabels(SliceTranslation.SERVICE_NAME_LABEL, service)
        .endMetadata()
        .withAddressType("IPv4")
        .addNewPort()
        .withName("http")
        .withProtocol("TCP")
        .withPort(8080)
        .endPort()
        .withEndpoints(List.of(eps));
  }

  /**
   * An endpoint from a short spec "address/flags": R ready, S serving (without being ready), T
   * terminating, L on this node; "-" for none of these. Without R the ready condition is false.
   */
  static Endpoint ep(String spec) {
    String[] parts = spec.split("/", 2);
    String flags = parts.length > 1 ? parts[1] : "R";
    boolean ready = flags.contains("R");
    return new EndpointBuilder()
        .withAddresses(parts[0])
        .withNewConditions()
        .withReady(ready)
        .withServing(ready || flags.contains("S"))
        .withTerminating(flags.contains("T"))
        .endConditions()
        .withNodeName(flags.contains("L") ? NODE : "node-other")
        .build();
  }

  static EndpointBuilder epBuilder(String spec) {
    return new EndpointBuilder(ep(spec));
  }

  static Node node(String name, String zone) {
    NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata();
    if (zone != null) {
      b.editMetadata().addToLabels(PersistentSnapshot.ZONE_LABEL, zone).endMetadata();
    }
    return b.build();
  }

  static InetAddress ip(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Addresses of endpoints as "ip:port" strings, in order. */
  static List<String> addresses(List<io.kipvs.k8s.Endpoint> endpoints) {
    List<String> out = new ArrayList<>();
    for (io.kipvs.k8s.Endpoint e : endpoints) {
      out.add(e.address().getHostAddress() + ":" + e.port());
    }
    return out;
  }

  /** A reporter that keeps what it is told, for assertions. */
  static final class CollectingReporter implements BadInputReporter {
    final List<String> warnings = new ArrayList<>();

    @Override
    public synchronized void warn(String object, String problem) {
      warnings.add(object + ": " + problem);
    }

    synchronized List<String> warnings() {
      return List.copyOf(warnings);
    }
  }

  /** A clock tests move by hand. */
  static final class ManualClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public synchronized Instant instant() {
      return now;
    }

    synchronized void advance(Duration d) {
      now = now.plus(d);
    }
  }

  static Map<String, String> map(String k, String v) {
    return Map.of(k, v);
  }
}
