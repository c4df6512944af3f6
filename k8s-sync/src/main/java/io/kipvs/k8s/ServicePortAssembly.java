package io.kipvs.k8s;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Joins one service's ports with its slices: merges the slices' endpoints per port (by port name
 * and protocol, duplicates across slices removed), then selects per address family.
 */
final class ServicePortAssembly {
  private ServicePortAssembly() {}

  static List<ServicePort> assemble(
      List<ServicePort> templates,
      Collection<ParsedSlice> slices,
      String nodeName,
      Optional<String> zone) {
    if (templates.isEmpty()) {
      return List.of();
    }
    List<ServicePort> result = new ArrayList<>(templates.size());
    for (ServicePort template : templates) {
      result.add(assemble(template, slices, nodeName, zone, false).port());
    }
    return List.copyOf(result);
  }

  /**
   * The ports as {@link #assemble} makes them, each with the endpoints it leaves out and why: the
   * same code, collecting what it drops (for {@code kipvs explain}).
   */
  static List<ServiceExplanation.PortExplanation> explain(
      List<ServicePort> templates,
      Collection<ParsedSlice> slices,
      String nodeName,
      Optional<String> zone) {
    List<ServiceExplanation.PortExplanation> result = new ArrayList<>(templates.size());
    for (ServicePort template : templates) {
      result.add(assemble(template, slices, nodeName, zone, true));
    }
    return List.copyOf(result);
  }

  private static ServiceExplanation.PortExplanation assemble(
      ServicePort template,
      Collection<ParsedSlice> slices,
      String nodeName,
      Optional<String> zone,
      boolean explain) {
    List<ExcludedEndpoint> notCandidates = explain ? new ArrayList<>() : List.of();
    List<EndpointSelection.Candidate> candidates =
        merge(template.name(), slices, explain ? notCandidates : null);
    boolean servesV4 = template.clusterIps().stream().anyMatch(ip -> !IpLiterals.isV6(ip));
    boolean servesV6 = template.clusterIps().stream().anyMatch(IpLiterals::isV6);
    List<EndpointSelection.Candidate> v4 = new ArrayList<>();
    List<EndpointSelection.Candidate> v6 = new ArrayList<>();
    // As upstream, endpoints of a family the service has no cluster IP for are not used.
    for (EndpointSelection.Candidate c : candidates) {
      boolean isV6 = IpLiterals.isV6(c.endpoint().address());
      if (isV6 ? servesV6 : servesV4) {
        (isV6 ? v6 : v4).add(c);
      } else if (explain) {
        notCandidates.add(
            excluded(
                c,
                Exclusion.WRONG_ADDRESS_FAMILY,
                (isV6 ? "an IPv6" : "an IPv4")
                    + " endpoint, and the service has no "
                    + (isV6 ? "IPv6" : "IPv4")
                    + " cluster IP (spec.ipFamilies)"));
      }
    }
    // Upstream runs one proxier per family; selecting per family keeps its fallbacks apart.
    EndpointSelection.Selected s4 = EndpointSelection.select(template, v4, nodeName, zone, explain);
    EndpointSelection.Selected s6 = EndpointSelection.select(template, v6, nodeName, zone, explain);
    ServicePort port =
        new ServicePort(
            template.name(),
            template.clusterIps(),
            template.port(),
            template.nodePort(),
            template.externalIps(),
            template.loadBalancerIps(),
            template.loadBalancerSourceRanges(),
            template.affinityTimeoutSeconds(),
            template.externalPolicy(),
            template.internalPolicy(),
            template.healthCheckNodePort(),
            template.trafficDistribution(),
            template.scheduler(),
            concat(s4.cluster().endpoints(), s6.cluster().endpoints()),
            concat(s4.external().endpoints(), s6.external().endpoints()),
            s4.hasAny() || s6.hasAny());
    if (!explain) {
      return new ServiceExplanation.PortExplanation(port, List.of(), List.of(), List.of());
    }
    Reasons reasons = new Reasons(nodeName, zone);
    return new ServiceExplanation.PortExplanation(
        port,
        notCandidates,
        reasons.describe(s4.cluster(), s6.cluster(), "internalTrafficPolicy"),
        reasons.describe(s4.external(), s6.external(), "externalTrafficPolicy"));
  }

  /** The causes of a selection in words, with the values they were decided on. */
  private record Reasons(String nodeName, Optional<String> zone) {
    List<ExcludedEndpoint> describe(
        EndpointSelection.Choice v4, EndpointSelection.Choice v6, String policy) {
      List<ExcludedEndpoint> out = new ArrayList<>();
      for (EndpointSelection.Choice choice : List.of(v4, v6)) {
        for (EndpointSelection.Left left : choice.excluded()) {
          out.add(excluded(left.candidate(), left.cause(), text(left, policy)));
        }
      }
      return out;
    }

