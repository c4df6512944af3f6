package io.kipvs.ipvs;

import io.kipvs.netlink.NetlinkOptions;
import io.kipvs.xtables.LegacyTables;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs in a node holding a large IPVS table: times, in one JVM and interleaved, the reads of a
 * light resync (the dump of every virtual server with 4 KiB dump datagrams, the old size, and with
 * the client's default, then the real servers of a tenth of them, one dump each, and the same
 * through getsockopt as a light resync reads them) and the legacy iptables summaries it reads. Wall
 * time, this thread's CPU and system calls, one line per read. In this package for {@link
 * GenericNetlinkIpvsClient#open(NetlinkOptions)}.
 */
public final class ResyncReadProbe {
  private ResyncReadProbe() {}

  private static long cpu() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  public static void main(String[] args) throws Exception {
    int rounds = Integer.parseInt(args[1]);
    StringBuilder out = new StringBuilder();
    NetlinkOptions d = NetlinkOptions.defaults();
    NetlinkOptions small =
        new NetlinkOptions(
            d.sendBufferBytes(),
            d.receiveAreaBytes(),
            d.kernelSendBufferBytes(),
            d.kernelReceiveBufferBytes(),
            d.timeout(),
            4096);
    for (int round = 0; round < rounds; round++) {
      for (NetlinkOptions o : List.of(small, d)) {
        try (IpvsClient c = GenericNetlinkIpvsClient.open(o)) {
          String slot = (o.replySlotBytes() / 1024) + " KiB";
          long wall = System.nanoTime();
          long cpu = cpu();
          long calls = c.systemCalls().orElse(0);
          List<VirtualServerStatus> all = c.virtualServers();
          out.append(
              line(round, "virtual servers, " + slot + " slots", all.size(), wall, cpu, c, calls));
          wall = System.nanoTime();
          cpu = cpu();
          calls = c.systemCalls().orElse(0);
          int reals = 0;
          for (int i = round % 10; i < all.size(); i += 10) {
            reals += c.realServers(all.get(i).server().key()).size();
          }
          out.append(
              line(
                  round,
                  "real servers of a tenth, " + slot + " slots",
                  reals,
                  wall,
                  cpu,
                  c,
                  calls));
          if (o == d) {
            // The same dump without decoding the counters, as a resync reads it now.
            wall = System.nanoTime();
            cpu = cpu();
            calls = c.systemCalls().orElse(0);
            int table = c.virtualServerTable().size();
            out.append(
                line(
                    round,
                    "virtual servers without counters, " + slot + " slots",
                    table,
                    wall,
                    cpu,
                    c,
                    calls));
            // The same tenth through getsockopt, as a light resync reads it now.
            wall = System.nanoTime();
            cpu = cpu();
            calls = c.systemCalls().orElse(0);
            reals = 0;
            for (int i = round % 10; i < all.size(); i += 10) {
              reals += c.realServersBrief(all.get(i).server().key()).size();
            }
            out.append(
                line(round, "real servers of a tenth, getsockopt", reals, wall, cpu, c, calls));
          }
        }
      }
      // What one system call costs here: in a user-mode-linux node a clock read is one too.
      long clockWall = System.nanoTime();
      long clockCpu = cpu();
      for (int i = 0; i < 1000; i++) {
        System.nanoTime();
      }
      out.append(
          String.format(
              "round %d: 1000 clock reads: wall %d ms, CPU %d ms%n",
              round, (System.nanoTime() - clockWall) / 1_000_000, (cpu() - clockCpu) / 1_000_000));
      for (boolean v6 : List.of(false, true)) {
        long wall = System.nanoTime();
        long cpu = cpu();
        int found = 0;
        for (String table : List.of("nat", "filter")) {
          found += LegacyTables.summary(v6, table).isPresent() ? 1 : 0;
        }
        out.append(
            String.format(
                "round %d: %s legacy summaries (nat, filter; %d found): wall %d ms, CPU %d ms%n",
                round,
                v6 ? "IPv6" : "IPv4",
                found,
                (System.nanoTime() - wall) / 1_000_000,
                (cpu() - cpu) / 1_000_000));
      }
    }
    Files.writeString(Path.of(args[0]), out.toString());
  }

  private static String line(
      int round, String what, int count, long wall, long cpu, IpvsClient c, long calls) {
    return String.format(
        "round %d: %s (%d): wall %d ms, CPU %d ms, %d system calls%n",
        round,
        what,
        count,
        (System.nanoTime() - wall) / 1_000_000,
        (cpu() - cpu) / 1_000_000,
        c.systemCalls().orElse(0) - calls);
  }
}
