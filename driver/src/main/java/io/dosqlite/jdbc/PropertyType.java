package io.dosqlite.jdbc;

import java.util.Locale;

/** The values a {@link DosqliteProperty} takes: how its text is checked and turned into a value. */
abstract class PropertyType {
    static final PropertyType TEXT = new PropertyType("any text") {
        @Override
        Object parse(String v) {
            return v;
        }
    };

    static final PropertyType BOOL = new PropertyType("true or false") {
        @Override
        Object parse(String v) {
            String t = v.trim();
            if (!t.equalsIgnoreCase("true") && !t.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException();
            }
            return Boolean.parseBoolean(t);
        }
    };

    static final PropertyType BYTES = new PropertyType("a byte count such as 67108864, 64MB or 1GB") {
        @Override
        Object parse(String value) {
            String v = value.trim().toUpperCase(Locale.ROOT);
            long unit = 1;
            for (String[] suffix : new String[][] {{"KB", "1024"}, {"MB", "1048576"}, {"GB", "1073741824"}, {"B", "1"}}) {
                if (v.endsWith(suffix[0])) {
                    unit = Long.parseLong(suffix[1]);
                    v = v.substring(0, v.length() - suffix[0].length()).trim();
                    break;
                }
            }
            long n = Math.multiplyExact(Long.parseLong(v), unit);
            if (n < 0) {
                throw new IllegalArgumentException();
            }
            return n;
        }
    };

    static final PropertyType PAGE_SIZE = new PropertyType("a power of two from 512 to 65536") {
        @Override
        Object parse(String v) {
            int n = Integer.parseInt(v.trim());
            if (n < 512 || n > 65536 || Integer.bitCount(n) != 1) {
                throw new IllegalArgumentException();
            }
            return n;
        }
    };

    /** An instant: ISO-8601 with a zone or offset ({@code 2026-12-01T10:00:00Z}), or epoch milliseconds. */
    static final PropertyType INSTANT = new PropertyType("an ISO-8601 time such as 2026-12-01T10:00:00Z (or epoch milliseconds)") {
        @Override
        Object parse(String v) {
            String t = v.trim();
            if (t.matches("[0-9]{1,16}")) {
                return java.time.Instant.ofEpochMilli(Long.parseLong(t));
            }
            return java.time.OffsetDateTime.parse(t).toInstant();
        }
    };

    /** A version number (0 or more). */
    static final PropertyType VERSION = new PropertyType("a version number (0 or more; dosqlite log lists them)") {
        @Override
        Object parse(String v) {
            long n = Long.parseLong(v.trim());
            if (n < 0) {
                throw new IllegalArgumentException();
            }
            return n;
        }
    };

    /** A whole number from {@code min} to {@code max}. */
    static PropertyType range(int min, int max) {
        return new PropertyType("a whole number from " + min + " to " + max) {
            @Override
            Object parse(String v) {
                int n = Integer.parseInt(v.trim());
                if (n < min || n > max) {
                    throw new IllegalArgumentException();
                }
                return n;
            }
        };
    }

    /** One of {@code values} (case-insensitive), parsed to its lower-case form. */
    static PropertyType oneOf(String... values) {
        return new PropertyType("one of " + String.join(", ", values)) {
            @Override
            Object parse(String v) {
                String t = v.trim().toLowerCase(Locale.ROOT);
                for (String ok : values) {
                    if (ok.equals(t)) {
                        return ok;
                    }
                }
                throw new IllegalArgumentException();
            }
        };
    }

    private final String expected;

    private PropertyType(String expected) {
        this.expected = expected;
    }

    /** What a valid value looks like, for error messages. */
    final String expected() {
        return expected;
    }

    /**
     * The value of {@code text}: a String, Boolean, Integer or Long.
     *
     * @throws RuntimeException (NumberFormatException, ArithmeticException, IllegalArgumentException) if invalid
     */
    abstract Object parse(String text);
}
