package io.wsshub.engine;

/** chat.max.rooms rooms exist already (on the memory engine: none of them idle enough to evict). */
public class TooManyRooms extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TooManyRooms(int max) {
        super("at most " + max + " rooms");
    }
}