    private String text(EndpointSelection.Left left, String policy) {
      ParsedSlice.SliceEndpoint e = left.candidate().source();
      String conditions =
          "ready=" + e.ready() + ", serving=" + e.serving() + ", terminating=" + e.terminating();
      return switch (left.cause()) {
        case NOT_READY -> "not ready (" + conditions + ")";
        case NOT_SERVING -> "terminating and not serving (" + conditions + ")";
        case TERMINATING_WHILE_READY_EXIST ->
            "terminating (still serving): not used while ready endpoints exist";
        case OTHER_ZONE_BY_HINTS ->
            "topology hints for zone "
                + String.join(",", new java.util.TreeSet<>(e.zoneHints()))
                + ", and this node is in zone "
                + zone.orElse("(none)");
        case OTHER_NODE_BY_HINTS ->
            "topology hints for node "
                + String.join(",", new java.util.TreeSet<>(e.nodeHints()))
                + ", not this node "
                + nodeName;
        case OTHER_NODE_LOCAL_POLICY ->
            e.nodeName().map(n -> "on node " + n).orElse("on no node (no nodeName)")
                + ", not this node "
                + nodeName
                + ", and "
                + policy
                + " is Local";
        default -> left.cause().name();
      };
    }
  }

  private static ExcludedEndpoint excluded(
      EndpointSelection.Candidate c, Exclusion cause, String reason) {
    return new ExcludedEndpoint(
        c.endpoint().address(),
        OptionalInt.of(c.endpoint().port()),
        c.endpoint().nodeName(),
        cause,
        reason);
  }

  /** The endpoints of one service port over all slices, one per address and port, sorted. */
  static List<EndpointSelection.Candidate> merge(
      ServicePortName name, Collection<ParsedSlice> slices) {
    return merge(name, slices, null);
  }

  /**
   * @param unmatched when not null, receives the endpoints of slices without a port of this name
   *     and protocol (an address another slice matches is not one of them)
   */
  private static List<EndpointSelection.Candidate> merge(
      ServicePortName name, Collection<ParsedSlice> slices, List<ExcludedEndpoint> unmatched) {
    Map<Key, EndpointSelection.Candidate> merged = new LinkedHashMap<>();
    List<ParsedSlice> withoutPort = unmatched == null ? null : new ArrayList<>();
    for (ParsedSlice slice : slices) {
      if (withoutPort != null
          && slice.ports().stream()
              .noneMatch(
                  p -> p.name().equals(name.portName()) && p.protocol() == name.protocol())) {
        withoutPort.add(slice);
      }
      for (ParsedSlice.Port port : slice.ports()) {
        if (!port.name().equals(name.portName()) || port.protocol() != name.protocol()) {
          continue;
        }
        for (ParsedSlice.SliceEndpoint e : slice.endpoints()) {
          Key key = new Key(e.address(), port.port());
          // As upstream: the first one wins, unless a later duplicate is local.
          if (!merged.containsKey(key) || e.local()) {
            merged.put(key, new EndpointSelection.Candidate(e, e.withPort(port.port())));
          }
        }
      }
    }
    if (withoutPort != null) {
      unmatchedEndpoints(name, withoutPort, merged.values(), unmatched);
    }
    if (merged.size() < 2) {
      return new ArrayList<>(merged.values());
    }
    // Sort on the address bytes fetched once: InetAddress.getAddress() copies on every call.
    List<Sortable> sortable = new ArrayList<>(merged.size());
    for (EndpointSelection.Candidate c : merged.values()) {
      sortable.add(new Sortable(c.endpoint().address().getAddress(), c.endpoint().port(), c));
    }
    sortable.sort(
        Comparator.comparing(Sortable::address, ServicePortAssembly::bytes)
            .thenComparingInt(Sortable::port));
    List<EndpointSelection.Candidate> sorted = new ArrayList<>(sortable.size());
    for (Sortable e : sortable) {
      sorted.add(e.candidate());
    }
    return sorted;
  }

  private static void unmatchedEndpoints(
      ServicePortName name,
      List<ParsedSlice> withoutPort,
      Collection<EndpointSelection.Candidate> matched,
      List<ExcludedEndpoint> unmatched) {
    java.util.Set<InetAddress> matchedAddresses = new java.util.HashSet<>();
    for (EndpointSelection.Candidate c : matched) {
      matchedAddresses.add(c.endpoint().address());
    }
    for (ParsedSlice slice : withoutPort) {
      List<String> ports = new ArrayList<>();
      for (ParsedSlice.Port p : slice.ports()) {
        ports.add("'" + p.name() + "' " + p.protocol() + " " + p.port());
      }
      String reason =
          "its EndpointSlice has no port named '"
              + name.portName()
              + "' of protocol "
              + name.protocol()
              + " (it has "
              + (ports.isEmpty() ? "no port" : String.join(", ", ports))
              + ")";
      for (ParsedSlice.SliceEndpoint e : slice.endpoints()) {
        if (matchedAddresses.add(e.address())) {
          unmatched.add(
              new ExcludedEndpoint(
                  e.address(),
                  OptionalInt.empty(),
                  e.nodeName(),
                  Exclusion.PORT_NAME_MISMATCH,
                  reason));
        }
      }
    }
  }

  private record Key(InetAddress address, int port) {}

  private record Sortable(byte[] address, int port, EndpointSelection.Candidate candidate) {}

  private static int bytes(byte[] a, byte[] b) {
    return a.length != b.length
        ? Integer.compare(a.length, b.length)
        : Arrays.compareUnsigned(a, b);
  }

  private static List<Endpoint> concat(List<Endpoint> a, List<Endpoint> b) {
    if (b.isEmpty()) {
      return a;
    }
    if (a.isEmpty()) {
      return b;
    }
    List<Endpoint> all = new ArrayList<>(a.size() + b.size());
    all.addAll(a);
    all.addAll(b);
    return all;
  }
}
