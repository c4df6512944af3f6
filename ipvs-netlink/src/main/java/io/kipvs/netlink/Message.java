package io.kipvs.netlink;

import java.nio.ByteBuffer;

/**
 * One netlink message inside a received buffer. A view: valid only until the next receive on its
 * socket, so handlers decode what they need at once.
 */
public final class Message {
  private ByteBuffer buffer;
  private int offset;
  private int length;

  void set(ByteBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
  }

  public ByteBuffer buffer() {
    return buffer;
  }

  public int type() {
    return buffer.getShort(offset + 4) & 0xffff;
  }

  public int flags() {
    return buffer.getShort(offset + 6) & 0xffff;
  }

  public int seq() {
    return buffer.getInt(offset + 8);
  }

  /** Where the payload (after the 16-byte header) starts in {@link #buffer()}. */
  public int payloadOffset() {
    return offset + Netlink.HEADER_LENGTH;
  }

  public int payloadLength() {
    return length - Netlink.HEADER_LENGTH;
  }

  /** The generic netlink command of this message; requires a payload of at least 4 bytes. */
  public int genlCommand(String context) {
    requirePayload(Netlink.GENL_HEADER_LENGTH, context);
    return buffer.get(payloadOffset()) & 0xff;
  }

  /** The attributes after a fixed header of {@code fixedLength} bytes. */
  public Attributes attributes(int fixedLength, int maxType, String context) {
    requirePayload(fixedLength, context);
    return Attributes.parse(
        buffer, payloadOffset() + fixedLength, payloadLength() - fixedLength, maxType, context);
  }

  public void requirePayload(int minimum, String context) {
    if (payloadLength() < minimum) {
      throw new NetlinkDecodeException(
          context, "payload of " + payloadLength() + " bytes, at least " + minimum + " expected");
    }
  }
}
