package io.kipvs.e2e.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ./kipvs ipvs list} in a node prints what ipvsadm prints. Needs the daemon's shaded jar,
 * which the reactor builds before this module's tests.
 */
class IpvsListNodeTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();
  private static final Path ROOT = findRoot();

  static Node node;

  @BeforeAll
  static void boot() throws Exception {
    assertThat(ROOT.resolve("daemon/target/daemon-0.1.0-SNAPSHOT-all.jar"))
        .as("the daemon's shaded jar: build with mvn -pl e2e -am verify (or mvn package)")
        .exists();
    node = testbed.startNode(NodeOptions.named("nlls1"));
    node.run("modprobe -d /run/mods ip_vs_pe_sip");
    RuleSet rules =
        RuleSet.covering(List.of("rr", "wrr", "lc", "wlc", "sh", "mh", "dh", "sed", "nq"));
    Files.writeString(node.outputDir().resolve("restore.txt"), rules.restoreText());
    node.run("ipvsadm -R < " + Node.OUTPUT_DIR_IN_NODE + "/restore.txt");
  }

  private static Path findRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("kipvs"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no kipvs launcher above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  private static String launcher(String args) {
    // The launcher's own JVM options would be the user's; pass the kit's quick-start ones.
    return node.run(
        "KIPVS_JAVA_OPTS='-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' "
            + ROOT.resolve("kipvs")
            + " "
            + args,
        Duration.ofSeconds(120));
  }

  @Test
  void listPrintsWhatIpvsadmSaves() {
    assertThat(launcher("ipvs list")).isEqualTo(node.run("ipvsadm -Sn"));
  }

  @Test
  void listWithStatsPrintsWhatIpvsadmListsWithStats() {
    node.run("ipvsadm -Z");
    assertThat(launcher("ipvs list --stats")).isEqualTo(node.run("ipvsadm -Ln --stats"));
  }

  @Test
  void unknownArgumentsAreRefused() {
    var result = node.exec(ROOT.resolve("kipvs") + " ipvs list --bogus");
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr()).contains("unknown argument: --bogus");
  }
}
