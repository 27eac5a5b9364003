import { useEffect, useState } from "preact/hooks";
import { state, typingUsers } from "../store";

/** "alice is typing…", cleared when the indicator lapses. */
export function TypingLine({ conversationId }: { conversationId: string }) {
  const [, tick] = useState(0);
  const names = typingUsers(conversationId).map((id) => state.users.get(id)?.username ?? "someone");
  useEffect(() => {
    if (names.length === 0) return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [names.length]);
  const text =
    names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  return (
    <p class="typing" aria-live="polite">
      {text}
    </p>
  );
}
