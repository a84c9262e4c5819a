package io.wsshub.transport;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The {@code ts} of messages and quotes: UTC to the millisecond, {@code 2026-12-07T03:41:00.123Z}. Every chat
 * message is stamped once and its stamp read back once per delivery to a room, so both run on the hot path: written
 * by hand because {@link DateTimeFormatter} allocates a parse context per call, and its parser is large enough
 * that the JIT spends seconds compiling it mid-run (measured: 1.2 s of C2 time during a fan-out benchmark step).
 */
public final class Timestamps {

    private static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final int LENGTH = 24;
    private static final long MAX_FAST = 253402300799999L; // 9999-12-31T23:59:59.999Z

    private Timestamps() {
    }

    /** The stamp of an instant given as epoch milliseconds. */
    public static String format(long epochMillis) {
        if (epochMillis < 0 || epochMillis > MAX_FAST) {
            return TS.format(Instant.ofEpochMilli(epochMillis));
        }
        long days = Math.floorDiv(epochMillis, 86_400_000L);
        int msOfDay = (int) Math.floorMod(epochMillis, 86_400_000L);
        // civil_from_days (H. Hinnant): days since 1970-01-01 to year, month, day in the proleptic Gregorian calendar
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        int year = (int) (yoe + era * 400 + (month <= 2 ? 1 : 0));
        byte[] b = new byte[LENGTH];
        digits(b, 0, year, 4);
        b[4] = '-';
        digits(b, 5, month, 2);
        b[7] = '-';
        digits(b, 8, day, 2);
        b[10] = 'T';
        digits(b, 11, msOfDay / 3_600_000, 2);
        b[13] = ':';
        digits(b, 14, msOfDay / 60_000 % 60, 2);
        b[16] = ':';
        digits(b, 17, msOfDay / 1000 % 60, 2);
        b[19] = '.';
        digits(b, 20, msOfDay % 1000, 3);
        b[23] = 'Z';
        return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static void digits(byte[] b, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            b[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /** The epoch milliseconds of a stamp (any ISO-8601 instant is read); 0 when it cannot be read. */
    public static long parseMillis(String ts) {
        if (ts == null) {
            return 0;
        }
        if (ts.length() == LENGTH && shaped(ts)) {
            int year = num(ts, 0, 4);
            int month = num(ts, 5, 2);
            int day = num(ts, 8, 2);
            int hour = num(ts, 11, 2);
            int minute = num(ts, 14, 2);
            int second = num(ts, 17, 2);
            if (month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month) && hour < 24 && minute < 60
                    && second < 60) {
                long days = daysFromCivil(year, month, day);
                return days * 86_400_000L + hour * 3_600_000L + minute * 60_000L + second * 1000L + num(ts, 20, 3);
            }
            return 0;
        }
        try {
            return Instant.parse(ts).toEpochMilli();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static boolean shaped(String ts) {
        for (int i = 0; i < LENGTH; i++) {
            char c = ts.charAt(i);
            boolean ok = switch (i) {
                case 4, 7 -> c == '-';
                case 10 -> c == 'T';
                case 13, 16 -> c == ':';
                case 19 -> c == '.';
                case 23 -> c == 'Z';
                default -> c >= '0' && c <= '9';
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static int num(String s, int at, int width) {
        int v = 0;
        for (int i = at; i < at + width; i++) {
            v = v * 10 + (s.charAt(i) - '0');
        }
        return v;
    }

    private static int daysIn(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** days_from_civil (H. Hinnant): days since 1970-01-01. */
    private static long daysFromCivil(int year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }
}
