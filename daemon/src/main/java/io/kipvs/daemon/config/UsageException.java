package io.kipvs.daemon.config;

/**
 * A flag or configuration value that cannot be used. The process exits with code 2 and prints the
 * message, which names the flag or configuration field.
 */
public final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
