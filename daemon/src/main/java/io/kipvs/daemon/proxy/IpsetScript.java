package io.kipvs.daemon.proxy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
      sb.append("add ").append(e.setName()).append(' ').append(restoreMember(e)).append('\n');
    }
    for (IpsetEntry e : delete.stream().sorted().toList()) {
      sb.append("del ").append(e.setName()).append(' ').append(restoreMember(e)).append('\n');
    }
    return sb.toString();
  }

  /**
   * The member as the restore input gives it: the protocol of an "ip,proto:port" member by number.
   * ipset looks a protocol name up in /etc/protocols for every member it reads (about seven system
   * calls each, costly in a UML node at 10,000 members); a number needs no lookup. {@code ipset
   * save} prints the name again, which is the form {@link IpsetEntry} keeps.
   */
  static String restoreMember(IpsetEntry e) {
    String m = e.member();
    int comma = m.indexOf(',');
    if (comma < 0) {
      return m;
    }
    int colon = m.indexOf(':', comma);
    if (colon < 0) {
      return m;
    }
    String number =
        switch (m.substring(comma + 1, colon)) {
          case "tcp" -> "6";
          case "udp" -> "17";
          case "sctp" -> "132";
          default -> null;
        };
    return number == null ? m : m.substring(0, comma + 1) + number + m.substring(colon);
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

  /**
   * Set name to number of members, from {@code ipset list -terse} (headers only). A set whose
   * header has no "Number of entries" line (ipset before 6.30) is left out.
   */
  static Map<String, Integer> parseTerse(String list) {
    Map<String, Integer> sizes = new HashMap<>();
    String name = null;
    for (String line : list.split("\n")) {
      if (line.startsWith("Name: ")) {
        name = line.substring("Name: ".length()).strip();
      } else if (line.startsWith("Number of entries: ") && name != null) {
        sizes.put(name, Integer.parseInt(line.substring("Number of entries: ".length()).strip()));
      }
    }
    return sizes;
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
