import { expect, type Browser, type Page } from "@playwright/test";

/** A username no other run has used: every run shares nothing but the fresh database. */
export const uniqueName = (prefix: string) => `${prefix}_${Math.random().toString(36).slice(2, 8)}`;

export async function register(browser: Browser, username: string, viewport = { width: 1100, height: 750 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on("dialog", (dialog) => void dialog.accept());
  await page.goto("/");
  await page.getByRole("button", { name: "Create an account instead" }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create an account", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("Connected");
  return { context, page };
}

export function conversationItem(page: Page, title: string) {
  return page.getByRole("navigation", { name: "Conversations" }).getByRole("button", { name: new RegExp(`^${title} `) });
}

export function log(page: Page) {
  return page.getByRole("log");
}

/** The texts of the messages in the open conversation, oldest first. */
export function messageTexts(page: Page) {
  return log(page).locator("article .content");
}

export async function send(page: Page, text: string) {
  const box = page.getByLabel("Message", { exact: true });
  await box.fill(text);
  await box.press("Enter");
}
