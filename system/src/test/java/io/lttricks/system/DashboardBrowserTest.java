package io.lttricks.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StageResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (headless Chromium through chromedriver), on the embedded system:
 * a finished run's figures as report.json has them, a comparison of two runs, and a live run's
 * epoch counter moving as the run trains. Skipped where Chromium or chromedriver is not installed
 * ({@code .ci/run} installs Debian's chromium and chromium-driver); {@code LT_CHROMIUM} and
 * {@code LT_CHROMEDRIVER} name other binaries. With {@code -Dlt.dashboard.screenshots=DIR} it also
 * writes screenshots of the pages there (how docs/dashboard-*.png are made).
 */
@ExtendWith(ServicesFixture.Resolver.class)
class DashboardBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PAGE = Duration.ofSeconds(30);
    private static WebDriver browser;
    private final ServicesFixture system;

    DashboardBrowserTest(ServicesFixture system) {
        this.system = system;
    }

    @BeforeAll
    static void browser() {
        Path chromium = Path.of(System.getenv().getOrDefault("LT_CHROMIUM", "/usr/bin/chromium"));
        Path driver = Path.of(System.getenv().getOrDefault("LT_CHROMEDRIVER", "/usr/bin/chromedriver"));
        Assumptions.assumeTrue(Files.isExecutable(chromium) && Files.isExecutable(driver),
                "Chromium or chromedriver not installed (" + chromium + ", " + driver
                        + "; Debian: apt-get install chromium chromium-driver): the browser test is skipped");
        ChromeOptions options = new ChromeOptions().setBinary(chromium.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--window-size=1400,1000", "--lang=en-US");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, java.util.logging.Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(PAGE);
    }

    @AfterAll
    static void close() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void showsAFinishedRunAsItsReportSaysThenComparesItWithARunThatTrainsLive() throws Exception {
        ServicesFixture.Finished pipeline = system.pipeline();
        String url = system.dashboardUrl();

        // The runs page lists the finished run.
        open(url + "#/");
        await(d -> d.getPageSource().contains(pipeline.runId()), "the runs page lists " + pipeline.runId());
        screenshot("runs");

        // A finished run: every evaluated stage's headline and per-class figures as report.json has them.
        RunResults results = system.runs().results(GetRunRequest.newBuilder().setRunId(pipeline.runId()).build());
        open(url + "#/run/" + pipeline.runId());
        await(d -> !d.findElements(By.cssSelector("#run-phase")).isEmpty()
                && "succeeded".equals(d.findElement(By.id("run-phase")).getText().trim()), "the run's phase is shown");
        for (StageResult stage : results.getStagesList()) {
            JsonNode report = JSON.readTree(system.store().get(stage.getMetrics().getReportKey()));
            WebElement section = await(d -> first(d, "[data-stage='" + stage.getStage() + "'] .top1"),
                    "stage " + stage.getStage() + "'s top-1 error");
            assertEquals(percent(report.get("top1Error").asDouble()), section.getText().trim(),
                    "stage " + stage.getStage() + ": the top-1 error shown is report.json's");
            String many = browser.findElement(By.cssSelector("[data-stage='" + stage.getStage() + "'] .many")).getText().trim();
            assertEquals(report.hasNonNull("manyShot") ? percent(report.get("manyShot").asDouble()) : "–", many);
            JsonNode classes = report.get("classes");
            for (int c = 0; c < classes.size(); c++) {
                String cell = browser.findElement(By.cssSelector("[data-stage='" + stage.getStage() + "'] tr[data-class='"
                        + classes.get(c).asText() + "'] .acc")).getText().trim();
                assertEquals(percent(report.get("perClassAccuracy").get(c).asDouble()), cell,
                        "stage " + stage.getStage() + ", class " + classes.get(c).asText());
            }
        }
        // The CAM stage's preview, as the augment service stored it with the first shard.
        WebElement preview = await(d -> d.findElements(By.cssSelector("[data-stage='cam'] img.cam-preview")).stream()
                .findFirst().orElse(null), "the CAM stage's preview");
        await(d -> ((Number) ((JavascriptExecutor) d).executeScript("return arguments[0].complete ? arguments[0].naturalWidth : 0",
                preview)).intValue() > 0, "the CAM preview image loaded");
        screenshot("run");

        // A run that trains while the page is open: its epoch counter moves with the run's events.
        RunStatus live = system.submit("name: live\n"
                + "dataset: {name: imagefolder, source: 's3://lttricks/datasets/mini-cifar.tar.gz', imbalance: 10}\n"
                + "backbone: resnet20\nseed: 2\nprofile: quick\nstages:\n"
                + "  - {name: train, epochs: 4, batch_size: 16, lr: 0.05, loss: Focal}\n", "");
        open(url + "#/run/" + live.getRunId());
        Pattern epoch = Pattern.compile("epoch (\\d+)/4");
        String firstSeen = await(d -> matching(d, epoch), "the live epoch counter of run " + live.getRunId());
        int from = Integer.parseInt(firstSeen);
        screenshot("live");
        String later = await(d -> {
            String e = matching(d, epoch);
            return e != null && Integer.parseInt(e) > from ? e : null;
        }, Duration.ofMinutes(5), "the epoch counter moving past epoch " + from);
        assertTrue(Integer.parseInt(later) > from);
        await(d -> "succeeded".equals(d.findElement(By.id("run-phase")).getText().trim()), Duration.ofMinutes(5),
                "the live run's page showing it succeeded");
        assertEquals(RunPhase.RUN_SUCCEEDED, system.runs().get(GetRunRequest.newBuilder().setRunId(live.getRunId()).build())
                .getPhase());

        // The comparison: both runs' headline figures and what differs in their recipes.
        open(url + "#/compare/" + pipeline.runId() + "," + live.getRunId());
        await(d -> d.findElements(By.cssSelector(".top1")).size() >= 2, "the comparison's headline table");
        List<String> shown = new ArrayList<>();
        for (WebElement e : browser.findElements(By.cssSelector(".top1"))) {
            shown.add(e.getText().trim());
        }
        for (String runId : List.of(pipeline.runId(), live.getRunId())) {
            RunResults r = system.runs().results(GetRunRequest.newBuilder().setRunId(runId).build());
            StageResult last = r.getStages(r.getStagesCount() - 1);
            JsonNode report = JSON.readTree(system.store().get(last.getMetrics().getReportKey()));
            assertTrue(shown.contains(percent(report.get("top1Error").asDouble())),
                    "run " + runId + "'s top-1 error " + percent(report.get("top1Error").asDouble()) + " in " + shown);
        }
        String page = browser.getPageSource();
        assertTrue(page.contains("Focal"), "the recipe differences show the live run's loss");
        screenshot("compare");
        assertNoScriptErrors();
    }

    private void open(String url) {
        browser.get(url);
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    private static WebElement first(WebDriver d, String css) {
        List<WebElement> found = d.findElements(By.cssSelector(css));
        return found.isEmpty() || found.get(0).getText().isBlank() ? null : found.get(0);
    }

    private static String matching(WebDriver d, Pattern p) {
        List<WebElement> found = d.findElements(By.id("live-epoch"));
        if (found.isEmpty()) {
            return null;
        }
        Matcher m = p.matcher(found.get(0).getText());
        return m.find() ? m.group(1) : null;
    }

    private static <T> T await(java.util.function.Function<WebDriver, T> condition, String what) {
        return await(condition, PAGE, what);
    }

    private static <T> T await(java.util.function.Function<WebDriver, T> condition, Duration timeout, String what) {
        WebDriverWait wait = new WebDriverWait(browser, timeout, Duration.ofMillis(100));
        wait.withMessage(() -> what + "; the page says: " + excerpt());
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        wait.ignoring(org.openqa.selenium.NoSuchElementException.class);
        return wait.until(d -> {
            T v = condition.apply(d);
            return v instanceof Boolean b && !b ? null : v;
        });
    }

    private static String excerpt() {
        String text = browser.findElement(By.tagName("body")).getText();
        return text.length() > 600 ? text.substring(0, 600) + "..." : text;
    }

    /** Nothing the page ran threw: the browser's console has no SEVERE entry. */
    private static void assertNoScriptErrors() {
        List<String> severe = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()) {
                severe.add(e.getMessage());
            }
        }
        assertTrue(severe.isEmpty(), "the browser's console: " + severe);
    }

    /** Writes the page, whole height, to DIR/dashboard-NAME.png when -Dlt.dashboard.screenshots=DIR. */
    private static void screenshot(String name) throws Exception {
        String dir = System.getProperty("lt.dashboard.screenshots");
        if (dir == null || dir.isBlank()) {
            return;
        }
        Thread.sleep(500);
        Object height = ((JavascriptExecutor) browser).executeScript(
                "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)");
        Dimension before = browser.manage().window().getSize();
        browser.manage().window().setSize(new Dimension(1400, Math.max(700, Math.min(6000, ((Number) height).intValue() + 40))));
        Thread.sleep(300);
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.createDirectories(Path.of(dir));
        Files.write(Path.of(dir, "dashboard-" + name + ".png"), png);
        browser.manage().window().setSize(before);
    }
}
