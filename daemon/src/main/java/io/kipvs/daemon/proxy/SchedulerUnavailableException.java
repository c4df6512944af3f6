package io.kipvs.daemon.proxy;

/** The kernel cannot make virtual servers with the configured scheduler. */
public final class SchedulerUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  SchedulerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
