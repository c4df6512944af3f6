package io.kipvs.daemon.proxy;

import io.kipvs.ipvs.IpvsOperation;
import io.kipvs.ipvs.RealServer;
import io.kipvs.ipvs.RealServerKey;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.Stats;
import io.kipvs.ipvs.VirtualServer;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What kipvs believes the kernel's IPVS table holds: the last full dump, with every successful
 * write since applied to it. Incremental syncs diff against this instead of dumping the table.
 */
final class KernelView {
  private final Map<VirtualServerKey, Entry> table = new HashMap<>();

  private static final class Entry {
    VirtualServer server;
    final Map<RealServerKey, RealServer> reals = new LinkedHashMap<>();

    Entry(VirtualServer server) {
      this.server = server;
    }
  }

  void reset(List<VirtualServerStatus> dump) {
    table.clear();
    for (VirtualServerStatus s : dump) {
      Entry e = new Entry(s.server());
      for (RealServerStatus r : s.realServers()) {
        e.reals.put(r.server().key(), r.server());
      }
      table.put(s.server().key(), e);
    }
  }

  /** Forgets everything: a full read follows. */
  void clear() {
    table.clear();
  }

  /** Replaces what is known of one virtual server by what was just read of it. */
  void put(VirtualServerStatus read) {
    Entry e = new Entry(read.server());
    for (RealServerStatus r : read.realServers()) {
      e.reals.put(r.server().key(), r.server());
    }
    table.put(read.server().key(), e);
  }

  void remove(VirtualServerKey key) {
    table.remove(key);
  }

  /**
   * The virtual server as last read or written (without its real servers), or null when unknown: no
   * Optional per lookup in the resync's walk over every virtual server.
   */
  VirtualServer serverOrNull(VirtualServerKey key) {
    Entry e = table.get(key);
    return e == null ? null : e.server;
  }

  int size() {
    return table.size();
  }

  Set<VirtualServerKey> keys() {
    return table.keySet();
  }

  Optional<VirtualServerStatus> get(VirtualServerKey key) {
    Entry e = table.get(key);
    if (e == null) {
      return Optional.empty();
    }
    List<RealServerStatus> reals = new ArrayList<>();
    for (RealServer r : e.reals.values()) {
      reals.add(new RealServerStatus(r, 0, 0, 0, Stats.ZERO));
    }
    return Optional.of(new VirtualServerStatus(e.server, Stats.ZERO, reals));
  }

  void applied(IpvsOperation op) {
    if (op instanceof IpvsOperation.AddVirtualServer a) {
      table.put(a.server().key(), new Entry(a.server()));
    } else if (op instanceof IpvsOperation.UpdateVirtualServer u) {
      Entry e = table.get(u.server().key());
      if (e != null) {
        e.server = u.server();
      }
    } else if (op instanceof IpvsOperation.DeleteVirtualServer d) {
      table.remove(d.key());
    } else if (op instanceof IpvsOperation.AddRealServer a) {
      Entry e = table.get(a.virtualServer());
      if (e != null) {
        e.reals.put(a.server().key(), a.server());
      }
    } else if (op instanceof IpvsOperation.UpdateRealServer u) {
      Entry e = table.get(u.virtualServer());
      if (e != null) {
        e.reals.put(u.server().key(), u.server());
      }
    } else if (op instanceof IpvsOperation.DeleteRealServer d) {
      Entry e = table.get(d.virtualServer());
      if (e != null) {
        e.reals.remove(d.server());
      }
    }
  }

  int virtualServerCount() {
    return table.size();
  }

  int realServerCount() {
    int n = 0;
    for (Entry e : table.values()) {
      n += e.reals.size();
    }
    return n;
  }
}
