package io.kipvs.k8s;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.LoadBalancerStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Turns one Service into its service ports, endpoints not yet selected (empty lists). Headless and
 * ExternalName services have none; an invalid service has none and is reported.
 */
final class ServiceTranslation {
  static final String SCHEDULER_ANNOTATION = "kipvs.io/scheduler";
  static final int DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;
  static final int MAX_AFFINITY_TIMEOUT_SECONDS = 86400;

  private final BadInputReporter reporter;

  ServiceTranslation(BadInputReporter reporter) {
    this.reporter = reporter;
  }

  /** The service's name, if its metadata has one. */
  static Optional<ServiceName> nameOf(Service service) {
    ObjectMeta meta = service.getMetadata();
    if (meta == null || isBlank(meta.getNamespace()) || isBlank(meta.getName())) {
      return Optional.empty();
    }
    return Optional.of(new ServiceName(meta.getNamespace(), meta.getName()));
  }

  /**
   * A service's ports, or why it has none.
   *
   * @param ports the ports; empty when skipped
   * @param skipped why the service has no rules (as logged when it is malformed)
   */
  record Translated(List<ServicePort> ports, Optional<String> skipped) {
    static Translated skip(String reason) {
      return new Translated(List.of(), Optional.of(reason));
    }
  }

  List<ServicePort> translate(Service service) {
    return translateExplained(service).ports();
  }

  /** The ports of a service, or the reason it has none (the one logged when it is malformed). */
  Translated translateExplained(Service service) {
    Optional<ServiceName> name = nameOf(service);
    if (name.isEmpty()) {
      reporter.warn("Service " + describe(service.getMetadata()), "skipped: no namespace or name");
      return Translated.skip("no namespace or name");
    }
    String object = "Service " + name.get();
    try {
      return translate(name.get(), service, object);
    } catch (InvalidInput e) {
      reporter.warn(object, "skipped: " + e.getMessage());
      return Translated.skip("malformed, skipped: " + e.getMessage());
    }
  }

  private Translated translate(ServiceName name, Service service, String object)
      throws InvalidInput {
    ServiceSpec spec = service.getSpec();
    if (spec == null) {
      throw new InvalidInput("no spec");
    }
    if ("ExternalName".equals(spec.getType())) {
      return Translated.skip("type ExternalName: a DNS name only, nothing to proxy");
    }
    List<InetAddress> clusterIps = clusterIps(spec);
    if (clusterIps.isEmpty()) {
      return Translated.skip(
          "None".equals(spec.getClusterIP())
                  || (spec.getClusterIPs() != null && spec.getClusterIPs().contains("None"))
              ? "headless (clusterIP None): DNS only, nothing to proxy"
              : "no cluster IP allocated yet");
    }
    if (spec.getPorts() == null || spec.getPorts().isEmpty()) {
      return Translated.skip("no ports");
    }
    List<InetAddress> externalIps = addresses(spec.getExternalIPs(), "externalIP");
    List<InetAddress> loadBalancerIps = loadBalancerIps(service.getStatus());
    List<Cidr> sourceRanges = sourceRanges(spec.getLoadBalancerSourceRanges());
    OptionalInt affinity = affinityTimeout(spec);
    boolean externallyTyped =
        "NodePort".equals(spec.getType()) || "LoadBalancer".equals(spec.getType());
    // As upstream: a ClusterIP service with external IPs is externally accessible too, and its
    // external policy governs those addresses.
    boolean externallyAccessible = externallyTyped || !externalIps.isEmpty();
    TrafficPolicy externalPolicy =
        externallyAccessible && "Local".equals(spec.getExternalTrafficPolicy())
            ? TrafficPolicy.LOCAL
            : TrafficPolicy.CLUSTER;
    TrafficPolicy internalPolicy =
        "Local".equals(spec.getInternalTrafficPolicy())
            ? TrafficPolicy.LOCAL
            : TrafficPolicy.CLUSTER;
    OptionalInt healthCheckNodePort = OptionalInt.empty();
    if ("LoadBalancer".equals(spec.getType()) && externalPolicy == TrafficPolicy.LOCAL) {
      Integer hc = spec.getHealthCheckNodePort();
      if (hc != null && hc != 0) {
        healthCheckNodePort = OptionalInt.of(checkPort(hc, "healthCheckNodePort"));
      }
    }
    Optional<String> trafficDistribution =
        Optional.ofNullable(spec.getTrafficDistribution()).filter(s -> !s.isEmpty());
    Optional<String> scheduler = scheduler(service.getMetadata(), object);

    List<ServicePort> ports = new ArrayList<>(spec.getPorts().size());
    for (io.fabric8.kubernetes.api.model.ServicePort p : spec.getPorts()) {
      String portName = p.getName() == null ? "" : p.getName();
      L4Protocol protocol = protocol(p.getProtocol(), "port '" + portName + "'");
      if (p.getPort() == null) {
        throw new InvalidInput("port '" + portName + "' has no port number");
      }
      int port = checkPort(p.getPort(), "port '" + portName + "'");
      OptionalInt nodePort =
          p.getNodePort() == null || p.getNodePort() == 0
              ? OptionalInt.empty()
              : OptionalInt.of(checkPort(p.getNodePort(), "nodePort of port '" + portName + "'"));
      ports.add(
          new ServicePort(
              new ServicePortName(name, portName, protocol),
              clusterIps,
              port,
              nodePort,
              externalIps,
              loadBalancerIps,
              sourceRanges,
              affinity,
              externalPolicy,
              internalPolicy,
              healthCheckNodePort,
              trafficDistribution,
              scheduler,
              List.of(),
              List.of(),
              false));
    }
    return new Translated(List.copyOf(ports), Optional.empty());
  }

