package io.wsshub.engine;

/** The memory engine holds chat.max.rooms rooms already and none of them is idle enough to evict. */
public class TooManyRooms extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TooManyRooms(int max) {
        super("at most " + max + " rooms");
    }
}
