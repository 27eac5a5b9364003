import { expect, test } from "@playwright/test";
import { Api, conversationItem, messageTexts, register, send, signIn, uniqueName } from "./helpers";

// Takes the README's screenshots; runs only when PALAVER_SCREENSHOTS names a folder:
//   PALAVER_SCREENSHOTS=$PWD/docs/web-client make test-web ARGS=screenshots
const folder = process.env.PALAVER_SCREENSHOTS;
test.skip(!folder, "PALAVER_SCREENSHOTS is not set");

test("screenshots of the main screens", async ({ browser, request }) => {
  const shot = (page: import("@playwright/test").Page, name: string) => page.screenshot({ path: `${folder}/${name}.png` });
  const desktop = { width: 1000, height: 620 };

  const login = await browser.newPage({ viewport: desktop });
  await login.goto("/");
  await expect(login.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await shot(login, "login");

  const aliceName = uniqueName("alice");
  const bobName = uniqueName("bob");
  const bobApi = await Api.register(request, bobName);
  const alice = await register(browser, aliceName, desktop);
  const me = await alice.page.evaluate(() => JSON.parse(localStorage.getItem("palaver.session")!));
  const carolApi = await Api.register(request, uniqueName("carol"));
  const group = await carolApi.call("POST", "/api/conversations", { kind: "group", name: "Design review", member_ids: [me.user.id, bobApi.id] });
  const direct = await bobApi.call("POST", "/api/conversations", { kind: "direct", member_ids: [me.user.id] });

  const a = alice.page;
  for (const content of ["Morning! Are the mock-ups ready?", "Almost, I'm fixing the colours on the phone layout."]) {
    await bobApi.call("POST", `/api/conversations/${direct.id}/messages`, { content, client_id: crypto.randomUUID() });
  }
  await conversationItem(a, bobName).click();
  await expect(messageTexts(a)).toHaveCount(2);
  await send(a, "Great, send them over when you can.");
  await expect(messageTexts(a)).toHaveCount(3);
  await carolApi.call("POST", `/api/conversations/${group.id}/messages`, { content: "Review moved to 3 pm", client_id: crypto.randomUUID() });
  await carolApi.call("POST", `/api/conversations/${group.id}/messages`, { content: "Bring the phone prototype", client_id: crypto.randomUUID() });
  const bob = await signIn(browser, bobName, desktop);
  await conversationItem(bob.page, aliceName).click();
  await bob.page.getByLabel("Message", { exact: true }).pressSequentially("Here they");
  await expect(a.locator(".typing")).toHaveText(`${bobName} is typing…`);
  await expect(conversationItem(a, "Design review").locator(".badge")).toHaveText("2 unread");
  await shot(a, "conversation");

  await a.getByRole("button", { name: "New conversation" }).click();
  const dialog = a.getByRole("dialog", { name: "New conversation" });
  await dialog.getByLabel("group").check();
  await dialog.getByLabel("Name").fill("Launch");
  await dialog.getByLabel("Find people").fill(bobName.slice(0, 4));
  await expect(dialog.getByRole("button", { name: `Add ${bobName}` })).toBeVisible();
  await shot(a, "new-conversation");

  const phone = await signIn(browser, aliceName, { width: 390, height: 700 });
  await shot(phone.page, "phone-list");
  await conversationItem(phone.page, bobName).click();
  await expect(messageTexts(phone.page)).toHaveCount(3);
  await shot(phone.page, "phone-conversation");
});
