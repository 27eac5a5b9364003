import { useEffect, useState } from "preact/hooks";
import { currentUser, request, whenSignedOut } from "../api";
import { useStore } from "../hooks";
import { connect, disconnect } from "../socket";
import { loadConversations, markRead, reset, state } from "../store";
import type { User } from "../types";
import { ConversationView } from "./ConversationView";
import { Login } from "./Login";
import { Sidebar } from "./Sidebar";

export function App() {
  useStore();
  const [user, setUser] = useState<User | null>(currentUser());

  useEffect(() => {
    whenSignedOut(() => {
      disconnect();
      reset();
      setUser(null);
    });
  }, []);

  useEffect(() => {
    if (!user) return;
    state.me = user;
    state.users.set(user.id, user);
    // Refresh the profile (and the token, if it lapsed while the tab was closed).
    void request<User>("GET", "/api/users/me").then((me) => (state.me = me)).catch(() => undefined);
    void loadConversations().catch(() => undefined);
    connect();
    const onVisible = () => {
      const entry = state.activeId ? state.conversations.get(state.activeId) : undefined;
      if (entry && document.visibilityState === "visible") markRead(entry);
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      disconnect();
    };
  }, [user]);

  if (!user) return <Login onSignedIn={setUser} />;
  const active = state.activeId ? state.conversations.get(state.activeId) : undefined;
  return (
    <div class={`shell ${active ? "has-active" : ""}`}>
      <Sidebar />
      <main class="main">
        {active ? (
          <ConversationView key={active.conversation.id} entry={active} />
        ) : (
          <div class="empty">
            <p>Pick a conversation, or start a new one.</p>
          </div>
        )}
      </main>
    </div>
  );
}
