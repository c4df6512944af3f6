package io.kipvs.ipvs;

import java.util.List;

/** A virtual server as a dump reports it: its model value, counters, and its real servers. */
public record VirtualServerStatus(
    VirtualServer server, Stats stats, List<RealServerStatus> realServers) {
  public VirtualServerStatus {
    realServers = List.copyOf(realServers);
  }
}
