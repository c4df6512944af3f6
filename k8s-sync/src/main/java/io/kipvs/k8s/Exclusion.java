package io.kipvs.k8s;

/**
 * Why an endpoint of a service port is not a real server of this node's virtual servers for it: the
 * causes {@link EndpointSelection} and {@link ServicePortAssembly} apply, named where they decide.
 */
public enum Exclusion {
  /** Not ready, and not a serving terminating endpoint either. */
  NOT_READY,
  /** Terminating with serving=false: never used. */
  NOT_SERVING,
  /** Terminating and still serving: used only while no ready endpoint exists. */
  TERMINATING_WHILE_READY_EXIST,
  /** Topology hints (forZones) name other zones than this node's. */
  OTHER_ZONE_BY_HINTS,
  /** Topology hints (forNodes) name other nodes than this one. */
  OTHER_NODE_BY_HINTS,
  /** On another node (or on none), and the traffic policy of these addresses is Local. */
  OTHER_NODE_LOCAL_POLICY,
  /** Its EndpointSlice has no port of the service port's name and protocol. */
  PORT_NAME_MISMATCH,
  /** Of an address family the service has no cluster IP of. */
  WRONG_ADDRESS_FAMILY
}
