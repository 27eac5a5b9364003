import { useRef, useState } from "preact/hooks";
import { displayName, type ConversationState } from "../store";
import { sendMessage, sendTyping } from "../socket";
import type { Message } from "../types";

const TYPING_RENEW_MS = 2000;

export function Composer(props: { entry: ConversationState; replyTo: Message | null; onReplyDone: () => void }) {
  const { entry, replyTo, onReplyDone } = props;
  const [text, setText] = useState("");
  const lastTyping = useRef(0);
  const id = entry.conversation.id;

  function typing(value: string) {
    setText(value);
    const now = Date.now();
    if (value.trim() && now - lastTyping.current > TYPING_RENEW_MS) {
      lastTyping.current = now;
      sendTyping(id, true);
    } else if (!value.trim() && lastTyping.current) {
      lastTyping.current = 0;
      sendTyping(id, false);
    }
  }

  function submit(event: Event) {
    event.preventDefault();
    const content = text.trim();
    if (!content) return;
    sendMessage(id, content, replyTo?.id ?? null);
    setText("");
    onReplyDone();
    if (lastTyping.current) sendTyping(id, false);
    lastTyping.current = 0;
  }

  return (
    <form class="composer" onSubmit={submit}>
      {replyTo && (
        <p class="replying">
          Replying to {displayName(replyTo.sender_id)}: {replyTo.content?.slice(0, 80)}
          <button type="button" onClick={onReplyDone} aria-label="Cancel reply">
            ×
          </button>
        </p>
      )}
      {/* Attachments (drag and drop, image previews) go here once the server has them. */}
      <label class="visually-hidden" for="composer-input">
        Message
      </label>
      <textarea
        id="composer-input"
        rows={2}
        maxLength={4000}
        placeholder="Write a message (Enter sends, Shift+Enter for a new line)"
        value={text}
        onInput={(e) => typing(e.currentTarget.value)}
        onBlur={() => lastTyping.current && (sendTyping(id, false), (lastTyping.current = 0))}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) submit(e);
        }}
      />
      <button type="submit">Send</button>
    </form>
  );
}
