package io.lttricks.platform.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KeysTest {
    @Test
    void listingsKeepOnlyFinishedShardsAndCheckpoints() {
        String generated = Keys.generated(Keys.stage("r1", 1, "cam"));
        String shard = Keys.shard(generated, 3, 16);
        assertTrue(Keys.isShard(shard));
        // The embedded S3 server lists an object it is still writing under KEY-UUID.
        assertFalse(Keys.isShard(shard + "-f989dfa1-e5cd-44cb-84c2-84b26e43ec62"));
        assertFalse(Keys.isShard(Keys.generatedManifest(generated)));

        String ckpt = Keys.checkpoints(Keys.stage("r1", 0, "first")) + "epoch-0007.ckpt";
        assertTrue(Keys.isCheckpoint(ckpt));
        assertFalse(Keys.isCheckpoint(ckpt + "-0b5e6c1e-2f0a-4c55-9a53-6d1fd0bb7a11"));
        assertFalse(Keys.isCheckpoint(Keys.finalCheckpoint(Keys.stage("r1", 0, "first"))));
    }
}
