// Client state and the one place conversation events are applied. Every conversation keeps
// `cursor`, the last event seq applied; an event at or below it is a duplicate and is dropped,
// one beyond cursor + 1 means something was missed and the gap is fetched over REST.
import { request } from "./api";
import type { Conversation, ConversationEvent, ConversationListItem, Member, Message, Page, User } from "./types";

export interface ConversationState {
  conversation: Conversation;
  lastMessage: Message | null;
  unread: number;
  cursor: number;
  members: Map<string, Member> | null;
  /** Messages by id: the pages read so far and everything that arrived live. */
  messages: Map<string, Message>;
  /** Whether the newest page of history has been read (it is, once the conversation opens). */
  loaded: boolean;
  hasOlder: boolean;
}

export interface PendingMessage {
  clientId: string;
  conversationId: string;
  content: string;
  replyToId: string | null;
  /** Why the server refused it, if it did; the person may retry or discard it. */
  error?: string;
}

export type ConnectionStatus = "connecting" | "online" | "offline";

export const state = {
  me: null as User | null,
  conversations: new Map<string, ConversationState>(),
  users: new Map<string, User>(),
  online: new Map<string, boolean>(),
  /** conversation id -> user id -> time the indicator lapses. */
  typing: new Map<string, Map<string, number>>(),
  activeId: null as string | null,
  connection: "connecting" as ConnectionStatus,
  pending: new Map<string, PendingMessage>(),
};

const listeners = new Set<() => void>();
let scheduled = false;

export function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Re-renders subscribers once per tick, however many changes came in. */
export function changed() {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    listeners.forEach((listener) => listener());
  });
}

export function reset() {
  state.me = null;
  state.conversations.clear();
  state.users.clear();
  state.online.clear();
  state.typing.clear();
  state.pending.clear();
  state.activeId = null;
  changed();
}

export function rememberUser(user: User) {
  state.users.set(user.id, { ...state.users.get(user.id), ...user });
  if (user.online !== undefined) state.online.set(user.id, user.online);
}

export function displayName(userId: string | null): string {
  if (!userId) return "someone";
  const user = state.users.get(userId);
  if (!user) return "…";
  const full = [user.first_name, user.last_name].filter(Boolean).join(" ");
  return full ? `${user.username} (${full})` : user.username;
}

/** The conversation's title: its name, or the other person's username in a direct one. */
export function title(entry: ConversationState): string {
  if (entry.conversation.name) return entry.conversation.name;
  const other = otherMember(entry);
  return other ? (state.users.get(other)?.username ?? "…") : "(just you)";
}

export function otherMember(entry: ConversationState): string | null {
  if (entry.conversation.kind !== "direct" || !entry.members) return null;
  for (const id of entry.members.keys()) if (id !== state.me?.id) return id;
  return null;
}

export function sortedConversations(): ConversationState[] {
  const when = (entry: ConversationState) => entry.lastMessage?.created_at ?? entry.conversation.updated_at;
  return [...state.conversations.values()].sort((a, b) => when(b).localeCompare(when(a)));
}

export function sortedMessages(entry: ConversationState): Message[] {
  return [...entry.messages.values()].sort((a, b) => a.seq - b.seq);
}

/** Loads (or reloads) my conversation list; new ones start at their current seq. */
export async function loadConversations() {
  const page = await request<Page<ConversationListItem>>("GET", "/api/conversations?limit=200");
  const seen = new Set<string>();
  for (const item of page.items) {
    seen.add(item.id);
    const { last_message, unread_count, ...conversation } = item;
    const entry = state.conversations.get(item.id);
    if (entry) {
      entry.conversation = { ...entry.conversation, ...conversation };
      if (entry.cursor >= conversation.last_seq) {
        entry.lastMessage = last_message;
        entry.unread = unread_count;
      }
    } else {
      addConversation(conversation, last_message, unread_count);
    }
  }
  for (const id of [...state.conversations.keys()]) if (!seen.has(id)) state.conversations.delete(id);
  changed();
}

function addConversation(conversation: Conversation, lastMessage: Message | null, unread: number) {
  const entry: ConversationState = {
    conversation,
    lastMessage,
    unread,
    cursor: conversation.last_seq,
    members: null,
    messages: new Map(),
    loaded: false,
    hasOlder: true,
  };
  state.conversations.set(conversation.id, entry);
  void loadMembers(entry);
  return entry;
}

/** Who is online now: after a reconnect, presence frames missed meanwhile are replaced. */
export async function loadPresence() {
  const page = await request<Page<User>>("GET", "/api/users/online?limit=200");
  const online = new Set(page.items.map((user) => user.id));
  for (const id of state.online.keys()) state.online.set(id, online.has(id));
  page.items.forEach(rememberUser);
  changed();
}

export async function loadMembers(entry: ConversationState) {
  const page = await request<Page<Member>>("GET", `/api/conversations/${entry.conversation.id}/members?limit=200`);
  entry.members = new Map(page.items.map((member) => [member.user.id, member]));
  page.items.forEach((member) => rememberUser(member.user));
  changed();
}

const PAGE = 50;