  static L4Protocol protocol(String text, String what) throws InvalidInput {
    if (text == null || text.isEmpty()) {
      return L4Protocol.TCP; // the API server's default
    }
    switch (text) {
      case "TCP":
        return L4Protocol.TCP;
      case "UDP":
        return L4Protocol.UDP;
      case "SCTP":
        return L4Protocol.SCTP;
      default:
        throw new InvalidInput(what + " has unknown protocol '" + text + "'");
    }
  }

  static int checkPort(int port, String what) throws InvalidInput {
    if (port < 1 || port > 65535) {
      throw new InvalidInput(what + " " + port + " is outside 1-65535");
    }
    return port;
  }

  private static List<InetAddress> clusterIps(ServiceSpec spec) throws InvalidInput {
    List<String> texts =
        spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty()
            ? spec.getClusterIPs()
            : spec.getClusterIP() == null ? List.of() : List.of(spec.getClusterIP());
    if (texts.isEmpty() || isBlank(texts.get(0)) || "None".equals(texts.get(0))) {
      return List.of(); // headless or not allocated yet
    }
    if (texts.size() > 2) {
      throw new InvalidInput("more than two clusterIPs " + texts);
    }
    List<InetAddress> ips = addresses(texts, "clusterIP");
    if (ips.size() == 2 && IpLiterals.isV6(ips.get(0)) == IpLiterals.isV6(ips.get(1))) {
      throw new InvalidInput("clusterIPs " + texts + " are of the same family");
    }
    List<String> families = spec.getIpFamilies();
    if (families != null && !families.isEmpty()) {
      for (int i = 0; i < ips.size() && i < families.size(); i++) {
        boolean wantV6 = "IPv6".equals(families.get(i));
        if (!"IPv4".equals(families.get(i)) && !wantV6) {
          throw new InvalidInput("unknown ipFamily '" + families.get(i) + "'");
        }
        if (IpLiterals.isV6(ips.get(i)) != wantV6) {
          throw new InvalidInput(
              "clusterIP " + texts.get(i) + " is not of family " + families.get(i));
        }
      }
    }
    return ips;
  }

