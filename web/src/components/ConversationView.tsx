import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { changed, loadMembers, loadMessages, markRead, otherMember, sortedMessages, state, title, type ConversationState } from "../store";
import type { Message } from "../types";
import { Composer } from "./Composer";
import { MembersDialog } from "./MembersDialog";
import { MessageItem } from "./MessageItem";
import { Presence } from "./Presence";
import { PendingItem } from "./PendingItem";
import { TypingLine } from "./TypingLine";

export function ConversationView({ entry }: { entry: ConversationState }) {
  const logRef = useRef<HTMLDivElement>(null);
  // What the log looked like after the last render: its height, its first message, and
  // whether it was scrolled to the bottom.
  const view = useRef({ height: 0, firstSeq: undefined as number | undefined, atBottom: true });
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [showMembers, setShowMembers] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const messages = sortedMessages(entry);
  const pending = [...state.pending.values()].filter((p) => p.conversationId === entry.conversation.id);
  const other = otherMember(entry);
  const role = entry.members?.get(state.me?.id ?? "")?.role;
  const canPost = entry.conversation.kind !== "channel" || role === "owner" || role === "admin";

  useEffect(() => {
    if (!entry.loaded) void loadMessages(entry, false).then(() => markRead(entry));
    if (!entry.members) void loadMembers(entry);
  }, [entry.conversation.id]);

  // At the bottom, stay there as messages come in; when older ones are put on top, keep the
  // messages in view where they were; otherwise leave the scroll position alone.
  const firstSeq = messages[0]?.seq;
  useLayoutEffect(() => {
    const log = logRef.current;
    if (!log) return;
    const before = view.current;
    if (before.atBottom) log.scrollTop = log.scrollHeight;
    else if (before.firstSeq !== undefined && before.firstSeq !== firstSeq) log.scrollTop += log.scrollHeight - before.height;
    view.current = { height: log.scrollHeight, firstSeq, atBottom: before.atBottom };
  });

  async function older() {
    if (loadingOlder || !entry.hasOlder || !entry.loaded) return;
    setLoadingOlder(true);
    try {
      await loadMessages(entry, true);
    } finally {
      setLoadingOlder(false);
    }
  }

  function onScroll() {
    const log = logRef.current!;
    view.current.atBottom = log.scrollHeight - log.clientHeight - log.scrollTop < 30;
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
        {entry.hasOlder && entry.loaded && (
          <button type="button" class="older" onClick={() => void older()} disabled={loadingOlder}>
            {loadingOlder ? "Loading…" : "Load older messages"}
          </button>
        )}
        {!entry.loaded && <p class="meta">Loading…</p>}
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
          <PendingItem key={p.clientId} message={p} />
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
