package io.kipvs.netlink;

import jnr.ffi.annotations.SaveError;

/**
 * The few libc calls a netlink socket needs (public only because jnr-ffi generates its
 * implementation in another class loader; not API). Buffers are passed as native addresses of
 * direct {@link java.nio.ByteBuffer}s so that no call copies or allocates on the Java side.
 */
@SaveError
public interface LibC {
  int socket(int domain, int type, int protocol);

  int bind(int fd, long sockaddr, int length);

  int setsockopt(int fd, int level, int option, long value, int length);

  int getsockopt(int fd, int level, int option, long value, long lengthAddress);

  long send(int fd, long buffer, long length, int flags);

  long recv(int fd, long buffer, long length, int flags);

  int recvmmsg(int fd, long mmsghdrs, int count, int flags, long timeout);

  int close(int fd);
}
