package io.kipvs.xtables;

import io.kipvs.ipvs.NetlinkException;
import io.kipvs.netlink.RawSockets;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the summary of a legacy iptables/ip6tables table straight from the kernel ({@code
 * IPT_SO_GET_INFO} / {@code IP6T_SO_GET_INFO} on a raw socket): one system call instead of an
 * {@code iptables-save} process. Needs CAP_NET_ADMIN. Thread safe (a socket per call).
 */
public final class LegacyTables {
  private static final int AF_INET = 2;
  private static final int AF_INET6 = 10;
  private static final int SOL_IP = 0;
  private static final int SOL_IPV6 = 41;

  /** IPT_SO_GET_INFO and IP6T_SO_GET_INFO: IPT_BASE_CTL (64) + 0. */
  private static final int SO_GET_INFO = 64;

  private static final int NAME_LENGTH = 32;
  private static final int HOOKS = 5;

  /** struct ipt_getinfo (ip6t_getinfo is the same): name, valid_hooks, 2 x 5 offsets, 2 counts. */
  static final int GETINFO_LENGTH = NAME_LENGTH + 4 + 4 * HOOKS * 2 + 4 + 4;

  private static final int ENOENT = 2;

  private LegacyTables() {}

  /**
   * The table's summary, or empty when the kernel has no such legacy table (ENOENT).
   *
   * @param v6 ip6tables' table rather than iptables'
   * @param table "nat", "filter", ...
   * @throws NetlinkException naming the table on any other failure (EPERM without CAP_NET_ADMIN)
   */
  public static Optional<TableSummary> summary(boolean v6, String table) {
    ByteBuffer b = RawSockets.buffer(GETINFO_LENGTH);
    byte[] name = table.getBytes(StandardCharsets.US_ASCII);
    if (name.length >= NAME_LENGTH) {
      throw new IllegalArgumentException("table name too long: " + table);
    }
    b.put(0, name);
    String what = (v6 ? "IP6T_SO_GET_INFO " : "IPT_SO_GET_INFO ") + table;
    try {
      RawSockets.getsockopt(v6 ? AF_INET6 : AF_INET, v6 ? SOL_IPV6 : SOL_IP, SO_GET_INFO, b, what);
    } catch (NetlinkException e) {
      if (e.errno() == ENOENT) {
        return Optional.empty();
      }
      throw e;
    }
    return Optional.of(decode(table, b));
  }

  /** Decodes a struct ipt_getinfo in native byte order. */
  static TableSummary decode(String table, ByteBuffer b) {
    List<Integer> hooks = new ArrayList<>(HOOKS);
    List<Integer> underflows = new ArrayList<>(HOOKS);
    int offset = NAME_LENGTH + 4;
    for (int i = 0; i < HOOKS; i++) {
      hooks.add(b.getInt(offset + 4 * i));
      underflows.add(b.getInt(offset + 4 * (HOOKS + i)));
    }
    int counts = offset + 4 * HOOKS * 2;
    return new TableSummary(table, hooks, underflows, b.getInt(counts), b.getInt(counts + 4));
  }
}
