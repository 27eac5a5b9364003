import { useState } from "preact/hooks";
import { ApiError, request } from "../api";
import { useModal } from "../hooks";
import { displayName, rememberUser, state, title } from "../store";
import type { Message, Page, User } from "../types";
import { open } from "./Sidebar";

/** Searches people and messages; picking a result opens its conversation. */
export function SearchDialog({ onClose }: { onClose: () => void }) {
  const ref = useModal(onClose);
  const [query, setQuery] = useState("");
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [people, setPeople] = useState<User[]>([]);
  const [error, setError] = useState("");

  async function search(event: Event) {
    event.preventDefault();
    const q = encodeURIComponent(query.trim());
    if (!q) return;
    setError("");
    try {
      const [found, users] = await Promise.all([
        request<Page<Message>>("GET", `/api/search/messages?q=${q}&limit=50`),
        request<Page<User>>("GET", `/api/users?q=${q}&limit=20`),
      ]);
      users.items.forEach(rememberUser);
      setMessages(found.items);
      setPeople(users.items);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : "Search failed.");
    }
  }

  function show(conversationId: string) {
    const entry = state.conversations.get(conversationId);
    if (entry) open(entry);
    ref.current?.close();
  }

  return (
    <dialog ref={ref} aria-labelledby="search-heading" class="wide">
      <form onSubmit={search} role="search">
        <h2 id="search-heading">Search</h2>
        <label>
          Words to find in messages and people
          <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} autoFocus />
        </label>
        <button type="submit">Search</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {messages && (
        <section aria-live="polite">
          <h3>People ({people.length})</h3>
          <ul>
            {people.map((user) => (
              <li key={user.id}>{displayName(user.id)}</li>
            ))}
          </ul>
          <h3>Messages ({messages.length})</h3>
          <ul class="results">
            {messages.map((message) => {
              const entry = state.conversations.get(message.conversation_id);
              return (
                <li key={message.id}>
                  <button type="button" onClick={() => show(message.conversation_id)}>
                    <span class="meta">
                      {displayName(message.sender_id)} in {entry ? title(entry) : "a conversation"}
                    </span>
                    <span>{message.content}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      )}
      <div class="dialog-actions">
        <button type="button" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
