package io.kipvs.k8s;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable view of everything the cluster wants on this node: every service port with its
 * selected endpoints, and what is known of this node.
 *
 * <p>Implementations share structure between successive snapshots, so that taking one after a
 * change costs in proportion to the change, not to the cluster.
 */
public interface ClusterSnapshot {

  /** Every service port of every service. */
  Collection<ServicePort> ports();

  /** The ports of one service; empty when it has none (deleted, headless, ExternalName...). */
  List<ServicePort> portsOf(ServiceName service);

  /** Number of services with at least one port. */
  int serviceCount();

  /** This node's zone (label topology.kubernetes.io/zone), once the Node is known. */
  Optional<String> nodeZone();

  /** This node's labels, once the Node is known. */
  Map<String, String> nodeLabels();
}
