package io.kipvs.k8s;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointHints;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns one EndpointSlice into a {@link ParsedSlice}. Invalid ports and endpoints are skipped and
 * reported one by one; FQDN slices and slices without a service carry nothing for kipvs.
 */
final class SliceTranslation {
  static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  // A cluster's endpoints name few distinct nodes and zones: one value for each name instead of
  // one per endpoint, which the informer's parser makes (100,000 endpoints at 10,000 services, 6 MB
  // of the live heap). Bounded, so that a stream of new names cannot grow it without end.
  private static final int MAX_SHARED_NAMES = 20_000;

  private final String nodeName;
  private final BadInputReporter reporter;
  private final Map<String, Optional<String>> sharedNames = new ConcurrentHashMap<>();

  SliceTranslation(String nodeName, BadInputReporter reporter) {
    this.nodeName = nodeName;
    this.reporter = reporter;
  }

  Optional<ParsedSlice> translate(EndpointSlice slice) {
    ObjectMeta meta = slice.getMetadata();
    String object =
        "EndpointSlice " + (meta == null ? "?" : meta.getNamespace() + "/" + meta.getName());
    if (meta == null || isBlank(meta.getNamespace()) || isBlank(meta.getName())) {
      reporter.warn(object, "ignored: no namespace or name");
      return Optional.empty();
    }
    String serviceName = meta.getLabels() == null ? null : meta.getLabels().get(SERVICE_NAME_LABEL);
    if (isBlank(serviceName)) {
      reporter.warn(object, "ignored: no label " + SERVICE_NAME_LABEL);
      return Optional.empty();
    }
    String addressType = slice.getAddressType();
    if ("FQDN".equals(addressType)) {
      return Optional.empty(); // not for a proxy
    }
    if (!"IPv4".equals(addressType) && !"IPv6".equals(addressType)) {
      reporter.warn(object, "ignored: unknown addressType '" + addressType + "'");
      return Optional.empty();
    }
    boolean v6 = "IPv6".equals(addressType);
    return Optional.of(
        new ParsedSlice(
            new ServiceName(meta.getNamespace(), serviceName),
            ports(slice.getPorts(), object),
            endpoints(slice, v6, object)));
  }

  private List<ParsedSlice.Port> ports(List<EndpointPort> ports, String object) {
    if (ports == null) {
      return List.of();
    }
    List<ParsedSlice.Port> result = new ArrayList<>(ports.size());
    for (EndpointPort p : ports) {
      String name = p.getName() == null ? "" : p.getName();
      try {
        L4Protocol protocol = ServiceTranslation.protocol(p.getProtocol(), "port '" + name + "'");
        if (p.getPort() == null) {
          throw new ServiceTranslation.InvalidInput("port '" + name + "' has no port number");
        }
        int port = ServiceTranslation.checkPort(p.getPort(), "port '" + name + "'");
        result.add(new ParsedSlice.Port(name, protocol, port));
      } catch (ServiceTranslation.InvalidInput e) {
        reporter.warn(object, "port skipped: " + e.getMessage());
      }
    }
    return result;
  }

  private List<ParsedSlice.SliceEndpoint> endpoints(
      EndpointSlice slice, boolean v6, String object) {
    var endpoints = slice.getEndpoints();
    if (endpoints == null) {
      return List.of();
    }
    List<ParsedSlice.SliceEndpoint> result = new ArrayList<>(endpoints.size());
    for (var e : endpoints) {
      if (e.getAddresses() == null || e.getAddresses().isEmpty()) {
        reporter.warn(object, "endpoint skipped: no address");
        continue;
      }
      // Like upstream, only the first address counts: the others are the same pod.
      String text = e.getAddresses().get(0);
      Optional<InetAddress> address = IpLiterals.parse(text);
      if (address.isEmpty()) {
        reporter.warn(object, "endpoint skipped: invalid address '" + text + "'");
        continue;
      }
      if (IpLiterals.isV6(address.get()) != v6) {
        reporter.warn(
            object,
            "endpoint skipped: address '"
                + text
                + "' is not of addressType "
                + slice.getAddressType());
        continue;
      }
      EndpointConditions conditions = e.getConditions();
      boolean ready = conditions == null || conditions.getReady() == null || conditions.getReady();
      boolean serving =
          conditions == null || conditions.getServing() == null ? ready : conditions.getServing();
      boolean terminating = conditions != null && Boolean.TRUE.equals(conditions.getTerminating());
      Optional<String> node = shared(e.getNodeName());
      result.add(
          new ParsedSlice.SliceEndpoint(
              address.get(),
              ready,
              serving,
              terminating,
              node,
              shared(e.getZone()),
              zoneHints(e.getHints()),
              nodeHints(e.getHints()),
              node.isPresent() && node.get().equals(nodeName)));
    }
    return result;
  }

  /** This name (empty if absent or empty), as the value kept for it when there is one. */
  private Optional<String> shared(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> kept = sharedNames.get(name);
    if (kept != null) {
      return kept;
    }
    Optional<String> value = Optional.of(name);
    if (sharedNames.size() < MAX_SHARED_NAMES) {
      sharedNames.putIfAbsent(name, value);
    }
    return value;
  }

  private static Set<String> zoneHints(EndpointHints hints) {
    if (hints == null || hints.getForZones() == null) {
      return Set.of();
    }
    Set<String> zones = new HashSet<>();
    for (ForZone zone : hints.getForZones()) {
      if (zone != null && !isBlank(zone.getName())) {
        zones.add(zone.getName());
      }
    }
    return zones;
  }

  // hints.forNodes (Kubernetes 1.33) is newer than the fabric8 model: read it from the raw JSON.
  private static Set<String> nodeHints(EndpointHints hints) {
    if (hints == null || hints.getAdditionalProperties() == null) {
      return Set.of();
    }
    Object forNodes = hints.getAdditionalProperties().get("forNodes");
    if (!(forNodes instanceof List<?> list)) {
      return Set.of();
    }
    Set<String> nodes = new HashSet<>();
    for (Object item : list) {
      if (item instanceof Map<?, ?> map
          && map.get("name") instanceof String name
          && !name.isBlank()) {
        nodes.add(name);
      }
    }
    return nodes;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
