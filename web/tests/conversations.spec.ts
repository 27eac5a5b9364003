import { expect, test, type Locator } from "@playwright/test";
import { Api, conversationItem, log, messageTexts, PASSWORD, register, signIn, uniqueName, watchCsp } from "./helpers";

const roster = (dialog: Locator) => dialog.getByRole("list", { name: "Members" }).getByRole("listitem");

test("sign-in errors are shown in the form", async ({ page, request }) => {
  const name = uniqueName("frank");
  await Api.register(request, name);
  await page.goto("/");
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page.getByRole("status")).toHaveCount(0);

  await page.getByRole("button", { name: "Create an account instead" }).click();
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Password").fill("another password");
  await page.getByRole("button", { name: "Create an account", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText(/taken|exists|already/i);
});

test("group history pages in on scroll, members are managed, search finds messages, channels are read-only", async ({ browser, request }) => {
  const [carolName, daveName, erinName] = [uniqueName("carol"), uniqueName("dave"), uniqueName("erin")];
  const carolApi = await Api.register(request, carolName);
  const daveApi = await Api.register(request, daveName);
  await Api.register(request, erinName);
  const group = await carolApi.call("POST", "/api/conversations", { kind: "group", name: "Project room", member_ids: [daveApi.id] });
  const expected: string[] = [];
  for (let n = 1; n <= 60; n++) {
    const content = n === 7 ? "the kiwi is ripe" : `message ${n}`;
    expected.push(content);
    await carolApi.call("POST", `/api/conversations/${group.id}/messages`, { content, client_id: crypto.randomUUID() });
  }

  const carol = await signIn(browser, carolName);
  const c = carol.page;
  const violations = watchCsp(c);
  await conversationItem(c, "Project room").click();
  // The newest page first; scrolling to the top brings the rest, each message once, in order.
  await expect(messageTexts(c).last()).toHaveText("message 60");
  await expect(messageTexts(c)).toHaveCount(50);
  await log(c).evaluate((element) => (element.scrollTop = 0));
  await expect(messageTexts(c)).toHaveText(expected);
  await expect(log(c).getByRole("button", { name: "Load older messages" })).toHaveCount(0);

  // Members: add Erin, make Dave an admin, remove Erin again.
  await c.getByRole("button", { name: /^Members/ }).click();
  const members = c.getByRole("dialog", { name: "Members of Project room" });
  await members.getByLabel("Add people").fill(erinName);
  await members.getByRole("button", { name: `Add ${erinName}` }).click();
  await expect(roster(members).filter({ hasText: erinName })).toContainText("member");
  await members.getByRole("button", { name: `Make ${daveName} an admin` }).click();
  await expect(roster(members).filter({ hasText: daveName })).toContainText("admin");
  await members.getByRole("button", { name: `Remove ${erinName}` }).click();
  await expect(roster(members).filter({ hasText: erinName })).toHaveCount(0);
  await members.getByRole("button", { name: "Close" }).click();
  const listed = await daveApi.call("GET", `/api/conversations/${group.id}/members`);
  expect(listed.items.map((m: { user: { username: string }; role: string }) => `${m.user.username}:${m.role}`).sort()).toEqual(
    [`${carolName}:owner`, `${daveName}:admin`].sort(),
  );

  // Search finds the message and opens its conversation.
  await c.getByRole("button", { name: "New conversation" }).focus();
  await c.getByRole("button", { name: "Search", exact: true }).click();
  const search = c.getByRole("dialog", { name: "Search" });
  await search.getByLabel("Words to find in messages and people").fill("kiwi");
  await search.getByRole("button", { name: "Search", exact: true }).click();
  await expect(search.getByRole("heading", { name: "Messages (1)" })).toBeVisible();
  await search.getByRole("button", { name: /the kiwi is ripe/ }).click();
  await expect(c.getByRole("heading", { name: "Project room" })).toBeVisible();

  // A channel made in the browser reaches Dave's phone-sized window; there he may only read.
  await c.getByRole("button", { name: "New conversation" }).click();
  const dialog = c.getByRole("dialog", { name: "New conversation" });
  await dialog.getByLabel("channel").check();
  await dialog.getByLabel("Name").fill("Announcements");
  await dialog.getByLabel("Find people").fill(daveName);
  await dialog.getByRole("button", { name: `Add ${daveName}` }).click();
  await dialog.getByRole("button", { name: "Start conversation" }).click();
  await expect(c.getByRole("heading", { name: "Announcements" })).toBeVisible();
  await c.getByLabel("Message", { exact: true }).fill("Release on Friday");
  await c.getByLabel("Message", { exact: true }).press("Enter");
  await expect(messageTexts(c)).toHaveText(["Release on Friday"]);
  await expect(log(c).locator(".pending")).toHaveCount(0);

  const dave = await signIn(browser, daveName, { width: 390, height: 760 });
  const d = dave.page;
  await conversationItem(d, "Announcements").click();
  await expect(messageTexts(d)).toHaveText(["Release on Friday"]);
  await expect(d.getByText("Only the owner and admins post in this channel.")).toBeVisible();
  await expect(d.getByLabel("Message", { exact: true })).toHaveCount(0);
  // On a phone the list and the conversation take turns.
  await expect(d.getByRole("navigation", { name: "Conversations" })).toBeHidden();
  await d.getByRole("button", { name: "Back to conversations" }).click();
  await expect(conversationItem(d, "Project room")).toBeVisible();

  expect(violations).toEqual([]);
  await carol.context.close();
  await dave.context.close();
});

test("two tabs of one person share the session and renew it without revoking it", async ({ browser }) => {
  const name = uniqueName("gina");
  const first = await register(browser, name);
  const second = await first.context.newPage();
  await second.goto("/");
  await expect(second.getByRole("status")).toHaveText("Connected");

  // Wait until the access token has lapsed (the test server issues 5-second tokens) ...
  const expiresAt = await first.page.evaluate(() => JSON.parse(localStorage.getItem("palaver.session")!).expiresAt);
  await expect.poll(() => first.page.evaluate(() => Date.now()), { timeout: 15_000 }).toBeGreaterThan(expiresAt);
  // ... then both tabs need it at once: one of them renews it, the other takes the result.
  const searches = [first.page, second].map(async (page) => {
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByLabel("Words to find in messages and people").fill(name);
    await page.getByRole("dialog", { name: "Search" }).getByRole("button", { name: "Search", exact: true }).click();
    await expect(page.getByRole("heading", { name: "People (1)" })).toBeVisible();
  });
  await Promise.all(searches);
  await second.reload();
  await expect(second.getByRole("status")).toHaveText("Connected");
  await expect(first.page.getByRole("status")).toHaveText("Connected");
  await first.context.close();
});

test("from the keyboard: sign in, tab order, a dialog that Escape closes, Enter to send", async ({ page, request }) => {
  const name = uniqueName("hana");
  const friend = uniqueName("ivan");
  await Api.register(request, name);
  await Api.register(request, friend);
  await page.goto("/");
  // The username field has the focus; Tab leads to the password, Enter submits.
  await page.keyboard.type(name);
  await page.keyboard.press("Tab");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toHaveText("Connected");

  // Tab order in the sidebar: Sign out, New conversation, Search.
  await page.getByRole("button", { name: "Sign out" }).focus();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "New conversation" })).toBeFocused();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "New conversation" });
  await expect(dialog).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("button", { name: "New conversation" })).toBeFocused();

  await page.keyboard.press("Enter");
  await dialog.getByLabel("Find people").focus();
  await page.keyboard.type(friend);
  await dialog.getByRole("button", { name: `Add ${friend}` }).focus();
  await page.keyboard.press("Enter");
  await dialog.getByRole("button", { name: "Start conversation" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: friend })).toBeVisible();
  await page.getByLabel("Message", { exact: true }).focus();
  await page.keyboard.type("first line");
  await page.keyboard.press("Shift+Enter");
  await page.keyboard.type("second line");
  await page.keyboard.press("Enter");
  await expect(messageTexts(page)).toHaveText(["first line\nsecond line"]);

  // A reply quotes the message it answers.
  await log(page).getByRole("button", { name: `Reply to ${name}` }).click();
  await expect(page.getByText(`Replying to ${name}: first line`)).toBeVisible();
  await page.getByLabel("Message", { exact: true }).fill("an answer");
  await page.getByLabel("Message", { exact: true }).press("Enter");
  const answer = log(page).getByRole("article").filter({ hasText: "an answer" });
  await expect(answer.locator("blockquote")).toHaveText(`${name}: first line\nsecond line`);
  await expect(page.getByText(/Replying to/)).toHaveCount(0);
});
