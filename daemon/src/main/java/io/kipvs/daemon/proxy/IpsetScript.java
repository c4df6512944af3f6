package io.kipvs.daemon.proxy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The input of one {@code ipset -exist restore}: creates every set kube-proxy's IPVS mode uses
 * (with upstream's options, so sets left by kube-proxy are adopted as they are), then the members
 * to add and to delete. Pure text generation and parsing of {@code ipset save}.
 */
final class IpsetScript {
  private IpsetScript() {}

  static String restore(
      Set<Boolean> families, Collection<IpsetEntry> add, Collection<IpsetEntry> delete) {
    StringBuilder sb = new StringBuilder();
    for (boolean v6 : List.of(false, true)) {
      if (!families.contains(v6)) {
        continue;
      }
      for (KubeIpset set : KubeIpset.values()) {
        sb.append("create ")
            .append(set.setName(v6))
            .append(' ')
            .append(set.type())
            .append(' ')
            .append(set.createOptions(v6))
            .append('\n');
      }
    }
    // Adds before deletes: a member that moves between sets is never missing from both.
    for (IpsetEntry e : add.stream().sorted().toList()) {
      sb.append("add ").append(e.setName()).append(' ').append(e.member()).append('\n');
    }
    for (IpsetEntry e : delete.stream().sorted().toList()) {
      sb.append("del ").append(e.setName()).append(' ').append(e.member()).append('\n');
    }
    return sb.toString();
  }

  /** The names of every set kube-proxy's IPVS mode uses, both families (for --cleanup). */
  static List<String> allSetNames() {
    List<String> names = new ArrayList<>();
    for (boolean v6 : List.of(false, true)) {
      for (KubeIpset set : KubeIpset.values()) {
        names.add(set.setName(v6));
      }
    }
    return names;
  }

  /** The members of kube-proxy's sets in {@code ipset save} output; other sets are ignored. */
  static Set<IpsetEntry> parseSave(String save) {
    Set<IpsetEntry> out = new HashSet<>();
    for (String line : save.split("\n")) {
      if (!line.startsWith("add ")) {
        continue;
      }
      String[] parts = line.trim().split("\\s+");
      if (parts.length < 3) {
        continue;
      }
      for (KubeIpset set : KubeIpset.values()) {
        for (boolean v6 : List.of(false, true)) {
          if (set.setName(v6).equals(parts[1])) {
            out.add(new IpsetEntry(set, v6, parts[2]));
          }
        }
      }
    }
    return out;
  }
}
