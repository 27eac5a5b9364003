import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { changed, loadMembers, loadMessages, markRead, otherMember, sortedMessages, state, title, type ConversationState } from "../store";
import type { Message } from "../types";
import { Composer } from "./Composer";
import { MembersDialog } from "./MembersDialog";
import { MessageItem } from "./MessageItem";
import { Presence } from "./Presence";
import { TypingLine } from "./TypingLine";

export function ConversationView({ entry }: { entry: ConversationState }) {
  const logRef = useRef<HTMLDivElement>(null);
  const fromBottom = useRef(0);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [showMembers, setShowMembers] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const messages = sortedMessages(entry);
  const pending = [...state.pending.values()].filter((p) => p.conversationId === entry.conversation.id);
  const other = otherMember(entry);
  const role = entry.members?.get(state.me?.id ?? "")?.role;
  const canPost = entry.conversation.kind !== "channel" || role === "owner" || role === "admin";

  useEffect(() => {
    if (!entry.messages) void loadMessages(entry, false).then(() => markRead(entry));
    if (!entry.members) void loadMembers(entry);
  }, [entry.conversation.id]);

  // Keep the view anchored to the bottom (new messages) or to where it was (older pages).
  useLayoutEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight - log.clientHeight - fromBottom.current;
  });

  async function older() {
    if (loadingOlder || !entry.hasOlder || !entry.messages) return;
    setLoadingOlder(true);
    try {
      await loadMessages(entry, true);
    } finally {
      setLoadingOlder(false);
    }
  }

  function onScroll() {
    const log = logRef.current!;
    fromBottom.current = log.scrollHeight - log.clientHeight - log.scrollTop;
    if (log.scrollTop < 40) void older();
  }

  const myLast = [...messages].reverse().find((m) => m.sender_id === state.me?.id && !m.deleted_at);
  const seenBy = myLast
    ? [...(entry.members?.values() ?? [])]
        .filter((m) => m.user.id !== state.me?.id && m.last_read_seq >= myLast.seq)
        .map((m) => m.user.username)
    : [];

  return (
    <section class="conversation-view" aria-labelledby="conversation-title">
      <header class="conversation-head">
        <button type="button" class="back" onClick={() => { state.activeId = null; changed(); }} aria-label="Back to conversations">
          ←
        </button>
        <h2 id="conversation-title">
          {other && <Presence userId={other} />} {title(entry)}
        </h2>
        {other && <span class="presence-text">{state.online.get(other) ? "online" : "offline"}</span>}
        <button type="button" onClick={() => setShowMembers(true)}>
          Members ({entry.members?.size ?? entry.conversation.member_count})
        </button>
      </header>
      <div class="log" role="log" aria-label={`Messages in ${title(entry)}`} ref={logRef} onScroll={onScroll} tabIndex={0}>
        {entry.hasOlder && entry.messages && (
          <button type="button" class="older" onClick={() => void older()} disabled={loadingOlder}>
            {loadingOlder ? "Loading…" : "Load older messages"}
          </button>
        )}
        {!entry.messages && <p class="meta">Loading…</p>}
        {messages.map((message) => (
          <MessageItem
            key={message.id}
            message={message}
            entry={entry}
            onReply={() => setReplyTo(message)}
            seenBy={message === myLast ? seenBy : []}
          />
        ))}
        {pending.map((p) => (
          <article class="message mine pending" key={p.clientId}>
            <p class="content">{p.content}</p>
            <p class="meta">Sending…</p>
          </article>
        ))}
      </div>
      <TypingLine conversationId={entry.conversation.id} />
      {canPost ? (
        <Composer entry={entry} replyTo={replyTo} onReplyDone={() => setReplyTo(null)} />
      ) : (
        <p class="meta composer-note">Only the owner and admins post in this channel.</p>
      )}
      {showMembers && <MembersDialog entry={entry} onClose={() => setShowMembers(false)} />}
    </section>
  );
}
