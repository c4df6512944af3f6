package io.kipvs.e2e.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A JVM with the test's class path runs inside a node. */
class JavaProcessTest {
  @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();

  static Node node;

  @BeforeAll
  static void boot() {
    node = testbed.startNode("java1");
  }

  @Test
  void runsAMainClassOfTheTestClassPathAndReportsItsExitCode() {
    long start = System.nanoTime();
    JavaProcess java = node.startJava(SampleMain.class.getName(), "7", "hello");

    assertThat(java.awaitExit(Duration.ofSeconds(60))).isEqualTo(7);
    System.out.printf(
        "[testbed] a JVM started and ended in UML in %d ms%n",
        Duration.ofNanos(System.nanoTime() - start).toMillis());
    assertThat(java.log()).contains("sample started 7 hello");
    assertThat(java.isAlive()).isFalse();
  }

  @Test
  void waitsForALogLineThenTerminatesWithShutdownHooks() {
    JavaProcess java = node.startJava(SampleMain.class.getName(), "wait");

    assertThat(java.awaitLogLine("sample started", Duration.ofSeconds(60)))
        .isEqualTo("sample started wait");
    assertThat(java.isAlive()).isTrue();
    assertThat(node.run("cat /proc/" + java.pid() + "/cmdline | tr '\\0' ' '"))
        .contains(SampleMain.class.getName());

    java.terminate();
    assertThat(java.awaitExit(Duration.ofSeconds(30))).isEqualTo(143);
    assertThat(java.log()).contains("sample stopping");
  }

  @Test
  void killEndsItAtOnce() {
    JavaProcess java = node.startJava(SampleMain.class.getName(), "wait");
    java.awaitLogLine("sample started", Duration.ofSeconds(60));

    java.kill();

    assertThat(java.awaitExit(Duration.ofSeconds(30))).isEqualTo(137);
    assertThat(java.log()).doesNotContain("sample stopping");
  }

  @Test
  void awaitLogLineFailsWithTheLogWhenTheLineNeverComes() {
    JavaProcess java = node.startJava(SampleMain.class.getName(), "wait");
    java.awaitLogLine("sample started", Duration.ofSeconds(60));

    assertThatThrownBy(() -> java.awaitLogLine("never printed", Duration.ofMillis(500)))
        .isInstanceOf(NodeTimeoutException.class)
        .hasMessageContaining("never printed")
        .hasMessageContaining("sample started wait");
    java.kill();
  }

  @Test
  void awaitLogLineReturnsALineOnlyOnceItsNewlineIsWritten() throws InterruptedException {
    JavaProcess java = node.startJava(SampleMain.class.getName(), "half", "/tmp/end-the-line");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!java.log().contains("sample half ") && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(java.log()).endsWith("sample half ");

    assertThatThrownBy(() -> java.awaitLogLine("^sample half", Duration.ofMillis(500)))
        .isInstanceOf(NodeTimeoutException.class);
    node.run("touch /tmp/end-the-line");
    assertThat(java.awaitLogLine("^sample half", Duration.ofSeconds(30)))
        .isEqualTo("sample half done");
    java.kill();
  }
}
