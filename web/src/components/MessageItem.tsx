import { useState } from "preact/hooks";
import { ApiError, request } from "../api";
import { displayName, state, type ConversationState } from "../store";
import type { Message } from "../types";

interface Props {
  message: Message;
  entry: ConversationState;
  onReply: () => void;
  seenBy: string[];
}

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

export function MessageItem({ message, entry, onReply, seenBy }: Props) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState("");
  const mine = message.sender_id === state.me?.id;
  const role = entry.members?.get(state.me?.id ?? "")?.role;
  const canDelete = mine || role === "owner" || role === "admin";
  const quoted = message.reply_to_id ? entry.messages.get(message.reply_to_id) : undefined;
  const sender = displayName(message.sender_id);

  async function act(action: () => Promise<unknown>) {
    setError("");
    try {
      await action();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : "That did not work; try again.");
    }
  }

  async function saveEdit(event: Event) {
    event.preventDefault();
    const content = String(new FormData(event.currentTarget as HTMLFormElement).get("content")).trim();
    await act(() => request("PATCH", `/api/messages/${message.id}`, { content }));
    setEditing(false);
  }

  const remove = () => {
    if (confirm("Delete this message?")) void act(() => request("DELETE", `/api/messages/${message.id}`));
  };

  return (
    <article class={`message ${mine ? "mine" : ""}`} aria-label={`${sender} at ${time(message.created_at)}`} data-seq={message.seq}>
      <p class="meta">
        <span class="sender">{sender}</span> <time dateTime={message.created_at}>{time(message.created_at)}</time>
        {message.edited_at && !message.deleted_at && <span> (edited)</span>}
      </p>
      {message.reply_to_id && (
        <blockquote class="quote">
          {quoted ? `${displayName(quoted.sender_id)}: ${quoted.content ?? "deleted message"}` : "Reply to an earlier message"}
        </blockquote>
      )}
      {message.deleted_at ? (
        <p class="content deleted">Message deleted</p>
      ) : editing ? (
        <form onSubmit={saveEdit} class="edit">
          <label>
            Edit message
            <textarea name="content" defaultValue={message.content ?? ""} required maxLength={4000} autoFocus
              onKeyDown={(e) => e.key === "Escape" && setEditing(false)} />
          </label>
          <button type="submit">Save</button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <p class="content">{message.content}</p>
      )}
      {/* Reactions and thread replies slot in here once the rich-messaging routes exist. */}
      {!message.deleted_at && !editing && (
        <div class="actions">
          <button type="button" onClick={onReply} aria-label={`Reply to ${sender}`}>
            Reply
          </button>
          {mine && (
            <button type="button" onClick={() => setEditing(true)}>
              Edit
            </button>
          )}
          {canDelete && (
            <button type="button" onClick={remove}>
              Delete
            </button>
          )}
        </div>
      )}
      {seenBy.length > 0 && <p class="meta seen">Seen by {seenBy.join(", ")}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}
