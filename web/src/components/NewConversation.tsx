import { useRef, useState } from "preact/hooks";
import { ApiError, request } from "../api";
import { useModal } from "../hooks";
import { loadConversations, state } from "../store";
import type { Conversation, Kind, User } from "../types";
import { open } from "./Sidebar";
import { UserPicker } from "./UserPicker";

export function NewConversation({ onClose }: { onClose: () => void }) {
  const ref = useModal(onClose);
  const [kind, setKind] = useState<Kind>("direct");
  const [name, setName] = useState("");
  const [members, setMembers] = useState<User[]>([]);
  const [error, setError] = useState("");
  // A second submit while the first is on its way would make a second conversation.
  const [busy, setBusy] = useState(false);
  const submitting = useRef(false);

  const pick = (user: User) => setMembers(kind === "direct" ? [user] : [...members, user]);

  async function create(event: Event) {
    event.preventDefault();
    if (submitting.current) return;
    submitting.current = true;
    setBusy(true);
    setError("");
    try {
      const body = { kind, member_ids: members.map((user) => user.id), ...(kind === "direct" ? {} : { name }) };
      const created = await request<Conversation>("POST", "/api/conversations", body);
      await loadConversations();
      const entry = state.conversations.get(created.id);
      if (entry) open(entry);
      ref.current?.close();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : "Could not create the conversation.");
    } finally {
      submitting.current = false;
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} aria-labelledby="new-heading">
      <form onSubmit={create}>
        <h2 id="new-heading">New conversation</h2>
        <fieldset>
          <legend>Kind</legend>
          {(["direct", "group", "channel"] as Kind[]).map((option) => (
            <label key={option} class="inline">
              <input type="radio" name="kind" checked={kind === option} onChange={() => setKind(option)} /> {option}
            </label>
          ))}
        </fieldset>
        {kind !== "direct" && (
          <label>
            Name
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
          </label>
        )}
        <p>
          {members.length === 0 ? "Nobody picked yet." : "With: "}
          {members.map((user) => (
            <button
              type="button"
              class="chip"
              key={user.id}
              aria-label={`Remove ${user.username}`}
              onClick={() => setMembers(members.filter((m) => m.id !== user.id))}
            >
              {user.username} ×
            </button>
          ))}
        </p>
        <UserPicker label="Find people" onPick={pick} exclude={new Set(members.map((user) => user.id))} />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" onClick={() => ref.current?.close()}>
            Cancel
          </button>
          <button type="submit" disabled={busy || (kind === "direct" && members.length !== 1)}>
            Start conversation
          </button>
        </div>
      </form>
    </dialog>
  );
}
