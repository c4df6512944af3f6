package io.kipvs.e2e.testbed;

/** A node did not do something (boot, finish a command, print a log line) before its deadline. */
public final class NodeTimeoutException extends RuntimeException {
  NodeTimeoutException(String message) {
    super(message);
  }
}
