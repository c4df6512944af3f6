package io.kipvs.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Chooses, for one service port and one address family, the endpoints this node uses, following
 * upstream kube-proxy's CategorizeEndpoints: ready endpoints (narrowed by topology hints when they
 * apply), else serving-and-terminating ones; for a Local policy, this node's ready endpoints, else
 * its serving-and-terminating ones; for a Local external policy without either, the cluster's (as
 * upstream's IPVS mode does).
 *
 * <p>Each rule is a function from a candidate to the {@link Exclusion} that leaves it out (null
 * keeps it), so that {@code kipvs explain} reports the very decision the sync made: with {@code
 * explain} the candidates left out are collected with their cause, without it nothing more is
 * allocated than the endpoints chosen.
 */
final class EndpointSelection {
  private EndpointSelection() {}

  /** An endpoint as merged from the slices, with the hints the selection reads. */
  record Candidate(ParsedSlice.SliceEndpoint source, Endpoint endpoint) {}

  /** A candidate left out, and the rule that left it out. */
  record Left(Candidate candidate, Exclusion cause) {}

  /**
   * The endpoints chosen for one kind of virtual server, and (when explaining) those left out.
   * Which choice serves which addresses is decided once, at the end of {@link #select}, so that a
   * change of policy moves the reasons with the endpoints.
   */
  record Choice(List<Endpoint> endpoints, List<Left> excluded) {
    static final Choice NONE = new Choice(List.of(), List.of());
  }

  /**
   * @param cluster for the cluster IPs (internal policy applied)
   * @param external for node ports, external and load-balancer IPs (external policy applied); empty
   *     when the port is not reachable from outside
   * @param hasAny whether any usable endpoint exists anywhere in the cluster
   */
  record Selected(Choice cluster, Choice external, boolean hasAny) {}

  static Selected select(
      ServicePort port, List<Candidate> candidates, String nodeName, Optional<String> zone) {
    return select(port, candidates, nodeName, zone, false);
  }

  /**
   * @param explain whether to collect the candidates left out, with their cause
   */
  static Selected select(
      ServicePort port,
      List<Candidate> candidates,
      String nodeName,
      Optional<String> zone,
      boolean explain) {
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

    Choice cluster = Choice.NONE;
    boolean hasAny = false;
    if (usesCluster) {
      String mode = topologyMode(candidates, nodeName, zone.orElse(""));
      Exclusion byTopology =
          SAME_NODE.equals(mode) ? Exclusion.OTHER_NODE_BY_HINTS : Exclusion.OTHER_ZONE_BY_HINTS;
      cluster =
          choose(
              candidates,
              c ->
                  !c.source().ready()
                      ? notReady(c.source())
                      : availableForTopology(c.source(), mode, nodeName, zone) ? null : byTopology,
              explain);
      if (cluster.endpoints().isEmpty()) {
        // No ready endpoint (topology never leaves out every ready one): the serving
        // terminating ones, so that connections in flight through a rollout still work.
        cluster =
            choose(
                candidates,
                c -> servingTerminating(c.source()) ? null : unusable(c.source()),
                explain);
      }
      hasAny = !cluster.endpoints().isEmpty();
    }

    Choice local = Choice.NONE;
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
        local =
            choose(
                candidates,
                c ->
                    !c.source().local()
                        ? Exclusion.OTHER_NODE_LOCAL_POLICY
                        : c.source().ready() ? null : notReady(c.source()),
                explain);
      } else {
        // The serving terminating local ones, if any; else none, each left out for its cause.
        boolean fallBack = localServingTerminating;
        local =
            choose(
                candidates,
                c ->
                    !c.source().local()
                        ? Exclusion.OTHER_NODE_LOCAL_POLICY
                        : fallBack && servingTerminating(c.source()) ? null : unusable(c.source()),
                explain);
      }
    }

    // A Local external policy without a local endpoint takes the cluster's endpoints, as upstream's
    // IPVS proxier does (kubernetes PR #97081): pods on this node still reach the service through
    // its node ports and external addresses; the Local ipsets keep external clients' traffic
    // unmasqueraded, so a remote endpoint's reply to them never finds its way back.
    Choice internal = internalLocal ? local : cluster;
    Choice external =
        !externallyAccessible
            ? Choice.NONE
            : externalLocal && !local.endpoints().isEmpty() ? local : cluster;
    return new Selected(internal, external, hasAny);
  }

  private static boolean servingTerminating(ParsedSlice.SliceEndpoint e) {
    return e.serving() && e.terminating();
  }

  /** Why a not-ready endpoint is left out while ready ones are used. */
  private static Exclusion notReady(ParsedSlice.SliceEndpoint e) {
    return servingTerminating(e) ? Exclusion.TERMINATING_WHILE_READY_EXIST : unusable(e);
  }

  /** Why an endpoint that is neither ready nor serving-and-terminating is left out. */
  private static Exclusion unusable(ParsedSlice.SliceEndpoint e) {
    return e.terminating() && !e.serving() ? Exclusion.NOT_SERVING : Exclusion.NOT_READY;
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

  /** The candidates the rule keeps (it answers null); with explain, the others and why. */
  private static Choice choose(
      List<Candidate> candidates, Function<Candidate, Exclusion> rule, boolean explain) {
    List<Endpoint> kept = new ArrayList<>();
    List<Left> left = explain ? new ArrayList<>() : List.of();
    for (Candidate c : candidates) {
      Exclusion cause = rule.apply(c);
      if (cause == null) {
        kept.add(c.endpoint());
      } else if (explain) {
        left.add(new Left(c, cause));
      }
    }
    return new Choice(List.copyOf(kept), explain ? List.copyOf(left) : List.of());
  }
}
