package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.k8s.ServiceName;
import java.net.InetAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The desired state of the whole node, kept per service so that replacing one service's rules costs
 * in proportion to that service. Virtual servers two services both claim (the same external IP and
 * port) go to the first claimant; addresses and ipset members are reference-counted.
 */
final class DesiredIndex {
  private final Map<ServiceName, ServiceRules> services = new HashMap<>();
  private final Map<VirtualServerKey, LinkedHashMap<ServiceName, DesiredVirtualServer>> claims =
      new HashMap<>();
  private final Map<InetAddress, Integer> addresses = new HashMap<>();
  private final Map<IpsetEntry, Integer> entries = new HashMap<>();

  /** What one replacement touched: only these need diffing against the kernel. */
  record Delta(
      Set<VirtualServerKey> virtualServers, Set<InetAddress> addresses, Set<IpsetEntry> entries) {}

  /** Replaces one service's rules (empty rules remove it). */
  Delta put(ServiceName name, Optional<ServiceRules> rules) {
    Set<VirtualServerKey> keys = new HashSet<>();
    Set<InetAddress> touchedAddresses = new HashSet<>();
    Set<IpsetEntry> touchedEntries = new HashSet<>();
    ServiceRules old = services.remove(name);
    if (old != null) {
      for (VirtualServerKey k : old.virtualServers().keySet()) {
        keys.add(k);
        var c = claims.get(k);
        if (c != null) {
          c.remove(name);
          if (c.isEmpty()) {
            claims.remove(k);
          }
        }
      }
      for (InetAddress a : old.boundAddresses()) {
        touchedAddresses.add(a);
        addresses.computeIfPresent(a, (x, n) -> n == 1 ? null : n - 1);
      }
      for (IpsetEntry e : old.ipsetEntries()) {
        touchedEntries.add(e);
        entries.computeIfPresent(e, (x, n) -> n == 1 ? null : n - 1);
      }
    }
    if (rules.isPresent()) {
      ServiceRules r = rules.get();
      services.put(name, r);
      for (var e : r.virtualServers().entrySet()) {
        keys.add(e.getKey());
        claims.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).put(name, e.getValue());
      }
      for (InetAddress a : r.boundAddresses()) {
        touchedAddresses.add(a);
        addresses.merge(a, 1, Integer::sum);
      }
      for (IpsetEntry e : r.ipsetEntries()) {
        touchedEntries.add(e);
        entries.merge(e, 1, Integer::sum);
      }
    }
    return new Delta(keys, touchedAddresses, touchedEntries);
  }

  void clear() {
    services.clear();
    claims.clear();
    addresses.clear();
    entries.clear();
  }

  Optional<ServiceRules> rules(ServiceName name) {
    return Optional.ofNullable(services.get(name));
  }

  Optional<DesiredVirtualServer> virtualServer(VirtualServerKey key) {
    var c = claims.get(key);
    return c == null || c.isEmpty() ? Optional.empty() : Optional.of(c.values().iterator().next());
  }

  /** The service that wants this virtual server now, if any. */
  Optional<ServiceName> owner(VirtualServerKey key) {
    var c = claims.get(key);
    return c == null || c.isEmpty() ? Optional.empty() : Optional.of(c.keySet().iterator().next());
  }

  List<DesiredVirtualServer> virtualServers() {
    return claims.values().stream().map(c -> c.values().iterator().next()).toList();
  }

  boolean wantsAddress(InetAddress a) {
    return addresses.containsKey(a);
  }

  Set<InetAddress> addresses() {
    return addresses.keySet();
  }

  boolean wantsEntry(IpsetEntry e) {
    return entries.containsKey(e);
  }

  Set<IpsetEntry> entries() {
    return entries.keySet();
  }

  Collection<ServiceRules> services() {
    return services.values();
  }

  Set<ServiceName> serviceNames() {
    return services.keySet();
  }

  /** Health-check node ports by port; on a clash the first service by name keeps the port. */
  Map<Integer, HealthCheckServers.Check> healthChecks() {
    Map<Integer, HealthCheckServers.Check> out = new TreeMap<>();
    services.values().stream()
        .sorted((a, b) -> a.service().compareTo(b.service()))
        .forEach(
            r ->
                r.healthCheck()
                    .ifPresent(
                        h ->
                            out.putIfAbsent(
                                h.port(),
                                new HealthCheckServers.Check(r.service(), h.localEndpoints()))));
    return out;
  }
}