/** Loads the newest page, or the page before the oldest loaded message. */
export async function loadMessages(entry: ConversationState, older: boolean) {
  const id = entry.conversation.id;
  const oldest = older ? sortedMessages(entry)[0]?.seq : undefined;
  const query = oldest ? `before_seq=${oldest}&limit=${PAGE}` : `limit=${PAGE}`;
  const page = await request<Page<Message>>("GET", `/api/conversations/${id}/messages?${query}`);
  for (const message of page.items) {
    const known = entry.messages.get(message.id);
    // A live edit or delete may have arrived after this page was read: keep the later one.
    if (!known || (known.edited_at ?? "") < (message.edited_at ?? "") || message.deleted_at) {
      entry.messages.set(message.id, known?.deleted_at ? known : message);
    }
  }
  if (older || !entry.loaded) entry.hasOlder = page.has_more ?? false;
  entry.loaded = true;
  changed();
}

const fetchingGap = new Set<string>();
const gapAgain = new Set<string>();

/** Applies a conversation event exactly once, in seq order. */
export function applyEvent(event: ConversationEvent) {
  const entry = state.conversations.get(event.conversation_id);
  if (!entry || event.seq <= entry.cursor) return;
  if (event.seq > entry.cursor + 1) {
    void fillGap(entry);
    return;
  }
  entry.cursor = event.seq;
  entry.conversation.last_seq = Math.max(entry.conversation.last_seq, event.seq);
  switch (event.type) {
    case "message.created":
    case "message.updated":
      if (event.message) putMessage(entry, event.message, event.type === "message.created");
      break;
    case "message.deleted":
      if (event.message_id) deleteMessage(entry, event.message_id);
      break;
    case "member.joined":
    case "member.left":
    case "member.updated":
      void loadMembers(entry);
      break;
    case "conversation.updated":
      if (event.conversation) entry.conversation = { ...entry.conversation, ...event.conversation };
      break;
  }
  changed();
}

/**
 * Fetches, in order, every event after the cursor: for a gap seen in the live stream. A gap
 * seen while a fetch is under way (an event newer than that fetch's answer) fetches again.
 */
export async function fillGap(entry: ConversationState) {
  const id = entry.conversation.id;
  if (fetchingGap.has(id)) {
    gapAgain.add(id);
    return;
  }
  fetchingGap.add(id);
  try {
    do {
      gapAgain.delete(id);
      for (;;) {
        const page = await request<Page<ConversationEvent>>(
          "GET",
          `/api/conversations/${id}/events?after_seq=${entry.cursor}&limit=200`,
        );
        page.items.forEach(applyEvent);
        if (!page.has_more || page.items.length === 0) break;
      }
    } while (gapAgain.has(id));
  } finally {
    fetchingGap.delete(id);
  }
}

function putMessage(entry: ConversationState, message: Message, created: boolean) {
  if (message.client_id) state.pending.delete(message.client_id);
  entry.messages.set(message.id, message);
  if (!entry.lastMessage || entry.lastMessage.seq <= message.seq || entry.lastMessage.id === message.id) {
    entry.lastMessage = message;
  }
  if (created && message.sender_id !== state.me?.id && !isReading(entry)) entry.unread += 1;
  if (created && isReading(entry)) markRead(entry);
}

function deleteMessage(entry: ConversationState, messageId: string) {
  const known = entry.messages.get(messageId);
  if (known) entry.messages.set(messageId, { ...known, content: null, deleted_at: new Date().toISOString() });
  if (entry.lastMessage?.id === messageId) entry.lastMessage = { ...entry.lastMessage, content: null, deleted_at: "now" };
}

/** The person is looking at this conversation: it is open and the page is visible. */
export function isReading(entry: ConversationState) {
  return state.activeId === entry.conversation.id && document.visibilityState === "visible";
}

let sendRead: (conversationId: string, seq: number) => void = () => {};
export const onRead = (send: typeof sendRead) => (sendRead = send);

/** Moves my read marker to the newest message I have. */
export function markRead(entry: ConversationState) {
  const seq = entry.lastMessage?.seq ?? 0;
  const me = state.me && entry.members?.get(state.me.id);
  entry.unread = 0;
  if (seq > 0 && (!me || me.last_read_seq < seq)) {
    if (me) me.last_read_seq = seq;
    sendRead(entry.conversation.id, seq);
  }
  changed();
}

export function applyRead(conversationId: string, userId: string, seq: number) {
  const member = state.conversations.get(conversationId)?.members?.get(userId);
  if (member && member.last_read_seq < seq) member.last_read_seq = seq;
  if (userId === state.me?.id) {
    const entry = state.conversations.get(conversationId);
    if (entry && (entry.lastMessage?.seq ?? 0) <= seq) entry.unread = 0;
  }
  changed();
}

export function applyTyping(conversationId: string, userId: string, isTyping: boolean) {
  if (userId === state.me?.id) return;
  const typing = state.typing.get(conversationId) ?? new Map<string, number>();
  if (isTyping) typing.set(userId, Date.now() + 6000);
  else typing.delete(userId);
  state.typing.set(conversationId, typing);
  changed();
}

export function typingUsers(conversationId: string): string[] {
  const typing = state.typing.get(conversationId);
  if (!typing) return [];
  const now = Date.now();
  return [...typing.entries()].filter(([, until]) => until > now).map(([id]) => id);
}

export function conversationCreated(conversation: Conversation) {
  if (state.conversations.has(conversation.id)) return;
  // Start from the beginning so that anything said before this frame came is counted too.
  const entry = addConversation({ ...conversation, last_seq: 0 }, null, 0);
  void fillGap(entry);
  changed();
}

export function conversationDeleted(conversationId: string) {
  state.conversations.delete(conversationId);
  if (state.activeId === conversationId) state.activeId = null;
  changed();
}
