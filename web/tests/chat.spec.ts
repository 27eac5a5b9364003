import { expect, test } from "@playwright/test";
import { conversationItem, log, messageTexts, register, send, uniqueName, watchCsp } from "./helpers";

test("two people chat: direct conversation, typing, presence, unread, edit, delete, offline recovery", async ({ browser }) => {
  const aliceName = uniqueName("alice");
  const bobName = uniqueName("bob");
  const alice = await register(browser, aliceName);
  const bob = await register(browser, bobName);
  const a = alice.page;
  const violations = [watchCsp(a), watchCsp(bob.page)];
  const b = bob.page;

  // Alice starts a direct conversation with Bob, found by searching his username.
  await a.getByRole("button", { name: "New conversation" }).click();
  const dialog = a.getByRole("dialog", { name: "New conversation" });
  await dialog.getByLabel("Find people").fill(bobName);
  await dialog.getByRole("button", { name: `Add ${bobName}` }).click();
  await dialog.getByRole("button", { name: "Start conversation" }).click();
  await expect(dialog).toBeHidden();
  await expect(a.getByRole("heading", { name: bobName })).toBeVisible();
  await expect(a.locator(".presence-text")).toHaveText("online");

  // Her first message reaches Bob's list live, with an unread badge; opening it clears the badge.
  await send(a, "hello bob");
  const bobsItem = conversationItem(b, aliceName);
  await expect(bobsItem.locator(".badge")).toHaveText("1 unread");
  await expect(bobsItem).toContainText("hello bob");
  await bobsItem.click();
  await expect(bobsItem.locator(".badge")).toHaveCount(0);
  await expect(messageTexts(b)).toHaveText(["hello bob"]);
  await expect(b.locator(".presence-text")).toHaveText("online");

  // Typing shows on the other side and goes away when the text is cleared.
  await b.getByLabel("Message", { exact: true }).pressSequentially("hi al");
  await expect(a.locator(".typing")).toHaveText(`${bobName} is typing…`);
  await b.getByLabel("Message", { exact: true }).fill("");
  await expect(a.locator(".typing")).toHaveText("");
  await send(b, "hi alice");
  await expect(messageTexts(a)).toHaveText(["hello bob", "hi alice"]);
  // Read markers: Bob has read Alice's message.
  await expect(log(a).getByText(`Seen by ${bobName}`)).toBeVisible();

  // Unread goes up while Bob looks elsewhere, and down when he comes back.
  await b.getByRole("button", { name: "Back to conversations" }).click();
  await send(a, "are you there?");
  await send(a, "second ping");
  await expect(bobsItem.locator(".badge")).toHaveText("2 unread");
  await expect(bobsItem).toContainText("second ping");
  await bobsItem.click();
  await expect(bobsItem.locator(".badge")).toHaveCount(0);
  await expect(messageTexts(b)).toHaveText(["hello bob", "hi alice", "are you there?", "second ping"]);

  // Alice edits one message and deletes another; Bob sees both.
  const first = log(a).getByRole("article").filter({ hasText: "hello bob" });
  await first.getByRole("button", { name: "Edit" }).click();
  await first.getByLabel("Edit message").fill("hello bob, edited");
  await first.getByRole("button", { name: "Save" }).click();
  await expect(log(b).getByRole("article").filter({ hasText: "hello bob, edited" })).toContainText("(edited)");
  await log(a).getByRole("article").filter({ hasText: "are you there?" }).getByRole("button", { name: "Delete" }).click();
  await expect(messageTexts(b)).toHaveText(["hello bob, edited", "hi alice", "Message deleted", "second ping"]);

  // Bob's network goes away: Alice sees him go offline; what she sends meanwhile, and what
  // Bob writes while cut off, arrives once and in order after he is back.
  await bob.context.setOffline(true);
  await expect(b.getByRole("status")).toHaveText(/Offline/);
  await expect(a.locator(".presence-text")).toHaveText("offline");
  for (const text of ["missed one", "missed two", "missed three"]) await send(a, text);
  await send(b, "written offline");
  await expect(log(b).locator(".pending")).toHaveText(/written offline/);
  await bob.context.setOffline(false);
  await expect(b.getByRole("status")).toHaveText("Connected");
  const expected = ["hello bob, edited", "hi alice", "Message deleted", "second ping", "missed one", "missed two", "missed three", "written offline"];
  await expect(messageTexts(b)).toHaveText(expected);
  await expect(messageTexts(a)).toHaveText(expected);
  await expect(log(b).locator(".pending")).toHaveCount(0);
  await expect(a.locator(".presence-text")).toHaveText("online");

  // A reload starts from the server's history: still the same messages, once each.
  await b.reload();
  await conversationItem(b, aliceName).click();
  await expect(messageTexts(b)).toHaveText(expected);

  expect(violations.flat()).toEqual([]);
  await alice.context.close();
  await bob.context.close();
});
