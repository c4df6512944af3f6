package io.kipvs.daemon.proxy;

import java.util.Objects;

/** One member of one of kube-proxy's ipsets, for one address family, as ipset prints it. */
record IpsetEntry(KubeIpset set, boolean v6, String member) implements Comparable<IpsetEntry> {
  IpsetEntry {
    Objects.requireNonNull(set, "set");
    Objects.requireNonNull(member, "member");
  }

  String setName() {
    return set.setName(v6);
  }

  @Override
  public int compareTo(IpsetEntry o) {
    int c = setName().compareTo(o.setName());
    return c != 0 ? c : member.compareTo(o.member);
  }
}
