package io.kipvs.e2e.netlink;

import io.kipvs.ipvs.AddressFamily;
import io.kipvs.ipvs.AddressText;
import io.kipvs.ipvs.BatchResult;
import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.IpvsOperation;
import io.kipvs.ipvs.IpvsTimeouts;
import io.kipvs.ipvs.NetlinkException;
import io.kipvs.ipvs.OperationResult;
import io.kipvs.ipvs.Protocol;
import io.kipvs.ipvs.RealServer;
import io.kipvs.ipvs.RealServerKey;
import io.kipvs.ipvs.RealServerSettings;
import io.kipvs.ipvs.RealServerStatus;
import io.kipvs.ipvs.VirtualServer;
import io.kipvs.ipvs.VirtualServerKey;
import io.kipvs.ipvs.VirtualServerSettings;
import io.kipvs.ipvs.VirtualServerStatus;
import io.kipvs.ipvs.tool.IpvsadmFormat;
import io.kipvs.rtnl.AddressOperation;
import io.kipvs.rtnl.AddressResult;
import io.kipvs.rtnl.Link;
import io.kipvs.rtnl.LinkAddress;
import io.kipvs.rtnl.RouteNetlinkClient;
import io.kipvs.xtables.LegacyTables;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs inside a node: drives our clients and writes what it sees into files of the node's output
 * folder, for the tests on the host to compare with ipvsadm and ip.
 *
 * <p>Commands: {@code apply OUT SCHED...}, {@code read OUT}, {@code errors OUT}, {@code misc OUT},
 * {@code open OUT}, {@code rtnl OUT}, {@code bench-write SERVICES REALS OUT RULES}, {@code
 * bench-read OUT}.
 */
