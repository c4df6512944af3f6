package io.kipvs.netlink;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Appends netlink messages to a buffer in host byte order: headers, fixed structs and attributes
 * (nested ones with {@link Netlink#NLA_F_NESTED}), each padded to 4 bytes. Several messages may
 * follow each other in one buffer, to be sent with one system call.
 */
public final class MessageWriter {
  private final ByteBuffer buffer;

  public MessageWriter(ByteBuffer buffer) {
    this.buffer = buffer.order(ByteOrder.nativeOrder());
  }

  /** A writer over a fresh heap buffer; for tests and one-off requests. */
  public static MessageWriter ofCapacity(int capacity) {
    return new MessageWriter(ByteBuffer.allocate(capacity));
  }

  public ByteBuffer buffer() {
    return buffer;
  }

  /** Bytes written so far. */
  public int length() {
    return buffer.position();
  }

  public int remaining() {
    return buffer.remaining();
  }

  public void clear() {
    buffer.clear();
  }

  /** Starts a message; returns its offset, to be passed to {@link #endMessage}. */
  public int beginMessage(int type, int flags, int seq) {
    int start = buffer.position();
    buffer.putInt(0).putShort((short) type).putShort((short) flags).putInt(seq).putInt(0);
    return start;
  }

  public void endMessage(int start) {
    pad();
    buffer.putInt(start, buffer.position() - start);
  }

  /** The generic netlink header (genlmsghdr). */
  public MessageWriter genlHeader(int command, int version) {
    buffer.put((byte) command).put((byte) version).putShort((short) 0);
    return this;
  }

  public MessageWriter rawU8(int value) {
    buffer.put((byte) value);
    return this;
  }

  public MessageWriter rawU16(int value) {
    buffer.putShort((short) value);
    return this;
  }

  public MessageWriter rawU32(int value) {
    buffer.putInt(value);
    return this;
  }

  public MessageWriter u8(int type, int value) {
    header(type, 1);
    buffer.put((byte) value);
    pad();
    return this;
  }

  public MessageWriter u16(int type, int value) {
    header(type, 2);
    buffer.putShort((short) value);
    pad();
    return this;
  }

  /** A 16-bit value in network byte order (ports). */
  public MessageWriter u16be(int type, int value) {
    header(type, 2);
    buffer.put((byte) (value >>> 8)).put((byte) value);
    pad();
    return this;
  }

  public MessageWriter u32(int type, int value) {
    header(type, 4);
    buffer.putInt(value);
    return this;
  }

  /** A 32-bit value in network byte order. */
  public MessageWriter u32be(int type, int value) {
    header(type, 4);
    buffer.put((byte) (value >>> 24)).put((byte) (value >>> 16));
    buffer.put((byte) (value >>> 8)).put((byte) value);
    return this;
  }

  public MessageWriter u64(int type, long value) {
    header(type, 8);
    buffer.putLong(value);
    return this;
  }

  /** A NUL-terminated string. */
  public MessageWriter string(int type, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    header(type, bytes.length + 1);
    buffer.put(bytes).put((byte) 0);
    pad();
    return this;
  }

  public MessageWriter bytes(int type, byte[] value) {
    header(type, value.length);
    buffer.put(value);
    pad();
    return this;
  }

  /** The address bytes, 4 for IPv4 and 16 for IPv6, in network order. */
  public MessageWriter address(int type, InetAddress address) {
    return bytes(type, address.getAddress());
  }

  /** Two host-order 32-bit values, as struct ip_vs_flags { flags; mask; }. */
  public MessageWriter u32Pair(int type, int first, int second) {
    header(type, 8);
    buffer.putInt(first).putInt(second);
    return this;
  }

  /** Starts a nested attribute; returns its offset, to be passed to {@link #endNested}. */
  public int beginNested(int type) {
    int start = buffer.position();
    buffer.putShort((short) 0).putShort((short) (type | Netlink.NLA_F_NESTED));
    return start;
  }

  public void endNested(int start) {
    buffer.putShort(start, (short) (buffer.position() - start));
  }

  private void header(int type, int payloadLength) {
    buffer.putShort((short) (Netlink.ATTR_HEADER_LENGTH + payloadLength)).putShort((short) type);
  }

  private void pad() {
    while ((buffer.position() & 3) != 0) {
      buffer.put((byte) 0);
    }
  }
}
