package io.kipvs.ipvs;

import java.util.Optional;

/**
 * A netlink request the kernel refused, or a socket failure. Carries the errno (0 when the failure
 * is not the kernel's answer), the kernel's extended-ack message if it sent one, and a description
 * of the request that failed.
 */
public class NetlinkException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int errno;
  private final Optional<String> kernelMessage;
  private final String request;

  public NetlinkException(
      int errno, Optional<String> kernelMessage, String request, String message) {
    super(message);
    this.errno = errno;
    this.kernelMessage = kernelMessage;
    this.request = request;
  }

  public NetlinkException(String request, String message, Throwable cause) {
    super(message, cause);
    this.errno = 0;
    this.kernelMessage = Optional.empty();
    this.request = request;
  }

  /** The positive errno the kernel answered with (e.g. 17 for EEXIST), 0 if not a kernel answer. */
  public int errno() {
    return errno;
  }

  public Optional<String> kernelMessage() {
    return kernelMessage;
  }

  /** The request that failed, e.g. "IPVS_CMD_NEW_SERVICE tcp 10.0.0.1:80". */
  public String request() {
    return request;
  }
}
