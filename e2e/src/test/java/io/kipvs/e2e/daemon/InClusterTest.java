package io.kipvs.e2e.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kipvs.e2e.cluster.ApiServer;
import io.kipvs.e2e.cluster.ImageLayout;
import io.kipvs.e2e.cluster.KipvsDaemon;
import io.kipvs.e2e.cluster.Kubeconfigs;
import io.kipvs.e2e.cluster.TestCertificates;
import io.kipvs.e2e.cluster.Traffic;
import io.kipvs.e2e.cluster.Workloads;
import io.kipvs.e2e.testbed.Node;
import io.kipvs.e2e.testbed.NodeOptions;
import io.kipvs.e2e.testbed.Pod;
import io.kipvs.e2e.testbed.TestbedExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The in-cluster path (issue 17, item 4): kipvs started as the DaemonSet starts it, through the
 * image's entry script, with a pod's credentials (the service account's token and CA files at their
 * usual paths, written in the node as the kubelet writes them: a new file renamed over the old
 * one), against the test API server over TLS with a certificate for the address the node reaches it
 * at. One node; each scenario runs its own daemon and services.
 */
class InClusterTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  private static final String SECRETS = "/var/run/secrets/kubernetes.io/serviceaccount";
  private static final String KUBECONFIG = "/run/kube-proxy/kubeconfig.conf";
  private static final String WRONG_CA = "/run/kube-proxy/other-ca.crt";
  // Deadlines, not figures: a busy 2-core machine.
  private static final Duration HEALTHY = Duration.ofSeconds(180);
  private static final Duration CONVERGE = Duration.ofSeconds(90);

  static TestCertificates certificates;
  static ApiServer api;
  static Workloads k8s;
  static ImageLayout image;
  static Node node;

  @BeforeAll
  static void boot() {
    certificates = TestCertificates.create(Path.of("target", "in-cluster-tls").toAbsolutePath());
    api = ApiServer.startTls(certificates.serverContext());
    k8s = new Workloads(api::client);
    image = ImageLayout.create(Path.of("target", "in-cluster-image").toAbsolutePath());
    node = testbed.startNode(NodeOptions.named("node").withHostLink());
    k8s.node(node, "zone-a");
    node.run("mkdir -p " + SECRETS + " /run/kube-proxy");
  }

  @AfterAll
  static void stopApi() {
    if (api != null) {
      api.close();
    }
  }

  /**
   * Item 4, kubeadm's way: kube-proxy's kubeconfig.conf (the API server's real address over https,
   * certificate-authority and tokenFile at the service account's files). kipvs syncs through the
   * image's entry script with jvm.options in effect, every request carries the token; after the
   * kubelet rotates the token file, the requests that follow (the watches again after the
   * connections were cut) carry the new token, and a Service created then is served.
   */
  @Test
  void kubeadmsKubeconfigOverTlsFollowsTheRotatedTokenFile() {
    writeToken("kubeconfig-token-1");
    writeCa(certificates.caCertificate());
    writeKubeconfig(SECRETS + "/ca.crt");
    KipvsDaemon daemon =
        KipvsDaemon.startFromImage(
            node, image, Map.of(), daemonSetFlags("--kubeconfig=" + KUBECONFIG));
    try {
      daemon.awaitHealthy(HEALTHY);
      // The JVM the entry script exec'd runs with the shipped options and archive.
      List<String> commandLine =
          node.run("tr '\\0' '\\n' < /proc/" + daemon.process().pid() + "/cmdline")
              .lines()
              .toList();
      assertThat(commandLine)
          .containsAll(image.jvmOptions())
          .contains("-XX:SharedArchiveFile=" + image.archive())
          .containsSequence("-jar", image.home().resolve("kipvs.jar").toString());

      Pod before = node.addPod("kc-1");
      k8s.clusterIpService("kc", "10.96.40.10", 80);
      k8s.httpEndpoints("kc", List.of(before));
      Traffic fromNode = new Traffic(node::exec);
      await()
          .atMost(CONVERGE)
          .until(() -> fromNode.http("10.96.40.10", 80, 1).equals(Map.of("kc-1", 1)));
      assertThat(kipvsTokens(api.takeRequests())).isNotEmpty().containsOnly("kubeconfig-token-1");

      writeToken("kubeconfig-token-2");
      // Every connection cut, and what arrived until then forgotten: from here on, each request
      // is one kipvs made after the rotation.
      api.stop();
      api.takeRequests();
      api.restart();
      Pod after = node.addPod("kc-2");
      k8s.clusterIpService("kc-after", "10.96.40.11", 80);
      k8s.httpEndpoints("kc-after", List.of(after));
      await()
          .atMost(CONVERGE)
          .until(() -> fromNode.http("10.96.40.11", 80, 1).equals(Map.of("kc-2", 1)));
      assertThat(kipvsTokens(api.takeRequests())).isNotEmpty().containsOnly("kubeconfig-token-2");
    } finally {
      daemon.terminate(Duration.ofSeconds(60));
    }
  }

  /**
   * Item 4, without a kubeconfig: as kube-proxy's in-cluster configuration, the API server from
   * KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, the token and CA from the service
   * account's files. After the token file is rotated, kipvs's requests carry the new token within
   * client-go's period for re-reading it (a minute; fabric8 re-reads as often), and only it.
   */
  @Test
  void inClusterEnvironmentOverTlsFollowsTheRotatedTokenFile() {
    writeToken("in-cluster-token-1");
    writeCa(certificates.caCertificate());
    KipvsDaemon daemon =
        KipvsDaemon.startFromImage(
            node,
            image,
            Map.of(
                "KUBERNETES_SERVICE_HOST",
                ApiServer.HOST_FROM_NODE,
                "KUBERNETES_SERVICE_PORT",
                Integer.toString(api.port())),
            daemonSetFlags());
    try {
      daemon.awaitHealthy(HEALTHY);
      Pod before = node.addPod("ic-1");
      k8s.clusterIpService("ic", "10.96.41.10", 80);
      k8s.httpEndpoints("ic", List.of(before));
      Traffic fromNode = new Traffic(node::exec);
      await()
          .atMost(CONVERGE)
          .until(() -> fromNode.http("10.96.41.10", 80, 1).equals(Map.of("ic-1", 1)));
      assertThat(kipvsTokens(api.takeRequests())).isNotEmpty().containsOnly("in-cluster-token-1");

      writeToken("in-cluster-token-2");
      // kipvs makes requests when its watches are cut; cut them until one carries the new token.
      List<String> seen = new ArrayList<>();
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofSeconds(15))
          .until(
              () -> {
                api.stop();
                api.restart();
                seen.addAll(kipvsTokens(api.takeRequests()));
                return seen.contains("in-cluster-token-2");
              });
      // Once read, the new token is the one sent.
      api.stop();
      api.takeRequests();
      api.restart();
      Pod after = node.addPod("ic-2");
      k8s.clusterIpService("ic-after", "10.96.41.11", 80);
      k8s.httpEndpoints("ic-after", List.of(after));
      await()
          .atMost(CONVERGE)
          .until(() -> fromNode.http("10.96.41.11", 80, 1).equals(Map.of("ic-2", 1)));
      assertThat(kipvsTokens(api.takeRequests())).isNotEmpty().containsOnly("in-cluster-token-2");
    } finally {
      daemon.terminate(Duration.ofSeconds(60));
    }
  }

  /**
   * Item 4: a kubeconfig whose certificate-authority did not sign the API server's certificate.
   * kipvs keeps retrying (as kube-proxy does; the CA may be a mistake being fixed) and is never
   * healthy, and its log says plainly that the API server's certificate is not trusted by the
   * certificate authority it was given.
   */
  @Test
  void aWrongCertificateAuthorityFailsWithAClearMessage() {
    writeToken("wrong-ca-token");
    node.run("cp " + certificates.otherCaCertificate() + " " + WRONG_CA);
    writeKubeconfig(WRONG_CA);
    KipvsDaemon daemon =
        KipvsDaemon.startFromImage(
            node, image, Map.of(), daemonSetFlags("--kubeconfig=" + KUBECONFIG));
    try {
      String line =
          daemon
              .process()
              .awaitLogLine("is not trusted: its TLS certificate is not signed", HEALTHY);
      assertThat(line).contains(WRONG_CA).contains(api.urlFromNode());
      assertThat(daemon.process().isAlive()).isTrue();
      assertThat(
              node.exec(
                      "curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:10256/healthz")
                  .stdout())
          .isNotEqualTo("200");
      assertThat(kipvsTokens(api.takeRequests())).as("no request got through").isEmpty();
    } finally {
      daemon.terminate(Duration.ofSeconds(60));
    }
  }

  /** The DaemonSet's flags, without --master: the API server comes from the credentials. */
  private static List<String> daemonSetFlags(String... extra) {
    return KipvsDaemon.daemonSetArgs(node, api, extra).stream()
        .filter(a -> !a.startsWith("--master="))
        .toList();
  }

  /** As the kubelet updates a projected token: a new file renamed over the old one. */
  private static void writeToken(String token) {
    node.run(
        "printf %s "
            + token
            + " > "
            + SECRETS
            + "/.token.new && mv "
            + SECRETS
            + "/.token.new "
            + SECRETS
            + "/token");
  }

  private static void writeCa(Path pem) {
    node.run("cp " + pem + " " + SECRETS + "/ca.crt");
  }

  /** kubeadm's kube-proxy kubeconfig.conf, with the API server's address as nodes reach it. */
  private static void writeKubeconfig(String certificateAuthority) {
    String kubeconfig =
        Kubeconfigs.kubeadm(
            api.urlFromNode(), Optional.of(certificateAuthority), Optional.of(SECRETS + "/token"));
    node.run("cat > " + KUBECONFIG + " <<'EOF'\n" + kubeconfig + "EOF");
  }

  /**
   * The bearer tokens of kipvs's requests among these: its informers' lists and watches, which
   * carry label or field selectors (the test's own client sends none, and no token).
   */
  private static List<String> kipvsTokens(List<RecordedRequest> requests) {
    return requests.stream()
        .filter(r -> Objects.requireNonNull(r.getPath()).contains("Selector="))
        .map(r -> r.getHeader("Authorization"))
        .map(h -> h == null ? "(none)" : h.replaceFirst("^Bearer ", ""))
        .toList();
  }
}
