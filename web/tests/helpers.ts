import { expect, type APIRequestContext, type Browser, type Page } from "@playwright/test";

/** A username no other run has used: every run shares nothing but the fresh database. */
export const uniqueName = (prefix: string) => `${prefix}_${Math.random().toString(36).slice(2, 8)}`;

export async function register(browser: Browser, username: string, viewport = { width: 1100, height: 750 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on("dialog", (dialog) => void dialog.accept());
  await page.goto("/");
  await page.getByRole("button", { name: "Create an account instead" }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
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

/** Fails the test if the page reports a content security policy violation. */
export function watchCsp(page: Page) {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) violations.push(message.text());
  });
  return violations;
}

export async function signIn(browser: Browser, username: string, viewport = { width: 1100, height: 750 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on("dialog", (dialog) => void dialog.accept());
  await page.goto("/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("status")).toHaveText("Connected");
  return { context, page };
}

export const PASSWORD = "correct horse battery";

/** Seeds data through the public API, as another client would (signing in again when the
 * test server's short-lived access token has lapsed). */
export class Api {
  constructor(
    private request: APIRequestContext,
    private username: string,
    public token: string,
    public id: string,
  ) {}

  static async register(request: APIRequestContext, username: string) {
    const response = await request.post("/api/auth/register", { data: { username, password: PASSWORD } });
    expect(response.status()).toBe(201);
    const session = await response.json();
    return new Api(request, username, session.access_token, session.user.id);
  }

  private async signIn() {
    const response = await this.request.post("/api/auth/login", { data: { username: this.username, password: PASSWORD } });
    expect(response.status()).toBe(200);
    this.token = (await response.json()).access_token;
  }

  async call(method: string, path: string, data?: unknown) {
    const send = () =>
      this.request.fetch(path, { method, data, headers: { Authorization: `Bearer ${this.token}` } });
    let response = await send();
    if (response.status() === 401) {
      await this.signIn();
      response = await send();
    }
    expect(response.ok(), `${method} ${path}: ${response.status()}`).toBeTruthy();
    return response.status() === 204 ? undefined : response.json();
  }
}
