package io.wsshub.transport;

import jakarta.websocket.DecodeException;

/** A frame that could not be decoded, with the protocol error code the client is told. */
public class FrameDecodeException extends DecodeException {

    private static final long serialVersionUID = 1L;
    private final String code;

    public FrameDecodeException(String text, String code, String message) {
        super(text, message);
        this.code = code;
    }

    public String code() {
        return code;
    }

    public ErrorFrame toErrorFrame() {
        return ErrorFrame.of(code, getMessage());
    }
}
