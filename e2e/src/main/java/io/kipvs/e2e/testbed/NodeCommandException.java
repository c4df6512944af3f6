package io.kipvs.e2e.testbed;

/** A command in a node failed (non-zero exit) where the caller required success. */
public final class NodeCommandException extends RuntimeException {
  private final transient ExecResult result;

  NodeCommandException(String nodeName, ExecResult result) {
    super("command failed in node " + nodeName + ": " + result);
    this.result = result;
  }

  public ExecResult result() {
    return result;
  }
}
