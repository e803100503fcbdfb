package io.lttricks.platform.bus;

import io.lttricks.platform.store.ObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many times each job was taken up and not finished, kept where it outlives the worker's
 * process. A job whose worker dies while running it (out of memory, an input that crashes the JVM)
 * is not committed and is delivered again, to this pod after its restart or to another: counted in
 * the process, such a crash loop never ends. Counted here, a job taken up more than {@link #MAX}
 * times is not run again but reported failed and sent to the dead-letter topic
 * ({@code DEAD_LETTER_CRASHED}).
 *
 * <p>A count is one small object per job in flight, under {@value #PREFIX}{@code <group>/<topic>/},
 * written before the job runs and deleted when it ends in any way the worker saw (done, failed,
 * stopped for a shutdown). Where storage cannot be reached the job runs uncounted (said in the log):
 * a storage outage must not stop the work.
 */
public final class Deliveries {
    private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);

    /** Where the counts live in the bucket: operations' own prefix, never a client's. */
    public static final String PREFIX = "ops/deliveries/";
    /** Deliveries a job may have; the next one dead-letters it (3: a pod restart or two may pass). */
    public static final int MAX = 3;

    private final Store store;

    /** Where counts are kept. */
    interface Store {
        byte[] get(String key) throws IOException;

        void put(String key, byte[] bytes) throws IOException;

        void delete(String key) throws IOException;
    }

    private Deliveries(Store store) {
        this.store = store;
    }

    /** Counts in the platform's object store: shared by every replica, outliving every process. */
    public static Deliveries in(ObjectStore objects) {
        return new Deliveries(new Store() {
            @Override
            public byte[] get(String key) throws IOException {
                return objects.exists(key) ? objects.get(key) : null;
            }

            @Override
            public void put(String key, byte[] bytes) throws IOException {
                objects.put(key, bytes, "text/plain");
            }

            @Override
            public void delete(String key) throws IOException {
                objects.delete(key);
            }
        });
    }

    /** Counts in this process only (tests and tools without storage). */
    public static Deliveries inMemory() {
        Map<String, byte[]> map = new ConcurrentHashMap<>();
        return new Deliveries(new Store() {
            @Override
            public byte[] get(String key) {
                return map.get(key);
            }

            @Override
            public void put(String key, byte[] bytes) {
                map.put(key, bytes);
            }

            @Override
            public void delete(String key) {
                map.remove(key);
            }
        });
    }

    static String key(String group, String topic, int partition, long offset) {
        return PREFIX + group + "/" + topic + "/" + partition + "-" + offset;
    }

    /**
     * Counts a delivery of the job at {@code offset} before it runs.
     *
     * @return which delivery this is (1 for the first), or 0 where storage could not be reached
     */
    public int begin(String group, String topic, int partition, long offset) {
        String key = key(group, topic, partition, offset);
        try {
            byte[] before = store.get(key);
            int n = before == null ? 1 : parse(before) + 1;
            store.put(key, Integer.toString(n).getBytes(StandardCharsets.US_ASCII));
            return n;
        } catch (IOException | RuntimeException e) {
            LOG.warn("the delivery of {}@{}-{} could not be counted ({}); it runs uncounted", topic, partition, offset,
                    e.toString());
            return 0;
        }
    }

    /** The job's delivery ended in a way the worker saw: its count goes. */
    public void end(String group, String topic, int partition, long offset) {
        try {
            store.delete(key(group, topic, partition, offset));
        } catch (IOException | RuntimeException e) {
            LOG.warn("the delivery count of {}@{}-{} stays ({})", topic, partition, offset, e.toString());
        }
    }

    private static int parse(byte[] bytes) {
        try {
            return Math.max(0, Integer.parseInt(new String(bytes, StandardCharsets.US_ASCII).strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
