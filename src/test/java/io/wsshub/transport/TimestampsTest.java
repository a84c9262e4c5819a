package io.wsshub.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimestampsTest {

    private static final DateTimeFormatter JDK =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Test
    void formatsAsTheJdkDoes() {
        long[] edges = {0, 1, 999, 86_399_999, 86_400_000, 951_782_400_000L /* 2000-02-29 */, 4_107_542_399_999L,
            1_798_675_200_000L, 253_402_300_799_999L, 253_402_300_800_000L /* year 10000: the JDK's path */, -1};
        for (long t : edges) {
            assertEquals(JDK.format(Instant.ofEpochMilli(t)), Timestamps.format(t), "at " + t);
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            long t = random.nextLong(0, 253_402_300_800_000L);
            assertEquals(JDK.format(Instant.ofEpochMilli(t)), Timestamps.format(t), "at " + t);
        }
    }

    @Test
    void readsBackWhatItWrites() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 200_000; i++) {
            long t = random.nextLong(0, 253_402_300_800_000L);
            assertEquals(t, Timestamps.parseMillis(Timestamps.format(t)));
        }
        assertEquals(951_782_400_000L, Timestamps.parseMillis("2000-02-29T00:00:00.000Z"));
    }

    @Test
    void readsOtherIsoInstantsAndRefusesTheRest() {
        assertEquals(Instant.parse("2026-12-07T03:41:00Z").toEpochMilli(), Timestamps.parseMillis("2026-12-07T03:41:00Z"));
        assertEquals(Instant.parse("2026-12-07T03:41:00.123456Z").toEpochMilli(),
                Timestamps.parseMillis("2026-12-07T03:41:00.123456Z"));
        assertEquals(0, Timestamps.parseMillis("2026-02-30T00:00:00.000Z")); // no such day
        assertEquals(0, Timestamps.parseMillis("2026-12-07T24:00:00.000Z"));
        assertEquals(0, Timestamps.parseMillis("2026-13-07T03:41:00.000Z"));
        assertEquals(0, Timestamps.parseMillis("not a time"));
        assertEquals(0, Timestamps.parseMillis(""));
        assertEquals(0, Timestamps.parseMillis(null));
    }
}
