package io.wsshub.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextAssemblerTest {

    @Test
    void joinsPartsAndEnforcesTheLimitOnTheWholeMessage() throws Exception {
        TextAssembler a = new TextAssembler(10);
        assertEquals("whole", a.add("whole", true));
        assertNull(a.add("abc", false));
        assertNull(a.add("def", false));
        assertEquals("abcdefghij", a.add("ghij", true), "exactly at the limit");
        assertNull(a.add("123456", false));
        assertThrows(TextAssembler.TooBig.class, () -> a.add("78901", true));
        assertEquals("fresh", a.add("fresh", true), "after a refusal nothing old is left");
    }

    @Test
    void countsUtf8Bytes() {
        for (String s : new String[] {"abc", "é", "€", "\uD83D\uDE00", "a\u00e9\u20ac\uD83D\uDE00z"}) {
            assertEquals(s.getBytes(StandardCharsets.UTF_8).length, TextAssembler.utf8Length(s), s);
        }
    }
}
