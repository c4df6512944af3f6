package io.kipvs.e2e.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.testbed.JavaProcess;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.TestbedExtension;
import io.kipvs.ipvs.tool.IpvsadmFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Our IPVS client against a real kernel: what it writes reads back identically through ipvsadm,
 * what ipvsadm writes reads back identically through it, and the kernel's refusals carry clear
 * messages.
 */
class IpvsClientNodeTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();
  private static final Duration JVM_DEADLINE = Duration.ofSeconds(120);

  static Node node;
  static List<String> schedulers;
  static RuleSet rules;

  @BeforeAll
  static void boot() {
    node = testbed.startNode(NodeOptions.named("nl1"));
    // The persistence engine is not among the modules the kit loads.
    node.run("modprobe -d /run/mods ip_vs_pe_sip");
    schedulers = new ArrayList<>();
    for (String module :
        node.run("ls /usr/lib/uml/modules/$(uname -r)/kernel/net/netfilter/ipvs/").split("\\s+")) {
      String name = module.replace(".ko", "");
      if (name.startsWith("ip_vs_") && !name.equals("ip_vs_ftp") && !name.startsWith("ip_vs_pe_")) {
        schedulers.add(name.substring("ip_vs_".length()));
      }
    }
    rules = RuleSet.covering(schedulers);
  }

  @BeforeEach
  void emptyTable() {
    node.run("ipvsadm -C");
  }

  /** Runs the probe in the node and returns what it wrote. */
  static String probe(String... args) {
    String file = "probe-" + System.nanoTime() + ".txt";
    List<String> all = new ArrayList<>();
    all.add(args[0]);
    all.add(Node.OUTPUT_DIR_IN_NODE + "/" + file);
    all.addAll(List.of(args).subList(1, args.length));
    JavaProcess jvm = node.startJava(List.of(), NetlinkProbe.class.getName(), all);
    assertThat(jvm.awaitExit(JVM_DEADLINE)).as(jvm.log()).isZero();
    try {
      return Files.readString(node.outputDir().resolve(file));
    } catch (IOException e) {
      throw new AssertionError("probe wrote nothing: " + jvm.log(), e);
    }
  }

  static Map<String, String> keyValues(String text, String separator) {
    return text.lines()
        .map(l -> l.split(separator, 2))
        .collect(Collectors.toMap(p -> p[0], p -> p.length > 1 ? p[1] : ""));
  }

  @Test
  void ruleSetCoversEverySchedulerOfTheKernel() {
    assertThat(schedulers)
        .contains("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh");
  }

  @Test
  void whatWeWriteIpvsadmReadsIdentically() {
    String applied = probe(concat("apply", schedulers));

    assertThat(applied).doesNotContain("FAILED");
    Map<String, String> stats = keyValues(applied, " ");
    int operations = Integer.parseInt(stats.get("operations"));
    assertThat(operations).isEqualTo(rules.additions().size());
    // one send and one receive for the whole batch (plus nothing else)
    assertThat(Long.parseLong(stats.get("syscalls"))).isLessThanOrEqualTo(3);

    String expected = IpvsadmFormat.save(rules.asStatuses());
    assertThat(node.run("ipvsadm -Sn")).isEqualTo(expected);
    // thresholds are not in -S: compare them with ipvsadm's own thresholds listing
    String thresholds = node.run("ipvsadm -Ln --thresholds");
    assertThat(thresholds).containsPattern("-> 10\\.244\\.3\\.1:53\\s+100\\s+10\\s");
    assertThat(thresholds).containsPattern("-> 10\\.244\\.3\\.7:3868\\s+1000\\s+0\\s");
    assertThat(thresholds).containsPattern("-> \\[fd00:244::2\\]:443\\s+50\\s+5\\s");
    assertThat(thresholds).containsPattern("-> 10\\.244\\.3\\.5:53\\s+7\\s+0\\s");

    String read = probe("read");
    assertThat(read.substring(0, read.indexOf("--\n"))).isEqualTo(expected);
    assertThat(read.substring(read.indexOf("--\n") + 3)).isEqualTo(rules.canonical());
  }

  @Test
  void theBriefReadsSeeWhatTheFullDumpsSee() {
    assertThat(probe(concat("apply", schedulers))).doesNotContain("FAILED");

    String brief = probe("brief");

    assertThat(brief).doesNotContain("FAILED").doesNotContain("mismatch");
    assertThat(brief).contains("wide 40\n", "missing errno 3\n");
    // One getsockopt per read, not a netlink dump's send and receive.
    assertThat(brief).contains("missing-calls 1\n");
    assertThat(Integer.parseInt(keyValues(brief, " ").get("compared"))).isGreaterThan(5);
    assertThat(Integer.parseInt(keyValues(brief, " ").get("table")))
        .isGreaterThanOrEqualTo(Integer.parseInt(keyValues(brief, " ").get("compared")));
  }

  @Test
  void whatIpvsadmWritesWeReadIdentically() throws IOException {
    Files.writeString(node.outputDir().resolve("restore.txt"), rules.restoreText());
    node.run("ipvsadm -R < " + Node.OUTPUT_DIR_IN_NODE + "/restore.txt");

    String read = probe("read");

    String ipvsadmSave = node.run("ipvsadm -Sn");
    assertThat(read.substring(0, read.indexOf("--\n"))).isEqualTo(ipvsadmSave);
    assertThat(ipvsadmSave).isEqualTo(IpvsadmFormat.save(rules.asStatuses()));
    // the model values, thresholds and tunnel settings included
    assertThat(read.substring(read.indexOf("--\n") + 3))
        .isEqualTo(rules.asIpvsadmRestores().canonical());
  }

  @Test
  void refusalsNameTheObjectAndTheCause() {
    Map<String, String> errors = keyValues(probe("errors"), "\\|");

    assertThat(errors.get("ok-service")).isEqualTo("0|ok");
    assertThat(errors.get("ok-real")).isEqualTo("0|ok");
    assertThat(errors.get("unknown-scheduler"))
        .startsWith("2|")
        .contains("IPVS_CMD_NEW_SERVICE tcp 10.97.0.3:80")
        .contains("scheduler 'nosuchsched' not found");
    assertThat(errors.get("duplicate-service"))
        .startsWith("17|")
        .contains("tcp 10.97.0.1:80")
        .contains("already exists");
    assertThat(errors.get("single-duplicate")).startsWith("17|").contains("already exists");
    assertThat(errors.get("real-server-of-missing-service"))
        .startsWith("3|")
        .contains("IPVS_CMD_NEW_DEST tcp 10.97.0.2:80 -> 10.244.9.1:80")
        .contains("no such virtual service");
    assertThat(errors.get("ipv6-real-on-ipv4-nat"))
        .startsWith("22|")
        .contains("[fd00:244::77]:80")
        .contains("needs tunnel forwarding");
    assertThat(node.run("ipvsadm -Sn")).isEmpty();
  }

  @Test
  void infoTimeoutsUpdatesAndDeletes() {
    Map<String, String> misc = keyValues(probe("misc"), "\\|");

    assertThat(misc.get("version")).isEqualTo("1.2.1");
    assertThat(Integer.parseInt(misc.get("size"))).isPositive();
    assertThat(misc.get("timeouts"))
        .isEqualTo("IpvsTimeouts[tcpSeconds=901, tcpFinSeconds=121, udpSeconds=301]");
    assertThat(misc.get("get"))
        .contains("scheduler=wrr")
        .contains("timeoutSeconds=77")
        .contains("PERSISTENT");
    assertThat(misc.get("reals")).contains("weight=0").contains("/10.244.8.1");
    assertThat(misc.get("reals-after-delete")).isEqualTo("[]");
    assertThat(misc.get("get-after-delete")).isEqualTo("Optional.empty");
    assertThat(node.run("ipvsadm -Ln --timeout")).contains("900 120 300");
  }

  @Test
  void syncAndDrainLoopsRunAtOnceWithoutHangingEachOther() {
    Map<String, String> loops = keyValues(probe("concurrent"), "\\|");

    assertThat(loops.get("shared")).isEqualTo("finished=true failures=0 left=0");
    assertThat(loops.get("separate")).isEqualTo("finished=true failures=0 left=0");
  }

  @Test
  void withoutCapNetAdminTheErrorSaysSo() throws IOException {
    // root without CAP_NET_ADMIN: it can still read the class path, but not change IPVS
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String out = Node.OUTPUT_DIR_IN_NODE + "/eperm.txt";
    node.run(
        "setpriv --bounding-set=-net_admin --inh-caps=-net_admin "
            + java
            + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '"
            + System.getProperty("java.class.path")
            + "' "
            + NetlinkProbe.class.getName()
            + " flush "
            + out,
        JVM_DEADLINE);

    assertThat(Files.readString(node.outputDir().resolve("eperm.txt")))
        .isEqualTo(
            "1|IPVS_CMD_FLUSH: EPERM (operation not permitted) (the process needs"
                + " CAP_NET_ADMIN)");
  }

  private static String[] concat(String first, List<String> rest) {
    List<String> all = new ArrayList<>();
    all.add(first);
    all.addAll(rest);
    return all.toArray(String[]::new);
  }
}
