package io.kipvs.e2e.testbed;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * JUnit 5 extension that gives a test class one {@link Testbed}: nodes started through it are
 * shared by the class's tests and stopped after the last one, with a check that none of their host
 * processes survived. When a test (or a {@code @BeforeAll}/{@code @BeforeEach} method) fails, every
 * node's diagnostics (console tail, {@code ipvsadm -Ln}, {@code ip addr}, {@code ip route}) are
 * printed and attached to the failure as a suppressed exception.
 *
 * <p>Register it on a static field:
 *
 * <pre>{@code
 * @RegisterExtension static final TestbedExtension testbed = new TestbedExtension();
 * static Node node;
 *
 * @BeforeAll
 * static void boot() {
 *   node = testbed.startNode("n1");
 * }
 * }</pre>
 */
public final class TestbedExtension
    implements BeforeAllCallback,
        AfterAllCallback,
        TestExecutionExceptionHandler,
        LifecycleMethodExecutionExceptionHandler {

  private volatile Testbed testbed;

  /** The class's testbed (made on first use, closed after the class's last test). */
  public synchronized Testbed testbed() {
    if (testbed == null) {
      testbed = Testbed.create();
    }
    return testbed;
  }

  public Node startNode(String name) {
    return testbed().startNode(name);
  }

  public Node startNode(NodeOptions options) {
    return testbed().startNode(options);
  }

  public List<Node> startCluster(int count, NodeOptions options) {
    return testbed().startCluster(count, options);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    testbed();
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    if (testbed != null) {
      Testbed closing = testbed;
      testbed = null;
      closing.close();
    }
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    throw withDiagnostics(context, throwable);
  }

  @Override
  public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    throw withDiagnostics(context, throwable);
  }

  @Override
  public void handleBeforeEachMethodExecutionException(
      ExtensionContext context, Throwable throwable) throws Throwable {
    throw withDiagnostics(context, throwable);
  }

  @Override
  public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    throw withDiagnostics(context, throwable);
  }

  private Throwable withDiagnostics(ExtensionContext context, Throwable throwable) {
    Testbed current = testbed;
    if (current != null && !current.nodes().isEmpty()) {
      String text = current.diagnostics();
      System.err.println(
          "[testbed] " + context.getDisplayName() + " failed; node diagnostics:\n" + text);
      throwable.addSuppressed(new NodeDiagnostics(text));
    }
    return throwable;
  }

  /** Carries node diagnostics into a test failure's report. */
  static final class NodeDiagnostics extends RuntimeException {
    NodeDiagnostics(String text) {
      super("node diagnostics:\n" + text, null, false, false);
    }
  }
}
