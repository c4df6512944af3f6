package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.RealServer;
import io.kipvs.ipvs.RealServerKey;
import io.kipvs.ipvs.VirtualServer;
import io.kipvs.k8s.ServicePortName;
import java.util.Map;

/**
 * One virtual server the cluster wants, with its real servers by key, and the service port it is
 * made for (named in logs when a write fails).
 */
record DesiredVirtualServer(
    VirtualServer server, Map<RealServerKey, RealServer> realServers, ServicePortName owner) {
  DesiredVirtualServer {
    realServers = Map.copyOf(realServers);
  }
}
