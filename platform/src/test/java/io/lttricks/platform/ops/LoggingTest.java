package io.lttricks.platform.ops;

import io.lttricks.platform.Config;
import io.lttricks.platform.bus.JobAttempts;
import io.lttricks.platform.ServiceMain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.proto.v1.Recipe;
import io.lttricks.proto.v1.Stage;
import io.lttricks.proto.v1.TrainJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The services' log lines: run and stage on every line about a job, text or JSON as LT_LOG_FORMAT says. */
class LoggingTest {

    @Test
    void aJobsLinesNameItsRunAndStageAndNothingIsLeftBehind() throws Exception {
        List<String> seen = new ArrayList<>();
        TrainJob job = TrainJob.newBuilder().setRunId("r-7").setStageIndex(0)
                .setRecipe(Recipe.newBuilder().addStages(Stage.newBuilder().setName("first"))).build();
        new JobAttempts<TrainJob>((k, j) -> seen.add(MDC.get(LogContext.RUN_ID) + "/" + MDC.get(LogContext.STAGE)),
                (k, j, last) -> { }, new JobAttempts.RetryPolicy(1, Duration.ZERO, Duration.ZERO)).run("r-7", job);
        assertEquals(List.of("r-7/first"), seen);
        assertNull(MDC.get(LogContext.RUN_ID), "cleared after the job");

        try (LogContext outer = LogContext.of("outer", "")) {
            try (LogContext inner = LogContext.of("inner", "s")) {
                assertEquals("inner", MDC.get(LogContext.RUN_ID));
            }
            assertEquals("outer", MDC.get(LogContext.RUN_ID), "contexts nest");
            assertNull(MDC.get(LogContext.STAGE));
        }
    }

    @Test
    void textLinesCarryTheRunAndJsonLinesAreObjects() throws Exception {
        String text = logged("text");
        assertTrue(text.contains(" INFO ") && text.contains("TrainWorker run=r-7 stage=first - epoch done"), text);
        assertTrue(text.contains("LoggingTest - no run here"), "no empty run or stage: " + text);

        String json = logged("json");
        JsonNode first = new ObjectMapper().readTree(json.lines().findFirst().orElseThrow());
        assertEquals("INFO", first.path("level").asText());
        assertEquals("epoch done", first.path("message").asText());
        assertEquals("r-7", first.path("mdc").path("run_id").asText());
        assertEquals("first", first.path("mdc").path("stage").asText());
        assertEquals(2, json.lines().count(), "one line an event");
        assertTrue(logged("text").lines().noneMatch(l -> l.contains("kafka chatter")), "libraries at WARN");
    }

    @Test
    void anUnknownFormatIsRefusedAtStart() {
        ServiceMain.checkLogFormat(null);
        ServiceMain.checkLogFormat("json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServiceMain.checkLogFormat("xml"));
        assertEquals("LT_LOG_FORMAT must be text or json, got 'xml'", e.getMessage());
    }

    /** What the services' logback.xml writes for two lines (one about a run) and a library's INFO line, in {@code format}. */
    private static String logged(String format) throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(MDC.getMDCAdapter());
        context.putProperty(Config.LOG_FORMAT, format);
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(LoggingTest.class.getResource("/logback.xml"));
            try (LogContext c = LogContext.of("r-7", "first")) {
                context.getLogger("io.lttricks.trainer.TrainWorker").info("epoch done");
            }
            context.getLogger("org.apache.kafka.clients.NetworkClient").info("kafka chatter");
            context.getLogger(LoggingTest.class).info("no run here");
        } finally {
            context.stop();
            System.setOut(stdout);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
