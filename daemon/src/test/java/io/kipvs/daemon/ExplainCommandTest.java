package io.kipvs.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, {@code kipvs explain} as a user runs it: through Main, with no daemon listening, with a
 * non-loopback address, and with bad arguments. (The answer of a running daemon is tested in a UML
 * node, e2e ExplainTest.)
 */
class ExplainCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** No daemon: a clear sentence naming the address, exit 1, no stack trace. */
  @Test
  void noDaemonRunningSaysSo() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // free once closed: nothing listens there
    }
    assertThat(run("explain", "--debug-address=127.0.0.1:" + port, "default/web")).isEqualTo(1);
    assertThat(err())
        .contains("kipvs explain: no kipvs daemon answers on 127.0.0.1:" + port)
        .contains("Is kipvs running on this node")
        .doesNotContain("\tat ");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  /** The debug endpoint is loopback-only: any other address is refused before connecting. */
  @Test
  void refusesNonLoopbackAddress() {
    assertThat(run("explain", "--debug-address=10.1.2.3:10265", "default/web")).isEqualTo(2);
    assertThat(err()).contains("not a loopback address");
  }

  @Test
  void usageErrors() {
    assertThat(run("explain")).isEqualTo(2);
    assertThat(err()).contains("give one NAMESPACE/SERVICE, or --all");
    assertThat(run("explain", "web")).isEqualTo(2);
    assertThat(err()).contains("'web' is not NAMESPACE/SERVICE");
    assertThat(run("explain", "-o", "yaml", "--all")).isEqualTo(2);
    assertThat(err()).contains("-o must be text or json");
    assertThat(run("explain", "--all", "default/web")).isEqualTo(2);
  }
}
