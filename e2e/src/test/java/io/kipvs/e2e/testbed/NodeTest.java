package io.kipvs.e2e.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One node with IPVS, shared by all tests of this class. */
class NodeTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  static Node node;

  @BeforeAll
  static void boot() {
    node = testbed.startNode("n1");
  }

  @Test
  void ipvsadmAnswers() {
    ExecResult result = node.exec("ipvsadm -Ln");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.stdout()).contains("IP Virtual Server version");
  }

  @Test
  void loadsIpvsSchedulersIpsetTypesAndNetfilterModules() {
    String modules = node.run("cut -d' ' -f1 /proc/modules");

    assertThat(modules.lines())
        .contains(
            "ip_vs",
            "ip_vs_rr",
            "ip_vs_wrr",
            "ip_vs_lc",
            "ip_vs_wlc",
            "ip_vs_lblc",
            "ip_vs_lblcr",
            "ip_vs_dh",
            "ip_vs_sh",
            "ip_vs_sed",
            "ip_vs_nq",
            "ip_vs_fo",
            "ip_vs_ovf",
            "ip_vs_mh",
            "dummy",
            "veth",
            "nf_conntrack",
            "ip_set",
            "ip_set_hash_ip",
            "ip_set_hash_ipport",
            "ip_set_hash_ipportip",
            "ip_set_hash_ipportnet",
            "ip_set_hash_net",
            "ip_set_bitmap_port",
            "iptable_nat",
            "iptable_filter",
            "iptable_mangle",
            "xt_set",
            "xt_mark",
            "xt_comment",
            "xt_conntrack",
            "xt_MASQUERADE",
            "xt_addrtype",
            "xt_ipvs");
  }

  @Test
  void iptablesIsTheLegacyBackendAndItsNatTableWorks() {
    assertThat(node.run("iptables -V")).contains("legacy");
    assertThat(node.run("ip6tables-save -V")).contains("legacy");

    node.run("iptables -t nat -N KIT-TEST && iptables -t nat -A KIT-TEST -j RETURN");
    assertThat(node.run("iptables-save -t nat")).contains("-A KIT-TEST -j RETURN");
    node.run("iptables -t nat -F KIT-TEST && iptables -t nat -X KIT-TEST");
  }

  @Test
  void ipsetTypesThatKubeProxyUsesCanBeCreated() {
    node.run(
        """
        ipset create kit-a hash:ip,port
        ipset create kit-b hash:ip,port,ip
        ipset create kit-c hash:ip,port,net
        ipset create kit-d hash:net
        ipset create kit-e bitmap:port range 0-65535
        ipset destroy kit-a; ipset destroy kit-b; ipset destroy kit-c
        ipset destroy kit-d; ipset destroy kit-e
        """);
  }

  @Test
  void execReportsExitCodeStdoutAndStderr() {
    ExecResult result = node.exec("echo out; echo err >&2; exit 3");

    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.stdout()).isEqualTo("out\n");
    assertThat(result.stderr()).isEqualTo("err\n");
  }

  @Test
  void outputThatIsNotUtf8IsDecodedLeniently() {
    ExecResult result = node.exec("printf 'a\\377b'");

    assertThat(result.stdout()).isEqualTo("a\uFFFDb");
  }

  @Test
  void runFailsWithTheCommandAndItsOutput() {
    assertThatThrownBy(() -> node.run("echo boom >&2; false"))
        .isInstanceOf(NodeCommandException.class)
        .hasMessageContaining("n1")
        .hasMessageContaining("boom")
        .hasMessageContaining("exit 1");
  }

  @Test
  void aHungCommandFailsAtItsDeadline() {
    long start = System.nanoTime();

    assertThatThrownBy(() -> node.exec("echo started; sleep 60", Duration.ofSeconds(2)))
        .isInstanceOf(NodeTimeoutException.class)
        .hasMessageContaining("timed out")
        .hasMessageContaining("sleep 60");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    // The node still serves commands afterwards.
    assertThat(node.run("echo alive")).isEqualTo("alive\n");
  }

  @Test
  void concurrentCommandsEachGetTheirOwnResult() {
    List<CompletableFuture<String>> runs =
        IntStream.range(0, 8)
            .mapToObj(i -> CompletableFuture.supplyAsync(() -> node.run("sleep 0.2; echo " + i)))
            .toList();

    for (int i = 0; i < runs.size(); i++) {
      assertThat(runs.get(i).join()).isEqualTo(i + "\n");
    }
  }

  @Test
  void hostRootIsReadOnlyAndOutputFolderIsWritable() {
    assertThat(node.exec("touch /usr/kit-must-fail").succeeded()).isFalse();

    node.run("echo hello > " + Node.OUTPUT_DIR_IN_NODE + "/hello.txt");
    assertThat(node.outputDir().resolve("hello.txt")).hasContent("hello");
  }
}
