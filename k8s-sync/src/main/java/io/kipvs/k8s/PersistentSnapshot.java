package io.kipvs.k8s;

import java.util.AbstractCollection;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pcollections.PMap;

/**
 * A snapshot over a persistent map: successive snapshots share every unchanged service, so making
 * one after a change costs in proportion to the change.
 */
final class PersistentSnapshot implements ClusterSnapshot {
  static final String ZONE_LABEL = "topology.kubernetes.io/zone";

  private final PMap<ServiceName, List<ServicePort>> ports;
  private final int portCount;
  private final Map<String, String> nodeLabels;

  PersistentSnapshot(
      PMap<ServiceName, List<ServicePort>> ports, int portCount, Map<String, String> nodeLabels) {
    this.ports = ports;
    this.portCount = portCount;
    this.nodeLabels = Map.copyOf(nodeLabels);
  }

  @Override
  public Collection<ServicePort> ports() {
    return new AbstractCollection<>() {
      @Override
      public Iterator<ServicePort> iterator() {
        return ports.values().stream().flatMap(List::stream).iterator();
      }

      @Override
      public int size() {
        return portCount;
      }
    };
  }

  @Override
  public List<ServicePort> portsOf(ServiceName service) {
    return ports.getOrDefault(service, List.of());
  }

  @Override
  public int serviceCount() {
    return ports.size();
  }

  @Override
  public Optional<String> nodeZone() {
    return Optional.ofNullable(nodeLabels.get(ZONE_LABEL)).filter(z -> !z.isEmpty());
  }

  @Override
  public Map<String, String> nodeLabels() {
    return nodeLabels;
  }

  @Override
  public String toString() {
    return "ClusterSnapshot[" + ports.size() + " services, " + portCount + " ports]";
  }
}
