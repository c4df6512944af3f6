package io.kipvs.e2e.testbed;

/** A node could not be started, or its kernel process ended while the test still used it. */
public final class NodeFailedException extends RuntimeException {
  NodeFailedException(String message) {
    super(message);
  }

  NodeFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