  private static List<InetAddress> addresses(List<String> texts, String what) throws InvalidInput {
    if (texts == null || texts.isEmpty()) {
      return List.of();
    }
    List<InetAddress> ips = new ArrayList<>(texts.size());
    for (String text : texts) {
      ips.add(
          IpLiterals.parse(text)
              .orElseThrow(() -> new InvalidInput("invalid " + what + " '" + text + "'")));
    }
    return ips;
  }

  private static List<InetAddress> loadBalancerIps(ServiceStatus status) throws InvalidInput {
    LoadBalancerStatus lb = status == null ? null : status.getLoadBalancer();
    if (lb == null || lb.getIngress() == null) {
      return List.of();
    }
    List<InetAddress> ips = new ArrayList<>();
    for (LoadBalancerIngress ingress : lb.getIngress()) {
      // Hostname-only ingress and proxying load balancers (ipMode Proxy) need no VIP here.
      if (isBlank(ingress.getIp())
          || (ingress.getIpMode() != null && !"VIP".equals(ingress.getIpMode()))) {
        continue;
      }
      ips.add(
          IpLiterals.parse(ingress.getIp())
              .orElseThrow(
                  () ->
                      new InvalidInput(
                          "invalid status.loadBalancer.ingress ip '" + ingress.getIp() + "'")));
    }
    return ips;
  }

  // An invalid range skips the whole service: dropping just that range could open the service to
  // sources the owner meant to exclude.
  private static List<Cidr> sourceRanges(List<String> texts) throws InvalidInput {
    if (texts == null || texts.isEmpty()) {
      return List.of();
    }
    List<Cidr> ranges = new ArrayList<>(texts.size());
    for (String text : texts) {
      ranges.add(
          IpLiterals.parseCidr(text)
              .orElseThrow(
                  () -> new InvalidInput("invalid loadBalancerSourceRange '" + text + "'")));
    }
    return ranges;
  }

  private static OptionalInt affinityTimeout(ServiceSpec spec) throws InvalidInput {
    if (!"ClientIP".equals(spec.getSessionAffinity())) {
      return OptionalInt.empty();
    }
    Integer timeout = null;
    if (spec.getSessionAffinityConfig() != null
        && spec.getSessionAffinityConfig().getClientIP() != null) {
      timeout = spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
    }
    if (timeout == null) {
      return OptionalInt.of(DEFAULT_AFFINITY_TIMEOUT_SECONDS);
    }
    if (timeout < 1 || timeout > MAX_AFFINITY_TIMEOUT_SECONDS) {
      throw new InvalidInput(
          "sessionAffinityConfig timeoutSeconds "
              + timeout
              + " is outside 1-"
              + MAX_AFFINITY_TIMEOUT_SECONDS);
    }
    return OptionalInt.of(timeout);
  }

  private Optional<String> scheduler(ObjectMeta meta, String object) {
    Map<String, String> annotations = meta.getAnnotations();
    String value = annotations == null ? null : annotations.get(SCHEDULER_ANNOTATION);
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String trimmed = value.trim();
    if (IpvsSchedulers.isKnown(trimmed)) {
      return Optional.of(trimmed);
    }
    reporter.warn(
        object,
        "annotation "
            + SCHEDULER_ANNOTATION
            + " value '"
            + value
            + "' is not a known IPVS scheduler ("
            + IpvsSchedulers.knownList()
            + "); using the default scheduler");
    return Optional.empty();
  }

  private static String describe(ObjectMeta meta) {
    return meta == null ? "?" : meta.getNamespace() + "/" + meta.getName();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  /** A field that makes the object unusable; the message names the field and value. */
  static final class InvalidInput extends Exception {
    InvalidInput(String message) {
      super(message, null, false, false);
    }
  }
}
