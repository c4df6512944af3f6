package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.k8s.ServiceName;
import java.net.InetAddress;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
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
 * port) go to the first claimant; addresses and ipset members are reference-counted. The totals a
 * sync needs after every change (metrics, which sets are non-empty, health-check ports, addresses
 * the node must not reach) are kept up to date by each replacement, so that an incremental sync
 * never walks the whole node: at 10,000 services that walk cost more than the sync itself.
 */
final class DesiredIndex {
  // The order of the rules written for them (kept as it was: a new order would rewrite them).
  private static final Comparator<ServiceRules.NoNodeAccess> NO_NODE_ACCESS_ORDER =
      Comparator.comparing(
          (ServiceRules.NoNodeAccess n) ->
              Addresses.text(n.address()) + "/" + n.protocol() + "/" + n.port());

  private final Map<ServiceName, ServiceRules> services = new HashMap<>();
  private final Map<VirtualServerKey, LinkedHashMap<ServiceName, DesiredVirtualServer>> claims =
      new HashMap<>();
  private final Map<InetAddress, Integer> addresses = new HashMap<>();
  private final Map<IpsetEntry, Integer> entries = new HashMap<>();
  // Members per set, IPv4 at index 0 and IPv6 at 1.
  private final List<EnumMap<KubeIpset, Integer>> setSizes =
      List.of(new EnumMap<>(KubeIpset.class), new EnumMap<>(KubeIpset.class));
  private final List<TreeMap<ServiceRules.NoNodeAccess, Integer>> noNodeAccess =
      List.of(new TreeMap<>(NO_NODE_ACCESS_ORDER), new TreeMap<>(NO_NODE_ACCESS_ORDER));
  // Health-check node port -> the services asking for it, by name: the first one keeps the port.
  private final Map<Integer, TreeMap<ServiceName, HealthCheckServers.Check>> healthClaims =
      new HashMap<>();
  private int realServers;
  private int noLocalInternal;
  private int noLocalExternal;

  /** What one replacement touched: only these need diffing against the kernel. */
  record Delta(
      Set<VirtualServerKey> virtualServers, Set<InetAddress> addresses, Set<IpsetEntry> entries) {}

  /** Replaces one service's rules (empty rules remove it). */
  Delta put(ServiceName name, Optional<ServiceRules> rules) {
    Set<VirtualServerKey> keys = new HashSet<>();
    Set<InetAddress> touchedAddresses = new HashSet<>();
    Set<IpsetEntry> touchedEntries = new HashSet<>();
    ServiceRules old = services.remove(name);
    Set<VirtualServerKey> contested = new HashSet<>();
    if (old != null) {
      contested.addAll(old.virtualServers().keySet());
    }
    rules.ifPresent(r -> contested.addAll(r.virtualServers().keySet()));
    realServers -= winnersRealServers(contested);
    if (old != null) {
      count(old, -1);
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
        if (entries.computeIfPresent(e, (x, n) -> n == 1 ? null : n - 1) == null) {
          setSizes.get(e.v6() ? 1 : 0).merge(e.set(), -1, DesiredIndex::sumOrNull);
        }
      }
    }
    if (rules.isPresent()) {
      ServiceRules r = rules.get();
      services.put(name, r);
      count(r, 1);
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
        if (entries.merge(e, 1, Integer::sum) == 1) {
          setSizes.get(e.v6() ? 1 : 0).merge(e.set(), 1, Integer::sum);
        }
      }
    }
    realServers += winnersRealServers(contested);
    return new Delta(keys, touchedAddresses, touchedEntries);
  }

  private int winnersRealServers(Set<VirtualServerKey> keys) {
    int n = 0;
    for (VirtualServerKey k : keys) {
      n += virtualServer(k).map(d -> d.realServers().size()).orElse(0);
    }
    return n;
  }

  /** Adds (sign 1) or removes (sign -1) one service's share of the node-wide totals. */
  private void count(ServiceRules r, int sign) {
    noLocalInternal += sign * r.noLocalInternal();
    noLocalExternal += sign * r.noLocalExternal();
    for (ServiceRules.NoNodeAccess n : r.noNodeAccess()) {
      noNodeAccess.get(Addresses.isV6(n.address()) ? 1 : 0).merge(n, sign, DesiredIndex::sumOrNull);
    }
    r.healthCheck()
        .ifPresent(
            h -> {
              if (sign > 0) {
                healthClaims
                    .computeIfAbsent(h.port(), p -> new TreeMap<>())
                    .put(
                        r.service(), new HealthCheckServers.Check(r.service(), h.localEndpoints()));
              } else {
                var c = healthClaims.get(h.port());
                if (c != null && c.remove(r.service()) != null && c.isEmpty()) {
                  healthClaims.remove(h.port());
                }
              }
            });
  }

  private static Integer sumOrNull(int a, int b) {
    int sum = a + b;
    return sum == 0 ? null : sum;
  }

  void clear() {
    services.clear();
    claims.clear();
    addresses.clear();
    entries.clear();
    setSizes.forEach(Map::clear);
    noNodeAccess.forEach(Map::clear);
    healthClaims.clear();
    realServers = 0;
    noLocalInternal = 0;
    noLocalExternal = 0;
  }

  Optional<ServiceRules> rules(ServiceName name) {
    return Optional.ofNullable(services.get(name));
  }

  Optional<DesiredVirtualServer> virtualServer(VirtualServerKey key) {
    var c = claims.get(key);
    return c == null || c.isEmpty() ? Optional.empty() : Optional.of(c.values().iterator().next());
  }

  /** Whether some service wants this virtual server. */
  boolean wants(VirtualServerKey key) {
    var c = claims.get(key);
    return c != null && !c.isEmpty();
  }

  /** The service that wants this virtual server now, if any. */
  Optional<ServiceName> owner(VirtualServerKey key) {
    var c = claims.get(key);
    return c == null || c.isEmpty() ? Optional.empty() : Optional.of(c.keySet().iterator().next());
  }

  /** The keys of every desired virtual server, without building them (a view). */
  Set<VirtualServerKey> virtualServerKeys() {
    return Collections.unmodifiableSet(claims.keySet());
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
    healthClaims.forEach((port, c) -> out.put(port, c.firstEntry().getValue()));
    return out;
  }

  int virtualServerCount() {
    return claims.size();
  }

  /** Real servers of the virtual servers in {@link #virtualServers()}. */
  int realServerCount() {
    return realServers;
  }

  int noLocalInternal() {
    return noLocalInternal;
  }

  int noLocalExternal() {
    return noLocalExternal;
  }

  /** The sets of this family with at least one member wanted. */
  Set<KubeIpset> nonEmptySets(boolean v6) {
    return setSizes.get(v6 ? 1 : 0).keySet();
  }

  /** Whether any IPv6 member is wanted. */
  boolean wantsIpv6Entries() {
    return !setSizes.get(1).isEmpty();
  }

  /** Load-balancer addresses and ports of this family the node must not reach, in a fixed order. */
  List<ServiceRules.NoNodeAccess> noNodeAccess(boolean v6) {
    return List.copyOf(noNodeAccess.get(v6 ? 1 : 0).keySet());
  }
}
