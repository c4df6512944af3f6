package io.kipvs.k8s;

import static io.kipvs.k8s.Fixtures.NODE;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.kipvs.k8s.Fixtures.CollectingReporter;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An API server whose certificate the configured certificate authority did not sign (issue 17, item
 * 4: a wrong CA file must fail with a clear message): the informers keep retrying, as client-go's
 * reflector does, and each warning names the server and the CA file to fix.
 */
class ApiServerCertificateTest {
  @TempDir Path dir;
  KubernetesMockServer server;

  @BeforeEach
  void startHttpsServer() {
    // fabric8's own self-signed certificate, which no public authority signed.
    server = new KubernetesMockServer(true);
    server.init();
  }

  @AfterEach
  void stopServer() {
    server.destroy();
  }

  /** A real CA certificate (the first of the JVM's trusted authorities), PEM: the wrong one. */
  private Path someOtherAuthority() throws Exception {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    try (InputStream in =
        Files.newInputStream(
            Path.of(System.getProperty("java.home"), "lib", "security", "cacerts"))) {
      trusted.load(in, null);
    }
    String alias = Collections.list(trusted.aliases()).stream().sorted().findFirst().orElseThrow();
    Certificate ca = trusted.getCertificate(alias);
    Path pem = dir.resolve("wrong-ca.crt");
    Files.writeString(
        pem,
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(ca.getEncoded())
            + "\n-----END CERTIFICATE-----\n");
    return pem;
  }

  @Test
  void aWrongCertificateAuthorityIsNamedWithTheServerInEachRetry() throws Exception {
    Path wrongCa = someOtherAuthority();
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(server.url("/"))
            .withCaCertFile(wrongCa.toString())
            .build();
    CollectingReporter reporter = new CollectingReporter();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        InformerClusterWatch watch =
            new InformerClusterWatch(
                client,
                NODE,
                new ClusterStateTracker(NODE, reporter, Clock.systemUTC()),
                reporter)) {
      watch.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (reporter.warnings().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(reporter.warnings()).as("a warning within 30 s").isNotEmpty();
      assertThat(watch.hasSynced()).isFalse();
      assertThat(reporter.warnings().get(0))
          .contains("list failed, retrying")
          .contains("the API server " + server.url("/"))
          .contains("not signed by the certificate authority in " + wrongCa);
    }
  }
}
