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
      List<EndpointSelection.Candidate> candidates = merge(template.name(), slices);
      boolean servesV4 = template.clusterIps().stream().anyMatch(ip -> !IpLiterals.isV6(ip));
      boolean servesV6 = template.clusterIps().stream().anyMatch(IpLiterals::isV6);
      List<EndpointSelection.Candidate> v4 = new ArrayList<>();
      List<EndpointSelection.Candidate> v6 = new ArrayList<>();
      // As upstream, endpoints of a family the service has no cluster IP for are not used.
      for (EndpointSelection.Candidate c : candidates) {
        if (IpLiterals.isV6(c.endpoint().address())) {
          if (servesV6) {
            v6.add(c);
          }
        } else if (servesV4) {
          v4.add(c);
        }
      }
      // Upstream runs one proxier per family; selecting per family keeps its fallbacks apart.
      EndpointSelection.Selected s4 = EndpointSelection.select(template, v4, nodeName, zone);
      EndpointSelection.Selected s6 = EndpointSelection.select(template, v6, nodeName, zone);
      result.add(
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
              concat(s4.cluster(), s6.cluster()),
              concat(s4.external(), s6.external()),
              s4.hasAny() || s6.hasAny()));
    }
    return List.copyOf(result);
  }

  /** The endpoints of one service port over all slices, one per address and port, sorted. */
  static List<EndpointSelection.Candidate> merge(
      ServicePortName name, Collection<ParsedSlice> slices) {
    Map<Key, EndpointSelection.Candidate> merged = new LinkedHashMap<>();
    for (ParsedSlice slice : slices) {
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
