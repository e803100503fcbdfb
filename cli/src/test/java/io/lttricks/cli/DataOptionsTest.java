package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lttricks.platform.Config;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What lt up and lt run pass on to their services about data. */
class DataOptionsTest {

    /** --offline reached the command-line's own loaders only; the services of lt run still downloaded. */
    @Test
    void offlineTellsTheServicesOfLtRunAndLtUpNotToDownload() {
        RunCommands.Run run = new RunCommands.Run();
        new CommandLine(run).parseArgs("recipes/baseline.yaml", "--offline");
        assertEquals(Map.of(Config.DOWNLOADS, "off"), run.data.servicesEnv());
        RunCommands.Up up = new RunCommands.Up();
        new CommandLine(up).parseArgs("--offline");
        assertEquals(Map.of(Config.DOWNLOADS, "off"), up.data.servicesEnv());
    }
}
