package io.kipvs.netlink;

import java.util.Optional;

/**
 * An NLMSG_ERROR message: an acknowledgement (errno 0) or the kernel's refusal, with its extended
 * ack message when the socket asked for them.
 *
 * @param errno positive errno, 0 for success
 * @param kernelMessage NLMSGERR_ATTR_MSG, if present
 */
public record ErrorAck(int errno, Optional<String> kernelMessage) {

  public boolean ok() {
    return errno == 0;
  }

  public static ErrorAck decode(Message message) {
    String context = "NLMSG_ERROR";
    message.requirePayload(4 + Netlink.HEADER_LENGTH, context);
    int error = message.buffer().getInt(message.payloadOffset());
    int flags = message.flags();
    Optional<String> text = Optional.empty();
    if ((flags & Netlink.NLM_F_ACK_TLVS) != 0) {
      int echoed = Netlink.HEADER_LENGTH;
      if ((flags & Netlink.NLM_F_CAPPED) == 0) {
        echoed = message.buffer().getInt(message.payloadOffset() + 4);
        if (echoed < Netlink.HEADER_LENGTH) {
          throw new NetlinkDecodeException(context, "echoed request length " + echoed);
        }
      }
      int tlvStart = 4 + Netlink.align(echoed);
      message.requirePayload(tlvStart, context);
      Attributes tlvs = message.attributes(tlvStart, Netlink.NLMSGERR_ATTR_MSG, context);
      if (tlvs.has(Netlink.NLMSGERR_ATTR_MSG)) {
        text = Optional.of(tlvs.string(Netlink.NLMSGERR_ATTR_MSG));
      }
    }
    return new ErrorAck(-error, text);
  }
}
