package io.kipvs.netlink;

import java.nio.ByteBuffer;

/** Walks the messages of one datagram, validating each header's length against the bytes left. */
public final class MessageCursor {
  private final Message message = new Message();
  private ByteBuffer buffer;
  private int position;
  private int end;

  /** Starts over on the datagram {@code buffer[offset, offset + length)}. */
  public MessageCursor reset(ByteBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.position = offset;
    this.end = offset + length;
    return this;
  }

  /** The next message, or null at the end of the datagram. */
  public Message next() {
    if (position >= end) {
      return null;
    }
    int left = end - position;
    if (left < Netlink.HEADER_LENGTH) {
      throw new NetlinkDecodeException(
          "netlink datagram", left + " bytes left, too short for a message header");
    }
    int length = buffer.getInt(position);
    if (length < Netlink.HEADER_LENGTH || length > left) {
      throw new NetlinkDecodeException(
          "netlink datagram",
          "message at offset " + position + " claims length " + length + ", " + left + " left");
    }
    message.set(buffer, position, length);
    position += Math.min(Netlink.align(length), left);
    return message;
  }
}