public final class NetlinkProbe {
  private NetlinkProbe() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Path out = Path.of(args[1]);
    String result =
        switch (args[0]) {
          case "apply" -> apply(Arrays.asList(args).subList(2, args.length));
          case "read" -> read();
          case "brief" -> brief();
          case "errors" -> errors();
          case "misc" -> misc();
          case "open" -> open();
          case "flush" -> flush();
          case "rtnl" -> rtnl(args[2]);
          case "bench-write" ->
              benchWrite(Integer.parseInt(args[2]), Integer.parseInt(args[3]), Path.of(args[4]));
          case "bench-read" -> benchRead();
          case "concurrent" -> concurrent();
          case "xtables" -> xtables(args[2]);
          default -> throw new IllegalArgumentException("unknown command " + args[0]);
        };
    Files.writeString(out, result);
  }

  /** The legacy table's summary as "entries|size|hooks|underflows", or "none". */
  private static String xtables(String table) {
    return LegacyTables.summary(table.startsWith("6:"), table.replaceFirst("^6:", ""))
        .map(s -> s.entries() + "|" + s.size() + "|" + s.hookEntries() + "|" + s.underflows())
        .orElse("none");
  }

  /** Writes the covering rule set with one batch; reports failures and system calls. */
  private static String apply(List<String> schedulers) {
    RuleSet rules = RuleSet.covering(schedulers);
    try (IpvsClient client = IpvsClient.open()) {
      long before = client.systemCalls().orElseThrow();
      BatchResult result = client.apply(rules.additions());
      long calls = client.systemCalls().orElseThrow() - before;
      StringBuilder text = new StringBuilder();
      text.append("operations ").append(result.results().size()).append('\n');
      text.append("syscalls ").append(calls).append('\n');
      for (OperationResult failure : result.failures()) {
        text.append("FAILED ").append(failure.error().orElseThrow().getMessage()).append('\n');
      }
      return text.toString();
    }
  }

  /** The table: our ipvsadm -S text, then "--", then the canonical model text. */
  private static String read() {
    try (IpvsClient client = IpvsClient.open()) {
      List<VirtualServerStatus> table = client.dumpAll();
      List<RuleSet.Entry> entries = new ArrayList<>();
      for (VirtualServerStatus s : table) {
        entries.add(
            new RuleSet.Entry(
                s.server(), s.realServers().stream().map(RealServerStatus::server).toList()));
      }
      return IpvsadmFormat.save(table) + "--\n" + RuleSet.canonical(entries);
    }
  }

  /**
   * The brief read (getsockopt for IPv4) against the netlink dump of every virtual server in the
   * table, after adding one with 40 real servers (more than the brief read's first buffer holds):
   * "compared N", one "mismatch ..." line per difference in what a resync compares, and the errno
   * of a brief read of a missing virtual server.
   */
  private static String brief() {
    StringBuilder out = new StringBuilder();
    try (IpvsClient client = IpvsClient.open()) {
      var wide = new VirtualServerKey.Address(Protocol.TCP, RuleSet.ip("10.97.1.1"), 80);
      List<IpvsOperation> ops = new ArrayList<>();
      ops.add(
          new IpvsOperation.AddVirtualServer(
              new VirtualServer(wide, VirtualServerSettings.of("rr", AddressFamily.INET))));
      for (int i = 1; i <= 40; i++) {
        ops.add(
            new IpvsOperation.AddRealServer(
                wide, RuleSet.real("10.244.7." + i, 8000 + i, RealServerSettings.masquerade(i))));
      }
      for (OperationResult r : client.apply(ops).results()) {
        if (!r.succeeded()) {
          out.append("FAILED ").append(r).append('\n');
        }
      }
      int compared = 0;
      for (VirtualServerStatus s : client.virtualServers()) {
        VirtualServerKey key = s.server().key();
        if (key.family() != AddressFamily.INET) {
          continue;
        }
        compared++;
        List<String> full = new ArrayList<>();
        for (RealServerStatus r : client.realServers(key)) {
          if (AddressFamily.of(r.server().key().address()) == AddressFamily.INET) {
            full.add(compared(r));
          }
        }
        List<String> brief =
            client.realServersBrief(key).stream().map(NetlinkProbe::compared).toList();
        if (!full.equals(brief)) {
          out.append("mismatch ")
              .append(key)
              .append(": ")
              .append(full)
              .append(" vs ")
              .append(brief);
          out.append('\n');
        }
        if (key.equals(wide)) {
          out.append("wide ").append(brief.size()).append('\n');
        }
      }
      out.append("compared ").append(compared).append('\n');
      // The table without counters is the same dump: the same virtual servers, in the same order.
      List<VirtualServer> table = client.virtualServerTable();
      List<VirtualServer> dumped =
          client.virtualServers().stream().map(VirtualServerStatus::server).toList();
      if (!table.equals(dumped)) {
        out.append("table mismatch ").append(table).append(" vs ").append(dumped).append('\n');
      }
      out.append("table ").append(table.size()).append('\n');
      long calls = client.systemCalls().orElse(-1);
      try {
        client.realServersBrief(
            new VirtualServerKey.Address(Protocol.TCP, RuleSet.ip("10.97.1.2"), 80));
        out.append("missing no error\n");
      } catch (NetlinkException e) {
        out.append("missing errno ").append(e.errno()).append('\n');
      }
      out.append("missing-calls ").append(client.systemCalls().orElse(-1) - calls).append('\n');
    }
    return out.toString();
  }

  /** What a resync compares of a real server, with its connection counts. */
  private static String compared(RealServerStatus r) {
    var s = r.server().settings();
    return AddressText.of(r.server().key().address())
        + ":"
        + r.server().key().port()
        + " "
        + s.forwarding()
        + " "
        + s.weight()
        + " "
        + s.upperThreshold()
        + " "
        + s.lowerThreshold()
        + " "
        + r.activeConnections()
        + "/"
        + r.inactiveConnections()
        + "/"
        + r.persistentConnections();
  }

  /** Each refused request as "case|errno|message". */
  private static String errors() {
    var tcp = new VirtualServerKey.Address(Protocol.TCP, RuleSet.ip("10.97.0.1"), 80);
    var missing = new VirtualServerKey.Address(Protocol.TCP, RuleSet.ip("10.97.0.2"), 80);
    List<IpvsOperation> ops =
        List.of(
            new IpvsOperation.AddVirtualServer(
                new VirtualServer(tcp, VirtualServerSettings.of("rr", AddressFamily.INET))),
            new IpvsOperation.AddVirtualServer(
                new VirtualServer(
                    new VirtualServerKey.Address(Protocol.TCP, RuleSet.ip("10.97.0.3"), 80),
                    VirtualServerSettings.of("nosuchsched", AddressFamily.INET))),
            new IpvsOperation.AddVirtualServer(
                new VirtualServer(tcp, VirtualServerSettings.of("wrr", AddressFamily.INET))),
            new IpvsOperation.AddRealServer(
                missing, RuleSet.real("10.244.9.1", 80, RealServerSettings.masquerade(1))),
            new IpvsOperation.AddRealServer(
                tcp, RuleSet.real("fd00:244::77", 80, RealServerSettings.masquerade(1))),
            new IpvsOperation.AddRealServer(
                tcp, RuleSet.real("10.244.9.2", 80, RealServerSettings.masquerade(1))));
    String[] names = {
      "ok-service",
      "unknown-scheduler",
      "duplicate-service",
      "real-server-of-missing-service",
      "ipv6-real-on-ipv4-nat",
      "ok-real"
    };
    try (IpvsClient client = IpvsClient.open()) {
      BatchResult result = client.apply(ops);
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < ops.size(); i++) {
        OperationResult r = result.results().get(i);
        text.append(names[i]).append('|');
        text.append(r.error().map(e -> e.errno() + "|" + e.getMessage()).orElse("0|ok"));
        text.append('\n');
      }
      try {
        client.addVirtualServer(
            new VirtualServer(tcp, VirtualServerSettings.of("rr", AddressFamily.INET)));
        text.append("single-duplicate|0|ok\n");
      } catch (NetlinkException e) {
        text.append("single-duplicate|")
            .append(e.errno())
            .append('|')
            .append(e.getMessage())
            .append('\n');
      }
      client.deleteVirtualServer(tcp);
      return text.toString();
    }
  }

  /** Info, timeouts, get, update, delete, zero, flush: one "name|value" line each. */
  private static String misc() {
    var key = new VirtualServerKey.Address(Protocol.UDP, RuleSet.ip("10.98.0.1"), 53);
    StringBuilder text = new StringBuilder();
    try (IpvsClient client = IpvsClient.open()) {
      text.append("version|").append(client.info().versionString()).append('\n');
      text.append("size|").append(client.info().connectionTableSize()).append('\n');
      IpvsTimeouts original = client.timeouts();
      client.setTimeouts(new IpvsTimeouts(901, 121, 301));
      text.append("timeouts|").append(client.timeouts()).append('\n');
      client.setTimeouts(original);
      client.addVirtualServer(
          new VirtualServer(key, VirtualServerSettings.of("rr", AddressFamily.INET)));
      client.updateVirtualServer(
          new VirtualServer(
              key, VirtualServerSettings.of("wrr", AddressFamily.INET).withPersistence(77)));
      text.append("get|").append(client.virtualServer(key).orElseThrow().server()).append('\n');
      RealServer real = RuleSet.real("10.244.8.1", 53, RealServerSettings.masquerade(1));
      client.addRealServer(key, real);
      client.updateRealServer(key, new RealServer(real.key(), real.settings().withWeight(0)));
      text.append("reals|")
          .append(client.realServers(key).stream().map(RealServerStatus::server).toList())
          .append('\n');
      client.zero();
      client.deleteRealServer(key, new RealServerKey(real.key().address(), 53));
      text.append("reals-after-delete|").append(client.realServers(key)).append('\n');
      client.deleteVirtualServer(key);
      text.append("get-after-delete|").append(client.virtualServer(key)).append('\n');
    }
    return text.toString();
  }

  private static String open() {
    try (IpvsClient client = IpvsClient.open()) {
      return "opened " + client.info().versionString();
    } catch (NetlinkException e) {
      return e.getClass().getSimpleName() + "|" + e.getMessage();
    }
  }

  /** Flushes the table: "flushed", or the exception's errno and message. */
  private static String flush() {
    try (IpvsClient client = IpvsClient.open()) {
      client.flush();
      return "flushed";
    } catch (NetlinkException e) {
      return e.errno() + "|" + e.getMessage();
    }
  }

  static final int BATCH_ADDRESSES = 2000;

  /** 10.97.0.0 + i. */
  static InetAddress batchAddress(int i) {
    try {
      return InetAddress.getByAddress(new byte[] {10, 97, (byte) (i >> 8), (byte) i});
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** "applied|N" and, per refused change, "failed|INDEX|ERRNO|MESSAGE". */
  private static void appendResults(StringBuilder text, List<AddressResult> results) {
    text.append("applied|").append(results.size()).append('\n');
    for (int i = 0; i < results.size(); i++) {
      int index = i;
      results
          .get(i)
          .error()
          .ifPresent(
              e ->
                  text.append("failed|")
                      .append(index)
                      .append('|')
                      .append(e.errno())
                      .append('|')
                      .append(e.getMessage())
                      .append('\n'));
    }
  }

  /** Steps on kube-ipvs0, each followed by "ADDRS" and our view of its addresses. */
  private static String rtnl(String step) {
    try (RouteNetlinkClient client = RouteNetlinkClient.open()) {
      StringBuilder text = new StringBuilder();
      switch (step) {
        case "create" -> {
          text.append("before|").append(client.findLink("kube-ipvs0")).append('\n');
          Link link = client.createDummyLink("kube-ipvs0");
          text.append("created|").append(link).append('\n');
          client.addAddress(link.index(), RuleSet.ip("10.96.0.10"), 32);
          client.addAddress(link.index(), RuleSet.ip("10.96.0.11"), 32);
          client.addAddress(link.index(), RuleSet.ip("10.96.0.11"), 32);
          client.addAddress(link.index(), RuleSet.ip("fd00:96::10"), 128);
          client.addAddress(link.index(), RuleSet.ip("fd00:96::11"), 128);
        }
        case "remove" -> {
          Link link = client.findLink("kube-ipvs0").orElseThrow();
          client.deleteAddress(link.index(), RuleSet.ip("10.96.0.11"), 32);
          client.deleteAddress(link.index(), RuleSet.ip("fd00:96::11"), 128);
        }
        case "batch" -> {
          // One apply: many adds, a delete, and two changes the kernel refuses.
          Link link = client.findLink("kube-ipvs0").orElseThrow();
          List<AddressOperation> ops = new ArrayList<>();
          for (int i = 0; i < BATCH_ADDRESSES; i++) {
            ops.add(new AddressOperation.Add(link.index(), batchAddress(i), 32));
          }
          ops.add(new AddressOperation.Add(link.index(), RuleSet.ip("fd00:97::1"), 128));
          ops.add(new AddressOperation.Delete(link.index(), RuleSet.ip("10.96.0.10"), 32));
          ops.add(new AddressOperation.Delete(link.index(), RuleSet.ip("10.96.0.99"), 32));
          ops.add(new AddressOperation.Add(999_999, RuleSet.ip("10.96.0.98"), 32));
          appendResults(text, client.apply(ops));
        }
        case "batch-remove" -> {
          Link link = client.findLink("kube-ipvs0").orElseThrow();
          List<AddressOperation> ops = new ArrayList<>();
          for (int i = 0; i < BATCH_ADDRESSES; i++) {
            ops.add(new AddressOperation.Delete(link.index(), batchAddress(i), 32));
          }
          ops.add(new AddressOperation.Delete(link.index(), RuleSet.ip("fd00:97::1"), 128));
          appendResults(text, client.apply(ops));
        }
        case "delete" -> {
          Link link = client.findLink("kube-ipvs0").orElseThrow();
          client.deleteLink(link.index());
          text.append("after|").append(client.findLink("kube-ipvs0")).append('\n');
          return text.toString();
        }
        default -> throw new IllegalArgumentException(step);
      }
      Link link = client.findLink("kube-ipvs0").orElseThrow();
      text.append("link|").append(link).append('\n');
      text.append("listed|").append(client.links().contains(link)).append('\n');
      for (LinkAddress a : client.addresses(link.index())) {
        text.append("addr|")
            .append(AddressText.of(a.address()))
            .append('/')
            .append(a.prefixLength())
            .append('\n');
      }
      text.append("all-has-loopback|")
          .append(client.allAddresses().stream().anyMatch(a -> a.address().isLoopbackAddress()))
          .append('\n');
      return text.toString();
    }
  }

  /** Writes SERVICES x REALS from empty with one apply; also writes the same as ipvsadm rules. */
  private static String benchWrite(int services, int reals, Path rules) throws IOException {
    List<IpvsOperation> ops = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (int s = 0; s < services; s++) {
      var key =
          new VirtualServerKey.Address(
              Protocol.TCP, RuleSet.ip("10.96." + (s / 256) + "." + (s % 256)), 80);
      var server = new VirtualServer(key, VirtualServerSettings.of("rr", AddressFamily.INET));
      ops.add(new IpvsOperation.AddVirtualServer(server));
      text.append("-A -t ").append(key.address().getHostAddress()).append(":80 -s rr\n");
      for (int r = 0; r < reals; r++) {
        String address = "10." + (200 + r) + "." + (s / 256) + "." + (s % 256);
        ops.add(
            new IpvsOperation.AddRealServer(
                key, RuleSet.real(address, 8080, RealServerSettings.masquerade(1))));
        text.append("-a -t ")
            .append(key.address().getHostAddress())
            .append(":80 -r ")
            .append(address)
            .append(":8080 -m -w 1\n");
      }
    }
    Files.writeString(rules, text);
    try (IpvsClient client = IpvsClient.open()) {
      long calls = client.systemCalls().orElseThrow();
      long start = System.nanoTime();
      BatchResult result = client.apply(ops);
      long nanos = System.nanoTime() - start;
      return "write_seconds "
          + nanos / 1e9
          + "\noperations "
          + ops.size()
          + "\nfailures "
          + result.failures().size()
          + "\nsyscalls "
          + (client.systemCalls().orElseThrow() - calls)
          + "\n";
    }
  }

  /**
   * A sync loop (batches of adds and deletes) and a drain loop (weight updates, dumps) at once:
   * first sharing one client from two threads, then with a client each. Reports per phase whether
   * both loops finished their rounds and how many operations failed.
   */
  private static String concurrent() throws InterruptedException {
    StringBuilder text = new StringBuilder();
    try (IpvsClient shared = IpvsClient.open()) {
      text.append("shared|").append(runLoops(shared, shared)).append('\n');
    }
    try (IpvsClient sync = IpvsClient.open();
        IpvsClient drain = IpvsClient.open()) {
      text.append("separate|").append(runLoops(sync, drain)).append('\n');
    }
    return text.toString();
  }

  private static String runLoops(IpvsClient sync, IpvsClient drain) throws InterruptedException {
    int rounds = 30;
    var failures = new java.util.concurrent.atomic.AtomicInteger();
    var drainKey = new VirtualServerKey.Address(Protocol.TCP, RuleSet.ip("10.99.0.1"), 80);
    var drainReal = RuleSet.real("10.244.7.1", 80, RealServerSettings.masquerade(1));
    sync.addVirtualServer(
        new VirtualServer(drainKey, VirtualServerSettings.of("rr", AddressFamily.INET)));
    sync.addRealServer(drainKey, drainReal);
    Thread syncLoop =
        new Thread(
            () -> {
              for (int round = 0; round < rounds; round++) {
                List<IpvsOperation> add = new ArrayList<>();
                List<IpvsOperation> delete = new ArrayList<>();
                for (int s = 0; s < 50; s++) {
                  var key =
                      new VirtualServerKey.Address(
                          Protocol.TCP, RuleSet.ip("10.98." + round + "." + s), 80);
                  add.add(
                      new IpvsOperation.AddVirtualServer(
                          new VirtualServer(
                              key, VirtualServerSettings.of("rr", AddressFamily.INET))));
                  add.add(
                      new IpvsOperation.AddRealServer(
                          key,
                          RuleSet.real("10.244.6." + s, 80, RealServerSettings.masquerade(1))));
                  delete.add(new IpvsOperation.DeleteVirtualServer(key));
                }
                failures.addAndGet(sync.apply(add).failures().size());
                failures.addAndGet(sync.apply(delete).failures().size());
              }
            });
    Thread drainLoop =
        new Thread(
            () -> {
              for (int round = 0; round < rounds; round++) {
                drain.updateRealServer(
                    drainKey,
                    new RealServer(drainReal.key(), drainReal.settings().withWeight(round % 2)));
                drain.dumpAll();
              }
            });
    syncLoop.start();
    drainLoop.start();
    syncLoop.join(120_000);
    drainLoop.join(120_000);
    boolean finished = !syncLoop.isAlive() && !drainLoop.isAlive();
    if (finished) {
      sync.deleteVirtualServer(drainKey);
    }
    return "finished="
        + finished
        + " failures="
        + failures.get()
        + " left="
        + (finished ? sync.virtualServers().size() : -1);
  }

  /** Reads the whole table three times in this JVM: the first read, then two warm ones. */
  private static String benchRead() {
    StringBuilder text = new StringBuilder();
    try (IpvsClient client = IpvsClient.open()) {
      for (int i = 1; i <= 3; i++) {
        long calls = client.systemCalls().orElseThrow();
        long start = System.nanoTime();
        List<VirtualServerStatus> table = client.dumpAll();
        long nanos = System.nanoTime() - start;
        int reals = table.stream().mapToInt(t -> t.realServers().size()).sum();
        text.append("read").append(i).append("_seconds ").append(nanos / 1e9).append('\n');
        text.append("read").append(i).append("_services ").append(table.size()).append('\n');
        text.append("read").append(i).append("_reals ").append(reals).append('\n');
        text.append("read")
            .append(i)
            .append("_syscalls ")
            .append(client.systemCalls().orElseThrow() - calls)
            .append('\n');
      }
    }
    return text.toString();
  }
}
