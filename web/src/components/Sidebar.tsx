import { useState } from "preact/hooks";
import { signOut } from "../api";
import { markRead, otherMember, sortedConversations, state, title, type ConversationState } from "../store";
import { NewConversation } from "./NewConversation";
import { Presence } from "./Presence";
import { SearchDialog } from "./SearchDialog";

export function open(entry: ConversationState) {
  state.activeId = entry.conversation.id;
  markRead(entry);
}

export function Sidebar() {
  const [dialog, setDialog] = useState<"new" | "search" | null>(null);
  const statusText = { online: "Connected", connecting: "Connecting…", offline: "Offline, reconnecting…" }[
    state.connection
  ];
  return (
    <nav class="sidebar" aria-label="Conversations">
      <header class="sidebar-head">
        <div>
          <strong>{state.me?.username}</strong>
          <p class={`status status-${state.connection}`} role="status">
            {statusText}
          </p>
        </div>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <div class="sidebar-actions">
        <button type="button" onClick={() => setDialog("new")}>
          New conversation
        </button>
        <button type="button" onClick={() => setDialog("search")}>
          Search
        </button>
      </div>
      <ul class="conversation-list">
        {sortedConversations().map((entry) => (
          <ConversationItem key={entry.conversation.id} entry={entry} />
        ))}
      </ul>
      {dialog === "new" && <NewConversation onClose={() => setDialog(null)} />}
      {dialog === "search" && <SearchDialog onClose={() => setDialog(null)} />}
    </nav>
  );
}

function ConversationItem({ entry }: { entry: ConversationState }) {
  const last = entry.lastMessage;
  const preview = !last ? "No messages yet" : last.deleted_at ? "Message deleted" : last.content;
  const other = otherMember(entry);
  const active = state.activeId === entry.conversation.id;
  return (
    <li>
      <button
        type="button"
        class={`conversation ${active ? "active" : ""}`}
        aria-current={active ? "true" : undefined}
        onClick={() => open(entry)}
      >
        <span class="conversation-title">
          <span class="name">{title(entry)}</span>
          {other && <Presence userId={other} />}
          {entry.conversation.kind !== "direct" && <span class="kind">{entry.conversation.kind}</span>}
          {entry.unread > 0 && (
            <span class="badge">
              {entry.unread}
              <span class="visually-hidden"> unread</span>
            </span>
          )}
        </span>
        <span class="preview">{preview}</span>
      </button>
    </li>
  );
}
