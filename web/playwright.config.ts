import { defineConfig } from "@playwright/test";

// The server is started by scripts/test-web.sh (`make test-web`), which passes its address.
// Browsers are not downloaded: the tests drive the system's Chromium.
const baseURL = process.env.PALAVER_WEB_URL;
if (!baseURL) throw new Error("PALAVER_WEB_URL is not set: run the browser tests with `make test-web`");

export default defineConfig({
  testDir: "tests",
  timeout: 120_000,
  expect: { timeout: 10_000 },
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL,
    browserName: "chromium",
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" },
    trace: "retain-on-failure",
  },
});
