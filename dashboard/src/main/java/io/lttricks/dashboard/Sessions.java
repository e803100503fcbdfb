package io.lttricks.dashboard;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signed-in browsers: a random session id (the cookie) stands for the token given at sign-in, which
 * never leaves the server again. Sessions end after a fixed time, at sign-out, and when the process
 * stops; at most {@value #MAX} are kept (the oldest go first).
 */
final class Sessions {
    static final int MAX = 1000;
    private static final SecureRandom RANDOM = new SecureRandom();

    record Session(String token, String role, long expiresMs) {
    }

    private final long lifetimeMs;
    private final Map<String, Session> open = new ConcurrentHashMap<>();

    Sessions(long lifetimeMs) {
        this.lifetimeMs = lifetimeMs;
    }

    /** A new session for {@code token}; returns its id. */
    String begin(String token, String role) {
        purge(System.currentTimeMillis());
        if (open.size() >= MAX) {
            open.entrySet().stream().min(Map.Entry.comparingByValue(java.util.Comparator.comparingLong(Session::expiresMs)))
                    .ifPresent(e -> open.remove(e.getKey()));
        }
        byte[] id = new byte[32];
        RANDOM.nextBytes(id);
        String key = HexFormat.of().formatHex(id);
        open.put(key, new Session(token, role, System.currentTimeMillis() + lifetimeMs));
        return key;
    }

    /** The session {@code id}, or null when there is none or it has expired. */
    Session get(String id) {
        Session s = open.get(id);
        if (s != null && s.expiresMs() < System.currentTimeMillis()) {
            open.remove(id);
            return null;
        }
        return s;
    }

    void end(String id) {
        open.remove(id);
    }

    int size() {
        return open.size();
    }

    private void purge(long now) {
        for (Iterator<Session> it = open.values().iterator(); it.hasNext(); ) {
            if (it.next().expiresMs() < now) {
                it.remove();
            }
        }
    }
}
