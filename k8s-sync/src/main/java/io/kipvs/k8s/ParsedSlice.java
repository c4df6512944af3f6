package io.kipvs.k8s;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What kipvs keeps of one EndpointSlice: its service, its valid ports and its valid endpoints.
 * Values compare by content, so an update that changes nothing of this is not a change.
 */
record ParsedSlice(ServiceName service, List<Port> ports, List<SliceEndpoint> endpoints) {
  ParsedSlice {
    ports = List.copyOf(ports);
    endpoints = List.copyOf(endpoints);
  }

  /** A port of the slice, matched to a service port by name and protocol. */
  record Port(String name, L4Protocol protocol, int port) {}

  /** One endpoint (its first address) with what selection needs. */
  record SliceEndpoint(
      InetAddress address,
      boolean ready,
      boolean serving,
      boolean terminating,
      Optional<String> nodeName,
      Optional<String> zone,
      Set<String> zoneHints,
      Set<String> nodeHints,
      boolean local) {
    SliceEndpoint {
      zoneHints = Set.copyOf(zoneHints);
      nodeHints = Set.copyOf(nodeHints);
    }

    Endpoint withPort(int port) {
      return new Endpoint(address, port, ready, serving, terminating, nodeName, zone, local);
    }
  }
}
