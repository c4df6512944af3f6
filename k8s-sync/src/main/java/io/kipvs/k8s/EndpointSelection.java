package io.kipvs.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Chooses, for one service port and one address family, the endpoints this node uses, following
 * upstream kube-proxy's CategorizeEndpoints: ready endpoints (narrowed by topology hints when they
 * apply), else serving-and-terminating ones; for a Local policy, this node's ready endpoints, else
 * its serving-and-terminating ones; for a Local external policy without either, the cluster's (as
 * upstream's IPVS mode does).
 */
final class EndpointSelection {
  private EndpointSelection() {}

  /** An endpoint as merged from the slices, with the hints the selection reads. */
  record Candidate(ParsedSlice.SliceEndpoint source, Endpoint endpoint) {}

  /**
   * @param cluster for the cluster IPs (internal policy applied)
   * @param external for node ports, external and load-balancer IPs (external policy applied); empty
   *     when the port is not reachable from outside
   * @param hasAny whether any usable endpoint exists anywhere in the cluster
   */
  record Selected(List<Endpoint> cluster, List<Endpoint> external, boolean hasAny) {}

  static Selected select(
      ServicePort port, List<Candidate> candidates, String nodeName, Optional<String> zone) {
    boolean externallyAccessible =
        port.nodePort().isPresent()
            || !port.externalIps().isEmpty()
            || !port.loadBalancerIps().isEmpty();
    boolean internalLocal = port.internalPolicy() == TrafficPolicy.LOCAL;
    boolean externalLocal = externallyAccessible && port.externalPolicy() == TrafficPolicy.LOCAL;
    // Cluster endpoints are needed for a Cluster internal policy, and for any external traffic
    // (upstream short-circuits in-cluster traffic to external addresses to them).
    boolean usesCluster = !internalLocal || externallyAccessible;
    boolean usesLocal = internalLocal || externalLocal;

    List<Endpoint> clusterEndpoints = List.of();
    boolean hasAny = false;
    if (usesCluster) {
      String mode = topologyMode(candidates, nodeName, zone.orElse(""));
      clusterEndpoints =
          filter(
              candidates,
              c -> c.source().ready() && availableForTopology(c.source(), mode, nodeName, zone));
      if (clusterEndpoints.isEmpty()) {
        clusterEndpoints = filter(candidates, c -> servingTerminating(c.source()));
      }
      hasAny = !clusterEndpoints.isEmpty();
    }

    List<Endpoint> localEndpoints = List.of();
    if (usesLocal) {
      boolean localReady = false;
      boolean localServingTerminating = false;
      for (Candidate c : candidates) {
        if (c.source().ready()) {
          hasAny = true;
          localReady |= c.source().local();
        } else if (servingTerminating(c.source())) {
          hasAny = true;
          localServingTerminating |= c.source().local();
        }
      }
      if (localReady) {
        localEndpoints = filter(candidates, c -> c.source().local() && c.source().ready());
      } else if (localServingTerminating) {
        localEndpoints =
            filter(candidates, c -> c.source().local() && servingTerminating(c.source()));
      }
    }

    // A Local external policy without a local endpoint takes the cluster's endpoints, as upstream's
    // IPVS proxier does (kubernetes PR #97081): pods on this node still reach the service through
    // its node ports and external addresses; the Local ipsets keep external clients' traffic
    // unmasqueraded, so a remote endpoint's reply to them never finds its way back.
    List<Endpoint> externalEndpoints;
    if (!externallyAccessible) {
      externalEndpoints = List.of();
    } else if (externalLocal && !localEndpoints.isEmpty()) {
      externalEndpoints = localEndpoints;
    } else {
      externalEndpoints = clusterEndpoints;
    }
    return new Selected(
        internalLocal ? localEndpoints : clusterEndpoints, externalEndpoints, hasAny);
  }

  private static boolean servingTerminating(ParsedSlice.SliceEndpoint e) {
    return e.serving() && e.terminating();
  }

  private static final String SAME_NODE = "PreferSameNode";
  private static final String SAME_ZONE = "PreferSameZone";

  /**
   * Node hints win when every ready endpoint has one and one names this node; else zone hints when
   * every ready endpoint has one and one names this node's zone; else no topology.
   */
  private static String topologyMode(List<Candidate> candidates, String nodeName, String zone) {
    boolean anyReady = false;
    boolean allNodeHints = true;
    boolean forThisNode = false;
    boolean allZoneHints = true;
    boolean forThisZone = false;
    for (Candidate c : candidates) {
      ParsedSlice.SliceEndpoint e = c.source();
      if (!e.ready()) {
        continue;
      }
      anyReady = true;
      if (e.nodeHints().isEmpty()) {
        allNodeHints = false;
      } else if (e.nodeHints().contains(nodeName)) {
        forThisNode = true;
      }
      if (e.zoneHints().isEmpty()) {
        allZoneHints = false;
      } else if (e.zoneHints().contains(zone)) {
        forThisZone = true;
      }
    }
    if (!anyReady) {
      return "";
    }
    if (allNodeHints && forThisNode) {
      return SAME_NODE;
    }
    if (allZoneHints && forThisZone) {
      return SAME_ZONE;
    }
    return "";
  }

  private static boolean availableForTopology(
      ParsedSlice.SliceEndpoint e, String mode, String nodeName, Optional<String> zone) {
    switch (mode) {
      case SAME_NODE:
        return e.nodeHints().contains(nodeName);
      case SAME_ZONE:
        return zone.isPresent() && e.zoneHints().contains(zone.get());
      default:
        return true;
    }
  }

  private static List<Endpoint> filter(List<Candidate> candidates, Predicate<Candidate> keep) {
    List<Endpoint> result = new ArrayList<>();
    for (Candidate c : candidates) {
      if (keep.test(c)) {
        result.add(c.endpoint());
      }
    }
    return List.copyOf(result);
  }
}
