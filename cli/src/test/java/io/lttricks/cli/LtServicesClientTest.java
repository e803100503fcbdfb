package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.system.ServicesFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * lt's client commands against the running system (the services' fixture, from the system module);
 * ServicesResultsTest has lt results and lt predict.
 */
@ExtendWith(ServicesFixture.Resolver.class)
class LtServicesClientTest {
    static final Path REPO = Path.of("").toAbsolutePath().getParent();

    private final ServicesFixture system;

    LtServicesClientTest(ServicesFixture system) {
        this.system = system;
    }

    /** lt submit --dry-run: the stages the run would have and what would stop it; no run recorded. */
    @Test
    void ltSubmitDryRunPrintsTheStagesAndRecordsNothing() throws Exception {
        int before = system.runs().list(io.lttricks.proto.v1.ListRunsRequest.getDefaultInstance()).getRunsCount();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = System.out;
        int code;
        try {
            System.setOut(new java.io.PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = new picocli.CommandLine(new Lt()).execute("submit", REPO.resolve("recipes/input_mixup_finetune.yaml").toString(),
                    "--profile", "quick", "--server", system.endpoint("sampler"), "--dry-run");
        } finally {
            System.setOut(out);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        String[] lines = printed.strip().split("\n");
        assertTrue(lines[0].startsWith("dry run: nothing recorded or started"), printed);
        assertEquals(lines[0].contains("it would stop at") ? 1 : 0, code, printed);
        assertEquals(3, lines.length, "the message and the two stages: " + printed);
        assertEquals(before, system.runs().list(io.lttricks.proto.v1.ListRunsRequest.getDefaultInstance()).getRunsCount());
    }

    /** lt reproduce --server: a row whose data set the services refuse at submission is skipped, saying why, not failed. */
    @Test
    void reproduceThroughTheServicesSkipsARowWhoseDataSetTheyDoNotHave(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("one.yaml"), "name: one\ndataset: {name: cifar10, imbalance: 100}\n"
                + "backbone: resnet20\nstages: [{name: train, epochs: 1, batch_size: 16}]\n");
        Path tables = Files.writeString(tmp.resolve("tables.yaml"), "tables:\n  - id: t1\n    title: \"One row\"\n"
                + "    rows:\n      - {id: plain, label: plain, recipe: one.yaml, paper: [30.0, 20.0, 60.0, 50.0]}\n");
        LtTest.Run r = LtTest.lt("reproduce", "t1", "--tables", tables.toString(), "--dataset", "cifar100", "--profile",
                "quick", "--out", tmp.resolve("out").toString(), "--server", system.endpoint("sampler"));
        assertEquals(0, r.code(), r.err() + r.out());
        String md = Files.readString(tmp.resolve("out/table-t1.md"));
        assertTrue(md.contains("| plain | 60.00 | skipped: dataset: CIFAR-100 is not in storage"), md);
    }

}
